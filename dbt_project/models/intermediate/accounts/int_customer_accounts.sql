-- The accounts customer_360 reports on: CRM accounts that are not deleted (stg_crm__account
-- holds live accounts only) and whose Type is Customer, with the name of the owning CSM and
-- whether that user is active (null when the owner is not in User.csv).

select
    accounts.account_id,
    accounts.account_name,
    accounts.parent_account_id,
    accounts.region,
    accounts.segment,
    accounts.owner_id,
    owners.user_name as csm_name,
    owners.is_active as owner_is_active,
    accounts.website_domain
from {{ ref('stg_crm__account') }} as accounts
left join {{ ref('stg_crm__user') }} as owners
    on owners.user_id = accounts.owner_id
where accounts.account_type = 'Customer'
