"""An interrupted nightly run (Ctrl-C, or the run terminated from the UI: Dagster sends the
run's process SIGINT) ends promptly, publishes nothing, and the next run publishes the same marts
as a run never interrupted.

A real `python -m cs_pipeline.nightly` process, interrupted while DuckDB loads the ticket file:
before, Dagster retried the interrupted step 30 s later and ran the other steps meanwhile (the
run went on to publish), and a DuckDB connection closed right after an interrupted statement
made the next step's `duckdb.connect` of the build file spin forever.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from _marts import mart_differences
from conftest import SAMPLE_ACCOUNTS, SAMPLE_AS_OF, SAMPLE_SEED

from cs_pipeline.config import PROJECT_ROOT, CsConfig, stop_on_interrupt
from cs_pipeline.quality.reconciliation import reconciliation_check
from cs_pipeline.sample_data.generator import generate

# For the interrupted run the ticket file gets this many empty records after its own: each
# costs DuckDB's insert about a microsecond whatever its size (a 30 MB file loads in about 8 s on
# one thread), so the interrupt, sent SIGNAL_AFTER the step logs that the load starts, lands in
# the load's query, seconds before its end (the test checks that it did).
EMPTY_RECORDS = 10_000_000
SIGNAL_AFTER = 0.5  # seconds after the step logs that the load starts
EXIT_SECONDS = 20  # the interrupted run's process is gone within this


def _env(root: Path) -> dict[str, str]:
    home = root / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster-instance.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "CS_EXTRACTS_DIR": str(root / "extracts"),
        "CS_WAREHOUSE": str(root / "warehouse" / "cs360.duckdb"),
        "DAGSTER_HOME": str(home),
        "CS_AS_OF": SAMPLE_AS_OF.isoformat(),
        "CS_DUCKDB_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }


def _nightly(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cs_pipeline.nightly"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, float, int]:
    """(root, output, seconds from the interrupt to the exit, exit code) of a nightly run
    interrupted during the ticket load."""
    root = tmp_path_factory.mktemp("interrupt")
    generate(root / "extracts", accounts=SAMPLE_ACCOUNTS, seed=SAMPLE_SEED, as_of=SAMPLE_AS_OF)
    tickets = root / "extracts" / "support" / "tickets.jsonl"
    shutil.copy(tickets, root / "tickets.jsonl")
    with tickets.open("ab") as out:
        out.write(b"{}\n" * EMPTY_RECORDS)
    run = _nightly(_env(root))
    assert run.stdout is not None
    output = []
    for line in run.stdout:
        output.append(line)
        if "support/tickets.jsonl: loading" in line:
            time.sleep(SIGNAL_AFTER)
            run.send_signal(signal.SIGINT)
            break
    interrupted_at = time.monotonic()
    try:
        rest, _ = run.communicate(timeout=EXIT_SECONDS)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    seconds = time.monotonic() - interrupted_at
    shutil.copy(root / "tickets.jsonl", tickets)  # the next run's file: the sample's own
    return root, "".join(output) + rest, seconds, run.returncode


def test_an_interrupted_run_stops_at_once_and_publishes_nothing(
    interrupted: tuple[Path, str, float, int],
) -> None:
    root, output, seconds, code = interrupted
    assert seconds < EXIT_SECONDS and code == 1, output[-3000:]
    assert "RuntimeError: Query interrupted" in output  # it landed in the load's query
    assert "raw.support__tickets: interrupted" in output
    assert "raw.training__enrollments: not run, the run was interrupted" in output
    assert "STEP_UP_FOR_RETRY" not in output and "STEP_RESTARTED" not in output
    assert '"cs360_dbt_models"' not in output  # dbt never started
    assert "the nightly build was interrupted and stopped; nothing was published" in output
    assert not (root / "warehouse" / "cs360.duckdb").exists()
    # The ticket load was rolled back; the tables loaded before it were committed.
    with duckdb.connect(str(root / "warehouse" / "build" / "cs360.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from raw._loaded_files where table_name = 'raw.support__tickets'"
        ).fetchone() == (0,)
        assert con.execute("select count(*) from raw.crm__account").fetchone()[0] > 0


def test_the_next_run_publishes_the_marts_of_an_uninterrupted_run(
    interrupted: tuple[Path, str, float, int], sample_run: tuple[Path, Path]
) -> None:
    root, _, _, _ = interrupted
    run = _nightly(_env(root))
    output, _ = run.communicate(timeout=600)
    assert run.returncode == 0, output[-3000:]
    assert mart_differences(root / "warehouse" / "cs360.duckdb", sample_run[1]) == {}


def test_the_checks_on_the_marts_of_an_interrupted_run_fail_without_running(
    tmp_path: Path,
) -> None:
    """A check step that starts after a step of its run was interrupted fails at once, before
    it opens the build file (a real Dagster run of the reconciliation check, in this process)."""
    run_id = str(uuid.uuid4())
    with (
        pytest.raises(dg.Failure, match="dbt build: interrupted"),
        stop_on_interrupt(run_id, "dbt build"),
    ):
        raise KeyboardInterrupt
    warehouse = tmp_path / "warehouse" / "cs360.duckdb"
    defs = dg.Definitions(
        asset_checks=[reconciliation_check],
        jobs=[
            dg.define_asset_job("check", selection=dg.AssetSelection.checks(reconciliation_check))
        ],
        resources={"cs_config": CsConfig(extracts_dir=str(tmp_path), warehouse=str(warehouse))},
    )
    result = defs.resolve_job_def("check").execute_in_process(
        run_id=run_id, raise_on_error=False, instance=dg.DagsterInstance.ephemeral()
    )
    failures = [e for e in result.all_events if e.is_step_failure]
    assert len(failures) == 1
    assert "not run, the run was interrupted" in failures[0].step_failure_data.error.message
    assert not (tmp_path / "warehouse").exists()  # the build file was never opened
