with renamed as (

    select
        {{ sfdc_id_18(clean_key('Id')) }} as opportunity_id,
        {{ sfdc_id_18(clean_key('AccountId')) }} as account_id,
        {{ sfdc_id_is_15(clean_key('AccountId')) }} as account_id_was_15_char,
        {{ clean_text('Name') }} as opportunity_name,
        {{ clean_text('Type') }} as opportunity_type,
        {{ clean_text('StageName') }} as stage_name,
        {{ parse_decimal(clean_key('Amount')) }} as amount,
        upper({{ clean_key('CurrencyIsoCode') }}) as currency,
        {{ parse_date(clean_key('CloseDate')) }} as close_date,
        {{ parse_boolean('IsClosed') }} as is_closed,
        {{ parse_boolean('IsWon') }} as is_won,
        {{ parse_timestamp(clean_key('CreatedDate')) }} as created_at,
        coalesce({{ parse_boolean('IsDeleted') }}, false) as is_deleted,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('crm', 'opportunity') }}
    where {{ passes_row_rules('crm', 'opportunity') }}

)

select * from renamed
where not is_deleted
