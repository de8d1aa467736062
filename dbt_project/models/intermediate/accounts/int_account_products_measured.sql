-- The customer-360 figures of each customer account and product it holds or runs on the as-of
-- date, one row per account and product (-> customer_product_360): the figures that count no
-- ticket (int_account_products_measured_without_tickets, kept by a night with only ticket
-- changes) with the ticket figures beside them. The definitions are those of
-- int_accounts_measured restricted to the product. Tickets count for a product through their
-- Zendesk `product` custom field, learners through the enrollment's product_code; NPS,
-- invoices and CSM activity have no product and are not here.

with tickets as (

    select
        account_id,
        product_code,
        open_tickets,
        urgent_open_tickets,
        tickets_90d,
        tickets_baseline_270d,
        rated_good_90d,
        rated_90d
    from {{ ref('int_tickets_counted') }}
    where product_code is not null

)

select
    measured.account_id,
    measured.product_code,
    measured.account_name,
    measured.csm_name,
    measured.as_of_date,
    {{ measured_figures(measured='measured') }}
from {{ ref('int_account_products_measured_without_tickets') }} as measured
left join tickets
    on tickets.account_id = measured.account_id
    and tickets.product_code = measured.product_code
