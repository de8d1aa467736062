{#- Zendesk tickets (latest version of each), each with the account of its organization, or an
    override of the ticket itself (the key rules: int_resolved_records). -#}
select
    records.ticket_id,
    records.created_at,
    records.updated_at,
    records.status,
    records.priority,
    records.ticket_type,
    records.subject,
    records.organization_id,
    records.requester_email,
    records.tags,
    records.satisfaction_score,
    records.product_code,
    records.reported_version,
    records.reply_time_minutes,
    records.full_resolution_time_minutes,
    records.solved_at,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_support__tickets') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
