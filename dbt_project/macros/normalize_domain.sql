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
