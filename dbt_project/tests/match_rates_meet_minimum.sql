{{ config(severity='warn') }}
{#- Warns, per source and record type, when fewer records reach a CRM account than the
    source's minimum (var `min_match_rate_<source>`, docs/configuration.md): a key that stopped arriving
    (an ERP export without sfdc_account_id, tickets without organizations) shows up the first
    night, not at the quarterly review. Returns the record types under their minimum. -#}
select source, entity, matched, unmatched, match_rate, min_match_rate
from {{ ref('data_quality_summary') }}
where match_rate < min_match_rate
