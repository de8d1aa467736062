{#- One row per ticket: the export repeats a ticket id each time the ticket changes, and the
    version with the latest updated_at wins. Equal updated_at: the later file (byte order of its
    path, so support/tickets.jsonl before every support/tickets/ delta), then the later record
    in the file (incremental exports append), so the choice is deterministic. Versions are
    grouped by ticket_id (the id as a number, so `0101` and `101` are one ticket); a row without
    an id is a group of its own.

    Cost: the winner is picked on narrow columns (lineage, ticket_id, updated_at), then only the
    winning raw rows are read in full and parsed (JSON fields, timestamps): a window over every
    wide version parsed the ~60 % of rows that lose as well. The winner is the greatest version
    as a struct in a group-by (macro struct_of): a row_number() window sorted all 10 M versions
    at 100 000 accounts, five times the cost of the hash aggregate. Only the fields a model or
    the cockpit reads are staged (the rest of a ticket stays in raw, found by the lineage):
    writing the 3.7 M rows is most of this model's cost, and int_tickets_resolved copies them.

    Incremental: a nightly run reads only the raw rows loaded after this model's latest
    _loaded_at (new delta files), ranks them together with the current winner of each ticket
    they touch, and replaces the tickets a new row wins (delete+insert on ticket_id); a ticket
    whose current version still wins is left as it is. That is exactly the full build's rule:
    the order (updated_at, file, line) is total, so the best of all versions is the best of the
    previous best and the new ones.
    When the raw table was reloaded from every file, the model is rebuilt from every row; on
    Spark it is a table rebuilt each run (macro ticket_merge_config). -#}
{{ config(**ticket_merge_config("source('support', 'tickets')")) }}


{#- Only the rows the model has not seen (incremental); the full build reads every row. -#}
{%- set newer_than_model -%}
    {%- if is_incremental() %}
        and _loaded_at > (select coalesce(max(_loaded_at), {{ dbt.cast("'1900-01-01'", api.Column.translate_type('timestamp')) }}) from {{ this }})
    {%- endif %}
{%- endset %}

with versions as (

    {#- narrow: the version key of every raw row, nothing else parsed yet -#}
    select
        _source_file,
        _row_number,
        {{ parse_integer(clean_key('id')) }} as ticket_id,
        {{ parse_timestamp(clean_key('updated_at')) }} as updated_at
    from {{ source('support', 'tickets') }}
    where {{ passes_row_rules('support', 'tickets') }}
    {{- newer_than_model }}

),
{%- if is_incremental() %}

{#- the new versions, and the current winner of each ticket they touch -#}
candidates as (

    select _source_file, _row_number, ticket_id, updated_at, true as is_new
    from versions

    union all

    select _source_file, _row_number, ticket_id, updated_at, false as is_new
    from {{ this }}
    where ticket_id in (select ticket_id from versions)

),
{%- endif %}

ranked as (

    {#- the latest version of each ticket: versions compare as structs field by field, so the
        greatest is the one with an updated_at, then the latest, then the later file, then the
        later line; a row without a ticket id is a version of nothing else -#}
    select
        ticket_id,
        max({{ struct_of({
            'has_updated_at': 'case when updated_at is null then 0 else 1 end',
            'updated_at': 'updated_at',
            '_source_file': '_source_file',
            '_row_number': '_row_number',
            'is_new': ('is_new' if is_incremental() else 'true'),
        }) }}) as latest_version

    from {% if is_incremental() %}candidates{% else %}versions{% endif %}
    group by
        ticket_id,
        case when ticket_id is null then _source_file end,
        case when ticket_id is null then _row_number end

),

winners as (

    select
        ticket_id,
        latest_version.updated_at as updated_at,
        latest_version._source_file as _source_file,
        latest_version._row_number as _row_number,
        latest_version.is_new as is_new
    from ranked

),

latest as (

    {#- the winning raw rows, read again in full (a join on the lineage, not a window over
        every wide row); incrementally, only a winner that is new replaces its ticket -#}
    select
        winners.ticket_id,
        winners.updated_at,
        tickets.created_at,
        tickets.status,
        tickets.priority,
        tickets.subject,
        tickets.organization_id,
        tickets.satisfaction_rating,
        tickets.custom_fields,
        tickets.metric_set,
        tickets._source_file,
        tickets._row_number,
        tickets._loaded_at

    from {{ source('support', 'tickets') }} as tickets
    inner join winners
        on winners._source_file = tickets._source_file
        and winners._row_number = tickets._row_number
    where winners.is_new
    {{- newer_than_model }}

),

parsed as (

    {#- custom_fields parsed once, into native values (macro json_parse): read field by field, it
        was parsed twice per element -#}
    select
        latest.*,
        {{ json_parse('custom_fields', [{'id': 'text', 'value': 'text'}]) }} as custom_field_values
    from latest

),

renamed as (

    select
        ticket_id,
        {{ parse_timestamp(clean_key('created_at')) }} as created_at,
        updated_at,
        lower({{ clean_text('status') }}) as status,
        lower({{ clean_text('priority') }}) as priority,
        {{ clean_text('subject') }} as subject,
        {{ parse_integer(clean_key('organization_id')) }} as organization_id,
        lower({{ clean_text(json_text('satisfaction_rating', '$.score')) }}) as satisfaction_score,
        {{ clean_key(field_value_by_id('custom_field_values', var('zendesk_product_field_id', 'product'))) }} as product_code,
        {{ parse_timestamp(json_text('metric_set', '$.solved_at')) }} as solved_at,
        _source_file,
        _row_number,
        _loaded_at

    from parsed

)

select
    ticket_id,
    created_at,
    updated_at,
    status,
    priority,
    subject,
    organization_id,
    satisfaction_score,
    product_code,
    solved_at,
    _source_file,
    _row_number,
    _loaded_at

from renamed
