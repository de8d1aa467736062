-- marts.customer_360: one row per CRM account that is not deleted and whose Type is Customer,
-- every figure as of the as-of date (the customer-360 output contract). The figures come from
-- int_accounts_measured, the health score from int_accounts_health_scored, its 30-day
-- change from marts.health_history; this model only shapes them into the contract: its
-- columns, their order and types are those of _marts__customer_360.yml (contract_columns).

with metrics as (

    select * from {{ ref('int_accounts_measured') }}

),

-- The latest snapshot of marts.health_history on or before as-of - 30 days: the score the trend
-- compares with (health_history is built before this model, from int_accounts_health_scored).
health_30d_ago as (

    select account_id, health_score
    from (
        select
            account_id,
            health_score,
            row_number() over (partition by account_id order by as_of_date desc) as recency
        from {{ ref('health_history') }}
        where as_of_date <= {{ days_before_as_of(30) }}
    ) as snapshots
    where recency = 1

),

health as (

    select
        scores.*,
        scores.health_score - health_30d_ago.health_score as health_score_change_30d,
        case
            when scores.health_score - health_30d_ago.health_score >= {{ var('health_trend_min_change') }} then 'improving'
            when scores.health_score - health_30d_ago.health_score <= -{{ var('health_trend_min_change') }} then 'declining'
            when scores.health_score - health_30d_ago.health_score is not null then 'stable'
        end as health_trend
    from {{ ref('int_accounts_health_scored') }} as scores
    left join health_30d_ago
        on health_30d_ago.account_id = scores.account_id

)

select
    {{ contract_columns('metrics', {'health_': 'health'}) }}
from metrics
left join health
    on health.account_id = metrics.account_id
