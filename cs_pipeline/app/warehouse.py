"""Read-only access to the published warehouse that follows each publish.

A publish replaces ``CS_WAREHOUSE`` by renaming a new file over it (``cs_pipeline.publish``):
a reader that has the old file open keeps reading the old inode, so the cockpit compares the
file's identity (device, inode, size, modification time) on every request and attaches the new
file when it changed. Requests already running finish on the version they started with; a
version's connection is closed when no request uses it any more.

The file is attached ``READ_ONLY`` to an in-memory DuckDB, never opened with
``duckdb.connect(path)``: DuckDB keeps one database instance per path and process, so a second
``connect`` of the same path would hand back the *old* file after a publish. A read-only
attachment takes only DuckDB's shared lock: it never blocks a run (runs write the build file,
never this one) and never holds the write lock.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cs_pipeline.config import CsSettings, connect

CATALOG = "cs360"


class WarehouseMissing(RuntimeError):
    """No published warehouse at the configured path (nothing was published yet)."""


@dataclass(frozen=True)
class FileVersion:
    """What tells one published file from the next: a publish is a rename, a new inode."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileVersion:
        try:
            st = os.stat(path)
        except FileNotFoundError as exc:
            raise WarehouseMissing(
                f"no published warehouse at {path}: run `make run` (or set CS_WAREHOUSE)"
            ) from exc
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class _Attachment:
    """One published version attached read-only, with the number of requests using it."""

    def __init__(self, path: Path, version: FileVersion) -> None:
        self.version = version
        self.users = 0
        self.retired = False
        self.con = connect(None, spill_beside=path)
        quoted = str(path).replace("'", "''")
        self.con.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
        # The attached file may already be a newer one than `version` if a publish landed
        # between stat and attach; the next request then sees a changed stat and reattaches.


class Warehouse:
    """The published warehouse at ``path``; :meth:`cursor` gives a cursor on its latest version."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current: _Attachment | None = None

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        attachment, cur = self._acquire()
        try:
            cur.execute(f"USE {CATALOG}")  # per cursor: a cursor is a connection of its own
            yield cur
        finally:
            cur.close()
            self._release(attachment)

    def _acquire(self) -> tuple[_Attachment, duckdb.DuckDBPyConnection]:
        version = FileVersion.of(self.path)
        with self._lock:
            current = self._current
            if current is None or current.version != version:
                fresh = _Attachment(self.path, version)
                if current is not None:
                    current.retired = True
                    if current.users == 0:
                        current.con.close()
                self._current = current = fresh
            current.users += 1
            return current, current.con.cursor()

    def _release(self, attachment: _Attachment) -> None:
        with self._lock:
            attachment.users -= 1
            if attachment.retired and attachment.users == 0:
                attachment.con.close()


_warehouses: dict[Path, Warehouse] = {}
_registry_lock = threading.Lock()


def published_warehouse(settings: CsSettings | None = None) -> Warehouse:
    """The process-wide :class:`Warehouse` of ``CS_WAREHOUSE`` (one per path)."""
    path = (settings or CsSettings.from_env()).warehouse
    with _registry_lock:
        if path not in _warehouses:
            _warehouses[path] = Warehouse(path)
        return _warehouses[path]
