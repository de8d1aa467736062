{#- Numbers and dates in the reason texts of calls_to_action. -#}

{#- Any value as text (dates as YYYY-MM-DD). -#}
{% macro as_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- A number rounded to a whole number, as text (12345.67 -> '12346'). -#}
{% macro as_whole_text(expression) -%}
    cast(cast(round({{ expression }}, 0) as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
{%- endmacro %}

{#- The last day of the quarter that starts on `quarter_start`. -#}
{% macro quarter_end(quarter_start) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, quarter_start)) }} as date)
{%- endmacro %}
