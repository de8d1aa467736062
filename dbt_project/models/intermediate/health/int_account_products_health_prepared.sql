-- The metrics the product health score is computed from, one row per row of
-- int_account_products_measured, NULL where a component has no data (as in
-- int_accounts_health_prepared). NPS, invoices and CSM activity have no product: sentiment is
-- CSAT only, and financial and engagement do not apply to a product (NULL).

select
    account_id,
    product_code,
    {{ health_product_metrics() }},
    cast(null as {{ dbt.type_int() }}) as nps_latest,
    cast(null as {{ dbt.type_int() }}) as nps_age_days,
    cast(null as {{ type_double() }}) as overdue_share_of_arr,
    cast(null as {{ dbt.type_int() }}) as days_since_last_activity,
    false as is_engagement_applicable
from {{ ref('int_account_products_measured') }}
