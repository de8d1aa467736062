"""What keeps a run's fixed cost down stays in place (issue 8: each run's start-up costs).

Each test names the cost it guards; the seconds themselves are measured by `make bench`.
"""

import errno
import importlib.metadata
import inspect
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgpack
import pytest
from packaging.version import Version
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from cs_pipeline import publish, run_history
from cs_pipeline.config import PROJECT_ROOT, connect, kept_open, release_kept
from cs_pipeline.dbt import dbt_resource
from cs_pipeline.dbt_project import (
    DBT_PROJECT_DIR,
    PARTIAL_PARSE,
    keep_partial_parse,
    prune_run_folders,
)


def test_dbt_resource_does_not_run_dbt_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """dagster-dbt's `dbt --version` subprocess (3.4 s, and a call to the package index) is not
    run: the version is the installed dbt-core's, the same dbt the resource runs."""

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    resource = type(dbt_resource)(
        project_dir=dbt_resource.project_dir, dbt_executable=dbt_resource.dbt_executable
    )  # a new one: the version is not cached yet
    assert resource._cli_version == Version(importlib.metadata.version("dbt-core"))
    assert resource._cli_version.major < 2  # dbt Core, not the Fusion engine: events parse as such
    assert Path(resource.dbt_executable).name == "cs360-dbt"  # dbt; cs_pipeline/dbt_cli.py


def test_dbt_resource_loads_no_adapter_in_process() -> None:
    """No in-process dbt adapter (profile, project and macros loaded: 3-4 s); cs360 describes
    its tables itself (cs_pipeline.dbt.describe_models)."""
    assert dbt_resource._initialize_dbt_core_adapter(["build"]) is None


# Prints what the code location defines, for comparing two ways of loading it.
_DESCRIBE_DEFINITIONS = """
import json, sys
from cs_pipeline.definitions import defs
graph = defs.resolve_asset_graph()
assets = {
    spec.key.to_user_string(): [
        sorted(d.asset_key.to_user_string() for d in spec.deps), spec.group_name, spec.owners,
        sorted(spec.tags.items()), sorted(spec.kinds), spec.description, sorted(spec.metadata),
    ]
    for a in defs.assets for spec in a.specs
}
checks = {
    str(key): [spec.description, spec.blocking,
               sorted(d.asset_key.to_user_string() for d in spec.additional_deps)]
    for a in defs.assets for key, spec in a.check_specs_by_output_name.items()
}
dbt = sorted(m for m in sys.modules if m == "dbt" or m.startswith("dbt."))
print(json.dumps({"assets": assets, "checks": checks, "dbt_modules": dbt}))
"""


def _describe_definitions(before: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", before + _DESCRIBE_DEFINITIONS],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def test_definitions_load_without_dbt_core() -> None:
    """Loading cs360's definitions imports no dbt-core (2.2 s of a 4 s load: dagster-dbt's
    import of it and its selection engine over the manifest), and defines the same assets and
    checks as dagster-dbt's dbt-core path, taken by a process that imported dbt-core first."""
    cheap = _describe_definitions()
    assert cheap["dbt_modules"] == []
    with_dbt_core = _describe_definitions("import dbt.version\n")
    assert with_dbt_core["dbt_modules"] != []
    assert len(cheap["assets"]) > 90 and len(cheap["checks"]) > 100
    assert cheap["assets"] == with_dbt_core["assets"]
    assert cheap["checks"] == with_dbt_core["checks"]


def test_the_dagster_dbt_internals_cs360_overrides_are_still_used() -> None:
    """CsDbtCliResource and CsDbtProjectPreparer override private dagster-dbt methods (it has no
    public way to skip its `dbt --version` subprocess, its in-process adapter, or the plain
    resource its preparer runs dbt with): a release that renamed or stopped calling one would
    bring its cost back silently, the overrides then being dead code."""
    from cs_pipeline.dbt_project import CsDbtCliResource, CsDbtProjectPreparer, dagster_dbt

    cli = inspect.getsource(dagster_dbt.DbtCliResource.cli)
    assert "self._cli_version" in cli and "self._initialize_dbt_core_adapter(" in cli
    prepare = inspect.getsource(dagster_dbt.DagsterDbtProjectPreparer.prepare)
    assert "self._prepare_manifest" in prepare
    for base, subclass, name in (
        (dagster_dbt.DbtCliResource, CsDbtCliResource, "_cli_version"),
        (dagster_dbt.DbtCliResource, CsDbtCliResource, "_initialize_dbt_core_adapter"),
        (dagster_dbt.DagsterDbtProjectPreparer, CsDbtProjectPreparer, "_prepare_manifest"),
    ):
        assert name in vars(base) and name in vars(subclass)


def test_manifest_is_prepared_through_the_cs360_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make manifest` and `dagster dev` parse through CsDbtCliResource (make manifest: ~10 s ->
    ~5 s): no `dbt --version` subprocess and no in-process adapter, which would need dbt-core
    imported (dagster-dbt logged a traceback for it)."""
    from cs_pipeline.dbt_project import CsDbtCliResource, dbt_project

    calls = []

    class Finished:
        def wait(self) -> None:
            return None

    def cli(self: CsDbtCliResource, args: list[str], **kwargs: object) -> Finished:
        calls.append((type(self), list(args), kwargs.get("target_path")))
        return Finished()

    monkeypatch.setattr(CsDbtCliResource, "cli", cli)
    dbt_project.preparer.prepare(dbt_project)
    assert calls == [(CsDbtCliResource, ["parse", "--quiet"], dbt_project.target_path)]


def test_a_runs_partial_parse_becomes_the_projects(tmp_path: Path) -> None:
    """The next run of the same settings parses only what changed instead of everything."""
    invocation, project = tmp_path / "cs360_dbt_models-abc", tmp_path / "target"
    invocation.mkdir()
    project.mkdir()
    (project / PARTIAL_PARSE).write_bytes(b"prepared by make manifest")
    keep_partial_parse(invocation, project)  # dbt failed before parsing: nothing to keep
    assert (project / PARTIAL_PARSE).read_bytes() == b"prepared by make manifest"
    (invocation / PARTIAL_PARSE).write_bytes(b"parsed by this run")
    keep_partial_parse(invocation, project)
    assert (project / PARTIAL_PARSE).read_bytes() == b"parsed by this run"
    assert sorted(p.name for p in project.iterdir()) == [PARTIAL_PARSE]  # no temporary left


def test_no_parsed_file_depends_on_the_as_of_date() -> None:
    """A new night's CS_AS_OF re-parses no model: as_of_date() reads it only when dbt executes
    (46 files were re-parsed each night before, ~1.5 s). Reads the parse `make manifest` saved."""
    path = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE
    if not path.is_file():
        pytest.skip("no prepared partial parse: run `make manifest`")
    with open(path, "rb") as f:
        saved = msgpack.unpack(f, raw=False, strict_map_key=False)
    depends = sorted(
        name for name, file in saved["files"].items() if "CS_AS_OF" in (file.get("env_vars") or [])
    )
    # dbt re-parses the files that read a changed env var; the manifest-wide list of env vars
    # read anywhere (it depends on which runs last saved the parse) decides nothing by itself.
    assert depends == []


def _event_log(base_dir: Path) -> run_history.CsSqliteEventLogStorage:
    """cs360's event log storage on ``base_dir``, as the storage of an instance from
    dagster-instance.yaml opens it."""
    return run_history.CsSqliteEventLogStorage(str(base_dir))


def test_run_history_connections_do_not_fsync_each_event(tmp_path: Path) -> None:
    """Once the instance's event log is open, Dagster's SQLite connections run with
    synchronous=NORMAL, and closing one does not checkpoint the WAL (the idle connection kept
    open), so storing an event waits for no disk."""
    _event_log(tmp_path / "events")
    database = tmp_path / "history.db"
    engine = create_engine(f"sqlite:///{database}", poolclass=NullPool)  # as Dagster's storage
    with engine.connect() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("CREATE TABLE events (n INTEGER)"))
        conn.commit()
    for n in range(3):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
            conn.execute(text("INSERT INTO events VALUES (:n)"), {"n": n})
            conn.commit()
    wal = database.with_name(database.name + "-wal")
    assert wal.stat().st_size > 0  # closing the connections checkpointed nothing
    assert str(database) in run_history._kept
    run_history.close_kept()  # the last connection closes: SQLite checkpoints
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT n FROM events ORDER BY n").fetchall() == [(0,), (1,), (2,)]


def test_the_dagster_storage_methods_cs360_overrides_are_still_used() -> None:
    """CsSqliteEventLogStorage overrides methods of Dagster's SqliteEventLogStorage that are not
    a public API, and CsSqliteStorage replaces the event log DagsterSqliteStorage builds: a
    release that renamed them, or changed what _connect and has_table repeat, would bring their
    cost back silently (or break the batch), the overrides then dead code."""
    from dagster._core.storage.event_log.base import EventLogStorage
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
    from dagster._core.storage.sqlite_storage import DagsterSqliteStorage

    cs360 = run_history.CsSqliteEventLogStorage
    for base, name in ((SqliteEventLogStorage, "_connect"), (SqliteEventLogStorage, "has_table"),
                       (EventLogStorage, "store_event_batch")):
        assert name in vars(base) and name in vars(cs360), name
    storage = inspect.getsource(DagsterSqliteStorage.__init__)  # CsSqliteStorage replaces it
    assert "self._event_log_storage = SqliteEventLogStorage(" in storage
    assert "DagsterSqliteStorage.from_local(" in inspect.getsource(
        DagsterSqliteStorage.from_config_value)  # CsSqliteStorage overrides it to be itself
    connect = inspect.getsource(SqliteEventLogStorage._connect)
    for what in ("create_engine(", "poolclass=NullPool", "self._initdb(engine)", "conn.begin()"):
        assert what in connect, f"Dagster's _connect changed ({what}): review run_history"
    assert "create_engine(" in inspect.getsource(SqliteEventLogStorage.has_table)
    store = inspect.getsource(SqliteEventLogStorage.store_event)
    assert "self.run_connection(" in store and "self.index_connection()" in store


def test_event_log_keeps_one_engine_per_file(tmp_path: Path) -> None:
    """Dagster's SQLite event log creates and disposes an engine around every stored event,
    which also throws away SQLAlchemy's compiled statements: cs360's keeps one engine per file
    (40 % less CPU per event), and events are stored and read as before."""
    import dagster as dg

    storage = _event_log(tmp_path)
    engines = []
    for n in range(3):
        with storage.run_connection("run-1") as conn:
            engines.append(conn.engine)
            conn.execute(text("SELECT 1"))
        storage.store_event(dg.EventLogEntry(
            error_info=None, level="INFO", user_message=f"event {n}", run_id="run-1",
            timestamp=1_700_000_000.0 + n,
        ))
    assert engines[0] is engines[1] is engines[2]
    stored = storage.get_records_for_run("run-1").records
    assert [r.event_log_entry.user_message for r in stored] == ["event 0", "event 1", "event 2"]


def test_event_log_stores_events_on_pooled_connections(tmp_path: Path) -> None:
    """An event is stored on a connection the engine keeps open, not on a new one configured
    (pragmas), used once and closed: 1.7 ms instead of 2.3-3.9 ms an event."""
    import dagster as dg

    storage = _event_log(tmp_path)
    connections = []
    for n in range(3):
        with storage.run_connection("run-1") as conn:
            connections.append(conn.connection.dbapi_connection)
        storage.store_event(dg.EventLogEntry(
            error_info=None, level="INFO", user_message=f"event {n}", run_id="run-1",
            timestamp=1_700_000_000.0 + n,
        ))
    assert connections[0] is connections[1] is connections[2]
    with sqlite3.connect(tmp_path / "run-1.db") as other:  # no lock held between uses
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    assert len(storage.get_records_for_run("run-1").records) == 3
    run_history.close_kept()  # closes the pooled connections too
    assert not any(str(tmp_path) in key for key in run_history._engines)


def test_event_log_asks_once_whether_a_table_exists(tmp_path: Path) -> None:
    """Dagster asks whether an index table exists before storing each asset event's tags and
    each check evaluation, on a new engine every time (1.7 ms, ~370 times a night): cs360's
    event log asks about a table that exists once; about a missing one each time."""
    storage = _event_log(tmp_path)
    asked: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        asked.append(statement)

    engine = run_history._engine(storage.conn_string_for_shard("index"))
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert storage.has_table("asset_check_executions")
        first = len(asked)
        assert first > 0
        for _ in range(5):
            assert storage.has_table("asset_check_executions")
        assert len(asked) == first, "a table known to exist is not asked about again"
        assert not storage.has_table("no_such_table")
        assert not storage.has_table("no_such_table")
        assert len(asked) > first, "a missing table is asked about each time"
    finally:
        event.remove(engine, "before_cursor_execute", count)
        run_history.close_kept()


def test_the_instance_settings_open_cs360s_event_log_in_any_process(tmp_path: Path) -> None:
    """A process that imports none of cs360's code (the webserver, the daemon that runs the
    schedule and the sensor) opens cs360's storage from $DAGSTER_HOME/dagster.yaml: Dagster's
    default files, in the same folders, with cs360's event log and Dagster's batching of planned
    events on; every file in WAL mode from its creation."""
    import dagster as dg

    home, default_home = tmp_path / "dagster_home", tmp_path / "default_home"
    home.mkdir()
    default_home.mkdir()
    (default_home / "dagster.yaml").write_text("")
    dg.DagsterInstance.from_config(str(default_home)).dispose()  # Dagster's own default storage
    shutil.copy(PROJECT_ROOT / "dagster-instance.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_EVENT_BATCH_SIZE"}
    out = subprocess.run(
        [sys.executable, "-c", "import os, sys\n"
         "import dagster as dg\n"
         "instance = dg.DagsterInstance.get()\n"
         "cs360 = sorted(m for m in sys.modules if m.startswith('cs_pipeline.'))\n"
         "print(type(instance.event_log_storage).__name__, "
         "os.environ['DAGSTER_EVENT_BATCH_SIZE'], cs360)"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
        env={**env, "DAGSTER_HOME": str(home)},
    ).stdout
    assert out.splitlines()[-1] == (
        f"CsSqliteEventLogStorage {run_history.EVENT_BATCH_SIZE} ['cs_pipeline.run_history']"
    )
    files = sorted(str(f.relative_to(home)) for f in home.rglob("*.db"))
    assert files == sorted(str(f.relative_to(default_home)) for f in default_home.rglob("*.db"))
    assert len(files) == 3  # runs, schedules, the event log's index
    for file in files:
        with sqlite3.connect(home / file) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",), file


def test_a_runs_planned_events_are_stored_in_one_transaction_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creating a run of nightly_build stores one planned event per asset and check (259):
    Dagster's own SQLite instance committed each on its own, two to three times (the run's
    file, the index), 677 commits; an instance opened from dagster-instance.yaml (as the daemon
    opens it for the schedule and the sensor) stores them in one transaction per file (Dagster's
    batch of planned events), the same events. The same DAGSTER_HOME, first Dagster's default
    instance then cs360's: the earlier run and its events stay readable, no migration."""
    import collections

    import dagster as dg
    from sqlalchemy.engine import Engine

    from cs_pipeline.nightly import nightly_job

    job = nightly_job()
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "0")  # restored after the test
    planned: dict[str, collections.Counter] = {}
    commits: dict[str, collections.Counter] = {}
    runs: dict[str, str] = {}
    for mode in ("Dagster's", "cs360's"):
        if mode == "Dagster's":
            (home / "dagster.yaml").write_text("")
        else:
            shutil.copy(PROJECT_ROOT / "dagster-instance.yaml", home / "dagster.yaml")
            monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE")  # as in a daemon: opening sets it
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)  # the instance's files exist before the run is created
        counted = commits[mode] = collections.Counter()

        def on_commit(conn: Any, counted: collections.Counter = counted) -> None:
            counted[Path(conn.engine.url.database or "").name] += 1

        event.listen(Engine, "commit", on_commit)
        try:
            runs[mode] = instance.create_run_for_job(job_def=job).run_id
        finally:
            event.remove(Engine, "commit", on_commit)
        for name, run_id in runs.items():  # an earlier run stays readable
            planned[name] = collections.Counter(
                (r.event_log_entry.dagster_event.event_type_value,
                 str(r.event_log_entry.dagster_event.asset_key
                     or r.event_log_entry.dagster_event.asset_check_planned_data.asset_check_key))
                for r in instance.get_records_for_run(run_id, limit=10_000).records
            )
        assert {r.run_id for r in instance.get_runs()} == set(runs.values())
        instance.dispose()
    run_history.close_kept()
    assert planned["cs360's"] == planned["Dagster's"]
    kinds = collections.Counter(kind for kind, _ in planned["cs360's"].elements())
    assert kinds["ASSET_MATERIALIZATION_PLANNED"] > 90
    assert kinds["ASSET_CHECK_EVALUATION_PLANNED"] > 100
    assert commits["Dagster's"]["index.db"] > 300
    assert commits["cs360's"]["index.db"] == 1
    run_file = runs["cs360's"] + ".db"
    assert commits["cs360's"][run_file] <= 3  # Dagster's creation of the file, then the batch


def test_a_new_event_log_file_starts_in_wal_mode(tmp_path: Path) -> None:
    """Dagster creates a run's event-log file (21 tables and indexes, each its own commit)
    before it switches the file to WAL mode: in rollback-journal mode each of those commits
    waited for the disk. Once cs360's event log is open a new file is in WAL mode from its first
    connection (a run's creation 1.0 -> 0.5 s with the batch above); an existing file is left
    as it is."""
    _event_log(tmp_path / "events")
    existing = tmp_path / "existing.db"
    sqlite3.connect(existing).execute("CREATE TABLE t (n INTEGER)").connection.close()
    for path, mode in ((tmp_path / "new.db", "wal"), (existing, "delete")):
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == mode
    run_history.close_kept()


def test_a_run_reads_the_manifest_once(tmp_path: Path) -> None:
    """The 1.8 MB manifest is read and parsed once a process (11-20 ms, up to 0.8 s while
    another thread held the GIL): the dbt assets, the raw tables' column docs and the night's
    plan share cs_pipeline.dbt_project.dbt_manifest."""
    out = subprocess.run(
        [sys.executable, "-c", "import pathlib, sys\n"
         "reads = []\n"
         "read_bytes, read_text = pathlib.Path.read_bytes, pathlib.Path.read_text\n"
         "def seen(read):\n"
         "    def spy(self, *args, **kwargs):\n"
         "        reads.extend([self.name] if self.name == 'manifest.json' else [])\n"
         "        return read(self, *args, **kwargs)\n"
         "    return spy\n"
         "pathlib.Path.read_bytes, pathlib.Path.read_text = seen(read_bytes), seen(read_text)\n"
         "from cs_pipeline.build_state import plan_night\n"
         "from cs_pipeline.config import CsSettings\n"
         "from cs_pipeline.definitions import defs\n"
         "from cs_pipeline.dbt import cs360_dbt_models, dbt_translator\n"
         "from cs_pipeline.ingest import contract_column_docs\n"
         "settings = CsSettings.from_env({'CS_WAREHOUSE': sys.argv[1]})\n"
         "settings.build_warehouse.parent.mkdir()\n"
         "assert contract_column_docs()\n"
         "plan_night(settings, cs360_dbt_models, cs360_dbt_models.keys, dbt_translator)\n"
         "print(reads)", str(tmp_path / "cs360.duckdb")],
        check=True, capture_output=True, text=True,
    ).stdout
    assert out.splitlines()[-1] == "['manifest.json']"


def test_a_process_that_loaded_the_definitions_exits_without_a_final_collection() -> None:
    """Python's garbage collection over Dagster's, dbt's and GX's modules on the way out of a
    run took 0.8-2 s: the code location freezes them at exit (atexit runs it before)."""
    out = subprocess.run(
        [sys.executable, "-c", "import atexit, gc\n"
         "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
         "import cs_pipeline.definitions"],
        check=True, capture_output=True, text=True,
    ).stdout
    assert out.splitlines()[-1] == "frozen True"


def test_dbt_runs_without_a_final_collection_and_without_dagster() -> None:
    """The dbt process cs360 starts (cs360-dbt) skips Python's garbage collection on its way
    out (0.8-1.4 s between dbt's last log line and its exit at 10 000 accounts), and does not
    import Dagster through the cs_pipeline package (0.8 s of CPU)."""
    from cs_pipeline.dbt_project import DBT_EXECUTABLE

    assert Path(DBT_EXECUTABLE).name == "cs360-dbt" and Path(DBT_EXECUTABLE).is_file()
    out = subprocess.run(
        [sys.executable, "-c", "import atexit, gc, sys\n"
         "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0, "
         "'dagster' in sys.modules))\n"
         "sys.argv = ['cs360-dbt', '--help']\n"
         "from cs_pipeline.dbt_cli import main\n"
         "main()"],
        check=True, capture_output=True, text=True,
    ).stdout
    assert "Usage: cs360-dbt" in out  # dbt's own command line
    assert out.splitlines()[-1] == "frozen True False"


def test_a_raw_step_starts_importing_great_expectations_before_its_load(tmp_path: Path) -> None:
    """A raw step starts the GX import (2.5 s) in a thread before it loads anything, so on a
    night that validates only the ticket delta the import runs beside the 13 steps before it;
    validation waits for it. A fresh process: GX not imported yet (a script, not `python -c`:
    pyspark, which GX imports, exits a process without a main file)."""
    extracts = tmp_path / "extracts" / "finance"
    extracts.mkdir(parents=True)
    (extracts / "fx_rates.csv").write_text("currency,month,rate_to_usd\nUSD,2024-06,1\n")
    code = (
        "import dagster as dg\n"
        "from cs_pipeline import ingest\n"
        "from cs_pipeline.config import CsConfig\n"
        "from cs_pipeline.quality import runner\n"
        "seen = []\n"
        "load = ingest.load_extract\n"
        "def spy(*args, **kwargs):\n"
        "    seen.append(runner._gx_loader and runner._gx_loader.name)\n"
        "    return load(*args, **kwargs)\n"
        "ingest.load_extract = spy\n"
        "[asset] = [a for a in ingest.raw_assets if a.key.path == ['finance', 'fx_rates']]\n"
        f"config = CsConfig(extracts_dir={str(tmp_path / 'extracts')!r}, "
        f"warehouse={str(tmp_path / 'warehouse' / 'cs360.duckdb')!r}, as_of='2024-06-30')\n"
        "result = dg.materialize([asset], resources={'cs_config': config})\n"
        "print(result.success, seen, runner._gx_loader.is_alive())\n"
    )
    script = tmp_path / "step.py"
    script.write_text(code)
    out = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True
    ).stdout
    assert out.splitlines()[-1] == "True ['cs360-gx-import'] False"


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_publish_copies_every_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: bool
) -> None:
    """The publish copy runs in the kernel (copy_file_range) and, where the kernel cannot copy
    between the two files, through Python; either way the copy is the build, byte for byte."""
    if not kernel_copy:

        def unsupported(*args: object) -> int:
            raise OSError(errno.EXDEV, "cross-device")

        monkeypatch.setattr(os, "copy_file_range", unsupported)
    source = tmp_path / "build.duckdb"
    source.write_bytes(bytes(range(256)) * 40_000 + b"tail")  # ~10 MB, not a chunk multiple
    publish._copy_bytes(source, tmp_path / "copy.duckdb")
    assert (tmp_path / "copy.duckdb").read_bytes() == source.read_bytes()
    with pytest.raises(FileExistsError):  # never over an existing file
        publish._copy_bytes(source, tmp_path / "copy.duckdb")


def test_only_the_newest_dbt_run_folders_are_kept(tmp_path: Path) -> None:
    """dagster-dbt leaves a folder per dbt run in target/: a night keeps the newest few (a
    failed run's dbt.log), whatever their names sort as, and leaves other folders alone."""
    target = tmp_path / "target"
    names = ["cs360_dbt_models-zzz0000-0000001", "cs360_dbt_models-aaa0000-0000002",
             "cs360_dbt_models-mmm0000-0000003", "cs360_dbt_models-bbb0000-0000004"]
    for age, name in enumerate(names):  # the first name is the newest folder, the last the oldest
        (target / name).mkdir(parents=True)
        os.utime(target / name, (1_000_000 - age, 1_000_000 - age))
    (target / "manifest-prepared").mkdir()
    this_run = target / "cs360_dbt_models-ccc0000-0000005"
    this_run.mkdir()
    os.utime(this_run, (0, 0))  # even when its clock says otherwise, this run's stays

    removed = prune_run_folders(this_run, keep=3)

    assert sorted(p.name for p in removed) == sorted(names[2:])
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [*names[:2], "manifest-prepared", this_run.name])


def test_the_raw_steps_instance_is_shared_and_closed_for_a_reader(tmp_path: Path) -> None:
    """The raw steps of a run share one DuckDB instance of the build file; a read-only
    connection to it afterwards (a check, publish) closes that instance instead of failing
    on DuckDB's one-configuration-per-file rule, and the rows are there for it."""
    build = tmp_path / "cs360.duckdb"
    with kept_open(build), connect(build) as con:
        con.execute("CREATE TABLE t AS SELECT 42 AS x")
    with connect(build) as con:  # the next raw step: same instance, so it sees t
        assert con.execute("SELECT x FROM t").fetchall() == [(42,)]
    with connect(build, read_only=True) as con:
        assert con.execute("SELECT x FROM t").fetchall() == [(42,)]
    release_kept()
