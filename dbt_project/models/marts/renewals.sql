-- marts.renewals: one row per subscription contract renewal in the next 180 days (the
-- customer-360 contract, "Further marts"). A renewal is a contract_id with an end_date that some
-- Active line of the contract, active on as-of, ends on; each renewal carries its own tier,
-- products and ARR, not the account's mix. Lines of ERP customers that reach no customer_360
-- account are left out (they are in unmatched_records). The account's open Renewal
-- opportunity is joined where there is one: when it has several, the one whose close date is
-- nearest the renewal date (then the lowest opportunity id).

{%- set horizon = var('renewals_horizon_days') | int %}

with customers as (

    select account_id, health_band
    from {{ ref('customer_360') }}

),

lines as (

    select
        lines.account_id,
        lines.contract_id,
        lines.end_date as renewal_date,
        lines.product_code,
        lines.annual_value_usd,
        lines.support_tier_rank,
        lines.auto_renew
    from {{ ref('int_subscription_lines_active') }} as lines
    inner join customers
        on customers.account_id = lines.account_id
    where lines.end_date <= cast({{ dbt.dateadd('day', horizon, as_of_date()) }} as date)

),

products as (

    select distinct account_id, contract_id, renewal_date, product_code
    from lines

),

product_lists as (

    select
        account_id,
        contract_id,
        renewal_date,
        {{ dbt.listagg('product_code', "','", 'order by product_code') }} as product_codes
    from products
    group by account_id, contract_id, renewal_date

),

renewal_lines as (

    select
        account_id,
        contract_id,
        renewal_date,
        sum(annual_value_usd) as arr_usd,
        max(support_tier_rank) as support_tier_rank,
        min(case when auto_renew then 1 else 0 end) = 1 as auto_renew
    from lines
    group by account_id, contract_id, renewal_date

),

renewal_opportunities as (

    select
        renewal_lines.account_id,
        renewal_lines.contract_id,
        renewal_lines.renewal_date,
        opportunities.opportunity_id,
        opportunities.stage_name,
        opportunities.close_date,
        row_number() over (
            partition by renewal_lines.account_id, renewal_lines.contract_id, renewal_lines.renewal_date
            order by
                abs({{ dbt.datediff('renewal_lines.renewal_date', 'opportunities.close_date', 'day') }}),
                opportunities.opportunity_id
        ) as nearness
    from renewal_lines
    inner join {{ ref('int_opportunities_resolved') }} as opportunities
        on opportunities.account_id = renewal_lines.account_id
    where opportunities.opportunity_type = 'Renewal'
      and not coalesce(opportunities.is_closed, false)

),

renewals as (

    select
        renewal_lines.account_id,
        renewal_lines.contract_id,
        renewal_lines.renewal_date,
        {{ as_of_date() }} as as_of_date,
        {{ dbt.datediff(as_of_date(), 'renewal_lines.renewal_date', 'day') }} as days_to_renewal,
        renewal_lines.arr_usd,
        tiers.support_tier,
        product_lists.product_codes,
        renewal_lines.auto_renew,
        customers.health_band,
        opportunities.opportunity_id as renewal_opportunity_id,
        opportunities.stage_name as renewal_opportunity_stage,
        opportunities.close_date as renewal_opportunity_close_date
    from renewal_lines
    inner join customers
        on customers.account_id = renewal_lines.account_id
    inner join product_lists
        on product_lists.account_id = renewal_lines.account_id
        and product_lists.contract_id = renewal_lines.contract_id
        and product_lists.renewal_date = renewal_lines.renewal_date
    left join {{ ref('support_tiers') }} as tiers
        on tiers.support_tier_rank = renewal_lines.support_tier_rank
    left join renewal_opportunities as opportunities
        on opportunities.account_id = renewal_lines.account_id
        and opportunities.contract_id = renewal_lines.contract_id
        and opportunities.renewal_date = renewal_lines.renewal_date
        and opportunities.nearness = 1

),

windowed as (

    select
        renewals.*,
        case
            {%- for w in var('renewal_windows_days') | map('int') | sort %}
            {%- if not loop.last %}
            when renewals.days_to_renewal <= {{ w }} then '{{ w }}d'
            {%- else %}
            else '{{ w }}d'
            {%- endif %}
            {%- endfor %}
        end as renewal_window
    from renewals

)

select
    {{ contract_columns('windowed') }}
from windowed
