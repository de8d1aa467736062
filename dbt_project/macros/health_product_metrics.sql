{#- The health metrics an account and a product have alike, prepared from the columns of a
    measured model (int_accounts_measured, int_account_products_measured), each NULL where its
    component has no data: support without a Zendesk organization, training without purchased
    seats, version without a production installation. Used by int_accounts_health_prepared
    and int_account_products_health_prepared; the metrics only an account has are there.

    Example: `select account_id, {{ health_product_metrics() }}, ... from {{ ref('int_accounts_measured') }}` -#}
{% macro health_product_metrics() -%}
    case when has_support_organization then urgent_open_tickets end as urgent_open_tickets,
    -- tickets of the last 90 days against the account's own quarterly average of the 270 days
    -- before; +1 on both sides keeps a quiet account defined (0 vs 0 -> 1.0, flat).
    case when has_support_organization
        then (tickets_90d + 1) / (cast(tickets_baseline_270d as {{ type_double() }}) / 3 + 1)
    end as ticket_trend_ratio,
    csat_90d,
    seat_utilization,
    -- urgent tickets and trained users are divided by the account's size units in the
    -- health_scores macro (docs/health_score.md, "Scaled to account size"); training needs seats.
    case when seats_purchased > 0 then trained_users end as trained_users,
    seats_purchased,
    case when production_installations > 0 then max_versions_behind end as max_versions_behind,
    case when production_installations > 0 then case when is_end_of_support then 1 else 0 end end
        as end_of_support
{%- endmacro %}
