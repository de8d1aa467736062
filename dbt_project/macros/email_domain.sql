{#- The domain of an already cleaned e-mail (text after the '@'); NULL when there is none. -#}
{% macro email_domain(email) -%}
    case when {{ email }} like '%_@_%' then nullif({{ dbt.split_part(email, "'@'", 2) }}, '') end
{%- endmacro %}
