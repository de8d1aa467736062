{#-
    Identity resolution, in one place: every record of the record types that belong to a CRM
    account (macro resolved_record_types) except Zendesk tickets, one row per record (its raw
    row: _source_file, _row_number), with the account it belongs to, how it was reached
    (match_method) or why not (unmatched_reason). Each int_<entity>_resolved model joins its
    staging rows to this model; marts.unmatched_records and marts.match_rates read it directly,
    with the tickets of int_tickets_resolved beside it. Tickets are the one record type keyed
    only through another (their organization) and the one that changes every night: they are
    resolved in int_tickets_resolved, from the organization's final account in
    int_support_organizations_resolved, so that a night with ticket changes rebuilds none of
    the identity of the other record types. `record_id` is the record's
    key as staging holds it (subscription lines `contract_id:line_id`); a record whose key is
    missing: `row <n>` of its file.

    The keys, by record type:
    - opportunities, tasks, NPS responses, ERP customers, and license entitlements that carry
      one: their own Salesforce Account id (15 or 18 characters in the export, 18 in staging),
      when it is a live CRM account; else account_not_found / account_deleted. A filled-in id
      that reaches no live account is unmatched, never re-routed through another key.
    - Zendesk organizations: external_id (the Salesforce Account id) when it is filled in, never
      second-guessed by the domains; only when it is empty, the domain_names entries equal to a
      live account's website domain: exactly one account reached -> zendesk_domain; several
      accounts (through several entries, or one shared domain) -> domain_ambiguous; none ->
      domain_not_found; no external_id and no domains -> no_key.
    - LMS enrollments: the account whose website domain equals the learner's e-mail domain
      exactly (both lower case; a subdomain is a different domain); a domain shared by several
      accounts matches none (domain_ambiguous). user_company is free text and never used.
    - ERP invoices, subscription lines, and entitlements without a Salesforce id: the account
      their ERP customer number reached (the customer's own override included). The ERP may
      repeat a number; a repeated number reaches an account only if all its rows reached the
      same one.
    - Zendesk tickets: the account their organization reached (stated in int_tickets_resolved).
    - Installations: the account their entitlement reached (an installation has no other key).

    A confirmed override (int_account_overrides, keyed by source, entity, record_id) wins over
    any key (macro resolution_columns). A record keyed through another record (its customer,
    organization or entitlement) takes that record's final account, override included, so the
    overrides are applied step by step: records with keys of their own, then records keyed
    through a customer (and tickets, through their organization, in int_tickets_resolved), then
    installations.
-#}
with overrides as (

    select source, entity, record_id, account_id, is_valid, invalid_reason
    from {{ ref('int_account_overrides') }}

),

salesforce_ids as (

    {#- records that carry a Salesforce Account id of their own (a Zendesk organization: its
        external_id, when filled in) -#}
    select
        'crm' as source, 'Opportunity' as entity, opportunity_id as record_id,
        account_id as sfdc_account_id, account_id_was_15_char as was_15_char, _source_file, _row_number
    from {{ ref('stg_crm__opportunity') }}
    union all
    select 'crm', 'Task', task_id, account_id, account_id_was_15_char, _source_file, _row_number
    from {{ ref('stg_crm__task') }}
    union all
    select 'crm', 'NPS_Response__c', nps_response_id, account_id, account_id_was_15_char, _source_file, _row_number
    from {{ ref('stg_crm__nps_response') }}
    union all
    select 'finance', 'customers', customer_number, sfdc_account_id, sfdc_account_id_was_15_char, _source_file, _row_number
    from {{ ref('stg_finance__customers') }}
    union all
    select 'licenses', 'entitlements', entitlement_id, sfdc_account_id, sfdc_account_id_was_15_char, _source_file, _row_number
    from {{ ref('stg_licenses__entitlements') }}
    where sfdc_account_id is not null
    union all
    select
        'support', 'organizations', cast(organization_id as {{ dbt.type_string() }}),
        external_id, external_id_was_15_char, _source_file, _row_number
    from {{ ref('stg_support__organizations') }}
    where external_id is not null

),

salesforce_looked_up as (

    select
        records.source, records.entity, records.record_id, records.sfdc_account_id,
        records.was_15_char, records._source_file, records._row_number,
        accounts.account_id as looked_up_account_id,
        accounts.is_deleted
    from salesforce_ids as records
    left join {{ ref('int_crm_account_lookup') }} as accounts
        on accounts.account_id = records.sfdc_account_id

),

accounts_by_id_in_upper_case as (

    select account_id_in_upper_case, account_id, is_deleted
    from {{ ref('int_crm_account_lookup') }}
    where account_id_in_upper_case is not null

),

salesforce_accounts as (

    {#- the exact id first; only an id that names no account is compared in upper case
        (int_crm_account_lookup says which ids may be; the few unmatched keys, not every
        record) -#}
    select
        source, entity, record_id, sfdc_account_id, was_15_char, _source_file, _row_number,
        looked_up_account_id, is_deleted
    from salesforce_looked_up
    where looked_up_account_id is not null or sfdc_account_id is null
    union all
    select
        records.source, records.entity, records.record_id, records.sfdc_account_id,
        records.was_15_char, records._source_file, records._row_number,
        accounts.account_id, accounts.is_deleted
    from salesforce_looked_up as records
    left join accounts_by_id_in_upper_case as accounts
        on accounts.account_id_in_upper_case = upper(records.sfdc_account_id)
    where records.looked_up_account_id is null and records.sfdc_account_id is not null

),

salesforce_keyed as (

    select
        records.source,
        records.entity,
        records.record_id,
        records._source_file,
        records._row_number,
        case when records.is_deleted = false then records.looked_up_account_id end as key_account_id,
        case when records.is_deleted = false then
            case
                when records.source = 'support' then 'zendesk_external_id'
                when records.was_15_char then 'sfdc_id_15'
                else 'sfdc_id'
            end
        end as key_match_method,
        case
            when records.sfdc_account_id is null then 'no_key'
            when records.looked_up_account_id is null then 'account_not_found'
            when records.is_deleted then 'account_deleted'
        end as key_unmatched_reason

    from salesforce_accounts as records

),

domain_entries as (

    {#- the domain_names entries of organizations without external_id -#}
    select organization_id, domain_name
    from (
        select organization_id, {{ explode_array('domain_names') }} as domain_name
        from {{ ref('stg_support__organizations') }}
        where external_id is null
    ) as exploded
    where domain_name is not null

),

domain_candidates as (

    {#- every account a domain entry can reach; an ambiguous domain contributes all the accounts
        that share it, so it can never yield a single (guessed) match -#}
    select
        domain_entries.organization_id,
        count(distinct accounts.account_id) as candidate_accounts,
        min(accounts.account_id) as candidate_account_id

    from domain_entries
    inner join {{ ref('stg_crm__account') }} as accounts
        on accounts.website_domain = domain_entries.domain_name
    group by domain_entries.organization_id

),

domains_keyed as (

    select
        'support' as source,
        'organizations' as entity,
        cast(organizations.organization_id as {{ dbt.type_string() }}) as record_id,
        organizations._source_file,
        organizations._row_number,
        case when domain_candidates.candidate_accounts = 1 then domain_candidates.candidate_account_id end as key_account_id,
        case when domain_candidates.candidate_accounts = 1 then 'zendesk_domain' end as key_match_method,
        case
            when domain_candidates.candidate_accounts = 1 then null
            when domain_candidates.candidate_accounts > 1 then 'domain_ambiguous'
            when organizations.organization_id in (select organization_id from domain_entries)
                then 'domain_not_found'
            else 'no_key'
        end as key_unmatched_reason

    from {{ ref('stg_support__organizations') }} as organizations
    left join domain_candidates
        on domain_candidates.organization_id = organizations.organization_id
    where organizations.external_id is null

),

enrollments_keyed as (

    select
        'training' as source,
        'enrollments' as entity,
        records.enrollment_id as record_id,
        records._source_file,
        records._row_number,
        domains.account_id as key_account_id,
        case when domains.account_id is not null then 'email_domain' end as key_match_method,
        case
            when records.email_domain is null then 'no_key'
            when domains.website_domain is null then 'domain_not_found'
            when domains.account_id is null then 'domain_ambiguous'
        end as key_unmatched_reason

    from {{ ref('stg_training__enrollments') }} as records
    left join {{ ref('int_account_website_domains') }} as domains
        on domains.website_domain = records.email_domain

),

own_keys_keyed as (

    select * from salesforce_keyed
    union all
    select * from domains_keyed
    union all
    select * from enrollments_keyed

),

own_keys_resolved as (

    select keyed.*, {{ resolution_columns('keyed', 'overrides') }}
    from own_keys_keyed as keyed
    left join overrides
        on overrides.source = keyed.source and overrides.entity = keyed.entity and overrides.record_id = keyed.record_id

),

customers as (

    {#- one row per ERP customer number: a repeated number reaches an account only if all its
        rows reached the same one -#}
    select
        record_id as customer_number,
        {{ agreed_account_id('account_id') }} as account_id
    from own_keys_resolved
    where source = 'finance' and entity = 'customers' and record_id is not null
    group by record_id

),

customer_numbers as (

    select 'finance' as source, 'invoices' as entity, invoice_number as record_id, customer_number, _source_file, _row_number
    from {{ ref('stg_finance__invoices') }}
    union all
    select 'finance', 'subscriptions', {{ dbt.concat(['contract_id', "':'", 'line_id']) }}, customer_number, _source_file, _row_number
    from {{ ref('stg_finance__subscriptions') }}
    union all
    select 'licenses', 'entitlements', entitlement_id, customer_code, _source_file, _row_number
    from {{ ref('stg_licenses__entitlements') }}
    where sfdc_account_id is null

),

through_customer_keyed as (

    select
        records.source,
        records.entity,
        records.record_id,
        records._source_file,
        records._row_number,
        customers.account_id as key_account_id,
        case when customers.account_id is not null then 'erp_customer_number' end as key_match_method,
        case
            when records.customer_number is null then 'no_key'
            when customers.customer_number is null then 'customer_not_found'
            when customers.account_id is null then 'customer_unmatched'
        end as key_unmatched_reason

    from customer_numbers as records
    left join customers
        on customers.customer_number = records.customer_number

),

through_customer_resolved as (

    select keyed.*, {{ resolution_columns('keyed', 'overrides') }}
    from through_customer_keyed as keyed
    left join overrides
        on overrides.source = keyed.source and overrides.entity = keyed.entity and overrides.record_id = keyed.record_id

),

entitlements as (

    select
        record_id as entitlement_id,
        {{ agreed_account_id('account_id') }} as account_id
    from (
        select record_id, account_id from own_keys_resolved
        where source = 'licenses' and entity = 'entitlements'
        union all
        select record_id, account_id from through_customer_resolved
        where source = 'licenses' and entity = 'entitlements'
    ) as entitlement_rows
    where record_id is not null
    group by record_id

),

through_entitlement_keyed as (

    select
        'licenses' as source,
        'installations' as entity,
        records.installation_id as record_id,
        records._source_file,
        records._row_number,
        entitlements.account_id as key_account_id,
        case when entitlements.account_id is not null then 'license_entitlement' end as key_match_method,
        case
            when records.entitlement_id is null then 'no_key'
            when entitlements.entitlement_id is null then 'entitlement_not_found'
            when entitlements.account_id is null then 'entitlement_unmatched'
        end as key_unmatched_reason

    from {{ ref('stg_licenses__installations') }} as records
    left join entitlements
        on entitlements.entitlement_id = records.entitlement_id

),

through_entitlement_resolved as (

    select keyed.*, {{ resolution_columns('keyed', 'overrides') }}
    from through_entitlement_keyed as keyed
    left join overrides
        on overrides.source = keyed.source and overrides.entity = keyed.entity and overrides.record_id = keyed.record_id

),

resolved as (

    select * from own_keys_resolved
    union all
    select * from through_customer_resolved
    union all
    select * from through_entitlement_resolved

)

select
    source,
    entity,
    coalesce(record_id, {{ dbt.concat(["'row '", "cast(_row_number as " ~ dbt.type_string() ~ ")"]) }}) as record_id,
    account_id,
    match_method,
    unmatched_reason,
    _source_file,
    _row_number

from resolved
