"""The benchmark's report (bench/report.py) puts each stage's floor next to the stage, and still
renders a results.json written before floors were measured (other engineers read those keys)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import report  # noqa: E402


def _scale(accounts: int, total: float, floors: dict[str, float] | None) -> dict:
    seconds = {stage: 1.0 for stage in report.STAGES}
    seconds.update(startup=6.0, ingest=9.0, dbt_startup=4.5, publish=0.4)
    scale = {
        "accounts": accounts,
        "raw_rows": accounts * 137,
        "extract_mb": accounts / 16,
        "floor_s": 0.5,
        "total_s": total,
        "ratio_to_floor": total / 0.5,
        "peak_rss_mb": 900.0,
        "check_share": 0.05,
        "stages": {s: {"seconds": v, "peak_rss_mb": 500.0} for s, v in seconds.items()},
        "dbt_nodes": {"model": 76, "test": 120},
    }
    if floors is not None:
        scale["stage_floors"] = floors
        scale["definitions_load_s"] = 2.5
    return scale


def _results(scales: list[dict]) -> dict:
    return {
        "generated_at": "2026-11-30T01:00:00+00:00",
        "command": "python -m cs_pipeline.nightly",
        "seed": 42,
        "as_of": "2026-11-01",
        "machine": {"cpus": 2, "memory_gib": 23.5},
        "scales": scales,
        "targets": report.evaluate_targets(scales),
    }


def _row(markdown: str, starts: str) -> list[str]:
    (line,) = [line for line in markdown.splitlines() if line.startswith(starts)]
    return [cell.strip() for cell in line.strip("|").split("|")][1:]


def test_each_floor_stands_under_its_stage_with_the_ratio(tmp_path: Path) -> None:
    floors = {"startup": 2.0, "ingest": 1.5, "dbt_startup": 3.0, "dbt_models": 0.25,
              "publish": 0.1}
    results = _results([_scale(1000, 40.0, floors), _scale(10000, 60.0, None)])
    report.write_markdown(results, tmp_path / "bench.md")
    text = (tmp_path / "bench.md").read_text()
    lines = text.splitlines()
    for stage, (label, what) in report.FLOORS.items():
        floor_row = f"| &nbsp;&nbsp;&nbsp;&nbsp;↳ *floor: {label}* (s)"
        stage_at = next(i for i, line in enumerate(lines) if report.STAGES[stage] in line)
        assert lines[stage_at + 1].startswith(floor_row)  # right under its stage
        assert f"- *{label}*: {what}." in lines  # what the floor is, spelled out once
    assert _row(text, "| &nbsp;&nbsp;&nbsp;&nbsp;↳ *floor: empty Dagster job*") == [
        "2.00 (stage 3.0x)", "–",  # 6.0 / 2.0; the second scale measured no floor
    ]
    assert _row(text, "| &nbsp;&nbsp;&nbsp;&nbsp;↳ *floor: `cp` of the build file")[0] == (
        "0.10 (stage 4.0x)"
    )
    assert _row(text, "| &nbsp;&nbsp;&nbsp;&nbsp;↳ *floor: DuckDB CTAS of every table dbt")[0] == (
        "0.25 (stage 4.0x)"  # the stage's 1.0 s
    )
    assert _row(text, "| loading cs360's definitions") == ["2.50", "–"]


def test_a_results_file_without_floors_renders_as_before(tmp_path: Path) -> None:
    results = _results([_scale(1000, 40.0, None)])
    report.write_markdown(results, tmp_path / "bench.md")
    text = (tmp_path / "bench.md").read_text()
    assert "floor:" not in text and "Floors, measured" not in text
    assert _row(text, "| **full build** (s)") == ["40.0"]
    report.write_svg(results, tmp_path / "bench.svg")
    svg = (tmp_path / "bench.svg").read_text()
    assert "ingest floor" not in svg and ">ingest<" in svg  # no legend for unmeasured floors


def test_the_plot_draws_each_floor_hollow_in_its_stage_colour(tmp_path: Path) -> None:
    floors = {"startup": 2.0, "ingest": 1.5, "dbt_startup": 3.0, "dbt_models": 0.25,
              "publish": 0.1}
    results = _results([_scale(1000, 40.0, floors), _scale(10000, 60.0, floors)])
    report.write_svg(results, tmp_path / "bench.svg")
    svg = (tmp_path / "bench.svg").read_text()
    for label in ("Dagster start-up floor", "ingest floor", "dbt start-up floor",
                  "dbt models floor", "publish floor"):
        assert f">{label}</text>" in svg
    assert svg.count('fill="white" stroke="#1f77b4"') == 2  # the ingest floor at both scales


def test_the_night_s_floors_add_up_against_its_target(tmp_path: Path) -> None:
    floors = {"startup": 2.0, "ingest": 1.5, "dbt_startup": 3.0, "dbt_models": 0.25,
              "publish": 0.1}
    scale = _scale(100_000, 40.0, floors)
    night = {stage: 0.5 for stage in report.STAGES}
    night.update(startup=4.0, ingest=0.6, dbt_startup=3.5, dbt_models=3.0, publish=0.2)
    scale["incremental"] = {
        "success": True, "total_s": 13.3, "ratio_to_full": round(13.3 / 40.0, 3),
        "stages": {s: {"seconds": v, "peak_rss_mb": 400.0} for s, v in night.items()},
        # the fixed floors are the full build's; ingest and models measured on the night
        "stage_floors": {**floors, "ingest": 0.05, "dbt_models": 0.85},
    }
    results = _results([scale])
    (tmp_path / "results.json").write_text(json.dumps(results))
    (tmp_path / "assets").mkdir()
    (tmp_path / "README.md").write_text("# x\n<!-- bench:start -->\nold\n<!-- bench:end -->\n")
    report.render(tmp_path / "results.json", tmp_path)  # the report reads the JSON only
    at_100k = results["targets"]["incremental_ratio"]["per_scale"]["100000"]
    # 2.0 + 0.05 + 3.0 + 0.85 + 0.1 = 6.0 s of a 40 s full build: 15 %, above the 10 % target
    assert at_100k == {"value": 0.333, "pass": False, "at_floors": 0.15}
    assert results["targets"]["incremental_ratio"]["verdict"] is False
    # the full build at its floors: 6.85 s against the scan floor's 0.5 s
    assert results["targets"]["ratio_to_floor"]["per_scale"]["100000"]["at_floors"] == 13.7
    assert results["targets"]["peak_rss_mb"]["per_scale"]["100000"]["at_floors"] is None
    text = (tmp_path / "README.md").read_text()
    assert "old" not in text and text == (
        "# x\n<!-- bench:start -->\n" + (tmp_path / "assets" / "bench.md").read_text()
        + "<!-- bench:end -->\n"
    )
    assert _row(text, "| &nbsp;&nbsp;ingest (raw asset steps) (s)") == ["9.00 (500 MB)"]  # full
    assert _row(text, "| &nbsp;&nbsp;night: ingest") == ["0.60 (floor 0.05, 12.0x)"]
    assert _row(text, "| &nbsp;&nbsp;night: dbt tests") == ["0.50"]  # a stage without a floor
    assert _row(text, "| &nbsp;&nbsp;*the night's floors together*") == ["6.00 (15% of full)"]
    assert "0.333 **fail** (at its floors 0.15)" in text
    assert (
        "Together the incremental night's floors at 100,000 accounts add up to 6.00 s "
        "(Dagster start-up 2.00, ingest 0.05, dbt start-up 3.00, dbt models 0.85, publish 0.10): "
        "15.0% of the full build (40.0 s) against the 10% target (4.00 s); the night took "
        "13.3 s, 2.2x its floors."
    ) in text
    svg = (tmp_path / "assets" / "bench.svg").read_text()
    assert ">incremental night</text>" in svg and ">night floors (sum)</text>" in svg
