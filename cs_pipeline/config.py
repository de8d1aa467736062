"""The one place that reads cs360's settings from the environment.

Everything else receives a :class:`CsSettings` (directly, or as the Dagster resource
:class:`CsConfig`), so paths never depend on the working directory.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg
import duckdb
from pydantic import Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXTRACTS_DIR = PROJECT_ROOT / "data" / "extracts"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse" / "cs360.duckdb"
DEFAULT_SPARK_DIR = PROJECT_ROOT / "data" / "spark"
# Where dbt builds the models (docs/scale-out.md): DuckDB in the build file, or Apache Spark
# through dbt-spark, whose tables are then loaded into the build file and published the same way.
ENGINES = ("duckdb", "spark")
DEFAULT_SCHEDULE_CRON = "0 2 * * *"
DEFAULT_SCHEDULE_TZ = "UTC"
# The CS cockpit (Streamlit); an account's page is `<CS_APP_URL>/?account=<account_id>`.
DEFAULT_APP_URL = "http://127.0.0.1:8501"
# Debian's chromium drives the cockpit's browser tests and screenshots (Playwright's own browser
# download needs the internet); CS_CHROMIUM points at another binary (`make browser` installs it).
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# DuckDB may use this much memory before it spills to disk (the whole run stays under ~4 GiB
# with it at 100 000 accounts, where no step reaches it and nothing spills: more memory or
# threads than cores measured no faster, README "Performance"); threads default to the
# machine's cores.
DEFAULT_DUCKDB_MEMORY_LIMIT = "2500MB"


def parse_flag(value: str | None) -> bool:
    """An on/off environment variable: 1/true/yes/on are on, empty/0/false/no/off are off."""
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"expected 1/0, true/false, yes/no or on/off, got {value!r}")


def chromium_path() -> str:
    """The chromium binary the browser tests and screenshots start (CS_CHROMIUM, or Debian's)."""
    return os.environ.get("CS_CHROMIUM") or DEFAULT_CHROMIUM


def parse_as_of(value: str | None) -> dt.date:
    """`CS_AS_OF` as a date; today when unset or empty."""
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"CS_AS_OF must be YYYY-MM-DD, got {value!r}") from exc


@dataclass(frozen=True)
class DuckDBSettings:
    """Resources every DuckDB connection of cs360 gets, ingest, checks, publish and dbt alike.

    Set deliberately rather than left to DuckDB's default (80 % of the machine's memory), so a
    large night spills to disk instead of exhausting a shared server.
    """

    memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT  # CS_DUCKDB_MEMORY_LIMIT, e.g. "2500MB"
    threads: int = os.cpu_count() or 1  # CS_DUCKDB_THREADS

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> DuckDBSettings:
        env = os.environ if environ is None else environ
        threads = env.get("CS_DUCKDB_THREADS") or ""
        if threads and not (threads.isdigit() and int(threads) > 0):
            raise ValueError(f"CS_DUCKDB_THREADS must be a positive integer, got {threads!r}")
        return cls(
            memory_limit=env.get("CS_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT,
            threads=int(threads) if threads else cls.threads,
        )

    def env(self) -> dict[str, str]:
        """The variables dbt's profiles.yml reads, so dbt's connection gets the same limits."""
        return {"CS_DUCKDB_MEMORY_LIMIT": self.memory_limit, "CS_DUCKDB_THREADS": str(self.threads)}


def quote_ident(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A DuckDB string literal, quoted."""
    return "'" + value.replace("'", "''") + "'"


def spill_directory(database: Path) -> Path:
    """Where DuckDB spills what does not fit its memory limit: beside the database file."""
    return database.parent / f"{database.name}.tmp"


def connect(
    database: Path | None = None, *, read_only: bool = False, spill_beside: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """Every DuckDB connection cs360 opens (in-memory when ``database`` is None).

    Applies :class:`DuckDBSettings` from the environment and a spill directory beside
    ``database`` (or beside ``spill_beside`` for an in-memory connection).
    """
    if read_only and database is not None and Path(database) in _kept:
        release_kept()  # DuckDB opens a file one way per process: read-only closes the kept
    resources = DuckDBSettings.from_env()
    config = {"memory_limit": resources.memory_limit, "threads": resources.threads}
    beside = database or spill_beside
    if beside is not None:
        config["temp_directory"] = str(spill_directory(Path(beside)))
    return duckdb.connect(
        ":memory:" if database is None else str(database), read_only=read_only, config=config
    )


# The build warehouse's DuckDB instance, kept open from one raw step of a run to the next:
# opening it costs every step 50-250 ms (DuckDB's start-up and the catalog of about 100
# tables), 15 times a night. See kept_open.
_kept: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def kept_open(database: Path) -> Iterator[None]:
    """Keep ``database``'s DuckDB instance open in this process, during the block and after it
    (connections opened in the block reuse it, and so do the next block's): the raw steps of
    a run share one instance. Closed on an error, and by :func:`release_kept`, which must run
    before another process opens the file (dbt's); a read-only :func:`connect` to it closes
    it first (DuckDB refuses a second configuration of an open file in one process)."""
    if database not in _kept:
        release_kept()
        _kept[database] = connect(database)
    try:
        yield
    except BaseException:
        release_kept()
        raise


def release_kept() -> None:
    """Close what :func:`kept_open` kept (the dbt step calls it once it has planned the night,
    before dbt starts; every run calls it as it ends, through the ``cs_config`` resource)."""
    while _kept:
        _kept.popitem()[1].close()


@contextmanager
def environ(extra: Mapping[str, str]) -> Iterator[None]:
    """``extra`` set in this process's environment while the block runs, then each variable as
    it was (removed when it was not set)."""
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# The runs of this process that were interrupted (see stop_on_interrupt).
_interrupted_runs: set[str] = set()


def is_interrupt(exc: BaseException | None) -> bool:
    """Whether ``exc`` is an interrupt or was raised by one: Dagster raises
    ``DagsterExecutionInterruptedError`` in the running step when the run's process gets
    SIGINT (Ctrl-C, or the run terminated from the UI), and DuckDB's Python client turns it
    into ``RuntimeError('Query interrupted')`` (the interrupt as its cause) when it lands in
    a query."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt | dg.DagsterExecutionInterruptedError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def run_interrupted(run_id: str) -> bool:
    """Whether a step of run ``run_id`` was interrupted in this process."""
    return run_id in _interrupted_runs


@contextmanager
def stop_on_interrupt(run_id: str, what: str) -> Iterator[None]:
    """End the run promptly when it is interrupted during the block (a raw step, dbt's, the
    checks on the marts, publish).

    Left to Dagster, an interrupted step of the in-process executor is retried by its
    RETRY_POLICY 30 s later and the run's other steps go on (Dagster issue #15026: the run
    never stops); and a DuckDB connection closed right after an interrupted statement (a
    second interrupt landing in the load's rollback) leaves the file's DuckDB instance open in
    the process, so that the next ``duckdb.connect`` of the file spins forever (DuckDB 1.5).
    Here the step fails instead, without a retry, and every later step of the run that enters
    this block fails at once, before it opens the build file: nothing is published, BI keeps
    the last good warehouse, and the next run loads what was rolled back."""
    if run_interrupted(run_id):
        raise dg.Failure(
            description=f"{what}: not run, the run was interrupted (see the interrupted step)",
            allow_retries=False,
        )
    try:
        yield
    except BaseException as exc:
        if not is_interrupt(exc):
            raise
        _interrupted_runs.add(run_id)
        raise dg.Failure(
            description=(
                f"{what}: interrupted (Ctrl-C, SIGINT/SIGTERM or the run terminated), what it "
                "was writing rolled back. The run stops here: its remaining steps fail without "
                "running and nothing is published (BI keeps the last good warehouse); the next "
                "run does again what this one did not finish."
            ),
            allow_retries=False,
        ) from exc


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    """A table's columns in order, or None when it does not exist.

    Read from an empty query of the table, not from ``information_schema`` (which lists the
    whole catalog: 10-30 ms on a built warehouse, against under 1 ms), as every raw step
    asks it of its own tables every night.
    """
    try:
        return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    except duckdb.CatalogException:
        return None


def parse_engine(value: str | None) -> str:
    """`CS_ENGINE`: `duckdb` (default) or `spark`."""
    engine = (value or "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"CS_ENGINE must be one of {', '.join(ENGINES)}, got {value!r}")
    return engine


@dataclass(frozen=True)
class CsSettings:
    extracts_dir: Path
    warehouse: Path
    as_of: dt.date
    full_refresh: bool = False  # reload every extract file and rebuild every dbt node
    engine: str = "duckdb"  # CS_ENGINE: where dbt builds the models
    spark_dir: Path = DEFAULT_SPARK_DIR  # CS_SPARK_DIR: raw Parquet, Spark's tables and catalog
    app_url: str = DEFAULT_APP_URL  # CS_APP_URL: the cockpit

    def account_url(self, account_id: str) -> str:
        """The cockpit's page of one account."""
        return f"{self.app_url.rstrip('/')}/?account={account_id}"

    @property
    def build_warehouse(self) -> Path:
        """The working file a run builds into; BI tools never open it.

        It sits beside the published file (same filesystem) so publishing is an atomic rename.
        """
        return self.warehouse.parent / "build" / self.warehouse.name

    @property
    def run_failures_log(self) -> Path:
        """JSON lines of failed runs, beside the published file so a BI page can read it."""
        return self.warehouse.parent / "run_failures.jsonl"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> CsSettings:
        env = os.environ if environ is None else environ
        return cls(
            extracts_dir=Path(env.get("CS_EXTRACTS_DIR") or DEFAULT_EXTRACTS_DIR).resolve(),
            warehouse=Path(env.get("CS_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
            as_of=parse_as_of(env.get("CS_AS_OF")),
            full_refresh=parse_flag(env.get("CS_FULL_REFRESH")),
            app_url=env.get("CS_APP_URL") or DEFAULT_APP_URL,
            engine=parse_engine(env.get("CS_ENGINE")),
            spark_dir=Path(env.get("CS_SPARK_DIR") or DEFAULT_SPARK_DIR).resolve(),
        )


@dataclass(frozen=True)
class AutomationSettings:
    """When the nightly build runs and where a failed run is announced.

    Read when the code location loads: a schedule's cron is part of its definition.
    """

    schedule_cron: str = DEFAULT_SCHEDULE_CRON
    schedule_tz: str = DEFAULT_SCHEDULE_TZ
    alert_webhook_url: str | None = None  # POSTed a JSON body per failed run when set

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AutomationSettings:
        env = os.environ if environ is None else environ
        tz = env.get("CS_SCHEDULE_TZ") or DEFAULT_SCHEDULE_TZ
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"CS_SCHEDULE_TZ must be an IANA time zone, got {tz!r}") from exc
        return cls(
            schedule_cron=env.get("CS_SCHEDULE_CRON") or DEFAULT_SCHEDULE_CRON,
            schedule_tz=tz,
            alert_webhook_url=env.get("CS_ALERT_WEBHOOK_URL") or None,
        )


# Every asset and check step, whatever starts the run (schedule, sensor, launchpad, "Materialize"
# in the lineage, `make run`), retries twice on an error (30 s, then 60 s later, jittered) for
# transient trouble such as a file locked by a stray reader. A failed check is not an error of
# the step and is not retried; a failing `dbt build` is (dagster-dbt raises): two more dbt runs
# before the failure is recorded. On the assets rather than on a job or in the instance's
# `run_retries` (which needs the daemon and re-launches whole runs), so one rule holds everywhere.
RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

# Who answers for every asset and check: the data team (shown as the owner in the UI).
OWNERS = ["team:data"]
LAYER_TAG = "layer"  # raw, staging, intermediate, marts, config, publish

AS_OF_TAG = "cs360/as_of"
# Set on a run whose failed ERROR check withheld a raw asset's output: everything downstream
# was skipped and nothing published, though no step failed (cs_pipeline/ingest.py).
STOPPED_BY_TAG = "cs360/stopped_by"


# The tags this process has set on (or found on) the running run: each raw step tags the run
# with its as-of date, and reading the run back from the instance for that cost every step
# 5-15 ms. Only the latest run's are kept.
_tagged: dict[str, dict[str, str]] = {}


def tag_run(context: dg.AssetExecutionContext, tags: dict[str, str]) -> None:
    """Add tags to the running run (shown in its header and the runs list), whatever started
    it: the schedule, a sensor, the launchpad, "Materialize" in the lineage or `make run`."""
    known = _tagged.get(context.run_id, {})
    if all(known.get(k) == v for k, v in tags.items()):
        return
    current = context.instance.get_run_by_id(context.run_id).tags
    new = {k: v for k, v in tags.items() if current.get(k) != v}
    if new:
        context.instance.add_run_tags(context.run_id, new)
    _tagged.clear()
    _tagged[context.run_id] = {**known, **current, **tags}


class CsConfig(dg.ConfigurableResource):
    """cs360 settings as a Dagster resource (shown in the UI, overridable per run)."""

    extracts_dir: str
    warehouse: str
    as_of: str = ""  # empty: today, resolved when a run starts, not when the code loads
    full_refresh: bool = Field(
        default=False,
        description=(
            "Reload every extract file (tickets: from every delivered file), even unchanged "
            "ones, and rebuild every dbt node, incremental models from scratch "
            "(marts.health_history is kept). Env CS_FULL_REFRESH."
        ),
    )
    engine: str = Field(
        default="duckdb",
        description="Where dbt builds the models: duckdb or spark (docs/scale-out.md). "
        "Env CS_ENGINE.",
    )
    spark_dir: str = Field(
        default=str(DEFAULT_SPARK_DIR),
        description="CS_ENGINE=spark: the raw Parquet export, Spark's tables and catalog. "
        "Env CS_SPARK_DIR.",
    )

    app_url: str = Field(
        default=DEFAULT_APP_URL,
        description="The CS cockpit; an account's page is <app_url>/?account=<id>. Env CS_APP_URL.",
    )

    @classmethod
    def from_env(cls) -> CsConfig:
        s = CsSettings.from_env()
        return cls(
            extracts_dir=str(s.extracts_dir),
            warehouse=str(s.warehouse),
            as_of=os.environ.get("CS_AS_OF", ""),
            full_refresh=s.full_refresh,
            app_url=s.app_url,
            engine=s.engine,
            spark_dir=str(s.spark_dir),
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        release_kept()  # the build warehouse the raw steps kept open, if no dbt step closed it

    def as_of_metadata(self, context: dg.AssetExecutionContext) -> dict[str, str]:
        """The run's as-of date: tagged on the run, and returned for a materialization's
        metadata, so every page of the UI says which day its figures are for."""
        as_of = self.settings.as_of.isoformat()
        tag_run(context, {AS_OF_TAG: as_of})
        return {"as_of": as_of}

    @property
    def settings(self) -> CsSettings:
        return CsSettings(
            extracts_dir=Path(self.extracts_dir),
            warehouse=Path(self.warehouse),
            as_of=parse_as_of(self.as_of),
            full_refresh=self.full_refresh,
            app_url=self.app_url,
            engine=parse_engine(self.engine),
            spark_dir=Path(self.spark_dir),
        )
