"""Nightly operations: health history, calls to action and KPIs across several real runs.

The module fixture runs the whole pipeline (real files, DuckDB, dbt, GX, publish) three times on
one small generated sample, reading the published warehouse after each run as a BI tool would:

1. as-of D-30: the first snapshot of ``marts.health_history``;
2. as-of D: a second date, so ``health_score_change_30d`` has a snapshot 30 days back;
3. as-of D again, after deleting the build file: the run must restore the build from the
   published warehouse (history survives) and give the same calls to action.

``restore_build`` itself is also tested directly, without Dagster.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import dbt_resource
from cs_pipeline.definitions import all_assets, all_checks
from cs_pipeline.publish import restore_build, wal_path
from cs_pipeline.sample_data.generator import generate
from cs_pipeline.sample_data.planted import BRIGHTWATER, HOKUSEI, KESTREL, KESTREL_UK, USER_MARCUS

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
    kpis: Rows


@dataclass(frozen=True)
class Runs:
    first: Published  # as-of D-30
    second: Published  # as-of D
    third: Published  # as-of D again, after the build file was deleted
    build_was_restored: bool


def _materialize(extracts: Path, warehouse: Path, as_of: dt.date) -> None:
    config = CsConfig(extracts_dir=str(extracts), warehouse=str(warehouse), as_of=as_of.isoformat())
    result = dg.materialize(
        [*all_assets, *all_checks], resources={"cs_config": config, "dbt": dbt_resource}
    )
    assert result.success


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
    _materialize(extracts, warehouse, AS_OF)
    third = _published(warehouse)
    return Runs(first, second, third, build_was_restored=build.exists())


def _by_date(history: Rows) -> dict[dt.date, Rows]:
    dates: dict[dt.date, Rows] = {}
    for row in history:
        dates.setdefault(row["as_of_date"], []).append(row)
    return dates


def _ctas(published: Published, account_id: str) -> dict[str, dict[str, object]]:
    return {r["rule_code"]: r for r in published.calls_to_action if r["account_id"] == account_id}


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


# --- calls to action --------------------------------------------------------------------------


def test_cta_ids_are_identical_across_reruns(runs: Runs) -> None:
    def keys(published: Published) -> list[tuple[object, ...]]:
        return [(r["cta_id"], r["account_id"], r["rule_code"], r["period_key"], r["due_date"])
                for r in published.calls_to_action]

    assert keys(runs.second), "the sample has accounts that call for action"
    assert keys(runs.third) == keys(runs.second)
    ids = [r["cta_id"] for r in runs.second.calls_to_action]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 for i in ids)


def test_planted_accounts_get_their_calls_to_action(runs: Runs) -> None:
    published = runs.second
    uk = _ctas(published, KESTREL_UK)
    # QSR 1.0.3 and NEB 4.1.2 run in production past their end of support; NEB is three lines
    # behind 4.4, QSR two behind 1.2.
    assert uk["end_of_support"]["reason"].startswith(
        "Production runs release lines past end of support: NEB 4.1 (ended ")
    assert "QSR 1.0 (ended " in uk["end_of_support"]["reason"]
    assert uk["end_of_support"]["priority"] == 1
    assert uk["version_behind"]["reason"].startswith(
        "Production is 3 release lines behind GA: NEB 4.1 (3 behind, GA 4.4); "
        "QSR 1.0 (2 behind, GA 1.2)")
    assert uk["end_of_support"]["period_key"] == "2026-10-01"  # the as-of quarter
    assert uk["end_of_support"]["due_date"] == dt.date(2026, 12, 31)
    assert (uk["end_of_support"]["owner_id"], uk["end_of_support"]["csm_name"]) == (
        USER_MARCUS, "Marcus Webb")
    # The old GBP 750.50 invoice (due D-370) is overdue; the one due exactly on D is not.
    assert uk["overdue_invoice"]["period_key"] == "INV-00000303"
    assert "(370 days)" in uk["overdue_invoice"]["reason"]
    # Last completed activity D-400.
    assert uk["no_csm_activity"]["reason"] == (
        "No completed CSM activity for 400 days (last on 2025-09-27)")

    kestrel = _ctas(published, KESTREL)
    assert kestrel["version_behind"]["reason"].startswith(
        "Production is 3 release lines behind GA: ORB 9.9 (3 behind, GA 10.1); ARR USD ")
    assert "end_of_support" not in kestrel  # 9.9's end of support is still ahead
    assert "no_csm_activity" not in kestrel  # QBR at D-12

    hokusei = _ctas(published, HOKUSEI)
    assert hokusei["version_behind"]["reason"].startswith(
        "Production is 2 release lines behind GA: ORB 9.10 (2 behind, GA 10.1)")
    # Latest NPS answer: 3 at D-20 -> close the loop within cta_days_to_act (14) of the answer.
    assert hokusei["nps_detractor"]["reason"] == (
        "NPS detractor: latest answer 3 of 10 on 2026-10-12")
    assert hokusei["nps_detractor"]["due_date"] == dt.date(2026, 10, 26)

    brightwater = _ctas(published, BRIGHTWATER)
    assert "version_behind" not in brightwater  # PUL 2.10 is one line behind only
    assert brightwater["no_csm_activity"]["reason"] == "No completed CSM activity on record"
    assert "overdue_invoice" not in brightwater  # due D-1: not 30 days overdue yet


def test_calls_to_action_follow_customer_360(runs: Runs) -> None:
    customers = {r["account_id"]: r for r in runs.second.customer_360}
    for cta in runs.second.calls_to_action:
        account = customers[cta["account_id"]]
        assert cta["arr_usd"] == account["arr_usd"]
        assert cta["health_band"] == account["health_band"]
        if cta["rule_code"].startswith("renewal_risk_"):
            window = int(cta["rule_code"].removeprefix("renewal_risk_").removesuffix("d"))
            assert account["health_band"] in ("at_risk", "critical")
            assert 0 <= account["days_to_renewal"] <= window
        if cta["rule_code"] == "version_behind":
            assert account["max_versions_behind"] >= 2
        if cta["rule_code"] == "end_of_support":
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
