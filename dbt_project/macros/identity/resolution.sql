{#-
    Building blocks of identity resolution (models/intermediate/identity). Records reach a CRM
    account only through keys; these macros keep the key rules and the reason codes identical
    in every int_<entity>_resolved model.
-#}

{#- The account a Salesforce id reaches: the id itself when it is a live (not deleted) CRM
    account, else NULL. `lookup` is an alias of int_crm_account_lookup joined on the id. -#}
{% macro sfdc_matched_account(id_col, lookup) -%}
    case when {{ lookup }}.is_deleted = false then {{ lookup }}.account_id end
{%- endmacro %}

{#- `sfdc_id` or `sfdc_id_15` (the id was delivered in the 15-character form) when the id
    reached a live account. -#}
{% macro sfdc_match_method(id_col, was_15_col, lookup) -%}
    case when {{ lookup }}.is_deleted = false then
        case when {{ was_15_col }} then 'sfdc_id_15' else 'sfdc_id' end
    end
{%- endmacro %}

{#- Why a Salesforce id reached no account: `no_key` (empty), `account_deleted`,
    `account_not_found`; NULL when it matched. -#}
{% macro sfdc_unmatched_reason(id_col, lookup) -%}
    case
        when {{ id_col }} is null then 'no_key'
        when {{ lookup }}.account_id is null then 'account_not_found'
        when {{ lookup }}.is_deleted then 'account_deleted'
    end
{%- endmacro %}

{#- `erp_customer_number` when an ERP customer number reached an account. `lookup` is an
    alias of int_finance_customer_accounts joined on the number; its account_id is the account
    reached. -#}
{% macro erp_customer_match_method(lookup) -%}
    case when {{ lookup }}.account_id is not null then 'erp_customer_number' end
{%- endmacro %}

{#- Why an ERP customer number reached no account: `no_key` (empty), `customer_not_found`,
    `customer_unmatched` (the customer itself reached no account); NULL when it matched. -#}
{% macro erp_customer_unmatched_reason(key_col, lookup) -%}
    case
        when {{ key_col }} is null then 'no_key'
        when {{ lookup }}.customer_number is null then 'customer_not_found'
        when {{ lookup }}.account_id is null then 'customer_unmatched'
    end
{%- endmacro %}

{#-
    The three resolution columns of a record, with a confirmed override winning over key
    matching. `key_alias` names a relation with key_account_id, key_match_method and
    key_unmatched_reason; `override_alias` a left-joined int_account_overrides row.
    An override whose account is not a live CRM account leaves the record unmatched with the
    override's own reason, so a stale override is visible instead of silently ignored.
-#}
{% macro resolution_columns(key_alias, override_alias) -%}
    case
        when {{ override_alias }}.record_id is not null
            then case when {{ override_alias }}.is_valid then {{ override_alias }}.account_id end
        else {{ key_alias }}.key_account_id
    end as account_id,
    case
        when {{ override_alias }}.record_id is not null
            then case when {{ override_alias }}.is_valid then 'override' end
        else {{ key_alias }}.key_match_method
    end as match_method,
    case
        when {{ override_alias }}.record_id is not null then {{ override_alias }}.invalid_reason
        else {{ key_alias }}.key_unmatched_reason
    end as unmatched_reason
{%- endmacro %}

{#- The overrides of one record type (source and entity as in marts.unmatched_records). -#}
{% macro overrides_for(source_name, entity) -%}
    select * from {{ ref('int_account_overrides') }}
    where source = '{{ source_name }}' and entity = '{{ entity }}'
{%- endmacro %}

{#- The columns of staging model `model_name` except those named in `except`, for select lists
    that replace a column. Read from the built model itself, found through the graph, not
    ref(): in a dbt unit test of the calling model ref() is a fixture and the graph is empty, so
    there the model is looked up in the `staging` schema of the target. At parse time, or
    before the model exists, it renders `*`. -#}
{% macro star_except(model_name, except, relation_alias=none) -%}
    {%- if not execute -%}
        *
    {%- else -%}
        {%- set nodes = (graph.get('nodes') or {}).values() | selectattr('resource_type', 'equalto', 'model')
                        | selectattr('name', 'equalto', model_name) | list -%}
        {%- if nodes -%}
            {%- set relation = api.Relation.create(database=nodes[0].database, schema=nodes[0].schema, identifier=nodes[0].alias) -%}
        {%- else -%}
            {%- set relation = api.Relation.create(database=target.database, schema=generate_schema_name('staging', none) | trim, identifier=model_name) -%}
        {%- endif -%}
        {%- set skip = except | map('lower') | list -%}
        {%- set keep = [] -%}
        {%- for col in adapter.get_columns_in_relation(relation) if col.name | lower not in skip -%}
            {%- do keep.append((relation_alias ~ '.' if relation_alias else '') ~ adapter.quote(col.name)) -%}
        {%- endfor -%}
        {%- if keep | length == 0 -%}
            {#- not built yet (`dbt compile` or `docs generate` on an empty warehouse): render a
                placeholder; a run always builds the staging model first -#}
            {{ (relation_alias ~ '.' if relation_alias else '') ~ '*' }}
        {%- else -%}
            {{ keep | join(',\n        ') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The record types identity resolution covers: (source, entity, resolved model, record id
    expression). `entity` is the extract file name without extension (the registry's
    file_stem), as marts.unmatched_records and seeds/account_overrides.csv name it. -#}
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
