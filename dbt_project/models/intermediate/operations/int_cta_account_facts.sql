-- One row per customer account with every figure a call-to-action rule reads (int_cta_candidates
-- holds the rules only, so its unit tests give this table and marts.renewals). Figures are
-- customer_360's, plus the details a CSM needs in the reason text: which release lines are behind or past end
-- of support (int_cta_version_lines), the ticket counts of the surge window and its baseline, the
-- latest NPS answer and the oldest overdue invoice.

{%- set window = var('cta_ticket_surge_window_days') %}
{%- set baseline = var('cta_ticket_surge_baseline_days') %}

with accounts as (

    select * from {{ ref('customer_360') }}

),

owners as (

    select account_id, owner_id from {{ ref('int_customer_accounts') }}

),

activity as (

    select account_id, last_activity_date
    from {{ ref('int_accounts_measured') }}

),

tickets as (

    select
        account_id,
        cast(sum(tickets_surge_window) as {{ dbt.type_bigint() }}) as tickets_recent,
        cast(sum(tickets_surge_baseline) as {{ dbt.type_bigint() }}) as tickets_baseline
    from {{ ref('int_tickets_counted') }}
    group by account_id

),

overdue_ranked as (

    select
        account_id,
        invoice_number,
        due_date,
        days_overdue,
        row_number() over (partition by account_id order by due_date, invoice_number) as age_rank
    from {{ ref('int_invoices_overdue') }}
    where account_id is not null

)

select
    accounts.account_id,
    accounts.account_name,
    accounts.region,
    accounts.segment,
    owners.owner_id,
    accounts.csm_name,
    accounts.owner_is_active,
    {#- Who the account's calls to action go to: the owner while active, else the fallback queue. #}
    case when accounts.owner_is_active then accounts.csm_name else '{{ var("cta_fallback_queue") }}' end
        as cta_owner_name,
    case when accounts.owner_is_active then 'account_owner' else 'owner_inactive' end
        as cta_routing_reason,
    accounts.has_finance_record,
    accounts.as_of_date,
    accounts.arr_usd,
    accounts.health_score,
    accounts.health_band,
    accounts.next_renewal_date,
    accounts.days_to_renewal,
    accounts.max_versions_behind,
    accounts.is_end_of_support,
    version_lines.lines_behind,
    version_lines.lines_end_of_support,
    coalesce(tickets.tickets_recent, 0) as tickets_recent,
    coalesce(tickets.tickets_baseline, 0) as tickets_baseline,
    cast(coalesce(tickets.tickets_baseline, 0) * {{ window }} as {{ type_double() }}) / {{ baseline }} as tickets_expected,
    activity.last_activity_date,
    accounts.days_since_last_activity,
    accounts.customer_silent,
    accounts.days_since_customer_signal,
    accounts.engagement_trend,
    accounts.engagement_last_90d,
    accounts.engagement_prior_90d,
    accounts.stale_production_installations,
    accounts.stale_production_seats,
    accounts.seats_purchased,
    accounts.seats_in_use,
    accounts.seat_utilization,
    nps.nps_response_id as nps_latest_response_id,
    nps.score as nps_latest,
    nps.submitted_date as nps_latest_date,
    accounts.overdue_amount_usd,
    overdue.invoice_number as oldest_overdue_invoice,
    overdue.due_date as oldest_overdue_due_date,
    overdue.days_overdue as oldest_overdue_days
from accounts
left join owners
    on owners.account_id = accounts.account_id
left join activity
    on activity.account_id = accounts.account_id
left join {{ ref('int_cta_version_lines') }} as version_lines
    on version_lines.account_id = accounts.account_id
left join tickets
    on tickets.account_id = accounts.account_id
left join {{ ref('int_nps_responses_latest') }} as nps
    on nps.account_id = accounts.account_id
left join overdue_ranked as overdue
    on overdue.account_id = accounts.account_id
    and overdue.age_rank = 1
