"""CS_ENGINE=spark builds the same marts as DuckDB, row for row (issue #12).

The end-to-end sample (40 accounts, seed 11, as-of 2026-11-01, the planted accounts among them)
is built twice through the whole Dagster job: once on DuckDB, once with the dbt models and tests
on Apache Spark (dbt-spark `session`, local[2]: Java and pyspark are real, nothing is mocked).
Both runs must pass their blocking checks and publish; then every mart BI reads must hold the
same rows with the same column names and types (every mart, the history too, less the columns
that name the run that wrote a row). test_end_to_end checks the DuckDB build against
the hand-computed planted figures, so the Spark build is held to them through this comparison.
Slow (Spark starts a JVM and runs ~200 dbt nodes one by one as Spark jobs): 4-8 minutes on
2 cores shared with other work.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import materialize

from cs_pipeline.config import CsSettings
from cs_pipeline.dbt_project import dbt_env
from cs_pipeline.spark import load_spark_tables

# The marts the issue names; every other mart is compared too, and so is a mart added later.
REQUIRED_MARTS = {
    "customer_360", "customer_product_360", "renewals", "calls_to_action", "unmatched_records"
}
# Columns that say when and by which run a row was written, not what it holds.
RUN_COLUMNS = {"snapshot_taken_at", "snapshot_invocation_id", "_loaded_at", "built_at"}


@pytest.fixture(scope="module")
def builds(
    sample_run: tuple[Path, Path],  # the session's DuckDB build of the sample, compared with
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    extracts, duck = sample_run
    root = tmp_path_factory.mktemp("spark")
    spark = root / "warehouse" / "cs360.duckdb"
    result = materialize(extracts, spark, engine="spark", spark_dir=str(root / "spark_dir"))
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks if c.severity == dg.AssetCheckSeverity.ERROR)
    return {"duckdb": duck, "spark": spark, "spark_dir": root / "spark_dir"}


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = 'marts' AND table_name = ? "
        "ORDER BY ordinal_position",
        [catalog, table],
    ).fetchall()


@pytest.mark.slow
def test_spark_publishes_the_same_marts_as_duckdb(builds: dict[str, Path]) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{builds['duckdb']}' AS duck (READ_ONLY)")
    con.execute(f"ATTACH '{builds['spark']}' AS spark (READ_ONLY)")
    marts = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = 'duck' AND schema_name = 'marts'"
        ).fetchall()
    }
    assert marts >= REQUIRED_MARTS
    differences = {}
    for mart in sorted(marts):
        columns = _columns(con, "duck", mart)
        if _columns(con, "spark", mart) != columns:
            differences[mart] = f"columns {_columns(con, 'spark', mart)} != {columns}"
            continue
        select = ", ".join(f'"{name}"' for name, _ in columns if name not in RUN_COLUMNS)
        for a, b in (("duck", "spark"), ("spark", "duck")):
            only = con.execute(
                f"SELECT {select} FROM {a}.marts.{mart} "
                f"EXCEPT ALL SELECT {select} FROM {b}.marts.{mart}"
            ).fetchall()
            if only:
                differences[mart] = f"{len(only)} rows only in the {a} build, e.g. {only[:2]}"
    assert differences == {}
    for mart in ("customer_360", "unmatched_records", "calls_to_action"):  # a real comparison
        assert con.execute(f"SELECT count(*) FROM spark.marts.{mart}").fetchone()[0] > 0, mart


@pytest.mark.slow
def test_spark_reads_the_raw_layer_ingest_wrote(builds: dict[str, Path]) -> None:
    """One ingest: Spark's raw tables are the Parquet export of the build's raw tables, with
    the lineage columns, and the health score lists its drivers in the same order."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{builds['spark']}' AS spark (READ_ONLY)")
    parquet = builds["spark_dir"] / "raw" / "support__tickets" / "part-0.parquet"
    assert con.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone() == con.execute(
        "SELECT count(*) FROM spark.raw.support__tickets"
    ).fetchone()
    lineage = con.execute(
        f"SELECT min(_row_number), count(DISTINCT _source_file) FROM read_parquet('{parquet}')"
    ).fetchone()
    assert lineage == (1, 1)
    drivers = con.execute(
        "SELECT count(*) FROM spark.marts.customer_360 WHERE health_drivers LIKE '%; %'"
    ).fetchone()[0]
    assert drivers > 0, "no account has two drivers: the listagg order is not exercised"


def test_engine_setting() -> None:
    """CS_ENGINE picks dbt's target (DBT_TARGET) and nothing else; a typo fails loudly."""
    assert CsSettings.from_env({}).engine == "duckdb"
    settings = CsSettings.from_env({"CS_ENGINE": "Spark", "CS_SPARK_DIR": "/lake/cs360"})
    assert (settings.engine, settings.spark_dir) == ("spark", Path("/lake/cs360"))
    assert dbt_env(settings)["DBT_TARGET"] == "spark"
    assert dbt_env(settings)["CS_SPARK_DIR"] == "/lake/cs360"
    with pytest.raises(ValueError, match="CS_ENGINE must be one of duckdb, spark, got 'sprak'"):
        CsSettings.from_env({"CS_ENGINE": "sprak"})


def test_spark_history_merges_into_the_build_by_as_of_date(tmp_path: Path) -> None:
    """Loading Spark's health_history replaces the build's rows of the dates Spark holds and
    keeps the others (history written by DuckDB runs, or restored from the published file),
    with the partition column back in its declared place and a column the model gained added;
    other tables are replaced."""
    spark_warehouse = tmp_path / "warehouse"
    history = spark_warehouse / "marts.db" / "health_history"
    con = duckdb.connect()
    # Spark's files, one folder per date; the model gained health_coverage before 2026-11-03
    partitions = {
        "2026-11-02": "70 AS health_score",
        "2026-11-03": "55 AS health_score, 0.5 AS health_coverage",
    }
    for day, extra in partitions.items():
        (history / f"as_of_date={day}").mkdir(parents=True)
        con.execute(
            f"COPY (SELECT 'A1' AS account_id, {extra}) "
            f"TO '{history}/as_of_date={day}/part-00000.parquet' (FORMAT parquet)"
        )
    (spark_warehouse / "marts.db" / "customer_360").mkdir(parents=True)
    con.execute(
        f"COPY (SELECT 'A1' AS account_id) "
        f"TO '{spark_warehouse}/marts.db/customer_360/part-00000.parquet' (FORMAT parquet)"
    )
    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as b:
        b.execute("CREATE SCHEMA marts")
        b.execute(
            "CREATE TABLE marts.health_history "
            "(account_id VARCHAR, as_of_date DATE, health_score INTEGER)"
        )
        b.execute(
            "INSERT INTO marts.health_history "
            "VALUES ('A1', '2026-11-01', 90), ('A1', '2026-11-02', 10)"
        )
        b.execute("CREATE TABLE marts.customer_360 AS SELECT 'OLD' AS account_id")
    relations = [
        {"schema": "marts", "name": "health_history", "types": {},
         "columns": ["account_id", "as_of_date", "health_score", "health_coverage"],
         "history_keys": ["as_of_date"]},
        {"schema": "marts", "name": "customer_360", "types": {}, "columns": [], "history_keys": []},
    ]
    assert load_spark_tables(build, spark_warehouse, relations) == {
        "marts.health_history": 3, "marts.customer_360": 1
    }
    with duckdb.connect(str(build), read_only=True) as b:
        assert b.execute(
            "SELECT account_id, CAST(as_of_date AS VARCHAR), health_score, health_coverage "
            "FROM marts.health_history ORDER BY as_of_date"
        ).fetchall() == [
            ("A1", "2026-11-01", 90, None),
            ("A1", "2026-11-02", 70, None),
            ("A1", "2026-11-03", 55, 0.5),
        ]
        assert b.execute("SELECT * FROM marts.customer_360").fetchall() == [("A1",)]
