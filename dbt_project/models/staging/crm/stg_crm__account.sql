{#- Salesforce accounts that are not deleted: the accounts every other record resolves to. -#}
with renamed as (

    select
        {{ sfdc_id_18(clean_key('Id')) }} as account_id,
        {{ clean_text('Name') }} as account_name,
        {{ sfdc_id_18(clean_key('ParentId')) }} as parent_account_id,
        {{ clean_text('Type') }} as account_type,
        {{ clean_text('Industry') }} as industry,
        {{ clean_text('Website') }} as website,
        {{ normalize_domain('Website') }} as website_domain,
        {{ clean_text('BillingCountry') }} as billing_country,
        {{ clean_text('Region__c') }} as region,
        {{ clean_text('Segment__c') }} as segment,
        {{ sfdc_id_18(clean_key('OwnerId')) }} as owner_id,
        {{ parse_timestamp(clean_text('CreatedDate')) }} as created_at,
        {{ parse_timestamp(clean_text('LastModifiedDate')) }} as last_modified_at,
        coalesce({{ parse_boolean('IsDeleted') }}, false) as is_deleted,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('crm', 'account') }}
    where {{ passes_row_rules('crm', 'account') }}

)

select * from renamed
where not is_deleted
