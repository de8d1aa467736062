-- One row per account and month of int_kpi_months with the counts and amounts the KPIs of
-- marts.cs_kpis are ratios of (docs/kpis.md has the formulas) that come from contracts,
-- opportunities and NPS answers: ARR, renewals, bookings, NPS. CSAT, version currency and time to
-- value read the tickets and marts.health_history: they are int_kpi_account_months_observed, so
-- that a night whose only change is new tickets keeps this model (nothing it reads changed).
-- Only accounts whose CRM Type is Customer or Former Customer count (a churned customer is a
-- Former Customer now); segment and region are the account's current ones. Every amount is in
-- USD at the rates of the as-of month (int_fx_rates_as_of): constant currency, so exchange rates
-- never look like churn or growth.
-- Nothing dated after as-of is read.
-- Counts are count() (bigint) and amounts decimal(18, 6), the type of the amounts summed: DuckDB's
-- sum() of 0/1 flags is a 128-bit HUGEINT and of decimal(18, 6) a decimal(38, 6), also 128-bit,
-- which marts.cs_kpis read back about five times slower (docs/performance.md, "Measured by hand").

{%- set grace = var('kpi_renewal_grace_days') | int %}
{%- set sources = kpi_account_measures()['int_kpi_account_months'] %}

with months as (

    select * from {{ ref('int_kpi_months') }}

),

fx as (

    select * from {{ ref('int_fx_rates_as_of') }}

),

subscription_lines as (

    select
        account_id,
        contract_id,
        product_code,
        start_date,
        end_date,
        status,
        support_tier_rank,
        annual_value_usd,
        is_arr_line
    from {{ ref('int_subscription_lines_converted') }}
    where account_id is not null
      and start_date is not null
      and end_date is not null

),

-- ARR on a day: lines in force that day (start_date <= day < end_date) that were revenue
-- (is_arr_line of int_subscription_lines_converted: Active, or Expired). The lines of an account
-- with the same dates are added up first (a contract's products share them): the same sums
-- (exact decimals), from fewer rows joined to each month's dates.
arr_lines as (

    select account_id, start_date, end_date, sum(annual_value_usd) as annual_value_usd
    from subscription_lines
    where is_arr_line
    group by account_id, start_date, end_date

),

arr_points as (

    select month_start, 'opening' as point, month_start as point_date from months
    union all
    select month_start, 'closing' as point, closing_date as point_date from months
    union all
    select month_start, 'ttm_opening' as point, ttm_opening_date as point_date from months

),

arr as (

    select
        arr_points.month_start,
        arr_lines.account_id,
        cast(sum(case when arr_points.point = 'opening' then arr_lines.annual_value_usd else 0 end) as decimal(18, 6))
            as arr_opening_usd,
        cast(sum(case when arr_points.point = 'closing' then arr_lines.annual_value_usd else 0 end) as decimal(18, 6))
            as arr_closing_usd,
        cast(sum(case when arr_points.point = 'ttm_opening' then arr_lines.annual_value_usd else 0 end) as decimal(18, 6))
            as arr_ttm_opening_usd
    from arr_points
    inner join arr_lines
        on arr_lines.start_date <= arr_points.point_date
        and arr_lines.end_date > arr_points.point_date
    group by arr_points.month_start, arr_lines.account_id

),

-- Renewals: a contract is due in the month of its end date (the latest end_date of its lines),
-- when that is on or before as-of. It renewed when, for any of its products, the account has a
-- line of another contract (not Cancelled, started on or before as-of) that starts within
-- kpi_renewal_grace_days of that end date. Premium/TAM: the contract's highest tier.
contracts as (

    select
        account_id,
        contract_id,
        max(end_date) as end_date,
        max(support_tier_rank) as support_tier_rank
    from subscription_lines
    where contract_id is not null
    group by account_id, contract_id

),

contracts_due as (

    select
        months.month_start,
        contracts.account_id,
        contracts.contract_id,
        contracts.end_date,
        coalesce(contracts.support_tier_rank, 0) >= 2 as is_premium_tam
    from contracts
    inner join months
        on contracts.end_date >= months.month_start
        and contracts.end_date <= months.month_end_date

),

contracts_renewed as (

    select distinct
        due.contract_id,
        due.account_id
    from contracts_due as due
    inner join subscription_lines as due_lines
        on due_lines.account_id = due.account_id
        and due_lines.contract_id = due.contract_id
    inner join subscription_lines as successor
        on successor.account_id = due.account_id
        and successor.product_code = due_lines.product_code
        and successor.contract_id <> due.contract_id
        and successor.status <> 'Cancelled'
        and successor.start_date >= {{ dbt.dateadd('day', -grace, 'due.end_date') }}
        and successor.start_date <= {{ dbt.dateadd('day', grace, 'due.end_date') }}
        and successor.start_date <= {{ as_of_date() }}

),

renewals as (

    select
        due.month_start,
        due.account_id,
        count(*) as renewals_due,
        count(renewed.contract_id) as renewals_renewed,
        count(case when due.is_premium_tam then 1 end) as premium_tam_renewals_due,
        count(case when due.is_premium_tam and renewed.contract_id is not null then 1 end)
            as premium_tam_renewals_renewed
    from contracts_due as due
    left join contracts_renewed as renewed
        on renewed.contract_id = due.contract_id
        and renewed.account_id = due.account_id
    group by due.month_start, due.account_id

),

-- Bookings: Closed Won opportunities by close date; New Business is net-new, Upsell and
-- Cross-sell are expansion, Renewal is neither (retention covers it). Closed expansion
-- opportunities, won or lost, are the denominator of the upsell rate.
bookings as (

    select
        months.month_start,
        opportunities.account_id,
        cast(sum(case when opportunities.is_won and opportunities.opportunity_type = 'New Business'
                 then {{ to_usd('opportunities.amount', 'fx.rate_to_usd') }} else 0 end) as decimal(18, 6)) as net_new_bookings_usd,
        count(case when opportunities.is_won and opportunities.opportunity_type = 'New Business' then 1 end) as net_new_deals,
        cast(sum(case when opportunities.is_won and opportunities.opportunity_type in ('Upsell', 'Cross-sell')
                 then {{ to_usd('opportunities.amount', 'fx.rate_to_usd') }} else 0 end) as decimal(18, 6)) as expansion_bookings_usd,
        count(case when opportunities.is_won and opportunities.opportunity_type in ('Upsell', 'Cross-sell') then 1 end) as expansion_deals,
        count(case when opportunities.opportunity_type in ('Upsell', 'Cross-sell') then 1 end) as expansion_opportunities_closed
    from {{ ref('int_opportunities_resolved') }} as opportunities
    inner join months
        on opportunities.close_date >= months.month_start
        and opportunities.close_date <= months.month_end_date
    left join fx
        on fx.currency = opportunities.currency
    where opportunities.account_id is not null
      and opportunities.is_closed
    group by months.month_start, opportunities.account_id

),

nps as (

    select
        months.month_start,
        responses.account_id,
        count(*) as nps_responses,
        count(case when responses.score >= 9 then 1 end) as nps_promoters,
        count(case when responses.score <= {{ var('cta_nps_detractor_max_score') }} then 1 end) as nps_detractors
    from {{ ref('int_nps_responses_resolved') }} as responses
    inner join months
        on responses.submitted_date >= months.month_start
        and responses.submitted_date <= months.month_end_date
    where responses.account_id is not null
      and responses.score is not null
    group by months.month_start, responses.account_id

),

-- Each step above has at most one row per month and account: one row per (month, account) that
-- any of them has, for the accounts the KPIs count, each step's measures joined on (0 where it
-- has no row).
{{ kpi_account_month_rows(sources) }}
