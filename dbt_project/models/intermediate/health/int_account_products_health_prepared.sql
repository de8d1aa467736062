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
    -- urgent tickets and trained users are divided by the account's size units in the
    -- health_scores macro (docs/health_score.md, "Scaled to account size"); training needs seats.
    case when seats_purchased > 0 then trained_users end as trained_users,
    seats_purchased,
    case when production_installations > 0 then max_versions_behind end as max_versions_behind,
    case when production_installations > 0 then case when is_end_of_support then 1 else 0 end end
        as end_of_support,
    cast(null as {{ type_double() }}) as overdue_share_of_arr,
    cast(null as {{ dbt.type_int() }}) as days_since_last_activity,
    false as is_engagement_applicable
from {{ ref('int_account_products_measured') }}
