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

    select * from {{ ref('int_account_overrides') }}
    where source = 'support' and entity = 'tickets'

)

select
    keyed.ticket_id,
    keyed.created_at,
    keyed.updated_at,
    keyed.status,
    keyed.priority,
    keyed.ticket_type,
    keyed.subject,
    keyed.organization_id,
    keyed.requester_email,
    keyed.tags,
    keyed.satisfaction_score,
    keyed.product_code,
    keyed.reported_version,
    keyed.reply_time_minutes,
    keyed.full_resolution_time_minutes,
    keyed.solved_at,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = cast(keyed.ticket_id as {{ dbt.type_string() }})
