{#-
    Typing of delivered text. Every raw column is text; staging types it with these macros.
    A value that does not parse becomes NULL (safe casts), so one bad cell never fails a run.
    Staging never relies on that for delivered values: a row with a value that does not parse
    is quarantined before it is typed (rules declared in cs_pipeline/sources.py).
-#}

{#-
    A timestamp in UTC (type `timestamp`, no zone). Accepts ISO 8601 with or without an offset:
    Salesforce `2024-03-01T09:15:00.000+0000`, Zendesk `2024-03-01T09:15:00Z`, `+09:00`, and a
    bare date (midnight). Values with an offset are converted to UTC; values without one are
    taken as UTC already.
-#}
{% macro parse_timestamp(col) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'cs360')(col)) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp(col) -%}
    case
        when regexp_matches({{ col }}, '([zZ]|[+-][0-9]{2}:?[0-9]{2})$')
            then try_cast(try_cast({{ col }} as timestamptz) at time zone 'UTC' as timestamp)
        else try_cast({{ col }} as timestamp)
    end
{%- endmacro %}

{#- Spark (session time zone UTC, `timestamp` meaning TIMESTAMP_NTZ: see profiles.yml): an
    offset is read as an instant (timestamp_ltz; `+0000` needs its colon first) and shown in
    UTC; a value without one is read as UTC wall-clock time. -#}
{% macro spark__parse_timestamp(col) -%}
    case
        when {{ col }} rlike '([zZ]|[+-][0-9]{2}:?[0-9]{2})$'
            then cast(try_cast(regexp_replace({{ col }}, '([+-][0-9]{2}):?([0-9]{2})$', '$1:$2') as timestamp_ltz) as timestamp_ntz)
        else try_cast({{ col }} as timestamp_ntz)
    end
{%- endmacro %}

{#-
    dbt.safe_cast, except that it is really safe: dbt-duckdb 1.11 and dbt-spark 1.11 implement
    dbt.safe_cast as a plain cast, which fails the whole model on one bad value (Spark runs in
    ANSI mode). DuckDB's and Spark's try_cast return NULL.
-#}
{% macro try_cast(col, type) -%}
    try_cast({{ col }} as {{ type }})
{%- endmacro %}

{#- A calendar date (`YYYY-MM-DD`). -#}
{% macro parse_date(col) -%}
    {{ try_cast(col, api.Column.translate_type('date')) }}
{%- endmacro %}

{#- A decimal amount. -#}
{% macro parse_decimal(col) -%}
    {{ try_cast(col, dbt.type_numeric()) }}
{%- endmacro %}

{#- A whole number (Zendesk ids, seats, scores). -#}
{% macro parse_integer(col) -%}
    {{ try_cast(col, dbt.type_bigint()) }}
{%- endmacro %}

{#- Booleans as the sources write them: `true`/`false` (Salesforce, license server),
    `Y`/`N` (ERP), plus `yes`/`no`/`1`/`0`; anything else is NULL. -#}
{% macro parse_boolean(col) -%}
    case
        when lower(trim({{ col }})) in ('true', 'y', 'yes', '1') then true
        when lower(trim({{ col }})) in ('false', 'n', 'no', '0') then false
    end
{%- endmacro %}
