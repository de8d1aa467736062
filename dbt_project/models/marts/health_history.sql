-- marts.health_history: one health snapshot per customer account and as-of date, kept across
-- runs. Every other table is rebuilt from the extracts; this one is history and cannot be: a
-- past day's score depends on the extracts of that day. So it is incremental and never rebuilt:
--   * each run replaces the rows of its own as-of date and nothing else (delete+insert keyed by
--     as_of_date on DuckDB; insert_overwrite of the as_of_date partition on Spark, which
--     dbt-spark supports and delete+insert it does not): a rerun for a date gives one set of
--     rows for it, a backfill (CS_AS_OF in the past) adds that date;
--   * full_refresh: false, so `dbt build --full-refresh` leaves it alone (drop it by hand to
--     start history over);
--   * the build warehouse that holds it is copied to the published file by every publish, and
--     restored from that copy when the build file is gone (cs_pipeline.publish).
-- It is built from int_accounts_health_scored, not from customer_360, which reads it (health trend).

{{ config(**history_config()) }}

with health as (

    select * from {{ ref('int_accounts_health_scored') }}

),

metrics as (

    select * from {{ ref('int_accounts_measured') }}

),

-- The earliest check-in that the license report shows for a production installation of the
-- account on or before as-of. The report keeps only each installation's latest check-in, so
-- the first check-in is known only from history: time to value (cs_kpis) takes the earliest
-- value over all snapshots.
production_checkins as (

    select
        account_id,
        min(last_checkin_at) as production_checkin_at
    from {{ ref('int_installations_resolved') }}
    where account_id is not null
      and environment = 'production'
      and cast(last_checkin_at as date) <= {{ as_of_date() }}
    group by account_id

),

snapshot as (

    select
        metrics.account_id,
        {{ as_of_date() }} as as_of_date,
        health.health_score,
        health.health_band,
        {%- for component in health_components() %}
        health.health_{{ component }},
        {%- endfor %}
        health.health_score_exact,
        {%- for component in health_components() %}
        health.health_points_{{ component }},
        {%- endfor %}
        health.health_drivers,
        health.health_config_version,
        metrics.arr_usd,
        metrics.production_installations,
        metrics.max_versions_behind,
        metrics.is_version_current,
        metrics.is_end_of_support,
        production_checkins.production_checkin_at,
        metrics.urgent_open_tickets,
        metrics.nps_latest,
        metrics.seat_utilization,
        metrics.trained_users,
        metrics.overdue_amount_usd,
        metrics.days_since_last_activity,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as snapshot_taken_at,
        '{{ invocation_id }}' as snapshot_invocation_id,
        health.health_coverage,
        health.health_confidence
    from metrics
    left join health
        on health.account_id = metrics.account_id
    left join production_checkins
        on production_checkins.account_id = metrics.account_id

)

select
    {{ contract_columns('snapshot') }}
from snapshot
