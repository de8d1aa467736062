-- marts.account_family_360: one row per account family, i.e. per ultimate parent that is itself
-- a customer_360 account, with the family's figures rolled up from customer_360 (whose rows
-- stay per account). The family is every customer_360 account whose ultimate_parent_account_id
-- is the parent, the parent included; accounts of other types in between (a Prospect
-- subsidiary) link the chain but are not counted. Families whose top is not a customer (a
-- Prospect holding company, a deleted account) have no row: their customer accounts are
-- still in customer_360. Definitions: _marts__account_family_360.yml and docs/health_score.md
-- ("Account families").
{%- set horizon = 120 %}  {#- the 120 of the _120d column names #}

with accounts as (

    select
        account_id,
        account_name,
        parent_account_id,
        ultimate_parent_account_id,
        region,
        segment,
        csm_name,
        as_of_date,
        arr_usd,
        next_renewal_date,
        health_score,
        health_band
    from {{ ref('customer_360') }}

),

parents as (

    select * from accounts
    where ultimate_parent_account_id = account_id

),

-- 1 critical .. 4 healthy: the family's worst band is the lowest rank.
banded as (

    select
        accounts.*,
        case health_band
            when 'critical' then 1
            when 'at_risk' then 2
            when 'monitor' then 3
            when 'healthy' then 4
        end as band_rank
    from accounts

),

families as (

    select
        ultimate_parent_account_id,
        count(*) as family_accounts,
        sum(case when parent_account_id = ultimate_parent_account_id then 1 else 0 end) as direct_children,
        sum(arr_usd) as family_arr_usd,
        sum(case when health_score is not null then arr_usd else 0 end) as scored_arr_usd,
        sum(case when health_score is not null then arr_usd * health_score else 0 end) as arr_weighted_score_total,
        min(band_rank) as worst_band_rank,
        sum(case when next_renewal_date <= cast({{ dbt.dateadd('day', horizon, as_of_date()) }} as date)
                 then 1 else 0 end) as accounts_renewing_120d
    from banded
    group by ultimate_parent_account_id

),

-- Contract renewals (marts.renewals: a contract_id with an end_date that some Active line
-- active on as-of ends on) due within 120 days of as-of.
renewals as (

    select
        accounts.ultimate_parent_account_id,
        count(*) as contract_renewals_120d,
        sum(renewals.arr_usd) as renewing_arr_120d_usd
    from {{ ref('renewals') }} as renewals
    inner join accounts
        on accounts.account_id = renewals.account_id
    where renewals.days_to_renewal <= {{ horizon }}
    group by accounts.ultimate_parent_account_id

),

family_360 as (

    select
        parents.account_id as ultimate_parent_account_id,
        parents.account_name,
        parents.region,
        parents.segment,
        parents.csm_name,
        parents.as_of_date,
        families.family_accounts,
        families.direct_children,
        families.family_accounts - 1 as all_descendants,
        families.family_arr_usd,
        cast(round(cast(families.arr_weighted_score_total as {{ type_double() }}) / nullif(families.scored_arr_usd, 0), 0) as {{ dbt.type_int() }})
            as family_health_score,
        case families.worst_band_rank
            when 1 then 'critical'
            when 2 then 'at_risk'
            when 3 then 'monitor'
            when 4 then 'healthy'
        end as worst_health_band,
        coalesce(renewals.contract_renewals_120d, 0) as contract_renewals_120d,
        coalesce(renewals.renewing_arr_120d_usd, 0) as renewing_arr_120d_usd,
        families.accounts_renewing_120d
    from parents
    inner join families
        on families.ultimate_parent_account_id = parents.account_id
    left join renewals
        on renewals.ultimate_parent_account_id = parents.account_id

)

select
    {{ contract_columns('family_360') }}
from family_360
