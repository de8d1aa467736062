{#-
    One row per source record other than a ticket that reaches no CRM account, with the reason
    and, for ERP customers and Zendesk organizations, the live CRM accounts whose normalized
    company name equals the record's (int_unmatched_name_suggestions): the rows of
    marts.unmatched_records that no ticket makes. A model of its own, not a step of the mart:
    it reads no ticket, so a night with ticket changes keeps it instead of filtering the
    3.3 M resolved records (at 100 000 accounts) again.
-#}
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
