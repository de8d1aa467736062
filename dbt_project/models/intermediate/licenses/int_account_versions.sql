-- Version currency per account, rolled up from int_account_product_versions so that both grains
-- share one definition. Accounts without production installations have no row here; the marts
-- treat them as version-current and not end-of-support (customer-360 contract).

select
    account_id,
    cast(sum(production_installations) as {{ dbt.type_bigint() }}) as production_installations,
    max(max_versions_behind) as max_versions_behind,
    not {{ dbt.bool_or('not is_version_current') }} as is_version_current,
    {{ dbt.bool_or('is_end_of_support') }} as is_end_of_support
from {{ ref('int_account_product_versions') }}
group by account_id
