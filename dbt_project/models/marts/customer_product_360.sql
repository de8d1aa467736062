-- marts.customer_product_360: one row per customer account and product it holds or runs on the
-- as-of date (an active subscription line, an active entitlement or a production installation),
-- with the product's own figures and a product health score from the same formula as
-- customer_360 over the components that apply to a product (see docs/health_score.md).
-- Columns, order and types are those of _marts__customer_360.yml (contract_columns).

with metrics as (

    select * from {{ ref('int_account_products_measured') }}

),

health as (

    select * from {{ ref('int_account_products_health_scored') }}

)

select
    {{ contract_columns('metrics', {'health_': 'health'}) }}
from metrics
left join health
    on health.account_id = metrics.account_id
    and health.product_code = metrics.product_code
