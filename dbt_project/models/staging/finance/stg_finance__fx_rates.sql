with renamed as (

    select
        upper({{ clean_key('currency') }}) as currency,
        {#- `YYYY-MM` as the first day of that month -#}
        {{ parse_date(dbt.concat([clean_key('month'), "'-01'"])) }} as rate_month,
        {{ try_cast(clean_key('rate_to_usd'), type_double()) }} as rate_to_usd,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('finance', 'fx_rates') }}
    where {{ passes_row_rules('finance', 'fx_rates') }}

)

select * from renamed
