"""Dagster's run history on SQLite without two fsyncs per event.

Dagster's SQLite storage (``DAGSTER_HOME``) opens a new connection for every event it stores and
closes it again: about 1 400 events a run (each asset and check planned, materialized or
evaluated, each log line). With SQLite's defaults each of them waits for the disk twice: the
commit (``synchronous=FULL``) and the checkpoint the last connection to close a WAL database
runs. While the run writes its DuckDB warehouse, every such fsync also waits for the warehouse's
dirty pages: 15-30 ms an event measured under write load (0.7 ms with this module), which made
Dagster's start-up (the planned events) and the tail of the dbt step (its ~400 events) cost tens
of seconds.

cs360's instance settings (``dagster-instance.yaml``, copied into ``$DAGSTER_HOME/dagster.yaml``)
name :class:`CsSqliteStorage` as the instance's storage, so every process that opens the instance
(``make run``, the webserver, the daemon that runs the schedule and the sensor, a run's worker, the
tests) uses it: Dagster's default SQLite storage on the same files in the same folders, its event
log a :class:`CsSqliteEventLogStorage` (Dagster's with the methods below overridden). Opening it
makes every SQLite connection SQLAlchemy opens in the process (Dagster is the only user of
SQLAlchemy here: its run and schedule files too) run with ``synchronous=NORMAL``, SQLite's
recommended setting for WAL databases (Dagster puts each of its files in WAL mode): a crash or
power cut loses at most the last events, and never corrupts the file. One idle connection per
database file stays open (up to :data:`MAX_KEPT` files, the most recent), so closing Dagster's
connections does not checkpoint each time; SQLite still checkpoints when the WAL passes 1 000
pages, and when the idle connection closes (at exit, or when a newer file takes its place).

It also keeps one SQLAlchemy engine per event-log file instead of the one Dagster's
``SqliteEventLogStorage`` creates and disposes around every stored event (``_connect``).
An engine holds SQLAlchemy's cache of compiled statements, so with a new engine per event every
insert was compiled again: creating the engine and compiling were ~40 % of the CPU of storing an
event (create_run_for_job of the nightly job, 256 planned events: see tests/test_fixed_costs.py).
The engine pools its connections (SQLAlchemy's default ``QueuePool`` for a SQLite file, instead
of Dagster's ``NullPool``), so an event is stored on an open connection rather than on a new one
that is configured (the pragmas above), used once and closed: 1.7 ms instead of 2.3-3.9 ms an
event measured (a run stores ~750 at an incremental night). A pooled connection holds no lock
between uses (each use is its own transaction, committed before the connection goes back), so
Dagster's other processes (webserver, daemon) read and write the files as before.

Creating a run stores one planned event per asset and check it will materialize or evaluate (259
for ``nightly_build``), each committed on its own in the run's file and in the index (677 commits),
before the first step starts. Opening the storage has Dagster hand them over as one batch
(``DAGSTER_EVENT_BATCH_SIZE``, which Dagster reads from the environment only; its SQLite storage
stores a batch one by one anyway), and ``store_event_batch`` stores a batch in one transaction per
file: the same rows, 4 commits. A new file (each run has its own) is put in WAL mode at its first
connection, before Dagster creates its 21 tables and indexes in it, each committed with a wait for
the disk in SQLite's default rollback-journal mode; Dagster switches it to WAL right after anyway.
Together a run's creation 1.0 → 0.5 s (measured in docs/performance.md, "Measured by hand").
"""

import atexit
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from dagster import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool, QueuePool

# Dagster stores a batch of events with store_event_batch when DAGSTER_EVENT_BATCH_SIZE is set
# (0 by default: one by one): a run's planned events are its only batch here (259 of
# nightly_build, one batch). Dagster 1.13 batches nothing else but the materializations or
# observations of one output for several partitions (execute_step.py): a step's outputs, its
# unpartitioned materializations and its check evaluations are stored one by one whatever the
# setting, so the ~140-370 events of the dbt step are. An explicit setting is kept.
EVENT_BATCH_SIZE = 1000
MAX_KEPT = 8  # database files held open: a run uses four (runs, index, schedules, its events)

_kept: OrderedDict[str, sqlite3.Connection] = OrderedDict()
_lock = threading.Lock()


def _main_file(connection: sqlite3.Connection) -> str:
    """The file of a connection's main database ('' for an in-memory one)."""
    rows = connection.execute("PRAGMA database_list").fetchall()
    return next((file for _, name, file in rows if name == "main"), "")


def _keep_open(path: str) -> None:
    with _lock:
        keeper = _kept.get(path)
        if keeper is None:
            keeper = _kept[path] = sqlite3.connect(path, check_same_thread=False)
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)[1].close()
        _kept.move_to_end(path)
        # A read maps the WAL index: only then does this connection count as having the file
        # open, so that other connections closing do not checkpoint. Read again at each connect:
        # a new file turns to WAL after its first connection. No transaction stays open.
        keeper.execute("PRAGMA schema_version").fetchone()


def _on_connect(connection: Any, _record: Any) -> None:
    if not isinstance(connection, sqlite3.Connection):
        return
    path = _main_file(connection)
    if path and os.path.getsize(path) == 0:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    if path:
        _keep_open(path)


def close_kept() -> None:
    """Close the pooled and the idle connections (the last to close a file checkpoints its WAL
    into the database)."""
    with _lock:
        while _engines:
            _engines.popitem()[1].dispose()
        while _kept:
            _kept.popitem()[1].close()


_engines: OrderedDict[str, Engine] = OrderedDict()


def _engine(conn_string: str) -> Engine:
    """The one engine of an event-log file (the most recent :data:`MAX_KEPT` files)."""
    with _lock:
        engine = _engines.get(conn_string)
        if engine is None:
            engine = _engines[conn_string] = create_engine(
                conn_string,
                poolclass=QueuePool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            while len(_engines) > MAX_KEPT:
                _engines.popitem(last=False)[1].dispose()
        _engines.move_to_end(conn_string)
        return engine


# The open transactions of the batch this thread is storing (store_event_batch), by file.
_batch = threading.local()
_tables_present: set[tuple[str, str]] = set()


def _apply_settings() -> None:
    """The connection settings above for every SQLite connection opened from now on in this
    process, and Dagster's batching of a run's planned events (idempotent)."""
    if not event.contains(Pool, "connect", _on_connect):
        event.listen(Pool, "connect", _on_connect)
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))


class CsSqliteStorage(DagsterSqliteStorage):
    """Dagster's default storage of an instance (``DagsterSqliteStorage``: runs, event log and
    schedules in SQLite files under ``base_dir``, in Dagster's folders) with cs360's event log,
    the settings applied before any of the files is opened. Named in ``dagster-instance.yaml``::

        storage:
          custom:
            module: cs_pipeline.run_history
            class: CsSqliteStorage
            config:
              base_dir:
                env: DAGSTER_HOME
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        _apply_settings()
        super().__init__(base_dir, inst_data=inst_data)
        # The folder of the event log Dagster just built (on a new home it created the index
        # file, the settings already applied); cs360's replaces it.
        self._event_log_storage = CsSqliteEventLogStorage(self._event_log_storage._base_dir)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, str]
    ) -> "CsSqliteStorage":
        return cls.from_local(inst_data=inst_data, **config_value)


class CsSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, stored as described above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        _apply_settings()
        super().__init__(base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """Dagster's ``_connect`` with the file's kept engine: the same transaction and
        first-use initialization, on a pooled connection, without a new engine each time.
        Inside a batch (:meth:`store_event_batch`) a file's one transaction of the batch."""
        batch: dict[str, Connection] | None = getattr(_batch, "connections", None)
        if batch is not None:
            conn_string = self.conn_string_for_shard(shard)
            if conn_string not in batch:
                engine = self._initialized_engine(shard)  # the batch holds self._db_lock
                conn = _batch.stack.enter_context(engine.connect())
                _batch.stack.enter_context(conn.begin())
                batch[conn_string] = conn
            yield batch[conn_string]
            return
        with self._db_lock:
            engine = self._initialized_engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _initialized_engine(self, shard: str) -> Engine:
        """The file's kept engine, its tables created at first use as Dagster's ``_connect``
        does (the caller holds ``self._db_lock``)."""
        engine = _engine(self.conn_string_for_shard(shard))
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Dagster's ``store_event`` for each event, in one transaction per file: all stored or,
        when one fails, none (Dagster then stores them one by one)."""
        with self._db_lock, ExitStack() as stack:
            _batch.connections, _batch.stack = {}, stack
            try:
                for entry in events:
                    self.store_event(entry)
            finally:
                _batch.connections = _batch.stack = None

    def has_table(self, table_name: str) -> bool:
        """Dagster's ``has_table`` asked on the index file's kept engine, and once per table
        that exists."""
        key = (self.conn_string_for_shard(INDEX_SHARD_NAME), table_name)
        if key in _tables_present:
            return True
        with _engine(key[0]).connect() as conn:
            present = bool(conn.dialect.has_table(conn, table_name))
        if present:
            with _lock:
                _tables_present.add(key)
        return present


atexit.register(close_kept)
