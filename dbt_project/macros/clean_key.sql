{#-
    A key (id, e-mail, domain, customer number): full-width folded to half-width
    (normalize_width), trimmed, '' -> NULL. Exports from Japanese systems mix full-width and
    half-width forms (`Ｃ－０００１２３`), so keys are folded to match however they were typed;
    free text (names, subjects, comments) is only trimmed (clean_text), never rewritten.
-#}
{% macro clean_key(col) -%}
    {{ return(adapter.dispatch('clean_key', 'cs360')(col)) }}
{%- endmacro %}

{% macro default__clean_key(col) -%}
    nullif(trim({{ normalize_width(col) }}), '')
{%- endmacro %}

{#- DuckDB: plain ASCII needs no folding, so it is only trimmed, the cheap way clean_text
    trims; other text is folded and trimmed as everywhere. -#}
{% macro duckdb__clean_key(col) -%}
    case when strlen({{ col }}) = length({{ col }}) then {{ clean_text(col) }} else nullif(trim({{ normalize_width(col) }}), '') end
{%- endmacro %}
