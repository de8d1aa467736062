{#- Where every raw row of every extract went, one row per source and entity, for a BI page and
    for the blocking reconciliation check (cs_pipeline/quality/reconciliation.py):
    raw_rows = staged + deleted + quarantined + superseded, so `unaccounted` must be 0.
    Staged rows are counted in the staging models themselves and quarantined rows in the
    quarantine models, so a staging model that lost rows shows up here. Deleted rows and
    superseded ticket versions are counted from the raw rows that break no rule, as staging
    removes them. Unmatched records and match rates come from marts.match_rates. -#}
{%- set entities = quality_entities() %}
with counts as (
{% for e in entities %}
    select
        '{{ e.source }}' as source,
        '{{ e.file }}' as entity,
        raw_counts.raw_rows,
        staged_counts.staged,
        raw_counts.deleted,
        quarantine_counts.quarantined,
        raw_counts.superseded,
        staged_counts.dated_after_as_of

    from (
        select
            count(*) as raw_rows,
            {%- if e.get('deleted_flag') %}
            sum(case when {{ passes_row_rules(e.source, e.entity) }}
                and coalesce({{ parse_boolean(e.deleted_flag) }}, false) then 1 else 0 end) as deleted,
            {%- else %}
            0 as deleted,
            {%- endif %}
            {%- if e.get('version_key') %}
            {%- set version_group = "coalesce(" ~ clean_key(e.version_key) ~ ", " ~ dbt.concat(["'#row'", "cast(_row_number as " ~ dbt.type_string() ~ ")"]) ~ ")" %}
            sum(case when {{ passes_row_rules(e.source, e.entity) }} then 1 else 0 end)
                - count(distinct case when {{ passes_row_rules(e.source, e.entity) }} then {{ version_group }} end) as superseded
            {%- else %}
            0 as superseded
            {%- endif %}
        from {{ source(e.source, e.entity) }}
    ) as raw_counts
    cross join (
        select
            count(*) as staged,
            {%- if e.get('event_date') %}
            sum(case when cast({{ e.event_date }} as date) > {{ as_of_date() }} then 1 else 0 end) as dated_after_as_of
            {%- else %}
            0 as dated_after_as_of
            {%- endif %}
        from {{ ref(e.staging) }}
    ) as staged_counts
    cross join (
        select count(*) as quarantined
        from {{ ref('stg_' ~ e.source ~ '__quarantine') }}
        where entity = '{{ e.file }}'
    ) as quarantine_counts
{% if not loop.last %}
    union all
{% endif %}
{%- endfor %}
),

typed as (

    select
        source,
        entity,
        cast(raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
        cast(staged as {{ dbt.type_bigint() }}) as staged,
        cast(coalesce(deleted, 0) as {{ dbt.type_bigint() }}) as deleted,
        cast(quarantined as {{ dbt.type_bigint() }}) as quarantined,
        cast(coalesce(superseded, 0) as {{ dbt.type_bigint() }}) as superseded,
        cast(coalesce(dated_after_as_of, 0) as {{ dbt.type_bigint() }}) as dated_after_as_of

    from counts

)

select
    typed.source,
    typed.entity,
    {{ as_of_date() }} as as_of_date,
    typed.raw_rows,
    typed.staged,
    typed.deleted,
    typed.quarantined,
    typed.superseded,
    typed.raw_rows - typed.staged - typed.deleted - typed.quarantined - typed.superseded as unaccounted,
    typed.dated_after_as_of,
    match_rates.matched,
    match_rates.unmatched,
    match_rates.match_rate,
    case
        when match_rates.entity is not null then
            case typed.source
                {%- for source_name in quality_sources() %}
                when '{{ source_name }}' then cast({{ min_match_rate(source_name) }} as {{ type_double() }})
                {%- endfor %}
            end
    end as min_match_rate

from typed
left join {{ ref('match_rates') }} as match_rates
    on match_rates.source = typed.source
    and match_rates.entity = typed.entity
