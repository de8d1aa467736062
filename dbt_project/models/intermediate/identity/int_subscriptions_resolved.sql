{#- ERP subscription lines, each with the account of its ERP customer (customer_number), whatever
    key matched that customer (see int_finance_customers_resolved). An override of the record
    itself wins; a line's record id is `contract_id:line_id`. -#}
{{ resolve_by_erp_customer('stg_finance__subscriptions', 'finance', 'subscriptions', dbt.concat(['contract_id', "':'", 'line_id'])) }}
