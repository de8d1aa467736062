{#- `erp_customer_number` when an ERP customer number reached an account. `lookup` is an
    alias of int_finance_customer_accounts joined on the number; its account_id is the account
    reached. -#}
{% macro erp_customer_match_method(lookup) -%}
    case when {{ lookup }}.account_id is not null then 'erp_customer_number' end
{%- endmacro %}
