{#- The website domain of live CRM accounts (any Type), one row per domain. A domain that
    several accounts share is ambiguous: it keeps account_count > 1 and no account_id, so
    nothing is matched through it (a wrong merge is worse than a miss). -#}
select
    website_domain,
    count(distinct account_id) as account_count,
    case when count(distinct account_id) = 1 then min(account_id) end as account_id

from {{ ref('stg_crm__account') }}
where website_domain is not null
group by website_domain
