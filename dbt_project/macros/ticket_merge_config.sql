{#- The config of a ticket model that each night merges only the tickets that changed
    (stg_support__tickets, int_tickets_resolved): incremental, delete+insert on ticket_id.
    The pre-hook empties the model when every row of `upstream` (the Jinja of its ticket input,
    e.g. "source('support', 'tickets')") is newer than the model: the raw tickets were reloaded
    from every file (a new full export, or CS_FULL_REFRESH), whose tickets replace history, so
    the run rebuilds the model from every row.
    On Spark a table rebuilt each run by the same rule (macro materialized_on_engine).
    Use: {{ config(**ticket_merge_config("ref('stg_support__tickets')")) }} -#}
{% macro ticket_merge_config(upstream) -%}
    {{ return({
        'materialized': materialized_on_engine('incremental'),
        'unique_key': 'ticket_id',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
        'pre_hook': "{% if is_incremental() %}delete from {{ this }} where (select min(_loaded_at) from {{ "
            ~ upstream ~ " }}) > (select max(_loaded_at) from {{ this }}){% endif %}",
    }) }}
{%- endmacro %}
