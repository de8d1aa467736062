-- Subscription lines that make up ARR on the as-of date: status Active and
-- start_date <= as-of < end_date, with annual_value converted to USD at int_fx_rates_as_of.
-- annual_value_usd is NULL when the line's currency has no rate on or before the as-of month.

select
    lines.contract_id,
    lines.line_id,
    lines.customer_number,
    lines.account_id,
    lines.product_code,
    lines.start_date,
    lines.end_date,
    lines.annual_value,
    lines.currency,
    lines.support_tier,
    case lines.support_tier when 'TAM' then 3 when 'Premium' then 2 when 'Standard' then 1 end
        as support_tier_rank,
    fx.rate_to_usd,
    lines.annual_value * fx.rate_to_usd as annual_value_usd
from {{ ref('int_subscriptions_resolved') }} as lines
left join {{ ref('int_fx_rates_as_of') }} as fx
    on fx.currency = lines.currency
where lines.status = 'Active'
  and lines.start_date <= {{ as_of_date() }}
  and lines.end_date > {{ as_of_date() }}
