-- Every customer-360 figure of each customer account on the as-of date, one row per account of
-- int_customer_accounts (-> customer_360, health_history): the figures that count no ticket
-- (int_accounts_measured_without_tickets, kept by a night with only ticket changes) with the
-- ticket figures (int_tickets_counted) and the customer signals (int_account_customer_signals)
-- beside them. Figures are the account's own: a parent does not roll up its children. Zeros
-- and nulls follow the customer-360 contract: counts, amounts and seats are 0 when there is
-- nothing to count; ratios, nps_latest, max_versions_behind, next_renewal_date, support_tier
-- and day counts null. int_account_products_measured has the same figures per account and
-- product.

with tickets as (

    select
        account_id,
        cast(sum(open_tickets) as {{ dbt.type_bigint() }}) as open_tickets,
        cast(sum(urgent_open_tickets) as {{ dbt.type_bigint() }}) as urgent_open_tickets,
        cast(sum(tickets_90d) as {{ dbt.type_bigint() }}) as tickets_90d,
        cast(sum(tickets_baseline_270d) as {{ dbt.type_bigint() }}) as tickets_baseline_270d,
        cast(sum(rated_good_90d) as {{ dbt.type_bigint() }}) as rated_good_90d,
        cast(sum(rated_90d) as {{ dbt.type_bigint() }}) as rated_90d
    from {{ ref('int_tickets_counted') }}
    group by account_id

)

select
    measured.account_id,
    measured.account_name,
    measured.parent_account_id,
    measured.ultimate_parent_account_id,
    measured.region,
    measured.segment,
    measured.csm_name,
    measured.owner_is_active,
    measured.has_finance_record,
    measured.as_of_date,
    {{ measured_figures(measured='measured') }},
    measured.nps_latest,
    measured.nps_latest_date,
    measured.stale_production_installations,
    measured.stale_production_seats,
    measured.overdue_amount_usd,
    measured.has_invoices,
    measured.last_activity_date,
    measured.days_since_last_activity,
    {{ dbt.datediff('signals.last_signal_date', as_of_date(), 'day') }} as days_since_customer_signal,
    -- silent: no signal in the silence_days days up to and including as-of (none ever: silent)
    coalesce(signals.last_signal_date <= {{ days_before_as_of(var('silence_days')) }}, true) as customer_silent,
    coalesce(signals.engagement_last_90d, 0) as engagement_last_90d,
    coalesce(signals.engagement_prior_90d, 0) as engagement_prior_90d,
    coalesce(signals.engagement_trend, 'steady') as engagement_trend
from {{ ref('int_accounts_measured_without_tickets') }} as measured
left join tickets
    on tickets.account_id = measured.account_id
left join {{ ref('int_account_customer_signals') }} as signals
    on signals.account_id = measured.account_id
