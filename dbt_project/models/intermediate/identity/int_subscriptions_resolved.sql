{#- ERP subscription lines, each with the account of its ERP customer, or an override of the
    line itself, record id `contract_id:line_id` (the key rules: int_resolved_records). -#}
select
    records.contract_id,
    records.line_id,
    records.customer_number,
    records.product_code,
    records.start_date,
    records.end_date,
    records.annual_value,
    records.currency,
    records.support_tier,
    records.auto_renew,
    records.status,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_finance__subscriptions') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
