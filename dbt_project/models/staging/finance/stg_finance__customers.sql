with renamed as (

    select
        upper({{ clean_key('customer_number') }}) as customer_number,
        {{ clean_text('company_name') }} as company_name,
        {{ sfdc_id_18(clean_key('sfdc_account_id')) }} as sfdc_account_id,
        {{ sfdc_id_is_15(clean_key('sfdc_account_id')) }} as sfdc_account_id_was_15_char,
        upper({{ clean_key('billing_currency') }}) as billing_currency,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('finance', 'customers') }}
    where {{ passes_row_rules('finance', 'customers') }}

)

select * from renamed
