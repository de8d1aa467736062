"""What tonight's `dbt build` must rebuild: only the nodes downstream of a raw table that changed.

Every dbt model is a deterministic function of its inputs: the raw tables it reads, the seeds,
the project's SQL, macros and vars, and the as-of date (no model reads the clock or a random
value into a figure; the run stamps of ``marts.health_history`` are the documented exception).
So a node none of whose inputs changed since the last successful build would be rebuilt into
the table it already is, and is kept instead. What the last build read is recorded in the build
warehouse, table :data:`BUILT_FROM`: per raw table the load it read (the newest ``loaded_at`` of
the ingest ledger ``raw._loaded_files`` among files that brought rows: an empty delta file is
remembered by the ledger but changes no table), with the build's as-of date and the checksum of
the dbt project's files. Tonight's build compares (:func:`plan_build`):

- everything is rebuilt on full refresh, when there is no record (a new build file, a first
  run, or a previous dbt step that failed or built only a subset: see :func:`forget`), or when
  the dbt project (models, macros, seeds, vars, tests) differs;
- otherwise the nodes downstream of a raw table whose load differs (``source:<s>.<t>+``) and,
  when the as-of date differs, the nodes that read it and everything downstream of them
  (:func:`as_of_readers`); nothing at all when neither changed.

docs/architecture.md ("Incremental nights") explains why the result equals a full build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from cs_pipeline.config import CsSettings, connect, quote_ident, table_columns
from cs_pipeline.dbt_project import dagster_dbt, dbt_manifest, dbt_project
from cs_pipeline.ingest import LOADED_FILES
from cs_pipeline.sources import EXTRACTS, RAW_SCHEMA

BUILT_FROM = f"{RAW_SCHEMA}._built_from"
# dbt resources that become tables; tests follow them (see dbt_exclude_args).
BUILT_RESOURCES = ("model", "seed", "snapshot")
# The one way a dbt node reads the as-of date (its Jinja var is read nowhere else: tested).
AS_OF_MACRO = "macro.cs360.as_of_date"


@dataclass(frozen=True)
class BuildInputs:
    """What a dbt build reads: the as-of date, the project's checksum, each raw table's load."""

    as_of: dt.date
    project_checksum: str
    loads: Mapping[str, dt.datetime]  # raw table (raw.crm__account) -> its newest loaded_at


@dataclass(frozen=True)
class BuildPlan:
    full: bool
    reason: str
    changed_tables: tuple[str, ...] = ()  # raw tables whose load differs (when not full)
    as_of_changed: bool = False  # the nodes that read the as-of date are rebuilt (when not full)


def project_checksum(project_dir: Path) -> str:
    """SHA-256 over the dbt project's files that dbt reads (the ones `make manifest` watches:
    ``*.sql``, ``*.yml``, ``*.csv`` outside ``target/``, ``logs/``, ``dbt_packages/`` and
    hidden folders), with their paths: any edit to a model, macro, test, seed or var changes
    it.

    Those folders are pruned, not walked: ``target/`` grows by one folder of compiled SQL per
    dbt run (dagster-dbt's ``target/<step>-<run>-<hash>/``, about 400 files each), and walking
    and sorting the 72 000 files a worktree had gathered cost 1.2-2.2 s of every night's dbt
    step (docs/performance.md, "Measured by hand")."""
    digest = hashlib.sha256()
    skipped = {"target", "logs", "dbt_packages"}
    found: list[tuple[str, ...]] = []
    for folder, dirs, files in os.walk(project_dir):
        at = Path(folder).relative_to(project_dir).parts
        dirs[:] = [d for d in dirs if not d.startswith(".") and (at or d not in skipped)]
        found += [
            (*at, name) for name in files
            if not name.startswith(".") and Path(name).suffix in (".sql", ".yml", ".csv")
            and (at or name not in skipped)
        ]
    for parts in sorted(found):
        digest.update("/".join(parts).encode() + b"\0" + project_dir.joinpath(*parts).read_bytes()
                      + b"\0")
    return digest.hexdigest()


def current_loads(con: duckdb.DuckDBPyConnection) -> dict[str, dt.datetime]:
    """Each raw table's newest load that wrote rows, from the ingest ledger (empty before the
    first load). A file without rows (an empty ticket delta: a day without changes) is in the
    ledger, so it is not loaded again, but it changed no table: nothing is rebuilt for it.
    A table none of whose files has rows (header-only exports) counts its first load instead:
    a reload from every file (a new header, another load format) still changes it."""
    if table_columns(con, LOADED_FILES) is None:
        return {}
    return dict(con.execute(
        "SELECT table_name, coalesce(max(loaded_at) FILTER (WHERE row_count > 0), "
        f"min(loaded_at)) FROM {LOADED_FILES} GROUP BY table_name"
    ).fetchall())


def last_build(con: duckdb.DuckDBPyConnection) -> BuildInputs | None:
    """What the last successful complete build read, or None."""
    if table_columns(con, BUILT_FROM) is None:
        return None
    rows = con.execute(
        f"SELECT as_of_date, project_checksum, table_name, loaded_at FROM {BUILT_FROM}"
    ).fetchall()
    if not rows:
        return None
    return BuildInputs(rows[0][0], rows[0][1], {table: at for _, _, table, at in rows})


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the record before dbt runs: a build that fails or builds a subset leaves some
    tables newer than the record says, so the next night must rebuild everything."""
    con.execute(f"DROP TABLE IF EXISTS {BUILT_FROM}")


def remember(con: duckdb.DuckDBPyConnection, inputs: BuildInputs) -> None:
    """Record what a successful complete build read (one row per raw table).

    In one transaction: in autocommit each row was a commit of its own, each writing and
    syncing DuckDB's WAL (50-60 ms for the 15 raw tables, against 4 ms)."""
    built_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.begin()
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {BUILT_FROM} (table_name VARCHAR NOT NULL, "
            "loaded_at TIMESTAMP NOT NULL, as_of_date DATE NOT NULL, "
            "project_checksum VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL)"
        )
        con.executemany(
            f"INSERT INTO {BUILT_FROM} VALUES (?, ?, ?, ?, ?)",
            [
                (table, at, inputs.as_of, inputs.project_checksum, built_at)
                for table, at in sorted(inputs.loads.items())
            ],
        )
    except BaseException:
        con.rollback()
        raise
    con.commit()


def plan_build(
    previous: BuildInputs | None, current: BuildInputs, *, full_refresh: bool
) -> BuildPlan:
    """Rebuild everything, or only what depends on the raw tables whose load changed."""
    if full_refresh:
        return BuildPlan(True, "full refresh requested")
    if previous is None:
        return BuildPlan(True, "no record of a complete successful build in this build file")
    if previous.project_checksum != current.project_checksum:
        return BuildPlan(True, "the dbt project changed (models, macros, seeds, tests or vars)")
    changed = tuple(
        table
        for table in sorted(set(current.loads) | set(previous.loads))
        if current.loads.get(table) != previous.loads.get(table)
    )
    as_of_changed = previous.as_of != current.as_of
    reasons = [f"as-of date changed ({previous.as_of} -> {current.as_of})"] * as_of_changed
    reasons += [f"raw tables reloaded since the last build: {', '.join(changed)}"] * bool(changed)
    if not reasons:
        return BuildPlan(False, "no raw table changed since the last build")
    return BuildPlan(False, "; ".join(reasons), changed, as_of_changed)


def source_ids(manifest: Mapping[str, Any], tables: Iterable[str]) -> list[str]:
    """The dbt source unique ids of raw tables (``raw.crm__account`` -> ``source.…crm.account``)."""
    wanted = {e.qualified_table: (e.source, e.entity) for e in EXTRACTS}
    keys = {wanted[t] for t in tables if t in wanted}
    return sorted(
        uid for uid, source in manifest["sources"].items()
        if (source["source_name"], source["name"]) in keys
    )


def downstream(manifest: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """Every node reachable from ``roots`` in the manifest's child map (``root+``)."""
    children = manifest["child_map"]
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def as_of_readers(manifest: Mapping[str, Any]) -> set[str]:
    """Nodes that call :data:`AS_OF_MACRO`, directly or through other macros (dbt records
    each macro's and each node's macro calls in the manifest's ``depends_on``)."""
    macros = manifest["macros"]
    reading = {AS_OF_MACRO}
    grew = True
    while grew:  # macros calling a macro that reads it, to a fixed point
        grew = False
        for uid, macro in macros.items():
            if uid not in reading and reading & set(macro["depends_on"]["macros"]):
                reading.add(uid)
                grew = True
    return {
        uid for uid, node in manifest["nodes"].items()
        if reading & set(node.get("depends_on", {}).get("macros", []))
    }


def kept_nodes(manifest: Mapping[str, Any], plan: BuildPlan) -> list[str]:
    """Models, seeds and snapshots that tonight's build keeps as they are (unique ids), each
    after the nodes it reads. None of them reads a rebuilt node: whatever reads a rebuilt
    node is downstream of the change, hence rebuilt too."""
    if plan.full:
        return []
    changed = set(source_ids(manifest, plan.changed_tables))
    if plan.as_of_changed:
        changed |= as_of_readers(manifest)
    rebuilt = changed | downstream(manifest, changed)
    kept = {
        uid for uid, node in manifest["nodes"].items()
        if node["resource_type"] in BUILT_RESOURCES and uid not in rebuilt
    }
    ordered: list[str] = []

    def visit(uid: str) -> None:
        if uid in kept and uid not in ordered:
            for parent in sorted(manifest["parent_map"].get(uid, [])):
                visit(parent)
            ordered.append(uid)

    for uid in sorted(kept):
        visit(uid)
    return ordered


def dbt_exclude_args(manifest: Mapping[str, Any], kept: Iterable[str]) -> list[str]:
    """Names to add to ``dbt build --exclude`` for the kept nodes.

    An exclusion, not a ``--select``, because dagster-dbt adds its own ``--select`` (all
    nodes, or the run's subset) and dbt takes the union of two ``--select``: an exclusion
    intersects. Run with ``DBT_INDIRECT_SELECTION=cautious`` so that a test is excluded only
    when every node it reads is kept: a relationship test from a rebuilt model to a kept one
    still runs.
    """
    return [manifest["nodes"][uid]["name"] for uid in kept]


@dataclass(frozen=True)
class Night:
    """Tonight's dbt step: what it rebuilds and keeps, and how to record it once it succeeded."""

    warehouse: Path
    inputs: BuildInputs
    plan: BuildPlan
    complete: bool  # every dbt asset selected (the nightly job), not a subset from the UI
    kept_keys: tuple[dg.AssetKey, ...]  # selected assets kept as they are
    exclude: tuple[str, ...]  # their dbt names, for `dbt build --exclude`
    nothing_to_build: bool
    relations: frozenset[tuple[str, str]]  # (schema, table) of every model and seed

    def describe(self) -> str:
        if self.nothing_to_build:
            return f"nothing to rebuild ({self.plan.reason}); dbt is not started"
        if self.plan.full:
            return f"everything is rebuilt: {self.plan.reason}"
        return (f"{len(self.exclude)} models/seeds kept, only what depends on the change is "
                f"rebuilt: {self.plan.reason}")

    def kept_metadata(self) -> dict[str, Any]:
        """What a kept asset's event says: no row count, since nothing was counted or built."""
        return {
            "rebuilt": False,
            "kept": "not rebuilt tonight: none of its inputs (raw tables, seeds, dbt project, "
                    "and the as-of date where it reads it) changed since the last build "
                    f"({self.plan.reason})",
        }

    def dbt_env(self) -> dict[str, str]:
        # See dbt_exclude_args: a test is left out only when all the nodes it reads are kept.
        return {"DBT_INDIRECT_SELECTION": "cautious"} if self.exclude else {}

    def succeeded(self, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
        """Record what this build read; only a complete build describes every table.

        A complete build also drops the tables no model or seed builds any more (a model a
        cs360 release removed or renamed), so that neither the build nor the warehouse it
        publishes keeps a table nothing refreshes. Returns the dropped tables' names.
        ``con``: a connection to the build warehouse the caller holds (else one is opened).
        """
        if not self.complete:
            return []
        if con is None:
            with connect(self.warehouse) as own:
                return self.succeeded(own)
        remember(con, self.inputs)
        return drop_orphans(con, self.relations)


def drop_orphans(
    con: duckdb.DuckDBPyConnection, relations: Collection[tuple[str, str]]
) -> list[str]:
    """Drop the tables and views of the dbt project's schemas that are not in ``relations``."""
    schemas = sorted({schema for schema, _ in relations})
    if not schemas:
        return []
    found = con.execute(
        "SELECT table_schema, table_name, table_type FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema IN "
        f"({', '.join('?' for _ in schemas)}) ORDER BY table_schema, table_name",
        schemas,
    ).fetchall()
    dropped = []
    for schema, table, kind in found:
        if (schema, table) not in relations:
            name = f"{quote_ident(schema)}.{quote_ident(table)}"
            con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")
            dropped.append(f"{schema}.{table}")
    return dropped


def plan_night(
    settings: CsSettings,
    assets_def: dg.AssetsDefinition,
    selected: Collection[dg.AssetKey],
    translator: dagster_dbt.DagsterDbtTranslator,
) -> Night:
    """Read the record of the last build (and drop it, see :func:`forget`) and plan tonight's.

    ``assets_def``: the dbt assets, built from :func:`dbt_manifest` (the manifest parsed once a
    process: not read again here) with ``translator``, which names each kept node's asset
    (``get_asset_spec``, memoized by dagster-dbt for the manifest and project the assets were
    built from: the same spec, computed once)."""
    manifest = dbt_manifest()
    with connect(settings.build_warehouse) as con:
        inputs = BuildInputs(
            settings.as_of, project_checksum(Path(dbt_project.project_dir)), current_loads(con)
        )
        previous = last_build(con)
        forget(con)
    complete = set(selected) == set(assets_def.keys)
    if not complete:
        plan = BuildPlan(True, "a subset of the dbt assets was selected: all of it is built, "
                               "and the next complete night rebuilds everything")
    elif settings.engine != "duckdb":  # Spark's tables are rebuilt and loaded back whole
        plan = BuildPlan(True, f"the {settings.engine} engine builds everything")
    else:
        plan = plan_build(previous, inputs, full_refresh=settings.full_refresh)
    kept = kept_nodes(manifest, plan)
    kept_keys = [translator.get_asset_spec(manifest, uid, dbt_project).key for uid in kept]
    built = [uid for uid, n in manifest["nodes"].items() if n["resource_type"] in BUILT_RESOURCES]
    return Night(
        warehouse=settings.build_warehouse,
        inputs=inputs,
        plan=plan,
        complete=complete,
        kept_keys=tuple(key for key in kept_keys if key in selected),
        exclude=tuple(dbt_exclude_args(manifest, kept)),
        nothing_to_build=bool(built) and len(kept) == len(built),
        relations=frozenset(
            (manifest["nodes"][uid]["schema"], manifest["nodes"][uid]["alias"]) for uid in built
        ),
    )
