{#- `sfdc_id`, or `sfdc_id_15` when the id was delivered in the 15-character form
    (`was_15_col`), when the id reached a live account (`lookup` as in sfdc_matched_account). -#}
{% macro sfdc_match_method(was_15_col, lookup) -%}
    case when {{ lookup }}.is_deleted = false then
        case when {{ was_15_col }} then 'sfdc_id_15' else 'sfdc_id' end
    end
{%- endmacro %}
