{#- Ids of Salesforce accounts flagged IsDeleted. Kept apart from stg_crm__account (which holds
    live accounts only) so identity resolution can tell "points to a deleted account" from
    "points to no account at all" when it reports unmatched records, and so the account
    hierarchy (int_account_hierarchy) can walk through a deleted account that is still in
    Account.csv. -#}
select
    {{ sfdc_id_18(clean_key('Id')) }} as account_id,
    {{ sfdc_id_18(clean_key('ParentId')) }} as parent_account_id,
    _source_file,
    _row_number,
    _loaded_at

from {{ source('crm', 'account') }}
where {{ passes_row_rules('crm', 'account') }}
    and coalesce({{ parse_boolean('IsDeleted') }}, false)
