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
