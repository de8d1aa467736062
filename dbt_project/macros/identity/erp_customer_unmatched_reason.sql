{#- Why an ERP customer number reached no account: `no_key` (empty), `customer_not_found`,
    `customer_unmatched` (the customer itself reached no account); NULL when it matched.
    `lookup` as in erp_customer_match_method. -#}
{% macro erp_customer_unmatched_reason(key_col, lookup) -%}
    case
        when {{ key_col }} is null then 'no_key'
        when {{ lookup }}.customer_number is null then 'customer_not_found'
        when {{ lookup }}.account_id is null then 'customer_unmatched'
    end
{%- endmacro %}
