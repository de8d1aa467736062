{#- ERP invoices, each with the account of its ERP customer (customer_number), whatever
    key matched that customer (see int_finance_customers_resolved). An override of the record
    itself wins. -#}
with customers as (

    {#- one row per customer number even if the ERP repeats one (a unique test reports it);
        a repeated number reaches an account only if all its rows agree -#}
    select
        customer_number,
        case when count(distinct account_id) = 1 and count(account_id) = count(*) then min(account_id) end as account_id
    from {{ ref('int_finance_customers_resolved') }}
    where customer_number is not null
    group by customer_number

),

keyed as (

    select
        records.*,
        customers.account_id as key_account_id,
        case when customers.account_id is not null then 'erp_customer_number' end as key_match_method,
        case
            when records.customer_number is null then 'no_key'
            when customers.customer_number is null then 'customer_not_found'
            when customers.account_id is null then 'customer_unmatched'
        end as key_unmatched_reason

    from {{ ref('stg_finance__invoices') }} as records
    left join customers
        on customers.customer_number = records.customer_number

),

overrides as (

    {{ overrides_for('finance', 'invoices') }}

)

select
    {{ star_except('stg_finance__invoices', [], 'keyed') }},
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = keyed.invoice_number
