{#- Every Salesforce Account id cs360 knows, live or deleted, so that a record pointing to an
    account can be told apart as matched, pointing to a deleted account, or pointing nowhere.
    Only live accounts (is_deleted = false) are ever matched. -#}
with live as (

    select account_id from {{ ref('stg_crm__account') }}

),

deleted as (

    select account_id from {{ ref('stg_crm__account_deleted') }}
    where account_id not in (select account_id from live)

)

select account_id, false as is_deleted from live
union all
select distinct account_id, true as is_deleted from deleted
