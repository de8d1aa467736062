-- Version currency of every installation (extract contract, "Version currency").
--
-- versions_behind: GA release lines of the same product that are newer than the installation's
-- own line and out on as-of (see int_release_lines); NULL when the version does not parse.
-- is_end_of_support: the own line's end_of_support_date has passed, i.e. is before as-of
-- (support still runs on the end-of-support day itself). A line that is not a released GA line
-- (beta-only, future, unknown) has no end of support yet.

with installations as (

    select
        *,
        {{ version_major('version') }} as parsed_major,
        {{ version_minor('version') }} as parsed_minor
    from {{ ref('int_installations_resolved') }}

),

lines as (

    select * from {{ ref('int_release_lines') }}

),

newer_lines as (

    select
        installations.installation_id,
        count(lines.product_code) as newer_lines
    from installations
    left join lines
        on lines.product_code = installations.product_code
        and (lines.line_major > installations.parsed_major
            or (lines.line_major = installations.parsed_major and lines.line_minor > installations.parsed_minor))
    group by installations.installation_id

),

versioned as (

    select
        installations.*,
        installations.parsed_major is not null and installations.parsed_minor is not null as is_version_parsed,
        own_line.end_of_support_date as line_end_of_support_date,
        newer_lines.newer_lines
    from installations
    inner join newer_lines
        on newer_lines.installation_id = installations.installation_id
    left join lines as own_line
        on own_line.product_code = installations.product_code
        and own_line.line_major = installations.parsed_major
        and own_line.line_minor = installations.parsed_minor

)

select
    installation_id,
    entitlement_id,
    account_id,
    product_code,
    version,
    environment,
    seats_in_use,
    last_checkin_at,
    case when is_version_parsed then {{ release_line_label('parsed_major', 'parsed_minor') }} end as release_line,
    case when parsed_minor is not null then parsed_major end as line_major,
    case when parsed_major is not null then parsed_minor end as line_minor,
    line_end_of_support_date,
    case when is_version_parsed then newer_lines end as versions_behind,
    case when is_version_parsed then newer_lines >= 2 end as is_n_minus_2,
    case when is_version_parsed then coalesce(line_end_of_support_date < {{ as_of_date() }}, false) end
        as is_end_of_support
from versioned
