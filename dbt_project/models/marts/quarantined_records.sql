{#- Every quarantined raw row of every source, for a BI page next to marts.unmatched_records:
    one row per record left out of staging because it breaks a row-level rule
    (macros/quality/row_rules.sql), with the rule, the offending value and where it is in the
    delivered file. -#}
{% for source_name in quality_sources() %}
select
    source,
    entity,
    record_id,
    rule,
    column_name,
    offending_value,
    expected,
    rules_broken,
    _source_file as source_file,
    _row_number as source_row_number

from {{ ref('stg_' ~ source_name ~ '__quarantine') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
