{#-
    The WHERE condition of a staging model's raw rows: true when the row is not in its source's
    quarantine (stg_<source>__quarantine, generated from the rules in cs_pipeline/sources.py).
    An anti-join on the row's lineage (_source_file, _row_number), so staging never evaluates a
    rule again: a row is either staged or quarantined, never both and never neither.
    `entity` names the raw table for the reader; the lineage alone identifies the row.

    Example: `select * from {{ source('crm', 'account') }} where {{ passes_row_rules('crm', 'account') }}`
-#}
{% macro passes_row_rules(source_name, entity) -%}
    (_source_file, _row_number) not in (
        select _source_file, _row_number from {{ ref('stg_' ~ source_name ~ '__quarantine') }}
    )
{%- endmacro %}
