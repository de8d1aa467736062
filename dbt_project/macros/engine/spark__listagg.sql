{#- dbt.listagg on Spark, keeping the order: dbt-spark's own collect_list ignores `order by`
    (and warns), so lists such as health_drivers could come out in another order than on DuckDB.
    Each value is collected with its sort keys as a struct and the array is sorted by a
    comparator built from `order by <expr> [asc|desc], ...` (NULLs last, DuckDB's default; equal
    keys then by the value itself), then joined. NULL values are skipped and no value at all
    gives NULL, as string_agg does. Found first by the `dispatch` search order of
    dbt_project.yml. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause=none, limit_num=none) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("spark__listagg: limit_num is not supported") }}
    {%- endif -%}
    {#- split the clause on its top-level commas (a key may call a function with arguments) -#}
    {%- set ns = namespace(depth=0, part='', parts=[]) -%}
    {%- set clause = (order_by_clause or '') | trim -%}
    {%- if clause and not clause.lower().startswith('order by ') -%}
        {{ exceptions.raise_compiler_error("spark__listagg: expected 'order by ...', got " ~ clause) }}
    {%- endif -%}
    {%- for char in clause[9:] -%}
        {%- if char == ',' and ns.depth == 0 -%}
            {%- set ns.parts = ns.parts + [ns.part] -%}{%- set ns.part = '' -%}
        {%- else -%}
            {%- if char == '(' -%}{%- set ns.depth = ns.depth + 1 -%}{%- elif char == ')' -%}{%- set ns.depth = ns.depth - 1 -%}{%- endif -%}
            {%- set ns.part = ns.part ~ char -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set parts = (ns.parts + [ns.part]) | map('trim') | reject('equalto', '') | list -%}
    {%- set fields = [] -%}
    {%- set comparisons = [] -%}
    {%- for part in parts -%}
        {%- set words = part.split() -%}
        {%- set descending = words[-1].lower() == 'desc' -%}
        {%- if words[-1].lower() in ('asc', 'desc') -%}{%- set words = words[:-1] -%}{%- endif -%}
        {%- if 'nulls' in (words | map('lower') | list) -%}
            {{ exceptions.raise_compiler_error("spark__listagg: NULLS FIRST/LAST is not supported: " ~ part) }}
        {%- endif -%}
        {%- set key = 'k' ~ loop.index -%}
        {%- do fields.append("'" ~ key ~ "', " ~ (words | join(' '))) -%}
        {%- do comparisons.append((key, descending)) -%}
    {%- endfor -%}
    {%- do comparisons.append(('v', false)) -%}
    {%- set signs = [] -%}
    {%- for key, descending in comparisons -%}
        {%- set before, after = ('1', '-1') if descending else ('-1', '1') -%}
        {%- do signs.append('nullif(case when l.' ~ key ~ ' is null and r.' ~ key ~ ' is null then 0'
            ~ ' when l.' ~ key ~ ' is null then 1 when r.' ~ key ~ ' is null then -1'
            ~ ' when l.' ~ key ~ ' < r.' ~ key ~ ' then ' ~ before
            ~ ' when l.' ~ key ~ ' > r.' ~ key ~ ' then ' ~ after ~ ' else 0 end, 0)') -%}
    {%- endfor -%}
    case when count({{ measure }}) > 0 then array_join(transform(
        array_sort(
            collect_list(case when ({{ measure }}) is not null then named_struct({{ (fields + ["'v', " ~ measure]) | join(', ') }}) end),
            (l, r) -> coalesce({{ signs | join(', ') }}, 0)),
        s -> s.v), {{ delimiter_text }}) end
{%- endmacro %}
