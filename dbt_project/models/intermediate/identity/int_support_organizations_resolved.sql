{#- Zendesk organizations, each with the account of its external_id, else of its domain_names,
    or an override (the key rules: int_resolved_records). -#}
select
    records.organization_id,
    records.organization_name,
    records.external_id,
    records.external_id_was_15_char,
    records.domain_names,
    records.created_at,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_support__organizations') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
