"""cs360's benchmark: the full build against the scan floor, per stage, at several scales.

    make bench                                   # BENCH_SCALES="1000 10000 100000"
    BENCH_SCALES="1000 10000" make bench
    .venv/bin/python bench/run.py --scales 1000 --no-incremental

For each scale (CRM accounts of the sample generator, seed 42, a fixed as-of date):

1. the extracts, generated once and cached in ``bench/out/extracts-<N>/`` (git-ignored);
2. the **scan floor**: DuckDB reading every value of every extract file once (``count(*)`` and
   ``max(COLUMNS(*))`` over ``read_csv`` / ``read_json``), best of two reads;
3. the full build, exactly the command ``make run`` runs, as a subprocess with its own
   ``CS_WAREHOUSE`` under ``bench/out/run-<N>/`` (emptied first: a build from nothing),
   ``CS_EXTRACTS_DIR`` and ``DAGSTER_HOME`` (``bench/out/dagster_home``, created afresh by each
   bench and kept across its runs, as ``make run`` keeps its instance); the RSS of its whole
   process tree is sampled from /proc, and the time split per stage from Dagster's step
   statistics and dbt's node timings (``run_results.json``, else the run's JSON ``dbt.log``);
   Before it, dbt's partial parse is prepared for the run's settings (``python -m
   cs_pipeline.dbt_project``, untimed), as ``make run`` has ``make manifest`` prepare it for its
   own: otherwise the bench's warehouse path alone would make dbt parse the whole project;
4. the **floor of each stage** (``report.FLOORS``), measured right after the build: an empty
   Dagster job on an instance of the same settings (``dagster_floor.py``), DuckDB copying every
   extract into a new file, ``dbt build`` selecting nothing, DuckDB copying every table the dbt
   step wrote into a new file, and ``cp`` of the build file, each best of two; and the time a
   fresh process takes to load cs360's definitions;
5. with ``--incremental`` (the default): one more day of ticket changes (``ticket_delta.py``)
   in ``support/tickets/`` and the same command again on the built warehouse, at the same as-of
   date (``incremental``), and that night's floors (``night_floors``: DuckDB copying only the
   delta file and only the tables its dbt step wrote whole; the fixed floors are the full
   build's); then the **next night** as production runs it (``next_night``): the
   as-of date one day later and that day's ticket changes, on the warehouse the incremental
   left. The delta files are removed afterwards (the cached extracts stay as generated).

``--ticket-deltas K`` has the generator split the tickets into a base file and K daily files
(cached apart, in ``bench/out/extracts-<N>-deltas-<K>/``).

Writes ``bench/results.json`` (with the targets and their verdicts), ``assets/bench.md`` (also
copied into the README's Performance section) and ``assets/bench.svg``. Speed is measured
here, never in a timed unit test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import measure
import report
import ticket_delta

from cs_pipeline.config import CsSettings
from cs_pipeline.dbt_project import DBT_EXECUTABLE, DBT_PROJECT_DIR, PARTIAL_PARSE, dbt_env

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results.json"
DAGSTER_HOME = OUT / "dagster_home"
FLOOR_DAGSTER_HOME = OUT / "dagster_home_floor"  # the empty job's runs stay out of the bench's
SEED = 42
AS_OF = dt.date(2026, 11, 1)
BIN = Path(sys.executable).parent
# The command `make run` runs (see the Makefile's `run` target).
COMMAND = ["python", "-m", "cs_pipeline.nightly"]


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def pipeline_reads_ticket_deltas() -> bool:
    """Whether this cs360's extract registry declares the tickets' delta folder."""
    from cs_pipeline.sources import extract

    return getattr(extract("support", "tickets"), "delta_folder", None) == ticket_delta.DELTA_DIR


def floor_settings() -> dict[str, str]:
    """The memory limit and threads the pipeline's DuckDB connections get, for the floor's."""
    try:
        from cs_pipeline.config import DuckDBSettings
    except ImportError:  # a cs360 that leaves them to DuckDB: the defaults, as its readers
        return {}
    settings = DuckDBSettings.from_env()
    return {"memory_limit": settings.memory_limit, "threads": str(settings.threads)}


def ensure_extracts(accounts: int, ticket_deltas: int) -> tuple[Path, float | None]:
    """A scale's cached extracts; generated (into a temporary name, then renamed) if missing."""
    target = OUT / (f"extracts-{accounts}" + (f"-deltas-{ticket_deltas}" if ticket_deltas else ""))
    if target.is_dir():
        removed = ticket_delta.remove_deltas(target)  # left behind by an interrupted bench
        for path in removed:
            log(f"removed a leftover {path}")
        return target, None
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"generating {accounts:,} accounts into {target}")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cs_pipeline.sample_data",
            "--out",
            str(partial),
            "--accounts",
            str(accounts),
            "--seed",
            str(SEED),
            "--as-of",
            AS_OF.isoformat(),
            *(["--ticket-deltas", str(ticket_deltas)] if ticket_deltas else []),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    partial.rename(target)
    return target, round(time.perf_counter() - started, 2)


def stage_of_steps() -> dict[str, str]:
    """Dagster step key (op name) -> bench stage, read off the code location's definitions."""
    from cs_pipeline.definitions import defs

    stages = {}
    for asset in defs.assets or []:
        keys = [key.to_user_string() for key in asset.keys]
        kinds = {kind for spec in asset.specs for kind in spec.kinds}
        stage = (
            "publish" if keys == ["published_warehouse"] else "dbt" if "dbt" in kinds else "ingest"
        )
        stages[asset.node_def.name] = stage
    for check in defs.asset_checks or []:
        stages[check.node_def.name] = "checks"
    return stages


def fresh_dagster_home(home: Path = DAGSTER_HOME) -> Path:
    """A new Dagster instance for this bench, its storage created before any run is timed."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copy(ROOT / "dagster-instance.yaml", home / "dagster.yaml")
    with measure.instance_at(home) as instance:
        instance.get_runs(limit=1)
    return home


def settings_of(extracts: Path, run_dir: Path) -> CsSettings:
    return CsSettings(extracts, run_dir / "warehouse" / "cs360.duckdb", AS_OF)


def run_env(
    extracts: Path, run_dir: Path, home: Path = DAGSTER_HOME, as_of: dt.date = AS_OF
) -> dict[str, str]:
    """The environment of `make run` for one scale: its own warehouse, extracts, instance and
    as-of date (the bench's, or a later night's)."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(home),
        "CS_WAREHOUSE": str(settings_of(extracts, run_dir).warehouse),
        "CS_EXTRACTS_DIR": str(extracts),
        "CS_AS_OF": as_of.isoformat(),
    }
    env.pop("DAGSTER_IS_DEV_CLI", None)
    return env


def prepare_dbt_parse(extracts: Path, run_dir: Path) -> None:
    """dbt's partial parse for this scale's settings, as `make manifest` prepares make run's."""
    subprocess.run(
        [sys.executable, "-m", "cs_pipeline.dbt_project"],
        cwd=ROOT,
        env=run_env(extracts, run_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run_build(extracts: Path, run_dir: Path, label: str, as_of: dt.date = AS_OF) -> dict:
    """Run the `make run` command once; returns its wall time, peak RSS and stage split."""
    home = DAGSTER_HOME
    run_dir.mkdir(parents=True, exist_ok=True)
    env = run_env(extracts, run_dir, home, as_of)
    log_path = run_dir / f"{label}.log"
    log(f"{label}: {' '.join(COMMAND)}  (log: {log_path.relative_to(ROOT)})")
    with open(log_path, "wb") as out:
        launched = time.time()
        process = subprocess.Popen(COMMAND, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        with measure.TreeSampler(process.pid) as sampler:
            returncode = process.wait()
        ended = time.time()
    result = {
        "success": returncode == 0,
        "total_s": round(ended - launched, 2),
        "peak_rss_mb": sampler.peak_mb(),
    }
    if returncode != 0:
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        log(f"{label} FAILED (exit {returncode}); last lines of the log:\n" + "\n".join(tail))
    run_id, steps = measure.run_steps(home)
    result["run_id"] = run_id
    result.update(split_stages(run_id, steps, launched, ended, sampler))
    return result


def split_stages(
    run_id: str,
    steps: list[measure.Step],
    launched: float,
    ended: float,
    sampler: measure.TreeSampler,
) -> dict:
    """Seconds and peak RSS per stage (see ``report.STAGES``); the seconds add up to the run.

    Inside the dbt step, dbt's node windows (one thread: they do not overlap) split it into
    dbt's start-up (step start to its first node), models/seeds, tests (data and unit tests)
    and the rest (between nodes, dbt's exit, Dagster's handling of dbt's events).
    """
    stage_of = stage_of_steps()
    dbt_log = None
    seconds: dict[str, float] = {}
    windows: dict[str, list[tuple[float, float]]] = {}  # where each stage's RSS is read

    def add(stage: str, start: float, end: float, counted: float | None = None) -> None:
        seconds[stage] = seconds.get(stage, 0.0) + (end - start if counted is None else counted)
        windows.setdefault(stage, []).append((start, end))

    add("startup", launched, steps[0].start if steps else ended)
    dbt_nodes: dict[str, int] = {}
    for step in steps:
        stage = stage_of.get(step.key, "other")
        target = dbt_target(step.key, run_id) if stage == "dbt" else None
        found = [
            path for path in (target / "run_results.json", target / "dbt.log") if path.is_file()
        ] if target else []
        if found and found[-1].name == "dbt.log":  # where night_floors finds the tables dbt wrote
            dbt_log = found[-1].relative_to(ROOT).as_posix()
        if not found:  # without dbt's timings, the dbt step counts as a whole
            add("dbt_models" if stage == "dbt" else stage, step.start, step.end)
            continue
        nodes = measure.dbt_nodes(found[0])
        first = nodes[0].start if nodes else step.end
        add("dbt_startup", step.start, first)
        for node in nodes:
            add(
                "dbt_tests" if node.kind in ("test", "unit_test") else "dbt_models",
                node.start,
                node.end,
            )
            dbt_nodes[node.kind] = dbt_nodes.get(node.kind, 0) + 1
        in_nodes = sum(n.end - n.start for n in nodes)
        add(
            "dbt_other",
            nodes[-1].end if nodes else step.end,
            step.end,
            counted=max(0.0, step.end - first - in_nodes),
        )
    seconds["other"] = seconds.get("other", 0.0) + max(
        0.0, ended - launched - sum(seconds.values())
    )
    stages = {
        stage: {
            "seconds": round(seconds.get(stage, 0.0), 2),
            "peak_rss_mb": max(
                (p for s, e in windows.get(stage, []) if (p := sampler.peak_mb(s, e)) is not None),
                default=None,
            ),
        }
        for stage in report.STAGES
    }
    return {"stages": stages, "dbt_nodes": dbt_nodes, "dbt_log": dbt_log}


def dbt_target(step_key: str, run_id: str) -> Path | None:
    """The target folder dagster-dbt gave one dbt step of a run (its artifacts and dbt.log)."""
    targets = sorted(ROOT.glob(f"dbt_project/target/{step_key}-{run_id[:7]}-*"))
    return targets[-1] if targets else None


def best_of_two(measure_once: Callable[[], float]) -> float:
    return round(min(measure_once() for _ in range(2)), 2)


def dagster_floor(extracts: Path, run_dir: Path) -> float:
    """Process start to the step of an empty job (``dagster_floor.py``) on its own instance."""
    launched = time.time()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "dagster_floor.py")],
        cwd=ROOT,
        env=run_env(extracts, run_dir, FLOOR_DAGSTER_HOME),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, steps = measure.run_steps(FLOOR_DAGSTER_HOME)
    return steps[0].start - launched


def dbt_floor(extracts: Path, run_dir: Path) -> float:
    """`dbt build` selecting nothing, with the run's profile and the project's partial parse
    (copied into a target folder of its own, as dagster-dbt does) and, as the nightly dbt on
    DuckDB, no JSON artifacts written, by the dbt command the step runs: dbt's own start-up."""
    env = {**run_env(extracts, run_dir), **dbt_env(settings_of(extracts, run_dir))}
    with tempfile.TemporaryDirectory() as target:
        parse = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE
        if parse.is_file():
            shutil.copy(parse, Path(target) / PARTIAL_PARSE)
        return measure.timed_command(
            [DBT_EXECUTABLE, "build", "--select", "fqn:cs360_bench_selects_nothing",
             "--no-write-json", "--target-path", target],
            DBT_PROJECT_DIR,
            env,
        )


def stage_floors(extracts: Path, files: list[Path], run_dir: Path) -> dict[str, float]:
    """The floor of each stage of ``report.FLOORS``, in seconds (best of two)."""
    build = settings_of(extracts, run_dir).build_warehouse
    floors = {
        "startup": best_of_two(lambda: dagster_floor(extracts, run_dir)),
        "ingest": best_of_two(
            lambda: measure.ingest_floor(files, floor_settings(), run_dir / "ingest-floor.duckdb")
        ),
        "dbt_startup": best_of_two(lambda: dbt_floor(extracts, run_dir)),
        "dbt_models": best_of_two(
            lambda: measure.models_floor(build, floor_settings(), run_dir / "models-floor.duckdb")
        ),
        "publish": best_of_two(lambda: measure.publish_floor(build)),
    }
    assert set(floors) == set(report.FLOORS)
    return floors


def night_floors(extracts: Path, run_dir: Path, night: dict, full_floors: dict) -> dict:
    """The floor of each stage of ``report.FLOORS`` for a ticket night, in seconds: DuckDB
    copying only what the night wrote, each best of two, namely the one file it loaded (its
    ticket delta) and the tables its dbt step wrote whole (``measure.rewritten_tables`` of its
    dbt.log); the fixed floors (start-up, dbt start-up, publish) are the full build's,
    measured on the same settings and a build file of the night's size."""
    floors = {stage: full_floors[stage] for stage in ("startup", "dbt_startup", "publish")}
    delta = extracts / night["delta_file"]
    floors["ingest"] = best_of_two(
        lambda: measure.ingest_floor([delta], floor_settings(), run_dir / "ingest-floor.duckdb")
    )
    if night.get("dbt_log"):
        tables = measure.rewritten_tables(ROOT / night["dbt_log"])
        build = settings_of(extracts, run_dir).build_warehouse
        floors["dbt_models"] = best_of_two(
            lambda: measure.models_floor(
                build, floor_settings(), run_dir / "models-floor.duckdb", tables
            )
        )
        night["rewritten_tables"] = len(tables)
    return {stage: floors[stage] for stage in report.FLOORS if stage in floors}


def definitions_load_s(extracts: Path, run_dir: Path) -> float:
    """Seconds a fresh process takes to import cs360's code location (best of two)."""
    command = [sys.executable, "-c", "import cs_pipeline.definitions"]
    return best_of_two(lambda: measure.timed_command(command, ROOT, run_env(extracts, run_dir)))


def raw_rows_from(build_warehouse: Path, source_file: str) -> int | None:
    """Rows of any raw table loaded from ``source_file`` (None when the warehouse is missing)."""
    if not build_warehouse.is_file():
        return None
    with duckdb.connect(str(build_warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND column_name = '_source_file'"
        ).fetchall()
        return sum(
            con.execute(
                f'SELECT count(*) FROM raw."{table}" WHERE _source_file = ?', [source_file]
            ).fetchone()[0]
            for (table,) in tables
        )


def ticket_night(
    extracts: Path, run_dir: Path, full: dict, label: str, as_of: dt.date
) -> dict:
    """The delta file of ``as_of``'s ticket changes beside the delivered tickets, then the same
    command again on the built warehouse with that as-of date. The file stays (a later night
    reads the earlier ones): the caller removes the deltas."""
    if not pipeline_reads_ticket_deltas():
        message = (
            "skipped: this cs360 predates incremental ticket exports (its registry "
            f"declares no {ticket_delta.DELTA_DIR}/ folder)"
        )
        log(message)
        return {"skipped": message}
    path, changed, new = ticket_delta.write_delta(extracts, as_of)
    relative = path.relative_to(extracts).as_posix()
    log(f"{label}: as-of {as_of}, {relative} ({changed:,} changed, {new:,} new tickets)")
    result = run_build(extracts, run_dir, label, as_of)
    result.update(as_of=as_of.isoformat(), delta_file=relative, changed_tickets=changed,
                  new_tickets=new)
    build = settings_of(extracts, run_dir).build_warehouse
    loaded = raw_rows_from(build, relative)
    if not loaded:
        message = (
            f"skipped: the pipeline did not load {relative} (no raw row has it as _source_file); "
            "it does not read support/tickets/ yet"
        )
        log(message)
        return {"skipped": message, "total_s": result["total_s"], "success": result["success"]}
    result["ratio_to_full"] = round(result["total_s"] / full["total_s"], 3)
    return result


def bench_scale(accounts: int, ticket_deltas: int, with_incremental: bool) -> dict:
    extracts, generate_s = ensure_extracts(accounts, ticket_deltas)
    files = measure.extract_files(extracts)
    floors = [measure.scan_floor(files, floor_settings()) for _ in range(2)]
    floor_s, raw_rows = min(floors)
    log(
        f"{accounts:,} accounts: {raw_rows:,} raw rows in {len(files)} files; floor {floor_s:.2f} s"
    )
    run_dir = OUT / f"run-{accounts}"
    shutil.rmtree(run_dir, ignore_errors=True)
    prepare_dbt_parse(extracts, run_dir)
    full = run_build(extracts, run_dir, "full")
    entry = {
        "accounts": accounts,
        "ticket_delta_files": ticket_deltas,
        "raw_rows": raw_rows,
        "extract_files": len(files),
        "extract_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "generate_s": generate_s,
        "floor_s": round(floor_s, 3),
        **full,
    }
    entry["ratio_to_floor"] = round(full["total_s"] / floor_s, 1)
    stages = full["stages"]
    entry["check_share"] = round(
        (stages["checks"]["seconds"] + stages["dbt_tests"]["seconds"]) / full["total_s"], 3
    )
    log(
        f"{accounts:,} accounts: full build {full['total_s']:.1f} s "
        f"({entry['ratio_to_floor']}x floor), peak RSS {full['peak_rss_mb']} MB"
    )
    if full["success"]:
        entry["stage_floors"] = stage_floors(extracts, files, run_dir)
        entry["definitions_load_s"] = definitions_load_s(extracts, run_dir)
        log(f"{accounts:,} accounts: stage floors {entry['stage_floors']}, definitions load "
            f"{entry['definitions_load_s']} s")
    if with_incremental and full["success"]:
        try:
            # A delta night at the bench's as-of date, then the night after it (as-of + 1 day
            # and that day's delta): the run production has every night.
            night = entry["incremental"] = ticket_night(
                extracts, run_dir, full, "incremental", AS_OF
            )
            if night.get("success") and "skipped" not in night and "stage_floors" in entry:
                floors = entry["stage_floors"]
                night["stage_floors"] = night_floors(extracts, run_dir, night, floors)
                log(f"incremental: stage floors {night['stage_floors']} "
                    f"({night.get('rewritten_tables')} tables rewritten)")
            if night.get("success"):
                entry["next_night"] = ticket_night(
                    extracts, run_dir, full, "next_night", AS_OF + dt.timedelta(days=1)
                )
        finally:
            ticket_delta.remove_deltas(extracts)
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument(
        "--incremental",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure a run on one more day of ticket changes, and the next night "
        "(as-of + 1 day and that day's changes)",
    )
    parser.add_argument(
        "--ticket-deltas",
        type=int,
        default=0,
        help="have the generator write tickets as a base file and K delta files",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    fresh_dagster_home()
    fresh_dagster_home(FLOOR_DAGSTER_HOME)
    with duckdb.connect(config=floor_settings()) as con:
        memory_limit, threads = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
    scales = [bench_scale(n, args.ticket_deltas, args.incremental) for n in sorted(args.scales)]
    results = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(COMMAND),
        "seed": SEED,
        "as_of": AS_OF.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(
                os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1
            ),
        },
        "floor_duckdb_settings": {"memory_limit": memory_limit, "threads": threads},
        "stage_floor_definitions": {stage: what for stage, (_, what) in report.FLOORS.items()},
        "scales": scales,
    }
    results["targets"] = report.evaluate_targets(scales)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report.render(RESULTS, ROOT)
    log(f"wrote {RESULTS.relative_to(ROOT)}, assets/bench.md, assets/bench.svg, README.md")
    print((ROOT / "assets" / "bench.md").read_text())
    if not all(s["success"] for s in scales):
        sys.exit(1)


if __name__ == "__main__":
    main()
