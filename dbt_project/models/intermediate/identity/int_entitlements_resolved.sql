{#- License entitlements, each with the account it belongs to (extract contract): its
    sfdc_account_id (15 or 18 characters) when filled in; only when that is empty, the account
    of the ERP customer named by customer_code. A filled-in id that reaches no live account is
    unmatched, not re-routed through the customer. An override wins. -#}
with keyed as (

    select
        records.*,
        case
            when records.sfdc_account_id is not null
                then {{ sfdc_matched_account('accounts') }}
            else customers.account_id
        end as key_account_id,
        case
            when records.sfdc_account_id is not null
                then {{ sfdc_match_method('records.sfdc_account_id_was_15_char', 'accounts') }}
            else {{ erp_customer_match_method('customers') }}
        end as key_match_method,
        case
            when records.sfdc_account_id is not null
                then {{ sfdc_unmatched_reason('records.sfdc_account_id', 'accounts') }}
            else {{ erp_customer_unmatched_reason('records.customer_code', 'customers') }}
        end as key_unmatched_reason

    from {{ ref('stg_licenses__entitlements') }} as records
    left join {{ ref('int_crm_account_lookup') }} as accounts
        on accounts.account_id = records.sfdc_account_id
    left join {{ ref('int_finance_customer_accounts') }} as customers
        on customers.customer_number = records.customer_code

),

overrides as (

    select * from {{ ref('int_account_overrides') }}
    where source = 'licenses' and entity = 'entitlements'

)

select
    keyed.entitlement_id,
    keyed.customer_code,
    keyed.sfdc_account_id,
    keyed.sfdc_account_id_was_15_char,
    keyed.product_code,
    keyed.seats_purchased,
    keyed.start_date,
    keyed.expiry_date,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = keyed.entitlement_id
