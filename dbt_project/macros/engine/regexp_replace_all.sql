{#- Every match of the regular expression `pattern` (a Python string, written once for every
    engine: backslashes as the regex means them) in `expression` replaced by `replacement`.
    DuckDB replaces only the first match unless told 'g'; Spark always replaces every match but
    reads a backslash in a string literal as an escape, so the pattern's backslashes are doubled
    there. Keep quotes out of `pattern`: it is put in a string literal as is. -#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'cs360')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern | replace("\\", "\\\\") }}', '{{ replacement }}')
{%- endmacro %}
