-- Every quarantined raw row of every source, for a BI page next to marts.unmatched_records: one
-- row per record left out of staging because it breaks a row-level rule, with the first rule it
-- breaks in the declared order, how many it breaks, the offending value and where it is in the
-- delivered file. The quarantine models (generated from cs_pipeline/sources.py, listed by the
-- macro quarantine_models) hold one row per raw row and rule it breaks (and an incremental one,
-- rows `rule_number` 0 recording the loads it checked).
with broken as (
{% for quarantine in quarantine_models() %}
    {% if not loop.first %}union all{% endif %}
    select source, entity, record_id, rule_number, offending_value, _source_file, _row_number
    from {{ ref(quarantine) }}
    where rule_number > 0  {#- 0: the latest load an incremental quarantine checked #}
{%- endfor %}

),

ranked as (

    select
        broken.*,
        row_number() over (
            partition by _source_file, _row_number order by rule_number
        ) as rule_rank,
        count(*) over (partition by _source_file, _row_number) as rules_broken
    from broken

)

select
    ranked.source,
    ranked.entity,
    ranked.record_id,
    rules.rule,
    rules.column_name,
    ranked.offending_value,
    rules.expected,
    cast(ranked.rules_broken as {{ dbt.type_int() }}) as rules_broken,
    ranked._source_file as source_file,
    ranked._row_number as source_row_number
from ranked
inner join {{ ref('stg_registry__row_rules') }} as rules
    on rules.source = ranked.source
    and rules.entity = ranked.entity
    and rules.rule_number = ranked.rule_number
where ranked.rule_rank = 1
