{#- NPS responses, each with the account it belongs to (the key rules: int_resolved_records).
    The id as delivered stays in delivered_account_id, as account_id names the resolved account. -#}
select
    records.nps_response_id,
    records.account_id_was_15_char,
    records.respondent_email,
    records.score,
    records.comment,
    records.submitted_date,
    records.account_id as delivered_account_id,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_crm__nps_response') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
