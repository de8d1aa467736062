-- marts.cs_kpis: Customer Success KPIs per month (the kpi_months months up to the as-of month),
-- segment and region, with subtotal rows per segment (region 'all'), per region (segment 'all')
-- and the total (segment 'all', region 'all'). Every ratio is computed from the summed counts
-- and amounts of its group (never an average of ratios), and those sums are columns too, so a
-- BI tool can aggregate further (a quarter, a set of regions) the same way: sum, then divide.
-- Formulas: docs/kpis.md and _marts__cs_kpis.yml. Inputs: int_kpi_account_months and
-- int_kpi_account_months_observed (one row per account and month each), int_kpi_months.

{#- the measures of int_kpi_account_months(_observed), by model, and the retention figures of
    `classified` -#}
{%- set measures = {} %}
{%- for model, sources in kpi_account_measures().items() %}
{%- do measures.update({model: sources.values() | sum(start=[])}) %}
{%- endfor %}
{%- set account_measures = measures.values() | sum(start=[]) %}
{%- set sums = account_measures + [
    'customers_opening', 'customers_churned',
    'retained_arr_usd', 'gross_retained_arr_usd',
    'expansion_arr_usd', 'contraction_arr_usd', 'churned_arr_usd', 'new_logo_arr_usd',
    'ttm_opening_arr_usd', 'ttm_retained_arr_usd', 'ttm_gross_retained_arr_usd',
] %}

with months as (

    select * from {{ ref('int_kpi_months') }}

),

-- The rows of both per-account models stacked, each with the other's measures 0: every sum below
-- adds them up per group, and an account month with ARR is in int_kpi_account_months.
facts as (
    {% for model, provided in measures.items() %}
    select
        month_start,
        segment,
        region,
        {%- for measure in account_measures %}
        {{ measure if measure in provided else '0 as ' ~ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- Each account's month classified against its own opening ARR (the monthly cohort: accounts with
-- ARR on the 1st) and its ARR twelve months before closing (the trailing-twelve-month cohort).
classified as (

    select
        facts.*,
        case when arr_opening_usd > 0 then 1 else 0 end as customers_opening,
        case when arr_opening_usd > 0 and arr_closing_usd <= 0 then 1 else 0 end as customers_churned,
        case when arr_opening_usd > 0 then arr_closing_usd else 0 end as retained_arr_usd,
        case when arr_opening_usd > 0 and arr_closing_usd < arr_opening_usd then arr_closing_usd
             when arr_opening_usd > 0 then arr_opening_usd else 0 end as gross_retained_arr_usd,
        case when arr_opening_usd > 0 and arr_closing_usd > arr_opening_usd
             then arr_closing_usd - arr_opening_usd else 0 end as expansion_arr_usd,
        case when arr_opening_usd > 0 and arr_closing_usd > 0 and arr_closing_usd < arr_opening_usd
             then arr_opening_usd - arr_closing_usd else 0 end as contraction_arr_usd,
        case when arr_opening_usd > 0 and arr_closing_usd <= 0 then arr_opening_usd else 0 end as churned_arr_usd,
        case when arr_opening_usd <= 0 and arr_closing_usd > 0 then arr_closing_usd else 0 end as new_logo_arr_usd,
        case when arr_ttm_opening_usd > 0 then arr_ttm_opening_usd else 0 end as ttm_opening_arr_usd,
        case when arr_ttm_opening_usd > 0 then arr_closing_usd else 0 end as ttm_retained_arr_usd,
        case when arr_ttm_opening_usd > 0 and arr_closing_usd < arr_ttm_opening_usd then arr_closing_usd
             when arr_ttm_opening_usd > 0 then arr_ttm_opening_usd else 0 end as ttm_gross_retained_arr_usd
    from facts

),

-- The finest groups first (a few hundred rows), then the subtotals from them: each grouping
-- set below adds up these sums instead of aggregating every account month again (DuckDB
-- aggregates the input once per grouping set; the sums of counts and of decimals are exact).
per_segment_region as (

    select
        month_start,
        segment,
        region,
        {%- for column in sums %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from classified
    group by month_start, segment, region

),

grouped as (

    select
        month_start,
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        case when grouping(region) = 1 then 'all' else region end as region,
        {%- for column in sums %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from per_segment_region
    group by grouping sets ((month_start, segment, region), (month_start, segment), (month_start, region), (month_start))

),

-- The total row exists for every month, also one without any data.
with_empty_totals as (

    select * from grouped

    union all

    select
        months.month_start,
        'all' as segment,
        'all' as region,
        {%- for column in sums %}
        0 as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from months
    where not exists (
        select 1 from grouped
        where grouped.month_start = months.month_start
          and grouped.segment = 'all'
          and grouped.region = 'all'
    )

),

-- ARR that reaches no CRM account (its ERP customer is unmatched: marts.unmatched_records) at
-- each month's closing point, by the ARR rule of int_kpi_account_months. It has no segment or
-- region, so it is on the total rows (segment 'all', region 'all') only.
unmatched_arr as (

    select
        months.month_start,
        sum(lines.annual_value_usd) as arr_unmatched_usd
    from months
    inner join {{ ref('int_subscription_lines_converted') }} as lines
        on lines.start_date <= months.closing_date
        and lines.end_date > months.closing_date
    where lines.account_id is null
      and lines.is_arr_line
    group by months.month_start

),

kpis as (

    select
        totals.month_start,
        months.month_end_date,
        months.as_of_date,
        months.is_as_of_month,
        totals.segment,
        totals.region,
        cast(totals.gross_retained_arr_usd as {{ type_double() }}) / nullif(totals.arr_opening_usd, 0) as gross_revenue_retention,
        cast(totals.retained_arr_usd as {{ type_double() }}) / nullif(totals.arr_opening_usd, 0) as net_revenue_retention,
        cast(totals.ttm_gross_retained_arr_usd as {{ type_double() }}) / nullif(totals.ttm_opening_arr_usd, 0) as gross_revenue_retention_ttm,
        cast(totals.ttm_retained_arr_usd as {{ type_double() }}) / nullif(totals.ttm_opening_arr_usd, 0) as net_revenue_retention_ttm,
        cast(totals.customers_churned as {{ type_double() }}) / nullif(totals.customers_opening, 0) as logo_churn_rate,
        cast(totals.renewals_renewed as {{ type_double() }}) / nullif(totals.renewals_due, 0) as renewal_rate,
        cast(totals.premium_tam_renewals_renewed as {{ type_double() }}) / nullif(totals.premium_tam_renewals_due, 0)
            as premium_tam_renewal_rate,
        cast(100 * (totals.nps_promoters - totals.nps_detractors) as {{ type_double() }}) / nullif(totals.nps_responses, 0) as nps,
        cast(totals.csat_good_tickets as {{ type_double() }}) / nullif(totals.csat_rated_tickets, 0) as csat,
        cast(totals.version_current_customers as {{ type_double() }}) / nullif(totals.version_measured_customers, 0)
            as version_current_share,
        cast(totals.ttv_days_total as {{ type_double() }}) / nullif(totals.ttv_customers, 0) as time_to_value_days,
        cast(totals.expansion_deals as {{ type_double() }}) / nullif(totals.expansion_opportunities_closed, 0) as upsell_rate,
        case when totals.segment = 'all' and totals.region = 'all'
             then coalesce(unmatched_arr.arr_unmatched_usd, 0) end as arr_unmatched_usd,
        case when totals.segment = 'all' and totals.region = 'all'
             then cast(coalesce(unmatched_arr.arr_unmatched_usd, 0) as {{ type_double() }})
                  / nullif(totals.arr_closing_usd + coalesce(unmatched_arr.arr_unmatched_usd, 0), 0) end as arr_unmatched_share,
        {%- for column in sums %}
        totals.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from with_empty_totals as totals
    inner join months
        on months.month_start = totals.month_start
    left join unmatched_arr
        on unmatched_arr.month_start = totals.month_start

)

select
    {{ contract_columns('kpis') }}
from kpis
