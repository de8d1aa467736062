{#- ERP invoices, each with the account of its ERP customer (customer_number), whatever
    key matched that customer (see int_finance_customer_accounts). An override of the record
    itself wins. -#}
with keyed as (

    select
        records.*,
        customers.account_id as key_account_id,
        {{ erp_customer_match_method('customers') }} as key_match_method,
        {{ erp_customer_unmatched_reason('records.customer_number', 'customers') }} as key_unmatched_reason

    from {{ ref('stg_finance__invoices') }} as records
    left join {{ ref('int_finance_customer_accounts') }} as customers
        on customers.customer_number = records.customer_number

),

overrides as (

    select * from {{ ref('int_account_overrides') }}
    where source = 'finance' and entity = 'invoices'

)

select
    keyed.invoice_number,
    keyed.customer_number,
    keyed.invoice_date,
    keyed.due_date,
    keyed.currency,
    keyed.amount,
    keyed.status,
    keyed.paid_date,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = keyed.invoice_number
