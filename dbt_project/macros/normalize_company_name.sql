{#-
    A company name reduced for *suggesting* matches to people, never for matching
    (extract contract: names are never matched automatically).
    Full-width folded, lower case, legal forms removed (株式会社, (株), 有限会社, 合同会社, Inc.,
    Corp., GmbH, Ltd., Co., Ltd., K.K., S.A., AG, LLC, PLC, ...), then everything that is not a
    letter or a digit removed: `ＡＢＣ商事（株）` and `ABC商事 株式会社` both give `abc商事`.
-#}
{% macro normalize_company_name(col) -%}
    {#- A legal form is a whole word (bounded by non-letters); a match consumes the separator
        after it, so the pattern runs twice for adjacent forms such as "Pte. Ltd." -#}
    {%- set legal_form = "(^|[^\\p{L}\\p{N}])(co\\.?,?\\s*ltd|k\\.\\s*k|s\\.\\s*a\\.?\\s*de\\s*c\\.\\s*v|s\\.\\s*a\\.\\s*s|s\\.\\s*a|l\\.\\s*l\\.\\s*c|b\\.\\s*v|n\\.\\s*v|inc|incorporated|corp|corporation|company|gmbh|kg|ltd|ltda|limited|llc|llp|plc|ag|kk|sa|sas|co|pte|pty|pvt|bv|nv|srl|sarl|spa|oy|oyj|ab|as)\\.?($|[^\\p{L}\\p{N}])" -%}
    {%- set japanese_forms = "株式会社|有限会社|合同会社|合資会社|合名会社|\\(株\\)|\\(有\\)|\\(同\\)|㈱|㈲" -%}
    nullif(
        {{ regexp_replace_all(
            regexp_replace_all(
                regexp_replace_all(
                    regexp_replace_all('lower(' ~ normalize_width(col) ~ ')', japanese_forms, ' '),
                    legal_form, ' '),
                legal_form, ' '),
            '[^\\p{L}\\p{N}]', '') }},
        '')
{%- endmacro %}
