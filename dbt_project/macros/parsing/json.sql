{#-
    JSON extraction for the Zendesk export. Raw JSONL columns hold objects and arrays as JSON
    text; these macros read them. Engine-specific, hence dispatched.
-#}

{#- The scalar at `path` (JSONPath such as '$.metric_set.solved_at') as text; NULL when absent
    or JSON null. -#}
{% macro json_text(col, path) -%}
    {{ return(adapter.dispatch('json_text', 'cs360')(col, path)) }}
{%- endmacro %}

{#- DuckDB: json_extract_string fails on text that is not JSON; try() makes that NULL. One parse
    of a valid value (a json_valid guard parsed every value twice: 2 s more per field of the
    10 M raw tickets). -#}
{% macro duckdb__json_text(col, path) -%}
    try(json_extract_string({{ col }}, '{{ path }}'))
{%- endmacro %}

{#- Spark: NULL for invalid JSON as well. -#}
{% macro spark__json_text(col, path) -%}
    get_json_object({{ col }}, '{{ path }}')
{%- endmacro %}

{#- A JSON array of strings as a native array of strings (list in DuckDB, array in Spark). -#}
{% macro json_string_array(col) -%}
    {{ return(adapter.dispatch('json_string_array', 'cs360')(col)) }}
{%- endmacro %}

{#- DuckDB: one parse (json_transform; json_valid, json_type and json_extract_string parsed each
    value three times). Non-strict json_transform gives NULL for anything but an array, and
    try() for text that is not JSON; an element that is not a string reads as its JSON text. -#}
{% macro duckdb__json_string_array(col) -%}
    list_filter(try(json_transform({{ col }}, '["VARCHAR"]')), lambda x: x is not null)
{%- endmacro %}

{#- Spark: anything but an array (or invalid JSON) parses to NULL. -#}
{% macro spark__json_string_array(col) -%}
    filter(from_json({{ col }}, 'array<string>'), x -> x is not null)
{%- endmacro %}

{#- A native array of strings with `element_sql` applied to each element (which the expression
    names `x`), NULL and empty results dropped, duplicates removed, sorted. -#}
{% macro array_transform_distinct(array_expr, element_sql) -%}
    {{ return(adapter.dispatch('array_transform_distinct', 'cs360')(array_expr, element_sql)) }}
{%- endmacro %}

{% macro duckdb__array_transform_distinct(array_expr, element_sql) -%}
    list_sort(list_distinct(list_filter(list_transform({{ array_expr }}, lambda x: {{ element_sql }}), lambda y: y is not null)))
{%- endmacro %}

{% macro spark__array_transform_distinct(array_expr, element_sql) -%}
    array_sort(array_distinct(filter(transform({{ array_expr }}, x -> {{ element_sql }}), y -> y is not null)))
{%- endmacro %}

{#- A JSON value parsed once into native values of the given `shape`, so that several fields
    are read from one parse (each json_text call parses its value again). A shape is 'text' (the
    scalar as text: a number as its digits, an object or array as its JSON text), a dict of
    field name to shape (an object: a struct, read as `<column>.<field>` on both engines), or a
    one-element list [shape] (an array of that shape). A missing field, JSON null or a value of
    another kind is NULL; text that is not JSON is NULL.
    Example: `json_parse('custom_fields', [{'id': 'text', 'value': 'text'}])`, then
    field_value_by_id on the result. -#}
{% macro json_parse(col, shape) -%}
    {{ return(adapter.dispatch('json_parse', 'cs360')(col, shape)) }}
{%- endmacro %}

{#- DuckDB: json_transform (non-strict: a value of another kind than its shape is NULL, not an
    error) with the shape as its JSON structure; try() makes text that is not JSON NULL. -#}
{% macro duckdb__json_parse(col, shape) -%}
    try(json_transform({{ col }}, '{{ json_shape_structure(shape) }}'))
{%- endmacro %}

{#- Spark: from_json with the shape as a DDL type. -#}
{% macro spark__json_parse(col, shape) -%}
    from_json({{ col }}, '{{ json_shape_ddl(shape) }}')
{%- endmacro %}

{#- The shape of json_parse as DuckDB's json_transform structure: {"a": "VARCHAR"}, ["VARCHAR"]. -#}
{% macro json_shape_structure(shape) -%}
    {%- if shape is mapping -%}
        {{ '{' }}{% for name, inner in shape.items() %}"{{ name }}":{{ json_shape_structure(inner) }}{{ ',' if not loop.last }}{% endfor %}{{ '}' }}
    {%- elif shape is string -%}
        "VARCHAR"
    {%- else -%}
        [{{ json_shape_structure(shape[0]) }}]
    {%- endif -%}
{%- endmacro %}

{#- The shape of json_parse as a Spark DDL type: struct<a: string>, array<string>. -#}
{% macro json_shape_ddl(shape) -%}
    {%- if shape is mapping -%}
        struct<{% for name, inner in shape.items() %}{{ name }}: {{ json_shape_ddl(inner) }}{{ ', ' if not loop.last }}{% endfor %}>
    {%- elif shape is string -%}
        string
    {%- else -%}
        array<{{ json_shape_ddl(shape[0]) }}>
    {%- endif -%}
{%- endmacro %}

{#- The `value` of the first element whose `id` equals `field_id`, in a native array of
    {id, value} records (a Zendesk custom_fields `[{"id": "product", "value": "ANA"}, ...]`
    parsed with json_parse); NULL when no element matches. -#}
{% macro field_value_by_id(fields, field_id) -%}
    {{ return(adapter.dispatch('field_value_by_id', 'cs360')(fields, field_id)) }}
{%- endmacro %}

{% macro duckdb__field_value_by_id(fields, field_id) -%}
    list_filter({{ fields }}, lambda e: e.id = '{{ field_id }}')[1].value
{%- endmacro %}

{% macro spark__field_value_by_id(fields, field_id) -%}
    try_element_at(filter({{ fields }}, e -> e.id = '{{ field_id }}'), 1).value
{%- endmacro %}

{#- One row per element of a native array column (used in a select list with the other
    columns of the row): DuckDB `unnest`, Spark `explode`. -#}
{% macro explode_array(array_expr) -%}
    {{ return(adapter.dispatch('explode_array', 'cs360')(array_expr)) }}
{%- endmacro %}

{% macro duckdb__explode_array(array_expr) -%}
    unnest({{ array_expr }})
{%- endmacro %}

{% macro spark__explode_array(array_expr) -%}
    explode({{ array_expr }})
{%- endmacro %}
