{#- A number rounded to a whole number, as text (12345.67 -> '12346'), for the reason texts
    of calls_to_action. -#}
{% macro as_whole_text(expression) -%}
    cast(cast(round({{ expression }}, 0) as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
{%- endmacro %}
