"""One day of ticket changes, derived deterministically from the tickets already delivered.

    .venv/bin/python bench/ticket_delta.py EXTRACTS_DIR --as-of 2026-11-01 [--share 0.01]

Writes ``support/tickets/bench-delta-<as-of>.jsonl`` (the extract contract's incremental ticket
export folder): for ``--share`` of the distinct ticket ids, four in five are the latest record
of an existing, still unsolved ticket with a new status and an ``updated_at`` on the as-of day,
and one in five are new tickets (ids above every delivered id) opened that day. Every other
field is the delivered record's, so the file keeps the contract's record shape and every rule.
Chosen tickets were last updated before the as-of day, so each new record is the latest version
of its ticket. Same files and as-of date in, same file out.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import duckdb

DELTA_DIR = "support/tickets"
PREFIX = "bench-delta-"
NEW_SHARE = 0.2  # of the delta's records, new tickets; the rest are changed ones
# An unsolved ticket moves on; a solved or closed one is left alone (reopening would need its
# solve metrics cleared too).
NEXT_STATUS = {"new": "open", "open": "pending", "pending": "open", "hold": "open"}


def delta_path(extracts_dir: Path, as_of: dt.date) -> Path:
    return extracts_dir / DELTA_DIR / f"{PREFIX}{as_of:%Y%m%d}.jsonl"


def remove_deltas(extracts_dir: Path) -> list[Path]:
    """Delete the delta files this helper wrote earlier (the generator's files stay)."""
    removed = sorted((extracts_dir / DELTA_DIR).glob(f"{PREFIX}*.jsonl"))
    for path in removed:
        path.unlink()
    return removed


def ticket_files(extracts_dir: Path) -> list[Path]:
    base = extracts_dir / "support" / "tickets.jsonl"
    return [base] * base.is_file() + sorted((extracts_dir / DELTA_DIR).glob("*.jsonl"))


def write_delta(extracts_dir: Path, as_of: dt.date, share: float = 0.01) -> tuple[Path, int, int]:
    """Write the delta file; returns its path, the changed and the new ticket count."""
    files = ticket_files(extracts_dir)
    if not files:
        raise FileNotFoundError(f"{extracts_dir}: no support/tickets.jsonl nor {DELTA_DIR}/*.jsonl")
    file_list = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "]"
    statuses = ", ".join(f"('{old}', '{new}')" for old, new in NEXT_STATUS.items())
    day = as_of.isoformat()
    records = f"SELECT json, row_number() OVER () AS seq FROM read_ndjson_objects({file_list})"
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")  # seq: file order, then line order
        # First pass, small columns only: each ticket's latest version (the contract's rule:
        # latest updated_at, then the later file, then the later line).
        con.execute(f"""
            CREATE TEMP TABLE latest AS
            SELECT id, max(updated_at) AS updated_at, arg_max(status, (updated_at, seq)) AS status,
                   arg_max(seq, (updated_at, seq)) AS seq
            FROM (SELECT TRY_CAST(json_extract_string(json, '$.id') AS BIGINT) AS id,
                         json_extract_string(json, '$.updated_at') AS updated_at,
                         json_extract_string(json, '$.status') AS status, seq
                  FROM ({records}))
            GROUP BY id
        """)
        distinct, max_id = con.execute("SELECT count(*), max(id) FROM latest").fetchone()
        total = max(1, round(distinct * share))
        new = round(total * NEW_SHARE)
        # A fixed multiplicative hash orders the candidates: spread over the id range, stable.
        con.execute(f"""
            CREATE TEMP TABLE candidates AS
            SELECT l.id, l.seq, s.next_status,
                   row_number() OVER (ORDER BY (l.id * 2654435761) % 4294967296, l.id) AS n
            FROM latest AS l
            JOIN (VALUES {statuses}) AS s(status, next_status) ON l.status = s.status
            WHERE l.id IS NOT NULL
              AND l.updated_at SIMILAR TO '\\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ'
              AND l.updated_at < '{day}'
            QUALIFY n <= {total - new}
        """)
        # Second pass: the chosen versions' records, as delivered.
        con.execute(f"""
            CREATE TEMP TABLE chosen AS
            SELECT c.id, r.json, c.next_status, c.n
            FROM candidates AS c JOIN ({records}) AS r USING (seq)
        """)

        def stamp(id_column: str) -> str:
            """A time on the as-of day, from the id: later than the ticket's last update."""
            return (
                f"strftime(TIMESTAMP '{day}' + to_seconds(({id_column} * 7919) % 86400), "
                "'%Y-%m-%dT%H:%M:%SZ')"
            )

        rows = con.execute(f"""
            SELECT json_merge_patch(json, json_object(
                'status', next_status, 'updated_at', {stamp("id")})), id
            FROM chosen
            UNION ALL
            SELECT json_merge_patch(json, json_object(
                'id', new_id, 'status', 'new',
                'created_at', {stamp("new_id")}, 'updated_at', {stamp("new_id")})), new_id
            FROM (SELECT json, {max_id} + n AS new_id FROM chosen WHERE n <= {new})
            ORDER BY 2
        """).fetchall()
        changed = con.execute("SELECT count(*) FROM chosen").fetchone()[0]
    path = delta_path(extracts_dir, as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json + "\n" for json, _ in rows), encoding="utf-8")
    return path, changed, len(rows) - changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("extracts_dir", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--share", type=float, default=0.01, help="of the distinct ticket ids")
    args = parser.parse_args()
    path, changed, new = write_delta(args.extracts_dir, args.as_of, args.share)
    print(f"{path}: {changed:,} changed and {new:,} new tickets")


if __name__ == "__main__":
    main()
