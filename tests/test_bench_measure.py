"""The bench splits the dbt step with dbt's node windows: from ``run_results.json`` when dbt
wrote it, else from the run's JSON ``dbt.log`` (the nightly dbt on DuckDB runs with
``--no-write-json``; without either, the whole step would count as models). Its models floor
copies what the dbt step wrote, not the raw tables the ingest loaded; a night's, only the tables
its dbt step wrote whole."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import measure  # noqa: E402


def _line(code: str, level: str, ts: str, uid: str | None, finished: str = "") -> str:
    data = {"node_info": {"unique_id": uid, "node_started_at": "2026-11-30T08:00:00.900000",
                          "node_finished_at": finished}} if uid else {"msg": "x"}
    return json.dumps({"data": data, "info": {"code": code, "level": level, "ts": ts}})


def test_node_windows_come_from_the_log_when_dbt_wrote_no_run_results(tmp_path: Path) -> None:
    model, test = "model.cs360.customer_360", "test.cs360.unique_customer_360_account_id.1a"
    log = tmp_path / "dbt.log"
    log.write_text("\n".join([
        _line("A001", "info", "2026-11-30T08:00:00.000000Z", None),
        _line("Q024", "debug", "2026-11-30T08:00:01.000000Z", model),  # NodeStart
        _line("Q030", "debug", "2026-11-30T08:00:01.100000Z", model),  # NodeCompiling
        _line("Q012", "info", "2026-11-30T08:00:03.000000Z", model, "2026-11-30T08:00:03.1"),
        _line("Q025", "debug", "2026-11-30T08:00:03.200000Z", model, "2026-11-30T08:00:03.1"),
        _line("Q011", "info", "2026-11-30T08:00:03.300000Z", test),  # a START line: no end
        _line("Q030", "debug", "2026-11-30T08:00:03.400000Z", test),
        _line("Q007", "info", "2026-11-30T08:00:03.500000Z", test, "2026-11-30T08:00:03.6"),
        "a text line of another log format",
    ]) + "\n")
    nodes = measure.dbt_nodes(log)
    assert [(n.kind, round(n.end - n.start, 3)) for n in nodes] == [("model", 1.9), ("test", 0.1)]
    assert nodes[0].start == measure._epoch("2026-11-30T08:00:01.1")


def _build(path: Path) -> Path:
    """A build file: a raw table, a model table, a view and a seed."""
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "staging", "config"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute("CREATE TABLE raw.support__tickets AS SELECT range AS id FROM range(10)")
        con.execute("CREATE TABLE staging.stg_support__tickets AS SELECT range AS id FROM range(5)")
        con.execute("CREATE VIEW staging.v AS SELECT 1 AS one")  # a view writes no rows
        con.execute("CREATE TABLE config.support_tiers AS SELECT 'gold' AS tier")
    return path


def test_the_models_floor_copies_every_table_but_the_raw_ones(tmp_path: Path) -> None:
    build = _build(tmp_path / "build.duckdb")
    with duckdb.connect(str(build)) as con:
        con.execute("ATTACH ':memory:' AS other")
        assert measure.built_tables(con, "build") == [
            ("config", "support_tiers"), ("staging", "stg_support__tickets"),
        ]
    floor = tmp_path / "models-floor.duckdb"
    assert measure.models_floor(build, {"threads": "1"}, floor) > 0
    assert not floor.exists()  # the copy is removed, the build left as it was
    with duckdb.connect(str(build), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.stg_support__tickets").fetchone() == (5,)


def _result(uid: str, materialized: str, schema: str, status: str = "success") -> str:
    kind, _, name = uid.split(".")
    info = {"unique_id": uid, "resource_type": kind, "materialized": materialized,
            "node_status": status, "node_started_at": "2026-11-30T08:00:00.9",
            "node_finished_at": "2026-11-30T08:00:01.0",
            "node_relation": {"schema": schema, "alias": name}}
    return json.dumps({"data": {"node_info": info},
                       "info": {"code": "Q012", "level": "info", "ts": "2026-11-30T08:00:01Z"}})


def test_a_night_copies_only_the_tables_its_dbt_step_wrote_whole(tmp_path: Path) -> None:
    log = tmp_path / "dbt.log"
    log.write_text("\n".join([
        _result("model.cs360.stg_support__tickets", "table", "staging"),
        _result("model.cs360.stg_support__tickets", "table", "staging"),  # a second line of it
        _result("model.cs360.int_tickets_resolved", "incremental", "staging"),  # merged a delta
        _result("model.cs360.v", "view", "staging"),  # writes no rows
        _result("seed.cs360.support_tiers", "seed", "config"),
        _result("model.cs360.calls_to_action", "table", "marts", status="error"),
        "a text line of another log format",
    ]) + "\n")
    tables = measure.rewritten_tables(log)
    assert tables == [("config", "support_tiers"), ("staging", "stg_support__tickets")]
    build = _build(tmp_path / "build.duckdb")
    floor = tmp_path / "floor.duckdb"
    assert measure.models_floor(build, {"threads": "1"}, floor, tables) > 0
    assert not floor.exists()
    with pytest.raises(duckdb.CatalogException, match="missing"):  # it copies the list given
        measure.models_floor(build, {"threads": "1"}, floor, [("marts", "missing")])


def test_run_steps_read_the_instance_of_the_home_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cs360's instance settings name the storage's folder by ``DAGSTER_HOME``; the bench reads
    instances of other folders (each scale's, the Dagster floor's) from a process whose
    ``DAGSTER_HOME`` is the Makefile's, and must read the run of the folder it names."""
    import shutil

    import dagster as dg

    from cs_pipeline.config import PROJECT_ROOT

    homes = [tmp_path / "bench_home", tmp_path / "makefile_home"]
    for home in homes:
        home.mkdir()
        shutil.copy(PROJECT_ROOT / "dagster-instance.yaml", home / "dagster.yaml")

    @dg.op
    def nothing() -> None:
        pass

    @dg.job
    def empty() -> None:
        nothing()

    with measure.instance_at(homes[0]) as instance:
        run_id = empty.execute_in_process(instance=instance).run_id
    monkeypatch.setenv("DAGSTER_HOME", str(homes[1]))
    found_id, steps = measure.run_steps(homes[0])
    assert found_id == run_id and [s.key for s in steps] == ["nothing"]
    assert not list((homes[1]).glob("storage/*.db")), "nothing is written in the other home"
