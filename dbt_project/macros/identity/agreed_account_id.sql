{#- Aggregate: the one account all rows of a group reached, else NULL (rows that disagree, or
    one row that reached none, leave the group unmatched rather than guessed). Used where
    several rows share a key another record points to: a repeated ERP customer number, an
    entitlement id. Example: `select customer_number, {{ agreed_account_id('account_id') }} as
    account_id from ... group by customer_number` -#}
{% macro agreed_account_id(column) -%}
    case when count(distinct {{ column }}) = 1 and count({{ column }}) = count(*) then min({{ column }}) end
{%- endmacro %}
