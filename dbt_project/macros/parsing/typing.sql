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
    DuckDB: the instant is read as microseconds since the epoch and made a `timestamp`, which is
    UTC by definition; `at time zone 'UTC'` gives the same value through the ICU calendar, about
    four times the cost (3 s more per timestamp column of the 10 M raw tickets). A value ending
    in `Z` (every Zendesk timestamp) is known to carry an offset without the regular expression,
    which cost half of the parse (0.6 s of CPU per timestamp column of the 10 M raw tickets).
-#}
{% macro parse_timestamp(col) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'cs360')(col)) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp(col) -%}
    case
        when suffix({{ col }}, 'Z') or regexp_matches({{ col }}, '([zZ]|[+-][0-9]{2}:?[0-9]{2})$')
            then make_timestamp(epoch_us(try_cast({{ col }} as timestamptz)))
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

{#- A decimal amount (dbt.type_numeric(), numeric(28,6)). -#}
{% macro parse_decimal(col) -%}
    {{ return(adapter.dispatch('parse_decimal', 'cs360')(col)) }}
{%- endmacro %}

{% macro default__parse_decimal(col) -%}
    {{ try_cast(col, dbt.type_numeric()) }}
{%- endmacro %}

{#- DuckDB parses text into a decimal wider than 18 digits (a 128-bit integer) about a hundred
    times slower than into one of 18 (13 us a value: 4 s for the 290 000 invoice amounts). So
    the value is read as decimal(18,6) first, the same scale, and only a value that does not fit
    there (more than 12 digits before the point, or not a number at all) is read again as
    numeric(28,6): the same value, the same type, NULL for the same texts. -#}
{% macro duckdb__parse_decimal(col) -%}
    coalesce({{ try_cast(col, 'decimal(18, 6)') }}, {{ try_cast(col, dbt.type_numeric()) }})
{%- endmacro %}

{#- A whole number (Zendesk ids, seats, scores). A value with a decimal point is one only
    when it has no fraction (`8.0`): a cast alone rounds `7.5` to 8 on DuckDB (and truncates
    it on Spark), so such a value is NULL and its row quarantined (invalid_integer). Only a
    value holding a `.` is read as a decimal too. -#}
{% macro parse_integer(col) -%}
    {%- set whole = try_cast(col, dbt.type_bigint()) %}
    case
        when {{ dbt.position("'.'", col) }} = 0 or {{ parse_decimal(col) }} = {{ whole }}
            then {{ whole }}
    end
{%- endmacro %}

{#- Booleans as the sources write them: `true`/`false` (Salesforce, license server),
    `Y`/`N` (ERP), plus `yes`/`no`/`1`/`0`; anything else is NULL. -#}
{% macro parse_boolean(col) -%}
    case
        when lower(trim({{ col }})) in ('true', 'y', 'yes', '1') then true
        when lower(trim({{ col }})) in ('false', 'n', 'no', '0') then false
    end
{%- endmacro %}
