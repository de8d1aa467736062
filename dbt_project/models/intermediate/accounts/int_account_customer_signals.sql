-- What the customer did and when, per account (customer-side silence and engagement,
-- docs/health_score.md "Silence and engagement"), one row per account with any signal on or
-- before as-of. A signal is a ticket created, an NPS survey answer, a training completion or a
-- completed CRM activity (task), each dated by its UTC calendar day; nothing after as-of counts.
-- Engagement counts tickets + completed activities + training completions (not surveys) in two
-- windows of 90 days (fixed, as the _90d in customer_360's column names): the last
-- (as_of - 90, as_of] and the prior (as_of - 180, as_of - 90]. Tickets come counted by
-- int_tickets_counted (its tickets_90d and tickets_prior_90d are these two windows).
{%- set window = 90 %}

with signals as (

    select account_id, submitted_date as signal_date, 0 as is_engagement
    from {{ ref('int_nps_responses_resolved') }}
    union all
    select account_id, completed_date, 1
    from {{ ref('int_enrollments_completed') }}
    union all
    select account_id, activity_date, 1
    from {{ ref('int_tasks_resolved') }}
    where lower(status) = 'completed'

),

other_signals_counted as (

    select
        account_id,
        max(signal_date) as last_signal_date,
        count(case when is_engagement = 1
                  and signal_date > {{ days_before_as_of(window) }}
                 then 1 end) as engagement_last_90d,
        count(case when is_engagement = 1
                  and signal_date > {{ days_before_as_of(2 * window) }}
                  and signal_date <= {{ days_before_as_of(window) }}
                 then 1 end) as engagement_prior_90d
    from signals
    where account_id is not null
      and signal_date <= {{ as_of_date() }}
    group by account_id

),

tickets_counted as (

    {#- accounts with a ticket created on or before as-of (last_created_date is set) #}
    select
        account_id,
        max(last_created_date) as last_signal_date,
        cast(sum(tickets_90d) as {{ dbt.type_bigint() }}) as engagement_last_90d,
        cast(sum(tickets_prior_90d) as {{ dbt.type_bigint() }}) as engagement_prior_90d
    from {{ ref('int_tickets_counted') }}
    group by account_id
    having max(last_created_date) is not null

),

counted as (

    select
        account_id,
        max(last_signal_date) as last_signal_date,
        cast(sum(engagement_last_90d) as {{ dbt.type_bigint() }}) as engagement_last_90d,
        cast(sum(engagement_prior_90d) as {{ dbt.type_bigint() }}) as engagement_prior_90d
    from (
        select * from other_signals_counted
        union all
        select * from tickets_counted
    ) as per_source
    group by account_id

)

-- falling / rising: the last window moved by more than var('engagement_trend_min_change') (a
-- share of the prior window), and the larger window holds at least
-- var('engagement_trend_min_events') events (fewer: a change of one or two is noise, steady).
select
    account_id,
    last_signal_date,
    engagement_last_90d,
    engagement_prior_90d,
    case
        when greatest(engagement_last_90d, engagement_prior_90d) < {{ var('engagement_trend_min_events') }}
            then 'steady'
        when engagement_last_90d < engagement_prior_90d * (1 - {{ var('engagement_trend_min_change') }})
            then 'falling'
        when engagement_last_90d > engagement_prior_90d * (1 + {{ var('engagement_trend_min_change') }})
            then 'rising'
        else 'steady'
    end as engagement_trend
from counted
