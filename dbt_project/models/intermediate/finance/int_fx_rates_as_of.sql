-- One USD rate per currency for the as-of date: the rate of the as-of month, or when that month
-- is not delivered, of the latest earlier month present (customer-360 contract, arr_usd).
-- Months after as-of are never used. USD converts at 1 whether or not the file lists it.

with rates as (

    select
        currency,
        rate_month,
        rate_to_usd,
        row_number() over (partition by currency order by rate_month desc) as recency
    from {{ ref('stg_finance__fx_rates') }}
    where currency is not null
      and rate_to_usd is not null
      and rate_month <= {{ dbt.date_trunc('month', as_of_date()) }}

),

latest as (

    select currency, rate_month, rate_to_usd
    from rates
    where recency = 1

)

select
    currency,
    rate_month,
    case when currency = 'USD' then 1 else rate_to_usd end as rate_to_usd
from latest

union all

select
    'USD' as currency,
    cast(null as date) as rate_month,
    1 as rate_to_usd
from (select count(*) as usd_rates from latest where currency = 'USD') as usd
where usd.usd_rates = 0
