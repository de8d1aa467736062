"""How a night decides what `dbt build` rebuilds (cs_pipeline/build_state.py): pure parts.

The end-to-end proofs (an incremental night gives the marts of a full build; a changed CSV is
picked up) are in tests/test_incremental_tickets.py.
"""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from cs_pipeline.build_state import (
    BuildInputs,
    BuildPlan,
    current_loads,
    dbt_exclude_args,
    kept_nodes,
    plan_build,
    project_checksum,
)
from cs_pipeline.dbt_project import dbt_project
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
        (inputs(as_of=dt.date(2026, 10, 31)), False,
         "as-of date changed (2026-10-31 -> 2026-11-01)"),
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


def _manifest() -> dict:
    """A small project: tickets -> stg_tickets -> metrics <- stg_account <- account; a seed
    read by stg_account; a relationship test between metrics and stg_account."""
    def node(uid, kind="model"):
        return {"resource_type": kind, "name": uid.split(".")[-1]}
    nodes = {u: node(u) for u in ("model.p.stg_tickets", "model.p.stg_account",
                                   "model.p.metrics")}
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


def test_the_projects_ticket_models_do_not_keep_what_reads_tickets() -> None:
    """On the real project: with only the tickets reloaded, every model that reads them
    (directly or not) is rebuilt, and the CRM and finance staging models are kept."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    names = {
        manifest["nodes"][uid]["name"]
        for uid in kept_nodes(manifest, BuildPlan(False, "", ("raw.support__tickets",)))
    }
    assert {"stg_crm__account", "stg_finance__quarantine", "health_weights"} <= names
    assert not names & {"stg_support__tickets", "int_tickets_as_of", "customer_360"}


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
