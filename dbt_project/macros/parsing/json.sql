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

{% macro duckdb__json_string_array(col) -%}
    case when json_valid({{ col }}) then case when json_type({{ col }}) = 'ARRAY'
        then list_filter(json_extract_string({{ col }}, '$[*]'), lambda x: x is not null) end end
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

{#- The value of the element of a JSON array of objects whose `id` equals `field_id`, as text:
    Zendesk custom_fields `[{"id": "product", "value": "ANA"}, ...]`. -#}
{% macro json_array_field_value(col, field_id) -%}
    {{ return(adapter.dispatch('json_array_field_value', 'cs360')(col, field_id)) }}
{%- endmacro %}

{% macro duckdb__json_array_field_value(col, field_id) -%}
    json_extract_string(
        list_filter(
            case when json_valid({{ col }}) then case when json_type({{ col }}) = 'ARRAY' then json_extract({{ col }}, '$[*]') end end,
            lambda e: json_extract_string(e, '$.id') = '{{ field_id }}'
        )[1],
        '$.value')
{%- endmacro %}

{#- Spark: each element read as a map of text (a number reads as its digits); no match, or
    not an array, gives NULL. -#}
{% macro spark__json_array_field_value(col, field_id) -%}
    try_element_at(
        filter(from_json({{ col }}, 'array<map<string, string>>'), e -> e['id'] = '{{ field_id }}'),
        1)['value']
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
