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
    {#- one checksum character per chunk of 5: the 5-bit case map of the chunk -#}
    {%- set suffix = [] -%}
    {%- for chunk in range(3) -%}
        {%- set bits = [] -%}
        {%- for bit in range(5) -%}
            {%- do bits.append("\n        + case when ascii(substring(" ~ col ~ ", " ~ (chunk * 5 + bit + 1) ~ ", 1)) between 65 and 90 then " ~ (2 ** bit) ~ " else 0 end") -%}
        {%- endfor -%}
        {%- do suffix.append("substring('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1" ~ bits | join('') ~ ", 1)") -%}
    {%- endfor -%}
    case
        when length({{ col }}) = 15 then {{ dbt.concat([col] + suffix) }}
        else {{ col }}
    end
{%- endmacro %}
