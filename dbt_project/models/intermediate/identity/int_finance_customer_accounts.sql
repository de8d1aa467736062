{#- One row per ERP customer number with the account its customer reached (see
    int_finance_customers_resolved, overrides included), by the rule int_resolved_records keys
    invoices, subscription lines and license entitlements with: the ERP may repeat a number (a
    unique test on stg_finance__customers reports it); a repeated number reaches an account
    only if all its rows reached the same one. -#}
select
    customer_number,
    {{ agreed_account_id('account_id') }} as account_id

from {{ ref('int_finance_customers_resolved') }}
where customer_number is not null
group by customer_number
