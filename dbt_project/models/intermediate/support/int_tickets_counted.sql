-- The ticket counts every account-grain model reads, one row per account and Zendesk `product`
-- field (NULL product: a row of its own), for the tickets that reached an account. One scan of
-- the tickets (int_tickets_as_of) instead of one per reader: int_accounts_measured sums an
-- account's rows, int_account_products_measured reads the rows with a product,
-- int_account_customer_signals and int_cta_account_facts read the dates and windows. The
-- windows are int_tickets_as_of's (90 days and the 270-day baseline), the engagement window
-- before them (as_of - 180 < day <= as_of - 90) and the CTA surge window and its baseline
-- (vars cta_ticket_surge_window_days, cta_ticket_surge_baseline_days). Counted with count(), a
-- bigint: DuckDB's sum() of integers is a 128-bit integer, which it reads back from storage
-- about a hundred times slower (docs/architecture.md, "What the dbt models cost").
{%- set surge_window = var('cta_ticket_surge_window_days') %}
{%- set surge_baseline = var('cta_ticket_surge_baseline_days') %}

select
    account_id,
    product_code,
    count(case when is_open then 1 end) as open_tickets,
    count(case when is_urgent_open then 1 end) as urgent_open_tickets,
    count(case when is_created_90d then 1 end) as tickets_90d,
    count(case when is_created_baseline then 1 end) as tickets_baseline_270d,
    count(case when is_rated_good_90d then 1 end) as rated_good_90d,
    count(case when is_rated_90d then 1 end) as rated_90d,
    count(case when created_date > {{ days_before_as_of(180) }}
              and created_date <= {{ days_before_as_of(90) }} then 1 end) as tickets_prior_90d,
    count(case when created_date > {{ days_before_as_of(surge_window) }}
              and created_date <= {{ as_of_date() }} then 1 end) as tickets_surge_window,
    count(case when created_date > {{ days_before_as_of(surge_window + surge_baseline) }}
              and created_date <= {{ days_before_as_of(surge_window) }} then 1 end) as tickets_surge_baseline,
    max(case when created_date <= {{ as_of_date() }} then created_date end) as last_created_date
from {{ ref('int_tickets_as_of') }}
where account_id is not null
group by account_id, product_code
