-- One row per customer account with every figure a call-to-action rule reads (int_cta_candidates
-- holds the rules only, so its unit tests give this table and marts.renewals). Figures are
-- customer_360's, plus the details a CSM needs in the reason text: which release lines are behind or past end
-- of support, the ticket counts of the surge window and its baseline, the latest NPS answer and
-- the oldest overdue invoice.

{%- set min_behind = var('cta_version_min_lines_behind') %}
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

latest_ga as (

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

version_lines as (

    select
        account_id,
        {{ dbt.listagg(
            "case when versions_behind >= " ~ min_behind ~ " then "
                ~ dbt.concat(["product_code", "' '", "release_line", "' ('",
                              "cast(versions_behind as " ~ dbt.type_string() ~ ")",
                              "' behind, GA '", "latest_ga_line", "')'"]) ~ " end",
            "'; '",
            "order by product_code, line_major, line_minor") }} as lines_behind,
        {{ dbt.listagg(
            "case when is_end_of_support then "
                ~ dbt.concat(["product_code", "' '", "release_line", "' (ended '",
                              "cast(line_end_of_support_date as " ~ dbt.type_string() ~ ")", "')'"]) ~ " end",
            "'; '",
            "order by product_code, line_major, line_minor") }} as lines_end_of_support
    from installed_lines
    group by account_id

),

tickets as (

    select
        account_id,
        sum(case when created_date > {{ days_before_as_of(window) }}
                  and created_date <= {{ as_of_date() }} then 1 else 0 end) as tickets_recent,
        sum(case when created_date > {{ days_before_as_of(window + baseline) }}
                  and created_date <= {{ days_before_as_of(window) }} then 1 else 0 end) as tickets_baseline
    from {{ ref('int_tickets_as_of') }}
    where account_id is not null
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
left join version_lines
    on version_lines.account_id = accounts.account_id
left join tickets
    on tickets.account_id = accounts.account_id
left join {{ ref('int_nps_responses_latest') }} as nps
    on nps.account_id = accounts.account_id
left join overdue_ranked as overdue
    on overdue.account_id = accounts.account_id
    and overdue.age_rank = 1
