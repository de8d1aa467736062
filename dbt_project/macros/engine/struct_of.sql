{#- A struct (a row of named fields) from `fields`, a dict of field name to SQL expression, in
    the dict's order. Structs compare field by field in that order (two NULLs equal), so
    `max(struct_of({...}))` over a group is the row with the greatest first field, then second,
    ... and its other fields come along: a group-by that picks one row per key without a window
    (stg_support__tickets). DuckDB `struct_pack(name := expr)`, Spark
    `named_struct('name', expr)`; read a field as `<column>.<name>` on both. -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of', 'cs360')(fields)) }}
{%- endmacro %}

{% macro duckdb__struct_of(fields) -%}
    struct_pack({% for name, expr in fields.items() %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct({% for name, expr in fields.items() %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
