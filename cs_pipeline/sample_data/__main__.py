"""CLI: ``python -m cs_pipeline.sample_data --out DIR --accounts N --seed S [--as-of DATE]
[--ticket-deltas N]``.

Prints the records written per file as JSON on stdout (the extract folders get nothing but
the contract's files). ``--profile`` adds seconds and records/s per file on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from cs_pipeline.sample_data.generator import generate


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs_pipeline.sample_data",
                                     description="Write deterministic cs360 sample extracts.")
    parser.add_argument("--out", type=Path, required=True, help="extracts root to write into")
    parser.add_argument("--accounts", type=int, required=True, help="random CRM accounts")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--as-of", type=_date, default=None,
                        help="date the extracts are taken (default: today)")
    parser.add_argument("--all-utf8", action="store_true",
                        help="write finance/customers.csv in UTF-8 instead of Shift_JIS")
    parser.add_argument("--ticket-deltas", type=int, default=0, metavar="N",
                        help="write tickets as a base support/tickets.jsonl plus N daily delta "
                             "files support/tickets/tickets-YYYYMMDD.jsonl (same records)")
    parser.add_argument("--profile", action="store_true",
                        help="print seconds and records/s per file on stderr")
    args = parser.parse_args(argv)
    as_of = args.as_of or dt.date.today()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    counts = generate(args.out, args.accounts, args.seed, as_of, shift_jis=not args.all_utf8,
                      timings=timings, ticket_deltas=args.ticket_deltas)
    elapsed = time.perf_counter() - started
    print(json.dumps(counts, indent=2))
    if args.profile:
        print(profile_table(counts, timings, elapsed), file=sys.stderr)
    return 0


def profile_table(counts: dict[str, int], timings: dict[str, float], elapsed: float) -> str:
    lines = [f"{'file':34} {'records':>11} {'seconds':>8} {'records/s':>11}"]
    for file, rows in counts.items():
        sec = timings.get(file, 0.0)
        rate = f"{rows / sec:11,.0f}" if sec > 0 else f"{'-':>11}"
        lines.append(f"{file:34} {rows:11,d} {sec:8.2f} {rate}")
    total = sum(counts.values())
    lines.append(f"{'total':34} {total:11,d} {elapsed:8.2f} {total / max(elapsed, 1e-9):11,.0f}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
