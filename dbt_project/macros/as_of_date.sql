{#- The as-of date of this run as a SQL date literal. Every model that needs "today" calls
    this, never current_date, so the same extracts and the same as-of give the same rows.
    Read only when dbt executes: at parse time (execute is false) the date is not looked at, so
    a new night's date (CS_AS_OF) does not make dbt re-parse every model that calls this. -#}
{% macro as_of_date() -%}
    {%- if not execute -%}{{ return("cast(null as date)") }}{%- endif -%}
    {%- set as_of = var('as_of', '') | string | trim -%}
    {%- if as_of == '' -%}{%- set as_of = run_started_at.strftime('%Y-%m-%d') -%}{%- endif -%}
    cast('{{ as_of }}' as date)
{%- endmacro %}
