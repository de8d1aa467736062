{#- A number as text with exactly one decimal (8 -> '8.0', 12.46 -> '12.5'), for short
    human-readable labels such as health_drivers. -#}
{% macro format_one_decimal(expression) -%}
    {{ return(adapter.dispatch('format_one_decimal', 'cs360')(expression)) }}
{%- endmacro %}

{% macro duckdb__format_one_decimal(expression) -%}
    printf('%.1f', {{ expression }})
{%- endmacro %}

{#- Spark: the same digits as DuckDB's printf, which rounds a tie half to even (11.25 -> '11.2',
    as points lost often are: weights times band scores). Java's formatter would round it up, so
    the value is rounded half to even first (bround) and then formatted. bround reads the double
    by its shortest decimal form, printf by its exact binary value: they could differ only on a
    value such as 0.15 that is no tie in binary (docs/scale-out.md). -#}
{% macro spark__format_one_decimal(expression) -%}
    format_string('%.1f', bround(cast({{ expression }} as double), 1))
{%- endmacro %}

{% macro default__format_one_decimal(expression) -%}
    cast(cast(round({{ expression }}, 1) as {{ dbt.type_numeric() }}) as {{ dbt.type_string() }})
{%- endmacro %}
