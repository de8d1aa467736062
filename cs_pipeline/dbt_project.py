"""The dbt project in `dbt_project/`, as dagster-dbt sees it, its prepared manifest
(:func:`dbt_manifest`), and the environment dbt runs in.

Kept apart from the assets so `make manifest` (``python -m cs_pipeline.dbt_project``) can
prepare the manifest before any asset definition needs it.

dbt gets cs360's settings through the environment only (profiles.yml reads the connection,
dbt_project.yml the as-of date), never through ``--vars``: dbt re-parses only what changed
when a run's vars and profile equal those of the prepared partial parse, and parses everything
again otherwise (6–9 s a run). Its profile includes the warehouse path and DuckDB's limits, so
the manifest is prepared with the environment a run of the same settings will have, and each run
keeps its own parse as the project's (:func:`keep_partial_parse`) for the next run.

dagster-dbt is imported here, for every cs360 module, without dbt-core (see
:func:`_import_dagster_dbt`).
"""

import functools
import importlib
import importlib.metadata
import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from dagster_shared.record import replace
from packaging.version import Version

from cs_pipeline.config import PROJECT_ROOT, CsSettings, DuckDBSettings, environ
from cs_pipeline.imports import absent


def _import_dagster_dbt() -> ModuleType:
    """dagster-dbt as it loads when dbt runs from another environment than Dagster's.

    cs360 only ever runs dbt as a subprocess (the ``dbt`` beside this interpreter); nothing in
    Dagster's process uses dbt-core. Yet dagster-dbt imports dbt-core whenever it can
    (``dagster_dbt.compat``) and then reads the manifest through dbt's selection engine: 2.2 s
    of the 4 s every process takes to load cs360's definitions (a run, `make dev`'s code
    server, each test). When ``dbt.version`` cannot be imported, dagster-dbt takes its
    supported path for a dbt installed elsewhere: its own copies of dbt's node types and
    statuses, and every node of the manifest for the default selection. The asset and check
    specs are the same (tests/test_fixed_costs.py compares both paths). Hidden only while
    dagster-dbt loads: dbt-core stays importable for anything else in the process. A process
    that imported dagster-dbt before cs360 keeps dbt-core's path, which works the same.
    """
    with absent("dbt.version"):
        return importlib.import_module("dagster_dbt")


dagster_dbt = _import_dagster_dbt()
DbtProject = dagster_dbt.DbtProject
# The dbt beside this interpreter, so a venv's dbt is used even when the venv is not on PATH:
# `cs360-dbt`, dbt's command line without the garbage collection at its exit (1 s a dbt step;
# cs_pipeline/dbt_cli.py), installed with this package.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("cs360-dbt"))


class CsDbtCliResource(dagster_dbt.DbtCliResource):
    """dagster-dbt's dbt resource without two costs cs360 pays for nothing on every dbt call.

    Before starting dbt, ``DbtCliResource.cli`` runs ``dbt --version`` in a subprocess (a whole
    dbt start-up, which also asks the package index for the latest release: 3.4 s measured) and
    loads the profile, project and macros in this process for a dbt adapter (3-4 s) that only
    dagster-dbt's ``fetch_row_counts``/``fetch_column_metadata`` use; cs360 describes its tables
    itself (cs_pipeline.dbt.describe_models). The dbt run is the same: the executable is the dbt
    of this interpreter, so its version is the installed dbt-core's. Guarded by
    tests/test_fixed_costs.py.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


class CsDbtProjectPreparer(dagster_dbt.DagsterDbtProjectPreparer):
    """dagster-dbt's preparation of the manifest (`make manifest`, `dagster dev`), run through
    :class:`CsDbtCliResource` instead of a plain ``DbtCliResource``: without its ``dbt
    --version`` subprocess and its in-process adapter, which needs dbt-core imported."""

    def _prepare_manifest(self, project: "dagster_dbt.DbtProject") -> None:
        resource = CsDbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
        resource.cli(self._prepare_project_cli_args, target_path=project.target_path).wait()


DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = replace(
    DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR),
    preparer=CsDbtProjectPreparer(),
)
dbt_project.prepare_if_dev()


@functools.cache
def dbt_manifest() -> Mapping[str, Any]:
    """The prepared ``manifest.json``, parsed once a process: the one ``@dbt_assets`` is built
    from (cs_pipeline.dbt), which the night's plan (cs_pipeline.build_state.plan_night) and the
    raw tables' column docs (cs_pipeline.ingest) read as well. The 1.8 MB file costs 11-20 ms
    to parse, up to 0.8 s measured in a run while another thread held the GIL. Read by cs360
    itself, so no module reaches into dagster-dbt's internals for it; never mutated."""
    path = Path(dbt_project.manifest_path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `make manifest` first")
    return json.loads(path.read_bytes())


def dbt_env(settings: CsSettings) -> dict[str, str]:
    """What dbt needs from cs360's settings: its connection (the profiles.yml target of the
    engine, by dbt's DBT_TARGET) and the run's as-of date."""
    return {
        "DBT_TARGET": settings.engine,
        "CS_BUILD_WAREHOUSE": str(settings.build_warehouse),
        **DuckDBSettings.from_env().env(),
        "CS_SPARK_DIR": str(settings.spark_dir),
        "CS_AS_OF": settings.as_of.isoformat(),
    }


PARTIAL_PARSE = "partial_parse.msgpack"


def keep_partial_parse(invocation_target: Path, project_target: Path | None = None) -> None:
    """Make the parse dbt just saved in a run's target folder the project's partial parse.

    dagster-dbt copies ``target/partial_parse.msgpack`` into each invocation's own target
    folder, where dbt updates it; without this, every run of settings other than those of
    ``make manifest`` (another CS_WAREHOUSE, CS_DUCKDB_*) would parse the whole project again.
    dbt checks the file against the project's files and profile before using it, so a stale
    one costs a re-parse, never a wrong build. Replaced by a rename: a concurrent reader sees
    the old file or the new one.
    """
    source = Path(invocation_target) / PARTIAL_PARSE
    target = (project_target or DBT_PROJECT_DIR / dbt_project.target_path) / PARTIAL_PARSE
    if not source.is_file() or source.resolve() == target.resolve():
        return
    tmp = target.with_name(f".{PARTIAL_PARSE}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


# dagster-dbt gives every dbt run its own folder in target/ (compiled SQL, dbt.log: 10-24 MB
# at 100 000 accounts): the newest are kept to read a failed run's dbt.log, the rest removed.
KEPT_RUN_FOLDERS = 14


def prune_run_folders(invocation_target: Path, keep: int = KEPT_RUN_FOLDERS) -> list[Path]:
    """Remove the folders of earlier dbt runs of the same step, all but the ``keep`` newest
    (by modification time; ``invocation_target``, this run's, is never removed). Returns the
    removed folders."""
    invocation_target = Path(invocation_target)
    step = invocation_target.name.rsplit("-", 2)[0]
    runs = sorted(
        (p for p in invocation_target.parent.glob(f"{step}-*-*")
         if p.is_dir() and p != invocation_target),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = runs[max(keep - 1, 0):]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)  # a concurrent run's prune may be first
    return removed


@contextmanager
def dbt_environ(settings: CsSettings, more: Mapping[str, str] | None = None) -> Iterator[None]:
    """dagster-dbt hands the current environment to dbt; set ours (and ``more``) only for
    that call."""
    with environ({**dbt_env(settings), **(more or {})}):
        yield


if __name__ == "__main__":  # make manifest
    with dbt_environ(CsSettings.from_env()):
        dbt_project.preparer.prepare(dbt_project)
