-- Entitlements active on the as-of date (start_date <= as-of <= expiry_date; the expiry day is
-- still covered), each with the seats in use of its production installations and the stale ones
-- among them: production installations whose last_checkin_at is empty or whose (UTC) date is
-- more than var('stale_installation_days') (30, the customer-360 contract's figure) days before
-- as-of. A stale installation's seats stay in seats_in_use (its contracted meaning) and are
-- also reported apart as stale_seats_in_use.

with entitlements as (

    select
        entitlement_id,
        account_id,
        product_code,
        seats_purchased,
        start_date,
        expiry_date
    from {{ ref('int_entitlements_resolved') }}
    where start_date <= {{ as_of_date() }}
      and expiry_date >= {{ as_of_date() }}

),

production_seats as (

    select
        entitlement_id,
        count(*) as production_installations,
        cast(sum(seats_in_use) as {{ dbt.type_bigint() }}) as seats_in_use,
        count(case when is_stale then 1 end) as stale_production_installations,
        cast(sum(case when is_stale then seats_in_use else 0 end) as {{ dbt.type_bigint() }}) as stale_seats_in_use
    from (
        select
            entitlement_id,
            seats_in_use,
            last_checkin_at is null
                or cast(last_checkin_at as date) < {{ days_before_as_of(var('stale_installation_days')) }}
                as is_stale
        from {{ ref('int_installation_versions') }}
        where environment = 'production'
    ) as production
    group by entitlement_id

)

select
    entitlements.entitlement_id,
    entitlements.account_id,
    entitlements.product_code,
    entitlements.start_date,
    entitlements.expiry_date,
    coalesce(entitlements.seats_purchased, 0) as seats_purchased,
    coalesce(production_seats.production_installations, 0) as production_installations,
    coalesce(production_seats.seats_in_use, 0) as seats_in_use,
    coalesce(production_seats.stale_production_installations, 0) as stale_production_installations,
    coalesce(production_seats.stale_seats_in_use, 0) as stale_seats_in_use
from entitlements
left join production_seats
    on production_seats.entitlement_id = entitlements.entitlement_id
