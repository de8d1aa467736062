with renamed as (

    select
        {{ parse_integer(clean_key('id')) }} as organization_id,
        {{ clean_text('name') }} as organization_name,
        {{ sfdc_id_18(clean_key('external_id')) }} as external_id,
        {{ sfdc_id_is_15(clean_key('external_id')) }} as external_id_was_15_char,
        {#- normalized like stg_crm__account.website_domain, de-duplicated and sorted -#}
        {{ array_transform_distinct(json_string_array('domain_names'), normalize_domain('x')) }} as domain_names,
        {{ parse_timestamp(clean_key('created_at')) }} as created_at,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('support', 'organizations') }}
    where {{ passes_row_rules('support', 'organizations') }}

)

select * from renamed
