{#-
    Zendesk organizations, each with the account it belongs to:
    1. external_id (the Salesforce Account id, 15 or 18 characters) when it is filled in: the
       account if it is live, else unmatched (account_not_found / account_deleted). A filled-in
       id is never second-guessed by the domains.
    2. only when external_id is empty: the domain_names entries equal to a live account's
       website domain. Exactly one account reached -> matched (`zendesk_domain`); entries
       reaching several accounts, or a domain shared by several accounts -> `domain_ambiguous`;
       none -> `domain_not_found`; no external_id and no domains -> `no_key`.
    An override wins over both.
-#}
with organizations as (

    select * from {{ ref('stg_support__organizations') }}

),

domain_entries as (

    select organization_id, domain_name
    from (
        select organization_id, {{ explode_array('domain_names') }} as domain_name
        from organizations
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

keyed as (

    select
        organizations.*,
        case
            when organizations.external_id is not null
                then {{ sfdc_matched_account('accounts') }}
            when domain_candidates.candidate_accounts = 1
                then domain_candidates.candidate_account_id
        end as key_account_id,
        case
            when organizations.external_id is not null
                then case when accounts.is_deleted = false then 'zendesk_external_id' end
            when domain_candidates.candidate_accounts = 1 then 'zendesk_domain'
        end as key_match_method,
        case
            when organizations.external_id is not null
                then {{ sfdc_unmatched_reason('organizations.external_id', 'accounts') }}
            when domain_candidates.candidate_accounts = 1 then null
            when domain_candidates.candidate_accounts > 1 then 'domain_ambiguous'
            when organizations.organization_id in (select organization_id from domain_entries)
                then 'domain_not_found'
            else 'no_key'
        end as key_unmatched_reason

    from organizations
    left join {{ ref('int_crm_account_lookup') }} as accounts
        on accounts.account_id = organizations.external_id
    left join domain_candidates
        on domain_candidates.organization_id = organizations.organization_id

),

overrides as (

    select * from {{ ref('int_account_overrides') }}
    where source = 'support' and entity = 'organizations'

)

select
    keyed.organization_id,
    keyed.organization_name,
    keyed.external_id,
    keyed.external_id_was_15_char,
    keyed.domain_names,
    keyed.created_at,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = cast(keyed.organization_id as {{ dbt.type_string() }})
