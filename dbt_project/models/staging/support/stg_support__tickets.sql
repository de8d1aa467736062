{#- One row per ticket: the export repeats a ticket id each time the ticket changes, and the
    version with the latest updated_at wins. Equal updated_at: the later file (byte order of its
    path, so support/tickets.jsonl before every support/tickets/ delta), then the later record
    in the file (incremental exports append), so the choice is deterministic.

    Incremental: a nightly run reads only the raw rows loaded after this model's latest
    _loaded_at (new delta files), ranks them together with the current winner of each ticket
    they touch, and replaces those tickets (delete+insert on ticket_id). That is exactly the
    full build's rule: the order (updated_at, file, line) is total, so the best of all versions
    is the best of the previous best and the new ones. (The full build groups versions by the
    id text as delivered, the merge by ticket_id; they differ only for one ticket spelled two
    ways, e.g. "0101" and "101", which the unique test on ticket_id fails either way.)
    The pre-hook empties the model when every raw row is newer than it: the raw table was
    reloaded from all files (a new full export, or CS_FULL_REFRESH), whose tickets replace
    history, so the run rebuilds it from every row.
    On Spark the tables are Parquet, which cannot delete rows (no delete+insert, and
    insert_overwrite cannot read the table it overwrites): the model is a table there, rebuilt
    from every raw row each run by the same rule (docs/scale-out.md). -#}
{{ config(
    materialized=('table' if target.type in ('spark', 'databricks') else 'incremental'),
    unique_key='ticket_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where (select min(_loaded_at) from {{ source('support', 'tickets') }}) > (select max(_loaded_at) from {{ this }}){% endif %}",
) }}


with source as (

    select * from {{ source('support', 'tickets') }}
    where {{ passes_row_rules('support', 'tickets') }}
    {%- if is_incremental() %}
        and _loaded_at > (select coalesce(max(_loaded_at), {{ dbt.cast("'1900-01-01'", api.Column.translate_type('timestamp')) }}) from {{ this }})
    {%- endif %}

),

renamed as (

    select
        {{ parse_integer(clean_key('id')) }} as ticket_id,
        {{ parse_timestamp(clean_key('created_at')) }} as created_at,
        {{ parse_timestamp(clean_key('updated_at')) }} as updated_at,
        lower({{ clean_text('status') }}) as status,
        lower({{ clean_text('priority') }}) as priority,
        lower({{ clean_text('type') }}) as ticket_type,
        {{ clean_text('subject') }} as subject,
        {{ parse_integer(clean_key('organization_id')) }} as organization_id,
        {{ clean_email('requester_email') }} as requester_email,
        {{ json_string_array('tags') }} as tags,
        lower({{ clean_text(json_text('satisfaction_rating', '$.score')) }}) as satisfaction_score,
        {{ clean_key(json_array_field_value('custom_fields', var('zendesk_product_field_id', 'product'))) }} as product_code,
        {{ clean_key(json_array_field_value('custom_fields', var('zendesk_version_field_id', 'version'))) }} as reported_version,
        {{ parse_integer(json_text('metric_set', '$.reply_time_in_minutes.calendar')) }} as reply_time_minutes,
        {{ parse_integer(json_text('metric_set', '$.full_resolution_time_in_minutes.calendar')) }} as full_resolution_time_minutes,
        {{ parse_timestamp(json_text('metric_set', '$.solved_at')) }} as solved_at,
        _source_file,
        _row_number,
        _loaded_at,
        {#- versions are grouped by the id as delivered, so rows whose id does not parse are
            never collapsed into one another; last, so that this model's own rows (its columns,
            in this order) plus the group line up with these -#}
        coalesce({{ clean_key('id') }}, {{ dbt.concat(["'#row'", "cast(_row_number as " ~ dbt.type_string() ~ ")"]) }}) as _version_group

    from source

),
{%- if is_incremental() %}

{#- the new versions, and the current winner of each ticket they touch -#}
candidates as (

    select * from renamed

    union all

    select *, {{ dbt.cast('ticket_id', api.Column.translate_type('string')) }} as _version_group
    from {{ this }}
    where ticket_id in (select ticket_id from renamed)

),
{%- endif %}

versioned as (

    select
        *,
        row_number() over (
            partition by _version_group
            order by
                case when updated_at is null then 1 else 0 end,
                updated_at desc,
                _source_file desc,
                _row_number desc
        ) as _version_rank

    from {% if is_incremental() %}candidates{% else %}renamed{% endif %}

)

select
    ticket_id,
    created_at,
    updated_at,
    status,
    priority,
    ticket_type,
    subject,
    organization_id,
    requester_email,
    tags,
    satisfaction_score,
    product_code,
    reported_version,
    reply_time_minutes,
    full_resolution_time_minutes,
    solved_at,
    _source_file,
    _row_number,
    _loaded_at

from versioned
where _version_rank = 1
