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

{#- DuckDB: the same mapping by code point, which compiles to about half the text of the two
    translate literals (clean_key is inlined at every use, hundreds of times in the staging
    and quarantine models); the result is identical for every character of the Basic
    Multilingual Plane. Almost every value is plain ASCII (byte length = character length) and
    skips the mapping altogether: DuckDB's translate rebuilt its character map on every row,
    which once made the support models take minutes. -#}
{% macro duckdb__normalize_width(col) -%}
    case when strlen({{ col }}) = length({{ col }}) then {{ col }} else array_to_string(list_transform(string_split({{ col }}, ''), lambda c: case when c between '！' and '～' and c not in ('＇', '＼') then chr(unicode(c) - 65248) when c = '　' then ' ' when c between '‐' and '—' or c = '−' then '-' else c end), '') end
{%- endmacro %}
