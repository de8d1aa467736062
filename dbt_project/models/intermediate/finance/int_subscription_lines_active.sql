-- Subscription lines that make up ARR on the as-of date: status Active and
-- start_date <= as-of < end_date (USD value and tier rank from int_subscription_lines_converted).

select
    contract_id,
    line_id,
    customer_number,
    account_id,
    product_code,
    start_date,
    end_date,
    annual_value,
    currency,
    support_tier,
    auto_renew,
    support_tier_rank,
    rate_to_usd,
    annual_value_usd
from {{ ref('int_subscription_lines_converted') }}
where status = 'Active'
  and start_date <= {{ as_of_date() }}
  and end_date > {{ as_of_date() }}
