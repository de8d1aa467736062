with renamed as (

    select
        {{ sfdc_id_18(clean_key('Id')) }} as nps_response_id,
        {{ sfdc_id_18(clean_key('Account__c')) }} as account_id,
        {{ sfdc_id_is_15(clean_key('Account__c')) }} as account_id_was_15_char,
        {{ clean_email('Respondent_Email__c') }} as respondent_email,
        {{ parse_integer(clean_key('Score__c')) }} as score,
        {{ clean_text('Comment__c') }} as comment,
        {{ parse_date(clean_key('Submitted_Date__c')) }} as submitted_date,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('crm', 'nps_response') }}
    where {{ passes_row_rules('crm', 'nps_response') }}

)

select * from renamed
