{#- The account a Salesforce id reaches: the id itself when it is a live (not deleted) CRM
    account, else NULL. `lookup` is an alias of int_crm_account_lookup joined on the id. -#}
{% macro sfdc_matched_account(lookup) -%}
    case when {{ lookup }}.is_deleted = false then {{ lookup }}.account_id end
{%- endmacro %}
