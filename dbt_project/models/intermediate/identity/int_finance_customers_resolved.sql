{#- ERP customers, each with the account it belongs to: its sfdc_account_id, or an override
    (the key rules: int_resolved_records). Its company name is only ever a suggestion for
    people (marts.unmatched_records.suggested_account_ids). -#}
select
    records.customer_number,
    records.company_name,
    records.sfdc_account_id,
    records.sfdc_account_id_was_15_char,
    records.billing_currency,
    resolved.account_id,
    resolved.match_method,
    resolved.unmatched_reason

from {{ ref('stg_finance__customers') }} as records
left join {{ ref('int_resolved_records') }} as resolved
    on resolved._source_file = records._source_file
    and resolved._row_number = records._row_number
