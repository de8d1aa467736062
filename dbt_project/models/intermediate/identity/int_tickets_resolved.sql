{#- Zendesk tickets (latest version of each), each with the account of its organization: a
    ticket reaches an account only through a matched organization (see
    int_support_organizations_resolved). An override of the ticket itself wins. -#}
with organizations as (

    select organization_id, account_id
    from {{ ref('int_support_organizations_resolved') }}
    where organization_id is not null

),

keyed as (

    select
        records.*,
        organizations.account_id as key_account_id,
        case when organizations.account_id is not null then 'zendesk_organization' end as key_match_method,
        case
            when records.organization_id is null then 'no_key'
            when organizations.organization_id is null then 'organization_not_found'
            when organizations.account_id is null then 'organization_unmatched'
        end as key_unmatched_reason

    from {{ ref('stg_support__tickets') }} as records
    left join organizations
        on organizations.organization_id = records.organization_id

),

overrides as (

    {{ overrides_for('support', 'tickets') }}

)

select
    {{ star_except('stg_support__tickets', [], 'keyed') }},
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = cast(keyed.ticket_id as {{ dbt.type_string() }})
