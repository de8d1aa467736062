-- Version currency per account and product, over the account's PRODUCTION installations only
-- (staging and test environments do not make a customer less current).
--
-- An installation whose version does not parse counts as an installation but has no
-- versions_behind; it neither makes the account behind nor end-of-support.

with production as (

    select *
    from {{ ref('int_installation_versions') }}
    where account_id is not null
      and environment = 'production'

)

select
    account_id,
    product_code,
    count(*) as production_installations,
    max(versions_behind) as max_versions_behind,
    not {{ dbt.bool_or('coalesce(is_n_minus_2, false)') }} as is_version_current,
    {{ dbt.bool_or('coalesce(is_end_of_support, false)') }} as is_end_of_support
from production
group by account_id, product_code
