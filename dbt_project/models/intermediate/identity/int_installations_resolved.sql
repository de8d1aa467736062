{#- Product installations, each with the account of its entitlement (see
    int_entitlements_resolved): an installation has no other key. An override of the
    installation itself wins. -#}
with entitlements as (

    select
        entitlement_id,
        case when count(distinct account_id) = 1 and count(account_id) = count(*) then min(account_id) end as account_id
    from {{ ref('int_entitlements_resolved') }}
    where entitlement_id is not null
    group by entitlement_id

),

keyed as (

    select
        records.*,
        entitlements.account_id as key_account_id,
        case when entitlements.account_id is not null then 'license_entitlement' end as key_match_method,
        case
            when records.entitlement_id is null then 'no_key'
            when entitlements.entitlement_id is null then 'entitlement_not_found'
            when entitlements.account_id is null then 'entitlement_unmatched'
        end as key_unmatched_reason

    from {{ ref('stg_licenses__installations') }} as records
    left join entitlements
        on entitlements.entitlement_id = records.entitlement_id

),

overrides as (

    select * from {{ ref('int_account_overrides') }}
    where source = 'licenses' and entity = 'installations'

)

select
    keyed.installation_id,
    keyed.entitlement_id,
    keyed.product_code,
    keyed.version,
    keyed.environment,
    keyed.seats_in_use,
    keyed.last_checkin_at,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = keyed.installation_id
