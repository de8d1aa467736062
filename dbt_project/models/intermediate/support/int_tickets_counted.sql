-- The ticket counts every account-grain model reads, one row per account and Zendesk `product`
-- field (NULL product: a row of its own), for the tickets that reached an account. One scan of
-- the tickets instead of one per reader: int_accounts_measured sums an account's rows,
-- int_account_products_measured reads the rows with a product, int_account_customer_signals
-- and int_cta_account_facts read the dates and windows.
--
-- The split between what a new as-of date changes and what it does not: each ticket's facts
-- (latest version, account, product, status, priority, rating, created and solved times) are
-- int_tickets_resolved's, incremental by ticket, which no as-of date changes; the as-of windows
-- are applied here, on those narrow columns, in the aggregate. So a new as-of date re-reads
-- seven columns of the tickets and writes one row per account and product; no per-ticket
-- table is rebuilt for it.
--
-- Days are UTC calendar days of created_at / solved_at. Windows, with as-of = day 0:
--   last 90 days ("created in the 90 days up to and including as-of"): as_of - 90 < day <= as_of,
--     i.e. days -89 .. 0; a ticket of day -90 is outside.
--   baseline (the 270 days before those 90): as_of - 360 < day <= as_of - 90, i.e. days -359 .. -90.
--   engagement's prior window (the 90 days before the last 90): as_of - 180 < day <= as_of - 90.
--   CTA surge window and its baseline (vars cta_ticket_surge_window_days,
--     cta_ticket_surge_baseline_days).
-- Open: created on or before as-of and status new, open, pending or hold; urgent: open and
-- priority urgent or high. Rated: solved in the last 90 days and rated good or bad. A ticket
-- created after as-of counts nowhere, not even as open.
-- Counted with count(), a bigint: DuckDB's sum() of integers is a 128-bit integer, which it
-- reads back from storage about a hundred times slower (docs/architecture.md, "What the dbt
-- models cost").
{%- set surge_window = var('cta_ticket_surge_window_days') %}
{%- set surge_baseline = var('cta_ticket_surge_baseline_days') %}

with tickets as (

    select
        account_id,
        product_code,
        cast(created_at as date) as created_date,
        cast(solved_at as date) as solved_date,
        status in ('new', 'open', 'pending', 'hold') as is_open_status,
        priority in ('urgent', 'high') as is_urgent_priority,
        satisfaction_score
    from {{ ref('int_tickets_resolved') }}
    where account_id is not null

),

flagged as (

    select
        account_id,
        product_code,
        created_date,
        created_date <= {{ as_of_date() }} and is_open_status as is_open,
        created_date > {{ days_before_as_of(90) }}
            and created_date <= {{ as_of_date() }} as is_created_90d,
        solved_date > {{ days_before_as_of(90) }}
            and solved_date <= {{ as_of_date() }}
            and satisfaction_score in ('good', 'bad') as is_rated_90d,
        is_urgent_priority,
        satisfaction_score
    from tickets

)

select
    account_id,
    product_code,
    count(case when is_open then 1 end) as open_tickets,
    count(case when is_open and is_urgent_priority then 1 end) as urgent_open_tickets,
    count(case when is_created_90d then 1 end) as tickets_90d,
    count(case when created_date > {{ days_before_as_of(360) }}
              and created_date <= {{ days_before_as_of(90) }} then 1 end) as tickets_baseline_270d,
    count(case when is_rated_90d and satisfaction_score = 'good' then 1 end) as rated_good_90d,
    count(case when is_rated_90d then 1 end) as rated_90d,
    count(case when created_date > {{ days_before_as_of(180) }}
              and created_date <= {{ days_before_as_of(90) }} then 1 end) as tickets_prior_90d,
    count(case when created_date > {{ days_before_as_of(surge_window) }}
              and created_date <= {{ as_of_date() }} then 1 end) as tickets_surge_window,
    count(case when created_date > {{ days_before_as_of(surge_window + surge_baseline) }}
              and created_date <= {{ days_before_as_of(surge_window) }} then 1 end) as tickets_surge_baseline,
    max(case when created_date <= {{ as_of_date() }} then created_date end) as last_created_date
from flagged
group by account_id, product_code
