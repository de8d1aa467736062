-- Every ticket (latest version of each id, see stg_support__tickets) with the flags the
-- customer-360 counts are built from. Days are UTC calendar days of created_at / solved_at.
--
-- Windows, with as-of = day 0:
--   last 90 days ("created in the 90 days up to and including as-of"): as_of - 90 < day <= as_of,
--     i.e. days -89 .. 0; a ticket of day -90 is outside.
--   baseline (the 270 days before those 90): as_of - 360 < day <= as_of - 90, i.e. days -359 .. -90.
-- A ticket created after as-of counts nowhere, not even as open.

with tickets as (

    select
        *,
        cast(created_at as date) as created_date,
        cast(solved_at as date) as solved_date
    from {{ ref('int_tickets_resolved') }}

),

flagged as (

    select
        tickets.*,
        created_date <= {{ as_of_date() }}
            and status in ('new', 'open', 'pending', 'hold') as is_open,
        created_date > {{ days_before_as_of(90) }}
            and created_date <= {{ as_of_date() }} as is_created_90d,
        created_date > {{ days_before_as_of(360) }}
            and created_date <= {{ days_before_as_of(90) }} as is_created_baseline,
        solved_date > {{ days_before_as_of(90) }}
            and solved_date <= {{ as_of_date() }}
            and satisfaction_score in ('good', 'bad') as is_rated_90d
    from tickets

)

select
    ticket_id,
    organization_id,
    account_id,
    product_code,
    status,
    priority,
    satisfaction_score,
    created_at,
    solved_at,
    created_date,
    solved_date,
    coalesce(is_open, false) as is_open,
    coalesce(is_open and priority in ('urgent', 'high'), false) as is_urgent_open,
    coalesce(is_created_90d, false) as is_created_90d,
    coalesce(is_created_baseline, false) as is_created_baseline,
    coalesce(is_rated_90d, false) as is_rated_90d,
    coalesce(is_rated_90d and satisfaction_score = 'good', false) as is_rated_good_90d
from flagged
