{#- on-run-start: makes the raw layer that cs360 exported as Parquet (one folder per raw table
    under `location`, cs_pipeline/spark.py) the tables dbt's sources name on Spark, `raw.<table>`.
    Re-created every run, so a column added by schema drift is seen. DuckDB reads the raw
    tables ingest wrote into the build file: nothing to do there. -#}
{% macro register_raw_tables(location) -%}
    {{ return(adapter.dispatch('register_raw_tables', 'cs360')(location)) }}
{%- endmacro %}

{% macro default__register_raw_tables(location) -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_tables(location) -%}
    {%- if execute -%}
        {%- set schemas = graph.sources.values() | map(attribute='schema') | unique | list -%}
        {%- for schema in schemas -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for source in graph.sources.values() -%}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do run_query('create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ " using parquet location '" ~ location ~ '/' ~ source.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
