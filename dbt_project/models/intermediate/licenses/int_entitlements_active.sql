-- Entitlements active on the as-of date (start_date <= as-of <= expiry_date; the expiry day is
-- still covered), each with the seats in use of its production installations.

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
        sum(seats_in_use) as seats_in_use
    from {{ ref('int_installation_versions') }}
    where environment = 'production'
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
    coalesce(production_seats.seats_in_use, 0) as seats_in_use
from entitlements
left join production_seats
    on production_seats.entitlement_id = entitlements.entitlement_id
