"""Raw assets: every extract file of the registry, loaded as delivered into DuckDB's `raw` schema.

One asset per entry of :data:`cs_pipeline.sources.EXTRACTS` (declare once, generate), keyed
``[source, entity]`` so that it is the upstream of dbt's ``source('<source>', '<entity>')``.
A raw table keeps the file's exact column names, every value as text (typing is staging's
job, where a bad value can be reported instead of failing the load), plus lineage columns
``_source_file``, ``_row_number`` and ``_loaded_at``.

Parsing is DuckDB's native readers with a fixed dialect and declared columns, one pass per
file; Python only checks the encoding, the header (for JSON lines: the keys of a bounded sample
of records) and, on failure, names the offending line. DuckDB connections come from
:func:`cs_pipeline.config.connect` (bounded memory, spilling beside the warehouse).

Every file loaded is remembered in the ledger :data:`LOADED_FILES` (path, size, mtime, SHA-256,
rows, when, :data:`LOAD_FORMAT`): a file that has not changed since this release's loader
loaded its table from it is not read again, and the table is kept as it is (README,
"Incremental nights"). The tickets may also arrive as
delta files (``support/tickets/*.jsonl``): each is loaded once and appended (README,
"Incremental ticket exports").
"""

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import dagster as dg
import duckdb

from cs_pipeline.config import (
    LAYER_TAG,
    OWNERS,
    RETRY_POLICY,
    STOPPED_BY_TAG,
    CsConfig,
    connect,
    kept_open,
    quote_ident,
    quote_literal,
    stop_on_interrupt,
    table_columns,
    tag_run,
)
from cs_pipeline.dbt_project import dbt_manifest
from cs_pipeline.extract_files import (
    CP932,
    UTF8,
    UTF8_BOM,
    ExtractFileError,
    check_columns,
    detect_encoding,
    find_bad_json_line,
    has_utf8_bom,
    read_csv_header,
    transcode_to_utf8,
)
from cs_pipeline.publish import restore_build
from cs_pipeline.quality.checks import raw_check_results, stopping_failures, table_check_specs
from cs_pipeline.quality.freshness import (
    evaluate_freshness,
    freshness_check_result,
    freshness_check_spec,
)
from cs_pipeline.quality.row_counts import (
    check_row_count,
    row_count_check_result,
    row_count_check_spec,
)
from cs_pipeline.quality.rules import raw_table_spec
from cs_pipeline.quality.runner import import_gx_in_background
from cs_pipeline.sources import EXTRACTS, LINEAGE_COLUMNS, RAW_SCHEMA, Extract

PREVIEW_ROWS = 5
PROGRESS_SECONDS = 30  # a file still loading is reported this often
_PREVIEW_CELL_CHARS = 60
# Records of a JSON-lines file read in Python to find its top-level keys (see _jsonl_keys).
JSON_SAMPLE_RECORDS = 10_000
# DuckDB's CSV reader buffer. With DuckDB's own size, about a third of the loads of a
# 60-120 MB CSV (row order kept, two threads) took 1.6-1.9x the CPU of the others; with
# 32 MB none did: crm/Task.csv of 100 000 accounts (1 M rows), median CPU 3.2 -> 1.8 s,
# Opportunity.csv 1.8 -> 1.1 s (docs/performance.md, "Measured by hand"). Same rows, same order.
CSV_BUFFER_BYTES = 32 << 20
# The piece of a file hashed at a time (see sha256_of).
HASH_BUFFER_BYTES = 32 << 20
# The files each raw table was loaded from: path, size, mtime, checksum, rows, when, and
# the load format of the release that loaded them.
LOADED_FILES = f"{RAW_SCHEMA}._loaded_files"
# How this release turns files into a raw table, recorded with each file in the ledger. Bump it
# in a release that changes what a load writes for the same file: the raw table's columns or
# their types, the lineage columns (e.g. how `_row_number` counts), how a value is read (a
# JSON value's text, an encoding, the CSV dialect) or which rows are kept. The next night
# then reloads every table loaded by another format from all its files, as a full refresh of
# that table does, and dbt rebuilds what reads it (README, "Incremental nights"). A ledger
# written before the format was recorded counts as format 1 (see _ensure_ledger).
LOAD_FORMAT = 1

LINEAGE_DESCRIPTIONS = {
    "_source_file": "Path of the delivered file, relative to the extracts folder.",
    "_row_number": "1-based record number in the file (header excluded).",
    "_loaded_at": "When this load ran (UTC).",
}


@dataclass(frozen=True)
class LoadReport:
    """What one load did, for the materialization's metadata."""

    path: Path
    table: str
    encoding: str
    columns: list[str]  # the table's columns from the files, in order of first appearance
    drift: list[str]  # columns the contract does not name (kept)
    row_count: int  # rows in the table after the load
    preview_columns: list[str]
    preview_rows: list[tuple]
    files_loaded: list[str] = field(default_factory=list)  # relative paths, in load order
    files_skipped: list[str] = field(default_factory=list)  # loaded on an earlier run
    rows_appended: int = 0  # rows this load wrote
    full_load: bool = True  # the table was (re)built from every file, not appended to
    reload_reason: str = ""
    unchanged: bool = False  # no file changed or arrived: nothing was read, the table is kept
    loaded_at: dt.datetime | None = None  # when the table's newest rows were loaded


@dataclass(frozen=True)
class _File:
    """One delivered file, checked and ready to read."""

    relative: str  # path relative to the extracts root, as `_source_file` holds it
    path: Path
    readable: Path  # the file itself, or its UTF-8 copy
    encoding: str
    columns: list[str]
    stat: os.stat_result
    # False for a JSON-lines file taken as UTF-8 without a scan of its own: DuckDB's parser
    # verifies it (see _prepare); if DuckDB refuses it, the file is scanned after all.
    encoding_verified: bool = True


class _UnverifiedJson(Exception):
    """A JSON-lines file not yet scanned for its encoding failed to parse: the scan decides
    whether it is cp932 text (load a UTF-8 copy) or bad JSON (``error()`` names the line)."""

    def __init__(self, relative: str, path: Path, error: Callable[[], ExtractFileError]) -> None:
        super().__init__(f"{path}: not parseable as UTF-8 JSON lines")
        self.relative, self.path, self.error = relative, path, error


def _duckdb_message(exc: duckdb.Error) -> str:
    """DuckDB's parse error without its 'Possible fixes' (they suggest loosening the dialect)."""
    text = str(exc).split("Possible fixes:")[0]
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in :data:`HASH_BUFFER_BYTES` pieces into one buffer.

    Reading a piece and hashing it each let go of the GIL, and taking it back waits up to
    Python's switch interval (5 ms) while another thread runs Python: on a night the Great
    Expectations import runs in a thread beside the first raw steps, so with 1 MB pieces the
    unchanged 122 MB ``crm/Task.csv`` of 100 000 accounts took 0.8 s to hash instead of 0.07
    (docs/performance.md, "Measured by hand"). With few, big pieces the hashing runs on the
    other core.
    """
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as f:
        buffer = bytearray(min(max(os.fstat(f.fileno()).st_size, 1), HASH_BUFFER_BYTES))
        view = memoryview(buffer)
        while read := f.readinto(buffer):
            digest.update(view[:read])
    return digest.hexdigest()


# The files of the running run hashed ahead of their steps (see hash_ahead): path ->
# ((size, mtime) before and after the hash, SHA-256), or None when the file moved meanwhile.
_ahead: dict[Path, Future[tuple[tuple[int, int], str] | None]] = {}
_ahead_run: list[str] = []  # the run they are for


def hash_ahead(
    run_id: str,
    extracts: Sequence[Extract],
    extracts_dir: Path,
    warehouse: Path,
    *,
    full_refresh: bool = False,
) -> None:
    """Start hashing, in one thread, the files the raw steps of run ``run_id`` (``extracts``)
    will hash, once per run; a step then takes its file's SHA-256 from there
    (:func:`_digest`) instead of hashing it itself.

    Those files are every whole export (each is hashed every night, changed or not: README,
    "Incremental nights"; 424 MB of CSVs at 100 000 accounts, 0.4 s of CPU) and each file of
    an extract delivered in pieces (the tickets) that the ledger of ``warehouse`` does not
    hold at its size and mtime, which its step loads or checks (:func:`_change`): on a full
    build the 5.4 GB ticket export (3.6 s of CPU at 100 000 accounts), on a night the day's
    delta; a ticket file held unchanged is not read. Hashed in its step, a file waited for
    the step before it, and the ticket export was hashed beside its own load, which keeps
    both cores busy; hashed here, it runs on the other core from the first raw step on,
    beside the steps' own Python and the Great Expectations import, which hold the GIL that
    hashing lets go of. The raw steps of a run share this process (the in-process executor,
    definitions.py).
    """
    if _ahead_run == [run_id]:
        return
    _ahead.clear()
    _ahead_run[:] = [run_id]
    held = set() if full_refresh else _held_files(warehouse)
    paths = []
    for e in extracts:
        for relative in e.delivered_files(extracts_dir):
            path = extracts_dir / relative
            try:
                key = (e.qualified_table, relative, *_stat_key(path.stat()))
            except OSError:  # removed meanwhile: its step reports it
                continue
            if e.delta_folder is None or key not in held:
                paths.append(path)
    futures: dict[Path, Future[tuple[tuple[int, int], str] | None]] = {p: Future() for p in paths}
    _ahead.update(futures)

    def hash_all() -> None:
        for path, future in futures.items():
            try:
                before = _stat_key(path.stat())
                digest = sha256_of(path)
                same = _stat_key(path.stat()) == before
                future.set_result((before, digest) if same else None)
            except OSError:  # removed meanwhile: its step reports it
                future.set_result(None)

    threading.Thread(target=hash_all, name="cs360-hash-ahead", daemon=True).start()


def _held_files(warehouse: Path) -> set[tuple[str, str, int, int]]:
    """The files the ledger of ``warehouse`` holds: (table, path, size, mtime)."""
    if not warehouse.is_file():
        return set()
    with connect(warehouse) as con:
        if table_columns(con, LOADED_FILES) is None:
            return set()
        rows = con.execute(f"SELECT table_name, path, size, mtime_ns FROM {LOADED_FILES}")
        return set(rows.fetchall())


def _digest(path: Path, stat: os.stat_result) -> str:
    """``path``'s SHA-256: hashed ahead (:func:`hash_ahead`) when it has not moved since, else
    now."""
    future = _ahead.pop(path, None)
    found = None if future is None else future.result()
    if found is not None and found[0] == _stat_key(stat):
        return found[1]
    return sha256_of(path)


def load_extract(
    extract: Extract,
    extracts_dir: Path,
    warehouse: Path,
    loaded_at: dt.datetime,
    *,
    full_refresh: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> LoadReport:
    """Load an extract into ``raw.<source>__<entity>`` in one transaction.

    ``log`` hears each file's size as its load starts, its progress every
    :data:`PROGRESS_SECONDS` while it loads, and its rows and MB/s when done.

    A table is kept as it is, nothing loaded, when the ledger ``raw._loaded_files`` says that
    none of its files changed (same size and SHA-256; ticket files: same size and mtime, else
    same SHA-256: see :func:`_change`) and no new delta file arrived: the report then says
    ``unchanged``. An extract with a delta folder (the tickets) appends only the files the
    ledger has not seen. A table is rebuilt from every file when ``full_refresh`` is set, on
    its first load, when the ledger says another :data:`LOAD_FORMAT` loaded it, or when the
    base export (``extract.file``) changed or was removed: a full export replaces history. A
    delta file that changed after it was loaded is an error naming it.

    Raises :class:`ExtractFileError`, naming the file, when a file is missing, empty, not
    UTF-8/cp932 text, lacks a required column or is not parseable in the contract's dialect.
    On any failure the previous table and ledger stay as they were.
    """
    encodings: dict[str, str] = {}  # files DuckDB refused, with their encoding found by a scan
    while True:
        try:
            return _load_extract(
                extract, extracts_dir, warehouse, loaded_at, full_refresh, log, encodings
            )
        except _UnverifiedJson as exc:  # rolled back; was it the encoding or the JSON?
            encoding = detect_encoding(exc.path)  # ExtractFileError when neither UTF-8 nor cp932
            if encoding != CP932:
                raise exc.error() from None
            encodings[exc.relative] = encoding  # load it again, from a UTF-8 copy


def _load_extract(
    extract: Extract,
    extracts_dir: Path,
    warehouse: Path,
    loaded_at: dt.datetime,
    full_refresh: bool,
    log: Callable[[str], None],
    encodings: dict[str, str],
) -> LoadReport:
    delivered = extract.delivered_files(extracts_dir)
    if not delivered:
        raise ExtractFileError(
            f"{extracts_dir / extract.file}: file not found (expected the {extract.source} extract)"
        )
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as cleanup, connect(warehouse) as con:
        # Only a file that needs a UTF-8 copy gets a scratch folder: creating and removing
        # one cost every step tens of milliseconds on a busy disk, unchanged tables included.
        scratch = functools.cache(lambda: Path(cleanup.enter_context(
            tempfile.TemporaryDirectory(prefix="cs360-ingest-"))))
        con.execute("SET preserve_insertion_order = true")  # _row_number follows the file
        # DuckDB tracks a query's progress (query_progress(), for the log) only with its
        # progress bar on; it prints nothing.
        con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
        con.begin()
        try:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
            # The SHA-256s _plan computed, per path: a file it found changed is then loaded
            # without being hashed a second time.
            digests: dict[Path, tuple[tuple[int, int], str]] = {}
            full, reason, skipped = _plan(
                con, extract, extracts_dir, delivered, full_refresh, digests
            )
            to_load = [f for f in delivered if f not in skipped]
            if not full and not to_load:
                # Rows a load interrupted between its commit and its numbering left without a
                # number (a load numbers them with its own rows, below).
                _number_rows(con, extract.qualified_table)
                con.commit()  # the ledger's touched mtimes (see _plan)
                return _unchanged_report(con, extract, extracts_dir, skipped)
            files = [
                _prepare(extract, extracts_dir, f, scratch, encodings.get(f)) for f in to_load
            ]
            columns = _table_columns(con, extract, files, full)
            if full:
                con.execute(f"CREATE OR REPLACE TABLE {extract.qualified_table} ({_ddl(columns)})")
            if full:  # the ledger: exactly these files
                con.execute(
                    f"DELETE FROM {LOADED_FILES} WHERE table_name = ?", [extract.qualified_table]
                )
            appended = 0
            for f in files:
                # The ledger's checksum is computed while DuckDB reads the file (hashlib
                # releases the GIL), not in a pass of its own after the load; a file _plan
                # hashed already (a changed base export), or hashed ahead, is not hashed again.
                hashed = digests.get(f.path)
                known = hashed[1] if hashed and hashed[0] == _stat_key(f.stat) else None
                with ThreadPoolExecutor(max_workers=1) as hasher:
                    sha256 = hasher.submit(
                        lambda f=f, known=known: known or _digest(f.path, f.stat)
                    )
                    rows = _insert_logged(con, extract, f, loaded_at, log)
                    appended += rows
                    con.execute(
                        f"INSERT INTO {LOADED_FILES} (table_name, path, size, mtime_ns, "
                        "sha256, row_count, loaded_at, load_format) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [extract.qualified_table, f.relative, f.stat.st_size,
                         f.stat.st_mtime_ns, sha256.result(), rows, loaded_at, LOAD_FORMAT],
                    )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        _number_rows(con, extract.qualified_table)  # its own transaction: see _number_rows
        report = _report(con, extract, extracts_dir, files, columns)
    return replace(
        report,
        files_loaded=[f.relative for f in files],
        files_skipped=skipped,
        rows_appended=appended,
        full_load=full,
        reload_reason=reason,
        loaded_at=loaded_at,
    )


def _plan(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    extracts_dir: Path,
    delivered: list[str],
    full_refresh: bool,
    digests: dict[Path, tuple[tuple[int, int], str]],
) -> tuple[bool, str, list[str]]:
    """(rebuild the table from every file?, why, files already loaded and skipped).

    ``digests`` receives the SHA-256 of each file hashed here (see :func:`_change`)."""
    _ensure_ledger(con)
    if full_refresh:
        return True, "full refresh requested", []
    exists = table_columns(con, extract.qualified_table) is not None
    ledger = con.execute(
        f"SELECT path, size, mtime_ns, sha256, loaded_at, load_format FROM {LOADED_FILES} "
        "WHERE table_name = ? ORDER BY path",
        [extract.qualified_table],
    ).fetchall()
    if not exists or not ledger:
        return True, "first load", []
    formats = sorted({load_format for *_, load_format in ledger})
    if formats != [LOAD_FORMAT]:  # another release loaded it: its files are not read again
        return True, (
            f"loaded by load format {' and '.join(map(str, formats))}, this release loads "
            f"format {LOAD_FORMAT}: reloaded from every file"
        ), []
    base_changed = ""
    for relative, size, mtime_ns, sha256, when, _ in ledger:
        path = extracts_dir / relative
        # A whole-file export (no delta folder) is rewritten every night: only its bytes say
        # whether it changed. Ticket files are never rewritten (contract) and gigabytes big.
        change = _change(path, size, mtime_ns, sha256,
                         trust_mtime=extract.delta_folder is not None, digests=digests)
        if change is None:
            continue
        if change == "touched":  # same bytes, new mtime: remember it, so it is not re-hashed
            con.execute(
                f"UPDATE {LOADED_FILES} SET mtime_ns = ? WHERE table_name = ? AND path = ?",
                [path.stat().st_mtime_ns, extract.qualified_table, relative],
            )
        elif relative == extract.file:
            base_changed = f"{relative} {change} since it was loaded at {when}: a full export"
        else:
            raise ExtractFileError(
                f"{path}: this delivered file {change} since it was loaded at {when}; a "
                f"delivered file is never changed afterwards. Deliver changes as a new file in "
                f"{extract.delta_folder}/, or rebuild from every file with a full refresh "
                f"(CS_FULL_REFRESH=1, make run FULL_REFRESH=1)",
                path,
            )
    if base_changed:
        return True, base_changed, []
    loaded = {relative for relative, *_ in ledger}
    return False, "", [f for f in delivered if f in loaded]


def _unchanged_report(
    con: duckdb.DuckDBPyConnection, extract: Extract, extracts_dir: Path, skipped: list[str]
) -> LoadReport:
    """The report of a table kept as it was: its rows and load time from the ledger, its
    columns from the catalog; nothing is scanned (a count and a preview of 10 M tickets are
    not free, and they would say what the last load's metadata already says)."""
    rows, loaded_at = con.execute(
        f"SELECT sum(row_count), max(loaded_at) FROM {LOADED_FILES} WHERE table_name = ?",
        [extract.qualified_table],
    ).fetchone()
    columns = [
        c for c in table_columns(con, extract.qualified_table) if c not in LINEAGE_COLUMNS
    ]
    return LoadReport(
        path=extracts_dir / extract.file,
        table=extract.qualified_table,
        encoding="-",
        columns=columns,
        drift=[c for c in columns if c not in extract.columns],
        row_count=int(rows),
        preview_columns=[],
        preview_rows=[],
        files_skipped=skipped,
        full_load=False,
        unchanged=True,
        loaded_at=loaded_at,
    )


def _change(
    path: Path,
    size: int,
    mtime_ns: int,
    sha256: str,
    *,
    trust_mtime: bool,
    digests: dict[Path, tuple[tuple[int, int], str]],
) -> str | None:
    """How a loaded file differs from its ledger entry: None (same), "touched" (new mtime,
    same bytes) or what changed. With ``trust_mtime`` the file is re-hashed only when its
    size or mtime changed; without, whenever its size is the same. A hash computed here goes
    into ``digests``: path -> ((size, mtime), SHA-256)."""
    if not path.is_file():
        return "was removed"
    stat = path.stat()
    if stat.st_size != size:
        return f"changed size ({size} -> {stat.st_size} bytes)"
    if trust_mtime and stat.st_mtime_ns == mtime_ns:
        return None
    digest = _digest(path, stat)
    digests[path] = (_stat_key(stat), digest)
    if digest != sha256:
        return "changed content (SHA-256 differs)"
    return None if stat.st_mtime_ns == mtime_ns else "touched"


def _stat_key(stat: os.stat_result) -> tuple[int, int]:
    """What says a file was not rewritten since it was hashed: its size and mtime."""
    return stat.st_size, stat.st_mtime_ns


def _ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger, or add the load format to one an older release wrote (in place, its
    rows kept: they were loaded by format 1, the column's default)."""
    columns = table_columns(con, LOADED_FILES)
    if columns is None:
        con.execute(
            f"CREATE TABLE {LOADED_FILES} ("
            "table_name VARCHAR NOT NULL, path VARCHAR NOT NULL, size BIGINT NOT NULL, "
            "mtime_ns BIGINT NOT NULL, sha256 VARCHAR NOT NULL, row_count BIGINT NOT NULL, "
            "loaded_at TIMESTAMP NOT NULL, load_format INTEGER NOT NULL DEFAULT 1)"
        )
    elif "load_format" not in columns:  # DuckDB adds a column without its constraint
        con.execute(f"ALTER TABLE {LOADED_FILES} ADD COLUMN load_format INTEGER DEFAULT 1")
        con.execute(f"ALTER TABLE {LOADED_FILES} ALTER COLUMN load_format SET NOT NULL")


def _prepare(
    extract: Extract,
    extracts_dir: Path,
    relative: str,
    scratch: Callable[[], Path],
    encoding: str | None = None,
) -> _File:
    """Check one file's encoding and columns (before a row is written); transcode if needed.

    A CSV is scanned for its encoding first. A JSON-lines file is not (a 5 GB ticket export
    took seconds to scan): DuckDB's JSON parser rejects an invalid UTF-8 byte or a NUL as it
    parses, so a file it loads was UTF-8 text; one it refuses is scanned then
    (:class:`_UnverifiedJson`). ``encoding`` is the encoding such a scan found. ``scratch``
    gives the folder for a UTF-8 copy.
    """
    path = extracts_dir / relative
    stat = path.stat()
    is_delta = relative != extract.file
    if stat.st_size == 0 and not is_delta:  # an empty delta is a night without changes
        what = "no header row" if extract.format == "csv" else "no records"
        raise ExtractFileError(f"{path}: empty: {what}", path)
    # A JSON-lines file with a BOM is copied anyway (below), so it is scanned as before.
    verified = encoding is not None or extract.format == "csv" or has_utf8_bom(path)
    if encoding is None:
        encoding = detect_encoding(path) if verified else UTF8
    readable = path
    # DuckDB reads UTF-8 only (its encodings extension is not available offline) and its
    # JSON reader rejects a BOM, so those files are read from a streamed UTF-8 copy.
    if encoding != UTF8 and not (encoding == UTF8_BOM and extract.format == "csv"):
        folder = scratch()
        readable = folder / f"{len(list(folder.iterdir()))}-{path.name}"
        transcode_to_utf8(path, encoding, readable)
    if extract.format == "csv":
        columns = read_csv_header(readable, label=path)
    else:
        try:
            columns = _jsonl_keys(path, readable)
        except ExtractFileError as exc:
            if verified:
                raise
            error = exc
            raise _UnverifiedJson(relative, path, lambda: error) from exc
    if columns or not is_delta:
        check_columns(path, columns, extract.columns)
    return _File(relative, path, readable, encoding, columns, stat, verified)


def _jsonl_keys(path: Path, readable: Path) -> list[str]:
    """Top-level keys of the first :data:`JSON_SAMPLE_RECORDS` records, in order of first
    appearance (so the raw table's columns read like the records).

    A bounded sample, read in Python, instead of a second full parse of a file that can hold
    gigabytes: DuckDB's reader then parses every line once with these columns declared. A key
    that first appears after the sample is not loaded (and not reported as drift); each new
    delta file is sampled on its own, so a key an export starts sending shows up in the first
    file that carries it.
    """
    keys: dict[str, None] = {}
    records = 0
    with readable.open("rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                raise _json_error(path, readable, "malformed JSON") from None
            if not isinstance(value, dict):
                raise _json_error(path, readable, "a record is not a JSON object")
            keys.update(dict.fromkeys(value))
            records += 1
            if records >= JSON_SAMPLE_RECORDS:
                break
    return list(keys)


def _table_columns(
    con: duckdb.DuckDBPyConnection, extract: Extract, files: list[_File], full: bool
) -> list[str]:
    """The raw table's columns (lineage excluded): the existing ones when appending, then any
    key a new file brings, in order of first appearance; the contract's when neither gives
    one. A new key on an append rebuilds the table with the column added before the lineage
    columns (rare: a drifted export)."""
    columns: dict[str, None] = {}
    if not full:
        existing = table_columns(con, extract.qualified_table)
        columns.update(dict.fromkeys(c for c in existing if c not in LINEAGE_COLUMNS))
    known = list(columns)
    for f in files:
        columns.update(dict.fromkeys(f.columns))
    if not columns:  # a first load of empty delta files only: the contract's columns, no rows
        columns.update(dict.fromkeys(extract.columns))
    added = [c for c in columns if c not in known]
    if not full and added:
        nulls = ", ".join(f"CAST(NULL AS VARCHAR) AS {quote_ident(c)}" for c in added)
        kept = ", ".join(quote_ident(c) for c in known)
        lineage = ", ".join(LINEAGE_COLUMNS)
        con.execute(
            f"CREATE OR REPLACE TABLE {extract.qualified_table} AS "
            f"SELECT {kept}, {nulls}, {lineage} FROM {extract.qualified_table}"
        )
    return list(columns)


def _ddl(columns: Sequence[str]) -> str:
    return ", ".join(
        [f"{quote_ident(c)} VARCHAR" for c in columns]
        + ["_source_file VARCHAR", "_row_number BIGINT", "_loaded_at TIMESTAMP"]
    )


def _insert_logged(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    f: _File,
    loaded_at: dt.datetime,
    log: Callable[[str], None],
) -> int:
    """:func:`_insert`, telling ``log`` how far it got: a big file is never silent for long."""
    mb = f.stat.st_size / 1e6
    log(f"{f.relative}: loading {mb:,.1f} MB ({f.encoding})")
    started = time.monotonic()
    done = threading.Event()

    def report_progress() -> None:
        while not done.wait(PROGRESS_SECONDS):
            percent = con.query_progress()  # DuckDB's own estimate for the running query
            share = f"{percent:.0f}% of " if percent >= 0 else ""
            log(f"{f.relative}: {share}{mb:,.1f} MB after {time.monotonic() - started:.0f}s")

    reporter = threading.Thread(target=report_progress, daemon=True)
    reporter.start()
    try:
        rows = _insert(con, extract, f, loaded_at)
    finally:
        done.set()
        reporter.join()
    seconds = time.monotonic() - started
    log(f"{f.relative}: {rows:,} rows, {mb:,.1f} MB in {seconds:.1f}s "
        f"({mb / max(seconds, 1e-3):,.0f} MB/s)")
    return rows


def _insert(
    con: duckdb.DuckDBPyConnection, extract: Extract, f: _File, loaded_at: dt.datetime
) -> int:
    """Append one file's rows: one pass of DuckDB's reader over the file, nothing sniffed.

    The reader runs on every thread; ``_row_number`` is left empty and filled after the
    load's commit (:func:`_number_rows`). A ``row_number()`` window in the insert (or
    ``WITH ORDINALITY``, which DuckDB plans as one) would number the rows as they are read,
    but it makes the scan single-threaded.
    """
    if not f.columns:  # an empty delta file
        return 0
    reader = _csv_reader(f) if extract.format == "csv" else _jsonl_reader(f)
    selected = ", ".join(quote_ident(c) for c in f.columns)
    lineage = (
        f"{quote_literal(f.relative)} AS _source_file, "
        f"TIMESTAMP {quote_literal(loaded_at.isoformat(sep=' '))} AS _loaded_at"
    )
    table = extract.qualified_table
    try:
        rows = con.execute(
            f"INSERT INTO {table} BY NAME SELECT {selected}, {lineage} FROM {reader}"
        ).fetchone()[0]
    except duckdb.InvalidInputException as exc:  # the readers' parse errors
        if extract.format == "csv":
            raise ExtractFileError(
                f"{f.path}: not a valid comma-separated, double-quoted CSV: "
                f"{_duckdb_message(exc)}",
                f.path,
            ) from exc
        if not f.encoding_verified:
            message = _duckdb_message(exc)
            raise _UnverifiedJson(
                f.relative, f.path, lambda: _json_error(f.path, f.readable, message)
            ) from exc
        raise _json_error(f.path, f.readable, _duckdb_message(exc)) from exc
    return rows


def _number_rows(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Set ``_row_number`` of the rows that have none (the rows a load just committed): per
    file, the row's ``rowid`` minus the file's first one, plus 1.

    A file's rows were appended by one insert, in the file's order
    (``preserve_insertion_order``), so their rowids are consecutive from its first line.
    Run after the load's commit, in a transaction of its own: an ``UPDATE`` of the rows the
    load's own transaction appended made its commit rewrite them (about 10 s of a 10 M-row
    ticket load), one of committed rows writes only the new numbers (docs/performance.md,
    "Measured by hand"). A load interrupted in between leaves rows without a number; the
    table's next load numbers them (with its own rows, or alone when it loads nothing). Costs a
    millisecond when every row has its number.
    """
    con.execute(
        f"UPDATE {table} AS t SET _row_number = t.rowid - f.first_rowid + 1 "
        f"FROM (SELECT _source_file, min(rowid) AS first_rowid FROM {table} "
        f"WHERE _row_number IS NULL GROUP BY ALL) AS f "
        f"WHERE t._row_number IS NULL AND t._source_file = f._source_file"
    )


def _csv_reader(f: _File) -> str:
    """DuckDB's CSV reader with the contract's dialect, nothing sniffed.

    The column list comes from the header already checked, so names are exact and a row with
    more or fewer fields than the header is an error (strict mode), never padded or skipped.
    Read in :data:`CSV_BUFFER_BYTES` buffers.
    """
    columns = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in f.columns)
    return (
        f"read_csv({quote_literal(str(f.readable))}, header = true, delim = ',', quote = '\"', "
        f"escape = '\"', comment = '', skip = 0, auto_detect = false, strict_mode = true, "
        f"null_padding = false, ignore_errors = false, buffer_size = {CSV_BUFFER_BYTES}, "
        f"columns = {{{columns}}})"
    )


def _jsonl_reader(f: _File) -> str:
    """DuckDB's JSON reader, one object per line, every key declared as text.

    A VARCHAR column gives what ``json_extract_string`` gives: strings unquoted, numbers and
    booleans as their JSON text, objects and arrays as JSON text, JSON null as NULL. A line
    that is not an object is an error (records = true), never skipped.
    """
    columns = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in f.columns)
    return (
        f"read_json({quote_literal(str(f.readable))}, format = 'newline_delimited', "
        f"records = true, auto_detect = false, ignore_errors = false, "
        f"columns = {{{columns}}})"
    )


def _json_error(path: Path, readable: Path, duckdb_says: str) -> ExtractFileError:
    bad = find_bad_json_line(readable)
    if bad is None:
        return ExtractFileError(f"{path}: not valid JSON lines: {duckdb_says}", path)
    line, reason = bad
    return ExtractFileError(f"{path}: line {line}: {reason}", path)


def _report(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    extracts_dir: Path,
    files: list[_File],
    columns: list[str],
) -> LoadReport:
    table = extract.qualified_table
    row_count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    preview_columns = ["_row_number", *columns]
    # A file's rows are numbered 1, 2, ... (_number_rows), so the first rows in file order
    # all have a number up to PREVIEW_ROWS: the filter lets DuckDB skip every row group but
    # each file's first (0.56 -> 0.02 s on 10 M tickets, where the sort read every row).
    preview_rows = con.execute(
        f"SELECT {', '.join(quote_ident(c) for c in preview_columns)} FROM {table} "
        f"WHERE _row_number <= {PREVIEW_ROWS} "
        f"ORDER BY _source_file, _row_number LIMIT {PREVIEW_ROWS}"
    ).fetchall()
    # The encoding of the files this load read (several when they differ).
    encodings = list(dict.fromkeys(f.encoding for f in files)) or ["-"]
    path = files[0].path if len(files) == 1 else extracts_dir / extract.file
    return LoadReport(
        path=path,
        table=table,
        encoding=", ".join(encodings),
        columns=columns,
        drift=[c for c in columns if c not in extract.columns],
        row_count=row_count,
        preview_columns=preview_columns,
        preview_rows=preview_rows,
    )


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table for the Dagster UI; cells are shortened and kept on one line."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\r\n", "\n").replace("\n", " ⏎ ").replace("|", "\\|")
        if len(text) > _PREVIEW_CELL_CHARS:
            text = text[: _PREVIEW_CELL_CHARS - 1] + "…"
        return text

    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


@functools.cache
def contract_column_docs() -> dict[tuple[str, str], dict[str, str]]:
    """Each raw table's column descriptions, as the dbt sources' YAML gives them (written from
    the extract contract): ``{(source, entity): {column: description}}``."""
    manifest = dbt_manifest()  # the dbt assets' manifest, parsed once a process
    return {
        (node["source_name"], node["name"]): {
            name: column.get("description", "") for name, column in node["columns"].items()
        }
        for node in manifest["sources"].values()
    }


def raw_table_schema(extract: Extract, columns: Sequence[str]) -> dg.TableSchema:
    """The raw table's columns: text as delivered, described from the contract; drift (a
    column the contract does not name) says so."""
    docs = contract_column_docs().get((extract.source, extract.entity), {})
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c, "VARCHAR", docs.get(c) or "Not in the extract contract (drift).")
            for c in columns
        ]
        + [
            dg.TableColumn("_source_file", "VARCHAR", LINEAGE_DESCRIPTIONS["_source_file"]),
            dg.TableColumn("_row_number", "BIGINT", LINEAGE_DESCRIPTIONS["_row_number"]),
            dg.TableColumn("_loaded_at", "TIMESTAMP", LINEAGE_DESCRIPTIONS["_loaded_at"]),
        ]
    )


def materialize_metadata(report: LoadReport, extract: Extract) -> dict[str, dg.MetadataValue]:
    schema = raw_table_schema(extract, report.columns)
    return {
        "row_count": dg.MetadataValue.int(report.row_count),
        # The standard keys: the UI charts the row count and lists the columns.
        "dagster/row_count": dg.MetadataValue.int(report.row_count),
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "columns": dg.MetadataValue.json(report.columns),
        "encoding": dg.MetadataValue.text(report.encoding),
        "drift": dg.MetadataValue.json(report.drift),
        "source_file": dg.MetadataValue.path(str(report.path)),
        "preview": dg.MetadataValue.md(markdown_table(report.preview_columns, report.preview_rows)),
        "load_mode": dg.MetadataValue.text(_load_mode(report)),
    }


def unchanged_metadata(report: LoadReport) -> dict[str, dg.MetadataValue]:
    """A table kept as it was: no fresh row count or preview (nothing was read), only when
    and from which files it was loaded."""
    return {
        "load_mode": dg.MetadataValue.text("unchanged, not reloaded"),
        "loaded_at": dg.MetadataValue.text(report.loaded_at.isoformat(sep=" ")),
        "rows_at_load": dg.MetadataValue.int(report.row_count),
        "source_file": dg.MetadataValue.path(str(report.path)),
        "files_skipped": dg.MetadataValue.int(len(report.files_skipped)),
    }


def _load_mode(report: LoadReport) -> str:
    if report.unchanged:
        return "unchanged, not reloaded"
    return f"full: {report.reload_reason}" if report.full_load else "incremental"


def ledger_metadata(report: LoadReport) -> dict[str, dg.MetadataValue]:
    """What an incrementally delivered extract's load did with its files (its ``load_mode``:
    :func:`materialize_metadata`, :func:`unchanged_metadata`)."""
    return {
        "files_loaded": dg.MetadataValue.int(len(report.files_loaded)),
        "files_skipped": dg.MetadataValue.int(len(report.files_skipped)),
        "rows_appended": dg.MetadataValue.int(report.rows_appended),
        "loaded_files": dg.MetadataValue.json(report.files_loaded),
    }


def build_raw_asset(extract: Extract) -> dg.AssetsDefinition:
    """The Dagster asset that loads one extract file (or file and delta folder)."""
    files = f"`{extract.file}`"
    if extract.delta_files is not None:
        files += (
            f" and the delta files `{extract.delta_files}` (each loaded once, "
            f"remembered in `{LOADED_FILES}`)"
        )

    gx_spec, key = raw_table_spec(extract), dg.AssetKey(extract.asset_key)

    @dg.asset(
        key=extract.asset_key,
        group_name=f"raw_{extract.source}",
        kinds={"duckdb", extract.format},
        owners=OWNERS,
        tags={LAYER_TAG: "raw", "source": extract.source},
        description=(
            f"{files} from the extracts folder, loaded as delivered into "
            f"`{extract.qualified_table}`: the file's columns as text, plus `_source_file`, "
            f"`_row_number` and `_loaded_at`."
        ),
        metadata={
            "dagster/table_name": extract.qualified_table,
            "dagster/column_schema": raw_table_schema(extract, extract.columns),
            "extract_file": extract.file,
        },
        # Judged here rather than in separate check steps: a check step never runs when its
        # asset fails, and a missing file must still be reported as the freshness ERROR. A
        # failed ERROR check withholds the output (hence not required): Dagster then skips
        # what depends on it instead of failing the run and marking all of it failed.
        check_specs=[
            freshness_check_spec(extract),
            row_count_check_spec(extract),
            *table_check_specs(gx_spec, key, blocking=False),
        ],
        output_required=False,
        retry_policy=RETRY_POLICY,
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, cs_config: CsConfig
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        # An interrupt (Ctrl-C, or the run terminated) fails the step without a retry and
        # stops the run's other raw steps before they open the build file.
        with stop_on_interrupt(context.run.run_id, extract.qualified_table):
            yield from _load_and_check(context, cs_config)

    def _load_and_check(
        context: dg.AssetExecutionContext, cs_config: CsConfig
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        # The first raw step of a run starts importing Great Expectations (about 2 s of CPU) in a
        # thread, so the import runs beside the steps before the first table that is
        # validated (the tickets, 14th of 15, on a night that brings only a ticket delta)
        # instead of inside that step. A night where no file changed does not need it, and
        # pays its CPU beside the steps.
        import_gx_in_background()
        settings = cs_config.settings
        if restore_build(settings.build_warehouse, settings.warehouse):
            context.log.warning(f"build warehouse was missing: restored from {settings.warehouse}")
        freshness = evaluate_freshness(
            extract, settings.extracts_dir, settings.as_of, siblings=EXTRACTS
        )
        if freshness.missing:  # recorded before the load below fails on the missing file
            yield freshness_check_result(freshness)
        # One DuckDB instance for the raw steps of a run: the load, the row count and the
        # checks open their connections on it (DuckDB keeps an open database per process)
        # instead of each opening the file anew, and it stays open for the next raw step
        # (opening it costs 50-250 ms); the dbt step closes it before dbt starts.
        settings.build_warehouse.parent.mkdir(parents=True, exist_ok=True)
        with kept_open(settings.build_warehouse):
            # The first raw step of a run also starts hashing the files the run's raw steps
            # will hash, on the other core (hash_ahead): the steps the run executes, all of
            # them when it does not list them (a raw asset's step is its op, named by Dagster
            # after its key).
            steps = context.dagster_run.step_keys_to_execute
            hash_ahead(
                context.run_id,
                [
                    e for e in EXTRACTS
                    if steps is None or dg.AssetKey(e.asset_key).to_python_identifier() in steps
                ],
                settings.extracts_dir,
                settings.build_warehouse,
                full_refresh=settings.full_refresh,
            )
            loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            try:
                report = load_extract(
                    extract,
                    settings.extracts_dir,
                    settings.build_warehouse,
                    loaded_at,
                    full_refresh=settings.full_refresh,
                    log=context.log.info,
                )
            except ExtractFileError as exc:
                # A bad file is not transient: retrying it (RETRY_POLICY) would only delay
                # the error.
                source_file = str(exc.path or settings.extracts_dir / extract.file)
                raise dg.Failure(
                    description=str(exc),
                    metadata={"source_file": dg.MetadataValue.path(source_file)},
                    allow_retries=False,
                ) from exc
            if report.unchanged:
                context.log.info(
                    f"{extract.qualified_table}: unchanged since its load at {report.loaded_at} "
                    "(same size and SHA-256 as the file it was loaded from): not reloaded, and "
                    "the results of its checks at that load are reported again"
                )
            elif report.full_load:  # why every file was read (a first load, an upgrade, ...)
                context.log.info(f"{extract.qualified_table}: {report.reload_reason}")
            if report.drift and not report.unchanged:
                context.log.warning(
                    f"{report.path}: extra column(s) kept, not in the extract contract: "
                    f"{', '.join(report.drift)}"
                )
            row_count = check_row_count(
                extract,
                settings.build_warehouse,
                report.row_count,
                loaded_at=loaded_at,
                as_of=settings.as_of,
                file_modified_at=freshness.modified_at,
                record=not report.unchanged,  # the history holds loads
            )
            metadata = cs_config.as_of_metadata(context)
            if report.unchanged:
                metadata |= unchanged_metadata(report)
            else:
                metadata |= materialize_metadata(report, extract)
            if extract.delta_folder is not None:
                metadata |= ledger_metadata(report)
                context.log.info(
                    f"{extract.qualified_table}: {len(report.files_loaded)} file(s) loaded, "
                    f"{len(report.files_skipped)} skipped (loaded before), "
                    f"{report.rows_appended} rows written, {report.row_count} in the table"
                )
            checks = [
                freshness_check_result(freshness),
                row_count_check_result(row_count),
                *raw_check_results(gx_spec, key, settings, context.log, report.loaded_at),
            ]
            stopped = stopping_failures(checks)
            if stopped:
                names = ", ".join(f"{key.to_user_string()} {r.check_name}" for r in stopped)
                earlier = context.instance.get_run_by_id(context.run_id).tags.get(STOPPED_BY_TAG)
                tag_run(context, {STOPPED_BY_TAG: f"{earlier}, {names}" if earlier else names})
                context.log.error(
                    f"{extract.qualified_table} is loaded in the build warehouse but not handed "
                    f"downstream: {names} failed. Everything that depends on it is skipped in this "
                    "run and nothing is published (BI keeps the last good warehouse)."
                )
                yield from checks
                return
            yield dg.MaterializeResult(metadata=metadata, check_results=checks)

    return _raw_asset


raw_assets: list[dg.AssetsDefinition] = [build_raw_asset(e) for e in EXTRACTS]
