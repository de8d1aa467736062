-- The calls to action that the rules call for tonight: one row per customer account and theme
-- whose condition holds on the as-of date, before any history (marts.cta_history gives each an
-- id and keeps it while the condition holds; docs/operations.md has the rules). A theme merges
-- the signals of one subject: version currency holds end of support and versions behind with
-- both reasons; renewal holds the account's contract renewals at a checkpoint, led by the most
-- important (highest tier, then the nearest). Every rule, severity, SLA and queue is a cta_* var.
-- The data_fix theme (no ERP customer resolves to the customer) goes to the data team's queue.

{%- set severity = var('cta_severity') %}
{%- set sla = var('cta_sla_days') %}
{%- set checkpoints = var('cta_renewal_windows_days') | map('int') | sort | list %}

{#- The account-level rules, in the order their reasons are listed within a theme. #}
{%- set account_rules = [
    {'theme': 'version_currency', 'code': 'end_of_support',
     'when': 'facts.is_end_of_support',
     'reason': dbt.concat(["'Production runs release lines past end of support: '",
                           "coalesce(facts.lines_end_of_support, 'see installations')"])},
    {'theme': 'version_currency', 'code': 'version_behind',
     'when': 'facts.max_versions_behind >= ' ~ var('cta_version_min_lines_behind'),
     'reason': dbt.concat(["'Production is '", as_text('facts.max_versions_behind'),
                           "' release lines behind GA: '",
                           "coalesce(facts.lines_behind, 'see installations')"])},
    {'theme': 'ticket_surge', 'code': 'ticket_surge',
     'when': 'facts.tickets_recent >= ' ~ var('cta_ticket_surge_min_tickets')
             ~ ' and facts.tickets_recent >= ' ~ var('cta_ticket_surge_ratio') ~ ' * facts.tickets_expected',
     'reason': dbt.concat([as_text('facts.tickets_recent'),
                           "' tickets in the last " ~ var('cta_ticket_surge_window_days') ~ " days vs '",
                           format_one_decimal('facts.tickets_expected'),
                           "' expected from the " ~ var('cta_ticket_surge_baseline_days') ~ " days before ('",
                           as_text('facts.tickets_baseline'), "' tickets)'"])},
    {'theme': 'csm_activity', 'code': 'no_csm_activity',
     'when': 'facts.days_since_last_activity >= ' ~ var('cta_inactivity_days') ~ ' or facts.last_activity_date is null',
     'reason': "case when facts.last_activity_date is null then 'No completed CSM activity on record' else "
               ~ dbt.concat(["'No completed CSM activity for '", as_text('facts.days_since_last_activity'),
                             "' days (last on '", as_text('facts.last_activity_date'), "')'"]) ~ " end"},
    {'theme': 'seat_utilization', 'code': 'low_seat_utilization',
     'when': 'facts.seats_purchased > 0 and facts.seat_utilization < ' ~ var('cta_seat_utilization_below'),
     'reason': dbt.concat(["'Seat utilization '", as_whole_text('100 * facts.seat_utilization'), "'% ('",
                           as_text('facts.seats_in_use'), "' of '", as_text('facts.seats_purchased'),
                           "' seats in use), below " ~ (100 * var('cta_seat_utilization_below')) | round | int ~ "%'"])},
    {'theme': 'nps', 'code': 'nps_detractor',
     'when': 'facts.nps_latest <= ' ~ var('cta_nps_detractor_max_score') ~ ' and facts.nps_latest_date > '
             ~ dbt.dateadd('day', -(var('cta_nps_lookback_days') | int), 'facts.as_of_date'),
     'reason': dbt.concat(["'NPS detractor: latest answer '", as_text('facts.nps_latest'), "' of 10 on '",
                           as_text('facts.nps_latest_date')])},
    {'theme': 'overdue_invoice', 'code': 'overdue_invoice',
     'when': 'facts.oldest_overdue_days >= ' ~ var('cta_overdue_min_days')
             ~ ' and facts.overdue_amount_usd >= ' ~ var('cta_overdue_min_usd'),
     'reason': dbt.concat(["'USD '", as_whole_text('facts.overdue_amount_usd'), "' overdue; oldest invoice '",
                           "facts.oldest_overdue_invoice", "' due '", as_text('facts.oldest_overdue_due_date'),
                           "' ('", as_text('facts.oldest_overdue_days'), "' days)'"])},
    {'theme': 'customer_silence', 'code': 'customer_silent',
     'when': 'facts.customer_silent',
     'reason': "case when facts.days_since_customer_signal is null then "
               ~ "'No customer signal on record (ticket, NPS answer, training completion or completed activity)' else "
               ~ dbt.concat(["'No customer signal for '", as_text('facts.days_since_customer_signal'),
                             "' days (ticket, NPS answer, training completion or completed activity)'"]) ~ " end"},
    {'theme': 'engagement', 'code': 'falling_engagement',
     'when': "facts.engagement_trend = 'falling'",
     'reason': dbt.concat(["'Engagement falling: '", as_text('facts.engagement_last_90d'),
                           "' tickets, completed activities and training completions in the last 90 days vs '",
                           as_text('facts.engagement_prior_90d'), "' in the 90 days before'"])},
    {'theme': 'stale_installations', 'code': 'stale_production_installations',
     'when': 'facts.stale_production_installations > 0',
     'reason': dbt.concat([as_text('facts.stale_production_installations'),
                           "' production installation(s) without a check-in for more than "
                           ~ var('stale_installation_days') ~ " days ('",
                           as_text('facts.stale_production_seats'), "' seats in use)'"])},
    {'theme': 'data_fix', 'code': 'missing_finance_record',
     'when': 'not facts.has_finance_record',
     'reason': "'No ERP customer resolves to this account, so its ARR, renewals and invoices are missing: "
               ~ "confirm its ERP customer in seeds/account_overrides.csv (see marts.unmatched_records)'"},
] %}

with facts as (

    select * from {{ ref('int_cta_account_facts') }}

),

renewals as (

    select
        renewals.*,
        tiers.support_tier_rank,
        case
            {%- for w in checkpoints %}
            when renewals.days_to_renewal <= {{ w }} then 'renewal_{{ w }}d'
            {%- endfor %}
        end as checkpoint_code
    from {{ ref('renewals') }} as renewals
    left join {{ ref('support_tiers') }} as tiers
        on tiers.support_tier = renewals.support_tier
    where renewals.days_to_renewal <= {{ checkpoints | last }}
      and (renewals.support_tier in ('{{ var("cta_renewal_tiers") | join("', '") }}')
           or renewals.health_band in ('{{ var("cta_renewal_bands") | join("', '") }}'))

),

signals as (

    {# Contract renewals at a checkpoint (120/90/60 days ahead): premium support and TAM always,
       any tier when the account's health is a risk. The condition is the contract renewal and
       its checkpoint, so each checkpoint opens a new call to action. #}
    select
        renewals.account_id,
        'renewal' as theme,
        renewals.checkpoint_code as reason_code,
        case
            when renewals.health_band in ('{{ var("cta_renewal_bands") | join("', '") }}')
                then {{ severity['renewal_health_risk'] }}
            {%- for w in checkpoints %}
            when renewals.checkpoint_code = 'renewal_{{ w }}d' then {{ severity['renewal_' ~ w ~ 'd'] }}
            {%- endfor %}
        end as severity,
        {{ dbt.concat(['renewals.contract_id', "'|'", as_text('renewals.renewal_date'), "'|'", 'renewals.checkpoint_code']) }}
            as condition_key,
        row_number() over (
            partition by renewals.account_id
            order by renewals.support_tier_rank desc, renewals.renewal_date, renewals.contract_id
        ) as lead_order,
        coalesce(renewals.arr_usd, 0) as arr_at_stake_usd,
        renewals.renewal_date as due_cap,
        {{ dbt.concat([
            "'Contract '", "renewals.contract_id", "' ('", "renewals.support_tier", "', '",
            "renewals.product_codes", "', ARR USD '", "coalesce(" ~ as_whole_text('renewals.arr_usd') ~ ", 'n/a')",
            "') renews '", as_text('renewals.renewal_date'), "' in '", as_text('renewals.days_to_renewal'),
            "' days'",
            "case when renewals.auto_renew then ', auto-renew' else '' end",
            "coalesce(" ~ dbt.concat(["'; Renewal opportunity '", "renewals.renewal_opportunity_stage"]) ~ ", '; no open Renewal opportunity')",
            "'; health '", "coalesce(renewals.health_band, 'n/a')"]) }} as reason
    from renewals

    {# Every other theme: one signal per rule that holds, about the account as a whole (its
       condition is the theme itself, so it continues while any of its reasons fires). #}
    {%- for rule in account_rules %}

    union all

    select
        facts.account_id,
        '{{ rule.theme }}' as theme,
        '{{ rule.code }}' as reason_code,
        {{ severity[rule.code] }} as severity,
        '{{ rule.theme }}' as condition_key,
        {{ loop.index }} as lead_order,
        facts.arr_usd as arr_at_stake_usd,
        cast(null as date) as due_cap,
        {{ rule.reason }} as reason
    from facts
    where {{ rule.when }}
    {%- endfor %}

),

-- A theme's signals in their lead_order, which is unique within an account and theme (a rule's
-- place in the list, or a renewal's rank among the account's contracts): the lead is the
-- signal of the lowest, and a theme with several lists its reasons in that order.
themes as (

    select
        account_id,
        theme,
        min(lead_order) as lead_order,
        min(severity) as severity,
        -- decimal(18, 2), the type of the amounts at stake (a sum of them would be 128-bit)
        cast(case when theme = 'renewal' then sum(arr_at_stake_usd) else max(arr_at_stake_usd) end
            as decimal(18, 2)) as arr_at_stake_usd,
        min(due_cap) as due_cap,
        count(*) as signals
    from signals
    group by account_id, theme

),

-- Most themes have one signal, whose reason and code are the theme's (the lead's). Only the
-- themes with several signals list them (an ordered listagg sorts each group's rows: about a
-- second at 100 000 accounts when every theme went through it).
several as (

    select signals.*
    from signals
    inner join themes
        on themes.account_id = signals.account_id
        and themes.theme = signals.theme
    where themes.signals > 1

),

reason_lists as (

    select
        account_id,
        theme,
        {{ dbt.listagg('reason', "'; '", 'order by lead_order') }} as reason
    from several
    group by account_id, theme

),

reason_codes as (

    select distinct account_id, theme, reason_code
    from several

),

reason_code_lists as (

    select
        account_id,
        theme,
        {{ dbt.listagg('reason_code', "','", 'order by reason_code') }} as reasons
    from reason_codes
    group by account_id, theme

),

candidates as (

    select
        facts.as_of_date,
        themes.account_id,
        themes.theme,
        lead.condition_key,
        coalesce(reason_code_lists.reasons, lead.reason_code) as reasons,
        coalesce(reason_lists.reason, lead.reason) as reason,
        themes.severity,
        {# One priority step lower when less than cta_priority_arr_usd is at stake. #}
        case
            when themes.severity + case when themes.arr_at_stake_usd >= {{ var('cta_priority_arr_usd') }} then 0 else 1 end > 4 then 4
            else themes.severity + case when themes.arr_at_stake_usd >= {{ var('cta_priority_arr_usd') }} then 0 else 1 end
        end as priority,
        themes.arr_at_stake_usd,
        case
            when themes.theme = 'data_fix' then '{{ var("cta_data_team_queue") }}'
            else facts.cta_owner_name
        end as owner_name,
        case when themes.theme = 'data_fix' then 'data_team' else facts.cta_routing_reason end
            as routing_reason,
        {# Due after the theme's SLA from tonight, a renewal's no later than its renewal date:
           never before the as-of date the call to action is created on. #}
        case
            {%- for theme, days in sla.items() %}
            when themes.theme = '{{ theme }}' then cast({{ dbt.dateadd('day', days | int, 'facts.as_of_date') }} as date)
            {%- endfor %}
        end as sla_due_date,
        themes.due_cap
    from themes
    inner join signals as lead
        on lead.account_id = themes.account_id
        and lead.theme = themes.theme
        and lead.lead_order = themes.lead_order
    left join reason_lists
        on reason_lists.account_id = themes.account_id
        and reason_lists.theme = themes.theme
    left join reason_code_lists
        on reason_code_lists.account_id = themes.account_id
        and reason_code_lists.theme = themes.theme
    inner join facts
        on facts.account_id = themes.account_id

),

-- Of the calls to action that share an owner and an SLA date, at most cta_due_per_owner_per_day
-- are due on it; the less urgent ones (by priority, ARR at stake, account, theme) are due a day
-- later per batch, so a first night does not put a whole book of business on one due date.
staggered as (

    select
        candidates.*,
        cast({{ dbt.dateadd(
            'day',
            'cast(floor((row_number() over (partition by candidates.owner_name, candidates.sla_due_date '
                ~ 'order by candidates.priority, candidates.arr_at_stake_usd desc, candidates.account_id, candidates.theme) - 1) / '
                ~ var('cta_due_per_owner_per_day') ~ '.0) as ' ~ dbt.type_int() ~ ')',
            'candidates.sla_due_date') }} as date) as staggered_due_date
    from candidates

)

select
    as_of_date,
    account_id,
    theme,
    condition_key,
    reasons,
    reason,
    severity,
    priority,
    arr_at_stake_usd,
    owner_name,
    routing_reason,
    case when due_cap < staggered_due_date then due_cap else staggered_due_date end as due_date_if_new
from staggered
