-- Every customer-360 figure for the as-of date, at two grains computed by the same
-- aggregations (grouping sets), so customer_360 and customer_product_360 cannot drift apart:
--   grain 'account'         one row per customer account (product_code null)  -> customer_360
--   grain 'account_product' one row per customer account and product it holds or runs on
--                           as-of: an active subscription line, an active entitlement or a
--                           production installation                          -> customer_product_360
-- Tickets count for a product through their Zendesk `product` custom field, learners through
-- the enrollment's product_code; those without a product count at the account grain only.
-- NPS, overdue invoices and CSM activity have no product: they are filled at the account grain.
-- Figures are the account's own: a parent does not roll up its children. Zeros and nulls follow
-- the customer-360 contract: counts, amounts and seats are 0 when there is nothing to count;
-- ratios, nps_latest, max_versions_behind, next_renewal_date, support_tier and day counts null.

{%- set by_grain = "group by grouping sets ((account_id), (account_id, product_code))" %}
{%- set grain_of = "case when grouping(product_code) = 1 then 'account' else 'account_product' end" %}

with accounts as (

    select * from {{ ref('int_customer_accounts') }}

),

subscriptions as (

    select
        account_id,
        product_code,
        {{ grain_of }} as grain,
        sum(annual_value_usd) as arr_usd,
        min(case when end_date >= {{ as_of_date() }} then end_date end) as next_renewal_date,
        max(support_tier_rank) as support_tier_rank
    from {{ ref('int_subscription_lines_active') }}
    {{ by_grain }}

),

entitlements as (

    select
        account_id,
        product_code,
        {{ grain_of }} as grain,
        sum(seats_purchased) as seats_purchased,
        sum(seats_in_use) as seats_in_use
    from {{ ref('int_entitlements_active') }}
    {{ by_grain }}

),

tickets as (

    select
        account_id,
        product_code,
        {{ grain_of }} as grain,
        sum(case when is_open then 1 else 0 end) as open_tickets,
        sum(case when is_urgent_open then 1 else 0 end) as urgent_open_tickets,
        sum(case when is_created_90d then 1 else 0 end) as tickets_90d,
        sum(case when is_created_baseline then 1 else 0 end) as tickets_baseline_270d,
        sum(case when is_rated_good_90d then 1 else 0 end) as rated_good_90d,
        sum(case when is_rated_90d then 1 else 0 end) as rated_90d
    from {{ ref('int_tickets_as_of') }}
    {{ by_grain }}

),

trained as (

    select
        account_id,
        product_code,
        {{ grain_of }} as grain,
        count(distinct user_email) as trained_users
    from {{ ref('int_enrollments_completed') }}
    {{ by_grain }}

),

versions as (

    select account_id, product_code, 'account_product' as grain,
        production_installations, max_versions_behind, is_version_current, is_end_of_support
    from {{ ref('int_account_product_versions') }}

    union all

    select account_id, null as product_code, 'account' as grain,
        production_installations, max_versions_behind, is_version_current, is_end_of_support
    from {{ ref('int_account_versions') }}

),

support_organizations as (

    select account_id, count(*) as support_organizations
    from {{ ref('int_support_organizations_resolved') }}
    group by account_id

),

nps_ranked as (

    select
        account_id,
        score,
        submitted_date,
        row_number() over (
            partition by account_id
            order by submitted_date desc, nps_response_id desc
        ) as recency
    from {{ ref('int_nps_responses_resolved') }}
    where submitted_date <= {{ as_of_date() }}
      and score is not null

),

overdue as (

    select account_id, sum(amount_usd) as overdue_amount_usd
    from {{ ref('int_invoices_overdue') }}
    group by account_id

),

invoiced as (

    select account_id, count(*) as invoices
    from {{ ref('int_invoices_resolved') }}
    where invoice_date <= {{ as_of_date() }}
    group by account_id

),

activity as (

    select account_id, max(activity_date) as last_activity_date
    from {{ ref('int_tasks_resolved') }}
    where lower(status) = 'completed'
      and activity_date <= {{ as_of_date() }}
    group by account_id

),

rows_of_grains as (

    select account_id, cast(null as {{ dbt.type_string() }}) as product_code, 'account' as grain
    from accounts

    union all

    select distinct held.account_id, held.product_code, 'account_product' as grain
    from (
        select account_id, product_code, grain from subscriptions
        union all
        select account_id, product_code, grain from entitlements
        union all
        select account_id, product_code, grain from versions
    ) as held
    inner join accounts on accounts.account_id = held.account_id
    where held.grain = 'account_product'
      and held.product_code is not null

)

select
    rows_of_grains.grain,
    rows_of_grains.account_id,
    rows_of_grains.product_code,
    accounts.account_name,
    accounts.parent_account_id,
    accounts.region,
    accounts.segment,
    accounts.csm_name,
    {{ as_of_date() }} as as_of_date,
    coalesce(subscriptions.arr_usd, 0) as arr_usd,
    subscriptions.next_renewal_date,
    {{ dbt.datediff(as_of_date(), 'subscriptions.next_renewal_date', 'day') }} as days_to_renewal,
    case subscriptions.support_tier_rank
        when 3 then 'TAM' when 2 then 'Premium' when 1 then 'Standard'
    end as support_tier,
    coalesce(tickets.open_tickets, 0) as open_tickets,
    coalesce(tickets.urgent_open_tickets, 0) as urgent_open_tickets,
    coalesce(tickets.tickets_90d, 0) as tickets_90d,
    coalesce(tickets.tickets_baseline_270d, 0) as tickets_baseline_270d,
    cast(tickets.rated_good_90d as {{ type_double() }}) / nullif(tickets.rated_90d, 0) as csat_90d,
    coalesce(support_organizations.support_organizations, 0) > 0 as has_support_organization,
    nps.score as nps_latest,
    nps.submitted_date as nps_latest_date,
    coalesce(trained.trained_users, 0) as trained_users,
    coalesce(entitlements.seats_purchased, 0) as seats_purchased,
    coalesce(entitlements.seats_in_use, 0) as seats_in_use,
    cast(entitlements.seats_in_use as {{ type_double() }}) / nullif(entitlements.seats_purchased, 0)
        as seat_utilization,
    coalesce(versions.production_installations, 0) as production_installations,
    versions.max_versions_behind,
    coalesce(versions.is_version_current, true) as is_version_current,
    coalesce(versions.is_end_of_support, false) as is_end_of_support,
    coalesce(overdue.overdue_amount_usd, 0) as overdue_amount_usd,
    coalesce(invoiced.invoices, 0) > 0 as has_invoices,
    activity.last_activity_date,
    {{ dbt.datediff('activity.last_activity_date', as_of_date(), 'day') }} as days_since_last_activity
from rows_of_grains
inner join accounts
    on accounts.account_id = rows_of_grains.account_id
{%- for per_grain in ['subscriptions', 'entitlements', 'tickets', 'trained', 'versions'] %}
left join {{ per_grain }}
    on {{ per_grain }}.account_id = rows_of_grains.account_id
    and {{ per_grain }}.grain = rows_of_grains.grain
    and (rows_of_grains.grain = 'account' or {{ per_grain }}.product_code = rows_of_grains.product_code)
{%- endfor %}
left join support_organizations
    on support_organizations.account_id = rows_of_grains.account_id
left join nps_ranked as nps
    on nps.account_id = rows_of_grains.account_id
    and nps.recency = 1
    and rows_of_grains.grain = 'account'
{%- for per_account in ['overdue', 'invoiced', 'activity'] %}
left join {{ per_account }}
    on {{ per_account }}.account_id = rows_of_grains.account_id
    and rows_of_grains.grain = 'account'
{%- endfor %}
