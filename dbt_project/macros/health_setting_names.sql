{#- One of the names the health score is built from: the health_scores macro loops over them
    and the singular test health_config_is_one_complete_version checks the seeds against them,
    so a name cannot be added to one and silently missing from the other. -#}
{#- The settings of the seed health_settings. -#}
{% macro health_setting_names() -%}
    {{ return(['healthy_min_score', 'monitor_min_score', 'at_risk_min_score', 'nps_max_age_days',
               'engagement_score_without_activity', 'drivers_max_components',
               'size_reference_seats', 'size_exponent',
               'confidence_high_min_coverage', 'confidence_medium_min_coverage']) }}
{%- endmacro %}
