"""Comparing the marts of two warehouse files: the proof that two ways of building give the same
marts (one file or many delta files, a full build or night after night, an interrupted run and its
retry)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cs_pipeline.publish import BUILD_INFO

# When and by which run a health snapshot was taken: the only columns two builds of the same
# extracts and as-of date may differ in.
RUN_STAMPS = ("snapshot_taken_at", "snapshot_invocation_id")


def mart_differences(left: Path, right: Path, *, without: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows of each marts table present on one side only (both directions, with duplicates),
    comparing every column but the run stamps and ``without``; the published file's own
    ``marts.build_info`` (when, by which run) is left out. Both files hold the same tables."""
    diffs: dict[str, int] = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        tables = {
            side: [
                t for (t,) in con.execute(
                    "select table_name from information_schema.tables where table_catalog = ? "
                    "and table_schema = 'marts' and table_name <> ? order by 1",
                    [side, BUILD_INFO],
                ).fetchall()
            ]
            for side in ("l", "r")
        }
        assert tables["l"] and tables["l"] == tables["r"]
        for table in tables["l"]:
            columns = ", ".join(
                f'"{c}"' for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_catalog = "
                    "'l' and table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall() if c not in (*RUN_STAMPS, *without)
            )
            left_only, right_only = (
                f"select {columns} from {a}.marts.{table} except all "
                f"select {columns} from {b}.marts.{table}"
                for a, b in (("l", "r"), ("r", "l"))
            )
            n = con.execute(
                f"select (select count(*) from ({left_only})) "
                f"+ (select count(*) from ({right_only}))"
            ).fetchone()[0]
            if n:
                diffs[table] = n
    return diffs
