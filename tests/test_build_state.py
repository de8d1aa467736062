"""How a night decides what `dbt build` rebuilds (cs_pipeline/build_state.py): pure parts,
and the plan of a night on the real dbt assets (without running dbt).

The end-to-end proofs (an incremental night gives the marts of a full build; a changed CSV is
picked up) are in tests/test_incremental_tickets.py.
"""

import datetime as dt
import functools
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline.build_state import (
    AS_OF_MACRO,
    BUILT_RESOURCES,
    BuildInputs,
    BuildPlan,
    as_of_readers,
    current_loads,
    dbt_exclude_args,
    drop_orphans,
    kept_nodes,
    plan_build,
    plan_night,
    project_checksum,
    remember,
)
from cs_pipeline.config import CsSettings
from cs_pipeline.dbt import cs360_dbt_models, dbt_translator
from cs_pipeline.dbt_project import dagster_dbt, dbt_manifest, dbt_project
from cs_pipeline.ingest import LOADED_FILES

AS_OF = dt.date(2026, 11, 1)
T1, T2 = dt.datetime(2026, 11, 1, 2), dt.datetime(2026, 11, 2, 2)
LOADS = {"raw.crm__account": T1, "raw.support__tickets": T1}


def inputs(as_of=AS_OF, checksum="abc", **loads) -> BuildInputs:
    return BuildInputs(as_of, checksum, {**LOADS, **{f"raw.{k}": v for k, v in loads.items()}})


@pytest.mark.parametrize(
    ("previous", "full_refresh", "reason"),
    [
        (inputs(), True, "full refresh requested"),
        (None, False, "no record of a complete successful build in this build file"),
        (inputs(checksum="old"), False,
         "the dbt project changed (models, macros, seeds, tests or vars)"),
    ],
)
def test_everything_is_rebuilt_when_more_than_a_raw_table_changed(previous, full_refresh, reason):
    assert plan_build(previous, inputs(), full_refresh=full_refresh) == BuildPlan(True, reason)


def test_only_the_reloaded_raw_tables_are_named() -> None:
    plan = plan_build(inputs(), inputs(support__tickets=T2), full_refresh=False)
    assert (plan.full, plan.changed_tables) == (False, ("raw.support__tickets",))
    # A table the last build did not read (a new extract) counts as changed.
    plan = plan_build(inputs(), inputs(training__enrollments=T1), full_refresh=False)
    assert plan.changed_tables == ("raw.training__enrollments",)
    assert plan_build(inputs(), inputs(), full_refresh=False) == BuildPlan(
        False, "no raw table changed since the last build")


def test_a_new_as_of_date_rebuilds_what_reads_it_beside_the_reloaded_tables() -> None:
    plan = plan_build(inputs(as_of=dt.date(2026, 10, 31)), inputs(), full_refresh=False)
    assert plan == BuildPlan(False, "as-of date changed (2026-10-31 -> 2026-11-01)", (), True)
    plan = plan_build(inputs(as_of=dt.date(2026, 10, 31)), inputs(support__tickets=T2),
                      full_refresh=False)
    assert plan == BuildPlan(
        False, "as-of date changed (2026-10-31 -> 2026-11-01); raw tables reloaded since the "
        "last build: raw.support__tickets", ("raw.support__tickets",), True)


def test_an_empty_delta_file_is_in_the_ledger_but_changes_no_table() -> None:
    """A day without ticket changes arrives as an empty delta file: the ledger remembers it
    (it is not read again), but the table's load is still the last one that wrote rows, so
    the night rebuilds nothing for it."""
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(f"CREATE TABLE {LOADED_FILES} (table_name VARCHAR, path VARCHAR, "
                    "size BIGINT, mtime_ns BIGINT, sha256 VARCHAR, row_count BIGINT, "
                    "loaded_at TIMESTAMP)")
        con.executemany(f"INSERT INTO {LOADED_FILES} VALUES (?, ?, 1, 1, 'x', ?, ?)", [
            ("raw.support__tickets", "support/tickets.jsonl", 40, T1),
            ("raw.support__tickets", "support/tickets/d2.jsonl", 0, T2),
            ("raw.crm__account", "crm/Account.csv", 12, T1),
        ])
        loads = current_loads(con)
    assert loads == LOADS
    plan = plan_build(inputs(), BuildInputs(AS_OF, "abc", loads), full_refresh=False)
    assert (plan.full, plan.changed_tables) == (False, ())


def test_a_table_without_rows_changes_when_reloaded_not_when_an_empty_file_arrives() -> None:
    """Header-only files bring no rows, yet a reload of their table from every file (a new
    header, another load format) may change its columns: it is a change; an empty delta
    appended to it is not."""
    table, ledger = "raw.training__enrollments", [("training/enrollments.csv", 0, T1)]
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(f"CREATE TABLE {LOADED_FILES} (table_name VARCHAR, path VARCHAR, "
                    "size BIGINT, mtime_ns BIGINT, sha256 VARCHAR, row_count BIGINT, "
                    "loaded_at TIMESTAMP)")

        def loads(rows: list[tuple]) -> dict:
            con.execute(f"DELETE FROM {LOADED_FILES}")
            con.executemany(f"INSERT INTO {LOADED_FILES} VALUES (?, ?, 1, 1, 'x', ?, ?)",
                            [(table, *row) for row in rows])
            return current_loads(con)

        assert loads(ledger) == {table: T1}
        assert loads([*ledger, ("training/d2.csv", 0, T2)]) == {table: T1}  # appended, empty
        assert loads([("training/enrollments.csv", 0, T2)]) == {table: T2}  # reloaded


def _manifest() -> dict:
    """A small project: tickets -> stg_tickets -> metrics <- stg_account <- account; a seed
    read by stg_account; a relationship test between metrics and stg_account. stg_account
    reads the as-of date through a macro of its own (window -> as_of_date)."""
    def node(uid, kind="model", macros=()):
        return {"resource_type": kind, "name": uid.split(".")[-1],
                "depends_on": {"macros": list(macros)}}
    nodes = {u: node(u) for u in ("model.p.stg_tickets", "model.p.metrics")}
    nodes["model.p.stg_account"] = node("model.p.stg_account", macros=["macro.p.window"])
    nodes["seed.p.tiers"] = node("seed.p.tiers", "seed")
    nodes["test.p.rel_metrics_account"] = node("test.p.rel_metrics_account", "test")
    children = {
        "source.p.support.tickets": ["model.p.stg_tickets"],
        "source.p.crm.account": ["model.p.stg_account"],
        "seed.p.tiers": ["model.p.stg_account"],
        "model.p.stg_tickets": ["model.p.metrics"],
        "model.p.stg_account": ["model.p.metrics", "test.p.rel_metrics_account"],
        "model.p.metrics": ["test.p.rel_metrics_account"],
    }
    parents: dict[str, list[str]] = {}
    for parent, kids in children.items():
        for kid in kids:
            parents.setdefault(kid, []).append(parent)
    return {
        "nodes": nodes,
        "sources": {
            "source.p.support.tickets": {"source_name": "support", "name": "tickets"},
            "source.p.crm.account": {"source_name": "crm", "name": "account"},
        },
        "macros": {
            AS_OF_MACRO: {"depends_on": {"macros": []}},
            "macro.p.window": {"depends_on": {"macros": ["macro.p.days", AS_OF_MACRO]}},
            "macro.p.days": {"depends_on": {"macros": []}},
        },
        "child_map": children,
        "parent_map": parents,
    }


def test_nodes_downstream_of_a_changed_table_are_rebuilt_the_rest_kept_parents_first() -> None:
    manifest = _manifest()
    tickets = BuildPlan(False, "", ("raw.support__tickets",))
    kept = kept_nodes(manifest, tickets)
    assert kept == ["seed.p.tiers", "model.p.stg_account"]  # each after what it reads
    assert dbt_exclude_args(manifest, kept) == ["tiers", "stg_account"]
    account = BuildPlan(False, "", ("raw.crm__account",))
    assert kept_nodes(manifest, account) == ["model.p.stg_tickets", "seed.p.tiers"]
    assert kept_nodes(manifest, BuildPlan(True, "full refresh requested")) == []


def test_a_new_as_of_date_rebuilds_its_readers_and_what_reads_them() -> None:
    manifest = _manifest()
    assert as_of_readers(manifest) == {"model.p.stg_account"}
    new_day = BuildPlan(False, "", (), True)
    assert kept_nodes(manifest, new_day) == ["model.p.stg_tickets", "seed.p.tiers"]
    new_day_and_tickets = BuildPlan(False, "", ("raw.support__tickets",), True)
    assert kept_nodes(manifest, new_day_and_tickets) == ["seed.p.tiers"]


def test_the_projects_as_of_readers_are_its_windowed_models_not_its_staging() -> None:
    """On the real project: a new as-of date alone rebuilds the models whose figures are
    measured at it and keeps every staging model and the per-ticket facts."""
    manifest = dbt_manifest()
    name = {uid: node["name"] for uid, node in manifest["nodes"].items()}
    readers = {name[uid] for uid in as_of_readers(manifest)}
    assert {"int_tickets_counted", "int_kpi_months", "int_fx_rates_as_of",
            "health_history"} <= readers
    kept = {name[uid] for uid in kept_nodes(manifest, BuildPlan(False, "", (), True))}
    assert {"stg_support__tickets", "stg_support__tickets_quarantine", "int_tickets_resolved",
            "stg_crm__account", "int_resolved_records", "health_weights"} <= kept
    assert not kept & {"int_tickets_counted", "customer_360", "cs_kpis", "health_history"}


def test_the_as_of_date_is_read_only_through_its_macro() -> None:
    """as_of_readers finds the nodes that call as_of_date(); a model or macro reading the var
    (or the run's clock) itself would be missed, and kept on a new as-of date."""
    project = Path(dbt_project.project_dir)
    readers = []
    for path in sorted((project / "models").rglob("*.sql")) + sorted(
        (project / "macros").rglob("*.sql")) + sorted((project / "tests").rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if any(word in text for word in ("var('as_of'", 'var("as_of"', "run_started_at",
                                         "current_date", "current_timestamp")):
            readers.append(path.relative_to(project).as_posix())
    # health_history stamps its rows with the run's time (documented run stamps, not figures).
    assert readers == ["models/marts/health_history.sql", "macros/as_of_date.sql"]


def test_the_projects_ticket_models_do_not_keep_what_reads_tickets() -> None:
    """On the real project: with only the tickets reloaded, every model that reads them
    (directly or not) is rebuilt, and the CRM and finance staging models are kept."""
    manifest = dbt_manifest()
    names = {
        manifest["nodes"][uid]["name"]
        for uid in kept_nodes(manifest, BuildPlan(False, "", ("raw.support__tickets",)))
    }
    assert {"stg_crm__account", "stg_finance__quarantine", "health_weights"} <= names
    assert not names & {"stg_support__tickets", "int_tickets_counted", "customer_360"}
    # The KPIs' contract, booking and NPS measures read no ticket: kept; CSAT is rebuilt.
    assert "int_kpi_account_months" in names
    assert not names & {"int_kpi_account_months_observed", "cs_kpis"}


def test_project_checksum_follows_the_dbt_files_only(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "target").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1 as x")
    (tmp_path / "dbt_project.yml").write_text("vars:\n  as_of: ''\n")
    before = project_checksum(tmp_path)
    (tmp_path / "target" / "manifest.json").write_text("{}")  # dbt's output: ignored
    (tmp_path / "models" / "notes.md").write_text("not read by dbt")
    assert project_checksum(tmp_path) == before
    model.write_text("select 2 as x")
    assert project_checksum(tmp_path) != before
    model.write_text("select 1 as x")
    (tmp_path / "dbt_project.yml").write_text("vars:\n  as_of: ''\n  min_rows: 3\n")
    assert project_checksum(tmp_path) != before


def test_project_checksum_does_not_walk_dbts_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt's target/ gains a folder of compiled SQL per run (dagster-dbt: one per step and
    run): walking it made the checksum cost 2.2 s in a worktree with 72 000 such files."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.sql").write_text("select 1 as x")
    (tmp_path / "target" / "step-run1-abc" / "compiled").mkdir(parents=True)
    (tmp_path / "target" / "step-run1-abc" / "compiled" / "m.sql").write_text("select 1 as x")
    (tmp_path / ".git").mkdir()
    visited: list[str] = []
    walk = os.walk

    def recording_walk(top: Path):  # type: ignore[no-untyped-def]
        for folder, dirs, files in walk(top):
            visited.append(Path(folder).relative_to(tmp_path).as_posix())
            yield folder, dirs, files

    monkeypatch.setattr(os, "walk", recording_walk)
    project_checksum(tmp_path)
    assert sorted(visited) == [".", "models"]


def test_drop_orphans_drops_only_what_no_model_builds_in_the_models_schemas(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for schema in ("raw", "staging", "marts"):
        con.execute(f"create schema {schema}")
    con.execute("create table raw.crm__account (x int)")  # not a model schema: kept
    con.execute("create table staging.stg_crm__accounts (x int)")
    con.execute("create table marts.customer_360 (x int)")
    con.execute("create table marts.retired (x int)")
    con.execute("create view marts.retired_view as select 1 as x")

    dropped = drop_orphans(con, {("staging", "stg_crm__accounts"), ("marts", "customer_360")})

    assert dropped == ["marts.retired", "marts.retired_view"]
    assert sorted(con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
    ).fetchall()) == [("marts.customer_360",), ("raw.crm__account",),
                      ("staging.stg_crm__accounts",)]


def _ledger(con: duckdb.DuckDBPyConnection, loads: dict[str, dt.datetime]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE TABLE {LOADED_FILES} (table_name VARCHAR, path VARCHAR, "
                "size BIGINT, mtime_ns BIGINT, sha256 VARCHAR, row_count BIGINT, "
                "loaded_at TIMESTAMP)")
    con.executemany(f"INSERT INTO {LOADED_FILES} VALUES (?, ?, 1, 1, 'x', 5, ?)",
                    [(table, table, at) for table, at in loads.items()])


def test_a_night_names_its_kept_nodes_by_the_dbt_assets_keys(tmp_path: Path) -> None:
    """On the real project and dbt assets: with only the tickets reloaded since the recorded
    build, the kept nodes are reported under the keys the dbt assets carry (the public
    ``get_asset_key_for_model`` of each excluded dbt name) and excluded by their dbt names;
    what reads tickets is rebuilt. A subset of the assets, or no record, rebuilds everything."""
    by_name = functools.partial(dagster_dbt.get_asset_key_for_model, [cs360_dbt_models])
    settings = CsSettings(extracts_dir=tmp_path, warehouse=tmp_path / "cs360.duckdb", as_of=AS_OF)
    settings.build_warehouse.parent.mkdir()
    with duckdb.connect(str(settings.build_warehouse)) as con:
        _ledger(con, {"raw.crm__account": T1, "raw.support__tickets": T2})
        remember(con, BuildInputs(AS_OF, project_checksum(Path(dbt_project.project_dir)), LOADS))

    night = plan_night(settings, cs360_dbt_models, cs360_dbt_models.keys, dbt_translator)

    assert (night.plan.full, night.plan.changed_tables) == (False, ("raw.support__tickets",))
    assert night.complete and not night.nothing_to_build
    assert {"stg_crm__account", "health_weights"} <= set(night.exclude)
    assert not {"stg_support__tickets", "customer_360"} & set(night.exclude)
    assert list(night.kept_keys) == [by_name(name) for name in night.exclude]
    assert by_name("stg_crm__account") == dg.AssetKey(["staging", "stg_crm__account"])
    assert by_name("health_weights") == dg.AssetKey(["config", "health_weights"])
    # The plan dropped the record: a night that fails after this rebuilds everything.
    again = plan_night(settings, cs360_dbt_models, cs360_dbt_models.keys, dbt_translator)
    assert (again.plan.full, again.kept_keys, again.exclude) == (True, (), ())

    subset = {by_name("customer_360"), by_name("stg_crm__account")}
    with duckdb.connect(str(settings.build_warehouse)) as con:
        remember(con, BuildInputs(AS_OF, project_checksum(Path(dbt_project.project_dir)), LOADS))
    part = plan_night(settings, cs360_dbt_models, subset, dbt_translator)
    assert (part.plan.full, part.complete, part.kept_keys, part.exclude) == (True, False, (), ())


def test_the_dbt_assets_translator_keys_every_model_and_seed_of_the_manifest() -> None:
    """plan_night names a kept node's asset through the dbt assets' translator: every model,
    seed and snapshot of the manifest has one key there, and they are the assets' keys."""
    manifest = dbt_manifest()
    built = [uid for uid, node in manifest["nodes"].items()
             if node["resource_type"] in BUILT_RESOURCES]
    keys = [dbt_translator.get_asset_spec(manifest, uid, dbt_project).key for uid in built]
    assert len(set(keys)) == len(built) > 80
    assert set(keys) == set(cs360_dbt_models.keys)
