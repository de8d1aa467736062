"""Row-count anomalies: each raw table's count against its previous successful load.

A nightly export rarely changes size by much. Ten times yesterday's rows is an export that
appended instead of replacing, or a filter that went missing; half of them is an export cut
short. Every file still parses, every row passes its rules, and only the count gives it away.
So each raw asset carries a ``row_count_change`` check, evaluated right after its load:

- WARN when the count is more than :data:`MAX_RATIO` times the previous load's, or less than
  1/:data:`MAX_RATIO` of it (ignored while both counts are under :data:`MIN_ROWS`, where a few
  rows more or less are normal). The run goes on.
- ERROR (stops everything downstream) when a table that had rows is now empty (a header-only
  export): publishing it would blank every figure that depends on it, so the last good
  warehouse stays published.

The counts live in the build warehouse, table :data:`LOAD_HISTORY` (one row per load), so they
travel with the data they describe and a BI page can chart them. A load the check blocks is not
recorded: the next night is compared with the last good load, not with the empty one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import dagster as dg
import duckdb

from cs_pipeline.config import connect
from cs_pipeline.quality.checks import stopping_check_spec
from cs_pipeline.quality.thresholds import threshold
from cs_pipeline.sources import RAW_SCHEMA, Extract

CHECK_NAME = "row_count_change"
LOAD_HISTORY = f"{RAW_SCHEMA}._load_history"
# Declared in dbt_project.yml with the other thresholds (docs/configuration.md).
MAX_RATIO = float(threshold("row_count_max_ratio"))
MIN_ROWS = int(threshold("row_count_min_rows"))


class RowCountStatus(StrEnum):
    FIRST_LOAD = "first_load"  # nothing to compare with
    STEADY = "steady"
    SPIKE = "spike"
    DROP = "drop"
    EMPTIED = "emptied"


def judge_row_count(
    rows: int, previous: int | None, *, max_ratio: float = MAX_RATIO, min_rows: int = MIN_ROWS
) -> RowCountStatus:
    """How ``rows`` compares with the previous load's ``previous`` (None: no previous load)."""
    if previous is None:
        return RowCountStatus.FIRST_LOAD
    if rows == 0 and previous > 0:
        return RowCountStatus.EMPTIED
    if max(rows, previous) < min_rows:
        return RowCountStatus.STEADY
    if rows > previous * max_ratio:
        return RowCountStatus.SPIKE
    if rows * max_ratio < previous:
        return RowCountStatus.DROP
    return RowCountStatus.STEADY


@dataclass(frozen=True)
class RowCountChange:
    extract: Extract
    rows: int
    status: RowCountStatus
    previous_rows: int | None = None
    previous_loaded_at: dt.datetime | None = None
    previous_as_of: dt.date | None = None

    @property
    def ratio(self) -> float | None:
        if not self.previous_rows:
            return None
        return self.rows / self.previous_rows

    def describe(self) -> str:
        e = self.extract
        before = (
            f"the previous load ({self.previous_rows} rows, loaded "
            f"{_iso(self.previous_loaded_at)} for as-of {self.previous_as_of})"
        )
        match self.status:
            case RowCountStatus.FIRST_LOAD:
                return f"{e.delivered_as}: {self.rows} rows; first load of {e.qualified_table}"
            case RowCountStatus.EMPTIED:
                return f"{e.delivered_as}: 0 rows, {before} had rows: the export is empty"
            case RowCountStatus.SPIKE:
                return (
                    f"{e.delivered_as}: {self.rows} rows, {self.ratio:.1f}x {before}; "
                    f"more than {MAX_RATIO:g}x is not a normal night"
                )
            case RowCountStatus.DROP:
                return (
                    f"{e.delivered_as}: {self.rows} rows, {self.ratio:.2f}x {before}; "
                    f"less than 1/{MAX_RATIO:g} is not a normal night"
                )
        return f"{e.delivered_as}: {self.rows} rows, in line with {before}"


def _iso(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(sep=" ", timespec="seconds")


def _ensure_history(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LOAD_HISTORY} ("
        "table_name VARCHAR NOT NULL, source_file VARCHAR NOT NULL, row_count BIGINT NOT NULL, "
        "file_modified_at TIMESTAMP, loaded_at TIMESTAMP NOT NULL, as_of_date DATE NOT NULL)"
    )


def check_row_count(
    extract: Extract,
    warehouse: Path,
    rows: int,
    *,
    loaded_at: dt.datetime,
    as_of: dt.date,
    file_modified_at: dt.datetime | None = None,
    record: bool = True,
) -> RowCountChange:
    """Compare this load's ``rows`` with the previous recorded load, then record this one
    (unless it emptied the table, which the check blocks, or ``record`` is off: a table kept
    unchanged is compared with the load it came from, and is not a new load)."""
    with connect(warehouse) as con:
        _ensure_history(con)
        previous = con.execute(
            f"SELECT row_count, loaded_at, as_of_date FROM {LOAD_HISTORY} WHERE table_name = ? "
            "ORDER BY loaded_at DESC LIMIT 1",
            [extract.qualified_table],
        ).fetchone()
        status = judge_row_count(rows, previous[0] if previous else None)
        if record and status is not RowCountStatus.EMPTIED:
            con.execute(
                f"INSERT INTO {LOAD_HISTORY} VALUES (?, ?, ?, ?, ?, ?)",
                [
                    extract.qualified_table,
                    extract.file,
                    rows,
                    None if file_modified_at is None else file_modified_at.replace(tzinfo=None),
                    loaded_at,
                    as_of,
                ],
            )
    if previous is None:
        return RowCountChange(extract, rows, status)
    return RowCountChange(extract, rows, status, previous[0], previous[1], previous[2])


# --- Dagster ---------------------------------------------------------------------------------


def row_count_check_spec(extract: Extract) -> dg.AssetCheckSpec:
    """The ``row_count_change`` check of one raw asset; its ERROR (emptied) stops downstream."""
    return stopping_check_spec(
        CHECK_NAME,
        extract.asset_key,
        f"`{extract.qualified_table}` has about as many rows as at its previous load: WARN "
        f"beyond {MAX_RATIO:g}x more or fewer, ERROR (stops everything downstream) when it "
        f"had rows and is now empty. Counts are kept in `{LOAD_HISTORY}`.",
        load_history=LOAD_HISTORY,
    )


def row_count_check_result(change: RowCountChange) -> dg.AssetCheckResult:
    bad = change.status in (RowCountStatus.SPIKE, RowCountStatus.DROP, RowCountStatus.EMPTIED)
    metadata: dict[str, dg.RawMetadataValue] = {
        "status": change.status.value,
        "rows": change.rows,
        "max_ratio": MAX_RATIO,
        "min_rows": MIN_ROWS,
    }
    if change.previous_rows is not None:
        metadata["previous_rows"] = change.previous_rows
        metadata["previous_loaded_at"] = _iso(change.previous_loaded_at)
        metadata["previous_as_of"] = str(change.previous_as_of)
    if change.ratio is not None:
        metadata["ratio"] = round(change.ratio, 3)
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(change.extract.asset_key),
        check_name=CHECK_NAME,
        passed=not bad,
        severity=(
            dg.AssetCheckSeverity.ERROR
            if change.status is RowCountStatus.EMPTIED
            else dg.AssetCheckSeverity.WARN
        ),
        description=change.describe(),
        metadata=metadata,
    )
