{#- How many records of each source and entity reach a CRM account, one row per record type
    (also when a file is empty): the figure a data team watches run after run; a drop means a
    key stopped arriving. -#}
with record_types as (

    {% for source_name, entity in resolved_record_types() %}
    select '{{ source_name }}' as source, '{{ entity }}' as entity
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

counts as (

    select
        source,
        entity,
        count(*) as total,
        sum(case when account_id is not null then 1 else 0 end) as matched

    from {{ ref('int_resolved_records') }}
    group by source, entity

    union all

    {#- tickets are resolved apart (int_tickets_resolved) #}
    select
        'support' as source,
        'tickets' as entity,
        count(*) as total,
        sum(case when account_id is not null then 1 else 0 end) as matched

    from {{ ref('int_tickets_resolved') }}

)

select
    record_types.source,
    record_types.entity,
    cast(coalesce(counts.total, 0) as {{ dbt.type_bigint() }}) as total,
    cast(coalesce(counts.matched, 0) as {{ dbt.type_bigint() }}) as matched,
    cast(coalesce(counts.total, 0) - coalesce(counts.matched, 0) as {{ dbt.type_bigint() }}) as unmatched,
    case
        when counts.total > 0 then cast(counts.matched as {{ type_double() }}) / counts.total
    end as match_rate

from record_types
left join counts
    on counts.source = record_types.source
    and counts.entity = record_types.entity
