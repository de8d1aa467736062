with renamed as (

    select
        {{ clean_key('contract_id') }} as contract_id,
        {{ clean_key('line_id') }} as line_id,
        upper({{ clean_key('customer_number') }}) as customer_number,
        {{ clean_key('product_code') }} as product_code,
        {{ parse_date(clean_key('start_date')) }} as start_date,
        {{ parse_date(clean_key('end_date')) }} as end_date,
        {{ parse_decimal(clean_key('annual_value')) }} as annual_value,
        upper({{ clean_key('currency') }}) as currency,
        {{ clean_text('support_tier') }} as support_tier,
        {{ parse_boolean('auto_renew') }} as auto_renew,
        {{ clean_text('status') }} as status,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('finance', 'subscriptions') }}
    where {{ passes_row_rules('finance', 'subscriptions') }}

)

select * from renamed
