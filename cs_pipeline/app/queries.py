"""The cockpit's data layer: every query the pages run, against the published warehouse.

Each function takes a cursor from :meth:`cs_pipeline.app.warehouse.Warehouse.cursor` and its
inputs as values, which reach DuckDB as bound parameters (``$name``), never as SQL text. A page
shows what these return and computes nothing itself, so ``bench/app_speed.py`` can time a page
by running its queries.

Queries of one account filter on ``account_id`` first; the portfolio aggregates
``marts.customer_360`` (one row per account), never the fact tables. The marts are the
contracted interface; the brief also reads the detail rows the marts are built from
(tickets, installations, enrollments, subscription lines, NPS comments) from
``intermediate``/``staging``, which the published file carries as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from cs_pipeline.quality.thresholds import threshold

Row = dict[str, Any]
Cursor = duckdb.DuckDBPyConnection
Params = dict[str, Any] | None

OPEN_TICKET_STATUSES = ("new", "open", "pending", "hold")  # the contract's open_tickets
HEALTH_BANDS = ("healthy", "monitor", "at_risk", "critical")
HEALTH_COMPONENTS = (
    "support", "sentiment", "adoption", "training", "version", "financial", "engagement",
)


def _rows(cur: Cursor, sql: str, params: Params = None) -> list[Row]:
    result = cur.execute(sql, params or {})
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _frame(cur: Cursor, sql: str, params: Params = None) -> pd.DataFrame:
    return cur.execute(sql, params or {}).df()


# --- the build ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    as_of_date: dt.date | None
    built_at: dt.datetime | None  # when the run that built this warehouse published it (UTC)
    accounts: int


def freshness(cur: Cursor) -> Freshness:
    """What the sidebar says of the data: marts.build_info, written by every publish."""
    row = _rows(cur, """
        select
            (select max(as_of) from marts.build_info) as as_of_date,
            (select max(built_at) from marts.build_info) as built_at,
            (select count(*) from marts.customer_360) as accounts
    """)[0]
    return Freshness(row["as_of_date"], row["built_at"], row["accounts"])


# --- portfolio ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The portfolio's filters; None means all."""

    csm_name: str | None = None
    region: str | None = None
    segment: str | None = None
    health_band: str | None = None

    def params(self) -> dict[str, Any]:
        return {"csm": self.csm_name, "region": self.region, "segment": self.segment,
                "band": self.health_band}


# Applied to marts.customer_360 as `c`: every filter is a parameter, null meaning "all".
_FILTERED = """
    ($csm is null or c.csm_name = $csm)
    and ($region is null or c.region = $region)
    and ($segment is null or c.segment = $segment)
    and ($band is null or c.health_band = $band)
"""


def filter_options(cur: Cursor) -> dict[str, list[str]]:
    """The distinct values each portfolio filter offers."""
    row = _rows(cur, """
        select
            list(distinct csm_name order by csm_name) filter (csm_name is not null) as csm_name,
            list(distinct region order by region) filter (region is not null) as region,
            list(distinct segment order by segment) filter (segment is not null) as segment
        from marts.customer_360
    """)[0]
    return {**{k: list(v or []) for k, v in row.items()}, "health_band": list(HEALTH_BANDS)}


def portfolio_bands(cur: Cursor, filters: Filters) -> pd.DataFrame:
    """Accounts and ARR per health band (unscored accounts as band null), healthiest first."""
    return _frame(cur, f"""
        select
            c.health_band,
            count(*) as accounts,
            sum(c.arr_usd) as arr_usd
        from marts.customer_360 as c
        where {_FILTERED}
        group by c.health_band
        order by case c.health_band
            when 'healthy' then 1 when 'monitor' then 2 when 'at_risk' then 3
            when 'critical' then 4 else 5 end
    """, filters.params())


def renewal_risk_window_days() -> int:
    """The widest renewal checkpoint of the calls to action (dbt var cta_renewal_windows_days)."""
    return max(threshold("cta_renewal_windows_days"))


def renewal_risk_bands() -> list[str]:
    return list(threshold("cta_renewal_bands"))


def accounts_at_risk(cur: Cursor, filters: Filters) -> pd.DataFrame:
    """Accounts in a risk band whose next renewal falls within the widest renewal window."""
    return _frame(cur, f"""
        select
            c.account_id, c.account_name, c.csm_name, c.region, c.segment,
            c.health_score, c.health_band, c.arr_usd, c.next_renewal_date, c.days_to_renewal,
            c.health_drivers
        from marts.customer_360 as c
        where {_FILTERED}
            and list_contains($risk_bands, c.health_band)
            and c.days_to_renewal between 0 and $window
        order by c.days_to_renewal, c.arr_usd desc, c.account_id
    """, {**filters.params(), "risk_bands": renewal_risk_bands(),
          "window": renewal_risk_window_days()})


def version_scoreboard(cur: Cursor, filters: Filters) -> pd.DataFrame:
    """Per product, of the accounts running it in production: the share on a current line,
    how many are 2+ lines behind GA and how many run a line past its end of support."""
    return _frame(cur, f"""
        select
            p.product_code,
            count(*) as accounts,
            avg(case when p.is_version_current then 1.0 else 0.0 end) as share_current,
            count(*) filter (where p.max_versions_behind >= 2) as accounts_2_plus_behind,
            count(*) filter (where p.is_end_of_support) as accounts_end_of_support
        from marts.customer_product_360 as p
        inner join marts.customer_360 as c
            on c.account_id = p.account_id
        where p.production_installations > 0 and {_FILTERED}
        group by p.product_code
        order by p.product_code
    """, filters.params())


# --- my actions -----------------------------------------------------------------------------


def cta_owners(cur: Cursor) -> list[str]:
    """Everyone with open calls to action: account owners and the queues (the fallback queue of
    inactive or missing owners, the data team's queue)."""
    return [r["owner_name"] for r in _rows(cur, """
        select distinct owner_name from marts.calls_to_action
        where status = 'open' order by owner_name
    """)]


def actions_of(cur: Cursor, owner: str) -> pd.DataFrame:
    """One owner's (or queue's) open calls to action, in work order (rank)."""
    return _frame(cur, """
        select
            a.rank, a.priority, a.due_date, a.is_overdue, a.account_id, a.account_name, a.theme,
            a.reason, a.arr_at_stake_usd, a.health_band, a.opened_on, a.routing_reason
        from marts.calls_to_action as a
        where a.owner_name = $owner and a.status = 'open'
        order by a.rank
    """, {"owner": owner})


# --- the account brief ----------------------------------------------------------------------


def account(cur: Cursor, account_id: str) -> Row | None:
    """The account's customer_360 row, with the names of its parent and of its family's top."""
    rows = _rows(cur, """
        select
            c.*,
            p.account_name as parent_account_name,
            u.account_name as ultimate_parent_account_name
        from marts.customer_360 as c
        left join marts.customer_360 as p
            on p.account_id = c.parent_account_id
        left join marts.customer_360 as u
            on u.account_id = c.ultimate_parent_account_id
        where c.account_id = $id
    """, {"id": account_id})
    return rows[0] if rows else None


def account_family(cur: Cursor, ultimate_parent_account_id: str) -> Row | None:
    """The family (the top of a ParentId chain and every account below it) the account is in."""
    rows = _rows(cur, """
        select
            family_accounts, direct_children, all_descendants, family_arr_usd,
            family_health_score, worst_health_band, contract_renewals_120d,
            renewing_arr_120d_usd, accounts_renewing_120d
        from marts.account_family_360
        where ultimate_parent_account_id = $id
    """, {"id": ultimate_parent_account_id})
    return rows[0] if rows else None


def find_accounts(cur: Cursor, text: str, limit: int = 20) -> pd.DataFrame:
    """Accounts whose name or id contains ``text`` (case-insensitive), for the brief's picker."""
    return _frame(cur, """
        select account_id, account_name, csm_name, health_band
        from marts.customer_360
        where contains(lower(account_name), lower($text)) or account_id = $text
        order by account_name, account_id
        limit $limit
    """, {"text": text, "limit": limit})


def health_trend(cur: Cursor, account_id: str) -> pd.DataFrame:
    """The account's score at every snapshot of marts.health_history, with its band and how
    much of the score's weight had data (confidence; null in snapshots from before it was kept)."""
    return _frame(cur, """
        select as_of_date, health_score, health_band, health_confidence
        from marts.health_history
        where account_id = $id
        order by as_of_date
    """, {"id": account_id})


def score_movement(cur: Cursor, account_id: str) -> pd.DataFrame:
    """Each health component now and at the account's previous snapshot (before the as-of
    date), with the change: what moved the score since the last snapshot."""
    now = ", ".join(f"c.health_{n}" for n in HEALTH_COMPONENTS)
    before = ", ".join(f"h.health_{n}" for n in HEALTH_COMPONENTS)
    return _frame(cur, f"""
        with previous as (
            select *
            from marts.health_history
            where account_id = $id
                and as_of_date < (select as_of_date from marts.customer_360 where account_id = $id)
            order by as_of_date desc
            limit 1
        ),
        now_and_before as (
            select
                h.as_of_date as previous_as_of,
                unnest([{', '.join(repr(n) for n in HEALTH_COMPONENTS)}]) as component,
                unnest([{now}]) as score_now,
                unnest([{before}]) as score_before
            from marts.customer_360 as c
            left join previous as h on true
            where c.account_id = $id
        )
        select component, score_now, score_before, score_now - score_before as change,
               previous_as_of
        from now_and_before
    """, {"id": account_id})


def renewals(cur: Cursor, account_id: str) -> pd.DataFrame:
    """The account's contract renewals in the next 180 days (marts.renewals)."""
    return _frame(cur, """
        select
            contract_id, renewal_date, days_to_renewal, renewal_window, support_tier, arr_usd,
            product_codes, auto_renew, renewal_opportunity_stage
        from marts.renewals
        where account_id = $id
        order by renewal_date, contract_id
    """, {"id": account_id})


def open_tickets(cur: Cursor, account_id: str, limit: int = 5) -> pd.DataFrame:
    """The account's latest open tickets (urgent and high first), with their age in days."""
    return _frame(cur, """
        select
            t.ticket_id, t.subject, t.priority, t.status,
            c.as_of_date - cast(t.created_at as date) as age_days
        from intermediate.int_tickets_resolved as t
        inner join marts.customer_360 as c
            on c.account_id = t.account_id
        where t.account_id = $id
            and list_contains($open, t.status)
            and cast(t.created_at as date) <= c.as_of_date
        order by
            case when t.priority in ('urgent', 'high') then 0 else 1 end,
            t.created_at desc, t.ticket_id
        limit $limit
    """, {"id": account_id, "open": list(OPEN_TICKET_STATUSES), "limit": limit})


def latest_nps(cur: Cursor, account_id: str) -> Row | None:
    rows = _rows(cur, """
        select n.score, n.submitted_date, r.comment
        from intermediate.int_nps_responses_latest as n
        left join staging.stg_crm__nps_response as r
            on r.nps_response_id = n.nps_response_id
        where n.account_id = $id
    """, {"id": account_id})
    return rows[0] if rows else None


def training(cur: Cursor, account_id: str) -> pd.DataFrame:
    """Completed courses by the account's learners up to as-of: learners and latest completion."""
    return _frame(cur, """
        select
            e.course_code, e.product_code,
            count(distinct lower(e.user_email)) as learners,
            max(e.completed_date) as latest_completion
        from intermediate.int_enrollments_completed as e
        inner join marts.customer_360 as c
            on c.account_id = e.account_id
        where e.account_id = $id and e.completed_date <= c.as_of_date
        group by e.course_code, e.product_code
        order by latest_completion desc, e.course_code
    """, {"id": account_id})


def installations(cur: Cursor, account_id: str) -> pd.DataFrame:
    """Installations per product: version, release lines behind GA, end of support, check-in."""
    return _frame(cur, """
        select
            v.product_code, v.environment, v.version, v.release_line,
            v.versions_behind, v.line_end_of_support_date as end_of_support,
            v.is_end_of_support, v.seats_in_use, i.last_checkin_at
        from intermediate.int_installation_versions as v
        left join intermediate.int_installations_resolved as i
            on i.installation_id = v.installation_id and i.account_id = $id
        where v.account_id = $id
        order by v.product_code,
            case v.environment when 'production' then 0 else 1 end, v.environment,
            v.installation_id
    """, {"id": account_id})


def open_ctas(cur: Cursor, account_id: str) -> pd.DataFrame:
    return _frame(cur, """
        select priority, due_date, is_overdue, theme, reason, owner_name
        from marts.calls_to_action
        where account_id = $id and status = 'open'
        order by rank
    """, {"id": account_id})


def children(cur: Cursor, account_id: str) -> pd.DataFrame:
    """Accounts whose parent is this one (figures are per account, never rolled up)."""
    return _frame(cur, """
        select account_id, account_name, region, segment, arr_usd, health_score, health_band
        from marts.customer_360
        where parent_account_id = $id
        order by account_name, account_id
    """, {"id": account_id})


# --- version lookup -------------------------------------------------------------------------


def release_lines(cur: Cursor) -> pd.DataFrame:
    """Every product and release line installed at some customer, newest line first."""
    return _frame(cur, """
        select product_code, release_line, count(distinct account_id) as accounts
        from intermediate.int_installation_versions
        where account_id is not null and release_line is not null
        group by product_code, release_line, line_major, line_minor
        order by product_code, line_major desc, line_minor desc
    """)


def accounts_on_line(
    cur: Cursor, product_code: str, release_line: str,
    environment: str | None = None,
) -> pd.DataFrame:
    """Customer accounts running ``product_code`` on ``release_line``, per environment."""
    return _frame(cur, """
        select
            c.account_id, c.account_name, c.csm_name, c.region, v.environment,
            count(*) as installations,
            sum(v.seats_in_use) as seats_in_use,
            string_agg(distinct v.version, ', ' order by v.version) as versions,
            bool_or(v.is_end_of_support) as is_end_of_support
        from intermediate.int_installation_versions as v
        inner join marts.customer_360 as c
            on c.account_id = v.account_id
        where v.product_code = $product and v.release_line = $line
            and ($environment is null or v.environment = $environment)
        group by c.account_id, c.account_name, c.csm_name, c.region, v.environment
        order by c.account_name, c.account_id, v.environment
    """, {"product": product_code, "line": release_line, "environment": environment})


# --- data quality ---------------------------------------------------------------------------


def records_left_out(cur: Cursor) -> pd.DataFrame:
    """Per source and entity: raw rows, rows quarantined and records reaching no account."""
    return _frame(cur, """
        select
            s.source, s.entity, s.raw_rows, s.quarantined, s.unmatched, s.match_rate,
            s.min_match_rate, s.unaccounted, s.dated_after_as_of
        from marts.data_quality_summary as s
        order by s.source, s.entity
    """)


def unmatched_reasons(cur: Cursor) -> pd.DataFrame:
    return _frame(cur, """
        select source, entity, reason, count(*) as records
        from marts.unmatched_records
        group by source, entity, reason
        order by source, entity, records desc, reason
    """)


def quarantine_rules(cur: Cursor) -> pd.DataFrame:
    return _frame(cur, """
        select source, entity, rule, column_name, count(*) as records
        from marts.quarantined_records
        group by source, entity, rule, column_name
        order by source, entity, records desc, rule
    """)


def row_count_changes(cur: Cursor) -> pd.DataFrame:
    """Each extract's rows at its latest load beside the load before (the row-count check)."""
    return _frame(cur, """
        with ranked as (
            select
                table_name, source_file, row_count, loaded_at, file_modified_at,
                row_number() over (partition by table_name order by loaded_at desc) as recency
            from raw._load_history
        )
        select
            latest.source_file, latest.row_count as rows, before.row_count as previous_rows,
            latest.loaded_at, latest.file_modified_at
        from ranked as latest
        left join ranked as before
            on before.table_name = latest.table_name and before.recency = 2
        where latest.recency = 1
        order by latest.source_file
    """)
