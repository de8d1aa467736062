with renamed as (

    select
        {{ clean_key('entitlement_id') }} as entitlement_id,
        upper({{ clean_key('customer_code') }}) as customer_code,
        {{ sfdc_id_18(clean_key('sfdc_account_id')) }} as sfdc_account_id,
        {{ sfdc_id_is_15(clean_key('sfdc_account_id')) }} as sfdc_account_id_was_15_char,
        {{ clean_key('product_code') }} as product_code,
        {{ parse_integer(clean_key('seats_purchased')) }} as seats_purchased,
        {{ parse_date(clean_key('start_date')) }} as start_date,
        {{ parse_date(clean_key('expiry_date')) }} as expiry_date,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('licenses', 'entitlements') }}
    where {{ passes_row_rules('licenses', 'entitlements') }}

)

select * from renamed
