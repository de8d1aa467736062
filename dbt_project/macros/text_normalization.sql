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

{#- A key: full-width folded to half-width, trimmed, '' -> NULL. -#}
{% macro clean_key(col) -%}
    nullif(trim({{ normalize_width(col) }}), '')
{%- endmacro %}

{#- An e-mail address: a key, lower-cased (the domain part is case-insensitive, and no source
    relies on the case of the local part). -#}
{% macro clean_email(col) -%}
    lower({{ clean_key(col) }})
{%- endmacro %}

{#- The domain of an already cleaned e-mail (text after the '@'); NULL when there is none. -#}
{% macro email_domain(email) -%}
    case when {{ email }} like '%_@_%' then nullif({{ dbt.split_part(email, "'@'", 2) }}, '') end
{%- endmacro %}

{#-
    Full-width ASCII (U+FF01-U+FF5E) -> ASCII, ideographic space (U+3000) -> space, and the
    Unicode dash look-alikes (U+2010-U+2014, U+2212) -> '-'.

    DuckDB has no NFKC function (only nfc_normalize), so this is a character translation, which
    is what matters for keys. Half-width katakana are left alone: they never occur in keys.
    The full-width apostrophe and backslash are left out on purpose: without them the two
    literals need no escaping, so the same SQL is valid on DuckDB and Spark.
-#}
{% macro normalize_width(col) -%}
    {{ return(adapter.dispatch('normalize_width', 'cs360')(col)) }}
{%- endmacro %}

{% macro default__normalize_width(col) -%}
    translate({{ col }},
        '！＂＃＄％＆（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　‐‑‒–—−',
        '!"#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~ ------')
{%- endmacro %}

{#- DuckDB's translate costs microseconds per call whatever the text (it rebuilds its character
    map from the two literals on every row), which made the support models, with millions of
    rows and a key clean-up per rule, take minutes. Almost every value is plain ASCII, which
    translate leaves unchanged: those (byte length = character length) skip it. -#}
{% macro duckdb__normalize_width(col) -%}
    case when strlen({{ col }}) = length({{ col }}) then {{ col }} else {{ default__normalize_width(col) }} end
{%- endmacro %}

{#-
    The domain of a web address or a bare domain, the form accounts are matched on:
    `HTTPS://www.Example.co.jp/about?x=1` -> `example.co.jp`.
    Lower case; scheme, user info, port, path, query and fragment removed; one leading `www.`
    removed; trailing dots removed. Nothing else: `jp.example.com` stays a different domain from
    `example.com` (a subdomain is a different domain).
-#}
{% macro normalize_domain(col) -%}
    {{ return(adapter.dispatch('normalize_domain', 'cs360')(col)) }}
{%- endmacro %}

{% macro duckdb__normalize_domain(col) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    lower(trim({{ normalize_width(col) }})),
                    '^[a-z][a-z0-9+.-]*://', ''),
                '^[^/?#]*@|[/?#:].*$', '', 'g'),
            '^www\.|\.+$', '', 'g'),
        '')
{%- endmacro %}

{#-
    A company name reduced for *suggesting* matches to people, never for matching
    (extract contract: names are never matched automatically).
    Full-width folded, lower case, legal forms removed (株式会社, (株), 有限会社, 合同会社, Inc.,
    Corp., GmbH, Ltd., Co., Ltd., K.K., S.A., AG, LLC, PLC, ...), then everything that is not a
    letter or a digit removed: `ＡＢＣ商事（株）` and `ABC商事 株式会社` both give `abc商事`.
-#}
{% macro normalize_company_name(col) -%}
    {{ return(adapter.dispatch('normalize_company_name', 'cs360')(col)) }}
{%- endmacro %}

{% macro duckdb__normalize_company_name(col) -%}
    {#- A legal form is a whole word (bounded by non-letters); a match consumes the separator
        after it, so the pattern runs twice for adjacent forms such as "Pte. Ltd." -#}
    {%- set legal_form = "'(^|[^\p{L}\p{N}])(co\.?,?\s*ltd|k\.\s*k|s\.\s*a\.?\s*de\s*c\.\s*v|s\.\s*a\.\s*s|s\.\s*a|l\.\s*l\.\s*c|b\.\s*v|n\.\s*v|inc|incorporated|corp|corporation|company|gmbh|kg|ltd|ltda|limited|llc|llp|plc|ag|kk|sa|sas|co|pte|pty|pvt|bv|nv|srl|sarl|spa|oy|oyj|ab|as)\.?($|[^\p{L}\p{N}])'" -%}
    {%- set japanese_forms = "'株式会社|有限会社|合同会社|合資会社|合名会社|\\(株\\)|\\(有\\)|\\(同\\)|㈱|㈲'" -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        lower({{ normalize_width(col) }}),
                        {{ japanese_forms }}, ' ', 'g'),
                    {{ legal_form }}, ' ', 'g'),
                {{ legal_form }}, ' ', 'g'),
            '[^\p{L}\p{N}]', '', 'g'),
        '')
{%- endmacro %}
