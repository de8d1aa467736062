{#- CRM opportunities, each with the account it belongs to: its own account id (15 or 18 characters
    in the export, 18 in staging) when that is a live CRM account. An override wins.
    The id as delivered stays in delivered_account_id, as account_id names the resolved account. -#}
with keyed as (

    select
        records.*,
        {{ sfdc_matched_account('accounts') }} as key_account_id,
        {{ sfdc_match_method('records.account_id_was_15_char', 'accounts') }} as key_match_method,
        {{ sfdc_unmatched_reason('records.account_id', 'accounts') }} as key_unmatched_reason

    from {{ ref('stg_crm__opportunity') }} as records
    left join {{ ref('int_crm_account_lookup') }} as accounts
        on accounts.account_id = records.account_id

),

overrides as (

    select * from {{ ref('int_account_overrides') }}
    where source = 'crm' and entity = 'Opportunity'

)

select
    keyed.opportunity_id,
    keyed.account_id_was_15_char,
    keyed.opportunity_name,
    keyed.opportunity_type,
    keyed.stage_name,
    keyed.amount,
    keyed.currency,
    keyed.close_date,
    keyed.is_closed,
    keyed.is_won,
    keyed.created_at,
    keyed.is_deleted,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    keyed.account_id as delivered_account_id,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = keyed.opportunity_id
