-- The metrics the product health score is computed from, one row per row of
-- int_account_products_measured, NULL where a component has no data (as in
-- int_accounts_health_prepared). NPS, invoices and CSM activity have no product: sentiment is
-- CSAT only, and financial and engagement do not apply to a product (NULL).

select
    account_id,
    product_code,
    case when has_support_organization then urgent_open_tickets end as urgent_open_tickets,
    case when has_support_organization
        then (tickets_90d + 1) / (cast(tickets_baseline_270d as {{ type_double() }}) / 3 + 1)
    end as ticket_trend_ratio,
    cast(null as {{ dbt.type_int() }}) as nps_latest,
    cast(null as {{ dbt.type_int() }}) as nps_age_days,
    csat_90d,
    seat_utilization,
    100 * cast(trained_users as {{ type_double() }}) / nullif(seats_purchased, 0) as trained_users_per_100_seats,
    case when production_installations > 0 then max_versions_behind end as max_versions_behind,
    case when production_installations > 0 then case when is_end_of_support then 1 else 0 end end
        as end_of_support,
    cast(null as {{ type_double() }}) as overdue_share_of_arr,
    cast(null as {{ dbt.type_int() }}) as days_since_last_activity,
    false as is_engagement_applicable
from {{ ref('int_account_products_measured') }}
