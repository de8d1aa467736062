"""Dagster's run history on SQLite without two fsyncs per event.

Dagster's SQLite storage (``DAGSTER_HOME``) opens a new connection for every event it stores and
closes it again: about 1 400 events a run (each asset and check planned, materialized or
evaluated, each log line). With SQLite's defaults each of them waits for the disk twice: the
commit (``synchronous=FULL``) and the checkpoint the last connection to close a WAL database
runs. While the run writes its DuckDB warehouse, every such fsync also waits for the warehouse's
dirty pages: 15-30 ms an event measured under write load (0.7 ms with this module), which made
Dagster's start-up (the planned events) and the tail of the dbt step (its ~400 events) cost tens
of seconds.

:func:`install` makes every SQLite connection SQLAlchemy opens in this process (Dagster is the
only user of SQLAlchemy here) run with ``synchronous=NORMAL``, SQLite's recommended setting for
WAL databases (Dagster puts each of its files in WAL mode): a crash or power cut loses at most the
last events, and never corrupts the file. One idle connection per database file stays open (up
to :data:`MAX_KEPT` files, the most recent), so closing Dagster's connections does not checkpoint
each time; SQLite still checkpoints when the WAL passes 1 000 pages, and when the idle connection
closes (at exit, or when a newer file takes its place).
"""

import atexit
import sqlite3
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool

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
    connection.execute("PRAGMA synchronous=NORMAL")
    path = _main_file(connection)
    if path:
        _keep_open(path)


def close_kept() -> None:
    """Close the idle connections (each checkpoints its file's WAL into the database)."""
    with _lock:
        while _kept:
            _kept.popitem()[1].close()


def install() -> None:
    """Apply the settings above to every SQLite connection opened from now on (idempotent)."""
    if not event.contains(Pool, "connect", _on_connect):
        event.listen(Pool, "connect", _on_connect)


atexit.register(close_kept)
