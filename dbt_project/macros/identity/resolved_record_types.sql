{#- The record types identity resolution covers (int_resolved_records, and int_tickets_resolved
    for support tickets): (source, entity) pairs.
    `entity` is the extract file name without extension (the registry's file_stem), as
    marts.unmatched_records and seeds/account_overrides.csv name it. Read by marts.match_rates,
    which lists every type, also when its file is empty. -#}
{% macro resolved_record_types() -%}
    {{ return([
        ('crm', 'Opportunity'),
        ('crm', 'Task'),
        ('crm', 'NPS_Response__c'),
        ('support', 'organizations'),
        ('support', 'tickets'),
        ('finance', 'customers'),
        ('finance', 'subscriptions'),
        ('finance', 'invoices'),
        ('training', 'enrollments'),
        ('licenses', 'entitlements'),
        ('licenses', 'installations'),
    ]) }}
{%- endmacro %}
