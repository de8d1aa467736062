{#- The share of a source's records that must reach a CRM account before the match-rate check
    warns (marts.data_quality_summary). Defaults sit under what the sources deliver on a good
    day (the ERP holds customers without a Salesforce id, learners use free-mail); override one
    source for a run with `--vars '{min_match_rate: {finance: 0.5}}'`: the others keep theirs. -#}
{% macro min_match_rate(source_name) -%}
    {%- set rates = {'crm': 0.9, 'support': 0.8, 'finance': 0.6, 'training': 0.7, 'licenses': 0.8} -%}
    {%- do rates.update(var('min_match_rate', {})) -%}
    {%- if source_name not in rates -%}
        {{ exceptions.raise_compiler_error("min_match_rate: no rate for source " ~ source_name) }}
    {%- endif -%}
    {{ return(rates[source_name]) }}
{%- endmacro %}
