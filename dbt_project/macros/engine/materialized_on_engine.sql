{#- The materialization of a model that is `local` (a view, or incremental) on DuckDB and a table
    on Spark. Spark's tables are Parquet, which cannot delete rows (no delete+insert, and
    insert_overwrite cannot read the table it overwrites), and cs360 loads Spark's tables, not
    its views, back into the build warehouse (cs_pipeline/spark.py): there such a model is a
    table rebuilt each run by the same rule (docs/scale-out.md).
    Use: {{ config(materialized=materialized_on_engine('view')) }} -#}
{% macro materialized_on_engine(local) -%}
    {{ return(adapter.dispatch('materialized_on_engine', 'cs360')(local)) }}
{%- endmacro %}

{% macro default__materialized_on_engine(local) -%}
    {{ return(local) }}
{%- endmacro %}

{% macro spark__materialized_on_engine(local) -%}
    {{ return('table') }}
{%- endmacro %}
