-- marts.customer_360: one row per CRM account that is not deleted and whose Type is Customer,
-- every figure as of the as-of date (contract: /work/shared/customer-360-contract.md, columns
-- documented in _customer_360.yml). The figures come from int_account_metrics (grain 'account'),
-- the health score from int_health_scores; this model only shapes them into the contract.

with metrics as (

    select * from {{ ref('int_account_metrics') }}
    where grain = 'account'

),

health as (

    select * from {{ ref('int_health_scores') }}
    where grain = 'account'

)

select
    cast(metrics.account_id as {{ dbt.type_string() }}) as account_id,
    cast(metrics.account_name as {{ dbt.type_string() }}) as account_name,
    cast(metrics.parent_account_id as {{ dbt.type_string() }}) as parent_account_id,
    cast(metrics.region as {{ dbt.type_string() }}) as region,
    cast(metrics.segment as {{ dbt.type_string() }}) as segment,
    cast(metrics.csm_name as {{ dbt.type_string() }}) as csm_name,
    cast(metrics.as_of_date as date) as as_of_date,
    cast(metrics.arr_usd as decimal(18, 2)) as arr_usd,
    cast(metrics.next_renewal_date as date) as next_renewal_date,
    cast(metrics.days_to_renewal as {{ dbt.type_int() }}) as days_to_renewal,
    cast(metrics.support_tier as {{ dbt.type_string() }}) as support_tier,
    cast(metrics.open_tickets as {{ dbt.type_int() }}) as open_tickets,
    cast(metrics.urgent_open_tickets as {{ dbt.type_int() }}) as urgent_open_tickets,
    cast(metrics.tickets_90d as {{ dbt.type_int() }}) as tickets_90d,
    cast(metrics.csat_90d as {{ type_double() }}) as csat_90d,
    cast(metrics.nps_latest as {{ dbt.type_int() }}) as nps_latest,
    cast(metrics.trained_users as {{ dbt.type_int() }}) as trained_users,
    cast(metrics.seats_purchased as {{ dbt.type_int() }}) as seats_purchased,
    cast(metrics.seats_in_use as {{ dbt.type_int() }}) as seats_in_use,
    cast(metrics.seat_utilization as {{ type_double() }}) as seat_utilization,
    cast(metrics.max_versions_behind as {{ dbt.type_int() }}) as max_versions_behind,
    cast(metrics.is_version_current as {{ dbt.type_boolean() }}) as is_version_current,
    cast(metrics.is_end_of_support as {{ dbt.type_boolean() }}) as is_end_of_support,
    cast(metrics.overdue_amount_usd as decimal(18, 2)) as overdue_amount_usd,
    cast(metrics.days_since_last_activity as {{ dbt.type_int() }}) as days_since_last_activity,
    cast(health.health_score as {{ dbt.type_int() }}) as health_score,
    cast(health.health_band as {{ dbt.type_string() }}) as health_band,
    cast(health.health_drivers as {{ dbt.type_string() }}) as health_drivers,
    cast(health.health_support as {{ type_double() }}) as health_support,
    cast(health.health_sentiment as {{ type_double() }}) as health_sentiment,
    cast(health.health_adoption as {{ type_double() }}) as health_adoption,
    cast(health.health_training as {{ type_double() }}) as health_training,
    cast(health.health_version as {{ type_double() }}) as health_version,
    cast(health.health_financial as {{ type_double() }}) as health_financial,
    cast(health.health_engagement as {{ type_double() }}) as health_engagement,
    cast(health.health_config_version as {{ dbt.type_string() }}) as health_config_version
from metrics
left join health
    on health.account_id = metrics.account_id
