"""The dbt unit tests (`unit_tests:` in the model YAML) run here, not in the nightly build.

The production `dbt build` excludes them (`--exclude resource_type:unit_test` in
cs_pipeline/dbt.py): they test the SQL, not the data, so running them every night only adds
nodes. Here the real dbt runs them (`dbt test --select test_type:unit`), so `make test` fails
when one fails. A unit test reads the column types of its model's parents from the warehouse,
so the models are first created empty (`dbt run --empty`) over raw tables loaded from a tiny
sample.
"""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from cs_pipeline.ingest import load_extract
from cs_pipeline.sources import EXTRACTS

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"
DBT = str(Path(sys.executable).with_name("dbt"))
AS_OF = "2026-11-01"


def _dbt(args: list[str], env: dict[str, str], target: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DBT, *args, "--vars", json.dumps({"as_of": AS_OF}), "--project-dir", str(DBT_PROJECT),
         "--profiles-dir", str(DBT_PROJECT), "--target-path", str(target)],
        env=env, capture_output=True, text=True, timeout=900,
    )


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    extracts, target = tmp_path / "extracts", tmp_path / "target"
    warehouse = tmp_path / "unit.duckdb"
    subprocess.run(
        [sys.executable, "-m", "cs_pipeline.sample_data", "--out", str(extracts), "--accounts", "5",
         "--seed", "7", "--as-of", AS_OF],
        check=True, capture_output=True,
    )
    loaded_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for extract in EXTRACTS:
        load_extract(extract, extracts, warehouse, loaded_at)
    env = {**os.environ, "CS_BUILD_WAREHOUSE": str(warehouse),
           "DBT_LOG_PATH": str(tmp_path / "logs")}

    empty = _dbt(["build", "--empty", "--exclude", "resource_type:test", "resource_type:unit_test"],
                 env, target)
    assert empty.returncode == 0, empty.stdout[-4000:]
    units = _dbt(["test", "--select", "test_type:unit"], env, target)
    assert units.returncode == 0, units.stdout[-6000:]

    # run_results also lists the project's on-run-start hook (register_raw_tables): unit tests only
    results = [
        r for r in json.loads((target / "run_results.json").read_text())["results"]
        if r["unique_id"].startswith("unit_test.")
    ]
    declared = _dbt(["ls", "--resource-type", "unit_test", "--quiet"], env, target).stdout.split()
    assert len(results) == len(declared) > 0  # every unit test of the project ran ...
    assert {r["status"] for r in results} == {"pass"}  # ... and passed
