{#- A number as text with exactly one decimal (8 -> '8.0', 12.46 -> '12.5'), for short
    human-readable labels such as health_drivers. -#}
{% macro format_one_decimal(expression) -%}
    {{ return(adapter.dispatch('format_one_decimal', 'cs360')(expression)) }}
{%- endmacro %}

{% macro duckdb__format_one_decimal(expression) -%}
    printf('%.1f', {{ expression }})
{%- endmacro %}

{#- Spark: Java's formatter, as printf. -#}
{% macro spark__format_one_decimal(expression) -%}
    format_string('%.1f', cast({{ expression }} as double))
{%- endmacro %}

{% macro default__format_one_decimal(expression) -%}
    cast(cast(round({{ expression }}, 1) as {{ dbt.type_numeric() }}) as {{ dbt.type_string() }})
{%- endmacro %}
