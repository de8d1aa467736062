-- marts.calls_to_action: what a CSM should do next, one row per account and rule that fires on
-- the as-of date (docs/operations.md has the rules, periods, due dates and priorities; the
-- thresholds are the cta_* vars of dbt_project.yml).
--
-- cta_id = md5(account_id | rule_code | period_key). The period key names the occurrence the
-- action is about (the renewal date, the quarter, the week, the last activity, the NPS answer,
-- the oldest overdue invoice), so a rerun, or tomorrow's run while the same occurrence lasts,
-- gives the same id: a CRM or ticketing sync can upsert on it without duplicates. A new
-- occurrence (the next quarter, a new detractor answer) is a new action with a new id.

{%- set windows = var('cta_renewal_windows_days') | map('int') | sort | reverse | list %}
{%- set priorities = var('cta_priorities') %}
{%- set days_to_act = var('cta_days_to_act') | int %}

{%- set arr_text = dbt.concat(["'ARR USD '", as_whole_text('facts.arr_usd')]) %}

with facts as (

    select
        facts.*,
        cast({{ dbt.date_trunc('quarter', 'facts.as_of_date') }} as date) as quarter_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, dbt.date_trunc('quarter', 'facts.as_of_date'))) }} as date)
            as quarter_end,
        cast({{ dbt.date_trunc('week', 'facts.as_of_date') }} as date) as week_start
    from {{ ref('int_cta_account_facts') }} as facts

),

fired as (

    {# Renewals at risk: one rule per checkpoint; a renewal is in the window of checkpoint w when
        w >= days_to_renewal > the next smaller checkpoint (>= 0 for the last). Due at the next
        checkpoint; the last one's CTA days_to_act days before the renewal. #}
    {%- for w in windows %}
    {%- set lower = windows[loop.index] if not loop.last else none %}
    select
        facts.account_id,
        'renewal_risk_{{ w }}d' as rule_code,
        {{ as_text('facts.next_renewal_date') }} as period_key,
        cast({{ dbt.dateadd('day', -w, 'facts.next_renewal_date') }} as date) as opened_on,
        cast({{ dbt.dateadd('day', -(lower if lower is not none else days_to_act), 'facts.next_renewal_date') }} as date) as due_date,
        {{ dbt.concat([
            "'Renewal on '", as_text('facts.next_renewal_date'),
            "' (in '", as_text('facts.days_to_renewal'), "' days) with health '",
            "coalesce(" ~ as_text('facts.health_score') ~ ", 'n/a')", "' ('", "facts.health_band", "'); '",
            arr_text]) }} as reason
    from facts
    where facts.health_band in ('{{ var("cta_renewal_bands") | join("', '") }}')
      and facts.days_to_renewal <= {{ w }}
      and facts.days_to_renewal {% if lower is not none %}> {{ lower }}{% else %}>= 0{% endif %}

    union all
    {% endfor %}

    {# Release lines past end of support in production: the team's target is none. #}
    select
        facts.account_id,
        'end_of_support' as rule_code,
        {{ as_text('facts.quarter_start') }} as period_key,
        facts.quarter_start as opened_on,
        facts.quarter_end as due_date,
        {{ dbt.concat([
            "'Production runs release lines past end of support: '",
            "coalesce(facts.lines_end_of_support, 'see installations')", "'; '", arr_text]) }} as reason
    from facts
    where facts.is_end_of_support

    union all

    {# Production release lines N or more behind GA: the team's target is none. #}
    select
        facts.account_id,
        'version_behind' as rule_code,
        {{ as_text('facts.quarter_start') }} as period_key,
        facts.quarter_start as opened_on,
        facts.quarter_end as due_date,
        {{ dbt.concat([
            "'Production is '", as_text('facts.max_versions_behind'),
            "' release lines behind GA: '",
            "coalesce(facts.lines_behind, 'see installations')", "'; '", arr_text]) }} as reason
    from facts
    where facts.max_versions_behind >= {{ var('cta_version_min_lines_behind') }}

    union all

    {# Ticket surge against the account's own baseline rate. #}
    select
        facts.account_id,
        'ticket_surge' as rule_code,
        {{ as_text('facts.week_start') }} as period_key,
        facts.week_start as opened_on,
        cast({{ dbt.dateadd('day', 7, 'facts.week_start') }} as date) as due_date,
        {{ dbt.concat([
            as_text('facts.tickets_recent'), "' tickets in the last " ~ var('cta_ticket_surge_window_days')
                ~ " days vs '",
            format_one_decimal('facts.tickets_expected'), "' expected from the "
                ~ var('cta_ticket_surge_baseline_days') ~ " days before ('",
            as_text('facts.tickets_baseline'), "' tickets)'"]) }} as reason
    from (
        select
            facts.*,
            cast(facts.tickets_baseline * {{ var('cta_ticket_surge_window_days') }} as {{ type_double() }})
                / {{ var('cta_ticket_surge_baseline_days') }} as tickets_expected
        from facts
    ) as facts
    where facts.tickets_recent >= {{ var('cta_ticket_surge_min_tickets') }}
      and facts.tickets_recent >= {{ var('cta_ticket_surge_ratio') }} * facts.tickets_expected

    union all

    {# No completed CSM activity for N days (or none on record: then per quarter). #}
    select
        facts.account_id,
        'no_csm_activity' as rule_code,
        {{ as_text('coalesce(facts.last_activity_date, facts.quarter_start)') }} as period_key,
        cast(coalesce(
            {{ dbt.dateadd('day', var('cta_inactivity_days') | int, 'facts.last_activity_date') }},
            facts.quarter_start) as date) as opened_on,
        cast({{ dbt.dateadd('day', days_to_act, 'coalesce(' ~ dbt.dateadd('day', var('cta_inactivity_days') | int, 'facts.last_activity_date') ~ ', facts.quarter_start)') }} as date) as due_date,
        case
            when facts.last_activity_date is null then 'No completed CSM activity on record'
            else {{ dbt.concat(["'No completed CSM activity for '", as_text('facts.days_since_last_activity'),
                                "' days (last on '", as_text('facts.last_activity_date'), "')'"]) }}
        end as reason
    from facts
    where facts.days_since_last_activity >= {{ var('cta_inactivity_days') }}
       or facts.last_activity_date is null

    union all

    {# Seats bought but not used. #}
    select
        facts.account_id,
        'low_seat_utilization' as rule_code,
        {{ as_text('facts.quarter_start') }} as period_key,
        facts.quarter_start as opened_on,
        facts.quarter_end as due_date,
        {{ dbt.concat([
            "'Seat utilization '", as_whole_text('100 * facts.seat_utilization'), "'% ('",
            as_text('facts.seats_in_use'), "' of '", as_text('facts.seats_purchased'),
            "' seats in use), below " ~ (100 * var('cta_seat_utilization_below')) | round | int ~ "%'"]) }} as reason
    from facts
    where facts.seats_purchased > 0
      and facts.seat_utilization < {{ var('cta_seat_utilization_below') }}

    union all

    {# The latest NPS answer is a detractor's, and recent: close the loop. #}
    select
        facts.account_id,
        'nps_detractor' as rule_code,
        facts.nps_latest_response_id as period_key,
        facts.nps_latest_date as opened_on,
        cast({{ dbt.dateadd('day', days_to_act, 'facts.nps_latest_date') }} as date) as due_date,
        {{ dbt.concat([
            "'NPS detractor: latest answer '", as_text('facts.nps_latest'), "' of 10 on '",
            as_text('facts.nps_latest_date')]) }} as reason
    from facts
    where facts.nps_latest <= {{ var('cta_nps_detractor_max_score') }}
      and facts.nps_latest_date > {{ dbt.dateadd('day', -(var('cta_nps_lookback_days') | int), 'facts.as_of_date') }}

    union all

    {# Money overdue long enough for the CSM to help finance. #}
    select
        facts.account_id,
        'overdue_invoice' as rule_code,
        facts.oldest_overdue_invoice as period_key,
        cast({{ dbt.dateadd('day', var('cta_overdue_min_days') | int, 'facts.oldest_overdue_due_date') }} as date) as opened_on,
        cast({{ dbt.dateadd('day', (var('cta_overdue_min_days') | int) + days_to_act, 'facts.oldest_overdue_due_date') }} as date) as due_date,
        {{ dbt.concat([
            "'USD '", as_whole_text('facts.overdue_amount_usd'), "' overdue; oldest invoice '",
            "facts.oldest_overdue_invoice", "' due '", as_text('facts.oldest_overdue_due_date'),
            "' ('", as_text('facts.oldest_overdue_days'), "' days)'"]) }} as reason
    from facts
    where facts.oldest_overdue_days >= {{ var('cta_overdue_min_days') }}
      and facts.overdue_amount_usd >= {{ var('cta_overdue_min_usd') }}

),

actions as (

    select
        {{ dbt.hash(dbt.concat(['fired.account_id', "'|'", 'fired.rule_code', "'|'", 'fired.period_key'])) }} as cta_id,
        facts.as_of_date,
        fired.account_id,
        facts.account_name,
        facts.region,
        facts.segment,
        facts.owner_id,
        facts.csm_name,
        fired.rule_code,
        fired.period_key,
        case fired.rule_code
            {%- for w in windows %}
            when 'renewal_risk_{{ w }}d' then {{ priorities.get('renewal_risk_' ~ w ~ 'd', 2) }}
            {%- endfor %}
            {%- for code, priority in priorities.items() if not code.startswith('renewal_risk_') %}
            when '{{ code }}' then {{ priority }}
            {%- endfor %}
            else 3
        end as priority,
        fired.reason,
        fired.opened_on,
        fired.due_date,
        fired.due_date < facts.as_of_date as is_overdue,
        facts.arr_usd,
        facts.health_score,
        facts.health_band
    from fired
    inner join facts
        on facts.account_id = fired.account_id

)

select
    {{ contract_columns('actions') }}
from actions
