{#- The end of int_kpi_account_months and int_kpi_account_months_observed: the accounts the KPIs
    count (CRM Type Customer or Former Customer; a churned customer is a Former Customer now)
    with their current segment and region, then one row per (month, account) that any of the
    model's `sources` has (CTEs of one row per month_start and account_id at most), with each
    source's measures of kpi_account_measures() (0 where a source has no row), and the as-of
    date.

    Example: `with months as (...), arr as (...), nps as (...), {{ kpi_account_month_rows({'arr': [...], 'nps': [...]}) }}` -#}
{% macro kpi_account_month_rows(sources) -%}
accounts as (

    select
        account_id,
        coalesce(segment, 'unknown') as segment,
        coalesce(region, 'unknown') as region
    from {{ ref('stg_crm__account') }}
    where account_type in ('Customer', 'Former Customer')

),

{#- every source's rows one under the other, each measure in its own column (NULL in the other
    sources' rows), then one group per (month, account): each measure's max() is its source's one
    value, as a join of every source on the keys would give it. One group instead of the distinct
    keys and a left join per source (docs/performance.md, "Measured by hand"). -#}
{%- set all_measures = [] %}
{%- for provided in sources.values() %}{% do all_measures.extend(provided) %}{% endfor %}
stacked as (
    {% for source, provided in sources.items() %}
    select
        month_start,
        account_id,
        {%- for measure in all_measures %}
        {{ measure if measure in provided else 'null' }} as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

account_month_measures as (

    select
        month_start,
        account_id,
        {%- for measure in all_measures %}
        max({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from stacked
    group by month_start, account_id

)

select
    account_month_measures.month_start,
    account_month_measures.account_id,
    accounts.segment,
    accounts.region,
    {%- for measure in all_measures %}
    coalesce(account_month_measures.{{ measure }}, 0) as {{ measure }},
    {%- endfor %}
    {{ as_of_date() }} as as_of_date
from account_month_measures
inner join accounts
    on accounts.account_id = account_month_measures.account_id
{%- endmacro %}
