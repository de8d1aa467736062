"""CS_ENGINE=spark: dbt builds the models on Apache Spark; BI still reads one DuckDB file.

What runs where (docs/scale-out.md):

1. Ingest is the same on both engines: each extract file lands once in the build warehouse's
   ``raw`` schema, with every contract rule applied there (encodings, BOM, ids, extra columns,
   lineage columns, errors naming file and column), and the raw checks read it.
2. :func:`export_raw` writes each raw table as Parquet to ``CS_SPARK_DIR/raw/<table>/``; dbt's
   on-run-start hook (macro ``register_raw_tables``) makes those folders the tables the dbt
   sources name. Nothing is parsed twice: Spark reads the rows ingest wrote.
3. ``dbt build --target spark`` builds every model and runs every dbt test in Spark; tables are
   Parquet under ``CS_SPARK_DIR/warehouse/<schema>.db/<table>/`` with a Derby catalog beside them.
4. :func:`load_spark_tables` loads those tables into the build warehouse (same schemas and names
   as a DuckDB build), so the blocking checks and the atomic publish run unchanged on them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

from cs_pipeline.config import CsSettings, connect
from cs_pipeline.ingest import quote_ident, quote_literal
from cs_pipeline.sources import EXTRACTS, RAW_SCHEMA


class SparkEngineError(RuntimeError):
    """The Spark build cannot go on; the published warehouse stays as it was."""


def raw_dir(settings: CsSettings) -> Path:
    """The raw layer as Parquet, one folder per raw table (profiles.yml and the hook read it)."""
    return settings.spark_dir / "raw"


def warehouse_dir(settings: CsSettings) -> Path:
    """Spark's ``spark.sql.warehouse.dir`` (profiles.yml): ``<schema>.db/<table>/`` folders."""
    return settings.spark_dir / "warehouse"


def require_java() -> None:
    """Spark runs on a JVM: say what to install instead of failing deep inside dbt."""
    if shutil.which("java") is None:
        raise SparkEngineError(
            "CS_ENGINE=spark needs Java 17 or newer on PATH (Debian/Ubuntu: "
            "apt-get install openjdk-17-jre-headless); see docs/scale-out.md"
        )


def export_raw(build: Path, destination: Path) -> dict[str, int]:
    """Each raw table of the build warehouse as ``destination/<table>/part-0.parquet``.

    Written to a temporary folder and swapped in, so Spark never reads half a file. Returns the
    rows per table.
    """
    destination.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    tables = sorted({extract.table for extract in EXTRACTS})
    with connect(build, read_only=True) as con:
        present = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [RAW_SCHEMA]
            ).fetchall()
        }
        missing = [t for t in tables if t not in present]
        if missing:
            raise SparkEngineError(
                f"raw tables missing from {build}: {', '.join(missing)} (run the ingest first)"
            )
        for table in tables:
            final = destination / table
            tmp = destination / f".{table}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            raw = f"{RAW_SCHEMA}.{quote_ident(table)}"
            parquet = quote_literal(str(tmp / "part-0.parquet"))
            con.execute(f"COPY {raw} TO {parquet} (FORMAT parquet)")
            rows[table] = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
            shutil.rmtree(final, ignore_errors=True)
            tmp.rename(final)
    return rows


def built_relations(manifest_path: Path) -> list[dict]:
    """The tables a dbt build materializes (models and seeds; views hold no data), from the
    manifest: schema, alias, the declared columns of a partitioned table (Spark leaves its
    partition column out of the files, so the column order comes from the YAML), and the
    declared types, for a table Spark left without files (an empty seed). A history table
    (``full_refresh: false``, partitioned on Spark: marts.health_history) is merged by its
    partition columns instead of replaced (see :func:`load_spark_tables`)."""
    manifest = json.loads(Path(manifest_path).read_text())
    relations = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        config = node.get("config", {})
        if not config.get("enabled", True) or config.get("materialized") in ("ephemeral", "view"):
            continue
        declared = {n: c.get("data_type") for n, c in node.get("columns", {}).items()}
        partition_by = config.get("partition_by") or []
        relations.append(
            {
                "schema": node["schema"],
                "name": node.get("alias") or node["name"],
                "columns": list(declared) if partition_by else [],
                "types": config.get("column_types") or declared,
                "history_keys": (
                    [partition_by] if isinstance(partition_by, str) else list(partition_by)
                )
                if config.get("full_refresh") is False
                else [],
            }
        )
    return sorted(relations, key=lambda r: (r["schema"], r["name"]))


def load_spark_tables(
    build: Path, spark_warehouse: Path, relations: Iterable[dict]
) -> dict[str, int]:
    """Every table Spark built, loaded into the build warehouse under the same schema and name
    (replacing what was there); returns the rows per ``schema.table``.

    A history table is merged instead: its rows for the keys Spark holds (the as-of dates it
    built) replace the build's rows for those keys, and the build's other rows stay. So history
    kept in the build (restored from the published file, or written by DuckDB runs) survives
    a switch of engine or a new CS_SPARK_DIR, as it survives a DuckDB run."""
    rows: dict[str, int] = {}
    with connect(build) as con:
        for relation in relations:
            schema, name = relation["schema"], relation["name"]
            table = f"{quote_ident(schema)}.{quote_ident(name)}"
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            _load_table(con, table, relation, spark_warehouse / f"{schema}.db" / name.lower())
            rows[f"{schema}.{name}"] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return rows


def _load_table(con: duckdb.DuckDBPyConnection, table: str, relation: dict, folder: Path) -> None:
    files = sorted(str(p) for p in folder.rglob("*.parquet"))
    keys = ", ".join(quote_ident(k) for k in relation["history_keys"])
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [relation["schema"], relation["name"]],
    ).fetchone()[0]
    if keys and exists:
        if files:  # else Spark's history is empty and the build's stays as it is
            spark_rows = _read_parquet(files, relation["columns"])
            # a column the model gained (on_schema_change: append_new_columns) joins the build's
            present = {c for (c, *_) in con.execute(f"DESCRIBE {table}").fetchall()}
            for column, kind, *_ in con.execute(f"DESCRIBE {spark_rows}").fetchall():
                if column not in present:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(column)} {kind}")
            con.execute(
                f"DELETE FROM {table} WHERE ({keys}) IN (SELECT {keys} FROM ({spark_rows}))"
            )
            con.execute(f"INSERT INTO {table} BY NAME {spark_rows}")
    elif files:
        spark_rows = _read_parquet(files, relation["columns"])
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {spark_rows}")
    elif relation["types"] and all(relation["types"].values()):
        # Spark writes no file for an empty seed: its declared types say the columns.
        ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in relation["types"].items())
        con.execute(f"CREATE OR REPLACE TABLE {table} ({ddl})")
    else:
        raise SparkEngineError(f"Spark left no Parquet files for {table} in {folder}")


def _read_parquet(files: list[str], columns: list[str]) -> str:
    file_list = ", ".join(quote_literal(f) for f in files)
    select = ", ".join(quote_ident(c) for c in columns) or "*"
    # by name: a partition written before the model gained a column lacks it (NULL there)
    return (
        f"SELECT {select} FROM read_parquet([{file_list}], hive_partitioning = true, "
        "union_by_name = true)"
    )
