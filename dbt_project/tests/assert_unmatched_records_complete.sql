{{ config(meta={"dagster": {"ref": {"name": "unmatched_records"}}}) }}
-- Every record that reaches no account is listed in marts.unmatched_records, and match_rates
-- counts the same records: the contract promises unmatched records are never dropped.
-- Returns the record types whose three counts disagree.
with resolved as (

    select source, entity, count(*) as unmatched_resolved
    from {{ ref('int_resolved_records') }}
    where account_id is null
    group by source, entity

    union all

    select 'support', 'tickets', count(*)
    from {{ ref('int_tickets_resolved') }}
    where account_id is null

),

listed as (

    select source, entity, count(*) as unmatched_listed
    from {{ ref('unmatched_records') }}
    group by source, entity

)

select
    rates.source,
    rates.entity,
    rates.unmatched,
    coalesce(resolved.unmatched_resolved, 0) as unmatched_resolved,
    coalesce(listed.unmatched_listed, 0) as unmatched_listed

from {{ ref('match_rates') }} as rates
left join resolved
    on resolved.source = rates.source and resolved.entity = rates.entity
left join listed
    on listed.source = rates.source and listed.entity = rates.entity
where rates.unmatched <> coalesce(resolved.unmatched_resolved, 0)
    or rates.unmatched <> coalesce(listed.unmatched_listed, 0)
