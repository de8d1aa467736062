"""The account brief: everything a CSM needs before a customer call, on one printable page.

Opened by URL, ``<app>/brief?account=<account_id>``, or by searching a name.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from cs_pipeline.app import display, queries

# Printing the page prints the brief alone: no sidebar, header or toolbar.
st.html("""<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], .no-print { display: none !important; }
  .block-container { padding-top: 0 !important; }
}
</style>""")

account_id = st.query_params.get("account")
with display.page_cursor() as cur:
    if not account_id:
        st.title("Account brief")
        text = st.text_input("Account name or id", key="brief_search")
        if text:
            found = queries.find_accounts(cur, text)
            display.table(display.with_brief_links(found))
        st.stop()
    account = queries.account(cur, account_id)
    if account is None:
        st.title("Account brief")
        st.error(f"No customer account {account_id!r} in marts.customer_360.")
        st.stop()
    trend = queries.health_trend(cur, account_id)
    movement = queries.score_movement(cur, account_id)
    renewals = queries.renewals(cur, account_id)
    tickets = queries.open_tickets(cur, account_id)
    nps = queries.latest_nps(cur, account_id)
    training = queries.training(cur, account_id)
    installations = queries.installations(cur, account_id)
    ctas = queries.open_ctas(cur, account_id)
    children = queries.children(cur, account_id)
    family = queries.account_family(cur, account["ultimate_parent_account_id"])

a = account
st.title(a["account_name"])
identity = [a["account_id"], a["region"], a["segment"], f"CSM {a['csm_name'] or '–'}",
            f"as of {display.date(a['as_of_date'])}"]
st.caption(" · ".join(str(part) for part in identity if part))
if a["parent_account_id"]:
    top = a["ultimate_parent_account_id"]
    st.markdown(f"Part of [{a['parent_account_name'] or a['parent_account_id']}]"
                f"({display.brief_url(a['parent_account_id'])})"
                + (f", in the family of [{a['ultimate_parent_account_name'] or top}]"
                   f"({display.brief_url(top)})" if top not in (a["parent_account_id"],
                                                                 a["account_id"]) else ""))

# --- health -----------------------------------------------------------------------------------
display.metric_row(
    display.Metric("Health score", display.number(a["health_score"]),
                   delta=a["health_score_change_30d"], help="0–100; the change is over 30 days"),
    display.Metric("Health band", display.label(a["health_band"])),
    display.Metric("Confidence", display.label(a["health_confidence"]),
                   help=f"{display.percent(a['health_coverage'])} of the score's weight has data"),
    display.Metric("Trend (30 days)", display.label(a["health_trend"])),
)
display.metric_row(
    display.Metric("ARR", display.usd(a["arr_usd"])),
    display.Metric("Next renewal", display.days(a["days_to_renewal"]),
                   help=f"on {display.date(a['next_renewal_date'])}"),
    display.Metric("Support tier", display.label(a["support_tier"])),
)

chart_column, drivers_column = st.columns([3, 2])
with chart_column:
    st.subheader("Health over time")
    # A point is as solid as its score's confidence: a faint one had little data behind it, as
    # had one from before the history kept confidence (not recorded: drawn as low, not as high).
    trend = trend.fillna({"health_confidence": "not recorded"})
    opacities = {"high": 1.0, "medium": 0.55, "low": 0.2, "not recorded": 0.2}
    shown = [c for c in opacities if c in set(trend["health_confidence"])]
    days = alt.Axis(format="%d %b", tickCount={"interval": "day", "step": 1}, labelOverlap=True)
    base = alt.Chart(trend).encode(
        x=alt.X("yearmonthdate(as_of_date):T", title="as of", axis=days),
        y=alt.Y("health_score:Q", title="health score", scale=alt.Scale(domain=[0, 100])),
    )
    points = base.mark_circle(size=70).encode(
        opacity=alt.Opacity("health_confidence:N", title="confidence",
                            scale=alt.Scale(domain=shown, range=[opacities[c] for c in shown])),
        tooltip=["as_of_date:T", "health_score:Q", "health_band:N", "health_confidence:N"],
    )
    st.altair_chart((base.mark_line() + points).properties(height=220), width="stretch")
with drivers_column:
    st.subheader("What drives the score")
    st.markdown(f"Pulled down most by: **{a['health_drivers'] or 'nothing'}**")
    if a["health_change_explained"] is not None:
        st.markdown(f"Over 30 days the score moved **{a['health_change_30d']:+.1f}** points: "
                    f"{a['health_change_explained']}")
    previous = movement.previous_as_of.dropna()
    st.caption(f"Components (0–100) now and at the previous snapshot "
               f"({display.date(previous.iloc[0].date()) if len(previous) else 'none yet'})")
    display.table(movement.drop(columns=["previous_as_of"]),
                  **{c: st.column_config.NumberColumn(display.label(c), format="%.1f")
                     for c in ("score_now", "score_before", "change")})

# --- renewals ---------------------------------------------------------------------------------
st.subheader("Renewals")
display.table(renewals)

# --- support and sentiment ---------------------------------------------------------------------
st.subheader("Support and sentiment")
display.metric_row(
    display.Metric("Open tickets", display.number(a["open_tickets"])),
    display.Metric("Urgent open", display.number(a["urgent_open_tickets"])),
    display.Metric("Tickets, 90 days", display.number(a["tickets_90d"])),
    display.Metric("CSAT, 90 days", display.percent(a["csat_90d"])),
    display.Metric("Latest NPS", display.number(a["nps_latest"])),
    display.Metric("Overdue invoices", display.usd(a["overdue_amount_usd"])),
)
if len(tickets):
    display.table(tickets)
if nps and nps["comment"]:
    st.markdown(f"NPS {nps['score']} on {display.date(nps['submitted_date'])}:")
    st.text(nps["comment"])

# --- engagement -----------------------------------------------------------------------------------
st.subheader("Engagement")
if a["customer_silent"]:
    since = a["days_since_customer_signal"]
    st.warning("Silent customer: no ticket, survey answer, training completion or CSM activity "
               + ("ever." if since is None else f"for {display.days(since)}."))
display.metric_row(
    display.Metric("Engagement, 90 days", display.number(a["engagement_last_90d"]),
                   delta=a["engagement_last_90d"] - a["engagement_prior_90d"],
                   help="tickets, CSM activities and training completions; the change is "
                        "against the 90 days before"),
    display.Metric("Engagement trend", display.label(a["engagement_trend"])),
    display.Metric("Days since a customer signal", display.number(a["days_since_customer_signal"])),
    display.Metric("Days since CSM activity", display.number(a["days_since_last_activity"])),
)

# --- adoption: training and installations -------------------------------------------------------
st.subheader("Adoption")
display.metric_row(
    display.Metric("Trained users", display.number(a["trained_users"])),
    display.Metric("Seats purchased", display.number(a["seats_purchased"])),
    display.Metric("Seats in use", display.number(a["seats_in_use"])),
    display.Metric("Seat utilization", display.percent(a["seat_utilization"])),
    display.Metric("Max lines behind GA", display.number(a["max_versions_behind"]),
                   help="end of support reached" if a["is_end_of_support"] else None),
    display.Metric("Stale installations", display.number(a["stale_production_installations"]),
                   help=f"production, no check-in for over 30 days: "
                        f"{display.number(a['stale_production_seats'])} seats"),
)
display.table(installations)
if len(training):
    display.table(training)

# --- next actions and the account family ---------------------------------------------------------
st.subheader("Open calls to action")
if len(ctas):
    display.table(ctas, reason=st.column_config.TextColumn("reason", width="large"))
else:
    st.caption("None.")
if family and family["family_accounts"] > 1:
    st.subheader("Account family")
    display.metric_row(
        display.Metric("Accounts", display.number(family["family_accounts"])),
        display.Metric("Family ARR", display.usd(family["family_arr_usd"])),
        display.Metric("Family health", display.number(family["family_health_score"]),
                       help="ARR-weighted over the family's scored accounts"),
        display.Metric("Worst band", display.label(family["worst_health_band"])),
        display.Metric("Renewing in 120 days", display.usd(family["renewing_arr_120d_usd"]),
                       help=f"{display.number(family['contract_renewals_120d'])} contract "
                            "renewals"),
    )
if len(children):
    st.subheader("Child accounts")
    display.table(display.with_brief_links(children))
