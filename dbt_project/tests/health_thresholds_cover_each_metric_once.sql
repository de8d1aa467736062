{#- The bands of every metric in health_thresholds cover all values exactly once: one band open
    below, one open above, and each band starting where the previous one ends. Otherwise a value
    could score twice (a fan-out) or not at all (a silently missing metric). Returns the
    metric and what is wrong. -#}
with bands as (

    select
        component,
        metric,
        min_value,
        max_value,
        lag(max_value) over (partition by component, metric order by min_value nulls first) as previous_max,
        row_number() over (partition by component, metric order by min_value nulls first) as band_number
    from {{ ref('health_thresholds') }}

),

per_metric as (

    select
        component,
        metric,
        sum(case when min_value is null then 1 else 0 end) as open_below,
        sum(case when max_value is null then 1 else 0 end) as open_above,
        sum(case when band_number > 1 and (previous_max is null or min_value is null or previous_max <> min_value)
            then 1 else 0 end) as gaps_or_overlaps,
        sum(case when min_value >= max_value then 1 else 0 end) as empty_bands
    from bands
    group by component, metric

)

select *
from per_metric
where open_below <> 1 or open_above <> 1 or gaps_or_overlaps > 0 or empty_bands > 0
