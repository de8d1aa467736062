{#-
    The explainable health score of every row of `inputs` (a relation with the metric columns
    of health_metrics() that are not expressions below, nps_age_days, seats_purchased,
    urgent_open_tickets, trained_users and is_engagement_applicable), one row per `keys`;
    `inapplicable` names the components that never apply to such a row (their weight is not
    part of health_coverage). The one
    formula of int_accounts_health_scored and int_account_products_health_scored;
    docs/health_score.md explains it with a worked example; the configuration is the seeds
    health_weights, health_thresholds and health_settings, which carry one config_version.

    1. Every metric is scored 0-100 by the band of health_thresholds it falls in
       (min_value <= value < max_value, an empty bound is open).
    2. A component's score is the mean of its scored metrics; NULL when none of them has data.
       Stale data has already expired: an NPS answer older than nps_max_age_days is no data.
       Engagement is the exception: where it applies, no completed CSM activity at all scores
       engagement_score_without_activity (no CSM touch is a risk, not a gap in the data).
    3. health_score = round(sum(weight * score) / sum(weight)) over the components that have a
       score: a missing component's weight is spread over the present ones in proportion.
    4. points lost by a component = weight / sum(present weights) * (100 - score); the points
       lost of all components add up to 100 - the unrounded score. health_drivers names the
       components that lost most, largest first (ties by component name).
    5. health_coverage = sum(present weights) / sum(weights of the applicable components);
       health_confidence is high / medium / low by the confidence_*_min_coverage settings, and a
       low-confidence row whose score reaches healthy_min_score is banded monitor: a score that
       stands on too little data is never healthy.
    6. points a component contributes = weight / sum(present weights) * score (health_points_<c>);
       they add up to the unrounded score, so between two snapshots the changes of the
       components' points add up to the change of the score (customer_360.health_change_explained).
-#}
{% macro health_scores(inputs, keys, inapplicable=[]) -%}
{%- set key_list = keys | join(', ') -%}
{#- Size units of the account: counts whose volume grows with the account (urgent tickets,
    trained users) are divided by them; up to size_reference_seats seats it is 1 (the count as
    it is), above it grows as (seats / size_reference_seats) ^ size_exponent. -#}
{%- set size_units = 'power(greatest(coalesce(inputs.seats_purchased, 0), settings.size_reference_seats)'
    ~ ' / settings.size_reference_seats, settings.size_exponent)' -%}
{#- Metrics whose value needs more than its input column. -#}
{%- set expressions = {
    'nps_latest': 'case when inputs.nps_age_days <= settings.nps_max_age_days then inputs.nps_latest end',
    'urgent_tickets_per_size_unit': 'inputs.urgent_open_tickets / ' ~ size_units,
    'trained_users_per_size_unit': 'inputs.trained_users / ' ~ size_units,
} -%}
{#- The components that can apply to a row, in health_components() order. -#}
{%- set applicable = health_components() | reject('in', inapplicable) | list -%}
with settings as (

    select
        {%- for setting in health_setting_names() %}
        max(case when setting = '{{ setting }}' then value end) as {{ setting }},
        {%- endfor %}
        max(config_version) as config_version
    from {{ ref('health_settings') }}

),

{#- The metrics of the components that apply only: an inapplicable component has no score, no
    weight in the coverage and no driver either way, and its rows were a fifth of a product's. #}
metric_values as (
    {% for component, metric in health_metrics() if component not in inapplicable %}
    select
        {%- for key in keys %}
        inputs.{{ key }},
        {%- endfor %}
        inputs.is_engagement_applicable,
        '{{ component }}' as component,
        '{{ metric }}' as metric,
        cast({{ expressions.get(metric, 'inputs.' ~ metric) }} as {{ type_double() }}) as metric_value
    from {{ inputs }} as inputs
    cross join settings
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

metric_scores as (

    select
        {%- for key in keys %}
        metric_values.{{ key }},
        {%- endfor %}
        metric_values.is_engagement_applicable,
        metric_values.component,
        thresholds.score as metric_score
    from metric_values
    left join {{ ref('health_thresholds') }} as thresholds
        on thresholds.component = metric_values.component
        and thresholds.metric = metric_values.metric
        {#- an empty bound is open; comparisons only (no OR), so the engine joins by hash, not by
            comparing every metric with every band; a NULL metric_value matches no band #}
        and metric_values.metric_value >= coalesce(thresholds.min_value, cast('-Infinity' as {{ type_double() }}))
        and metric_values.metric_value < coalesce(thresholds.max_value, cast('Infinity' as {{ type_double() }}))

),

{#- From here on one row per key, each component side by side: its score (the mean of its
    metrics' scores), its weight where it has a score (present_weight_<c>), its points lost and
    its rank among the key's components. The ranks are counted across the row (how many
    components lost more points, or as many and come first by name), so no key's rows are
    grouped per component nor sorted: a window over the long rows cost DuckDB about 0.8 s of
    CPU for the 118 000 products of the 100 000-account bench. Every sum and mean below adds up
    the same values as one over the long rows would. #}
components as (

    select
        {%- for key in keys %}
        metric_scores.{{ key }},
        {%- endfor %}
        {%- for component in health_components() %}
        {%- if component in inapplicable %}
        cast(null as {{ type_double() }}) as health_{{ component }}{{ ',' if not loop.last }}
        {%- elif component == 'engagement' %}
        case
            when metric_scores.is_engagement_applicable
                then coalesce(
                    avg(case when metric_scores.component = 'engagement' then metric_scores.metric_score end),
                    max(settings.engagement_score_without_activity))
            else avg(case when metric_scores.component = 'engagement' then metric_scores.metric_score end)
        end as health_{{ component }}{{ ',' if not loop.last }}
        {%- else %}
        avg(case when metric_scores.component = '{{ component }}' then metric_scores.metric_score end)
            as health_{{ component }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from metric_scores
    cross join settings
    group by
        {%- for key in keys %}
        metric_scores.{{ key }},
        {%- endfor %}
        metric_scores.is_engagement_applicable

),

weights as (

    select
        {%- for component in applicable %}
        max(case when component = '{{ component }}' then weight end) as weight_{{ component }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('health_weights') }}

),

present as (

    select
        components.*,
        {%- for component in applicable %}
        case when components.health_{{ component }} is not null then weights.weight_{{ component }} end
            as present_weight_{{ component }},
        {%- endfor %}
        {% for component in applicable -%}
        {{ '+ ' if not loop.first }}weights.weight_{{ component }}
        {% endfor -%} as applicable_weight_total
    from components
    cross join weights

),

totals as (

    select
        present.*,
        {% for component in applicable -%}
        {{ '+ ' if not loop.first }}coalesce(present.present_weight_{{ component }}, 0)
        {% endfor -%} as present_weight_total,
        {% for component in applicable -%}
        {{ '+ ' if not loop.first }}coalesce(present.present_weight_{{ component }} * present.health_{{ component }}, 0)
        {% endfor -%} as weighted_score_total
    from present

),

points as (

    select
        totals.*,
        {%- for component in applicable %}
        totals.present_weight_{{ component }} * (100 - totals.health_{{ component }})
            / nullif(totals.present_weight_total, 0) as points_lost_{{ component }}{{ ',' if not loop.last }}
        {%- endfor %}
    from totals

),

ranked as (

    select
        points.*,
        {%- for component in applicable %}
        1
        {%- for other in applicable if other != component %}
            + case when points.points_lost_{{ other }} {{ '>=' if other < component else '>' }} points.points_lost_{{ component }} then 1 else 0 end
        {%- endfor %} as driver_rank_{{ component }}{{ ',' if not loop.last }}
        {%- endfor %}
    from points

),

scores as (

    select
        {%- for key in keys %}
        ranked.{{ key }},
        {%- endfor %}
        {%- for component in health_components() %}
        ranked.health_{{ component }},
        {%- endfor %}
        {%- for component in health_components() %}
        {%- if component in inapplicable %}
        cast(null as {{ type_double() }}) as health_points_{{ component }},
        {%- else %}
        ranked.present_weight_{{ component }} * ranked.health_{{ component }}
            / nullif(ranked.present_weight_total, 0) as health_points_{{ component }},
        {%- endif %}
        {%- endfor %}
        ranked.weighted_score_total / nullif(ranked.present_weight_total, 0) as health_score_exact,
        ranked.present_weight_total / nullif(ranked.applicable_weight_total, 0) as health_coverage,
        {#- A component is listed when its rank is within drivers_max_components and it lost
            points, and ranks go by points lost, so the drivers are the ranks' texts in order. #}
        {%- set drivers = [] %}
        {%- for rank in range(1, applicable | length + 1) %}
        {%- set candidates = [] %}
        {%- for component in applicable %}
        {%- do candidates.append("case when ranked.driver_rank_" ~ component ~ " = " ~ rank
            ~ " and " ~ rank ~ " <= settings.drivers_max_components and round(ranked.points_lost_" ~ component ~ ", 1) > 0 then "
            ~ dbt.concat(["'" ~ component ~ "'", "' -'", format_one_decimal('ranked.points_lost_' ~ component)]) ~ " end") %}
        {%- endfor %}
        {%- set driver = "coalesce(" ~ candidates | join(', ') ~ ")" %}
        {%- do drivers.append(driver if loop.first else "coalesce(" ~ dbt.concat(["'; '", driver]) ~ ", '')") %}
        {%- endfor %}
        {{ dbt.concat(drivers) }} as health_drivers
    from ranked
    cross join settings

),

confidence as (

    select
        scores.*,
        case
            when scores.health_coverage >= settings.confidence_high_min_coverage then 'high'
            when scores.health_coverage >= settings.confidence_medium_min_coverage then 'medium'
            else 'low'
        end as health_confidence
    from scores
    cross join settings

)

select
    {%- for key in keys %}
    scores.{{ key }},
    {%- endfor %}
    {%- for component in health_components() %}
    scores.health_{{ component }},
    {%- endfor %}
    {%- for component in health_components() %}
    scores.health_points_{{ component }},
    {%- endfor %}
    scores.health_score_exact,
    cast(round(scores.health_score_exact, 0) as {{ dbt.type_int() }}) as health_score,
    case
        when scores.health_score_exact is null then null
        when round(scores.health_score_exact, 0) >= settings.healthy_min_score
            and scores.health_confidence = 'low' then 'monitor'
        when round(scores.health_score_exact, 0) >= settings.healthy_min_score then 'healthy'
        when round(scores.health_score_exact, 0) >= settings.monitor_min_score then 'monitor'
        when round(scores.health_score_exact, 0) >= settings.at_risk_min_score then 'at_risk'
        else 'critical'
    end as health_band,
    scores.health_drivers,
    scores.health_coverage,
    scores.health_confidence,
    settings.config_version as health_config_version
from confidence as scores
cross join settings
{%- endmacro %}
