-- The release lines a CSM reads in a version call to action's reason text, one row per account
-- with a production installation on a known release line: the lines at least
-- var('cta_version_min_lines_behind') lines behind the product's latest GA line, and the lines
-- past end of support, each list in product and line order. Apart from int_cta_account_facts
-- because it reads no ticket: a night with ticket changes keeps it (its ordered listagg is the
-- costliest step of the CTA facts).

{%- set min_behind = var('cta_version_min_lines_behind') %}

with latest_ga as (

    select
        product_code,
        release_line,
        row_number() over (
            partition by product_code order by line_major desc, line_minor desc
        ) as recency
    from {{ ref('int_release_lines') }}

),

installed_lines as (

    select distinct
        installations.account_id,
        installations.product_code,
        installations.release_line,
        installations.line_major,
        installations.line_minor,
        installations.versions_behind,
        installations.is_end_of_support,
        installations.line_end_of_support_date,
        latest_ga.release_line as latest_ga_line
    from {{ ref('int_installation_versions') }} as installations
    left join latest_ga
        on latest_ga.product_code = installations.product_code
        and latest_ga.recency = 1
    where installations.account_id is not null
      and installations.environment = 'production'
      and installations.release_line is not null

),

-- Each list aggregates only the lines that are in it (an ordered listagg sorts every group it
-- gets, and most accounts have no line in either list), joined to every account with lines.
accounts as (

    select distinct account_id
    from installed_lines

),

lines_behind as (

    select
        account_id,
        {{ dbt.listagg(
            dbt.concat(["product_code", "' '", "release_line", "' ('",
                        "cast(versions_behind as " ~ dbt.type_string() ~ ")",
                        "' behind, GA '", "latest_ga_line", "')'"]),
            "'; '",
            "order by product_code, line_major, line_minor") }} as lines_behind
    from installed_lines
    where versions_behind >= {{ min_behind }}
    group by account_id

),

lines_end_of_support as (

    select
        account_id,
        {{ dbt.listagg(
            dbt.concat(["product_code", "' '", "release_line", "' (ended '",
                        "cast(line_end_of_support_date as " ~ dbt.type_string() ~ ")", "')'"]),
            "'; '",
            "order by product_code, line_major, line_minor") }} as lines_end_of_support
    from installed_lines
    where is_end_of_support
    group by account_id

)

select
    accounts.account_id,
    lines_behind.lines_behind,
    lines_end_of_support.lines_end_of_support
from accounts
left join lines_behind
    on lines_behind.account_id = accounts.account_id
left join lines_end_of_support
    on lines_end_of_support.account_id = accounts.account_id
