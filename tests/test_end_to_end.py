"""End to end: generated extracts -> Dagster ingest -> dbt build -> checks -> published warehouse.

One real run (real files, real DuckDB, real `dbt build`, real GX) on a small generated sample,
then assertions against the contract of `marts.customer_360` and the hand-computed figures of
the planted accounts (`cs_pipeline.sample_data.planted`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest
from _reader import read_while
from conftest import SAMPLE_AS_OF, materialize

from cs_pipeline.sample_data.planted import (
    KESTREL,
    KESTREL_UK,
    TERN,
    TERN_GROUP,
    planted_accounts,
    planted_renewals,
)

AS_OF = SAMPLE_AS_OF

# The contract's columns, with the DuckDB type cs360 publishes for each.
CONTRACT_TYPES = {
    "account_id": "VARCHAR",
    "account_name": "VARCHAR",
    "parent_account_id": "VARCHAR",
    "region": "VARCHAR",
    "segment": "VARCHAR",
    "csm_name": "VARCHAR",
    "as_of_date": "DATE",
    "arr_usd": "DECIMAL(18,2)",
    "next_renewal_date": "DATE",
    "days_to_renewal": "INTEGER",
    "support_tier": "VARCHAR",
    "open_tickets": "INTEGER",
    "urgent_open_tickets": "INTEGER",
    "tickets_90d": "INTEGER",
    "csat_90d": "DOUBLE",
    "nps_latest": "INTEGER",
    "trained_users": "INTEGER",
    "seats_purchased": "INTEGER",
    "seats_in_use": "INTEGER",
    "seat_utilization": "DOUBLE",
    "max_versions_behind": "INTEGER",
    "is_version_current": "BOOLEAN",
    "is_end_of_support": "BOOLEAN",
    "overdue_amount_usd": "DECIMAL(18,2)",
    "days_since_last_activity": "INTEGER",
    "health_score": "INTEGER",
    "health_band": "VARCHAR",
    "health_drivers": "VARCHAR",
    # "Further marts" (contracted from 2026-11-29)
    "owner_is_active": "BOOLEAN",
    "has_finance_record": "BOOLEAN",
    "ultimate_parent_account_id": "VARCHAR",
    "stale_production_installations": "INTEGER",
}


@pytest.fixture(scope="module")
def run(sample_run: tuple[Path, Path]) -> tuple[Path, Path]:
    return sample_run


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _customer_360(warehouse: Path) -> dict[str, dict[str, object]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute("select * from marts.customer_360")
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def test_customer_360_has_every_contract_column_with_its_type(run: tuple[Path, Path]) -> None:
    _, warehouse = run
    types = dict(
        _query(
            warehouse,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'customer_360'",
        )
    )
    assert {name: types.get(name) for name in CONTRACT_TYPES} == CONTRACT_TYPES


def test_one_row_per_live_customer_account(run: tuple[Path, Path]) -> None:
    extracts, warehouse = run
    with (extracts / "crm" / "Account.csv").open(encoding="utf-8-sig", newline="") as f:
        expected = {
            r["Id"]
            for r in csv.DictReader(f)
            if r["Type"] == "Customer" and r["IsDeleted"] == "false"
        }
    rows = _customer_360(warehouse)
    assert set(rows) == expected
    assert {r["as_of_date"] for r in rows.values()} == {AS_OF}


@pytest.mark.parametrize("planted", planted_accounts(AS_OF), ids=lambda p: p.key)
def test_planted_account_figures(run: tuple[Path, Path], planted) -> None:
    _, warehouse = run
    rows = _customer_360(warehouse)
    if not planted.in_customer_360:
        assert planted.account_id not in rows
        return
    actual = rows[planted.account_id]
    mismatches = {}
    for column, want in {**planted.expected, **planted.derived}.items():
        got = actual[column]
        if isinstance(want, float) and got is not None:
            ok = math.isclose(float(got), want, rel_tol=1e-6, abs_tol=0.01)
        else:
            ok = got == want
        if not ok:
            mismatches[column] = (got, want)
    assert mismatches == {}


HEALTH_COLUMNS = (
    "health_score", "health_band", "health_drivers", "health_coverage", "health_confidence",
    "health_support", "health_sentiment", "health_adoption", "health_training",
    "health_version", "health_financial", "health_engagement",
)


def test_size_twins_score_the_same(run: tuple[Path, Path]) -> None:
    """Tern Systems (200 seats) and Tern Systems Group (800 seats) differ only in size, their
    volumes in proportion to the size units sqrt(seats / 100): every health figure is equal
    (both 88, healthy; the formula before size units gave 84 and 78)."""
    _, warehouse = run
    rows = _customer_360(warehouse)
    small, large = rows[TERN], rows[TERN_GROUP]
    assert (small["seats_purchased"], large["seats_purchased"]) == (200, 800)
    assert (small["urgent_open_tickets"], large["urgent_open_tickets"]) == (1, 2)
    assert (small["trained_users"], large["trained_users"]) == (2, 4)
    assert {c: small[c] for c in HEALTH_COLUMNS} == {c: large[c] for c in HEALTH_COLUMNS}
    scored = (small["health_score"], small["health_support"], small["health_training"])
    assert scored == (88, 90, 75)


def test_low_confidence_is_never_healthy(run: tuple[Path, Path]) -> None:
    """health_confidence follows health_coverage, and low confidence caps the band."""
    _, warehouse = run
    rows = _customer_360(warehouse).values()
    low = [r for r in rows if r["health_confidence"] == "low"]
    assert low, "the sample has accounts with little data"
    assert all(r["health_coverage"] < 0.6 for r in low)
    # The cap itself (a score >= 75 banded monitor) is pinned by the dbt unit test
    # health_missing_component_weight_is_spread_over_present_ones.
    assert all(r["health_band"] != "healthy" for r in low)


def _table(warehouse: Path, sql: str) -> list[dict[str, object]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _renewals(warehouse: Path) -> list[dict[str, object]]:
    return _table(warehouse, "select * from marts.renewals order by account_id, contract_id")


def test_planted_contract_renewals(run: tuple[Path, Path]) -> None:
    _, warehouse = run
    planted = {r["account_id"]: r for r in planted_renewals(AS_OF)}
    actual = [r for r in _renewals(warehouse) if r["account_id"] in planted]
    assert len(actual) == len(planted)  # one renewal each; none for Old Mill or C-000108
    for row in actual:
        want = planted[row["account_id"]]
        got = {column: row[column] for column in want}
        assert math.isclose(float(got.pop("arr_usd")), want["arr_usd"], abs_tol=0.01)
        assert got == {k: v for k, v in want.items() if k != "arr_usd"}
        assert row["health_band"] == _customer_360(warehouse)[row["account_id"]]["health_band"]


def test_renewals_agree_with_customer_360(run: tuple[Path, Path]) -> None:
    """Per account, the earliest contract renewal is next_renewal_date (when within 180 days),
    renewals never add up to more than ARR, and an account without a finance record has none."""
    _, warehouse = run
    customers = _customer_360(warehouse)
    renewals = _renewals(warehouse)
    assert renewals, "the sample has renewals within 180 days"
    by_account: dict[str, list[dict[str, object]]] = {}
    for row in renewals:
        by_account.setdefault(row["account_id"], []).append(row)
    for account_id, customer in customers.items():
        rows = by_account.get(account_id, [])
        if customer["days_to_renewal"] is not None and customer["days_to_renewal"] <= 180:
            assert min(r["renewal_date"] for r in rows) == customer["next_renewal_date"]
        else:
            assert rows == []
        assert sum(r["arr_usd"] for r in rows) <= customer["arr_usd"]
        if not customer["has_finance_record"]:
            assert rows == [] and customer["arr_usd"] == 0
    window = {60: "60d", 90: "90d", 120: "120d", 180: "180d"}
    for row in renewals:
        smallest = min(w for w in window if row["days_to_renewal"] <= w)
        assert row["renewal_window"] == window[smallest]
def test_planted_account_families(run: tuple[Path, Path]) -> None:
    """Kestrel with its child Kestrel UK; Tern Systems Group (whose own parent is missing from
    Account.csv) with its child Tern Systems. Worked out from the planted figures."""
    _, warehouse = run
    customers = _customer_360(warehouse)
    families = {r["ultimate_parent_account_id"]: r
                for r in _table(warehouse, "select * from marts.account_family_360")}
    kestrel, uk = customers[KESTREL], customers[KESTREL_UK]
    arr_k, arr_uk = float(kestrel["arr_usd"]), float(uk["arr_usd"])
    k = families[KESTREL]
    assert (k["family_accounts"], k["direct_children"], k["all_descendants"]) == (2, 1, 1)
    assert float(k["family_arr_usd"]) == pytest.approx(arr_k + arr_uk, abs=0.01)
    # (69 x ARR Kestrel + 50 x ARR Kestrel UK) / (both ARRs): Kestrel's 364,560 USD outweighs
    # Kestrel UK's 22,611 USD.
    assert k["family_health_score"] == round((69 * arr_k + 50 * arr_uk) / (arr_k + arr_uk)) == 68
    assert k["worst_health_band"] == "at_risk"
    # CTR-0000101 renews D+45 (Kestrel), CTR-0000301 D+1 (Kestrel UK); CTR-0000102 (D+265)
    # is too far and CTR-0000302 ends on D (not active).
    assert (k["contract_renewals_120d"], k["accounts_renewing_120d"]) == (2, 2)
    t = families[TERN_GROUP]
    assert (t["family_accounts"], t["direct_children"], t["all_descendants"]) == (2, 1, 1)
    assert (float(t["family_arr_usd"]), t["family_health_score"], t["worst_health_band"]) == (
        200000.0, 88, "healthy")
    assert (t["contract_renewals_120d"], float(t["renewing_arr_120d_usd"])) == (2, 200000.0)
    assert KESTREL_UK not in families and TERN not in families
    # Every customer whose top is a customer is in exactly one family.
    in_families = [r for r in customers.values() if r["ultimate_parent_account_id"] in customers]
    assert sum(f["family_accounts"] for f in families.values()) == len(in_families)
    assert set(families) == {r["ultimate_parent_account_id"] for r in in_families}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_kpi_upsell_rate_counts_closed_expansion_opportunities(run: tuple[Path, Path]) -> None:
    """Recounted from Opportunity.csv: Upsell and Cross-sell opportunities of Customer and
    Former Customer accounts closed in each month (won: the numerator)."""
    extracts, warehouse = run
    accounts = {r["Id"]: r for r in _csv_rows(extracts / "crm" / "Account.csv")
                if r["IsDeleted"] == "false" and r["Type"] in ("Customer", "Former Customer")}
    by15 = {i[:15]: i for i in accounts}
    closed: dict[dt.date, list[bool]] = {}
    for r in _csv_rows(extracts / "crm" / "Opportunity.csv"):
        account = r["AccountId"] if r["AccountId"] in accounts else by15.get(r["AccountId"])
        if (account is None or r["IsDeleted"] != "false" or r["IsClosed"] != "true"
                or r["Type"] not in ("Upsell", "Cross-sell") or r["CloseDate"] > AS_OF.isoformat()):
            continue
        month = dt.date.fromisoformat(r["CloseDate"]).replace(day=1)
        closed.setdefault(month, []).append(r["IsWon"] == "true")
    totals = _table(
        warehouse, "select * from marts.cs_kpis where segment = 'all' and region = 'all'"
    )
    assert any(t["expansion_opportunities_closed"] for t in totals)
    for t in totals:
        outcomes = closed.get(t["month_start"], [])
        assert (t["expansion_opportunities_closed"], t["expansion_deals"]) == (
            len(outcomes), sum(outcomes)), t["month_start"]
        assert t["upsell_rate"] == (sum(outcomes) / len(outcomes) if outcomes else None)


def test_kpi_arr_outside_customer_360(run: tuple[Path, Path]) -> None:
    """On the as-of date every dollar of ARR (Active lines in force, at the as-of month's rate)
    is either in customer_360 or outside it (arr_unmatched_usd): the planted C-000108 line
    (50,000 USD, an ERP customer without a Salesforce id) and Old Mill's (deleted account) among
    them."""
    extracts, warehouse = run
    rate: dict[str, dict[str, float]] = {}
    for r in _csv_rows(extracts / "finance" / "fx_rates.csv"):
        rate.setdefault(r["currency"], {})[r["month"]] = float(r["rate_to_usd"])
    month = AS_OF.strftime("%Y-%m")
    total = 0.0
    for r in _csv_rows(extracts / "finance" / "subscriptions.csv"):
        if r["status"] == "Active" and r["start_date"] <= AS_OF.isoformat() < r["end_date"]:
            fx = rate[r["currency"]][max(m for m in rate[r["currency"]] if m <= month)]
            total += float(r["annual_value"]) * fx
    customers = sum(float(r["arr_usd"]) for r in _customer_360(warehouse).values())
    rows = _table(warehouse, "select * from marts.cs_kpis where is_as_of_month")
    as_of_total = next(r for r in rows if r["segment"] == "all" and r["region"] == "all")
    unmatched = float(as_of_total["arr_unmatched_usd"])
    assert unmatched >= 50000
    assert customers + unmatched == pytest.approx(total, abs=1.0)
    assert as_of_total["arr_unmatched_share"] == pytest.approx(unmatched / total, rel=1e-6)
    assert all(r["arr_unmatched_usd"] is None for r in rows if r is not as_of_total)


def test_health_fields_are_valid(run: tuple[Path, Path]) -> None:
    _, warehouse = run
    rows = _customer_360(warehouse).values()
    assert all(r["health_score"] is None or 0 <= r["health_score"] <= 100 for r in rows)
    assert {r["health_band"] for r in rows} <= {"healthy", "monitor", "at_risk", "critical", None}
    scored = [r for r in rows if r["health_score"] is not None]
    assert scored, "every generated customer has some health data"


def test_every_unmatched_record_is_reported_by_source(run: tuple[Path, Path]) -> None:
    _, warehouse = run
    sql = "select distinct source from marts.unmatched_records"
    sources = {s for (s,) in _query(warehouse, sql)}
    # The generator plants unmatched records in every source.
    assert sources == {"crm", "support", "finance", "training", "licenses"}


def test_same_extracts_and_as_of_give_identical_marts(
    run: tuple[Path, Path], tmp_path: Path
) -> None:
    extracts, warehouse = run
    again = tmp_path / "again" / "cs360.duckdb"
    assert materialize(extracts, again).success
    for table in ("customer_360", "customer_product_360", "unmatched_records"):
        sql = f"select * from marts.{table} order by all"
        assert _query(again, sql) == _query(warehouse, sql), table


# A BI tool: opens the published file read-only for every query, as dashboards do on refresh.
BI_READER = r"""
import json, os, sys, time
import duckdb
target, stop_file = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 600
counts, failures, queries = {}, [], 0
print("ready", flush=True)
while not os.path.exists(stop_file) and time.monotonic() < deadline and queries < 200000:
    queries += 1
    try:
        with duckdb.connect(target, read_only=True) as con:
            n = con.execute("select count(*) from marts.customer_360").fetchone()[0]
        counts[n] = counts.get(n, 0) + 1
    except Exception as exc:
        failures.append(repr(exc))
    time.sleep(0.02)
print(json.dumps({"queries": queries, "failures": failures[:5], "counts": counts}))
"""


def test_bi_reader_is_never_broken_by_a_nightly_rerun(
    run: tuple[Path, Path], tmp_path: Path
) -> None:
    """A full run publishing over the warehouse while a separate process queries it."""
    extracts, warehouse = run
    before = _query(warehouse, "select * from marts.customer_360 order by all")

    def rerun() -> None:
        assert materialize(extracts, warehouse).success

    report = read_while(BI_READER, [str(warehouse)], tmp_path / "stop", rerun)
    assert report["failures"] == []
    assert report["queries"] > 10
    # Only complete builds: every query saw all customer rows, never a partial table.
    assert set(report["counts"]) == {str(len(before))}
    assert _query(warehouse, "select * from marts.customer_360 order by all") == before
