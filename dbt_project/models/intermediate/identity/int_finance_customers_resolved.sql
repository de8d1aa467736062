{#- ERP customers, each with the account it belongs to: its sfdc_account_id (15 or 18
    characters) when that is a live CRM account. The ERP has no other key to CRM, so a customer
    without sfdc_account_id is unmatched (reason no_key); its company name is only ever a
    suggestion for people (marts.unmatched_records.suggested_account_ids). An override wins. -#}
with keyed as (

    select
        records.*,
        {{ sfdc_matched_account('accounts') }} as key_account_id,
        {{ sfdc_match_method('records.sfdc_account_id_was_15_char', 'accounts') }} as key_match_method,
        {{ sfdc_unmatched_reason('records.sfdc_account_id', 'accounts') }} as key_unmatched_reason

    from {{ ref('stg_finance__customers') }} as records
    left join {{ ref('int_crm_account_lookup') }} as accounts
        on accounts.account_id = records.sfdc_account_id

),

overrides as (

    select * from {{ ref('int_account_overrides') }}
    where source = 'finance' and entity = 'customers'

)

select
    keyed.customer_number,
    keyed.company_name,
    keyed.sfdc_account_id,
    keyed.sfdc_account_id_was_15_char,
    keyed.billing_currency,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = keyed.customer_number
