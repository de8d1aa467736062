{#- Why a Salesforce id reached no account: `no_key` (empty), `account_not_found`,
    `account_deleted`; NULL when it matched (`lookup` as in sfdc_matched_account). -#}
{% macro sfdc_unmatched_reason(id_col, lookup) -%}
    case
        when {{ id_col }} is null then 'no_key'
        when {{ lookup }}.account_id is null then 'account_not_found'
        when {{ lookup }}.is_deleted then 'account_deleted'
    end
{%- endmacro %}
