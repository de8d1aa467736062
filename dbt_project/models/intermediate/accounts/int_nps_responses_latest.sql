-- The latest NPS answer of each account on the as-of date: submitted on or before as-of, with a
-- score; ties on the day go to the highest response id. customer_360's nps_latest, the health
-- score's sentiment and the nps_detractor call to action all read this one row.

with ranked as (

    select
        account_id,
        nps_response_id,
        score,
        submitted_date,
        row_number() over (
            partition by account_id
            order by submitted_date desc, nps_response_id desc
        ) as recency
    from {{ ref('int_nps_responses_resolved') }}
    where account_id is not null
      and submitted_date <= {{ as_of_date() }}
      and score is not null

)

select
    account_id,
    nps_response_id,
    score,
    submitted_date
from ranked
where recency = 1
