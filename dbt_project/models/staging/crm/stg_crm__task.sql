with renamed as (

    select
        {{ sfdc_id_18(clean_key('Id')) }} as task_id,
        {{ sfdc_id_18(clean_key('AccountId')) }} as account_id,
        {{ sfdc_id_is_15(clean_key('AccountId')) }} as account_id_was_15_char,
        {{ sfdc_id_18(clean_key('WhoId')) }} as who_id,
        {{ clean_text('Subject') }} as subject,
        {{ clean_text('Type') }} as task_type,
        {{ parse_date(clean_key('ActivityDate')) }} as activity_date,
        {{ clean_text('Status') }} as status,
        coalesce({{ parse_boolean('IsDeleted') }}, false) as is_deleted,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('crm', 'task') }}
    where {{ passes_row_rules('crm', 'task') }}

)

select * from renamed
where not is_deleted
