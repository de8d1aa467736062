"""The marts' reconciliation check: real DuckDB, real GX, real Dagster runs.

One pipeline run on generated data (the check must pass on it), then a copy of its warehouse
spoiled the way a faulty model would spoil it, checked again with only the check and the
publish step: a failing blocking check must keep the published warehouse byte for byte as it
was. The runner's SQL evaluation is tested on small tables built in DuckDB. (Staging and mart
guarantees that dbt tests prove, such as one row per ticket, are dbt's: not tested again here.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pytest

from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import dbt_resource
from cs_pipeline.definitions import all_assets, all_checks, defs
from cs_pipeline.quality.checks import ERROR_CHECK, WARN_CHECK, mart_checks
from cs_pipeline.quality.model_rules import mart_specs
from cs_pipeline.quality.rules import (
    Range,
    Reconciliation,
    Reference,
    Rule,
    Severity,
    TableSpec,
)
from cs_pipeline.quality.runner import _plain, validate_table
from cs_pipeline.sample_data.generator import generate

AS_OF = dt.date(2026, 11, 1)
ACCOUNTS = 30
ROOT = Path(__file__).parent.parent
CUSTOMER_360 = dg.AssetKey(["marts", "customer_360"])
PUBLISHED = dg.AssetKey("published_warehouse")
MODEL_CHECK_KEYS = {(("marts", "customer_360"), ERROR_CHECK)}


# --- the declarations ---------------------------------------------------------------------------


def test_rule_labels_are_unique_per_table() -> None:
    """The runner keys results (and reference values) by label."""
    for spec in mart_specs():
        labels = [r.label for r in spec.rules]
        assert len(labels) == len(set(labels)), spec.table


def test_checks_sit_on_the_dbt_asset_keys() -> None:
    graph = defs.resolve_asset_graph()
    keys = {(tuple(k.asset_key.path), k.name) for k in graph.asset_check_keys}
    assert keys >= MODEL_CHECK_KEYS
    assert all(graph.has(dg.AssetKey(list(key))) for key, _ in MODEL_CHECK_KEYS)
    [marts_step] = mart_checks  # one step for the layer
    specs = {s.name: s for s in marts_step.check_specs if s.asset_key == CUSTOMER_360}
    assert set(specs) == {ERROR_CHECK} and specs[ERROR_CHECK].blocking
    # The reconciliations read staging and intermediate models: the check depends on them.
    assert {d.asset_key for d in specs[ERROR_CHECK].additional_deps} >= {
        dg.AssetKey(["staging", "stg_crm__account"]),
        dg.AssetKey(["intermediate", "int_subscriptions_resolved"]),
    }


def test_publish_waits_for_the_blocking_model_checks() -> None:
    """Dagster blocks only the direct dependents of a checked asset: publishing must depend on
    every checked model itself."""
    parents = defs.resolve_asset_graph().get(PUBLISHED).parent_keys
    checked = {s.asset_key for c in mart_checks for s in c.check_specs}
    assert checked <= parents


# --- the runner on small typed tables -----------------------------------------------------------


@pytest.fixture
def typed_db(tmp_path: Path) -> Path:
    """marts.t, 12 rows: band 'x' in rows 3 and 7, NULL in 5; score 120 in row 4, -1 in 6, NULL
    in 8; currency ZZZ (no rate) in row 9; as_of_date a day early in row 10."""
    path = tmp_path / "typed.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.rates AS SELECT * FROM (VALUES ('EUR'), ('USD')) r(c)")
        con.execute(
            """CREATE TABLE marts.t AS SELECT
                n AS _row_number,
                CASE WHEN n IN (3, 7) THEN 'x' WHEN n = 5 THEN NULL ELSE 'a' END AS band,
                CASE WHEN n = 4 THEN 120 WHEN n = 6 THEN -1 WHEN n = 8 THEN NULL ELSE n END
                    AS score,
                CASE WHEN n = 9 THEN 'ZZZ' WHEN n % 2 = 0 THEN 'EUR' ELSE 'USD' END AS currency,
                CASE WHEN n = 10 THEN DATE '2026-10-31' ELSE DATE '2026-11-01' END AS as_of_date
            FROM range(1, 13) r(n)"""
        )
    return path


def test_sql_evaluation_agrees_with_gx_on_typed_tables(typed_db: Path) -> None:
    """ERROR rules of a big table run in DuckDB: same verdicts, counts and rows as GX's."""
    rates = Reference("has a rate", "SELECT c FROM marts.rates", reads=("marts.rates",))
    spec = TableSpec(
        name="marts.t",
        table="marts.t",
        rules=(
            Rule("in_set", ("band",), Severity.ERROR, values=("a", "b")),
            Rule("between", ("score",), Severity.ERROR, range=Range(0, 100)),
            Rule("between", ("score",), Severity.ERROR, range=Range(min=0, strict_min=True)),
            Rule("references", ("currency",), Severity.ERROR, reference=rates),
            Rule("single_value", ("as_of_date",), Severity.ERROR),
        ),
    )

    in_gx = {o.rule: o for o in validate_table(spec, typed_db).outcomes}
    in_sql = {o.rule: o for o in validate_table(spec, typed_db, max_rows=5).outcomes}

    assert {o.engine for o in in_gx.values()} == {"gx"}
    assert {o.engine for o in in_sql.values()} == {"duckdb"}
    for rule, gx_outcome in in_gx.items():
        sql_outcome = in_sql[rule]
        assert sql_outcome.success is gx_outcome.success is False, rule
        assert sql_outcome.unexpected_count == gx_outcome.unexpected_count, rule
        if gx_outcome.unexpected_percent is not None:
            assert sql_outcome.unexpected_percent == pytest.approx(gx_outcome.unexpected_percent)
        assert sql_outcome.failing_rows == [
            {k: gx_outcome.failing_rows[i][k] for k in row}
            for i, row in enumerate(sql_outcome.failing_rows)
        ], rule
    assert [r["_row_number"] for r in in_sql["band in {a, b}"].failing_rows] == [3, 7]
    assert in_sql["band in {a, b}"].unexpected_percent == pytest.approx(100 * 2 / 11)
    assert [r["_row_number"] for r in in_sql["score between 0 and 100"].failing_rows] == [4, 6]
    assert in_sql["score > 0"].failing_rows == [{"_row_number": 6, "score": -1}]
    assert in_sql["currency has a rate"].failing_rows == [{"_row_number": 9, "currency": "ZZZ"}]
    assert in_sql["as_of_date has a single value"].observed_value == 2
    assert in_gx["as_of_date has a single value"].observed_value == 2


def test_values_in_results_are_plain_json() -> None:
    """Typed tables give DECIMAL, DATE and TIMESTAMP values; results must stay JSON, and a
    numpy timestamp must not turn into nanoseconds."""
    assert _plain(Decimal("12.50")) == 12.5
    assert _plain(dt.date(2026, 11, 1)) == "2026-11-01"
    assert _plain(np.datetime64("2026-11-01T09:30:00.000000000")) == "2026-11-01T09:30:00"
    assert _plain(np.datetime64("NaT")) is None
    assert _plain(np.int32(7)) == 7 and type(_plain(np.int32(7))) is int


def test_reconciliation_reports_the_keys_that_differ(tmp_path: Path) -> None:
    """sum(amount) per account against staging: a cent of rounding passes, a missing account,
    an extra one and a wrong amount each fail with their key."""
    path = tmp_path / "rec.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA staging")
        con.execute(
            "CREATE TABLE staging.lines AS SELECT * FROM (VALUES "
            "('A', 10.004), ('A', 5.0), ('B', 7.0), ('C', 1.0), ('D', 3.0)) l(account_id, amount)"
        )
        con.execute(
            "CREATE TABLE marts.m AS SELECT account_id, amount::DECIMAL(18,2) AS amount FROM "
            "(VALUES ('A', 15.00), ('B', 9.00), ('C', 1.00), ('E', 2.00)) m(account_id, amount)"
        )
    amounts = Reconciliation(
        name="staging amounts",
        sql="SELECT account_id, round(sum(amount), 2) FROM staging.lines GROUP BY ALL",
        reads=("staging.lines",),
        tolerance=0.01,
    )
    rows = Reconciliation(
        name="staging accounts",
        sql="SELECT DISTINCT account_id, 1 FROM staging.lines",
        reads=("staging.lines",),
    )
    spec = TableSpec(
        name="marts.m",
        table="marts.m",
        row_id="account_id",
        rules=(
            Rule("reconcile", ("amount",), Severity.ERROR, reconciliation=amounts),
            Rule("reconcile", (), Severity.ERROR, reconciliation=rows),
        ),
    )

    by_rule = {o.rule: o for o in validate_table(spec, path).outcomes}

    total = by_rule["sum(amount) equals staging amounts (within 0.01)"]
    assert total.engine == "duckdb"
    assert not total.success
    assert total.observed_value == {"table": 27.0, "expected": 26.0, "difference": 1.0}
    assert (total.element_count, total.unexpected_count) == (5, 3)
    assert total.failing_rows == [
        {"account_id": "D", "amount": 0.0, "expected": 3.0},
        {"account_id": "B", "amount": 9.0, "expected": 7.0},
        {"account_id": "E", "amount": 2.0, "expected": 0.0},
    ]
    count = by_rule["row count equals staging accounts"]
    assert count.observed_value == {"table": 4, "expected": 4, "difference": 0}
    assert not count.success  # same totals, different accounts
    assert count.failing_rows == [
        {"account_id": "D", "rows": 0, "expected": 1},
        {"account_id": "E", "rows": 1, "expected": 0},
    ]


# --- end to end ---------------------------------------------------------------------------------


def _config(root: Path) -> CsConfig:
    return CsConfig(
        extracts_dir=str(root / "extracts"),
        warehouse=str(root / "warehouse" / "cs360.duckdb"),
        as_of=AS_OF.isoformat(),
    )


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple, dg.AssetCheckEvaluation]:
    return {
        (tuple(e.asset_key.path), e.check_name): e
        for e in result.get_asset_check_evaluations()
        if e.check_name in (ERROR_CHECK, WARN_CHECK)
    }


def _result_of(evaluation: dg.AssetCheckEvaluation, rule: str) -> dict:
    [found] = [r for r in evaluation.metadata["results"].value if r["rule"] == rule]
    return found


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dg.ExecuteInProcessResult]:
    root = tmp_path_factory.mktemp("models")
    generate(root / "extracts", accounts=ACCOUNTS, seed=3, as_of=AS_OF)
    result = dg.materialize(
        [*all_assets, *all_checks], resources={"cs_config": _config(root), "dbt": dbt_resource}
    )
    assert result.success
    return root, result


def test_every_mart_check_passes(pipeline) -> None:
    _, result = pipeline
    evals = _evaluations(result)
    model_evals = {k: e for k, e in evals.items() if k in MODEL_CHECK_KEYS}
    assert set(model_evals) == MODEL_CHECK_KEYS
    assert {k: e.description for k, e in model_evals.items() if not e.passed} == {}
    errors = evals[(("marts", "customer_360"), ERROR_CHECK)]
    assert errors.severity == dg.AssetCheckSeverity.ERROR
    assert errors.metadata["rows"].value > 0
    assert errors.metadata["failed_expectations"].value == 0
    assert result.asset_materializations_for_node("published_warehouse")


def test_mart_totals_reconcile_with_staging(pipeline) -> None:
    root, result = pipeline
    errors = _evaluations(result)[(("marts", "customer_360"), ERROR_CHECK)]
    build = root / "warehouse" / "build" / "cs360.duckdb"
    with duckdb.connect(str(build), read_only=True) as con:
        accounts, arr, seats, stale = con.execute(
            "SELECT count(*), sum(arr_usd)::DOUBLE, sum(seats_purchased),"
            " sum(stale_production_installations) FROM marts.customer_360"
        ).fetchone()
    rules = {r["rule"]: r for r in errors.metadata["results"].value if r["kind"] == "reconcile"}
    observed = {label.split(" equals ")[0]: r["observed_value"] for label, r in rules.items()}
    assert observed == {
        "row count": {"table": accounts, "expected": accounts, "difference": 0},
        "sum(arr_usd)": {"table": pytest.approx(arr), "expected": pytest.approx(arr),
                         "difference": pytest.approx(0, abs=0.01)},
        "sum(seats_purchased)": {"table": seats, "expected": seats, "difference": 0},
        "sum(stale_production_installations)": {"table": stale, "expected": stale,
                                                "difference": 0},
    }
    # the sample has ARR and seats to reconcile, and planted stale installations (Kestrel 1,
    # Kestrel UK 2)
    assert arr > 0 and seats > 0 and stale >= 3
    assert all(r["engine"] == "duckdb" and r["success"] for r in rules.values())


def _copy_of_run(pipeline, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A private copy of the run's warehouses: (root, build file, published file)."""
    root, _ = pipeline
    shutil.copytree(root / "warehouse", tmp_path / "warehouse")
    warehouse = tmp_path / "warehouse"
    return tmp_path, warehouse / "build" / "cs360.duckdb", warehouse / "cs360.duckdb"


def _check_then_publish(root: Path, *checked: dg.AssetKey) -> dg.ExecuteInProcessResult:
    """Only the GX checks of ``checked`` and the publish step: the build stays as it is."""
    selection = dg.AssetSelection.assets(PUBLISHED) | dg.AssetSelection.checks(
        *(dg.AssetCheckKey(key, ERROR_CHECK) for key in checked)
    )
    return dg.materialize(
        [*all_assets, *all_checks],
        selection=selection,
        resources={"cs_config": _config(root), "dbt": dbt_resource},
        raise_on_error=False,
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_passing_checks_let_the_build_publish(pipeline, tmp_path: Path) -> None:
    """The control for the tests below: the same selection publishes a good build."""
    root, _, published = _copy_of_run(pipeline, tmp_path)
    published.unlink()

    result = _check_then_publish(root, CUSTOMER_360)

    assert result.success
    assert all(e.passed for e in _evaluations(result).values())
    assert result.asset_materializations_for_node("published_warehouse")
    assert published.is_file()


def test_a_broken_customer_360_fails_its_blocking_check_and_is_not_published(
    pipeline, tmp_path: Path
) -> None:
    root, build, published = _copy_of_run(pipeline, tmp_path)
    before = _digest(published)
    with duckdb.connect(str(build)) as con:
        # The doubled account has ARR and seats, so both totals change with it.
        [doubled] = con.execute(
            "SELECT min(account_id) FROM marts.customer_360 "
            "WHERE arr_usd > 0 AND seats_purchased > 0"
        ).fetchone()
        con.execute(
            "INSERT INTO marts.customer_360 SELECT * FROM marts.customer_360 WHERE account_id = ?",
            [doubled],
        )

    result = _check_then_publish(root, CUSTOMER_360)

    assert not result.success
    errors = _evaluations(result)[(("marts", "customer_360"), ERROR_CHECK)]
    assert not errors.passed
    assert errors.severity == dg.AssetCheckSeverity.ERROR
    assert errors.metadata["failed_rules"].value == [
        "row count equals the live Customer accounts in staging, one row each",
        "sum(arr_usd) equals the ARR of active lines of matched customer accounts, from "
        "staging/intermediate (within 0.01)",
        "sum(seats_purchased) equals the seats of active entitlements of matched customer "
        "accounts, from staging/intermediate",
    ]
    row_count = _result_of(
        errors, "row count equals the live Customer accounts in staging, one row each"
    )
    assert row_count["failing_rows"] == [{"account_id": doubled, "rows": 2, "expected": 1}]
    failures = errors.metadata["failures"].value
    assert doubled in failures
    # Blocked: nothing published, the file BI tools read is the previous good one.
    assert not result.asset_materializations_for_node("published_warehouse")
    assert _digest(published) == before
