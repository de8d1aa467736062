with renamed as (

    select
        {{ clean_key('product_code') }} as product_code,
        {{ clean_key('version') }} as version,
        {{ parse_date(clean_key('release_date')) }} as release_date,
        {{ parse_boolean('is_ga') }} as is_ga,
        {{ parse_date(clean_key('end_of_support_date')) }} as end_of_support_date,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('licenses', 'product_releases') }}
    where {{ passes_row_rules('licenses', 'product_releases') }}

)

select * from renamed
