{#- One of the names the health score is built from: the health_scores macro loops over them
    and the singular test health_config_is_one_complete_version checks the seeds against them,
    so a name cannot be added to one and silently missing from the other. -#}
{#- Components in display order; customer_360 has a column health_<component> for each. -#}
{% macro health_components() -%}
    {{ return(['support', 'sentiment', 'adoption', 'training', 'version', 'financial', 'engagement']) }}
{%- endmacro %}
