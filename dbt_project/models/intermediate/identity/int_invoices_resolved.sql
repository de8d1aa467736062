{#- ERP invoices, each with the account of its ERP customer, or an override of the invoice
    itself (the key rules: int_resolved_records). -#}
select
    records.invoice_number,
    records.customer_number,
    records.invoice_date,
    records.due_date,
    records.currency,
    records.amount,
    records.status,
    records.paid_date,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_finance__invoices') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
