"""Measure the whole nightly pipeline at a chosen scale: seconds per step and rows per second.

    .venv/bin/python bench/pipeline.py --accounts 2000
    .venv/bin/python bench/pipeline.py --accounts 20000 --keep

Generates ``--accounts`` sample accounts into a temporary directory (never ``data/``), then
materializes every asset and check of the code location into a warehouse there, exactly as
``make run`` does, and prints a table of step durations taken from Dagster's own event log
(ingest per file, GX checks, dbt build, publish) with the raw row counts. Speed is measured
here, with a scale knob, never in a timed unit test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path

import dagster as dg

from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import dbt_resource
from cs_pipeline.definitions import all_assets, all_checks
from cs_pipeline.sample_data.generator import generate


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Wall seconds per step, from the run's step statistics in the Dagster instance."""
    return {
        stats.step_key: (stats.end_time or 0) - (stats.start_time or 0)
        for stats in instance.get_run_step_stats(run_id)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="cs360-bench-pipeline-"))
    try:
        t0 = time.perf_counter()
        counts = generate(root / "extracts", args.accounts, args.seed, args.as_of)
        generate_s = time.perf_counter() - t0
        config = CsConfig(
            extracts_dir=str(root / "extracts"),
            warehouse=str(root / "warehouse" / "cs360.duckdb"),
            as_of=args.as_of.isoformat(),
        )
        t0 = time.perf_counter()
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            [*all_assets, *all_checks],
            resources={"cs_config": config, "dbt": dbt_resource},
            instance=instance,
        )
        run_s = time.perf_counter() - t0
        rows = sum(counts.values())
        steps = sorted(_step_seconds(instance, result.run_id).items(), key=lambda kv: -kv[1])
        print(f"accounts={args.accounts} raw rows={rows:,} success={result.success}")
        print(f"{'generate extracts':<44} {generate_s:8.1f} s")
        for step, secs in steps:
            print(f"{step:<44} {secs:8.1f} s")
        print(f"{'whole run (materialize)':<44} {run_s:8.1f} s  ({rows / run_s:,.0f} raw rows/s)")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'peak memory of this process':<44} {peak_mb:8.0f} MB")
        if args.keep:
            print(f"kept: {root}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
