{#- The config of a history table (health_history, cta_history): rows are kept across runs and
    each run replaces only the rows of its own as-of date. Incremental and never rebuilt
    (full_refresh: false); delete+insert keyed by as_of_date on DuckDB, insert_overwrite of the
    as_of_date partition on Spark (dbt-spark has no delete+insert): the same semantics.
    Use: {{ config(**history_config()) }} -#}
{% macro history_config() -%}
    {%- set on_spark = target.type in ('spark', 'databricks') -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite' if on_spark else 'delete+insert',
        'unique_key': none if on_spark else 'as_of_date',
        'partition_by': ['as_of_date'] if on_spark else none,
        'full_refresh': false,
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}
