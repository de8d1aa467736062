-- marts.cta_history: the lifecycle of every call to action, one row per call to action and
-- night it was open or closed on. Like health_history it is history, so it is incremental and
-- never rebuilt (full_refresh: false; the build warehouse that holds it is published by every
-- run and restored from the published file when the build file is lost, cs_pipeline.publish).
--
-- Each run replaces the rows of its own as-of date and derives them from tonight's
-- int_cta_candidates and the open calls to action of the latest earlier night in this table:
--   * a candidate whose account, theme and condition key were open that night continues: it
--     keeps its cta_id, opened_on and due_date (reasons, priority, ARR and owner are tonight's);
--   * a new candidate opens: cta_id = md5(account | theme | condition key | as-of), opened_on the
--     as-of date, due_date from the theme's SLA (never before the as-of date);
--   * an open one that no longer fires is closed tonight: closed_on the as-of date and
--     close_reason superseded (its theme fires with another condition, e.g. the renewal reached
--     its next checkpoint), account_not_a_customer, or condition_cleared.
-- A rerun of a night reads the same earlier night and the same candidates: the same rows.
-- Nights are meant to be built in date order (a night built before an existing later one does
-- not rewrite the later one).

{{ config(**history_config()) }}

with candidates as (

    select * from {{ ref('int_cta_candidates') }}

),

customers as (

    select account_id from {{ ref('customer_360') }}

),

previous as (

    {%- if is_incremental() %}
    select
        cta_id,
        account_id,
        theme,
        condition_key,
        opened_on,
        due_date,
        reasons,
        reason,
        priority,
        arr_at_stake_usd,
        owner_name,
        routing_reason
    from {{ this }}
    where status = 'open'
      and as_of_date = (
          select max(as_of_date) from {{ this }} where as_of_date < {{ as_of_date() }}
      )
    {%- else %}
    {#- The first build: no earlier night. #}
    select
        cast(null as {{ dbt.type_string() }}) as cta_id,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as theme,
        cast(null as {{ dbt.type_string() }}) as condition_key,
        cast(null as date) as opened_on,
        cast(null as date) as due_date,
        cast(null as {{ dbt.type_string() }}) as reasons,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as integer) as priority,
        cast(null as decimal(18, 2)) as arr_at_stake_usd,
        cast(null as {{ dbt.type_string() }}) as owner_name,
        cast(null as {{ dbt.type_string() }}) as routing_reason
    from candidates
    where 1 = 0
    {%- endif %}

),

open_tonight as (

    select
        candidates.as_of_date,
        coalesce(
            previous.cta_id,
            {{ dbt.hash(dbt.concat([
                'candidates.account_id', "'|'", 'candidates.theme', "'|'",
                'candidates.condition_key', "'|'", as_text('candidates.as_of_date')])) }}
        ) as cta_id,
        candidates.account_id,
        candidates.theme,
        candidates.condition_key,
        'open' as status,
        coalesce(previous.opened_on, candidates.as_of_date) as opened_on,
        coalesce(previous.due_date, candidates.due_date_if_new) as due_date,
        cast(null as date) as closed_on,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        candidates.reasons,
        candidates.reason,
        candidates.priority,
        candidates.arr_at_stake_usd,
        candidates.owner_name,
        candidates.routing_reason
    from candidates
    left join previous
        on previous.account_id = candidates.account_id
        and previous.theme = candidates.theme
        and previous.condition_key = candidates.condition_key

),

closed_tonight as (

    select
        {{ as_of_date() }} as as_of_date,
        previous.cta_id,
        previous.account_id,
        previous.theme,
        previous.condition_key,
        'closed' as status,
        previous.opened_on,
        previous.due_date,
        {{ as_of_date() }} as closed_on,
        case
            when customers.account_id is null then 'account_not_a_customer'
            when same_theme.account_id is not null then 'superseded'
            else 'condition_cleared'
        end as close_reason,
        previous.reasons,
        previous.reason,
        previous.priority,
        previous.arr_at_stake_usd,
        previous.owner_name,
        previous.routing_reason
    from previous
    left join candidates as still_firing
        on still_firing.account_id = previous.account_id
        and still_firing.theme = previous.theme
        and still_firing.condition_key = previous.condition_key
    left join candidates as same_theme
        on same_theme.account_id = previous.account_id
        and same_theme.theme = previous.theme
    left join customers
        on customers.account_id = previous.account_id
    where still_firing.account_id is null

),

lifecycle as (

    select * from open_tonight
    union all
    select * from closed_tonight

)

select
    {{ contract_columns('lifecycle') }}
from lifecycle
