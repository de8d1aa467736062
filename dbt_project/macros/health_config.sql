{#-
    The names the health score is built from, in one place: int_health_scores loops over them and
    the singular test health_config_is_one_complete_version checks the seeds against them, so a
    metric or setting cannot be added to one and silently missing from the other.
-#}

{#- Components in display order; customer_360 has a column health_<component> for each. -#}
{% macro health_components() -%}
    {{ return(['support', 'sentiment', 'adoption', 'training', 'version', 'financial', 'engagement']) }}
{%- endmacro %}

{#- (component, metric): every metric is a column of int_health_inputs and has score bands in
    the seed health_thresholds. -#}
{% macro health_metrics() -%}
    {{ return([
        ('support', 'urgent_open_tickets'),
        ('support', 'ticket_trend_ratio'),
        ('sentiment', 'nps_latest'),
        ('sentiment', 'csat_90d'),
        ('adoption', 'seat_utilization'),
        ('training', 'trained_users_per_100_seats'),
        ('version', 'max_versions_behind'),
        ('version', 'end_of_support'),
        ('financial', 'overdue_share_of_arr'),
        ('engagement', 'days_since_last_activity'),
    ]) }}
{%- endmacro %}

{#- The settings of the seed health_settings. -#}
{% macro health_setting_names() -%}
    {{ return(['healthy_min_score', 'monitor_min_score', 'at_risk_min_score', 'nps_max_age_days',
               'engagement_score_without_activity', 'drivers_max_components']) }}
{%- endmacro %}
