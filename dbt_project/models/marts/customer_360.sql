-- marts.customer_360: one row per CRM account that is not deleted and whose Type is Customer,
-- every figure as of the as-of date (the customer-360 output contract). The figures come from
-- int_accounts_measured, the health score from int_accounts_health_scored, its 30-day
-- change and why it moved from marts.health_history; this model only shapes them into the contract: its
-- columns, their order and types are those of _marts__customer_360.yml (contract_columns).

with metrics as (

    select * from {{ ref('int_accounts_measured') }}

),

-- The latest snapshot of marts.health_history on or before as-of - 30 days: the score the trend
-- compares with (health_history is built before this model, from int_accounts_health_scored).
-- Its date per account from two narrow columns, then only those rows whole: health_history
-- grows by every account every night, and a window over its wide rows grew with it.
snapshot_dates as (

    select account_id, max(as_of_date) as as_of_date
    from {{ ref('health_history') }}
    where as_of_date <= {{ days_before_as_of(30) }}
    group by account_id

),

health_30d_ago as (

    select health_history.*
    from {{ ref('health_history') }} as health_history
    inner join snapshot_dates
        on snapshot_dates.account_id = health_history.account_id
        and snapshot_dates.as_of_date = health_history.as_of_date

),

-- Why the score moved since that snapshot: each component's change of contributed points
-- (health_points_<component>, which add up to the unrounded score), with the figure behind it
-- when that figure changed, or "same score, reweighted" when only the weights moved (another
-- component gained or lost data). Components that moved by less than half a point are left out.
{%- set details = {
    'support': ('urgent open tickets', 'urgent_open_tickets'),
    'sentiment': ('NPS', 'nps_latest'),
    'adoption': ('seat utilization %', 'seat_utilization * 100'),
    'training': ('trained users', 'trained_users'),
    'version': ('versions behind', 'max_versions_behind'),
    'financial': ('overdue USD', 'overdue_amount_usd'),
    'engagement': ('days since CSM activity', 'days_since_last_activity'),
} %}
component_changes as (
    {% for component in health_components() %}
    {%- set label, figure = details[component] %}
    select
        now_scores.account_id,
        '{{ component }}' as component,
        coalesce(now_scores.health_points_{{ component }}, 0)
            - coalesce(before.health_points_{{ component }}, 0) as points_change,
        case
            when coalesce({{ as_whole_text('before.' ~ figure) }}, 'none')
                <> coalesce({{ as_whole_text('now_metrics.' ~ figure) }}, 'none')
                then {{ dbt.concat([
                    "'" ~ label ~ " '",
                    "coalesce(" ~ as_whole_text('before.' ~ figure) ~ ", 'none')",
                    "' -> '",
                    "coalesce(" ~ as_whole_text('now_metrics.' ~ figure) ~ ", 'none')"]) }}
            when before.health_{{ component }} = now_scores.health_{{ component }}
                then 'same score, reweighted'
        end as detail
    from {{ ref('int_accounts_health_scored') }} as now_scores
    inner join metrics as now_metrics
        on now_metrics.account_id = now_scores.account_id
    inner join health_30d_ago as before
        on before.account_id = now_scores.account_id
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

explained as (

    select
        account_id,
        {{ dbt.listagg(
            dbt.concat(["component", "' '", "case when points_change > 0 then '+' else '' end",
                        as_whole_text('points_change'),
                        "coalesce(" ~ dbt.concat(["' ('", "detail", "')'"]) ~ ", '')"]),
            "'; '",
            "order by abs(points_change) desc, component") }} as health_change_explained
    from component_changes
    {#- the changes listed: those that round to a whole point or more (filtered here, not in the
        listagg: an ordered listagg sorts every group it gets) #}
    where abs(points_change) >= 0.5
    group by account_id

),

health as (

    select
        scores.*,
        scores.health_score - health_30d_ago.health_score as health_score_change_30d,
        round(scores.health_score_exact - health_30d_ago.health_score_exact, 1) as health_change_30d,
        case
            when health_30d_ago.account_id is null or scores.health_score_exact is null then null
            {#- a snapshot written before health_history kept component points #}
            when {% for component in health_components() %}health_30d_ago.health_points_{{ component }} is null{{ ' and ' if not loop.last }}{% endfor %}
                then 'not explained: that snapshot has no component points'
            else coalesce(explained.health_change_explained, 'no component moved by a point')
        end as health_change_explained,
        case
            when scores.health_score - health_30d_ago.health_score >= {{ var('health_trend_min_change') }} then 'improving'
            when scores.health_score - health_30d_ago.health_score <= -{{ var('health_trend_min_change') }} then 'declining'
            when scores.health_score - health_30d_ago.health_score is not null then 'stable'
        end as health_trend
    from {{ ref('int_accounts_health_scored') }} as scores
    left join health_30d_ago
        on health_30d_ago.account_id = scores.account_id
    left join explained
        on explained.account_id = scores.account_id

)

select
    {{ contract_columns('metrics', {'health_': 'health'}) }}
from metrics
left join health
    on health.account_id = metrics.account_id
