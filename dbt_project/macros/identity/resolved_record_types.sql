{#- The record types identity resolution covers: (source, entity, resolved model, record id
    expression). `entity` is the extract file name without extension (the registry's
    file_stem), as marts.unmatched_records and seeds/account_overrides.csv name it. Read by
    int_resolved_records and marts.match_rates. -#}
{% macro resolved_record_types() -%}
    {%- set string = dbt.type_string() -%}
    {{ return([
        ('crm', 'Opportunity', 'int_opportunities_resolved', 'opportunity_id'),
        ('crm', 'Task', 'int_tasks_resolved', 'task_id'),
        ('crm', 'NPS_Response__c', 'int_nps_responses_resolved', 'nps_response_id'),
        ('support', 'organizations', 'int_support_organizations_resolved', 'cast(organization_id as ' ~ string ~ ')'),
        ('support', 'tickets', 'int_tickets_resolved', 'cast(ticket_id as ' ~ string ~ ')'),
        ('finance', 'customers', 'int_finance_customers_resolved', 'customer_number'),
        ('finance', 'subscriptions', 'int_subscriptions_resolved', dbt.concat(['contract_id', "':'", 'line_id'])),
        ('finance', 'invoices', 'int_invoices_resolved', 'invoice_number'),
        ('training', 'enrollments', 'int_enrollments_resolved', 'enrollment_id'),
        ('licenses', 'entitlements', 'int_entitlements_resolved', 'entitlement_id'),
        ('licenses', 'installations', 'int_installations_resolved', 'installation_id'),
    ]) }}
{%- endmacro %}
