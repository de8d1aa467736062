-- marts.customer_product_360: one row per customer account and product it holds or runs on the
-- as-of date (an active subscription line, an active entitlement or a production installation),
-- with the product's own figures and a product health score from the same formula as
-- customer_360 over the components that apply to a product (see docs/health_score.md).

with metrics as (

    select * from {{ ref('int_account_metrics') }}
    where grain = 'account_product'

),

health as (

    select * from {{ ref('int_health_scores') }}
    where grain = 'account_product'

)

select
    cast(metrics.account_id as {{ dbt.type_string() }}) as account_id,
    cast(metrics.product_code as {{ dbt.type_string() }}) as product_code,
    cast(metrics.account_name as {{ dbt.type_string() }}) as account_name,
    cast(metrics.csm_name as {{ dbt.type_string() }}) as csm_name,
    cast(metrics.as_of_date as date) as as_of_date,
    cast(metrics.arr_usd as decimal(18, 2)) as arr_usd,
    cast(metrics.next_renewal_date as date) as next_renewal_date,
    cast(metrics.days_to_renewal as {{ dbt.type_int() }}) as days_to_renewal,
    cast(metrics.support_tier as {{ dbt.type_string() }}) as support_tier,
    cast(metrics.seats_purchased as {{ dbt.type_int() }}) as seats_purchased,
    cast(metrics.seats_in_use as {{ dbt.type_int() }}) as seats_in_use,
    cast(metrics.seat_utilization as {{ type_double() }}) as seat_utilization,
    cast(metrics.production_installations as {{ dbt.type_int() }}) as production_installations,
    cast(metrics.max_versions_behind as {{ dbt.type_int() }}) as max_versions_behind,
    cast(metrics.is_version_current as {{ dbt.type_boolean() }}) as is_version_current,
    cast(metrics.is_end_of_support as {{ dbt.type_boolean() }}) as is_end_of_support,
    cast(metrics.open_tickets as {{ dbt.type_int() }}) as open_tickets,
    cast(metrics.urgent_open_tickets as {{ dbt.type_int() }}) as urgent_open_tickets,
    cast(metrics.tickets_90d as {{ dbt.type_int() }}) as tickets_90d,
    cast(metrics.csat_90d as {{ type_double() }}) as csat_90d,
    cast(metrics.trained_users as {{ dbt.type_int() }}) as trained_users,
    cast(health.health_score as {{ dbt.type_int() }}) as health_score,
    cast(health.health_band as {{ dbt.type_string() }}) as health_band,
    cast(health.health_drivers as {{ dbt.type_string() }}) as health_drivers,
    cast(health.health_support as {{ type_double() }}) as health_support,
    cast(health.health_sentiment as {{ type_double() }}) as health_sentiment,
    cast(health.health_adoption as {{ type_double() }}) as health_adoption,
    cast(health.health_training as {{ type_double() }}) as health_training,
    cast(health.health_version as {{ type_double() }}) as health_version,
    cast(health.health_config_version as {{ dbt.type_string() }}) as health_config_version
from metrics
left join health
    on health.account_id = metrics.account_id
    and health.product_code = metrics.product_code
