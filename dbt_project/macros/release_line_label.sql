{#- The line as text, `MAJOR.MINOR`, for people to read (never to compare). -#}
{% macro release_line_label(major, minor) -%}
    {{ dbt.concat([dbt.safe_cast(major, dbt.type_string()), "'.'", dbt.safe_cast(minor, dbt.type_string())]) }}
{%- endmacro %}
