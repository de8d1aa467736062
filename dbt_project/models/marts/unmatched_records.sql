{#-
    One row per source record that reaches no CRM account (customer-360 contract), with the
    reason. For ERP customers and Zendesk organizations, suggested_account_ids lists live CRM
    accounts whose normalized company name equals the record's (macro
    normalize_company_name): a hint for the person who confirms a match in
    seeds/account_overrides.csv, never a match by itself.
-#}
with unmatched as (

    select source, entity, record_id, unmatched_reason, _source_file, _row_number
    from {{ ref('int_resolved_records') }}
    where account_id is null

    union all

    {#- tickets are resolved apart (int_tickets_resolved); record_id as int_resolved_records
        would name it #}
    select
        'support' as source,
        'tickets' as entity,
        coalesce(
            cast(ticket_id as {{ dbt.type_string() }}),
            {{ dbt.concat(["'row '", "cast(_row_number as " ~ dbt.type_string() ~ ")"]) }}
        ) as record_id,
        unmatched_reason,
        _source_file,
        _row_number
    from {{ ref('int_tickets_resolved') }}
    where account_id is null

),

named_records as (

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

suggestions as (

    select
        named_records.source,
        named_records.entity,
        named_records.record_id,
        {{ dbt.listagg('account_names.account_id', "', '", "order by account_names.account_id") }} as suggested_account_ids

    from named_records
    inner join account_names
        on account_names.normalized_name = named_records.normalized_name
    where named_records.normalized_name is not null
    group by named_records.source, named_records.entity, named_records.record_id

)

select
    unmatched.source,
    unmatched.entity,
    unmatched.record_id,
    unmatched.unmatched_reason as reason,
    suggestions.suggested_account_ids,
    unmatched._source_file as source_file,
    unmatched._row_number as source_row_number

from unmatched
left join suggestions
    on suggestions.source = unmatched.source
    and suggestions.entity = unmatched.entity
    and suggestions.record_id = unmatched.record_id
