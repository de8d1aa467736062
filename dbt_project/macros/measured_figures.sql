{#- The figures an account and an account's product are measured by alike, in the final select
    of int_accounts_measured and int_account_products_measured. Both models aggregate their
    facts once per row of their grain into steps of the same names, which these columns read:
    subscriptions, tickets, support_organizations, trained, entitlements and versions, with
    the support_tiers seed joined as tiers. Zeros and nulls follow the customer-360 contract.

    Example: `select accounts.account_id, {{ measured_figures() }}, ... from accounts left join subscriptions ...` -#}
{% macro measured_figures() -%}
    coalesce(subscriptions.arr_usd, 0) as arr_usd,
    subscriptions.next_renewal_date,
    {{ dbt.datediff(as_of_date(), 'subscriptions.next_renewal_date', 'day') }} as days_to_renewal,
    tiers.support_tier,
    coalesce(tickets.open_tickets, 0) as open_tickets,
    coalesce(tickets.urgent_open_tickets, 0) as urgent_open_tickets,
    coalesce(tickets.tickets_90d, 0) as tickets_90d,
    coalesce(tickets.tickets_baseline_270d, 0) as tickets_baseline_270d,
    cast(tickets.rated_good_90d as {{ type_double() }}) / nullif(tickets.rated_90d, 0) as csat_90d,
    coalesce(support_organizations.support_organizations, 0) > 0 as has_support_organization,
    coalesce(trained.trained_users, 0) as trained_users,
    coalesce(entitlements.seats_purchased, 0) as seats_purchased,
    coalesce(entitlements.seats_in_use, 0) as seats_in_use,
    cast(entitlements.seats_in_use as {{ type_double() }}) / nullif(entitlements.seats_purchased, 0)
        as seat_utilization,
    coalesce(versions.production_installations, 0) as production_installations,
    versions.max_versions_behind,
    coalesce(versions.is_version_current, true) as is_version_current,
    coalesce(versions.is_end_of_support, false) as is_end_of_support
{%- endmacro %}
