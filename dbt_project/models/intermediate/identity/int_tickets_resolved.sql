{#- Zendesk tickets (latest version of each), each with the account their organization reached
    in int_support_organizations_resolved (the organization's final account, its override
    included), or an override of the ticket itself. The key rule of tickets is stated here and
    not in int_resolved_records, so that a night with ticket changes does not rebuild the
    identity of every other record type:
    - a ticket's organization reached an account -> that account, zendesk_organization;
    - no organization_id -> no_key; an organization_id that is no Zendesk organization ->
      organization_not_found; an organization that reached no account -> organization_unmatched;
    - a confirmed override of the ticket (int_account_overrides, source support, entity
      tickets, record_id the ticket id) wins over the key (macro resolution_columns).

    Incremental (delete+insert on ticket_id), so that a night's cost follows its delta: a night
    rebuilds only the tickets that changed since the last build, which are
    - the tickets whose winning version is new (stg_support__tickets rows loaded after this
      model's latest _loaded_at), and
    - the tickets whose account, match method or unmatched reason, resolved again from the
      organization and override they have now, differs from the one this model holds (an
      organization, an override or a CRM account changed); the check reads narrow columns.
    Every other ticket has the same staging row and the same resolution as before, so the model
    equals a full rebuild. A ticket leaves stg_support__tickets only when the raw tickets were
    reloaded from every file (a new full export, or CS_FULL_REFRESH); staging is then rebuilt
    from every row, all its rows are newer than this model, and the pre-hook of
    ticket_merge_config empties the model so that the run rebuilds it in full (on Spark it is
    a table rebuilt each run). -#}
{{ config(**ticket_merge_config("ref('stg_support__tickets')")) }}

{#- the columns of a ticket that this model carries from stg_support__tickets, as they are,
    before and after its resolution columns -#}
{%- set ticket_record_columns = [
    'ticket_id', 'created_at', 'updated_at', 'status', 'priority', 'subject', 'organization_id',
    'satisfaction_score', 'product_code', 'solved_at',
] %}
{%- set lineage_columns = ['_source_file', '_row_number', '_loaded_at'] %}

with organizations as (

    select organization_id, account_id
    from {{ ref('int_support_organizations_resolved') }}

),

overrides as (

    select record_id, account_id, is_valid, invalid_reason
    from {{ ref('int_account_overrides') }}
    where source = 'support' and entity = 'tickets'

),

{%- if is_incremental() %}

new_versions as (

    select ticket_id, organization_id
    from {{ ref('stg_support__tickets') }}
    where _loaded_at > (select coalesce(max(_loaded_at), {{ dbt.cast("'1900-01-01'", api.Column.translate_type('timestamp')) }}) from {{ this }})

),
{%- endif %}

candidates as (

    {#- the tickets to resolve: every winner on a full build; on an incremental night the new
        winners and every ticket this model holds (with the resolution it holds, to compare) -#}
    {%- if is_incremental() %}
    select ticket_id, organization_id, true as is_new,
        cast(null as {{ dbt.type_string() }}) as held_account_id,
        cast(null as {{ dbt.type_string() }}) as held_match_method,
        cast(null as {{ dbt.type_string() }}) as held_unmatched_reason
    from new_versions
    union all
    select ticket_id, organization_id, false, account_id, match_method, unmatched_reason
    from {{ this }}
    where ticket_id not in (select ticket_id from new_versions)
    {%- else %}
    {#- a full build resolves the staging rows themselves, all columns: every ticket is new, so
        joining the resolutions back to staging (3.7 M rows to 3.7 M at 100 000 accounts) would
        only repeat the read -#}
    select {{ (ticket_record_columns + lineage_columns) | join(', ') }}, true as is_new,
        cast(null as {{ dbt.type_string() }}) as held_account_id,
        cast(null as {{ dbt.type_string() }}) as held_match_method,
        cast(null as {{ dbt.type_string() }}) as held_unmatched_reason
    from {{ ref('stg_support__tickets') }}
    {%- endif %}

),

keyed as (

    select
        candidates.*,
        organizations.account_id as key_account_id,
        case when organizations.account_id is not null then 'zendesk_organization' end as key_match_method,
        case
            when candidates.organization_id is null then 'no_key'
            when organizations.organization_id is null then 'organization_not_found'
            when organizations.account_id is null then 'organization_unmatched'
        end as key_unmatched_reason

    from candidates
    left join organizations
        on organizations.organization_id = candidates.organization_id

),

resolved as (

    select keyed.*, {{ resolution_columns('keyed', 'overrides') }}
    from keyed
    left join overrides
        on overrides.record_id = cast(keyed.ticket_id as {{ dbt.type_string() }})

),

changed as (

    select *
    from resolved
    where is_new
        or account_id is distinct from held_account_id
        or match_method is distinct from held_match_method
        or unmatched_reason is distinct from held_unmatched_reason

)

{#- the resolution columns are unqualified: on a full build `records` is `changed` itself -#}
select
    {%- for column in ticket_record_columns %}
    records.{{ column }},
    {%- endfor %}
    account_id,
    match_method,
    unmatched_reason,
    {%- for column in lineage_columns %}
    records.{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}

{%- if is_incremental() %}
from {{ ref('stg_support__tickets') }} as records
inner join changed
    on changed.ticket_id = records.ticket_id
{%- else %}
from changed as records
{%- endif %}
