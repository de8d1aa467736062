{#- Any value as text (dates as YYYY-MM-DD), for the reason texts of calls_to_action. -#}
{% macro as_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}
