{#- A double-precision float for ratios and scores. dbt.type_float() is a 4-byte FLOAT on DuckDB
    (0.7 would read back as 0.699999988), so engines where FLOAT is single precision say so. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'cs360')()) }}
{%- endmacro %}

{% macro default__type_double() -%}{{ dbt.type_float() }}{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
{% macro spark__type_double() -%}double{%- endmacro %}
