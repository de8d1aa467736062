-- The customer-360 figures of each customer account and product it holds or runs on the as-of
-- date (an active subscription line, an active entitlement or a production installation) that
-- count no ticket, one row per account and product (-> int_account_products_measured, which adds
-- the ticket figures). A model of its own so that a night whose only change is new tickets keeps
-- it. The definitions are those of int_accounts_measured_without_tickets restricted to the
-- product; each fact table is aggregated once per account and product and the aggregates are
-- joined on both keys. Learners count for a product through the enrollment's product_code;
-- NPS, invoices and CSM activity have no product and are not here.

with accounts as (

    select account_id, account_name, csm_name
    from {{ ref('int_customer_accounts') }}

),

subscriptions as (

    select
        account_id,
        product_code,
        -- decimal(18, 6), the type of the amounts summed: sum() makes it decimal(38, 6), a 128-bit
        -- value that every later join, sort and cast pays for (as in int_accounts_measured)
        cast(sum(annual_value_usd) as decimal(18, 6)) as arr_usd,
        min(case when end_date >= {{ as_of_date() }} then end_date end) as next_renewal_date,
        max(support_tier_rank) as support_tier_rank
    from {{ ref('int_subscription_lines_active') }}
    where product_code is not null
    group by account_id, product_code

),

entitlements as (

    select
        account_id,
        product_code,
        cast(sum(seats_purchased) as {{ dbt.type_bigint() }}) as seats_purchased,
        cast(sum(seats_in_use) as {{ dbt.type_bigint() }}) as seats_in_use
    from {{ ref('int_entitlements_active') }}
    where product_code is not null
    group by account_id, product_code

),

versions as (

    select
        account_id,
        product_code,
        production_installations,
        max_versions_behind,
        is_version_current,
        is_end_of_support
    from {{ ref('int_account_product_versions') }}
    where product_code is not null

),

account_products as (

    select account_id, product_code from subscriptions
    union
    select account_id, product_code from entitlements
    union
    select account_id, product_code from versions

),

trained as (

    select account_id, product_code, count(distinct user_email) as trained_users
    from {{ ref('int_enrollments_completed') }}
    where product_code is not null
    group by account_id, product_code

),

support_organizations as (

    select account_id, count(*) as support_organizations
    from {{ ref('int_support_organizations_resolved') }}
    group by account_id

)

select
    account_products.account_id,
    account_products.product_code,
    accounts.account_name,
    accounts.csm_name,
    {{ as_of_date() }} as as_of_date,
    {{ measured_figures(tickets=false) }}
from account_products
inner join accounts
    on accounts.account_id = account_products.account_id
left join subscriptions
    on subscriptions.account_id = account_products.account_id
    and subscriptions.product_code = account_products.product_code
left join {{ ref('support_tiers') }} as tiers
    on tiers.support_tier_rank = subscriptions.support_tier_rank
left join entitlements
    on entitlements.account_id = account_products.account_id
    and entitlements.product_code = account_products.product_code
left join versions
    on versions.account_id = account_products.account_id
    and versions.product_code = account_products.product_code
left join trained
    on trained.account_id = account_products.account_id
    and trained.product_code = account_products.product_code
left join support_organizations
    on support_organizations.account_id = account_products.account_id
