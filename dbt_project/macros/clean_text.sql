{#-
    Text clean-up shared by every staging model.

    Exports from Japanese systems mix full-width and half-width forms (`ＡＢＣ商事`,
    `Ｃ－０００１２３`, `ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ`). Keys (ids, e-mails, domains, customer
    numbers) are folded to half-width so the same key matches however it was typed; free text
    (names, subjects, comments) is only trimmed, never rewritten.
-#}

{#- Empty means null (extract contract): trim, then '' -> NULL. -#}
{% macro clean_text(col) -%}
    nullif(trim({{ col }}), '')
{%- endmacro %}
