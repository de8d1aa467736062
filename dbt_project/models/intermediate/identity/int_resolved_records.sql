{#- Every record of every resolved model in one shape (source, entity, record_id, account_id,
    match_method, unmatched_reason): the input of marts.unmatched_records and
    marts.match_rates. The record types come from macro resolved_record_types; `record_id` is
    the record's key as staging holds it (subscription lines `contract_id:line_id`; a record
    whose key is missing: `row <n>` of its file). A view: it only re-shapes the resolved
    models, so storing its million rows would only copy them. -#}
{{ config(materialized='view') }}
{% for source_name, entity, model, record_id in resolved_record_types() %}
select
    '{{ source_name }}' as source,
    '{{ entity }}' as entity,
    coalesce({{ record_id }}, {{ dbt.concat(["'row '", "cast(_row_number as " ~ dbt.type_string() ~ ")"]) }}) as record_id,
    account_id,
    match_method,
    unmatched_reason,
    _source_file,
    _row_number

from {{ ref(model) }}
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
