{#- An e-mail address: a key, lower-cased (the domain part is case-insensitive, and no source
    relies on the case of the local part). -#}
{% macro clean_email(col) -%}
    lower({{ clean_key(col) }})
{%- endmacro %}
