-- The top of every CRM account's ParentId chain (customer-360 contract, "Further marts"), one
-- row per account of Account.csv, live or deleted (a deleted account still links its children
-- to their parents; a row the quarantine took is not there, like a missing one).
--
-- The chain is walked var('hierarchy_max_depth') steps with one self-join per step (portable:
-- no recursive CTE). step_k is the account k steps up; it is null once the chain has ended:
--   * at an account without ParentId, or
--   * at an account whose ParentId is missing from Account.csv: the chain ends at the last
--     account present.
-- A chain that has not ended after max_depth steps runs in a cycle (A -> B -> A). Its walk has
-- been going round the cycle since it entered it, so the second half of the steps holds every
-- account of the cycle (for cycles and tails of up to max_depth / 2 accounts), and the ultimate
-- parent is the smallest account_id among them: every account in or below the cycle gets the
-- same one, so a family is never split.
{%- set depth = var('hierarchy_max_depth') | int %}

with accounts as (

    select account_id, parent_account_id from {{ ref('stg_crm__account') }}
    union all
    select account_id, parent_account_id from {{ ref('stg_crm__account_deleted') }}

),

walk as (

    select
        step_0.account_id,
        step_0.parent_account_id,
        {%- for k in range(depth + 1) %}
        step_{{ k }}.account_id as step_{{ k }}{{ ',' if not loop.last }}
        {%- endfor %}
    from accounts as step_0
    {%- for k in range(1, depth + 1) %}
    left join accounts as step_{{ k }}
        on step_{{ k }}.account_id = step_{{ k - 1 }}.parent_account_id
    {%- endfor %}

)

select
    account_id,
    parent_account_id,
    case
        when step_{{ depth }} is null
            then coalesce({% for k in range(depth, -1, -1) %}step_{{ k }}{{ ', ' if not loop.last }}{% endfor %})
        else least({% for k in range(depth // 2, depth + 1) %}step_{{ k }}{{ ', ' if not loop.last }}{% endfor %})
    end as ultimate_parent_account_id,
    case
        when step_{{ depth }} is null
            then {% for k in range(1, depth) %}case when step_{{ k }} is not null then 1 else 0 end{{ ' + ' if not loop.last }}{% endfor %}
    end as hierarchy_depth,
    step_{{ depth }} is not null as is_in_hierarchy_cycle
from walk
