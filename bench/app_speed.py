"""The cockpit's speed: how long each page takes to render from the published warehouse.

    make bench-app                                    # APP_BENCH_ACCOUNTS=10000
    .venv/bin/python bench/app_speed.py --accounts 100000
    .venv/bin/python bench/app_speed.py --warehouse data/warehouse/cs360.duckdb

The warehouse of a scale is the one ``make bench`` builds, ``bench/out/run-<N>/warehouse/``;
when it is missing it is built the same way (the cached extracts of ``bench/out/extracts-<N>``,
generated when missing, and exactly ``make run``'s command). Each page is rendered by
Streamlit's ``AppTest``, the page's real script with its real queries, for representative
inputs: the portfolio unfiltered and filtered by the CSM with most accounts, the actions of the
owner with most calls to action, the brief of the planted Kestrel account and of the accounts
with most tickets and most installations, the version lookup of the most installed release line,
and the data-quality page. Each render re-runs the whole page in its session (entry script,
sidebar, page and its queries), as a browser's request does. Reported per case: the first
render after the file is attached anew (as after a publish: DuckDB reads what it needs from the
OS page cache) and the median and slowest of ``--repeat`` more; the target is every page under
1 s at 100 000 accounts. Writes ``bench/app_results.json`` and ``assets/app_bench.md``, copied
into the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402  (bench/report.py: the README's tables)
import run as build_bench  # noqa: E402  (bench/run.py: extracts and the build of a scale)

from cs_pipeline.app import warehouse as warehouse_module  # noqa: E402
from cs_pipeline.sample_data.planted import KESTREL  # noqa: E402

ROOT = build_bench.ROOT
MAIN = ROOT / "cs_pipeline" / "app" / "main.py"
RESULTS = ROOT / "bench" / "app_results.json"
TABLE = ROOT / "assets" / "app_bench.md"
README_MARKERS = ("<!-- app-bench:start -->", "<!-- app-bench:end -->")
TARGET_S = 1.0


def scale_warehouse(accounts: int) -> Path:
    """``make bench``'s warehouse of a scale, built the same way when it is missing."""
    run_dir = build_bench.OUT / f"run-{accounts}"
    warehouse = run_dir / "warehouse" / "cs360.duckdb"
    if warehouse.is_file():
        return warehouse
    extracts, _ = build_bench.ensure_extracts(accounts, 0)
    if not build_bench.DAGSTER_HOME.is_dir():
        build_bench.fresh_dagster_home()
    result = build_bench.run_build(extracts, run_dir, "full")
    if not result["success"]:
        raise SystemExit(f"the build of {accounts} accounts failed (log in {run_dir})")
    return warehouse


def pick_inputs(warehouse: Path) -> dict[str, object]:
    """The inputs that make each page work hardest, read off the warehouse itself."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        def one(sql: str) -> object:
            row = con.execute(sql).fetchone()
            return row[0] if row else None

        return {
            "csm": one("select csm_name from marts.customer_360 where csm_name is not null "
                       "group by all order by count(*) desc, csm_name limit 1"),
            "owner": one("select owner_name from marts.calls_to_action where status = 'open' "
                         "group by all order by count(*) desc, owner_name limit 1"),
            "most_tickets": one("select account_id from marts.customer_360 "
                                "order by tickets_90d desc, open_tickets desc, account_id limit 1"),
            "most_installations": one(
                "select v.account_id from intermediate.int_installation_versions as v "
                "inner join marts.customer_360 as c on c.account_id = v.account_id "
                "group by all order by count(*) desc, v.account_id limit 1"),
            "line": con.execute(
                "select product_code, release_line from intermediate.int_installation_versions "
                "where release_line is not null group by all "
                "order by count(*) desc, product_code, release_line limit 1").fetchone(),
        }


@dataclass(frozen=True)
class Case:
    page: str  # under cs_pipeline/app/views/
    query: dict[str, str] = field(default_factory=dict)  # URL query parameters


def cases(inputs: dict[str, object]) -> dict[str, Case]:
    product, line = inputs["line"]
    return {
        "portfolio": Case("portfolio.py"),
        "portfolio, one CSM": Case("portfolio.py", query={"csm": str(inputs["csm"])}),
        "my actions": Case("actions.py", query={"owner": str(inputs["owner"])}),
        "brief, planted Kestrel": Case("brief.py", query={"account": KESTREL}),
        "brief, most tickets": Case("brief.py", query={"account": str(inputs["most_tickets"])}),
        "brief, most installations":
            Case("brief.py", query={"account": str(inputs["most_installations"])}),
        "version lookup": Case("versions.py", query={"product": product, "line": line}),
        "data quality": Case("quality.py"),
    }


def page_session(case: Case) -> AppTest:
    """A session on ``case``'s page with its inputs, rendered once (untimed: a new ``AppTest``
    scans every installed package for Streamlit components, which a server does once)."""
    at = AppTest.from_file(str(MAIN), default_timeout=120)
    at.switch_page(f"views/{case.page}")
    for key, value in case.query.items():
        at.query_params[key] = value
    at.run()
    return at


def render_seconds(at: AppTest, *, reattach: bool = False) -> float:
    """One render of the session's page, timed whole: the entry script, the sidebar, the page
    and its queries, as a browser's request re-runs them. ``reattach``: as the first request
    after a publish, which attaches the file anew."""
    if reattach:
        warehouse_module._warehouses.clear()
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"a page failed: {at.exception[0].message}")
    if not at.dataframe:
        raise SystemExit("a page showed no table: nothing was measured")
    return seconds


def write_markdown(results: dict, path: Path) -> None:
    lines = [
        "<!-- Written by `make bench-app` (bench/app_speed.py) from bench/app_results.json: "
        "do not edit. -->",
        f"Measured {results['measured_at']} on {results['cpus']} CPUs, DuckDB threads "
        f"{results['duckdb_threads']}: {results['customer_accounts']:,} customer accounts, "
        f"warehouse {results['warehouse_mb']:,} MB.",
        "",
        "| page, inputs | first after attach (s) | median (s) | slowest (s) | under "
        f"{results['target_s']:g} s |",
        "| --- | ---: | ---: | ---: | --- |",
        *(f"| {c['case']} | {c['first_s']:.3f} | {c['median_s']:.3f} | {c['max_s']:.3f} | "
          f"{'pass' if c['pass'] else '**fail**'} |" for c in results["cases"]),
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000, help="the scale (make bench's)")
    parser.add_argument("--warehouse", type=Path, help="time this warehouse instead")
    parser.add_argument("--repeat", type=int, default=5, help="renders per case after the first")
    args = parser.parse_args()

    warehouse = (args.warehouse or scale_warehouse(args.accounts)).resolve()
    os.environ["CS_WAREHOUSE"] = str(warehouse)
    inputs = pick_inputs(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        accounts = con.execute("select count(*) from marts.customer_360").fetchone()[0]
    print(f"{warehouse}: {accounts:,} customer accounts; inputs {inputs}", flush=True)

    sessions = {name: page_session(case) for name, case in cases(inputs).items()}
    rows = []
    for name, case in cases(inputs).items():
        at = sessions[name]
        first = render_seconds(at, reattach=True)
        warm = [render_seconds(at) for _ in range(args.repeat)]
        row = {"case": name, "page": case.page, "first_s": round(first, 3),
               "median_s": round(statistics.median(warm), 3), "max_s": round(max(warm), 3)}
        row["pass"] = max(first, *warm) < TARGET_S
        rows.append(row)
        print(f"  {name:28} first {first:6.3f} s  median {row['median_s']:6.3f} s  "
              f"max {row['max_s']:6.3f} s  {'pass' if row['pass'] else 'FAIL'}", flush=True)

    results = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "duckdb_threads": os.environ.get("CS_DUCKDB_THREADS", "all cores"),
        "warehouse": str(warehouse.relative_to(ROOT) if warehouse.is_relative_to(ROOT)
                         else warehouse),
        "customer_accounts": accounts,
        "warehouse_mb": round(warehouse.stat().st_size / 1e6, 1),
        "target_s": TARGET_S, "cases": rows,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_markdown(results, TABLE)
    report.update_readme(TABLE, ROOT / "README.md", README_MARKERS)
    print(f"wrote {RESULTS.relative_to(ROOT)}, {TABLE.relative_to(ROOT)} and the README")
    if not all(r["pass"] for r in rows):
        raise SystemExit(f"some page took {TARGET_S} s or more")


if __name__ == "__main__":
    main()
