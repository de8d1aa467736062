{#- Hints for the unmatched ERP customers and Zendesk organizations of
    marts.unmatched_records: the live CRM accounts whose normalized company name equals the
    record's (macro normalize_company_name), one row per record with at least one; never a
    match by itself. A model of its own, not a step of the mart: it reads no ticket, so a night
    with ticket changes keeps it (its ordered listagg is the mart's costliest step).
    The accounts' list is made once per name and then given to each record of that name: an
    ordered listagg per record aggregated every (record, account) pair (791 000 pairs for
    25 000 records at 100 000 accounts: 2 s of CPU, against 0.3 s per name). A record is one
    row of its staging model (customer numbers and organization ids are unique there). -#}
with named_records as (

    select
        'finance' as source,
        'customers' as entity,
        customer_number as record_id,
        {{ normalize_company_name('company_name') }} as normalized_name
    from {{ ref('int_finance_customers_resolved') }}
    where account_id is null

    union all

    select
        'support' as source,
        'organizations' as entity,
        cast(organization_id as {{ dbt.type_string() }}) as record_id,
        {{ normalize_company_name('organization_name') }} as normalized_name
    from {{ ref('int_support_organizations_resolved') }}
    where account_id is null

),

account_names as (

    select
        account_id,
        {{ normalize_company_name('account_name') }} as normalized_name
    from {{ ref('stg_crm__account') }}

),

name_suggestions as (

    {#- the accounts of each name some record has; the semi-join drops NULL names (a
        `where normalized_name is not null` would make DuckDB evaluate the name's regular
        expressions twice, once for the filter) -#}
    select
        normalized_name,
        {{ dbt.listagg('account_id', "', '", "order by account_id") }} as suggested_account_ids

    from account_names
    where normalized_name in (select normalized_name from named_records)
    group by normalized_name

)

select
    named_records.source,
    named_records.entity,
    named_records.record_id,
    name_suggestions.suggested_account_ids

from named_records
inner join name_suggestions
    on name_suggestions.normalized_name = named_records.normalized_name
