"""Reconciliation: every raw row is staged, deleted, quarantined or a superseded ticket version.

``marts.data_quality_summary`` (dbt) counts, per source and entity, where the rows of each
extract went. This blocking check proves ``raw_rows = staged + deleted + quarantined +
superseded`` on every line: when a row is unaccounted for, a model lost it, the run fails and
the last good warehouse stays published. It also reports the counts per source (quarantined,
unmatched, match rates) with every run, in the check's metadata and in the run log, so a
night's data quality is visible without opening the warehouse.
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import dagster as dg

from cs_pipeline.config import RETRY_POLICY, CsConfig, connect, stop_on_interrupt

SUMMARY_TABLE = "marts.data_quality_summary"
SUMMARY_ASSET = dg.AssetKey(["marts", "data_quality_summary"])
CHECK_NAME = "reconciliation"


@dataclass(frozen=True)
class SummaryRow:
    source: str
    entity: str
    raw_rows: int
    staged: int
    deleted: int
    quarantined: int
    superseded: int
    unaccounted: int
    dated_after_as_of: int
    matched: int | None
    unmatched: int | None
    match_rate: float | None
    min_match_rate: float | None


_COLUMNS = [f.name for f in fields(SummaryRow)]
_COUNTED = ("raw_rows", "staged", "deleted", "quarantined", "superseded", "unaccounted")


def read_summary(warehouse: Path) -> list[SummaryRow]:
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM {SUMMARY_TABLE} ORDER BY source, entity"
        ).fetchall()
    return [SummaryRow(*row) for row in rows]


def totals_by_source(rows: Sequence[SummaryRow]) -> dict[str, dict[str, int]]:
    """Per source: the row counts summed over its files, and its unmatched records."""
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        t = totals.setdefault(row.source, dict.fromkeys((*_COUNTED, "unmatched"), 0))
        for name in _COUNTED:
            t[name] += getattr(row, name)
        t["unmatched"] += row.unmatched or 0
    return totals


def below_min_match_rate(rows: Sequence[SummaryRow]) -> list[SummaryRow]:
    return [
        r
        for r in rows
        if r.match_rate is not None
        and r.min_match_rate is not None
        and r.match_rate < r.min_match_rate
    ]


def summary_markdown(rows: Sequence[SummaryRow]) -> str:
    header = [
        "source",
        "entity",
        "raw",
        "staged",
        "deleted",
        "quarantined",
        "superseded",
        "unaccounted",
        "unmatched",
        "match rate",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for r in rows:
        rate = "" if r.match_rate is None else f"{r.match_rate:.1%} (min {r.min_match_rate:.0%})"
        cells = [
            r.source,
            r.entity,
            r.raw_rows,
            r.staged,
            r.deleted,
            r.quarantined,
            r.superseded,
            r.unaccounted,
            "" if r.unmatched is None else r.unmatched,
            rate,
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def reconciliation_result(rows: Sequence[SummaryRow]) -> dg.AssetCheckResult:
    """Passed when no row of any extract is unaccounted for; metadata holds the counts."""
    unaccounted = [r for r in rows if r.unaccounted != 0]
    totals = totals_by_source(rows)
    if unaccounted:
        description = "rows unaccounted for: " + "; ".join(
            f"{r.source}/{r.entity}: raw {r.raw_rows} != staged {r.staged} + deleted {r.deleted}"
            f" + quarantined {r.quarantined} + superseded {r.superseded} ({r.unaccounted:+d})"
            for r in unaccounted
        )
    else:
        description = "every raw row is staged, deleted, quarantined or superseded: " + "; ".join(
            f"{source} {t['raw_rows']} raw, {t['quarantined']} quarantined, "
            f"{t['unmatched']} unmatched"
            for source, t in totals.items()
        )
    metadata: dict[str, dg.RawMetadataValue] = {
        "summary": dg.MetadataValue.md(summary_markdown(rows)),
        "by_source": dg.MetadataValue.json(totals),
        "below_min_match_rate": dg.MetadataValue.json(
            [f"{r.source}/{r.entity}" for r in below_min_match_rate(rows)]
        ),
    }
    for source, t in totals.items():
        metadata[f"{source}.quarantined"] = t["quarantined"]
        metadata[f"{source}.unmatched"] = t["unmatched"]
    return dg.AssetCheckResult(
        asset_key=SUMMARY_ASSET,
        check_name=CHECK_NAME,
        passed=not unaccounted,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata=metadata,
    )


@dg.asset_check(
    asset=SUMMARY_ASSET,
    name=CHECK_NAME,
    blocking=True,
    retry_policy=RETRY_POLICY,
    description=(
        "Every raw row is accounted for: raw = staged + deleted + quarantined + superseded "
        "ticket versions, per source and entity. Blocks publishing when a row was lost; reports "
        "quarantined and unmatched counts per source with every run."
    ),
)
def reconciliation_check(
    context: dg.AssetCheckExecutionContext, cs_config: CsConfig
) -> dg.AssetCheckResult:
    with stop_on_interrupt(context.run.run_id, CHECK_NAME):
        rows = read_summary(cs_config.settings.build_warehouse)
    for source, t in totals_by_source(rows).items():
        context.log.info(
            f"{source}: {t['raw_rows']} raw rows, {t['staged']} staged, {t['deleted']} deleted, "
            f"{t['quarantined']} quarantined, {t['superseded']} superseded, "
            f"{t['unmatched']} unmatched, {t['unaccounted']} unaccounted"
        )
    for r in below_min_match_rate(rows):
        context.log.warning(
            f"{r.source}/{r.entity}: match rate {r.match_rate:.1%} is under the minimum "
            f"{r.min_match_rate:.0%} ({r.unmatched} unmatched, see marts.unmatched_records)"
        )
    return reconciliation_result(rows)


data_quality_checks: list[dg.AssetChecksDefinition] = [reconciliation_check]
