"""Measure the sample extract generator: records/s per file, total time and peak memory.

    .venv/bin/python bench/generate.py --accounts 10000
    .venv/bin/python bench/generate.py --accounts 100000 --out bench/out/100k --keep

Writes into a temporary directory (deleted afterwards unless ``--keep``), so it never
touches ``data/``. Memory should stay flat as ``--accounts`` grows: the generator streams
fixed-size chunks of accounts, so peak RSS is a property of the chunk, not of the run.
Each file's seconds include drawing, formatting and writing its records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path

from cs_pipeline.sample_data.__main__ import profile_table
from cs_pipeline.sample_data.generator import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 15))
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="cs360-bench-"))
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        counts = generate(out, args.accounts, args.seed, args.as_of, timings=timings)
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"accounts={args.accounts:,} seed={args.seed} as_of={args.as_of}")
    print(profile_table(counts, timings, elapsed))
    print(
        f"written: {size / 1e6:,.0f} MB in {elapsed:,.1f} s; peak RSS {peak_mb:,.0f} MB"
        + (f"; kept in {out}" if args.keep else "")
    )


if __name__ == "__main__":
    main()
