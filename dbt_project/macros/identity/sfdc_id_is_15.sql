{#- True when the delivered Salesforce id was the 15-character form (identity resolution
    reports it as match_method `sfdc_id_15`). -#}
{% macro sfdc_id_is_15(col) -%}
    (length({{ col }}) = 15)
{%- endmacro %}
