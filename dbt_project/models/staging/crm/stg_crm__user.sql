with renamed as (

    select
        {{ sfdc_id_18(clean_key('Id')) }} as user_id,
        {{ clean_text('Name') }} as user_name,
        {{ clean_email('Email') }} as email,
        {{ parse_boolean('IsActive') }} as is_active,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('crm', 'user') }}
    where {{ passes_row_rules('crm', 'user') }}

)

select * from renamed
