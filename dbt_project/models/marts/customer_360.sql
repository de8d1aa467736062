-- marts.customer_360: one row per CRM account that is not deleted and whose Type is Customer,
-- every figure as of the as-of date (the customer-360 output contract). The figures come from
-- int_account_metrics (grain 'account'), the health score from int_health_scores; this model
-- only shapes them into the contract: its columns, their order and types are those of
-- _marts__customer_360.yml (contract_columns).

with metrics as (

    select * from {{ ref('int_account_metrics') }}
    where grain = 'account'

),

health as (

    select * from {{ ref('int_health_scores') }}
    where grain = 'account'

)

select
    {{ contract_columns('metrics', {'health_': 'health'}) }}
from metrics
left join health
    on health.account_id = metrics.account_id
