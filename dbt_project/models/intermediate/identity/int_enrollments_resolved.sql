{#- LMS enrollments, each with the account whose website domain equals the learner's e-mail
    domain, or an override (the key rules: int_resolved_records). -#}
{#- A view: a full build writes no copy of the staging rows, and its readers take the few
    columns and rows they need through the join about as fast as from a table (docs/performance.md,
    "Measured by hand"). A table on Spark (macro materialized_on_engine). -#}
{{ config(materialized=materialized_on_engine('view')) }}
select
    records.enrollment_id,
    records.user_email,
    records.user_company,
    records.course_code,
    records.course_name,
    records.product_code,
    records.enrolled_at,
    records.completed_at,
    records.status,
    records.score,
    records.email_domain,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_training__enrollments') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
