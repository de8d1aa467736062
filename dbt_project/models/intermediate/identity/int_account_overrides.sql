{#- Confirmed manual matches from the seed account_overrides, keyed like
    marts.unmatched_records (source, entity, record_id). Ids are normalized like staging so a
    row copied from a report with a 15-character or full-width id still applies. -#}
with overrides as (

    select
        lower({{ clean_key('source') }}) as source,
        {{ clean_key('entity') }} as entity,
        {{ clean_key('record_id') }} as record_id_delivered,
        {{ sfdc_id_18(clean_key('account_id')) }} as account_id,
        {{ clean_text('note') }} as note,
        {{ clean_text('confirmed_by') }} as confirmed_by,
        {{ parse_date(clean_key('confirmed_at')) }} as confirmed_at

    from {{ ref('account_overrides') }}

),

normalized as (

    select
        source,
        entity,
        case
            when source = 'crm' then {{ sfdc_id_18('record_id_delivered') }}
            when source = 'finance' and entity = 'customers' then upper(record_id_delivered)
            else record_id_delivered
        end as record_id,
        account_id,
        note,
        confirmed_by,
        confirmed_at

    from overrides

),

deduplicated as (

    {#- one override per record: a record listed twice keeps its latest confirmation (the
        unique test on this model still reports the duplicate) -#}
    select * from (
        select
            normalized.*,
            row_number() over (
                partition by source, entity, record_id
                order by confirmed_at desc nulls last, account_id
            ) as _override_rank
        from normalized
    ) as ranked
    where _override_rank = 1

),

looked_up as (

    {#- the account id as delivered first, else the 18-character id in upper case (see
        int_crm_account_lookup): a live account's id copied in another case still applies, and
        the override names the account in the CRM's own case -#}
    select
        deduplicated.*,
        coalesce(accounts.account_id, accounts_by_case.account_id) as known_account_id,
        coalesce(accounts.is_deleted, accounts_by_case.is_deleted) as is_deleted

    from deduplicated
    left join {{ ref('int_crm_account_lookup') }} as accounts
        on accounts.account_id = deduplicated.account_id
    left join {{ ref('int_crm_account_lookup') }} as accounts_by_case
        on accounts_by_case.account_id_in_upper_case = upper(deduplicated.account_id)

)

select
    source,
    entity,
    record_id,
    coalesce(known_account_id, account_id) as account_id,
    note,
    confirmed_by,
    confirmed_at,
    coalesce(is_deleted = false, false) as is_valid,
    case
        when account_id is null then 'override_without_account'
        when known_account_id is null then 'override_account_not_found'
        when is_deleted then 'override_account_deleted'
    end as invalid_reason

from looked_up
