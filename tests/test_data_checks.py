"""Unit tests of the data checks' pure rules: freshness, row-count change, reconciliation.

The end-to-end behaviour (which step fails, what stays published) is in test_bad_inputs.py;
these pin the thresholds and messages on tiny inputs.
"""

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline.quality.freshness import (
    FreshnessStatus,
    as_of_end,
    evaluate_freshness,
    freshness_check_result,
)
from cs_pipeline.quality.reconciliation import (
    SummaryRow,
    below_min_match_rate,
    reconciliation_result,
    totals_by_source,
)
from cs_pipeline.quality.row_counts import (
    LOAD_HISTORY,
    RowCountChange,
    RowCountStatus,
    check_row_count,
    judge_row_count,
    row_count_check_result,
)
from cs_pipeline.sources import EXTRACTS, extract

AS_OF = dt.date(2026, 11, 1)
ACCOUNT = extract("crm", "account")
LICENSES = [e for e in EXTRACTS if e.source == "licenses"]


def _touch(path: Path, moment: dt.datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x\n")
    os.utime(path, (moment.timestamp(), moment.timestamp()))


# --- freshness ---------------------------------------------------------------------------------


def test_as_of_end_is_midnight_utc_after_the_as_of_day() -> None:
    assert as_of_end(AS_OF) == dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("hours_before_end", "status"),
    [
        (-5, FreshnessStatus.FRESH),  # written after as-of (a backfill): not stale
        (22, FreshnessStatus.FRESH),  # tonight's 02:00 export
        (36, FreshnessStatus.FRESH),  # exactly the limit
        (36.5, FreshnessStatus.STALE),  # yesterday's export
        (5 * 24, FreshnessStatus.STALE),
    ],
)
def test_freshness_compares_mtime_with_end_of_as_of_day(
    tmp_path: Path, hours_before_end: float, status: FreshnessStatus
) -> None:
    _touch(tmp_path / ACCOUNT.file, as_of_end(AS_OF) - dt.timedelta(hours=hours_before_end))
    result = evaluate_freshness(ACCOUNT, tmp_path, AS_OF)
    assert result.status is status
    assert result.age_hours == pytest.approx(hours_before_end)


def test_stale_file_is_a_warning_naming_file_and_age(tmp_path: Path) -> None:
    _touch(tmp_path / ACCOUNT.file, as_of_end(AS_OF) - dt.timedelta(days=5))
    check = freshness_check_result(evaluate_freshness(ACCOUNT, tmp_path, AS_OF))
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert check.description == (
        f"{tmp_path / 'crm' / 'Account.csv'}: last modified 2026-10-28T00:00:00Z, 120.0 h before "
        "the end of as-of 2026-11-01 (UTC); expected within 36 h"
    )


def test_cadence_is_configurable_per_source(tmp_path: Path) -> None:
    _touch(tmp_path / ACCOUNT.file, as_of_end(AS_OF) - dt.timedelta(days=5))
    weekly = evaluate_freshness(ACCOUNT, tmp_path, AS_OF, max_age=8 * 24)
    assert weekly.status is FreshnessStatus.FRESH


def test_missing_file_is_an_error_and_says_whether_the_whole_source_is_missing(
    tmp_path: Path,
) -> None:
    entitlements, installations, releases = LICENSES
    _touch(tmp_path / entitlements.file, as_of_end(AS_OF))
    one = evaluate_freshness(installations, tmp_path, AS_OF, siblings=EXTRACTS)
    assert one.status is FreshnessStatus.FILE_MISSING
    (tmp_path / entitlements.file).unlink()
    whole = evaluate_freshness(installations, tmp_path, AS_OF, siblings=EXTRACTS)
    assert whole.status is FreshnessStatus.SOURCE_MISSING
    check = freshness_check_result(whole)
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert "the licenses/ export is missing entirely" in (check.description or "")


# --- row counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "previous", "status"),
    [
        (100, None, RowCountStatus.FIRST_LOAD),
        (0, None, RowCountStatus.FIRST_LOAD),
        (0, 7, RowCountStatus.EMPTIED),  # emptied is judged whatever the size
        (0, 0, RowCountStatus.STEADY),
        (1000, 100, RowCountStatus.SPIKE),  # the 10x spike
        (300, 100, RowCountStatus.STEADY),  # exactly 3x
        (301, 100, RowCountStatus.SPIKE),
        (33, 100, RowCountStatus.DROP),
        (34, 100, RowCountStatus.STEADY),
        (40, 4, RowCountStatus.STEADY),  # both under MIN_ROWS: small tables wobble
    ],
)
def test_judge_row_count(rows: int, previous: int | None, status: RowCountStatus) -> None:
    assert judge_row_count(rows, previous) is status


def test_row_count_history_compares_with_last_good_load(tmp_path: Path) -> None:
    db = tmp_path / "build.duckdb"
    tickets = extract("support", "tickets")
    night = dt.datetime(2026, 11, 1, 2)

    def load(rows: int, day: int):
        return check_row_count(
            tickets, db, rows, loaded_at=night + dt.timedelta(days=day), as_of=AS_OF
        )

    assert load(200, 0).status is RowCountStatus.FIRST_LOAD
    spike = load(2000, 1)
    assert (spike.status, spike.previous_rows, spike.ratio) == (RowCountStatus.SPIKE, 200, 10.0)
    emptied = load(0, 2)
    assert emptied.status is RowCountStatus.EMPTIED
    check = row_count_check_result(emptied)
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
    # The blocked empty load is not history: the next night compares with the 2000 rows.
    assert load(2100, 3).previous_rows == 2000
    with duckdb.connect(str(db), read_only=True) as con:
        counts = con.execute(f"SELECT row_count FROM {LOAD_HISTORY} ORDER BY loaded_at").fetchall()
    assert counts == [(200,), (2000,), (2100,)]


def test_spike_is_a_warning_with_both_counts() -> None:
    tickets = extract("support", "tickets")
    check = row_count_check_result(
        RowCountChange(
            tickets, 2000, RowCountStatus.SPIKE, 200, dt.datetime(2026, 10, 31, 2), AS_OF
        )
    )
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert check.description == (
        "support/tickets.jsonl and support/tickets/*.jsonl: 2000 rows, 10.0x the previous load "
        "(200 rows, loaded 2026-10-31 02:00:00 for as-of 2026-11-01); more than 3x is not a "
        "normal night"
    )


# --- reconciliation ----------------------------------------------------------------------------


def _row(source: str, entity: str, raw: int, staged: int, **kw: int | float | None) -> SummaryRow:
    counts = {"deleted": 0, "quarantined": 0, "superseded": 0, "dated_after_as_of": 0,
              "matched": None, "unmatched": None, "match_rate": None, "min_match_rate": None}
    counts.update(kw)
    unaccounted = raw - staged - counts["deleted"] - counts["quarantined"] - counts["superseded"]
    return SummaryRow(source, entity, raw, staged, unaccounted=unaccounted, **counts)


def test_reconciliation_passes_when_every_row_is_accounted_for() -> None:
    rows = [
        _row("crm", "Account", 26, 24, deleted=1, quarantined=1),
        _row("support", "tickets", 2037, 791, quarantined=2, superseded=1244, matched=700,
             unmatched=91, match_rate=700 / 791, min_match_rate=0.9),
    ]
    check = reconciliation_result(rows)
    assert check.passed
    assert check.metadata["crm.quarantined"].value == 1
    assert check.metadata["support.unmatched"].value == 91
    assert totals_by_source(rows)["support"]["superseded"] == 1244
    assert [r.entity for r in below_min_match_rate(rows)] == ["tickets"]


def test_reconciliation_fails_naming_the_file_that_lost_rows() -> None:
    check = reconciliation_result([_row("finance", "invoices", 73, 70, quarantined=2)])
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert check.description == (
        "rows unaccounted for: finance/invoices: raw 73 != staged 70 + deleted 0 + "
        "quarantined 2 + superseded 0 (+1)"
    )


def test_freshness_of_today_is_measured_to_now_not_to_midnight(tmp_path: Path) -> None:
    """A file written two minutes ago is two minutes old tonight (it read 6 h at 18:00 when
    measured to the end of the as-of day)."""
    now = dt.datetime(2026, 11, 29, 18, 0, tzinfo=dt.UTC)
    _touch(tmp_path / ACCOUNT.file, now - dt.timedelta(minutes=2))
    result = evaluate_freshness(ACCOUNT, tmp_path, now.date(), now=now)
    assert result.status is FreshnessStatus.FRESH
    assert result.age_hours == pytest.approx(2 / 60)
    assert freshness_check_result(result).metadata["measured_to_utc"].value == (
        "2026-11-29T18:00:00Z"
    )
