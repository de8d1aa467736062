-- The customer-360 figures of each customer account on the as-of date that count no ticket, one
-- row per account of int_customer_accounts (-> int_accounts_measured, which adds the ticket
-- figures and the customer signals). A model of its own so that a night whose only change is
-- new tickets keeps it: it reads the CRM activities (int_tasks_resolved, 1 M rows at 100 000
-- accounts), invoices, training and contracts, none of which such a night changes. Each fact
-- table is aggregated once per account and the aggregates are joined on account_id. Figures are
-- the account's own: a parent does not roll up its children. Zeros and nulls follow the
-- customer-360 contract: counts, amounts and seats are 0 when there is nothing to count;
-- ratios, nps_latest, max_versions_behind, next_renewal_date, support_tier and day counts null.

with accounts as (

    select * from {{ ref('int_customer_accounts') }}

),

subscriptions as (

    select
        account_id,
        -- decimal(18, 6), the type of the amounts summed: sum() makes it decimal(38, 6), a 128-bit
        -- value that every later join, sort and cast pays for (as in int_kpi_account_months)
        cast(sum(annual_value_usd) as decimal(18, 6)) as arr_usd,
        min(case when end_date >= {{ as_of_date() }} then end_date end) as next_renewal_date,
        max(support_tier_rank) as support_tier_rank
    from {{ ref('int_subscription_lines_active') }}
    group by account_id

),

entitlements as (

    select
        account_id,
        cast(sum(seats_purchased) as {{ dbt.type_bigint() }}) as seats_purchased,
        cast(sum(seats_in_use) as {{ dbt.type_bigint() }}) as seats_in_use,
        cast(sum(stale_production_installations) as {{ dbt.type_bigint() }}) as stale_production_installations,
        cast(sum(stale_seats_in_use) as {{ dbt.type_bigint() }}) as stale_production_seats
    from {{ ref('int_entitlements_active') }}
    group by account_id

),

trained as (

    select account_id, count(distinct user_email) as trained_users
    from {{ ref('int_enrollments_completed') }}
    group by account_id

),

support_organizations as (

    select account_id, count(*) as support_organizations
    from {{ ref('int_support_organizations_resolved') }}
    group by account_id

),

overdue as (

    select account_id, cast(sum(amount_usd) as decimal(18, 6)) as overdue_amount_usd
    from {{ ref('int_invoices_overdue') }}
    group by account_id

),

invoiced as (

    select account_id, count(*) as invoices
    from {{ ref('int_invoices_resolved') }}
    where invoice_date <= {{ as_of_date() }}
    group by account_id

),

finance_customers as (

    select account_id, count(*) as finance_customers
    from {{ ref('int_finance_customer_accounts') }}
    where account_id is not null
    group by account_id

),

activity as (

    select account_id, max(activity_date) as last_activity_date
    from {{ ref('int_tasks_resolved') }}
    where lower(status) = 'completed'
      and activity_date <= {{ as_of_date() }}
    group by account_id

)

select
    accounts.account_id,
    accounts.account_name,
    accounts.parent_account_id,
    hierarchy.ultimate_parent_account_id,
    accounts.region,
    accounts.segment,
    accounts.csm_name,
    accounts.owner_is_active,
    coalesce(finance_customers.finance_customers, 0) > 0 as has_finance_record,
    {{ as_of_date() }} as as_of_date,
    {{ measured_figures(tickets=false) }},
    nps.score as nps_latest,
    nps.submitted_date as nps_latest_date,
    coalesce(entitlements.stale_production_installations, 0) as stale_production_installations,
    coalesce(entitlements.stale_production_seats, 0) as stale_production_seats,
    coalesce(overdue.overdue_amount_usd, 0) as overdue_amount_usd,
    coalesce(invoiced.invoices, 0) > 0 as has_invoices,
    activity.last_activity_date,
    {{ dbt.datediff('activity.last_activity_date', as_of_date(), 'day') }} as days_since_last_activity
from accounts
left join subscriptions
    on subscriptions.account_id = accounts.account_id
left join {{ ref('support_tiers') }} as tiers
    on tiers.support_tier_rank = subscriptions.support_tier_rank
left join entitlements
    on entitlements.account_id = accounts.account_id
left join trained
    on trained.account_id = accounts.account_id
left join {{ ref('int_account_versions') }} as versions
    on versions.account_id = accounts.account_id
left join support_organizations
    on support_organizations.account_id = accounts.account_id
left join {{ ref('int_nps_responses_latest') }} as nps
    on nps.account_id = accounts.account_id
left join overdue
    on overdue.account_id = accounts.account_id
left join invoiced
    on invoiced.account_id = accounts.account_id
left join finance_customers
    on finance_customers.account_id = accounts.account_id
left join activity
    on activity.account_id = accounts.account_id
left join {{ ref('int_account_hierarchy') }} as hierarchy
    on hierarchy.account_id = accounts.account_id
