"""End to end: generated extracts -> Dagster ingest -> dbt build -> checks -> published warehouse.

One real run (real files, real DuckDB, real `dbt build`, real GX) on a small generated sample,
then assertions against the contract of `marts.customer_360` and the hand-computed figures of
the planted accounts (`cs_pipeline.sample_data.planted`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import dbt_resource
from cs_pipeline.definitions import all_assets, all_checks
from cs_pipeline.sample_data.generator import generate
from cs_pipeline.sample_data.planted import planted_accounts

AS_OF = dt.date(2026, 11, 1)
ACCOUNTS = 40

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
}


def materialize(extracts: Path, warehouse: Path, **settings: str) -> dg.ExecuteInProcessResult:
    """Every asset and check, as the nightly job runs them; ``settings``: more CsConfig fields
    (test_spark_engine builds with ``engine="spark"``)."""
    config = CsConfig(
        extracts_dir=str(extracts), warehouse=str(warehouse), as_of=AS_OF.isoformat(), **settings
    )
    return dg.materialize(
        [*all_assets, *all_checks], resources={"cs_config": config, "dbt": dbt_resource}
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("e2e")
    extracts = root / "extracts"
    generate(extracts, accounts=ACCOUNTS, seed=11, as_of=AS_OF)
    warehouse = root / "warehouse" / "cs360.duckdb"
    result = materialize(extracts, warehouse)
    assert result.success
    return extracts, warehouse


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
    for column, want in planted.expected.items():
        got = actual[column]
        if isinstance(want, float) and got is not None:
            ok = math.isclose(float(got), want, rel_tol=1e-6, abs_tol=0.01)
        else:
            ok = got == want
        if not ok:
            mismatches[column] = (got, want)
    assert mismatches == {}


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
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", BI_READER, str(warehouse), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        assert materialize(extracts, warehouse).success
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    report = json.loads(out)
    assert report["failures"] == []
    assert report["queries"] > 10
    # Only complete builds: every query saw all customer rows, never a partial table.
    assert set(report["counts"]) == {str(len(before))}
    assert _query(warehouse, "select * from marts.customer_360 order by all") == before
