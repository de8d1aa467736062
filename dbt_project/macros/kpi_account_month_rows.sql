{#- The end of int_kpi_account_months and int_kpi_account_months_observed: the accounts the KPIs
    count (CRM Type Customer or Former Customer; a churned customer is a Former Customer now)
    with their current segment and region, then one row per (month, account) that any of the
    model's `sources` has (CTEs of one row per month_start and account_id at most), with each
    source's measures of kpi_account_measures() joined on (0 where a source has no row), and the
    as-of date.

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

keys as (
    {% for source in sources %}
    select month_start, account_id from {{ source }}
    {% if not loop.last %}union{% endif %}
    {%- endfor %}

)

select
    keys.month_start,
    keys.account_id,
    accounts.segment,
    accounts.region,
    {%- for source, provided in sources.items() %}
    {%- for measure in provided %}
    coalesce({{ source }}.{{ measure }}, 0) as {{ measure }},
    {%- endfor %}
    {%- endfor %}
    {{ as_of_date() }} as as_of_date
from keys
inner join accounts
    on accounts.account_id = keys.account_id
{%- for source in sources %}
left join {{ source }}
    on {{ source }}.month_start = keys.month_start
    and {{ source }}.account_id = keys.account_id
{%- endfor %}
{%- endmacro %}
