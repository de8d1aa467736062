{#-
    A key (id, e-mail, domain, customer number): full-width folded to half-width
    (normalize_width), trimmed, '' -> NULL. Exports from Japanese systems mix full-width and
    half-width forms (`Ｃ－０００１２３`), so keys are folded to match however they were typed;
    free text (names, subjects, comments) is only trimmed (clean_text), never rewritten.
-#}
{% macro clean_key(col) -%}
    nullif(trim({{ normalize_width(col) }}), '')
{%- endmacro %}
