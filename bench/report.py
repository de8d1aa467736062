"""The benchmark's targets and its two renderings: a Markdown table and a log-log SVG plot.

    .venv/bin/python bench/report.py     # render bench/results.json again, without a bench

Everything shown is read from ``bench/results.json`` (targets, verdicts and floors included).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

# Stages of one run, in the order they happen; their seconds add up to the whole run.
STAGES = {
    "startup": "Dagster start-up (process start to first step)",
    "ingest": "ingest (raw asset steps)",
    "checks": "checks (asset-check steps)",
    "dbt_startup": "dbt start-up (to its first node)",
    "dbt_models": "dbt models and seeds",
    "dbt_tests": "dbt tests (data and unit tests)",
    "dbt_other": "dbt step, rest",
    "publish": "publish",
    "other": "between steps, exit",
}

# What each of these stages cannot go below on the machine, measured in the same bench run
# (bench/run.py, ``stage_floors`` of each scale in results.json): stage -> (label, what it is).
FLOORS = {
    "startup": (
        "empty Dagster job",
        "an empty one-step Dagster job on an instance of the same settings, from process start "
        "to its step: Dagster's imports, instance and run creation, none of cs360's code",
    ),
    "ingest": (
        "DuckDB CTAS of every extract",
        "DuckDB copying every extract into a table of a new database file (CREATE TABLE AS "
        "SELECT, CSV fields as text) and a CHECKPOINT: the least a load can cost",
    ),
    "dbt_startup": (
        "`dbt build` selecting nothing",
        "`dbt build` selecting no node, with the run's profile and the project's partial parse, "
        "no JSON artifacts written (as the nightly dbt on DuckDB): dbt's own start-up (process, "
        "imports, parse), before any connection or hook",
    ),
    "dbt_models": (
        "DuckDB CTAS of every table dbt wrote",
        "DuckDB copying every table the dbt step left in the build file (models and seeds, every "
        "schema but raw; read from it attached read-only) into a new database file, one CREATE "
        "TABLE AS SELECT * after the other, and a CHECKPOINT: writing the models' rows as if "
        "computing them were free",
    ),
    "publish": (
        "`cp` of the build file + fsync",
        "`cp` of the build file beside itself and an fsync of the copy: the least a durable "
        "publish that keeps the build (the next night starts from it) can cost",
    ),
}


# A night's floors (``stage_floors`` of ``incremental``): the same stages, measured on what the
# night wrote.
NIGHT_FLOORS = (
    "the full build's start-up, dbt start-up and publish floors (fixed costs: the same settings, "
    "a build file of the same size); its ingest floor is DuckDB copying only the file the night "
    "loaded (the day's ticket delta), its models floor DuckDB copying only the tables its dbt "
    "step wrote whole (models materialized as tables, and seeds, from the run's dbt.log; an "
    "incremental model merges only the night's rows, which dbt does not count, so it is left "
    "out), each the same CTAS into a new file and CHECKPOINT as the full build's, best of two"
)


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    limit: float
    value: Callable[[dict, dict | None], float | None]  # (scale, previous scale) -> value
    # The value the run would have if each stage with a floor took its floor and the others no
    # time: the least the target's measure can reach on the machine (None: no floor adds up).
    at_floors: Callable[[dict], float | None] = lambda _: None


def _growth(scale: dict, previous: dict | None) -> float | None:
    """Exponent k of time ~ accounts**k from the previous scale: at most 1 is linear or better."""
    if previous is None:
        return None
    return round(
        math.log(scale["total_s"] / previous["total_s"])
        / math.log(scale["accounts"] / previous["accounts"]),
        2,
    )


def _incremental(scale: dict, _: dict | None) -> float | None:
    return (scale.get("incremental") or {}).get("ratio_to_full")


def floors_sum(run: dict) -> float | None:
    """Seconds of a run's stage floors together (None unless every stage of FLOORS has one)."""
    floors = run.get("stage_floors") or {}
    return round(sum(floors.values()), 2) if set(floors) == set(FLOORS) else None


def _ratio(part: float | None, whole: float, digits: int) -> float | None:
    return None if part is None else round(part / whole, digits)


# The targets of issue 8, declared once; they apply at 100 000 accounts on 2 cores / 24 GiB and
# are evaluated at every measured scale so a trend shows before the big run.
TARGETS = (
    Target(
        "ratio_to_floor",
        "whole run at most 5x the scan floor",
        5.0,
        lambda s, _: s["ratio_to_floor"],
        lambda s: _ratio(floors_sum(s), s["floor_s"], 1),
    ),
    Target(
        "peak_rss_mb",
        "peak RSS of the whole process tree at most 4 GiB (MiB)",
        4096.0,
        lambda s, _: s["peak_rss_mb"],
    ),
    Target(
        "check_share",
        "checks (asset-check steps and dbt tests) at most 20 % of the run",
        0.20,
        lambda s, _: s["check_share"],
    ),
    Target(
        "growth_exponent",
        "time grows linearly or better in accounts since the previous "
        "scale (exponent k of time ~ accounts^k)",
        1.0,
        _growth,
    ),
    Target(
        "incremental_ratio",
        "one more day of tickets (~1 %) on a built warehouse at most 10 % of the full build",
        0.10,
        _incremental,
        lambda s: _ratio(floors_sum(s.get("incremental") or {}), s["total_s"], 3),
    ),
)
TARGET_SCALE = 100_000


def evaluate_targets(scales: list[dict]) -> dict:
    """Each target's value and pass/fail per scale, plus the verdict at 100 000 accounts."""
    targets = {}
    for target in TARGETS:
        per_scale = {}
        previous = None
        for scale in scales:
            value = target.value(scale, previous)
            per_scale[str(scale["accounts"])] = {
                "value": value,
                "pass": None if value is None else bool(value <= target.limit),
                "at_floors": target.at_floors(scale),
            }
            previous = scale
        targets[target.name] = {
            "description": target.description,
            "limit": target.limit,
            "at_accounts": TARGET_SCALE,
            "verdict": per_scale.get(str(TARGET_SCALE), {}).get("pass"),  # None: not measured
            "per_scale": per_scale,
        }
    return targets


# --- Markdown ---------------------------------------------------------------------------------


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def _floor_cell(scale: dict, stage: str) -> str:
    """A stage's floor and how many times the floor the stage took ('–' when not measured)."""
    floor = scale.get("stage_floors", {}).get(stage)
    if floor is None:
        return "–"
    seconds = scale["stages"][stage]["seconds"]
    return _s(floor) + (f" (stage {seconds / floor:,.1f}x)" if floor > 0 else "")


def _night_stage_cell(night: dict, stage: str) -> str:
    """A night's stage, with its floor beside it when it has one."""
    if "stages" not in night:
        return "–"
    seconds = night["stages"][stage]["seconds"]
    floor = night.get("stage_floors", {}).get(stage)
    if floor is None:
        return _s(seconds)
    return f"{_s(seconds)} (floor {_s(floor)}" + (f", {seconds / floor:,.1f}x)" if floor else ")")


def _night_floors_line(scales: list[dict], limit: float) -> str | None:
    """The incremental night's floors added up against its target, at the largest scale that
    measured them."""
    measured = [s for s in scales if floors_sum(s.get("incremental") or {}) is not None]
    if not measured:
        return None
    scale = measured[-1]
    night = scale["incremental"]
    total, full = floors_sum(night), scale["total_s"]
    parts = ", ".join(
        f"{label} {_s(night['stage_floors'][stage])}"
        for stage, label, _ in _STAGE_SERIES if stage in FLOORS
    )
    return (
        f"Together the incremental night's floors at {scale['accounts']:,} accounts add up to "
        f"{_s(total)} s ({parts}): {total / full:.1%} of the full build ({_s(full)} s) against "
        f"the {limit:.0%} target ({_s(limit * full)} s); the night took {_s(night['total_s'])} s, "
        f"{night['total_s'] / total:,.1f}x its floors."
    )


def write_markdown(results: dict, path: Path) -> None:
    scales = results["scales"]
    head = " | ".join(f"{s['accounts']:,} accounts" for s in scales)
    rule = " | ".join("---:" for _ in scales)
    machine = results["machine"]
    lines = [
        "<!-- Written by `make bench` (bench/run.py) from bench/results.json: do not edit. -->",
        f"Measured {results['generated_at']} on {machine['cpus']} CPUs / "
        f"{machine['memory_gib']} GiB; as-of {results['as_of']}, seed {results['seed']}; "
        f"the build is `{results['command']}`, as `make run` runs it.",
        "",
        f"| | {head} |",
        f"| --- | {rule} |",
    ]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("raw rows", [f"{s['raw_rows']:,}" for s in scales])
    row("extracts (MB)", [f"{s['extract_mb']:,.0f}" for s in scales])
    row("**scan floor** (s)", [_s(s["floor_s"]) for s in scales])
    row("**full build** (s)", [_s(s["total_s"]) for s in scales])
    row("full build / floor", [f"{s['ratio_to_floor']:,.0f}x" for s in scales])
    row("peak RSS, process tree (MB)", [f"{s['peak_rss_mb']:,.0f}" for s in scales])
    for stage, label in STAGES.items():
        row(
            f"&nbsp;&nbsp;{label} (s)",
            [
                _s(s["stages"][stage]["seconds"])
                + (f" ({rss:,.0f} MB)" if (rss := s["stages"][stage]["peak_rss_mb"]) else "")
                for s in scales
            ],
        )
        if stage in FLOORS and any(stage in s.get("stage_floors", {}) for s in scales):
            row(
                f"&nbsp;&nbsp;&nbsp;&nbsp;↳ *floor: {FLOORS[stage][0]}* (s)",
                [_floor_cell(s, stage) for s in scales],
            )
    if any("definitions_load_s" in s for s in scales):
        row(
            "loading cs360's definitions in a fresh process (s, part of the start-up)",
            [_s(s.get("definitions_load_s")) for s in scales],
        )
    row("checks' share of the run", [f"{s['check_share']:.0%}" for s in scales])
    row(
        "dbt nodes run",
        [
            ", ".join(f"{n} {kind}" for kind, n in sorted(s["dbt_nodes"].items())) or "–"
            for s in scales
        ],
    )

    def night(s: dict, key: str) -> str:
        inc = s.get(key)
        if not inc:
            return "not run"
        if "skipped" in inc:
            return "skipped: pipeline does not read support/tickets/ yet"
        if not inc.get("success", True):
            return "**failed**"
        return f"{_s(inc['total_s'])} s ({inc['ratio_to_full']:.0%} of full)"

    row("incremental run, +1 % tickets, same as-of", [night(s, "incremental") for s in scales])
    nights = [s.get("incremental") or {} for s in scales]
    if any("stage_floors" in n for n in nights):
        for stage, label in STAGES.items():
            row(f"&nbsp;&nbsp;night: {label} (s)", [_night_stage_cell(n, stage) for n in nights])
        row(
            "&nbsp;&nbsp;*the night's floors together* (s)",
            [
                "–" if (sum_s := floors_sum(n)) is None
                else f"{_s(sum_s)} ({sum_s / s['total_s']:.0%} of full)"
                for s, n in zip(scales, nights, strict=True)
            ],
        )
    row("next night: as-of + 1 day, +1 % tickets", [night(s, "next_night") for s in scales])
    lines += ["", "| target | limit | " + head + " |", "| --- | ---: | " + rule + " |"]
    for target in results["targets"].values():
        cells = []
        for s in scales:
            verdict = target["per_scale"][str(s["accounts"])]
            if verdict["value"] is None:
                cells.append("–")
                continue
            cell = f"{verdict['value']:,} {'pass' if verdict['pass'] else '**fail**'}"
            if (floors := verdict.get("at_floors")) is not None:
                cell += f" (at its floors {floors:,})"
            cells.append(cell)
        row(f"{target['description']}", [f"{target['limit']:,}", *cells])
    if line := _night_floors_line(scales, results["targets"]["incremental_ratio"]["limit"]):
        lines += ["", line]
    if any("stage_floors" in s for s in scales):
        lines += ["", "Floors, measured in the same bench run (best of two):"]
        lines += [f"- *{label}*: {what}." for label, what in FLOORS.values()]
        if any("stage_floors" in n for n in nights):
            lines.append(f"- *the incremental night's*: {NIGHT_FLOORS}.")
    lines.append("")
    path.write_text("\n".join(lines))


README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
ROOT = Path(__file__).resolve().parent.parent


def render(results: Path = ROOT / "bench" / "results.json", root: Path = ROOT) -> None:
    """The Markdown table, the plot and the README's copy of the table, from a results file."""
    data = json.loads(results.read_text())
    write_markdown(data, root / "assets" / "bench.md")
    write_svg(data, root / "assets" / "bench.svg")
    update_readme(root / "assets" / "bench.md", root / "README.md")


def update_readme(
    table: Path, readme: Path, markers: tuple[str, str] = (README_START, README_END)
) -> None:
    """Copy the table between the README's bench markers (Markdown cannot include a file)."""
    start, end = markers
    text = readme.read_text()
    if start not in text or end not in text:
        print(f"{readme}: no {start} ... {end} markers, table not copied")
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table.read_text()}{end}{tail}")


# --- SVG plot ---------------------------------------------------------------------------------

_W, _H = 760, 460
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 250, 40, 60
_STAGE_SERIES = (  # (stage, label, colour)
    ("startup", "Dagster start-up", "#7f7f7f"),
    ("ingest", "ingest", "#1f77b4"),
    ("checks", "checks", "#d62728"),
    ("dbt_startup", "dbt start-up", "#bcbd22"),
    ("dbt_models", "dbt models", "#2ca02c"),
    ("dbt_tests", "dbt tests", "#ff7f0e"),
    ("publish", "publish", "#9467bd"),
)
# (key, label, colour, dash); keys are "floor", "total", "night", "night_floors", a stage or
# "floor:<stage>": each stage's floor (FLOORS) is drawn in the stage's colour, dotted. The
# incremental night shows as its total and its floors together, not stage by stage.
_SERIES = (
    ("total", "full build", "#111111", ""),
    ("floor", "scan floor", "#111111", "6 4"),
    ("night", "incremental night", "#e377c2", ""),
    ("night_floors", "night floors (sum)", "#e377c2", "2 3"),
    *((key, label, colour, "") for key, label, colour in _STAGE_SERIES),
    *((f"floor:{key}", f"{label} floor", colour, "2 3")
      for key, label, colour in _STAGE_SERIES if key in FLOORS),
)


def _value(scale: dict, key: str) -> float:
    """Seconds of a series at one scale (0, not drawn, when a floor was not measured)."""
    if key == "floor":
        return scale["floor_s"]
    if key == "total":
        return scale["total_s"]
    night = scale.get("incremental") or {}
    if key == "night":
        return night["total_s"] if "ratio_to_full" in night else 0.0
    if key == "night_floors":
        return floors_sum(night) or 0.0
    if key.startswith("floor:"):
        return scale.get("stage_floors", {}).get(key.removeprefix("floor:"), 0.0)
    return scale["stages"][key]["seconds"]


def _decades(low: float, high: float) -> tuple[int, int]:
    return math.floor(math.log10(low)), math.ceil(math.log10(high))


def write_svg(results: dict, path: Path) -> None:
    """Seconds against accounts, both axes logarithmic: one line per stage and for the floor."""
    scales = results["scales"]
    xs = [s["accounts"] for s in scales]
    values = [_value(s, key) for s in scales for key, *_ in _SERIES]
    # x: a margin of a fifth of a decade around the scales; y: whole decades.
    x0, x1 = math.log10(min(xs)) - 0.2, math.log10(max(xs)) + 0.2
    y0, y1 = _decades(min(v for v in values if v > 0), max(values))
    if y0 == y1:
        y1 += 1
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + (math.log10(x) - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return _TOP + plot_h - (math.log10(y) - y0) / (y1 - y0) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" font-family="sans-serif" font-size="12">',
        "<!-- Written by `make bench` (bench/run.py) from bench/results.json: do not edit. -->",
        f'<rect width="{_W}" height="{_H}" fill="white"/>',
        f'<text x="{_LEFT}" y="22" font-size="14" font-weight="bold">cs360 build time against '
        f"the scan floor ({escape(results['generated_at'][:10])})</text>",
    ]
    for accounts in xs:
        x = px(accounts)
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_TOP + plot_h}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{_TOP + plot_h + 18}" text-anchor="middle">{accounts:,}</text>'
        )
    for d in range(y0, y1 + 1):
        y = py(10**d)
        out.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{10.0**d:g}</text>')
    out.append(
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="#444"/>'
    )
    out.append(f'<text x="{_LEFT + plot_w / 2}" y="{_H - 18}" text-anchor="middle">accounts</text>')
    out.append(
        f'<text transform="translate(18 {_TOP + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">seconds</text>'
    )
    drawn = 0
    for key, label, colour, dash in _SERIES:
        points = [(px(s["accounts"]), py(v)) for s in scales if (v := _value(s, key)) > 0]
        if not points:  # a floor an older bench did not measure
            continue
        style = f'stroke="{colour}" stroke-width="{2.5 if key == "total" else 1.6}"'
        style += f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            out.append(f'<polyline points="{coords}" fill="none" {style}/>')
        # A stage's floor: hollow dots, so they do not read as the stage's own.
        hollow = key.startswith("floor:") or key == "night_floors"
        fill = f'fill="white" stroke="{colour}"' if hollow else f'fill="{colour}"'
        out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" {fill}/>' for x, y in points)
        ly = _TOP + 10 + drawn * 20
        drawn += 1
        lx = _LEFT + plot_w + 20
        out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 28}" y2="{ly}" {style}/>')
        out.append(f'<text x="{lx + 36}" y="{ly + 4}">{escape(label)}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    render()
