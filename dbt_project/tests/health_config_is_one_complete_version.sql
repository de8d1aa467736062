{{ config(meta={"dagster": {"ref": {"name": "health_weights"}}}) }}
{#- The three health seeds form one complete configuration: a single config_version shared by all
    of them (so customer_360.health_config_version names exactly what produced a score), one
    weight per component, bands for every metric the score reads and none for unknown metrics,
    every setting, and band minimums in order. Returns one row per problem. -#}
{%- set metric_rows = [] %}
{%- for component, metric in health_metrics() %}
    {%- do metric_rows.append("select '" ~ component ~ "' as component, '" ~ metric ~ "' as metric") %}
{%- endfor %}
{%- set component_rows = [] %}
{%- for component in health_components() %}
    {%- do component_rows.append("select '" ~ component ~ "' as component") %}
{%- endfor %}
{%- set setting_rows = [] %}
{%- for setting in health_setting_names() %}
    {%- do setting_rows.append("select '" ~ setting ~ "' as setting") %}
{%- endfor %}

with versions as (

    select config_version from {{ ref('health_weights') }}
    union
    select config_version from {{ ref('health_thresholds') }}
    union
    select config_version from {{ ref('health_settings') }}

),

expected_components as ({{ component_rows | join(' union all ') }}),

expected_metrics as ({{ metric_rows | join(' union all ') }}),

expected_settings as ({{ setting_rows | join(' union all ') }}),

weights as (

    select component, count(*) as weight_rows
    from {{ ref('health_weights') }}
    group by component

),

banded_metrics as (

    select distinct component, metric
    from {{ ref('health_thresholds') }}

),

settings as (

    select
        max(case when setting = 'healthy_min_score' then value end) as healthy_min_score,
        max(case when setting = 'monitor_min_score' then value end) as monitor_min_score,
        max(case when setting = 'at_risk_min_score' then value end) as at_risk_min_score
    from {{ ref('health_settings') }}

),

problems as (

    select {{ dbt.concat(["'config_versions: '", "cast(count(*) as " ~ dbt.type_string() ~ ")"]) }} as problem
    from versions
    having count(*) <> 1

    union all

    select {{ dbt.concat(["'weight rows of component ' ", "coalesce(expected_components.component, weights.component)"]) }}
    from expected_components
    full outer join weights
        on weights.component = expected_components.component
    where weights.component is null
       or expected_components.component is null
       or weights.weight_rows <> 1

    union all

    select {{ dbt.concat(["'bands missing or unknown: '", "coalesce(expected_metrics.metric, banded_metrics.metric)"]) }}
    from expected_metrics
    full outer join banded_metrics
        on banded_metrics.component = expected_metrics.component
        and banded_metrics.metric = expected_metrics.metric
    where banded_metrics.metric is null
       or expected_metrics.metric is null

    union all

    select {{ dbt.concat(["'missing setting: '", 'expected_settings.setting']) }}
    from expected_settings
    left join {{ ref('health_settings') }} as given
        on given.setting = expected_settings.setting
    where given.setting is null

    union all

    select 'band minimums out of order'
    from settings
    where not (healthy_min_score > monitor_min_score and monitor_min_score > at_risk_min_score)

)

select * from problems
