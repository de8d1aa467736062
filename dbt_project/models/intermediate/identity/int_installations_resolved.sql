{#- Product installations, each with the account of its entitlement, or an override of the
    installation itself (the key rules: int_resolved_records). -#}
select
    records.installation_id,
    records.entitlement_id,
    records.product_code,
    records.version,
    records.environment,
    records.seats_in_use,
    records.last_checkin_at,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_licenses__installations') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
