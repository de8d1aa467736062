{#-
    One row per source record that reaches no CRM account (customer-360 contract), with the
    reason. For ERP customers and Zendesk organizations, suggested_account_ids lists live CRM
    accounts whose normalized company name equals the record's
    (int_unmatched_name_suggestions): a hint for the person who confirms a match in
    seeds/account_overrides.csv, never a match by itself.
-#}
{#- Only ERP customers and Zendesk organizations can have suggestions, so the tickets (301 000 of
    the 655 000 rows at 100 000 accounts, the part a ticket night changes) are added after the
    suggestions' join instead of going through it. -#}
with unmatched as (

    select source, entity, record_id, unmatched_reason, _source_file, _row_number
    from {{ ref('int_resolved_records') }}
    where account_id is null

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
left join {{ ref('int_unmatched_name_suggestions') }} as suggestions
    on suggestions.source = unmatched.source
    and suggestions.entity = unmatched.entity
    and suggestions.record_id = unmatched.record_id

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
    unmatched_reason as reason,
    cast(null as {{ dbt.type_string() }}) as suggested_account_ids,
    _source_file as source_file,
    _row_number as source_row_number
from {{ ref('int_tickets_resolved') }}
where account_id is null
