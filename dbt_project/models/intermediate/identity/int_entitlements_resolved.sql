{#- License entitlements, each with the account of its sfdc_account_id, else of its ERP
    customer (customer_code), or an override (the key rules: int_resolved_records). -#}
{#- A view: a full build writes no copy of the staging rows, and its readers take the few
    columns and rows they need through the join about as fast as from a table (docs/performance.md,
    "Measured by hand"). A table on Spark (macro materialized_on_engine). -#}
{{ config(materialized=materialized_on_engine('view')) }}
select
    records.entitlement_id,
    records.customer_code,
    records.sfdc_account_id,
    records.sfdc_account_id_was_15_char,
    records.product_code,
    records.seats_purchased,
    records.start_date,
    records.expiry_date,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_licenses__entitlements') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
