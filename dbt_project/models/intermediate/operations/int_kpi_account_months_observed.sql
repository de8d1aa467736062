-- One row per account and month of int_kpi_months with the counts the KPIs of marts.cs_kpis are
-- ratios of that come from what cs360 observes night after night: CSAT ratings of the tickets,
-- and version currency and time to value from marts.health_history (docs/kpis.md has the
-- formulas). Apart from int_kpi_account_months (ARR, renewals, bookings, NPS), so that a night
-- whose only change is new tickets rebuilds only this part. Same accounts, segment and region
-- as int_kpi_account_months; counts are count() (bigint). Nothing dated after as-of is read.

{%- set sources = kpi_account_measures()['int_kpi_account_months_observed'] %}

with months as (

    select * from {{ ref('int_kpi_months') }}

),

-- CSAT: tickets rated good or bad, in the month of their UTC solved day. Read from the
-- per-ticket facts of int_tickets_resolved (narrow columns; no as-of date changes them). The
-- tickets solved before the first month are left out before their month is computed (the join
-- below drops them anyway): half of the rated tickets of the 100 000-account bench, which has two
-- years of tickets for twelve months of KPIs.
rated_tickets as (

    select
        account_id,
        satisfaction_score,
        cast(solved_at as date) as solved_date
    from {{ ref('int_tickets_resolved') }}
    where account_id is not null
      and satisfaction_score in ('good', 'bad')
      and solved_at >= (select min(month_start) from months)

),

csat as (

    select
        months.month_start,
        tickets.account_id,
        count(*) as csat_rated_tickets,
        count(case when tickets.satisfaction_score = 'good' then 1 end) as csat_good_tickets
    from rated_tickets as tickets
    {#- the month of solved_date, by an equality (a range join over every rated ticket costs
        more): month_start <= solved_date <= month_end_date, both in one calendar month #}
    inner join months
        on months.month_start = cast({{ dbt.date_trunc('month', 'tickets.solved_date') }} as date)
        and tickets.solved_date <= months.month_end_date
    group by months.month_start, tickets.account_id

),

-- Version currency has no history in the extracts (installations are today's): it is read from
-- marts.health_history, the latest snapshot of each account in the month. Customers without a
-- production installation are not measured.
snapshots as (

    select
        months.month_start,
        history.account_id,
        history.production_installations,
        history.is_version_current,
        row_number() over (
            partition by months.month_start, history.account_id
            order by history.as_of_date desc
        ) as recency
    from {{ ref('health_history') }} as history
    {#- the month of as_of_date by an equality, as the CSAT above: health_history grows by every
        account every night, and a range join of all its rows with the months cost more #}
    inner join months
        on months.month_start = cast({{ dbt.date_trunc('month', 'history.as_of_date') }} as date)
        and history.as_of_date <= months.month_end_date

),

versions as (

    select
        month_start,
        account_id,
        case when production_installations > 0 then 1 else 0 end as version_measured_customers,
        case when production_installations > 0 and is_version_current then 1 else 0 end
            as version_current_customers
    from snapshots
    where recency = 1

),

-- Time to value: days from the account's first contract start to its first production
-- check-in, counted in the month of that check-in. The license report keeps only each
-- installation's latest check-in, so the first one is the earliest that health_history has
-- recorded, and it is known only for accounts whose first contract started on or after the
-- first snapshot of health_history (older customers went live before cs360 was watching).
history_start as (

    select min(as_of_date) as first_snapshot_date
    from {{ ref('health_history') }}
    where as_of_date <= {{ as_of_date() }}

),

first_checkins as (

    select
        account_id,
        cast(min(production_checkin_at) as date) as first_checkin_date
    from {{ ref('health_history') }}
    where as_of_date <= {{ as_of_date() }}
      and production_checkin_at is not null
    group by account_id

),

-- The first contract start of each account, for time to value (the lines of
-- int_kpi_account_months' ARR and renewals).
first_contracts as (

    select account_id, min(start_date) as first_start_date
    from {{ ref('int_subscription_lines_converted') }}
    where account_id is not null
      and start_date is not null
      and end_date is not null
      and start_date <= {{ as_of_date() }}
    group by account_id

),

time_to_value as (

    select
        months.month_start,
        first_checkins.account_id,
        1 as ttv_customers,
        case
            when first_checkins.first_checkin_date < first_contracts.first_start_date then 0
            else {{ dbt.datediff('first_contracts.first_start_date', 'first_checkins.first_checkin_date', 'day') }}
        end as ttv_days_total
    from first_checkins
    inner join first_contracts
        on first_contracts.account_id = first_checkins.account_id
    cross join history_start
    inner join months
        on first_checkins.first_checkin_date >= months.month_start
        and first_checkins.first_checkin_date <= months.month_end_date
    where first_contracts.first_start_date >= history_start.first_snapshot_date

),

-- Each step above has at most one row per month and account: one row per (month, account) that
-- any of them has, for the accounts the KPIs count, each step's measures joined on (0 where it
-- has no row).
{{ kpi_account_month_rows(sources) }}
