{#- CRM opportunities, each with the account it belongs to (the key rules: int_resolved_records).
    The id as delivered stays in delivered_account_id, as account_id names the resolved account. -#}
{#- A view: a full build writes no copy of the staging rows, and its readers take the few
    columns and rows they need through the join about as fast as from a table (docs/performance.md,
    "Measured by hand"). A table on Spark (macro materialized_on_engine). -#}
{{ config(materialized=materialized_on_engine('view')) }}
select
    records.opportunity_id,
    records.account_id_was_15_char,
    records.opportunity_name,
    records.opportunity_type,
    records.stage_name,
    records.amount,
    records.currency,
    records.close_date,
    records.is_closed,
    records.is_won,
    records.created_at,
    records.is_deleted,
    records.account_id as delivered_account_id,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_crm__opportunity') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
