{#-
    The WHERE condition of a staging model's raw rows: true when the row is not in its
    extract's quarantine: stg_<source>__<entity>_quarantine when the extract has its own (an
    extract with delta files), else stg_<source>__quarantine (macro quarantine_models, generated
    from cs_pipeline/sources.py). An anti-join on the row's lineage (_source_file, _row_number),
    so staging never evaluates a rule again: a row is either staged or quarantined, never both
    and never neither. (The rows `rule_number` 0 of an incremental quarantine sit on
    `_row_number` 0, which no raw row has.)

    Example: `select * from {{ source('crm', 'account') }} where {{ passes_row_rules('crm', 'account') }}`
-#}
{% macro passes_row_rules(source_name, entity) -%}
    {%- set own = 'stg_' ~ source_name ~ '__' ~ entity ~ '_quarantine' -%}
    (_source_file, _row_number) not in (
        select _source_file, _row_number
        from {{ ref(own if own in quarantine_models() else 'stg_' ~ source_name ~ '__quarantine') }}
    )
{%- endmacro %}
