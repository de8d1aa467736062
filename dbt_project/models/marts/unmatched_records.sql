{#-
    One row per source record that reaches no CRM account (customer-360 contract), with the
    reason: the records of every type but tickets as int_records_unmatched lists them (with
    their suggested accounts), and the unmatched tickets, added here. Only that second part
    reads a ticket, so a night with ticket changes rebuilds this union, not the first part.
-#}
select
    source,
    entity,
    record_id,
    reason,
    suggested_account_ids,
    source_file,
    source_row_number
from {{ ref('int_records_unmatched') }}

union all

{#- tickets are resolved apart (int_tickets_resolved); record_id as int_resolved_records
    would name it; tickets get no suggestions (only ERP customers and Zendesk organizations
    can) #}
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
