{#- ERP invoices, each with the account of its ERP customer, or an override of the invoice
    itself (the key rules: int_resolved_records). -#}
{#- A view: a full build writes no copy of the staging rows, and its readers take the few
    columns and rows they need through the join about as fast as from a table (docs/performance.md,
    "Measured by hand"). A table on Spark (macro materialized_on_engine). -#}
{{ config(materialized=materialized_on_engine('view')) }}
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
