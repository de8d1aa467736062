{#-
    The domain of a web address or a bare domain, the form accounts are matched on:
    `HTTPS://www.Example.co.jp/about?x=1` -> `example.co.jp`.
    Lower case; scheme, user info, port, path, query and fragment removed; one leading `www.`
    removed; trailing dots removed. Nothing else: `jp.example.com` stays a different domain from
    `example.com` (a subdomain is a different domain).
-#}
{% macro normalize_domain(col) -%}
    nullif(
        {{ regexp_replace_all(
            regexp_replace_all(
                regexp_replace_all(
                    'lower(trim(' ~ normalize_width(col) ~ '))',
                    '^[a-z][a-z0-9+.-]*://', ''),
                '^[^/?#]*@|[/?#:].*$', ''),
            '^www[.]|[.]+$', '') }},
        '')
{%- endmacro %}
