"""The benchmark's report (bench/report.py) puts each stage's floor next to the stage, and still
renders a results.json written before floors were measured (other engineers read those keys)."""

from __future__ import annotations

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
