"""The warm dbt process (cs_pipeline/dbt_cli.py): a run's dbt command runs on a process that
imported dbt while the run's first steps worked, with dbt's exact exit code, stops when the
command is stopped, and never outlives the run (issue 8: dbt's start-up, ~2 s of imports)."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE_ACCOUNTS, SAMPLE_AS_OF, SAMPLE_SEED, materialize

from cs_pipeline import dbt_cli
from cs_pipeline.dbt_cli import SERVER_ENV, WarmDbt
from cs_pipeline.dbt_project import DBT_EXECUTABLE, DBT_PROJECT_DIR


@pytest.fixture
def warm() -> Iterator[WarmDbt]:
    process = WarmDbt()
    yield process
    process.close()
    assert process.process.poll() is not None and not Path(process.path).exists()


def _project(root: Path, model_sql: str) -> Path:
    """A one-model dbt project on DuckDB in ``root``."""
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: warm\nversion: '1.0'\nprofile: warm\nconfig-version: 2\n"
    )
    (root / "profiles.yml").write_text(
        f"warm:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {root / 'warm.duckdb'}\n      threads: 1\n"
    )
    (root / "models" / "answer.sql").write_text(model_sql)
    return root


def _dbt(project: Path, *args: str, env: dict[str, str], **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen(
        [DBT_EXECUTABLE, *args, "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, **kwargs,
    )


def _taken(warm: WarmDbt, timeout: float = 30) -> None:
    """Wait until the warm process took a command (it removes its socket then)."""
    deadline = time.monotonic() + timeout
    while Path(warm.path).exists():
        assert time.monotonic() < deadline, "the warm process never took the command"
        time.sleep(0.05)


def test_a_command_runs_on_the_warm_process_with_its_exit_code(
    tmp_path: Path, warm: WarmDbt
) -> None:
    """dbt runs in the warm process (its pid in dbt's log) on cs360-dbt's stdout, and
    cs360-dbt exits with dbt's code once that process is gone: DuckDB's lock on the file is
    released, the table dbt wrote is there."""
    project = _project(tmp_path / "ok", "select 42 as answer")
    client = _dbt(project, "run", "--log-format", "json", env=warm.env)
    out, _ = client.communicate(timeout=120)
    assert client.returncode == 0, out
    assert warm.process.wait(timeout=10) == 0
    pids = {json.loads(line)["info"]["pid"] for line in out.splitlines() if line.startswith(b"{")}
    assert pids == {warm.process.pid}
    with duckdb.connect(str(project / "warm.duckdb")) as con:
        assert con.execute("select answer from answer").fetchall() == [(42,)]


@pytest.mark.parametrize(
    ("args", "sql", "code"),
    [
        (["run"], "select * from no_such_table", 1),  # a model failed
        (["no-such-command"], "select 1 as one", 2),  # dbt's usage error
    ],
)
def test_a_failing_command_exits_with_dbts_code(
    tmp_path: Path, warm: WarmDbt, args: list[str], sql: str, code: int
) -> None:
    client = _dbt(_project(tmp_path / "p", sql), *args, env=warm.env)
    out, _ = client.communicate(timeout=120)
    assert (client.returncode, warm.process.wait(timeout=10)) == (code, code), out


# A table (a view would not run the query) that takes DuckDB minutes.
SLOW = "{{ config(materialized='table') }} select sum(i * i) as s from range(100000000000) t(i)"


def test_a_stopped_command_stops_dbt(tmp_path: Path, warm: WarmDbt) -> None:
    """dagster-dbt stops dbt with SIGINT (dbt cancels its query and fails), cs360 with
    SIGTERM; cs360-dbt forwards both and ends as dbt ends."""
    client = _dbt(_project(tmp_path / "p", SLOW), "run", env=warm.env)
    _taken(warm)
    time.sleep(3)  # into the model's query
    client.send_signal(signal.SIGINT)
    out, _ = client.communicate(timeout=60)
    assert client.returncode == warm.process.wait(timeout=10) != 0, out


def test_a_terminated_command_dies_of_the_same_signal(tmp_path: Path, warm: WarmDbt) -> None:
    client = _dbt(_project(tmp_path / "p", SLOW), "run", env=warm.env)
    _taken(warm)
    client.terminate()
    client.communicate(timeout=60)
    assert client.returncode == warm.process.wait(timeout=10) == -signal.SIGTERM


def test_dbt_stops_when_cs360_dbt_is_killed(tmp_path: Path, warm: WarmDbt) -> None:
    client = _dbt(_project(tmp_path / "p", SLOW), "run", env=warm.env)
    _taken(warm)
    client.kill()
    client.communicate(timeout=60)
    assert warm.process.wait(timeout=10) == -signal.SIGTERM


def test_without_a_warm_process_cs360_dbt_runs_dbt_itself(tmp_path: Path, warm: WarmDbt) -> None:
    """One command per warm process; a second one, or one whose process is gone, runs dbt in
    cs360-dbt as before."""
    project = _project(tmp_path / "p", "select 1 as one")
    first = _dbt(project, "run", env=warm.env)
    first.communicate(timeout=120)
    warm.process.wait(timeout=10)
    for env in (warm.env, {SERVER_ENV: str(tmp_path / "none.sock")}):
        again = _dbt(project, "run", "--log-format", "json", env=env)
        out, _ = again.communicate(timeout=120)
        assert again.returncode == 0, out
        pids = {json.loads(x)["info"]["pid"] for x in out.splitlines() if x.startswith(b"{")}
        assert pids == {again.pid}


def test_an_unused_warm_process_ends_with_the_run(tmp_path: Path) -> None:
    """Closed before any command (a run that failed before dbt), or when the run's process
    dies (the end of its pipe)."""
    unused = WarmDbt()
    unused.close()
    assert unused.process.returncode is not None and not Path(unused.path).exists()
    orphaned = subprocess.run(
        [sys.executable, "-c", "from cs_pipeline.dbt_cli import WarmDbt\n"
         "print(WarmDbt().process.pid)\n"], capture_output=True, text=True, check=True,
    )
    pid = int(orphaned.stdout)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid):
        assert time.monotonic() < deadline, "the warm process outlived the run's process"
        time.sleep(0.1)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (FileNotFoundError, IndexError):
        return "zombie"


def test_a_runs_dbt_step_runs_on_the_runs_warm_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a Dagster run (materialize, as the nightly job runs), the dbt resource starts a warm
    process with the run, the dbt step's dbt runs there, and the run ends it."""
    from cs_pipeline.sample_data.generator import generate

    seen: list[WarmDbt] = []
    started = WarmDbt.__init__

    def spy(self: WarmDbt) -> None:
        started(self)
        seen.append(self)

    monkeypatch.setattr(dbt_cli.WarmDbt, "__init__", spy)
    extracts = tmp_path / "extracts"
    generate(extracts, accounts=SAMPLE_ACCOUNTS, seed=SAMPLE_SEED, as_of=SAMPLE_AS_OF)
    result = materialize(extracts, tmp_path / "warehouse" / "cs360.duckdb")
    assert result.success
    [warm] = seen
    assert warm.process.returncode == 0 and not Path(warm.path).exists()
    run = result.run_id[:7]
    [log] = (DBT_PROJECT_DIR / "target").glob(f"cs360_dbt_models-{run}-*/dbt.log")
    pids = {json.loads(line)["info"]["pid"] for line in log.read_text().splitlines()}
    assert pids == {warm.process.pid}
