"""Atomic publish of the build warehouse onto the file BI tools read.

Runs write into ``CsSettings.build_warehouse``; BI tools read ``CsSettings.warehouse``. DuckDB
allows one writer or many readers per file, so a run must never write the file readers have open,
and a reader must never see half a build. Publishing therefore copies the finished build to a
temporary file beside the target and renames it over the target (``os.replace``, atomic on one
filesystem): a reader that already has the old file open keeps reading the old inode, the next
reader opens the new build, and nobody waits on anybody. A publish killed at any point leaves the
previous warehouse untouched; its leftover temporary file is removed by the next publish.

Storage version: DuckDB 1.5 writes storage compatible with v0.10.2 by default (the file header
says storage version 64, ``duckdb_databases().tags`` says ``v1.0.0+``), which every DuckDB 1.x
client opens. A file created with a newer ``STORAGE_VERSION`` (``v1.2.0`` and later write header
version 65+) cannot be opened by older BI drivers, so such a build is rewritten into a
``v1.0.0`` file (``COPY FROM DATABASE``) instead of being copied byte for byte.
"""

import contextlib
import datetime as dt
import errno
import fcntl
import importlib.metadata
import logging
import os
import subprocess
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from cs_pipeline.config import (
    LAYER_TAG,
    OWNERS,
    PROJECT_ROOT,
    RETRY_POLICY,
    CsConfig,
    connect,
    quote_literal,
    stop_on_interrupt,
)

log = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"
MARTS_GROUP = "marts"
REQUIRED_MART = "customer_360"  # the table the output contract promises BI tools
# Written into the published copy only: what BI tools and the cockpit show as "as of".
BUILD_INFO = "build_info"
# The oldest DuckDB release whose clients must open the published file.
READER_STORAGE_VERSION = "v1.0.0"
# Suffix of the second name a replaced warehouse keeps while its blocks are freed.
_REPLACED = ".replaced"
_COPY_CHUNK = 8 * 1024 * 1024


class PublishError(RuntimeError):
    """The build cannot be published; the previous warehouse stays as it was."""


@dataclass(frozen=True)
class PublishResult:
    path: Path
    size_bytes: int
    storage_version: str  # as DuckDB reports it, e.g. "v1.0.0+"
    mart_row_counts: dict[str, int] = field(default_factory=dict)
    rewritten: bool = False  # True when the build's storage was too new and was rewritten


@dataclass(frozen=True)
class BuildInfo:
    """What ``marts.build_info`` of a published warehouse says about it."""

    as_of: dt.date
    built_at: dt.datetime  # UTC
    code_version: str  # the git commit of cs360 that built it, else its package version


def code_version() -> str:
    """``git describe --always --dirty`` of the project, or the installed package's version."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=PROJECT_ROOT,
            capture_output=True, text=True, timeout=10, check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return importlib.metadata.version("cs360")


def wal_path(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def storage_version_tuple(tag: str | None) -> tuple[int, ...] | None:
    """``"v1.0.0+"`` -> ``(1, 0, 0)``; None when DuckDB reports no parsable version."""
    if not tag:
        return None
    try:
        return tuple(int(part) for part in tag.strip().lstrip("v").rstrip("+").split("."))
    except ValueError:
        return None


def readable_by_old_clients(tag: str | None) -> bool:
    """True when DuckDB clients from :data:`READER_STORAGE_VERSION` on can open the file."""
    version = storage_version_tuple(tag)
    return version is not None and version <= storage_version_tuple(READER_STORAGE_VERSION)


def publish_warehouse(
    build: Path,
    target: Path,
    *,
    build_info: BuildInfo | None = None,
    before_replace: Callable[[Path], None] | None = None,
) -> PublishResult:
    """Replace ``target`` atomically with a verified copy of ``build``; ``build`` stays.

    ``build_info`` is written into the copy as ``marts.build_info`` (one row per mart: as-of
    date, built at, code version, row count); the build file itself stays as dbt left it.

    ``before_replace`` is called with the verified temporary file just before the rename (a seam
    for crash tests; production passes nothing).
    """
    build, target = Path(build), Path(target)
    if not build.is_file():
        raise PublishError(f"no build warehouse at {build}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _replacing(target) as tmp:
        _checkpoint(build)
        build_counts, rewritten = _copy_consistent(build, tmp)
        if build_info is not None:
            _write_build_info(tmp, build_info, build_counts)
        _fsync_file(tmp)
        tag, counts = _verify(tmp, build_counts)
        if before_replace is not None:
            before_replace(tmp)
    return PublishResult(
        path=target,
        size_bytes=target.stat().st_size,
        storage_version=tag,
        mart_row_counts=counts,
        rewritten=rewritten,
    )


def restore_build(build: Path, published: Path) -> bool:
    """Start a missing build warehouse from a copy of the published one; True when it did.

    The build is not only a cache of the extracts: ``marts.health_history`` lives in it and a
    past day's snapshot cannot be rebuilt from today's files. Every publish copies it out, so when
    the build file is gone (a new machine, a deleted ``build/`` folder) the next run continues
    from the last published warehouse instead of starting history over. Called at the start of
    every step that opens the build (the raw assets and ``dbt build``); the first one restores,
    the others find the build present. Nothing happens when there is no published file either.
    """
    build, published = Path(build), Path(published)
    if build.exists() or not published.is_file():
        return False
    build.parent.mkdir(parents=True, exist_ok=True)
    with _publish_lock(published):  # no publish replaces the file while it is copied
        if build.exists():
            return False
        stale = wal_path(build)
        if stale.exists():  # a WAL of the lost file must never be replayed into the copy
            log.warning("moving %s (left without its database) to %s.stale", stale, stale.name)
            os.replace(stale, stale.with_name(stale.name + ".stale"))
        tmp = build.with_name(f".{build.name}.{uuid.uuid4().hex}.restore.tmp")
        try:
            _copy_bytes(published, tmp)
            _fsync_file(tmp)
            os.replace(tmp, build)
            _fsync_dir(build.parent)
        finally:
            tmp.unlink(missing_ok=True)
    log.warning("no build warehouse at %s: restored it from the published %s", build, published)
    return True


def add_rows_to_published(published: Path, table: str, source: Path, where: str) -> int:
    """Insert ``source``'s rows of ``table`` matching ``where`` into the published warehouse.

    The backfill's way to grow history without rebuilding or replacing anything else BI tools
    read: like a publish, a copy of the published file is changed, verified (every other mart
    keeps its row count; ``table`` grows by exactly the rows inserted) and renamed over it, so
    readers see the old file or the new one, never a half-written one. Returns the rows added.
    """
    published, source = Path(published), Path(source)
    schema, name = table.split(".")
    with _replacing(published) as tmp:
        _copy_bytes(published, tmp)
        with connect(tmp) as con:
            catalog = con.execute("select current_database()").fetchone()[0]
            before = _mart_row_counts(con, catalog)
            con.execute(f"ATTACH '{_sql_str(source)}' AS cs360_source (READ_ONLY)")
            added = con.execute(
                f"INSERT INTO {table} BY NAME SELECT * FROM cs360_source.{table} WHERE {where}"
            ).fetchone()[0]
            con.execute("DETACH cs360_source")
            con.execute("CHECKPOINT")
        _fsync_file(tmp)
        expected = {**before, name: before.get(name, 0) + added} if schema == MARTS_SCHEMA \
            else before
        _verify(tmp, expected)
    return added


@contextlib.contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target`` that atomically replaces it when the block succeeds.

    One publisher at a time (the lock); leftovers of an interrupted one are removed first. When
    the block raises, ``target`` stays as it was and the temporary file is removed.
    """
    with _publish_lock(target):
        _remove_leftover_temps(target)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        replaced = None
        try:
            yield tmp
            _set_aside_stale_wal(target)
            replaced = _second_name(target)
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        finally:
            tmp.unlink(missing_ok=True)
            wal_path(tmp).unlink(missing_ok=True)
            if replaced is not None:
                _remove_in_background(replaced)


def _second_name(target: Path) -> Path | None:
    """A hard link to the file about to be replaced, so that the rename does not free it.

    Freeing a file's blocks is the filesystem's work for its last name: 0.46-0.77 s for the
    1.6 GB warehouse of 100 000 accounts on ext4, which the rename would do before returning,
    every night but the first (docs/performance.md, "Measured by hand"). Removed by
    :func:`_remove_in_background` instead; None when there is nothing to replace or the
    filesystem has no hard links (the rename then frees it itself)."""
    if not target.is_file():
        return None
    second = target.with_name(f".{target.name}.{uuid.uuid4().hex}{_REPLACED}")
    try:
        os.link(target, second)
    except OSError:
        return None
    return second


def _remove_in_background(path: Path) -> None:
    """Unlink ``path`` in a process of its own, which this one does not wait for: freeing the
    blocks of the 1.6 GB warehouse of 100 000 accounts takes the filesystem 0.36-0.46 s. A
    thread of this process did it beside the run's last events, but the process's exit then
    waited for the unlink (about 0.3 s at the end of every night that replaces a large file,
    docs/performance.md, "Measured by hand"). ``sh`` starts ``rm`` in the background and
    returns at once, so no child is left to reap. A removal that does not happen (the machine
    stops) leaves the file, which the next publish removes (:func:`_remove_leftover_temps`);
    readers that still have the old file open keep it."""
    subprocess.run(
        ["sh", "-c", 'rm -f -- "$1" &', "sh", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not interrupted with the run (Ctrl-C in the terminal)
    )


@contextlib.contextmanager
def _publish_lock(target: Path) -> Iterator[None]:
    """One publisher per target, so cleaning up leftover temporary files is safe.

    An advisory ``flock`` dies with its process, so a killed publish never blocks the next one.
    """
    lock_path = target.with_name(f".{target.name}.publish.lock")
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_leftover_temps(target: Path) -> None:
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        log.warning("removing %s left by an interrupted publish", leftover)
        leftover.unlink(missing_ok=True)
    for replaced in target.parent.glob(f".{target.name}.*{_REPLACED}"):
        replaced.unlink(missing_ok=True)  # a replaced file an earlier process did not finish


def _checkpoint(build: Path) -> None:
    """Fold the WAL into the build file, so the file alone is the whole database.

    Without a WAL the file already is (dbt, the last writer, checkpoints as it closes): it is
    not opened for it, which cost 0.1-0.2 s a night (DuckDB reads the catalog of every table
    when it opens a file). Whether another process writes it is then found out by the read-only
    attachment of :func:`_copy_consistent`."""
    if not wal_path(build).exists():
        return
    try:
        with connect(build) as con:
            con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise PublishError(f"cannot open the build warehouse {build} for a checkpoint "
                           f"(is another process writing it?): {exc}") from exc
    if wal_path(build).exists():
        raise PublishError(f"{wal_path(build)} still exists after a checkpoint; not publishing")


def _copy_consistent(build: Path, tmp: Path) -> tuple[dict[str, int], bool]:
    """Copy ``build`` to ``tmp`` while holding it open read-only.

    The read-only attachment holds DuckDB's shared file lock, so no writer can open the build
    while its bytes are being copied. Returns the build's mart row counts and whether the
    storage had to be rewritten for older clients.
    """
    with connect(spill_beside=build) as con:
        try:
            con.execute(f"ATTACH '{_sql_str(build)}' AS cs360_build (READ_ONLY)")
        except duckdb.Error as exc:
            raise PublishError(f"cannot open the build warehouse {build} to copy it (is "
                               f"another process writing it?): {exc}") from exc
        if wal_path(build).exists():  # a writer came and went since the checkpoint
            raise PublishError(f"{wal_path(build)} appeared during the publish; not publishing")
        tag = _storage_tag(con, "cs360_build")
        counts = _mart_row_counts(con, "cs360_build")
        if readable_by_old_clients(tag):
            _copy_bytes(build, tmp)
            return counts, False
        log.info("build storage %s is too new for DuckDB %s clients: rewriting",
                 tag, READER_STORAGE_VERSION)
        con.execute(f"ATTACH '{_sql_str(tmp)}' AS cs360_publish "
                    f"(STORAGE_VERSION '{READER_STORAGE_VERSION}')")
        con.execute("COPY FROM DATABASE cs360_build TO cs360_publish")
        con.execute("DETACH cs360_publish")
        return counts, True


def _copy_bytes(source: Path, dest: Path) -> None:
    """Copy ``source`` into the new file ``dest`` inside the kernel (``copy_file_range``: the
    bytes never pass through Python, about twice as fast as a read/write loop; a filesystem
    that can share blocks, XFS or Btrfs, may even clone them), else by a read/write loop."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with open(fd, "wb") as out, open(source, "rb") as src:
        try:
            while os.copy_file_range(src.fileno(), out.fileno(), _COPY_CHUNK * 128):
                pass
        except OSError as exc:  # not supported between these files: copy through Python
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            src.seek(0)
            out.seek(0)
            out.truncate()
            while chunk := src.read(_COPY_CHUNK):
                out.write(chunk)


def _write_build_info(tmp: Path, info: BuildInfo, counts: dict[str, int]) -> None:
    table = f"{MARTS_SCHEMA}.{BUILD_INFO}"
    with connect(tmp) as con:
        # One transaction: in autocommit each statement (a row, a comment: about 20) was a
        # commit of its own, each writing and syncing DuckDB's WAL (docs/performance.md,
        # "Measured by hand").
        con.begin()
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {MARTS_SCHEMA}")
        con.execute(
            f"CREATE OR REPLACE TABLE {table} (as_of DATE NOT NULL, built_at TIMESTAMP NOT NULL, "
            "code_version VARCHAR NOT NULL, mart VARCHAR NOT NULL, row_count BIGINT NOT NULL)"
        )
        built_at = info.built_at.astimezone(dt.UTC).replace(tzinfo=None)
        con.executemany(
            f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)",
            [[info.as_of, built_at, info.code_version, m, n] for m, n in sorted(counts.items())],
        )
        for column, text in BUILD_INFO_COLUMNS.items():
            con.execute(f"COMMENT ON COLUMN {table}.{column} IS {quote_literal(text)}")
        con.execute(f"COMMENT ON TABLE {table} IS {quote_literal(BUILD_INFO_DESCRIPTION)}")
        con.commit()
        con.execute("CHECKPOINT")


BUILD_INFO_DESCRIPTION = (
    "What this published warehouse was built for: one row per mart, each with the same as-of "
    "date, build time and code version."
)
BUILD_INFO_COLUMNS = {
    "as_of": "The as-of date every figure of this warehouse is computed for.",
    "built_at": "When the build was published (UTC).",
    "code_version": "The cs360 commit (git describe) or package version that built it.",
    "mart": "A table of the marts schema.",
    "row_count": "Its rows in this warehouse.",
}


def read_build_info(database: Path) -> list[tuple]:
    """``marts.build_info`` of a warehouse: (as_of, built_at, code_version, mart, row_count)."""
    with connect(database, read_only=True) as con:
        return con.execute(
            f"SELECT as_of, built_at, code_version, mart, row_count "
            f"FROM {MARTS_SCHEMA}.{BUILD_INFO} ORDER BY mart"
        ).fetchall()


def _verify(tmp: Path, build_counts: dict[str, int]) -> tuple[str, dict[str, int]]:
    """Open the copy as a BI tool would and check it holds the same marts as the build."""
    if wal_path(tmp).exists():
        raise PublishError(f"the copy {tmp} has a WAL; the published file must stand alone")
    with connect(tmp, read_only=True) as con:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        tag = _storage_tag(con, catalog)
        counts = _mart_row_counts(con, catalog)
    if not readable_by_old_clients(tag):
        raise PublishError(f"published copy has storage {tag}, newer than "
                           f"{READER_STORAGE_VERSION}; DuckDB 1.0 clients could not open it")
    if REQUIRED_MART in build_counts and REQUIRED_MART not in counts:
        raise PublishError(f"the copy lacks {MARTS_SCHEMA}.{REQUIRED_MART}")
    if counts != build_counts:
        raise PublishError(f"the copy's mart row counts {counts} differ from the build's "
                           f"{build_counts}")
    return tag, counts


def _storage_tag(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    row = con.execute(
        "SELECT tags FROM duckdb_databases() WHERE database_name = ?", [catalog]
    ).fetchone()
    return str((row[0] or {}).get("storage_version", "")) if row else ""


def _mart_row_counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = ? AND table_schema = ? AND table_name <> ? "
        "AND table_type = 'BASE TABLE' ORDER BY table_name",
        [catalog, MARTS_SCHEMA, BUILD_INFO],
    ).fetchall()]
    return {
        t: con.execute(f'SELECT count(*) FROM "{catalog}"."{MARTS_SCHEMA}"."{t}"').fetchone()[0]
        for t in tables
    }


def _set_aside_stale_wal(target: Path) -> None:
    """A WAL beside the published file belongs to the old file; it must not meet the new one.

    It only exists when someone opened the published file for writing and did not close it.
    """
    stale = wal_path(target)
    if stale.exists():
        aside = stale.with_name(stale.name + ".stale")
        log.warning("moving %s (left by a writer of the published file) to %s", stale, aside)
        os.replace(stale, aside)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable: a crash right after must not bring back the old file."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


# --- Dagster ------------------------------------------------------------------------------


def publish_deps(assets: Iterable[dg.AssetsDefinition | dg.AssetSpec]) -> list[dg.AssetKey]:
    """Keys of every asset in the ``marts`` group: what must be built and checked first.

    Taken from the assembled asset list, so a new mart (a dbt model under ``models/marts``)
    gates publishing without anyone editing this module. A list without marts (a code
    location without dbt models) gates it on every asset, so publishing still comes last.
    """
    groups: dict[dg.AssetKey, str | None] = {}
    for asset in assets:
        if isinstance(asset, dg.AssetSpec):
            groups[asset.key] = asset.group_name
        elif isinstance(asset, dg.AssetsDefinition):
            groups.update(asset.group_names_by_key)
    marts = [k for k, group in groups.items() if group == MARTS_GROUP]
    return sorted(marts or groups, key=lambda k: k.to_user_string())


def build_published_warehouse(deps: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The ``published_warehouse`` asset, downstream of ``deps`` (see :func:`publish_deps`).

    When an upstream step fails, or a blocking check on a mart fails, Dagster skips this
    step and BI tools keep reading the last good warehouse.
    """

    @dg.asset(
        key=["published_warehouse"],
        group_name="publish",
        deps=list(deps),
        kinds={"duckdb"},
        owners=OWNERS,
        tags={LAYER_TAG: "publish"},
        retry_policy=RETRY_POLICY,
        description="The DuckDB file BI tools read (CS_WAREHOUSE), replaced atomically by a "
        "verified copy of the build once every mart and its blocking checks have passed.",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, cs_config: CsConfig
    ) -> dg.MaterializeResult:
        settings = cs_config.settings
        cs_config.as_of_metadata(context)
        info = BuildInfo(settings.as_of, dt.datetime.now(dt.UTC), code_version())
        # Interrupted, the copy is left unrenamed (the next publish removes it) and the step
        # fails without a retry: BI keeps the last good warehouse.
        with stop_on_interrupt(context.run.run_id, "publish"):
            result = publish_warehouse(
                settings.build_warehouse, settings.warehouse, build_info=info
            )
        context.log.info(
            f"published {result.path} as of {settings.as_of} ({result.size_bytes} bytes, storage "
            f"{result.storage_version}): {result.mart_row_counts}"
        )
        return dg.MaterializeResult(metadata=publish_metadata(result, info))

    return published_warehouse


def publish_metadata(result: PublishResult, info: BuildInfo) -> dict[str, object]:
    build_info = [
        f"| {info.as_of} | {info.built_at:%Y-%m-%d %H:%M:%S} | {info.code_version} | {m} | {n} |"
        for m, n in sorted(result.mart_row_counts.items())
    ]
    return {
        "as_of": info.as_of.isoformat(),
        "built_at": info.built_at.isoformat(timespec="seconds"),
        "code_version": info.code_version,
        "path": dg.MetadataValue.path(str(result.path)),
        "size_bytes": result.size_bytes,
        "storage_version": result.storage_version,
        "storage_rewritten": result.rewritten,
        f"{MARTS_SCHEMA}.{BUILD_INFO}": dg.MetadataValue.md("\n".join([
            "| as_of | built_at (UTC) | code_version | mart | row_count |",
            "| --- | --- | --- | --- | ---: |",
            *build_info,
        ])),
        "mart_row_counts": dg.MetadataValue.json(result.mart_row_counts),
        # The UI's row count of this asset: every row the published marts hold.
        "dagster/row_count": dg.MetadataValue.int(sum(result.mart_row_counts.values())),
        **{f"rows.{MARTS_SCHEMA}.{t}": n for t, n in result.mart_row_counts.items()},
    }
