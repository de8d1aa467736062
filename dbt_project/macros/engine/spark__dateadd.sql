{#- dbt.dateadd on Spark. dbt-spark's own goes through unix seconds and `to_timestamp(number)`,
    which gives NULL once `timestamp` means TIMESTAMP_NTZ (profiles.yml sets it, so timestamps
    read back into DuckDB as the same type); Spark's timestampadd adds calendar units directly,
    month ends clamped as on DuckDB (Jan 31 + 1 month = Feb 28). Found first by the `dispatch`
    search order of dbt_project.yml. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
