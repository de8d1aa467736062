-- Every resolved subscription line with its annual value in USD at int_fx_rates_as_of (constant
-- as-of rates: exchange rates never look like growth or churn) and the rank of its support tier
-- (seed support_tiers: the highest rank of an account wins). The one place both are computed:
-- ARR on as-of (int_subscription_lines_active) and the KPIs (int_kpi_account_months) read it.
-- annual_value_usd is NULL when the line's currency has no rate on or before the as-of month.
-- is_arr_line: the line is revenue on the days it is in force (start_date <= day < end_date):
-- status Active, or Expired (a line that ran its term; the ERP exports only today's status).
-- Cancelled lines never are. The KPIs' ARR on a day (docs/kpis.md) reads it.

select
    lines.contract_id,
    lines.line_id,
    lines.customer_number,
    lines.account_id,
    lines.product_code,
    lines.status,
    lines.start_date,
    lines.end_date,
    lines.annual_value,
    lines.currency,
    lines.support_tier,
    lines.auto_renew,
    tiers.support_tier_rank,
    fx.rate_to_usd,
    {{ to_usd('lines.annual_value', 'fx.rate_to_usd') }} as annual_value_usd,
    lines.status = 'Active' or (lines.status = 'Expired' and lines.end_date <= {{ as_of_date() }}) as is_arr_line
from {{ ref('int_subscriptions_resolved') }} as lines
left join {{ ref('int_fx_rates_as_of') }} as fx
    on fx.currency = lines.currency
left join {{ ref('support_tiers') }} as tiers
    on tiers.support_tier = lines.support_tier
