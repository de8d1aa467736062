{#- The three health seeds form one configuration: a single config_version shared by all of them
    (so customer_360.health_config_version names exactly what produced a score), every setting
    present, and band thresholds in order. Returns a row per problem. -#}
with versions as (

    select config_version from {{ ref('health_weights') }}
    union
    select config_version from {{ ref('health_thresholds') }}
    union
    select config_version from {{ ref('health_settings') }}

),

required_settings as (

    {%- set required = ['healthy_min_score', 'monitor_min_score', 'at_risk_min_score',
                        'nps_max_age_days', 'engagement_score_without_activity',
                        'drivers_max_components'] %}
    {% for setting in required %}
    select '{{ setting }}' as setting{% if not loop.last %} union all{% endif %}
    {%- endfor %}

),

settings as (

    select
        max(case when setting = 'healthy_min_score' then value end) as healthy_min_score,
        max(case when setting = 'monitor_min_score' then value end) as monitor_min_score,
        max(case when setting = 'at_risk_min_score' then value end) as at_risk_min_score
    from {{ ref('health_settings') }}

)

select {{ dbt.concat(["'config_versions: '", "cast(count(*) as " ~ dbt.type_string() ~ ")"]) }} as problem
from versions
having count(*) <> 1

union all

select {{ dbt.concat(["'missing setting: '", 'required_settings.setting']) }} as problem
from required_settings
left join {{ ref('health_settings') }} as given
    on given.setting = required_settings.setting
where given.setting is null

union all

select 'band thresholds out of order' as problem
from settings
where not (healthy_min_score > monitor_min_score and monitor_min_score > at_risk_min_score)
