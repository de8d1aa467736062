{#- Every Salesforce Account id cs360 knows, live or deleted, so that a record pointing to an
    account can be told apart as matched, pointing to a deleted account, or pointing nowhere.
    Only live accounts (is_deleted = false) are ever matched. -#}
with live as (

    select account_id from {{ ref('stg_crm__account') }}

),

deleted as (

    select account_id from {{ ref('stg_crm__account_deleted') }}
    where account_id not in (select account_id from live)

),

known as (

    select account_id, false as is_deleted from live
    union all
    select distinct account_id, true as is_deleted from deleted

)

select
    account_id,
    is_deleted,
    {#- An 18-character id is case-insensitive: its last 3 characters encode the case of the
        first 15, so another system that stored it all upper case (or lower) still names one
        account. A 15-character id carries no such code (staging's 18-character form of a case
        variant is another id). Set only where no other known id is the same in upper case. -#}
    case
        when length(account_id) = 18 and count(*) over (partition by upper(account_id)) = 1
            then upper(account_id)
    end as account_id_in_upper_case

from known
