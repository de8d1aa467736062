{#- ERP invoices, each with the account of its ERP customer (customer_number), whatever
    key matched that customer (see int_finance_customers_resolved). An override of the record
    itself wins. -#}
{{ resolve_by_erp_customer('stg_finance__invoices', 'finance', 'invoices', 'invoice_number') }}
