{#- The model has exactly as many rows as `compare_model`. Identity resolution adds columns to
    its staging model and must never drop or duplicate a record (a join fan-out or an inner
    join would). Returns one row, with both counts, when they differ. -#}
{% test equal_row_count(model, compare_model) %}

select model_rows, compare_rows
from (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ compare_model }}) as compare_rows
) as counts
where model_rows <> compare_rows

{% endtest %}
