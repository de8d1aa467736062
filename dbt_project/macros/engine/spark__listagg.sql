{#- dbt.listagg on Spark, keeping the order: dbt-spark's own collect_list ignores `order by`
    (and warns), so lists such as health_drivers could come out in another order than on DuckDB.
    The values are collected with their sort keys as structs, sorted, and joined; NULL values
    are skipped and no value at all gives NULL, as string_agg does. `order_by_clause` is
    `order by <expr>, <expr>, ...`, ascending (the only form cs360 uses). Found first by the
    `dispatch` search order of dbt_project.yml. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause=none, limit_num=none) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("spark__listagg: limit_num is not supported") }}
    {%- endif -%}
    {%- set keys = [] -%}
    {%- if order_by_clause -%}
        {%- set clause = order_by_clause | trim -%}
        {%- if not clause.lower().startswith('order by ') or ' desc' in clause.lower() or ' nulls ' in clause.lower() -%}
            {{ exceptions.raise_compiler_error("spark__listagg: expected 'order by a, b' (ascending), got " ~ clause) }}
        {%- endif -%}
        {%- set keys = clause[9:].split(',') | map('trim') | list -%}
    {%- endif -%}
    {%- set fields = [] -%}
    {%- for key in keys -%}{%- do fields.append("'k" ~ loop.index ~ "', " ~ key) -%}{%- endfor -%}
    case when count({{ measure }}) > 0 then array_join(transform(
        array_sort(collect_list(case when ({{ measure }}) is not null then named_struct({{ (fields + ["'v', " ~ measure]) | join(', ') }}) end)),
        s -> s.v), {{ delimiter_text }}) end
{%- endmacro %}
