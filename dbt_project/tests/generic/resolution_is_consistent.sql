{#- A resolved record either reached an account (account_id and match_method set, no
    unmatched_reason) or did not (only unmatched_reason set). Returns the rows that are neither. -#}
{% test resolution_is_consistent(model) %}

select *
from {{ model }}
where not (
    (account_id is not null and match_method is not null and unmatched_reason is null)
    or (account_id is null and match_method is null and unmatched_reason is not null)
)

{% endtest %}
