{#-
    Salesforce record id in its 18-character form, the one form cs360 stores and joins on.

    A 15-character id is case-sensitive ("001A0000001abcD" and "001A0000001ABCD" are different
    records); Salesforce appends 3 checksum characters that encode the case of the first 15, so
    that the 18-character form survives case-insensitive tools. Each suffix character covers a
    chunk of 5 characters: bit j is set when character j of the chunk is an uppercase letter A-Z,
    and the 5-bit number indexes "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".

    - 15 characters: the id plus its computed suffix.
    - 18 characters whose first 15 arrive all in upper or all in lower case (a tool on the way
      folded the case, e.g. an ERP field that stores "0019000000B98DEAAB"): the case of each of
      the 15 is restored from the suffix, which is what the suffix is for, so the id matches its
      record as Salesforce itself would match it.
    - Any other 18-character id: kept exactly as delivered, the canonical form.
    - Anything else (wrong length, a suffix outside the alphabet, NULL): kept as delivered, so a
      bad id never matches by accident and identity resolution reports it as an id that reaches
      no account.

    Pass an expression that is already trimmed (see clean_key). The rules read the id about 50
    times: written out, the key's cleaning expression would be repeated as often, and DuckDB took
    a quarter of a second to plan a staging model with three ids. So the id is bound once, as the
    parameter of a lambda over a one-element list (DuckDB's list_transform, Spark's transform),
    and the rules (sfdc_id_18_of, portable SQL: substring, ascii, upper, lower, case, dbt's concat
    and position) read that parameter.
-#}
{% macro sfdc_id_18(col) -%}
    {{ return(adapter.dispatch('sfdc_id_18', 'cs360')(col)) }}
{%- endmacro %}

{% macro default__sfdc_id_18(col) -%}
    {{ sfdc_id_18_of(col) }}
{%- endmacro %}

{% macro duckdb__sfdc_id_18(col) -%}
    list_transform([{{ col }}], lambda sfdc_id: {{ sfdc_id_18_of('sfdc_id') }})[1]
{%- endmacro %}

{% macro spark__sfdc_id_18(col) -%}
    transform(array({{ col }}), sfdc_id -> {{ sfdc_id_18_of('sfdc_id') }})[0]
{%- endmacro %}

{#- The rules on `col`, a name or a short expression (it is read about 50 times). -#}
{% macro sfdc_id_18_of(col) -%}
    {%- set alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' -%}
    {%- set head = 'substring(' ~ col ~ ', 1, 15)' -%}
    {#- one checksum character per chunk of 5: the 5-bit case map of the chunk -#}
    {%- set suffix = [] -%}
    {%- for chunk in range(3) -%}
        {%- set bits = [] -%}
        {%- for bit in range(5) -%}
            {%- do bits.append("\n        + case when ascii(substring(" ~ col ~ ", " ~ (chunk * 5 + bit + 1) ~ ", 1)) between 65 and 90 then " ~ (2 ** bit) ~ " else 0 end") -%}
        {%- endfor -%}
        {%- do suffix.append("substring('" ~ alphabet ~ "', 1" ~ bits | join('') ~ ", 1)") -%}
    {%- endfor -%}
    {#- the suffix read back: character i of the 15 is upper case when its chunk's suffix
        character is one of the 16 of the alphabet whose index has bit (i mod 5) set -#}
    {%- set with_bit = [] -%}
    {%- for bit in range(5) -%}
        {%- set chars = [] -%}
        {%- for index in range(32) if (index // (2 ** bit)) % 2 == 1 -%}
            {%- do chars.append(alphabet[index]) -%}
        {%- endfor -%}
        {%- do with_bit.append("'" ~ chars | join('') ~ "'") -%}
    {%- endfor -%}
    {%- set restored = [] -%}
    {%- set suffix_valid = [] -%}
    {%- for chunk in range(3) -%}
        {%- set checksum_char = "upper(substring(" ~ col ~ ", " ~ (16 + chunk) ~ ", 1))" -%}
        {%- do suffix_valid.append(dbt.position(checksum_char, "'" ~ alphabet ~ "'") ~ " > 0") -%}
        {%- for bit in range(5) -%}
            {%- set character = "substring(" ~ col ~ ", " ~ (chunk * 5 + bit + 1) ~ ", 1)" -%}
            {%- do restored.append("case when " ~ dbt.position(checksum_char, with_bit[bit]) ~ " > 0 then upper(" ~ character ~ ") else lower(" ~ character ~ ") end") -%}
        {%- endfor -%}
    {%- endfor -%}
    case
        when length({{ col }}) = 15 then {{ dbt.concat([col] + suffix) }}
        when length({{ col }}) = 18
            and ({{ head }} = upper({{ head }}) or {{ head }} = lower({{ head }}))
            and {{ suffix_valid | join(' and ') }}
            then {{ dbt.concat(restored + ['upper(substring(' ~ col ~ ', 16, 3))']) }}
        else {{ col }}
    end
{%- endmacro %}
