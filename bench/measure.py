"""What the benchmark measures: process-tree memory, the scan floor, and where a run's time went.

Pure measurement helpers for ``bench/run.py``; nothing here changes a warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from cs_pipeline.config import environ
from cs_pipeline.extract_files import CP932, transcode_to_utf8
from cs_pipeline.sources import RAW_SCHEMA

_PAGE = os.sysconf("SC_PAGE_SIZE")


# --- peak RSS of a whole process tree -------------------------------------------------------


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process visible in /proc."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # gone since the scan
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its last ")".
        fields = stat[stat.rindex(b")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def tree_rss_bytes(root: int) -> int:
    """Sum of the resident set sizes of ``root`` and all its descendants (0 once it is gone).

    Summing RSS counts pages shared between processes (libraries) once per process, so it is an
    upper bound of what the tree really holds: the safe side for a memory target.
    """
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * _PAGE
        except (OSError, IndexError):
            continue
        todo.extend(children.get(pid, ()))
    return total


@dataclass
class TreeSampler:
    """Samples the RSS of a process tree every ``interval`` seconds in a background thread."""

    root: int
    interval: float = 0.1
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch seconds, bytes)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = tree_rss_bytes(self.root)
            if rss:
                self.samples.append((time.time(), rss))
            self._stop.wait(self.interval)

    def peak_mb(self, start: float = float("-inf"), end: float = float("inf")) -> float | None:
        """Highest sample taken in [start, end], in MiB (None when no sample fell in it)."""
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return round(max(inside) / 2**20, 1) if inside else None


# --- the scan floor ---------------------------------------------------------------------------


def extract_files(extracts_dir: Path) -> list[Path]:
    """Every extract file under the folder (delta files of ``support/tickets/`` included)."""
    return sorted(
        p for p in extracts_dir.rglob("*") if p.is_file() and p.suffix in (".csv", ".jsonl")
    )


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(path: Path) -> str:
    """DuckDB's plainest reader of one extract: CSV fields as text, JSON lines as they come."""
    if path.suffix == ".jsonl":
        return f"read_json({_quote(str(path))}, format = 'newline_delimited')"
    return f"read_csv({_quote(str(path))}, all_varchar = true)"


def _count(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rows of one file, every value of it read: a bare ``count(*)`` lets DuckDB skip parsing
    the fields (a JSON file is then only split into lines), which no pipeline can do."""
    return con.execute(f"SELECT count(*), max(COLUMNS(*)) FROM {_reader(path)}").fetchone()[0]


def _load(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> int:
    """One file copied into a new table of ``con``'s database; returns its rows."""
    return con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM {_reader(path)}').fetchone()[0]


def _each_file(files: Iterable[Path], read: Callable[[Path, int], int]) -> int:
    """``read(file, index)`` for every file, summing the rows it returns.

    A file that is not UTF-8 (the Shift_JIS ERP export) is read from a UTF-8 copy, as the
    ingest must do too (DuckDB has no offline cp932 reader); the copy is part of the time.
    """
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index, path in enumerate(files):
            try:
                rows += read(path, index)
            except duckdb.InvalidInputException:
                copy = Path(tmp) / path.name
                transcode_to_utf8(path, CP932, copy)
                rows += read(copy, index)
    return rows


def scan_floor(files: Iterable[Path], settings: dict[str, str]) -> tuple[float, int]:
    """Seconds for DuckDB to read every value of every file once, and the rows."""
    started = time.perf_counter()
    with duckdb.connect(config=settings) as con:
        rows = _each_file(files, lambda path, _: _count(con, path))
    return time.perf_counter() - started, rows


# --- the floor of each stage ------------------------------------------------------------------
# What each stage of a run cannot go below on this machine, measured in the same bench run.


def ingest_floor(files: Iterable[Path], settings: dict[str, str], database: Path) -> float:
    """Seconds for DuckDB to copy every extract into a table of a new database file and
    checkpoint it: ``CREATE TABLE AS SELECT`` with the plainest readers, the least a load into
    the warehouse can cost (no types, checks, lineage columns or quarantine)."""
    return _timed_new_database(
        database,
        settings,
        lambda con: _each_file(files, lambda path, index: _load(con, path, f"extract_{index}")),
    )


def _timed_new_database(
    database: Path,
    settings: dict[str, str],
    write: Callable[[duckdb.DuckDBPyConnection], object],
) -> float:
    """Seconds to ``write`` into a new database file and checkpoint it (the file is removed
    afterwards): the frame of the floors that copy data into DuckDB."""
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(database), config=settings) as con:
        con.execute("SET enable_progress_bar_print = false")  # keeps the bench log readable
        write(con)
        con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    database.unlink()
    return seconds


def built_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    """(schema, table) of every table of an attached build file that the dbt step wrote: all
    but the ingest's raw schema (models of every materialization but views, and seeds)."""
    return con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = ? AND schema_name <> ? ORDER BY schema_name, table_name",
        [database, RAW_SCHEMA],
    ).fetchall()


def rewritten_tables(log: Path) -> list[tuple[str, str]]:
    """(schema, table) of every table one dbt run wrote whole, from its JSON ``dbt.log`` (the
    one artifact of every run, see ``dbt_nodes``): the result line of each model or seed that
    succeeded, materialized as a table or a seed. Views write no rows; an incremental model
    merged only the rows the run selected, and dbt's log gives no count of them, so it is left
    out: the floor of a night stays a floor."""
    tables = set()
    for line in log.read_text().splitlines():
        try:
            info = json.loads(line).get("data", {}).get("node_info") or {}
        except json.JSONDecodeError:  # a text line (dbt run with another log format)
            continue
        relation = info.get("node_relation") or {}
        if (
            info.get("resource_type") in ("model", "seed")
            and info.get("materialized") in ("table", "seed")
            and info.get("node_status") == "success"
            and relation.get("schema")
        ):
            tables.add((relation["schema"], relation["alias"]))
    return sorted(tables)


def models_floor(
    build: Path,
    settings: dict[str, str],
    database: Path,
    tables: list[tuple[str, str]] | None = None,
) -> float:
    """Seconds for DuckDB to write what the dbt models wrote: ``tables`` (by default every
    table of ``built_tables``: a full build's), read from the build file (attached read-only),
    copied one after the other into a new database file (``CREATE TABLE AS SELECT *``), then a
    CHECKPOINT: what the models would cost if computing their rows were free. Reading the
    build's compressed columns is part of it (less than what the models read: the raw tables)."""

    def copy(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"ATTACH {_quote(str(build))} AS build (READ_ONLY)")
        for schema, table in built_tables(con, "build") if tables is None else tables:
            con.execute(
                f'CREATE TABLE "{schema}.{table}" AS SELECT * FROM build."{schema}"."{table}"'
            )

    return _timed_new_database(database, settings, copy)


def publish_floor(build: Path) -> float:
    """Seconds to copy the build file once with ``cp`` beside itself and fsync the copy: the
    least a publish that leaves the build in place and survives a power cut must do."""
    copy = build.with_name(f".{build.name}.floor-copy")
    started = time.perf_counter()
    subprocess.run(["cp", str(build), str(copy)], check=True)
    fd = os.open(copy, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    seconds = time.perf_counter() - started
    copy.unlink()
    return seconds


def timed_command(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of one command (which must succeed), its output discarded."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


# --- where the time of one `dagster asset materialize` went -----------------------------------


@dataclass(frozen=True)
class Step:
    key: str
    start: float  # epoch seconds
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@contextmanager
def instance_at(dagster_home: Path) -> Iterator[Any]:
    """The Dagster instance of ``dagster_home``. Its ``dagster.yaml`` (dagster-instance.yaml)
    names the storage's folder by the environment's ``DAGSTER_HOME``, as every Dagster process
    has it; this process's is another folder (the Makefile's), so it is set while the instance
    opens."""
    import dagster as dg

    with environ({"DAGSTER_HOME": str(dagster_home)}), dg.DagsterInstance.from_config(
        str(dagster_home)
    ) as instance:
        yield instance


def run_steps(dagster_home: Path) -> tuple[str, list[Step]]:
    """The latest run of a Dagster instance and the start/end of each of its steps."""
    with instance_at(dagster_home) as instance:
        (run,) = instance.get_runs(limit=1)
        steps = [
            Step(s.step_key, s.start_time, s.end_time)
            for s in instance.get_run_step_stats(run.run_id)
            if s.start_time and s.end_time
        ]
    return run.run_id, sorted(steps, key=lambda s: s.start)


def _epoch(iso: str) -> float:
    """dbt's timestamps are UTC without an offset."""
    return dt.datetime.fromisoformat(iso).replace(tzinfo=dt.UTC).timestamp()


@dataclass(frozen=True)
class DbtNode:
    kind: str  # resource type: "model", "seed", "test", "unit_test", ...
    start: float  # epoch seconds
    end: float


def dbt_nodes(artifact: Path) -> list[DbtNode]:
    """Each node dbt ran, with its window: from ``run_results.json`` (compile to execute), or,
    for a run that writes no JSON artifacts (``--no-write-json``: cs360 on DuckDB), from the
    run's JSON log ``dbt.log``, whose result line of each node (model, seed, test, hook)
    carries ``node_info.node_started_at`` / ``node_finished_at`` (node start to node end)."""
    if artifact.name == "dbt.log":
        return _dbt_nodes_from_log(artifact)
    nodes = []
    for result in json.loads(artifact.read_text())["results"]:
        timing = [t for t in result["timing"] if t.get("started_at") and t.get("completed_at")]
        if timing:
            nodes.append(
                DbtNode(
                    result["unique_id"].split(".")[0],
                    min(_epoch(t["started_at"]) for t in timing),
                    max(_epoch(t["completed_at"]) for t in timing),
                )
            )
    return sorted(nodes, key=lambda n: n.start)


def _dbt_nodes_from_log(log: Path) -> list[DbtNode]:
    """Windows as close to run_results.json's as the log gives: from the node's "compiling"
    event (its ``node_started_at`` without one) to its result line (the info-level line that
    reports it: OK, PASS, ERROR, ...)."""
    compiling: dict[str, float] = {}
    started: dict[str, float] = {}
    ends: dict[str, float] = {}
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # a text line (dbt run with another log format)
            continue
        info = record.get("data", {}).get("node_info") or {}
        uid = info.get("unique_id")
        if not uid or not info.get("node_started_at"):
            continue
        ts = _epoch(record["info"]["ts"].rstrip("Z"))
        if record["info"]["code"] == "Q030":  # NodeCompiling
            compiling.setdefault(uid, ts)
        started.setdefault(uid, _epoch(info["node_started_at"]))
        if record["info"]["level"] == "info" and info.get("node_finished_at"):
            ends[uid] = ts
    return sorted(
        (DbtNode(uid.split(".")[0], compiling.get(uid, started[uid]), end)
         for uid, end in ends.items()),
        key=lambda n: n.start,
    )
