-- The months of marts.cs_kpis: the kpi_months (12) calendar months up to and including the as-of
-- month, with the dates every KPI is measured on. Nothing after as-of is ever looked at: the
-- as-of month is cut at the as-of date.
--   month_end_date     the last day whose events count in the month (as-of in the as-of month)
--   closing_date       the day closing ARR is measured: the 1st of the next month, so a month's
--                      closing ARR is the next month's opening ARR; as-of in the as-of month
--   ttm_opening_date   closing_date - 12 months: the opening of the trailing-twelve-month cohort

with offsets as (
    {% for months_back in range(var('kpi_months') | int) %}
    select {{ months_back }} as months_back
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

months as (

    select
        months_back,
        cast({{ dbt.date_trunc('month', dbt.dateadd('month', '-months_back', as_of_date())) }} as date) as month_start
    from offsets

),

dated as (

    select
        month_start,
        months_back = 0 as is_as_of_month,
        case
            when months_back = 0 then {{ as_of_date() }}
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date)
        end as month_end_date,
        case
            when months_back = 0 then {{ as_of_date() }}
            else cast({{ dbt.dateadd('month', 1, 'month_start') }} as date)
        end as closing_date
    from months

)

select
    month_start,
    month_end_date,
    closing_date,
    cast({{ dbt.dateadd('month', -12, 'closing_date') }} as date) as ttm_opening_date,
    is_as_of_month,
    {{ as_of_date() }} as as_of_date
from dated
