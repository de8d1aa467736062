"""Measure what the raw-table quality checks cost on a big table.

Builds one raw table of ``--rows`` synthetic rows in a temporary DuckDB file (values that
keep the table's rules, plus one bad value every ``--bad-every`` rows), then times the
same validation the Dagster check runs, and prints rows, seconds and peak memory.

    .venv/bin/python bench/quality.py --rows 10000000
    .venv/bin/python bench/quality.py --rows 1000000 --max-rows 1000000   # GX on every row

``--max-rows`` is the runner's threshold (default: the one the checks use): above it the
blocking and table-level rules run in DuckDB SQL over the whole table and the row-level
rules in GX on a fixed sample of that many rows. Run one configuration per process: the
peak memory reported is the process's.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from cs_pipeline.config import quote_ident, quote_literal
from cs_pipeline.quality import rules as r
from cs_pipeline.quality.rules import Rule, raw_table_spec
from cs_pipeline.quality.runner import DEFAULT_MAX_ROWS, validate_table
from cs_pipeline.sources import EXTRACTS_BY_KEY, Extract

# SQL producing a value that matches each pattern for row number i; the injective ones can
# stand for a key.
_PATTERN_SQL: dict[r.Pattern, str] = {
    r.DATE: "strftime(DATE '2020-01-01' + (i % 1500)::INTEGER, '%Y-%m-%d')",
    r.TIMESTAMP: "strftime(TIMESTAMP '2020-01-01' + to_seconds(i % 100000000), "
    "'%Y-%m-%dT%H:%M:%SZ')",
    r.MONTH: "strftime(DATE '2020-01-01' + to_months((i % 60)::INTEGER), '%Y-%m')",
    r.INTEGER: "(i % 1000)::VARCHAR",
    r.DECIMAL: "((i % 1000000) / 100)::DECIMAL(12, 2)::VARCHAR",
    r.SFDC_ID_18: "'a' || lpad(i::VARCHAR, 17, '0')",
    r.SFDC_ID: "'a' || lpad(i::VARCHAR, 14, '0')",
    r.ZENDESK_ID: "i::VARCHAR",
    r.CUSTOMER_NUMBER: "'C-' || lpad(i::VARCHAR, 6, '0')",
    r.CURRENCY: "['USD', 'EUR', 'JPY'][1 + i % 3]",
    r.EMAIL: "'user' || i || '@example.com'",
    r.VERSION: "(i % 13)::VARCHAR || '.' || (i % 11)::VARCHAR",
}
_INJECTIVE = {r.SFDC_ID_18, r.SFDC_ID, r.ZENDESK_ID, r.CUSTOMER_NUMBER, r.EMAIL}


def column_sql(extract: Extract, column: str, rules: tuple[Rule, ...]) -> str:
    """A valid value of one column for row i, read off the column's rules."""
    mine = {rule.kind: rule for rule in rules if rule.columns == (column,)}
    pattern = mine["matches"].pattern if "matches" in mine else None
    if column == extract.key[0] and pattern not in _INJECTIVE:
        return "'k' || i"  # unique, as a key must be (even where a pattern asks more)
    if "in_set" in mine:
        values = ", ".join(quote_literal(v) for v in mine["in_set"].values)
        return f"[{values}][1 + i % {len(mine['in_set'].values)}]"
    if "between" in mine:
        bounds = mine["between"].range
        assert bounds is not None
        low = int(bounds.min or 0) + (1 if bounds.strict_min else 0)
        span = int(bounds.max - low + 1) if bounds.max is not None else 1000
        return f"({low} + i % {span})::VARCHAR"
    if pattern is not None:
        return _PATTERN_SQL[pattern]
    return f"'{column} ' || i"


def build_table(warehouse: Path, extract: Extract, rows: int, bad_every: int) -> set[str]:
    """Create the raw table; returns the rules it breaks (the injected bad values' rule, and
    a key's pattern where that pattern cannot make unique values, e.g. currency codes)."""
    spec = raw_table_spec(extract)
    columns = {c: column_sql(extract, c, spec.rules) for c in extract.columns}
    # The bad values go in the first enumerated column, else the first patterned non-key one.
    candidates = [
        rule
        for rule in spec.rules
        if rule.kind in ("in_set", "matches") and rule.columns[0] not in extract.key
    ]
    target = min(candidates, key=lambda rule: rule.kind != "in_set")
    col = target.columns[0]
    columns[col] = f"CASE WHEN i % {bad_every} = 0 THEN 'n/a' ELSE {columns[col]} END"
    select = ", ".join(f"{sql} AS {quote_ident(c)}" for c, sql in columns.items())
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute(
            f"CREATE OR REPLACE TABLE {extract.qualified_table} AS SELECT {select}, "
            f"{quote_literal(extract.file)} AS _source_file, i AS _row_number, "
            f"now()::TIMESTAMP AS _loaded_at FROM range(1, {rows + 1}) t(i)"
        )
    broken = {target.label}
    broken |= {
        rule.label
        for rule in spec.rules
        if rule.kind == "matches"
        and rule.columns == extract.key[:1]
        and rule.pattern not in _INJECTIVE
    }
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the table")
    parser.add_argument("--table", default="support/tickets", help="source/entity")
    parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS)
    parser.add_argument("--bad-every", type=int, default=100_000)
    args = parser.parse_args(argv)
    source, entity = args.table.split("/")
    extract = EXTRACTS_BY_KEY[(source, entity)]

    with tempfile.TemporaryDirectory(prefix="cs360-bench-") as tmp:
        warehouse = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        broken = build_table(warehouse, extract, args.rows, args.bad_every)
        built = time.perf_counter() - started
        validation = validate_table(raw_table_spec(extract), warehouse, max_rows=args.max_rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    failed = [o for o in validation.outcomes if not o.success]
    engines = sorted({o.engine for o in validation.outcomes})
    print(
        f"table={extract.qualified_table} rows={validation.rows} max_rows={args.max_rows} "
        f"rows_validated={validation.rows_validated} rules={len(validation.outcomes)} "
        f"engines={'+'.join(engines)} validate_seconds={validation.seconds:.2f} "
        f"build_seconds={built:.2f} peak_rss_mb={peak_mb:.0f}"
    )
    for o in failed:
        print(f"  failed [{o.severity}] {o.rule}: {o.unexpected_count} row(s)")
    wrong = {o.rule for o in failed} - broken
    missed = broken - {o.rule for o in failed}
    if missed and validation.sampled:  # the few bad rows may all fall outside the sample
        print(f"  not in the sample: {', '.join(sorted(missed))}")
    if wrong or (missed and not validation.sampled):
        print(f"unexpected verdicts: expected exactly {sorted(broken)} to fail", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
