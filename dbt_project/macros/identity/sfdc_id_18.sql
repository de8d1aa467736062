{#-
    Salesforce record id in its 18-character form, the one form cs360 stores and joins on.

    A 15-character id is case-sensitive ("001A0000001abcD" and "001A0000001ABCD" are different
    records); Salesforce appends 3 checksum characters that encode the case of the first 15, so
    that the 18-character form survives case-insensitive tools. Each suffix character covers a
    chunk of 5 characters: bit j is set when character j of the chunk is an uppercase letter A-Z,
    and the 5-bit number indexes "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".

    - 15 characters: the id plus its computed suffix.
    - 18 characters: kept exactly as delivered. It is already the canonical form; re-deriving
      the case of the first 15 from the suffix, or comparing case-insensitively, would be a guess
      and case-insensitive comparison is wrong for 15-character ids anyway.
    - Anything else (wrong length, NULL): kept as delivered, so a bad id never matches by accident
      and identity resolution reports it as an id that reaches no account.

    Portable SQL only (substring, ascii, case, concat): it runs unchanged on DuckDB and Spark.
    Pass an expression that is already trimmed (see clean_key).
-#}
{% macro sfdc_id_18(col) -%}
    case
        when length({{ col }}) = 15 then {{ dbt.concat([col, _sfdc_suffix_char(col, 0), _sfdc_suffix_char(col, 1), _sfdc_suffix_char(col, 2)]) }}
        else {{ col }}
    end
{%- endmacro %}

{#- One checksum character: the 5-bit case map of chunk `chunk` (0, 1 or 2) of a 15-char id. -#}
{% macro _sfdc_suffix_char(col, chunk) -%}
    substring('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1
    {%- for bit in range(5) %}
        + case when ascii(substring({{ col }}, {{ chunk * 5 + bit + 1 }}, 1)) between 65 and 90 then {{ 2 ** bit }} else 0 end
    {%- endfor %}, 1)
{%- endmacro %}

{#- True when the delivered id was the 15-character form (identity resolution reports it as
    match_method `sfdc_id_15`). -#}
{% macro sfdc_id_is_15(col) -%}
    (length({{ col }}) = 15)
{%- endmacro %}
