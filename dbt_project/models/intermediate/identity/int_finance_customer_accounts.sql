{#- One row per ERP customer number with the account its customer reached (see
    int_finance_customers_resolved, overrides included): the lookup through which invoices,
    subscription lines and license entitlements reach an account by customer number. The ERP
    may repeat a number (a unique test on stg_finance__customers reports it); a repeated
    number reaches an account only if all its rows reached the same one. -#}
select
    customer_number,
    case when count(distinct account_id) = 1 and count(account_id) = count(*) then min(account_id) end as account_id

from {{ ref('int_finance_customers_resolved') }}
where customer_number is not null
group by customer_number
