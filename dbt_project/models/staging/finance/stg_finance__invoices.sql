with renamed as (

    select
        {{ clean_key('invoice_number') }} as invoice_number,
        upper({{ clean_key('customer_number') }}) as customer_number,
        {{ parse_date(clean_key('invoice_date')) }} as invoice_date,
        {{ parse_date(clean_key('due_date')) }} as due_date,
        upper({{ clean_key('currency') }}) as currency,
        {{ parse_decimal(clean_key('amount')) }} as amount,
        {{ clean_text('status') }} as status,
        {{ parse_date(clean_key('paid_date')) }} as paid_date,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('finance', 'invoices') }}
    where {{ passes_row_rules('finance', 'invoices') }}

)

select * from renamed
