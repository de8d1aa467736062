"""History from day one: ``make backfill FROM=YYYY-MM-DD TO=YYYY-MM-DD``.

``marts.health_history`` gains one snapshot per night a run builds, so a new install has no
trend for 30 days. A backfill computes the snapshots of past dates from the extracts already
loaded, and adds them to the history, and to nothing else:

1. The published warehouse (the last good build: raw tables, marts, history) is copied to a
   scratch file, ``<warehouse dir>/backfill/``; BI tools never see it.
2. For each date from FROM to TO that the history does not hold yet, oldest first, the raw
   tickets of the scratch file are cut to the versions with ``updated_at`` on or before that
   date (the ticket as it stood then), and ``dbt run --select +health_history --full-refresh``
   runs with ``CS_AS_OF`` = that date against the scratch file. Every dated fact (tickets and
   their solve dates, tasks, NPS answers, enrollments, subscription terms, entitlements,
   invoices' due dates, releases) is then placed as it stood; what the extracts hold only as
   current state (installed versions, seats in use, check-ins, invoice and CRM status, owners)
   is today's (docs/operations.md, "Backfills").
3. The new snapshots are inserted into ``marts.health_history`` of the build warehouse (where
   history lives between runs) and of the published warehouse; the latter by the publish
   mechanism: a copy of the published file gets the rows, is verified (every other mart
   identical in row count, history grown by exactly the new rows) and renamed over it. The
   marts BI tools read for the current date are never rebuilt or replaced: the next nightly
   run computes ``health_trend``/``health_change_30d`` from the longer history.

Dates already in the history are skipped (a nightly snapshot is exact, a backfilled one an
approximation), so running the same backfill twice adds nothing. Dates must be before the
published as-of date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cs_pipeline.config import CsSettings, DuckDBSettings, connect, parse_as_of
from cs_pipeline.dbt_project import DBT_PROJECT_DIR
from cs_pipeline.publish import add_rows_to_published, restore_build

log = logging.getLogger(__name__)

HISTORY = "marts.health_history"
TICKETS = "raw.support__tickets"
# The raw tickets as loaded, kept in the scratch file while each date gets its own cut.
ALL_TICKETS = "backfill_source.support__tickets"
# updated_at as the staging model parses it (UTC when it carries an offset).
_UPDATED_AT = (
    "case when regexp_matches(updated_at, '([zZ]|[+-][0-9]{2}:?[0-9]{2})$') "
    "then try_cast(try_cast(updated_at as timestamptz) at time zone 'UTC' as timestamp) "
    "else try_cast(updated_at as timestamp) end"
)


class BackfillError(RuntimeError):
    """The backfill cannot run; nothing was changed."""


@dataclass(frozen=True)
class BackfillResult:
    dates: list[dt.date]  # the dates added, oldest first
    skipped: list[dt.date]  # dates the history already held
    rows: int  # snapshots added


def dates_between(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise BackfillError(f"TO ({end}) is before FROM ({start})")
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def scratch_warehouse(settings: CsSettings) -> Path:
    return settings.warehouse.parent / "backfill" / settings.warehouse.name


def backfill(settings: CsSettings, start: dt.date, end: dt.date) -> BackfillResult:
    """Add health snapshots for ``start``..``end`` to the build and published history."""
    published, build = settings.warehouse, settings.build_warehouse
    if not published.is_file():
        raise BackfillError(f"no published warehouse at {published}: run `make run` first")
    wanted = dates_between(start, end)
    with connect(published, read_only=True) as con:
        (published_as_of,) = con.execute(
            "select max(as_of_date) from marts.customer_360").fetchone()
        held = {d for (d,) in con.execute(f"select distinct as_of_date from {HISTORY}").fetchall()}
    if published_as_of is not None and end >= published_as_of:
        raise BackfillError(f"TO ({end}) must be before the published as-of date "
                            f"{published_as_of}: a backfill fills the past")
    dates = [d for d in wanted if d not in held]
    skipped = [d for d in wanted if d in held]
    if not dates:
        return BackfillResult([], skipped, 0)

    restore_build(build, published)  # history lives in the build between runs
    scratch = scratch_warehouse(settings)
    shutil.rmtree(scratch.parent, ignore_errors=True)
    scratch.parent.mkdir(parents=True)
    shutil.copyfile(published, scratch)
    with connect(scratch) as con:
        con.execute("create schema backfill_source")
        con.execute(f"create table {ALL_TICKETS} as select * from {TICKETS}")

    for day in dates:
        log.info("backfill: health snapshot as of %s", day)
        with connect(scratch) as con:
            con.execute(f"create or replace table {TICKETS} as select * from {ALL_TICKETS} "
                        f"where ({_UPDATED_AT}) is null or cast({_UPDATED_AT} as date) <= ?", [day])
        _dbt_run(scratch, day)

    date_list = ", ".join(f"date '{d.isoformat()}'" for d in dates)
    select = f"select * from backfilled.{HISTORY} where as_of_date in ({date_list})"
    with connect(build) as con:
        con.execute(f"attach '{_sql_str(scratch)}' as backfilled (read_only)")
        con.execute(f"delete from {HISTORY} where as_of_date in ({date_list})")
        con.execute(f"insert into {HISTORY} by name {select}")
        con.execute("detach backfilled")
    rows = add_rows_to_published(published, HISTORY, scratch, f"as_of_date in ({date_list})")
    shutil.rmtree(scratch.parent, ignore_errors=True)
    return BackfillResult(dates, skipped, rows)


def _dbt_run(scratch: Path, day: dt.date) -> None:
    """The models health_history depends on, as of ``day``, in the scratch file.

    ``--full-refresh`` rebuilds the incremental ticket model from the date's cut of raw tickets;
    health_history itself is ``full_refresh: false`` and keeps its rows. dbt writes its
    manifest and logs beside the scratch file, so the project's prepared manifest stays as is.
    """
    env = {
        **os.environ,
        **DuckDBSettings.from_env().env(),
        "CS_BUILD_WAREHOUSE": str(scratch),
        "CS_AS_OF": day.isoformat(),
    }
    dbt = Path(sys.executable).with_name("dbt")
    args = [str(dbt), "run", "--select", "+health_history", "--full-refresh",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(scratch.parent / "target"),
            "--log-path", str(scratch.parent / "logs")]
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackfillError(f"dbt run as of {day} failed; nothing was added to the history:\n"
                            f"{result.stdout[-4000:]}{result.stderr[-2000:]}")


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cs_pipeline.backfill",
        description="Add health_history snapshots for past dates (docs/operations.md).")
    parser.add_argument("--from", dest="start", required=True, help="first date, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, help="last date, YYYY-MM-DD")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        result = backfill(CsSettings.from_env(), parse_as_of(args.start), parse_as_of(args.end))
    except BackfillError as exc:
        log.error("%s", exc)
        return 1
    log.info("backfill: %d snapshots added for %d dates (%s); %d dates were already held. "
             "The next run (make run) computes the trend from them.",
             result.rows, len(result.dates),
             f"{result.dates[0]} .. {result.dates[-1]}" if result.dates else "none",
             len(result.skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
