-- The metrics the account health score is computed from, one row per row of
-- int_accounts_measured, each already NULL where its component has no data. What counts as
-- "no data":
--   support     the account has no Zendesk organization (zero tickets with an organization is
--               data: a quiet customer);
--   sentiment   no NPS answer (staleness is applied by the health_scores macro) and no rated
--               ticket;
--   adoption    nothing purchased (seat_utilization is null);
--   training    nothing purchased (trained users are measured per size unit of purchased seats);
--   version     no production installation;
--   financial   no invoice issued on or before as-of;
--   engagement  an account without any completed activity is scored by the rule of the
--               health_scores macro, unless it has nothing to count at all (then every
--               component is NULL and so is the score).
-- int_account_products_health_prepared has the same metrics per account and product.

select
    account_id,
    {{ health_product_metrics() }},
    nps_latest,
    {{ dbt.datediff('nps_latest_date', as_of_date(), 'day') }} as nps_age_days,
    case
        when not has_invoices then null
        when overdue_amount_usd = 0 then 0
        when arr_usd > 0 then cast(overdue_amount_usd as {{ type_double() }}) / arr_usd
        else 1  -- money overdue and no ARR to set it against: the worst band
    end as overdue_share_of_arr,
    days_since_last_activity,
    -- The contract makes the score of an account with nothing to count NULL, not 0.
    coalesce(has_support_organization, false)
        or coalesce(has_invoices, false)
        or coalesce(arr_usd, 0) > 0
        or coalesce(seats_purchased, 0) > 0
        or coalesce(production_installations, 0) > 0
        or coalesce(trained_users, 0) > 0
        or nps_latest is not null
        or csat_90d is not null
        or days_since_last_activity is not null
        as is_engagement_applicable
from {{ ref('int_accounts_measured') }}
