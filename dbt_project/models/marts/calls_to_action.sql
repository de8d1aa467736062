-- marts.calls_to_action: the work queue on the as-of date, one row per call to action that is
-- open tonight or was closed in the last cta_closed_visible_days days, read from
-- marts.cta_history (which gives the ids and keeps the lifecycle; the rules are in
-- int_cta_candidates, docs/operations.md). rank orders the open ones: priority, then ARR at
-- stake (largest first), then due date, then cta_id, so equal inputs give equal ranks.

-- Which row of cta_history is each call to action's latest: its latest night among the nights
-- that can hold a row shown tonight, tonight's (the open ones) and those of the last
-- cta_closed_visible_days (a closed row is its call to action's last, on the night it closed).
-- A row that is the latest among these nights is the latest of all. cta_history grows by every
-- open call to action every night, so this reads a month of two narrow columns, and the wide
-- rows only of the calls to action shown.
with latest_nights as (

    select cta_id, max(as_of_date) as as_of_date
    from {{ ref('cta_history') }}
    where as_of_date <= {{ as_of_date() }}
      and (as_of_date = {{ as_of_date() }}
           or as_of_date > {{ days_before_as_of(var('cta_closed_visible_days') | int) }})
    group by cta_id

),

current_state as (

    select history.*
    from {{ ref('cta_history') }} as history
    inner join latest_nights
        on latest_nights.cta_id = history.cta_id
        and latest_nights.as_of_date = history.as_of_date
    where (history.status = 'open' and history.as_of_date = {{ as_of_date() }})
       or (history.status = 'closed'
           and history.closed_on > {{ days_before_as_of(var('cta_closed_visible_days') | int) }})

),

-- The open ones in rank order, sorted on the columns the order needs only (a window over the
-- wide rows sorted every column with them).
ranks as (

    select
        cta_id,
        row_number() over (order by priority, arr_at_stake_usd desc, due_date, cta_id) as rank
    from current_state
    where status = 'open'

),

accounts as (

    select account_id, account_name, region, segment, csm_name, health_score, health_band
    from {{ ref('customer_360') }}

),

-- Tonight's owner of each account: a call to action closed earlier shows who would own it now,
-- so none points at an owner who has left since (data_fix always stays with the data team).
owners as (

    select account_id, owner_id, cta_owner_name, cta_routing_reason
    from {{ ref('int_cta_account_facts') }}

),

actions as (

    select
        current_state.cta_id,
        {{ as_of_date() }} as as_of_date,
        current_state.account_id,
        accounts.account_name,
        accounts.region,
        accounts.segment,
        current_state.theme,
        current_state.reasons,
        current_state.reason,
        current_state.priority,
        current_state.arr_at_stake_usd,
        ranks.rank,
        case
            when current_state.status = 'open' or current_state.theme = 'data_fix'
                then current_state.owner_name
            else coalesce(owners.cta_owner_name, current_state.owner_name)
        end as owner_name,
        case
            when current_state.status = 'open' or current_state.theme = 'data_fix'
                then current_state.routing_reason
            else coalesce(owners.cta_routing_reason, current_state.routing_reason)
        end as routing_reason,
        owners.owner_id,
        accounts.csm_name,
        current_state.opened_on,
        current_state.due_date,
        current_state.status = 'open' and current_state.due_date < {{ as_of_date() }} as is_overdue,
        current_state.status,
        current_state.closed_on,
        current_state.close_reason,
        accounts.health_score,
        accounts.health_band
    from current_state
    left join accounts
        on accounts.account_id = current_state.account_id
    left join owners
        on owners.account_id = current_state.account_id
    left join ranks
        on ranks.cta_id = current_state.cta_id

)

select
    {{ contract_columns('actions') }}
from actions
