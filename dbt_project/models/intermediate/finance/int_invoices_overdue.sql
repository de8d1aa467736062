-- Invoices overdue on the as-of date: status Open and due_date before as-of, converted to USD
-- like ARR (rate of the as-of month, or the latest earlier month).

select
    invoices.invoice_number,
    invoices.customer_number,
    invoices.account_id,
    invoices.invoice_date,
    invoices.due_date,
    invoices.amount,
    invoices.currency,
    fx.rate_to_usd,
    {{ to_usd('invoices.amount', 'fx.rate_to_usd') }} as amount_usd,
    {{ dbt.datediff('invoices.due_date', as_of_date(), 'day') }} as days_overdue
from {{ ref('int_invoices_resolved') }} as invoices
left join {{ ref('int_fx_rates_as_of') }} as fx
    on fx.currency = invoices.currency
where invoices.status = 'Open'
  and invoices.due_date < {{ as_of_date() }}
