"""Freshness of the delivered extracts: is each file tonight's export, or an old one left behind?

Every source drops a nightly export. A file whose modification time is much older than the
as-of day is most likely yesterday's (or last week's) export that nobody replaced: the
run would compute today's figures from stale data without a word. So each raw asset carries a
``freshness`` check, evaluated before its file is loaded:

- WARN when the file's age is more than the source's cadence (var ``freshness_max_age_hours``
  of dbt_project.yml, 36 h by default: a nightly export plus a margin; docs/configuration.md).
  The run goes on; the figures are as good as the file.
- ERROR (stops everything downstream) when the file is missing, saying whether the source's
  whole folder is missing. Nothing downstream is built, and the last good warehouse stays
  published.

A file's age is measured from its modification time (mtime) to the *reference moment*: now,
or the end of the as-of day (midnight UTC after it) when that is earlier, i.e. for a past
as-of date. So a file written two minutes ago is 0.03 h old tonight, and a backfill of
2026-10-01 judges each file against the end of that day (a file newer than it has a negative
age and is fresh).

It is a check result only: a file's age never changes a mart value (every figure depends on the
as-of date and the files' contents, not on when they were written). Pure functions except for
one ``stat`` per file, so every rule has a fast unit test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

import dagster as dg

from cs_pipeline.quality.checks import stopping_check_spec
from cs_pipeline.quality.thresholds import threshold
from cs_pipeline.sources import Extract

CHECK_NAME = "freshness"
# Hours per source (a weekly ERP export: 192), declared in dbt_project.yml with the other
# thresholds.
MAX_AGE_HOURS: Mapping[str, float] = {
    source: float(hours) for source, hours in threshold("freshness_max_age_hours").items()
}


class FreshnessStatus(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    FILE_MISSING = "file_missing"
    SOURCE_MISSING = "source_missing"  # not one file of the source's folder is there


@dataclass(frozen=True)
class Freshness:
    """How old one extract file is relative to the end of the as-of day."""

    extract: Extract
    path: Path
    status: FreshnessStatus
    as_of: dt.date
    max_age_hours: float
    modified_at: dt.datetime | None = None  # UTC; None when the file is missing
    measured_at: dt.datetime | None = None  # the reference moment; None: the end of as-of

    @property
    def as_of_end(self) -> dt.datetime:
        return as_of_end(self.as_of)

    @property
    def reference(self) -> dt.datetime:
        """What the age is measured to: now, or the end of the as-of day when earlier."""
        return self.measured_at or self.as_of_end

    @property
    def age_hours(self) -> float | None:
        """Hours from the file's modification to :attr:`reference` (negative: newer)."""
        if self.modified_at is None:
            return None
        return (self.reference - self.modified_at).total_seconds() / 3600

    @property
    def missing(self) -> bool:
        return self.status in (FreshnessStatus.FILE_MISSING, FreshnessStatus.SOURCE_MISSING)

    def describe(self) -> str:
        """One sentence naming the file, for the check's description and the run log."""
        end = (
            f"the end of as-of {self.as_of} (UTC)"
            if self.reference == self.as_of_end
            else f"now ({_iso(self.reference)})"
        )
        match self.status:
            case FreshnessStatus.SOURCE_MISSING:
                folder = PurePosixPath(self.extract.file).parent
                return (
                    f"{self.path}: file not found, and no file of source {self.extract.source} "
                    f"is in {self.path.parent}: the {folder}/ export is missing entirely"
                )
            case FreshnessStatus.FILE_MISSING:
                return (
                    f"{self.path}: file not found (the other {self.extract.source} files are there)"
                )
            case FreshnessStatus.STALE:
                return (
                    f"{self.path}: last modified {_iso(self.modified_at)}, {self.age_hours:.1f} h "
                    f"before {end}; expected within {self.max_age_hours:g} h"
                )
        return (
            f"{self.path}: modified {_iso(self.modified_at)}, within {self.max_age_hours:g} h "
            f"of {end}"
        )


def _iso(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def as_of_end(as_of: dt.date) -> dt.datetime:
    """The end of the as-of day in UTC (midnight after it): what a nightly export must be near."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def max_age_hours(source: str, overrides: Mapping[str, float] | None = None) -> float:
    table = MAX_AGE_HOURS if overrides is None else overrides
    return float(table.get(source, MAX_AGE_HOURS[source]))


def evaluate_freshness(
    extract: Extract,
    extracts_dir: Path,
    as_of: dt.date,
    *,
    siblings: tuple[Extract, ...] = (),
    max_age: float | None = None,
    now: dt.datetime | None = None,
) -> Freshness:
    """The freshness of ``extract``'s file under ``extracts_dir`` for the as-of date.

    ``siblings`` are the other extracts of the same source: when none of their files is there
    either, the whole source is missing, which the operator fixes elsewhere (the transfer from
    that system) than a single missing file.
    """
    path = extracts_dir / extract.file
    limit = max_age_hours(extract.source) if max_age is None else max_age
    # An extract with a delta folder is as fresh as its newest file, base or delta.
    delivered = [extracts_dir / f for f in extract.delivered_files(extracts_dir)]
    if not delivered:
        others = [s for s in siblings if s.source == extract.source and s != extract]
        whole_source = not any(s.delivered_files(extracts_dir) for s in others)
        status = FreshnessStatus.SOURCE_MISSING if whole_source else FreshnessStatus.FILE_MISSING
        return Freshness(extract, path, status, as_of, limit)
    path = max(delivered, key=lambda p: p.stat().st_mtime)
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    reference = min(now or dt.datetime.now(dt.UTC), as_of_end(as_of))
    age = (reference - modified).total_seconds() / 3600
    status = FreshnessStatus.STALE if age > limit else FreshnessStatus.FRESH
    return Freshness(extract, path, status, as_of, limit, modified, reference)


# --- Dagster ---------------------------------------------------------------------------------


def freshness_check_spec(extract: Extract) -> dg.AssetCheckSpec:
    """The ``freshness`` check of one raw asset; its ERROR (a missing file) stops downstream."""
    return stopping_check_spec(
        CHECK_NAME,
        extract.asset_key,
        f"`{extract.file}` is tonight's export: WARN when it was last modified more than "
        f"{max_age_hours(extract.source):g} h before now (or before the end of a past as-of "
        "day, UTC), ERROR (stops everything downstream) when it is missing.",
        extract_file=extract.file,
    )


def freshness_check_result(freshness: Freshness) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.ERROR if freshness.missing else dg.AssetCheckSeverity.WARN
    metadata: dict[str, dg.RawMetadataValue] = {
        "status": freshness.status.value,
        "source_file": dg.MetadataValue.path(str(freshness.path)),
        "as_of_end_utc": _iso(freshness.as_of_end),
        "measured_to_utc": _iso(freshness.reference),
        "max_age_hours": freshness.max_age_hours,
    }
    if freshness.modified_at is not None:
        metadata["modified_at_utc"] = _iso(freshness.modified_at)
        metadata["age_hours"] = round(freshness.age_hours or 0.0, 2)
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(freshness.extract.asset_key),
        check_name=CHECK_NAME,
        passed=freshness.status is FreshnessStatus.FRESH,
        severity=severity,
        description=freshness.describe(),
        metadata=metadata,
    )
