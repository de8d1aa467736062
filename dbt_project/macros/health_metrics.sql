{#- One of the names the health score is built from: the health_scores macro loops over them
    and the singular test health_config_is_one_complete_version checks the seeds against them,
    so a name cannot be added to one and silently missing from the other. -#}
{#- (component, metric): every metric has score bands in the seed health_thresholds and is a
    column of int_accounts_health_prepared (and int_account_products_health_prepared), or an
    expression of the health_scores macro over such columns and the settings (nps_latest's
    staleness, the *_per_size_unit metrics). -#}
{% macro health_metrics() -%}
    {{ return([
        ('support', 'urgent_tickets_per_size_unit'),
        ('support', 'ticket_trend_ratio'),
        ('sentiment', 'nps_latest'),
        ('sentiment', 'csat_90d'),
        ('adoption', 'seat_utilization'),
        ('training', 'trained_users_per_size_unit'),
        ('version', 'max_versions_behind'),
        ('version', 'end_of_support'),
        ('financial', 'overdue_share_of_arr'),
        ('engagement', 'days_since_last_activity'),
    ]) }}
{%- endmacro %}
