{#- The figures an account and an account's product are measured by alike, in the final select
    of int_accounts_measured and int_account_products_measured. The models aggregate their
    facts once per row of their grain into steps of the same names, which these columns read:
    subscriptions, tickets, support_organizations, trained, entitlements and versions, with
    the support_tiers seed joined as tiers. Zeros and nulls follow the customer-360 contract.

    The figures that count no ticket are measured apart (tickets=false: the models
    int_accounts_measured_without_tickets and int_account_products_measured_without_tickets,
    which a night with only ticket changes keeps); the final models then read them, by name,
    from that model's relation alias (measured), beside the ticket figures, in the same order.

    Example: `select accounts.account_id, {{ measured_figures() }}, ... from accounts left join subscriptions ...` -#}
{% macro measured_figures(tickets=true, measured=none) -%}
    {%- set figures = [
        ('arr_usd', 'coalesce(subscriptions.arr_usd, 0)', false),
        ('next_renewal_date', 'subscriptions.next_renewal_date', false),
        ('days_to_renewal', dbt.datediff(as_of_date(), 'subscriptions.next_renewal_date', 'day'), false),
        ('support_tier', 'tiers.support_tier', false),
        ('open_tickets', 'coalesce(tickets.open_tickets, 0)', true),
        ('urgent_open_tickets', 'coalesce(tickets.urgent_open_tickets, 0)', true),
        ('tickets_90d', 'coalesce(tickets.tickets_90d, 0)', true),
        ('tickets_baseline_270d', 'coalesce(tickets.tickets_baseline_270d, 0)', true),
        ('csat_90d', 'cast(tickets.rated_good_90d as ' ~ type_double() ~ ') / nullif(tickets.rated_90d, 0)', true),
        ('has_support_organization', 'coalesce(support_organizations.support_organizations, 0) > 0', false),
        ('trained_users', 'coalesce(trained.trained_users, 0)', false),
        ('seats_purchased', 'coalesce(entitlements.seats_purchased, 0)', false),
        ('seats_in_use', 'coalesce(entitlements.seats_in_use, 0)', false),
        ('seat_utilization', 'cast(entitlements.seats_in_use as ' ~ type_double() ~ ') / nullif(entitlements.seats_purchased, 0)', false),
        ('production_installations', 'coalesce(versions.production_installations, 0)', false),
        ('max_versions_behind', 'versions.max_versions_behind', false),
        ('is_version_current', 'coalesce(versions.is_version_current, true)', false),
        ('is_end_of_support', 'coalesce(versions.is_end_of_support, false)', false),
    ] -%}
    {%- set columns = [] -%}
    {%- for name, expression, from_tickets in figures if tickets or not from_tickets -%}
        {%- do columns.append(measured ~ '.' ~ name if measured and not from_tickets else expression ~ ' as ' ~ name) -%}
    {%- endfor -%}
    {{ columns | join(',\n    ') }}
{%- endmacro %}
