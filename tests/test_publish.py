"""Publishing the warehouse: atomic for readers, safe against a killed publisher, readable by
DuckDB 1.x clients, and skipped when an upstream blocking check fails."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from _reader import read_while

from cs_pipeline.config import CsConfig
from cs_pipeline.publish import (
    PublishError,
    build_published_warehouse,
    publish_deps,
    publish_warehouse,
    read_build_info,
    readable_by_old_clients,
    storage_version_tuple,
)

ROWS = 500
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def make_build(path: Path, build_no: int, rows: int = ROWS, pad: int = 0) -> None:
    """A stand-in build: every row of ``marts.customer_360`` carries the build number.

    ``pad`` adds ``32 * pad`` incompressible bytes a row, to make the file larger.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts.customer_360 AS "
            "SELECT 'acct-' || i AS account_id, ? AS build_no, repeat(md5(i::VARCHAR), ?) AS pad "
            "FROM range(?) t(i)",
            [build_no, pad, rows],
        )
        con.execute(
            "CREATE OR REPLACE TABLE marts.unmatched_records AS SELECT 'crm' AS source, ? AS n",
            [build_no],
        )


def published_first_build(paths: tuple[Path, Path]) -> tuple[Path, Path]:
    """Build 1 made and published: the warehouse the test's next build replaces."""
    build, target = paths
    make_build(build, 1)
    publish_warehouse(build, target)
    return build, target


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_build(path: Path) -> tuple[int, int, int]:
    """(rows, min build_no, max build_no) as a BI reader in another process sees them."""
    out = subprocess.run(
        [sys.executable, "-c", (
            "import duckdb, sys, json\n"
            "with duckdb.connect(sys.argv[1], read_only=True) as c:\n"
            "    print(json.dumps(c.execute('SELECT count(*), min(build_no), max(build_no) "
            "FROM marts.customer_360').fetchone()))\n"
        ), str(path)],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return tuple(json.loads(out.stdout))


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    warehouse = tmp_path / "warehouse"
    return warehouse / "build" / "cs360.duckdb", warehouse / "cs360.duckdb"


def test_publish_copies_a_checkpointed_verified_build(paths: tuple[Path, Path]) -> None:
    build, target = paths
    make_build(build, 1)
    result = publish_warehouse(build, target)

    assert result.path == target
    assert result.size_bytes == target.stat().st_size
    assert result.mart_row_counts == {"customer_360": ROWS, "unmatched_records": 1}
    assert read_build(target) == (ROWS, 1, 1)
    assert build.is_file(), "the build stays for single-asset rematerialization"
    assert sorted(p.name for p in target.parent.iterdir()) == [
        ".cs360.duckdb.publish.lock", "build", "cs360.duckdb"
    ], "no temporary file or WAL is left beside the published file"


def test_the_replaced_warehouse_is_freed_after_the_rename(paths: tuple[Path, Path]) -> None:
    """The replaced file keeps a second name through the rename and is unlinked by a process
    publish does not wait for (freeing 1.6 GB took the rename 0.5-0.8 s at 100 000 accounts,
    and a thread's unlink held up the run's exit); a reader that has it open keeps reading it,
    and a second name a killed process left is removed by the next publish."""
    build, target = published_first_build(paths)
    reader = duckdb.connect(str(target), read_only=True)
    try:
        make_build(build, 2)
        publish_warehouse(build, target)
        assert reader.execute("SELECT max(build_no) FROM marts.customer_360").fetchone() == (1,)
    finally:
        reader.close()
    assert read_build(target) == (ROWS, 2, 2)
    expected = [".cs360.duckdb.publish.lock", "build", "cs360.duckdb"]
    deadline = time.monotonic() + 60
    while sorted(p.name for p in target.parent.iterdir()) != expected:
        assert time.monotonic() < deadline, "the replaced file is removed"
        time.sleep(0.01)
    left = target.with_name(".cs360.duckdb.0123abcd.replaced")
    os.link(target, left)  # as a process killed between the rename and the unlink leaves it
    publish_warehouse(build, target)
    assert not left.exists()


def test_published_file_opens_in_duckdb_1_0_clients(paths: tuple[Path, Path]) -> None:
    """DuckDB 1.0-1.4 read storage version 64 only; 1.5 writes 64 unless told otherwise."""
    build, target = paths
    make_build(build, 1)
    result = publish_warehouse(build, target)
    assert result.storage_version == "v1.0.0+"
    assert not result.rewritten
    header = target.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 64


def test_a_build_with_newer_storage_is_rewritten_for_old_clients(paths: tuple[Path, Path]) -> None:
    """Regression guard: a build created with STORAGE_VERSION v1.5.0 (header 68) would lock
    every DuckDB <= 1.4 BI driver out of the published file."""
    build, target = paths
    build.parent.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{build}' AS b (STORAGE_VERSION 'v1.5.0')")
        con.execute("CREATE SCHEMA b.marts")
        con.execute("CREATE TABLE b.marts.customer_360 AS "
                    "SELECT 'a' || i AS account_id, 3 AS build_no FROM range(42) t(i)")
    assert int.from_bytes(build.read_bytes()[12:20], "little") > 64

    result = publish_warehouse(build, target)

    assert result.rewritten
    assert result.storage_version == "v1.0.0+"
    assert int.from_bytes(target.read_bytes()[12:20], "little") == 64
    assert read_build(target) == (42, 3, 3)


def test_storage_version_parsing() -> None:
    assert storage_version_tuple("v1.0.0+") == (1, 0, 0)
    assert storage_version_tuple("v0.10.2") == (0, 10, 2)
    assert storage_version_tuple("") is None
    assert storage_version_tuple("latest") is None
    assert readable_by_old_clients("v1.0.0+")
    assert readable_by_old_clients("v0.10.2+")
    assert not readable_by_old_clients("v1.2.0+")
    assert not readable_by_old_clients(None)


def test_no_publish_while_another_process_writes_the_build(paths: tuple[Path, Path]) -> None:
    build, target = published_first_build(paths)
    before = sha256(target)
    make_build(build, 2)
    writer = subprocess.Popen(
        [sys.executable, "-c", (
            "import duckdb, sys\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "print('open', flush=True)\n"
            "sys.stdin.read()\n"
        ), str(build)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(PublishError, match="another process"):
            publish_warehouse(build, target)
    finally:
        writer.communicate("", timeout=60)
    assert sha256(target) == before
    assert list(target.parent.glob(".*.tmp")) == []


READER = r"""
import json, os, sys, time
import duckdb

target, rows, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
deadline = time.monotonic() + 30            # bounded in time ...
seen, failures, torn, queries = {}, [], [], 0

def query():
    global queries
    queries += 1
    try:
        with duckdb.connect(target, read_only=True) as con:   # as a BI tool opens it
            n, lo, hi = con.execute(
                "SELECT count(*), min(build_no), max(build_no) FROM marts.customer_360"
            ).fetchone()
    except Exception as exc:
        failures.append(repr(exc))
        return
    if n != rows or lo != hi:
        torn.append([n, lo, hi])
    else:
        seen[lo] = seen.get(lo, 0) + 1

query()
print("ready", flush=True)
while queries < 20000 and time.monotonic() < deadline:   # ... and in count
    if os.path.exists(stop_file):
        break
    query()
query()  # one read after the last publish
print(json.dumps({"queries": queries, "failures": failures, "torn": torn, "seen": seen}))
"""


def test_reader_process_only_ever_sees_complete_builds(
    paths: tuple[Path, Path], tmp_path: Path
) -> None:
    build, target = paths
    publishes = 12
    make_build(build, 0)
    publish_warehouse(build, target)

    def publish_builds() -> None:
        for build_no in range(1, publishes + 1):
            make_build(build, build_no)
            publish_warehouse(build, target)

    report = read_while(READER, [str(target), str(ROWS)], tmp_path / "stop", publish_builds)

    assert report["failures"] == []
    assert report["torn"] == []
    seen = {int(k) for k in report["seen"]}
    assert {0, publishes} <= seen, "first and last builds were read"
    assert seen <= set(range(publishes + 1))
    assert sum(report["seen"].values()) == report["queries"]


def test_open_reader_keeps_the_old_build_new_readers_get_the_new_one(
    paths: tuple[Path, Path],
) -> None:
    build, target = published_first_build(paths)
    with duckdb.connect(str(target), read_only=True) as held:
        make_build(build, 2)
        publish_warehouse(build, target)  # not blocked by the open reader
        assert held.execute(
            "SELECT count(*), min(build_no), max(build_no) FROM marts.customer_360"
        ).fetchone() == (ROWS, 1, 1)
        assert read_build(target) == (ROWS, 2, 2)


PUBLISHER = r"""
import sys, time
from pathlib import Path
from cs_pipeline.publish import publish_warehouse

def pause(tmp):
    print("copied", flush=True)
    time.sleep(120)

hook = pause if sys.argv[3] == "pause" else None
print("start", flush=True)
publish_warehouse(Path(sys.argv[1]), Path(sys.argv[2]), before_replace=hook)
print("done", flush=True)
"""


def start_publisher(build: Path, target: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(build), str(target), mode],
        stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT,
    )
    assert proc.stdout.readline().strip() == "start"
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def test_publish_killed_between_copy_and_rename_leaves_the_old_warehouse(
    paths: tuple[Path, Path],
) -> None:
    build, target = published_first_build(paths)
    before = sha256(target)
    make_build(build, 2)

    proc = start_publisher(build, target, "pause")
    assert proc.stdout.readline().strip() == "copied"
    assert len(list(target.parent.glob(".cs360.duckdb.*.tmp"))) == 1  # verified copy waiting
    kill(proc)

    assert sha256(target) == before
    assert read_build(target) == (ROWS, 1, 1)
    publish_warehouse(build, target)  # the next publish succeeds and tidies up
    assert read_build(target) == (ROWS, 2, 2)
    assert list(target.parent.glob(".*.tmp")) == []


def test_publish_killed_at_random_points_never_leaves_a_torn_warehouse(
    paths: tuple[Path, Path],
) -> None:
    build, target = paths
    rows = 150_000  # ~6 MB: checkpoint, copy and verify take long enough to be interrupted
    make_build(build, 1, rows=rows, pad=1)
    publish_warehouse(build, target)
    old = sha256(target)
    make_build(build, 2, rows=rows, pad=1)
    started = time.monotonic()
    publish_warehouse(build, target.with_name("probe.duckdb"))  # also checkpoints the build
    duration = time.monotonic() - started
    new = sha256(build)

    # Forked publishers start at once (no interpreter start-up), so the random kill lands
    # somewhere inside the publish: checkpoint, copy, fsync, verify or rename.
    fork = multiprocessing.get_context("fork")
    rng = random.Random(360)
    for _ in range(6):
        proc = fork.Process(target=publish_warehouse, args=(build, target))
        proc.start()
        time.sleep(rng.uniform(0, duration))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=60)
        digest = sha256(target)
        assert digest in (old, new), "the published file is the old or the new build, whole"
        expected = 1 if digest == old else 2
        assert read_build(target) == (rows, expected, expected)

    publish_warehouse(build, target)
    assert sha256(target) == new
    assert list(target.parent.glob(".*.tmp")) == []


# --- Dagster asset -------------------------------------------------------------------------


def test_publish_deps_are_the_marts_group() -> None:
    @dg.multi_asset(specs=[
        dg.AssetSpec("stg_crm__account", group_name="staging"),
        dg.AssetSpec("customer_360", group_name="marts"),
        dg.AssetSpec("match_rates", group_name="marts"),
    ])
    def models():
        pass

    deps = publish_deps([dg.AssetSpec(["crm", "account"], group_name="crm"), models,
                         dg.AssetSpec("unmatched_records", group_name="marts")])
    assert deps == [dg.AssetKey("customer_360"), dg.AssetKey("match_rates"),
                    dg.AssetKey("unmatched_records")]


def test_without_marts_publishing_follows_every_asset() -> None:
    raw = [dg.AssetSpec(["crm", "account"], group_name="crm"),
           dg.AssetSpec(["support", "tickets"], group_name="support")]
    assert publish_deps(raw) == [dg.AssetKey(["crm", "account"]),
                                 dg.AssetKey(["support", "tickets"])]


def _config(tmp_path: Path) -> CsConfig:
    return CsConfig(extracts_dir=str(tmp_path / "extracts"),
                    warehouse=str(tmp_path / "warehouse" / "cs360.duckdb"), as_of="2024-06-30")


def test_published_warehouse_asset_reports_path_size_and_row_counts(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    make_build(cfg.settings.build_warehouse, 5)
    asset = build_published_warehouse([])
    assert asset.key == dg.AssetKey(["published_warehouse"])
    assert asset.group_names_by_key[asset.key] == "publish"

    result = dg.materialize([asset], resources={"cs_config": cfg})

    md = result.asset_materializations_for_node("published_warehouse")[0].metadata
    assert md["path"].value == str(cfg.settings.warehouse)
    assert md["size_bytes"].value == cfg.settings.warehouse.stat().st_size
    assert md["as_of"].value == "2024-06-30"
    assert md["mart_row_counts"].value == {"customer_360": ROWS, "unmatched_records": 1}
    assert md["rows.marts.customer_360"].value == ROWS
    assert read_build(cfg.settings.warehouse) == (ROWS, 5, 5)
    # marts.build_info says what BI reads: in the published file, not in the build.
    info = read_build_info(cfg.settings.warehouse)
    assert [(str(r[0]), r[3], r[4]) for r in info] == [
        ("2024-06-30", "customer_360", ROWS), ("2024-06-30", "unmatched_records", 1)
    ]
    assert {r[2] for r in info} == {md["code_version"].value} and info[0][2]
    assert "| 2024-06-30 |" in md["marts.build_info"].value
    with pytest.raises(duckdb.CatalogException):
        read_build_info(cfg.settings.build_warehouse)


def test_failed_blocking_check_upstream_skips_publishing(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    make_build(cfg.settings.build_warehouse, 1)
    publish_warehouse(cfg.settings.build_warehouse, cfg.settings.warehouse)
    last_good = sha256(cfg.settings.warehouse)
    make_build(cfg.settings.build_warehouse, 2)

    @dg.asset(name="customer_360", group_name="marts",
              check_specs=[dg.AssetCheckSpec("one_row_per_account", asset="customer_360",
                                             blocking=True)])
    def customer_360() -> dg.Output:
        yield dg.Output(None)
        yield dg.AssetCheckResult(check_name="one_row_per_account", passed=False)

    publish = build_published_warehouse(publish_deps([customer_360]))
    assert publish.asset_deps[publish.key] == {dg.AssetKey("customer_360")}
    result = dg.materialize([customer_360, publish], resources={"cs_config": cfg},
                            raise_on_error=False)

    assert not result.success
    assert result.asset_materializations_for_node("published_warehouse") == []
    assert sha256(cfg.settings.warehouse) == last_good
