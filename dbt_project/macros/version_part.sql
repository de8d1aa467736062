{#-
    Release versions are `MAJOR.MINOR[.PATCH][-suffix]` (extract contract, licenses/). A release
    line is `MAJOR.MINOR`; lines compare numerically part by part (9.10 is newer than 9.9), so the
    parts are parsed to integers instead of comparing text. A `-suffix` never changes the line.
    Anything that is not of that shape parses to NULL on both parts: an unknown version is
    reported as unknown, never guessed.
-#}

{#- The integer MAJOR (part='major'), MINOR ('minor') or PATCH ('patch') of a version string. -#}
{#- One anchored pattern validates the whole string; no match gives '' and so NULL. `[.]`, not a
    backslash, so the literal reads the same on DuckDB and Spark. -#}
{% macro version_part(version, part) -%}
    {%- if part not in ('major', 'minor', 'patch') -%}
        {{ exceptions.raise_compiler_error("version_part: part must be major, minor or patch, got " ~ part) }}
    {%- endif -%}
    {%- set group = {'major': 1, 'minor': 2, 'patch': 3}[part] -%}
    {{ try_cast("nullif(regexp_extract(trim(" ~ version ~ "), '^([0-9]+)[.]([0-9]+)(?:[.]([0-9]+))?(?:-.+)?$', " ~ group ~ "), '')", 'integer') }}
{%- endmacro %}
