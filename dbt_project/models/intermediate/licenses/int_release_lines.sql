-- One row per product and GA release line (`MAJOR.MINOR`) that is out on the as-of date.
--
-- These are the lines an installation can be "behind": a beta (is_ga false) release or a release
-- dated after as-of never makes a line count. A line's release date is its first GA release.
-- A line's end of support is the latest end_of_support_date among those same GA releases (a
-- patch may extend support, never shorten it); a line none of whose releases carries a date
-- never expires. Versions that do not parse are left out (they belong to no line).

with releases as (

    select
        product_code,
        version,
        release_date,
        end_of_support_date,
        {{ version_major('version') }} as line_major,
        {{ version_minor('version') }} as line_minor
    from {{ ref('stg_licenses__product_releases') }}
    where is_ga
      and release_date <= {{ as_of_date() }}

)

select
    product_code,
    {{ release_line_label('line_major', 'line_minor') }} as release_line,
    line_major,
    line_minor,
    min(release_date) as line_release_date,
    max(end_of_support_date) as end_of_support_date,
    count(*) as ga_releases
from releases
where line_major is not null
  and line_minor is not null
group by product_code, line_major, line_minor
