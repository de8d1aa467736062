"""Nightly operations: health history, calls to action and KPIs across several real runs.

The module fixture runs the whole pipeline (real files, DuckDB, dbt, GX, publish) three times on
one small generated sample, reading the published warehouse after each run as a BI tool would:

1. as-of D-30: the first snapshot of ``marts.health_history``;
2. as-of D: a second date, so ``health_score_change_30d`` has a snapshot 30 days back;
3. as-of D again, after deleting the build file: the run must restore the build from the
   published warehouse (history survives) and give the same calls to action;

and then backfills D-31 (``make backfill``), which must add history and change nothing else.

``restore_build`` itself is also tested directly, without Dagster.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline.backfill import BackfillError, backfill, scratch_warehouse
from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import dbt_resource
from cs_pipeline.definitions import all_assets, all_checks
from cs_pipeline.publish import restore_build, wal_path
from cs_pipeline.sample_data.generator import generate
from cs_pipeline.sample_data.planted import (
    BRIGHTWATER,
    HOKUSEI,
    KESTREL,
    KESTREL_UK,
    TERN,
    TERN_GROUP,
)

AS_OF = dt.date(2026, 11, 1)
EARLIER = AS_OF - dt.timedelta(days=30)
ACCOUNTS = 30
TREND_MIN_CHANGE = 5  # dbt var health_trend_min_change

Rows = list[dict[str, object]]


@dataclass(frozen=True)
class Published:
    """What BI saw in the published warehouse after one run."""

    history: Rows
    customer_360: Rows
    calls_to_action: Rows
    cta_history: Rows
    kpis: Rows


@dataclass(frozen=True)
class Runs:
    first: Published  # as-of D-30
    second: Published  # as-of D
    third: Published  # as-of D again, after the build file was deleted, as a full refresh
    build_was_restored: bool
    config: CsConfig  # as of D: the warehouse BI reads


def _materialize(
    extracts: Path, warehouse: Path, as_of: dt.date, *, full_refresh: bool = False
) -> CsConfig:
    config = CsConfig(extracts_dir=str(extracts), warehouse=str(warehouse),
                      as_of=as_of.isoformat(), full_refresh=full_refresh)
    result = dg.materialize(
        [*all_assets, *all_checks], resources={"cs_config": config, "dbt": dbt_resource}
    )
    assert result.success
    return config


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> Rows:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _published(warehouse: Path) -> Published:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return Published(
            history=_rows(con, "select * from marts.health_history order by all"),
            customer_360=_rows(con, "select * from marts.customer_360 order by account_id"),
            calls_to_action=_rows(con, "select * from marts.calls_to_action order by cta_id"),
            cta_history=_rows(con, "select * from marts.cta_history order by all"),
            kpis=_rows(con, "select * from marts.cs_kpis order by month_start, segment, region"),
        )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("operations")
    extracts = root / "extracts"
    generate(extracts, accounts=ACCOUNTS, seed=11, as_of=AS_OF)
    warehouse = root / "warehouse" / "cs360.duckdb"
    build = CsConfig(extracts_dir=str(extracts), warehouse=str(warehouse)).settings.build_warehouse

    _materialize(extracts, warehouse, EARLIER)
    first = _published(warehouse)
    _materialize(extracts, warehouse, AS_OF)
    second = _published(warehouse)

    build.unlink()
    wal_path(build).unlink(missing_ok=True)
    # The same files and as-of date again: a plain night would keep every table (README,
    # "Incremental nights"); recomputing the date is a full refresh, which rebuilds every
    # model and replaces the date's history rows (the history itself is never rebuilt).
    config = _materialize(extracts, warehouse, AS_OF, full_refresh=True)
    third = _published(warehouse)
    return Runs(first, second, third, build_was_restored=build.exists(), config=config)


def _by_date(history: Rows) -> dict[dt.date, Rows]:
    dates: dict[dt.date, Rows] = {}
    for row in history:
        dates.setdefault(row["as_of_date"], []).append(row)
    return dates


# --- health history ---------------------------------------------------------------------------


def test_first_run_writes_one_snapshot_per_customer(runs: Runs) -> None:
    dates = _by_date(runs.first.history)
    assert list(dates) == [EARLIER]
    accounts = [r["account_id"] for r in dates[EARLIER]]
    assert len(accounts) == len(set(accounts)) == len(runs.first.customer_360)
    # Without a snapshot 30 days back there is no change and no trend.
    assert {(r["health_score_change_30d"], r["health_trend"]) for r in runs.first.customer_360} \
        == {(None, None)}


def test_a_second_as_of_date_adds_its_rows_and_keeps_the_first(runs: Runs) -> None:
    dates = _by_date(runs.second.history)
    assert sorted(dates) == [EARLIER, AS_OF]
    assert dates[EARLIER] == runs.first.history
    assert sorted(r["account_id"] for r in dates[AS_OF]) == sorted(
        r["account_id"] for r in runs.second.customer_360
    )
    # Each snapshot keeps how much of its score had data, as customer_360 showed it that night.
    confidence = ("health_coverage", "health_confidence")
    kept = {r["account_id"]: tuple(r[c] for c in confidence) for r in dates[AS_OF]}
    assert kept == {
        r["account_id"]: tuple(r[c] for c in confidence) for r in runs.second.customer_360}
    assert None not in {c for _, c in kept.values()}


def test_rerun_for_a_date_replaces_its_rows_instead_of_adding(runs: Runs) -> None:
    dates = _by_date(runs.third.history)
    assert sorted(dates) == [EARLIER, AS_OF]
    accounts = [r["account_id"] for r in dates[AS_OF]]
    assert len(accounts) == len(set(accounts)) == len(runs.third.customer_360)
    # Same extracts, same as-of: the same scores, written by the newer run.
    scores = {(r["account_id"], r["health_score"], r["health_band"]) for r in dates[AS_OF]}
    earlier_scores = {
        (r["account_id"], r["health_score"], r["health_band"])
        for r in _by_date(runs.second.history)[AS_OF]
    }
    assert scores == earlier_scores
    invocations = {r["snapshot_invocation_id"] for r in dates[AS_OF]}
    assert len(invocations) == 1
    before = {r["snapshot_invocation_id"] for r in _by_date(runs.second.history)[AS_OF]}
    assert invocations != before


def test_history_survives_deleting_the_build_file(runs: Runs) -> None:
    assert runs.build_was_restored
    # The D-30 snapshot cannot be recomputed by an as-of D run: it came back from the published
    # copy, written by the first run (same invocation id, same rows).
    assert _by_date(runs.third.history)[EARLIER] == runs.first.history


def test_health_score_change_30d_against_the_snapshot_30_days_back(runs: Runs) -> None:
    earlier = {r["account_id"]: r["health_score"] for r in runs.first.history}
    computed = 0
    for row in runs.second.customer_360:
        before, now = earlier.get(row["account_id"]), row["health_score"]
        expected = None if before is None or now is None else now - before
        assert row["health_score_change_30d"] == expected, row["account_id"]
        if expected is None:
            trend = None
        elif expected >= TREND_MIN_CHANGE:
            trend = "improving"
        elif expected <= -TREND_MIN_CHANGE:
            trend = "declining"
        else:
            trend = "stable"
        assert row["health_trend"] == trend, row["account_id"]
        computed += expected is not None
    assert computed >= len(runs.second.customer_360) - 2


# --- calls to action ---------------------------------------------------------------------------

FALLBACK_QUEUE = "CS Operations queue"  # dbt var cta_fallback_queue
DATA_TEAM_QUEUE = "Data team queue"  # dbt var cta_data_team_queue


def _open(published: Published) -> Rows:
    return [r for r in published.calls_to_action if r["status"] == "open"]


def test_rerunning_a_night_changes_no_call_to_action(runs: Runs) -> None:
    # The third run rebuilt night D from the restored build: same ids, ranks, dates, history.
    assert _open(runs.second), "the sample has accounts that call for action"
    assert runs.third.calls_to_action == runs.second.calls_to_action
    assert runs.third.cta_history == runs.second.cta_history
    ids = [r["cta_id"] for r in runs.second.calls_to_action]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 for i in ids)
    ranks = sorted(r["rank"] for r in _open(runs.second))
    assert ranks == list(range(1, len(ranks) + 1))


def test_at_most_one_open_call_to_action_per_account_and_theme(runs: Runs) -> None:
    keys = [(r["account_id"], r["theme"]) for r in _open(runs.second)]
    assert len(keys) == len(set(keys))


def test_no_call_to_action_goes_to_an_inactive_owner_or_is_due_before_it_opened(
    runs: Runs,
) -> None:
    customers = {r["account_id"]: r for r in runs.second.customer_360}
    for cta in _open(runs.second):
        account = customers[cta["account_id"]]
        assert cta["due_date"] >= cta["opened_on"]
        if cta["opened_on"] == AS_OF:
            assert cta["due_date"] >= AS_OF and not cta["is_overdue"]
        if cta["theme"] == "data_fix":
            assert (cta["owner_name"], cta["routing_reason"]) == (DATA_TEAM_QUEUE, "data_team")
        elif account["owner_is_active"]:
            assert (cta["owner_name"], cta["routing_reason"]) == (
                account["csm_name"], "account_owner")
        else:
            assert (cta["owner_name"], cta["routing_reason"]) == (
                FALLBACK_QUEUE, "owner_inactive")


def test_a_call_to_action_keeps_its_id_across_nights_and_closes_when_it_clears(
    runs: Runs,
) -> None:
    first = {r["cta_id"]: r for r in _open(runs.first)}
    second = {r["cta_id"]: r for r in runs.second.calls_to_action}
    continued = [r for r in _open(runs.second) if r["opened_on"] == EARLIER]
    assert continued, "some conditions hold on both nights"
    for cta in continued:
        before = first[cta["cta_id"]]
        assert (cta["account_id"], cta["theme"], cta["due_date"]) == (
            before["account_id"], before["theme"], before["due_date"])
    for cta_id in first:
        now = second[cta_id]
        if now["status"] == "closed":
            assert now["closed_on"] == AS_OF
            assert now["close_reason"] in ("condition_cleared", "superseded",
                                           "account_not_a_customer")
        else:
            assert now["opened_on"] == EARLIER
    by_night = _by_date(runs.second.cta_history)
    assert sorted(by_night) == [EARLIER, AS_OF]
    assert {r["status"] for r in by_night[EARLIER]} == {"open"}


def test_planted_accounts_get_their_calls_to_action(runs: Runs) -> None:
    def ctas(account_id: str) -> dict[str, dict[str, object]]:
        return {r["theme"]: r for r in _open(runs.second) if r["account_id"] == account_id}

    uk = ctas(KESTREL_UK)
    # QSR 1.0.3 and NEB 4.1.2 run past end of support and behind GA: one call to action.
    version = uk["version_currency"]
    assert version["reasons"] == "end_of_support,version_behind"
    assert version["reason"].startswith(
        "Production runs release lines past end of support: NEB 4.1 (ended ")
    assert "; Production is 3 release lines behind GA: NEB 4.1 (3 behind, GA 4.4); " \
        "QSR 1.0 (2 behind, GA 1.2)" in version["reason"]
    # Severity 1; ARR (GBP 18 000) is below cta_priority_arr_usd 50 000: one step lower.
    assert version["priority"] == 2
    assert (version["owner_name"], version["routing_reason"]) == ("Marcus Webb", "account_owner")
    assert version["opened_on"] == EARLIER
    assert version["due_date"] == EARLIER + dt.timedelta(days=60)  # cta_sla_days.version_currency
    assert uk["overdue_invoice"]["reason"].endswith("oldest invoice INV-00000303 due "
                                                    f"{AS_OF - dt.timedelta(days=370)} (370 days)")
    assert uk["csm_activity"]["reason"] == (
        "No completed CSM activity for 400 days (last on 2025-09-27)")

    # Silent for 400 days (no ticket, NPS answer, training or completed activity); two of its
    # production installations (50 seats) have not checked in for more than 30 days.
    assert uk["customer_silence"]["reason"] == (
        "No customer signal for 400 days (ticket, NPS answer, training completion or "
        "completed activity)")
    assert uk["customer_silence"]["priority"] == 3  # severity 2, ARR below USD 50 000
    assert uk["stale_installations"]["reason"] == (
        "2 production installation(s) without a check-in for more than 30 days "
        "(50 seats in use)")

    # Tern Systems (1 + 1 events in the last 90 days vs 4 + 4 before) and its group (3 vs 12):
    # falling engagement, severity 3; Tern's ARR (USD 40 000) is below 50 000: priority 4.
    for account_id, last, prior, priority in ((TERN, 2, 8, 4), (TERN_GROUP, 3, 12, 3)):
        engagement = ctas(account_id)["engagement"]
        assert (engagement["reasons"], engagement["priority"]) == ("falling_engagement", priority)
        assert engagement["reason"] == (
            f"Engagement falling: {last} tickets, completed activities and training completions "
            f"in the last 90 days vs {prior} in the 90 days before")

    kestrel = ctas(KESTREL)
    assert kestrel["stale_installations"]["reason"] == (
        "1 production installation(s) without a check-in for more than 30 days "
        "(85 seats in use)")
    assert kestrel["version_currency"]["reasons"] == "version_behind"
    assert kestrel["version_currency"]["reason"] == (
        "Production is 3 release lines behind GA: ORB 9.9 (3 behind, GA 10.1)")
    assert "csm_activity" not in kestrel  # QBR at D-12
    # CTR-0000101 (TAM, D+45) is at its 60-day checkpoint; at D-30 (75 days) it was at the
    # 90-day one: that call to action closed as superseded tonight and this one opened.
    renewal = kestrel["renewal"]
    assert renewal["reasons"] == "renewal_60d"
    assert renewal["reason"].startswith("Contract CTR-0000101 (TAM, NEB,ORB, ARR USD ")
    assert renewal["reason"].endswith(
        "renews 2026-12-16 in 45 days, auto-renew; Renewal opportunity Negotiation/Review; "
        f"health {renewal['health_band']}")
    assert renewal["priority"] == 1 and renewal["opened_on"] == AS_OF
    assert renewal["due_date"] == AS_OF + dt.timedelta(days=14)  # cta_sla_days.renewal
    closed = [r for r in runs.second.calls_to_action
              if r["account_id"] == KESTREL and r["theme"] == "renewal" and r["status"] == "closed"]
    assert [(r["reasons"], r["opened_on"], r["closed_on"], r["close_reason"]) for r in closed] \
        == [("renewal_90d", EARLIER, AS_OF, "superseded")]

    hokusei = ctas(HOKUSEI)
    assert hokusei["nps"]["reason"] == "NPS detractor: latest answer 3 of 10 on 2026-10-12"
    assert "renewal" not in hokusei  # D+165: beyond the 120-day checkpoint

    # Priya Nair left (IsActive false): everything of Brightwater goes to the fallback queue,
    # including its Premium CTR-0000401 renewal at D+115 (120-day checkpoint).
    brightwater = ctas(BRIGHTWATER)
    assert {(r["owner_name"], r["routing_reason"]) for r in brightwater.values()} == {
        (FALLBACK_QUEUE, "owner_inactive")}
    assert brightwater["renewal"]["reasons"] == "renewal_120d"
    assert brightwater["renewal"]["arr_at_stake_usd"] == 72000
    assert brightwater["csm_activity"]["reason"] == "No completed CSM activity on record"
    assert "version_currency" not in brightwater  # PUL 2.10 is one line behind only
    assert "overdue_invoice" not in brightwater  # due D-1: not 30 days overdue yet


def test_every_customer_without_a_finance_record_gets_one_data_fix(runs: Runs) -> None:
    without = {r["account_id"] for r in runs.second.customer_360 if not r["has_finance_record"]}
    assert without, "the sample has customers whose ERP customer is unmatched"
    fixes = [r for r in _open(runs.second) if r["theme"] == "data_fix"]
    assert sorted(r["account_id"] for r in fixes) == sorted(without)
    assert {(r["owner_name"], r["reasons"]) for r in fixes} == {
        (DATA_TEAM_QUEUE, "missing_finance_record")}


def test_calls_to_action_follow_customer_360(runs: Runs) -> None:
    customers = {r["account_id"]: r for r in runs.second.customer_360}
    for cta in _open(runs.second):
        account = customers[cta["account_id"]]
        assert cta["health_band"] == account["health_band"]
        if cta["theme"] != "renewal":
            assert cta["arr_at_stake_usd"] == account["arr_usd"]
        if "version_behind" in cta["reasons"]:
            assert account["max_versions_behind"] >= 2
        if "end_of_support" in cta["reasons"]:
            assert account["is_end_of_support"]


# --- KPIs -------------------------------------------------------------------------------------


def test_kpis_cover_twelve_months_with_a_total_row_each(runs: Runs) -> None:
    totals = [r for r in runs.second.kpis if r["segment"] == "all" and r["region"] == "all"]
    months = [r["month_start"] for r in totals]
    assert months[0] == dt.date(2025, 12, 1) and months[-1] == dt.date(2026, 11, 1)
    assert len(months) == 12
    assert [r["is_as_of_month"] for r in totals] == [False] * 11 + [True]
    assert all(r["as_of_date"] == AS_OF for r in runs.second.kpis)


def test_kpi_totals_are_sums_of_their_parts_and_match_customer_360(runs: Runs) -> None:
    kpis = runs.second.kpis
    for month in {r["month_start"] for r in kpis}:
        rows = [r for r in kpis if r["month_start"] == month]
        total = next(r for r in rows if r["segment"] == "all" and r["region"] == "all")
        leaves = [r for r in rows if r["segment"] != "all" and r["region"] != "all"]
        for column in ("arr_opening_usd", "arr_closing_usd", "retained_arr_usd",
                       "customers_opening", "renewals_due", "nps_responses"):
            assert sum(r[column] for r in leaves) == total[column], (month, column)
        if total["arr_opening_usd"]:
            assert total["net_revenue_retention"] == pytest.approx(
                float(total["retained_arr_usd"]) / float(total["arr_opening_usd"]))
    # Closing ARR of the as-of month is ARR on the as-of date: customer_360's total.
    as_of_total = next(r for r in kpis if r["is_as_of_month"] and r["segment"] == "all"
                       and r["region"] == "all")
    assert as_of_total["arr_closing_usd"] == sum(r["arr_usd"] for r in runs.second.customer_360)


# --- backfill (last: it adds history to the published warehouse) ------------------------------


def test_backfill_adds_history_and_leaves_the_published_marts_alone(runs: Runs) -> None:
    settings = runs.config.settings
    past = AS_OF - dt.timedelta(days=31)
    customers = len(runs.third.customer_360)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        before = {t: _rows(con, f"select * from marts.{t} order by all")
                  for (t,) in con.execute("select table_name from information_schema.tables "
                                          "where table_schema = 'marts'").fetchall()}

    result = backfill(settings, past, EARLIER)
    assert (result.dates, result.skipped, result.rows) == ([past], [EARLIER], customers)

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        after = {t: _rows(con, f"select * from marts.{t} order by all") for t in before}
    # Every current mart row for row (customer_360 included); the history one date more.
    assert {t: rows for t, rows in after.items() if t != "health_history"} == \
        {t: rows for t, rows in before.items() if t != "health_history"}
    added = [r for r in after["health_history"] if r["as_of_date"] == past]
    assert len(added) == customers
    assert [r for r in after["health_history"] if r["as_of_date"] != past] == \
        before["health_history"]
    with duckdb.connect(str(settings.build_warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.health_history where as_of_date = ?",
                           [past]).fetchone() == (customers,)
    assert not scratch_warehouse(settings).parent.exists()
    # Every customer of D now has a snapshot 30 or more days back: the next run has a trend.
    assert {r["account_id"] for r in added} == {r["account_id"] for r in runs.third.customer_360}
    # Tickets as they stood on D-31: urgent ticket 104 was open until D-10 (with today's
    # versions it is closed); 102 (high) was created on D-30, 101 on D-5.
    kestrel = next(r for r in added if r["account_id"] == KESTREL)
    assert kestrel["urgent_open_tickets"] == 1

    again = backfill(settings, past, past)
    assert (again.dates, again.skipped, again.rows) == ([], [past], 0)
    with pytest.raises(BackfillError, match="before the published as-of date"):
        backfill(settings, past, AS_OF)


def test_health_change_is_explained_by_the_components_points(runs: Runs) -> None:
    history = {(r["account_id"], r["as_of_date"]): r for r in runs.second.history}
    explained = 0
    for row in runs.second.customer_360:
        before, now = history.get((row["account_id"], EARLIER)), history.get(
            (row["account_id"], AS_OF))
        if before is None or row["health_score"] is None or before["health_score"] is None:
            continue
        points = {c: (now[f"health_points_{c}"] or 0) - (before[f"health_points_{c}"] or 0)
                  for c in ("support", "sentiment", "adoption", "training", "version",
                            "financial", "engagement")}
        # The components' point changes add up to the score's exact change.
        assert sum(points.values()) == pytest.approx(
            now["health_score_exact"] - before["health_score_exact"], abs=1e-6)
        assert row["health_change_30d"] == pytest.approx(
            now["health_score_exact"] - before["health_score_exact"], abs=0.051)
        moved = sorted(((c, p) for c, p in points.items() if abs(p) >= 0.5),
                       key=lambda cp: (-abs(cp[1]), cp[0]))
        if not moved:
            assert row["health_change_explained"] == "no component moved by a point"
            continue
        parts = row["health_change_explained"].split("; ")
        assert [p.split(" ")[0] for p in parts] == [c for c, _ in moved]
        for part, (_, p) in zip(parts, moved, strict=True):
            assert part.split(" ")[1] == f"{'+' if p > 0 else ''}{round(p):d}" or \
                abs(float(part.split(" ")[1]) - p) <= 0.5
        explained += 1
    assert explained, "some scores moved in 30 days"


# --- restore_build, directly ------------------------------------------------------------------


def _make_db(path: Path, value: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.health_history as select {value} as v")


def _value(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select v from marts.health_history").fetchone()[0]


def test_restore_build_copies_the_published_file_when_the_build_is_missing(
    tmp_path: Path,
) -> None:
    published, build = tmp_path / "cs360.duckdb", tmp_path / "build" / "cs360.duckdb"
    _make_db(published, 7)
    assert restore_build(build, published)
    assert _value(build) == 7
    assert not restore_build(build, published)  # present now: left alone
    assert [p.name for p in build.parent.iterdir()] == ["cs360.duckdb"]  # no temporary left


def test_restore_build_leaves_an_existing_build_alone(tmp_path: Path) -> None:
    published, build = tmp_path / "cs360.duckdb", tmp_path / "build" / "cs360.duckdb"
    _make_db(published, 7)
    _make_db(build, 8)
    assert not restore_build(build, published)
    assert _value(build) == 8


def test_restore_build_without_a_published_file_does_nothing(tmp_path: Path) -> None:
    build = tmp_path / "build" / "cs360.duckdb"
    assert not restore_build(build, tmp_path / "cs360.duckdb")
    assert not build.exists()


def test_restore_build_never_replays_a_stale_wal_into_the_copy(tmp_path: Path) -> None:
    published, build = tmp_path / "cs360.duckdb", tmp_path / "build" / "cs360.duckdb"
    _make_db(published, 7)
    build.parent.mkdir(parents=True)
    wal_path(build).write_bytes(b"left behind by the lost file")
    assert restore_build(build, published)
    assert not wal_path(build).exists()
    assert wal_path(build).with_name(wal_path(build).name + ".stale").exists()
    assert _value(build) == 7
