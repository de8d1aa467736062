{#- The date `days` days before the as-of date (a date, not a timestamp, on every engine), for
    windows such as "created in the 90 days up to and including as-of":
    `created_date > days_before_as_of(90) and created_date <= as_of_date()`. -#}
{% macro days_before_as_of(days) -%}
    cast({{ dbt.dateadd('day', -1 * days, as_of_date()) }} as date)
{%- endmacro %}
