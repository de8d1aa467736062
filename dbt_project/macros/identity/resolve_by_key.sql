{#-
    Whole int_<entity>_resolved models for the record types that share one key rule, so each
    rule is written once however many record types follow it. A model file names its staging
    model, its record type (source and entity as in marts.unmatched_records) and its record
    id: an expression over the staging columns, unqualified, giving the id as
    int_account_overrides.record_id holds it (as in resolved_record_types).
-#}

{#- CRM child records whose only key is their own Salesforce Account id (staging account_id,
    18 characters): the account is that id when it is a live CRM account (sfdc_id, or
    sfdc_id_15 when delivered in 15 characters). The id as delivered stays in
    delivered_account_id, so that account_id is the resolved account as in every other
    resolved model. An override of the record wins. -#}
{% macro resolve_by_sfdc_account(staging_model, source_name, entity, record_id) -%}
    {%- set keyed -%}
    select
        records.*,
        {{ sfdc_matched_account('records.account_id', 'accounts') }} as key_account_id,
        {{ sfdc_match_method('records.account_id', 'records.account_id_was_15_char', 'accounts') }} as key_match_method,
        {{ sfdc_unmatched_reason('records.account_id', 'accounts') }} as key_unmatched_reason

    from {{ ref(staging_model) }} as records
    left join {{ ref('int_crm_account_lookup') }} as accounts
        on accounts.account_id = records.account_id
    {%- endset -%}
    {{ resolved_model(keyed, staging_model, source_name, entity, record_id, keeps_delivered_account_id=true) }}
{%- endmacro %}

{#- ERP records keyed by customer_number: the account is the one their ERP customer reached,
    whatever key matched that customer (int_finance_customer_accounts). An override of the
    record itself wins. -#}
{% macro resolve_by_erp_customer(staging_model, source_name, entity, record_id) -%}
    {%- set keyed -%}
    select
        records.*,
        customers.account_id as key_account_id,
        {{ erp_customer_match_method('customers') }} as key_match_method,
        {{ erp_customer_unmatched_reason('records.customer_number', 'customers') }} as key_unmatched_reason

    from {{ ref(staging_model) }} as records
    left join {{ ref('int_finance_customer_accounts') }} as customers
        on customers.customer_number = records.customer_number
    {%- endset -%}
    {{ resolved_model(keyed, staging_model, source_name, entity, record_id) }}
{%- endmacro %}

{#- A resolved model from `keyed`, the staging rows with the key columns key_account_id,
    key_match_method and key_unmatched_reason: every staging column, then account_id,
    match_method and unmatched_reason with the record's override winning over its keys.
    With keeps_delivered_account_id the staging account_id (the record's own id, as
    delivered) is renamed delivered_account_id, as account_id names the resolved account. -#}
{% macro resolved_model(keyed_sql, staging_model, source_name, entity, record_id, keeps_delivered_account_id=false) -%}
with keyed as (

    {{ keyed_sql }}

),

overrides as (

    {{ overrides_for(source_name, entity) }}

)

select
    {{ star_except(staging_model, ['account_id'] if keeps_delivered_account_id else [], 'keyed') }},
    {%- if keeps_delivered_account_id %}
    keyed.account_id as delivered_account_id,
    {%- endif %}
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = {{ record_id }}
{%- endmacro %}
