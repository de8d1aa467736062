with renamed as (

    select
        {{ clean_key('installation_id') }} as installation_id,
        {{ clean_key('entitlement_id') }} as entitlement_id,
        {{ clean_key('product_code') }} as product_code,
        {{ clean_key('version') }} as version,
        lower({{ clean_text('environment') }}) as environment,
        {{ parse_integer(clean_key('seats_in_use')) }} as seats_in_use,
        {{ parse_timestamp(clean_key('last_checkin_at')) }} as last_checkin_at,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('licenses', 'installations') }}
    where {{ passes_row_rules('licenses', 'installations') }}

)

select * from renamed
