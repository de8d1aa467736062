"""Run a table's Great Expectations suite against the DuckDB warehouse; report to Dagster.

GX 1.x validates a pandas DataFrame read from DuckDB (GX's SQL datasources do not work on
DuckDB), holding only the columns the rules name plus the row id (``_row_number`` for raw
tables), so every failing row can be found in the delivered file.

Cost stays bounded on big tables (see ``bench/quality.py`` for measured numbers). Up to
``max_rows`` rows GX validates the whole table. Above it:

- rules whose verdict needs every row run as DuckDB SQL over the whole table: the ERROR
  rules (a blocking verdict must not come from a sample; they are only ``not_null`` and
  ``unique``) and the table-level rules (row count, uniqueness of a WARN combination);
- the row-level WARN rules run in GX on a fixed sample of about ``max_rows`` rows (chosen by
  a hash of the row id: the same table gives the same sample), and the results say so
  (``rows_validated`` < ``rows``, ``sampled``).

Rules that read other tables are the warehouse's business whatever the size: a
``references`` rule's allowed values are read in SQL (then checked by GX, or in SQL above
``max_rows``), and a ``reconcile`` rule (a total against the same figure computed from
staging and intermediate models) always runs in DuckDB; its verdict is an :class:`Outcome`
like any other, in the same check result.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.core.expectation_validation_result import ExpectationValidationResult
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.execution_engine import pandas_execution_engine

from cs_pipeline.config import connect, quote_ident, quote_literal
from cs_pipeline.quality.rules import Rule, Severity, TableSpec
from cs_pipeline.quality.suites import SEVERITY_OF_GX, expectation
from cs_pipeline.quality.thresholds import threshold

# Above this many rows, row-level WARN rules see a sample (measured: bench/quality.py); var
# gx_max_rows of dbt_project.yml, with the other thresholds.
DEFAULT_MAX_ROWS = int(threshold("gx_max_rows"))
FAILING_ROWS = 5  # failing rows shown per expectation
# Rules the runner can evaluate in DuckDB (all but ``matches``: GX's regex dialect is Python's).
_SQL_KINDS = (
    "row_count",
    "not_null",
    "unique",
    "in_set",
    "between",
    "single_value",
    "references",
    "reconcile",
)
_SQL_ONLY_KINDS = ("reconcile",)  # never in GX: they compare the table with others
_AGGREGATE_KINDS = ("row_count", "unique", "single_value", "reconcile")  # verdicts on all rows


@dataclass(frozen=True)
class Outcome:
    """The verdict on one rule, whichever engine computed it."""

    rule: str
    kind: str
    columns: tuple[str, ...]
    severity: Severity
    success: bool
    engine: str  # "gx" (pandas) or "duckdb" (SQL over the whole table)
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None  # aggregate rules: what was measured (e.g. the row count)
    unexpected_values: list[dict[str, Any]] = field(default_factory=list)  # value, count
    failing_rows: list[dict[str, Any]] = field(default_factory=list)  # row id + values
    error: str | None = None  # the rule could not be evaluated

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [])}


@dataclass(frozen=True)
class TableValidation:
    spec: TableSpec
    rows: int  # rows in the table
    rows_validated: int  # rows GX validated the row-level rules on (fewer: a sample)
    outcomes: tuple[Outcome, ...]
    seconds: float

    @property
    def sampled(self) -> bool:
        return self.rows_validated < self.rows


def gx_context() -> EphemeralDataContext:
    """An in-memory GX context: nothing written to disk, no usage statistics sent, and no
    tqdm progress bars (one per expectation otherwise floods logs and test output)."""
    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        ),
    )


def validate_table(
    spec: TableSpec,
    warehouse: Path,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    as_of: dt.date | None = None,
) -> TableValidation:
    """Evaluate every rule of ``spec`` on its table in ``warehouse`` (opened read-only).

    ``as_of`` is the run's as-of date, for rules whose SQL depends on it (``{as_of}``).
    """
    started = time.perf_counter()
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0]
        # Sorted out on every run, so a rule SQL cannot evaluate fails on small tables too.
        whole_table = [r for r in spec.rules if _needs_whole_table(r)]
        in_sql = [r for r in whole_table if rows > max_rows or r.kind in _SQL_ONLY_KINDS]
        in_gx = [r for r in spec.rules if r not in in_sql]
        outcomes = [_sql_outcome(con, spec, rule, rows, as_of) for rule in in_sql]
        value_sets = {
            rule.label: _reference_values(con, rule, as_of)
            for rule in in_gx
            if rule.kind == "references"
        }
        frame = _read_frame(con, spec, in_gx, every=math.ceil(rows / max_rows))
    outcomes += _gx_outcomes(spec, in_gx, frame, value_sets) if in_gx else []
    order = {rule.label: i for i, rule in enumerate(spec.rules)}
    outcomes.sort(key=lambda o: order.get(o.rule, len(order)))
    return TableValidation(
        spec=spec,
        rows=rows,
        rows_validated=len(frame),
        outcomes=tuple(outcomes),
        seconds=time.perf_counter() - started,
    )


def _needs_whole_table(rule: Rule) -> bool:
    if rule.severity is Severity.ERROR or rule.kind in _AGGREGATE_KINDS:
        if rule.kind not in _SQL_KINDS:
            raise ValueError(
                f"rule {rule.label!r} needs the whole table but is not a "
                f"{'/'.join(_SQL_KINDS)} rule, which is all the runner evaluates in SQL"
            )
        return True
    return False


def _frame_columns(spec: TableSpec, rules: Iterable[Rule]) -> list[str]:
    """The columns the rules read (each once, in rule order), the row id first."""
    columns = [spec.row_id]
    for rule in rules:
        columns += [spec.frame_column(rule, c) for c in rule.columns]
    return list(dict.fromkeys(columns))


def _read_frame(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, rules: Sequence[Rule], every: int
) -> pd.DataFrame:
    """The columns the rules need, in row-id order: all rows, or (``every`` > 1) the rows
    whose ``hash(row id)`` is a multiple of ``every``, a fixed sample of about 1/every.

    A hash rather than every n-th row, so a pattern that repeats through the file (as
    generated data does) cannot line up with the sample.
    """
    columns = _frame_columns(spec, rules)
    select = ", ".join(f"{spec.select_expression(c)} AS {quote_ident(c)}" for c in columns)
    row_id = quote_ident(spec.row_id)
    where = f" WHERE hash({row_id}) % {int(every)} = 0" if every > 1 else ""
    sql = f"SELECT {select} FROM {spec.table}{where} ORDER BY {row_id}"
    # Through Arrow: the same pandas dtypes as .df(), three times faster on text (measured:
    # 1 M rows x 9 text columns, 0.9 s against 3.0 s).
    return con.sql(sql).to_arrow_table().to_pandas()


@contextmanager
def _no_batch_fingerprint() -> Iterator[None]:
    """Skip GX's fingerprint of in-memory batches while validating.

    GX hashes every cell of a pandas batch (twice per validation) for a batch marker that
    cs360 never reads: ~85% of the validation time (measured: 1 M rows, two regex rules,
    6.8 s with it, 0.8 s without). GX itself skips it for frames of HASH_THRESHOLD bytes or
    more; the threshold is 0 for the duration, then restored.
    """
    saved = getattr(pandas_execution_engine, "HASH_THRESHOLD", None)
    pandas_execution_engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        if saved is None:
            del pandas_execution_engine.HASH_THRESHOLD
        else:
            pandas_execution_engine.HASH_THRESHOLD = saved


def render_sql(sql: str, as_of: dt.date | None) -> str:
    """A rule's SQL with ``{as_of}`` replaced by the run's as-of date as a DATE literal."""
    if "{as_of}" not in sql:
        return sql
    if as_of is None:
        raise ValueError("this rule's SQL needs the run's as-of date: pass as_of")
    return sql.replace("{as_of}", f"DATE '{as_of.isoformat()}'")


def _reference_sql(rule: Rule, as_of: dt.date | None) -> str:
    """The allowed values of a ``references`` rule, NULLs dropped, as one column ``v``."""
    assert rule.reference is not None
    sql = render_sql(rule.reference.sql, as_of)
    return f"SELECT v FROM ({sql}) AS r(v) WHERE v IS NOT NULL"


def _reference_values(
    con: duckdb.DuckDBPyConnection, rule: Rule, as_of: dt.date | None
) -> list[Any]:
    return sorted({v for (v,) in con.execute(_reference_sql(rule, as_of)).fetchall()}, key=str)


def _gx_outcomes(
    spec: TableSpec,
    rules: Sequence[Rule],
    frame: pd.DataFrame,
    value_sets: Mapping[str, Sequence[Any]] | None = None,
) -> list[Outcome]:
    batch_definition = (
        gx_context()
        .data_sources.add_pandas(name="cs360")
        .add_dataframe_asset(name=spec.name)
        .add_batch_definition_whole_dataframe("whole table")
    )
    value_sets = value_sets or {}
    suite = gx.ExpectationSuite(
        name=spec.name,
        expectations=[expectation(spec, r, value_sets.get(r.label)) for r in rules],
    )
    with _no_batch_fingerprint():
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            suite,
            result_format={
                "result_format": "SUMMARY",
                "unexpected_index_column_names": [spec.row_id],
                "partial_unexpected_count": FAILING_ROWS,
            },
        )
    return [_from_gx(spec, r) for r in result.results]


def _from_gx(spec: TableSpec, res: ExpectationValidationResult) -> Outcome:
    config = res.expectation_config
    meta = config.meta or {}
    columns = tuple(meta.get("columns", ()))
    res_dict: dict[str, Any] = res.result or {}
    # Derived frame columns (``Score__c::number``) are shown under the table's column name.
    failing_rows = [
        {spec.table_column(k): _plain(v) for k, v in row.items()}
        for row in res_dict.get("partial_unexpected_index_list") or []
    ]
    error = None
    if res.exception_info and res.exception_info.get("raised_exception"):
        error = str(res.exception_info.get("exception_message"))
    return Outcome(
        rule=meta.get("rule", config.type),
        kind=meta.get("kind", config.type),
        columns=columns,
        severity=SEVERITY_OF_GX[config.severity],
        success=bool(res.success),
        engine="gx",
        element_count=_plain(res_dict.get("element_count")),
        unexpected_count=_plain(res_dict.get("unexpected_count")),
        unexpected_percent=_plain(res_dict.get("unexpected_percent")),
        observed_value=_plain(res_dict.get("observed_value")),
        unexpected_values=[
            {"value": _plain(c["value"]), "count": _plain(c["count"])}
            for c in res_dict.get("partial_unexpected_counts") or []
        ],
        failing_rows=failing_rows,
        error=error,
    )


def _plain(value: Any) -> Any:
    """A JSON-friendly value: numpy scalars to Python, NaN to None, decimals to float (typed
    tables hold DECIMAL amounts), dates and timestamps to ISO text."""
    if isinstance(value, np.datetime64):  # .item() would give nanoseconds as an int
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):  # also datetime
        return value.isoformat()
    return value


def _sql_outcome(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rule: Rule,
    rows: int,
    as_of: dt.date | None = None,
) -> Outcome:
    """Evaluate a whole-table rule in DuckDB, with GX's semantics for the same expectation.

    A clean table costs one scan per rule; the failing rows are looked up only on failure.
    """
    base = {
        "rule": rule.label,
        "kind": rule.kind,
        "columns": rule.columns,
        "severity": rule.severity,
        "engine": "duckdb",
        "element_count": rows,
    }
    if rule.kind == "row_count":
        return Outcome(success=rows >= rule.min_rows, observed_value=rows, **base)
    if rule.kind == "reconcile":
        return _reconcile_outcome(con, spec, rule, as_of, base)
    row_id = quote_ident(spec.row_id)
    cols = ", ".join(quote_ident(c) for c in rule.columns)
    shown = ", ".join(quote_ident(c) for c in dict.fromkeys((spec.row_id, *rule.columns)))
    values = ", ".join(
        f"{spec.select_expression(spec.frame_column(rule, c))} AS {quote_ident(c)}"
        for c in dict.fromkeys((spec.row_id, *rule.columns))
    )
    frame = f"(SELECT {values} FROM {spec.table})"
    unexpected_values: list[dict[str, Any]] = []
    if rule.kind == "single_value":  # GX counts the distinct values that are present
        observed, denominator = con.execute(
            f"SELECT count(DISTINCT {cols}), count({cols}) FROM {frame}"
        ).fetchone()
        if observed > 1:
            unexpected_values = _value_counts(con, f"SELECT {cols} FROM {frame}", cols)
        return Outcome(
            success=observed <= 1,
            observed_value=observed,
            unexpected_values=unexpected_values,
            **base,
        )
    if rule.kind == "not_null":
        bad = f"SELECT * FROM {frame} WHERE {cols} IS NULL"
        unexpected = con.execute(f"SELECT count(*) FROM ({bad})").fetchone()[0]
        denominator = rows
        if unexpected:
            unexpected_values = [{"value": None, "count": unexpected}]
    elif rule.kind == "unique":  # every row whose value repeats, as GX counts it
        present = " OR ".join(f"{quote_ident(c)} IS NOT NULL" for c in rule.columns)
        groups = f"SELECT {cols}, count(*) AS _n FROM {frame} WHERE {present} GROUP BY ALL"
        unexpected, denominator = con.execute(
            f"SELECT coalesce(sum(_n) FILTER (WHERE _n > 1), 0), coalesce(sum(_n), 0) "
            f"FROM ({groups})"
        ).fetchone()
        repeated = f"SELECT * FROM ({groups}) WHERE _n > 1"
        if unexpected:
            top = con.execute(
                f"SELECT {cols}, _n FROM ({repeated}) ORDER BY _n DESC, {cols} LIMIT {FAILING_ROWS}"
            ).fetchall()
            unexpected_values = [
                {"value": list(r[:-1]) if len(r) > 2 else _plain(r[0]), "count": r[-1]}
                for r in top
            ]
        same = " AND ".join(
            f"f.{quote_ident(c)} IS NOT DISTINCT FROM r.{quote_ident(c)}" for c in rule.columns
        )
        bad = f"SELECT f.* FROM {frame} AS f SEMI JOIN ({repeated}) AS r ON {same}"
    else:  # in_set, between, references: a present value outside what is allowed (GX ignores
        # missing values and counts the percentage among the present ones)
        allowed = _allowed_condition(rule, cols, as_of)
        bad = f"SELECT * FROM {frame} WHERE {cols} IS NOT NULL AND NOT ({allowed})"
        unexpected, denominator = con.execute(
            f"SELECT count(*) FILTER (WHERE NOT ({allowed})), count({cols}) FROM {frame}"
        ).fetchone()
        if unexpected:
            unexpected_values = _value_counts(con, f"SELECT {cols} FROM ({bad})", cols)
    failing_rows: list[dict[str, Any]] = []
    if unexpected:
        cursor = con.execute(
            f"SELECT {shown} FROM ({bad}) ORDER BY {row_id} LIMIT {FAILING_ROWS}"
        )
        names = [d[0] for d in cursor.description]
        failing_rows = [
            {n: _plain(v) for n, v in zip(names, r, strict=True)} for r in cursor.fetchall()
        ]
    return Outcome(
        success=unexpected == 0,
        unexpected_count=int(unexpected),
        unexpected_percent=100.0 * unexpected / denominator if denominator else 0.0,
        unexpected_values=unexpected_values,
        failing_rows=failing_rows,
        **base,
    )


def _allowed_condition(rule: Rule, column: str, as_of: dt.date | None) -> str:
    """SQL that is true for an allowed (present) value of an in_set/between/references rule."""
    if rule.kind == "in_set":
        return f"{column} IN ({', '.join(quote_literal(v) for v in rule.values)})"
    if rule.kind == "references":
        return f"{column} IN ({_reference_sql(rule, as_of)})"
    assert rule.kind == "between" and rule.range is not None
    bounds = []
    if rule.range.min is not None:
        bounds.append(f"{column} {'>' if rule.range.strict_min else '>='} {rule.range.min!r}")
    if rule.range.max is not None:
        bounds.append(f"{column} <= {rule.range.max!r}")
    return " AND ".join(bounds) or "true"


def _value_counts(con: duckdb.DuckDBPyConnection, values_sql: str, column: str) -> list[dict]:
    """The most frequent values of a query's one column, as GX reports unexpected values."""
    top = con.execute(
        f"SELECT {column}, count(*) AS _n FROM ({values_sql}) GROUP BY ALL "
        f"ORDER BY _n DESC, {column} LIMIT {FAILING_ROWS}"
    ).fetchall()
    return [{"value": _plain(v), "count": n} for v, n in top]


def _reconcile_outcome(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rule: Rule,
    as_of: dt.date | None,
    base: dict[str, Any],
) -> Outcome:
    """Compare the table's value per key (``sum(column)`` or its row count) with the
    reconciliation's independently computed one; keys missing on a side count as 0.

    Holds when the totals agree within the tolerance and no key differs by more; the keys
    that differ most are the failing rows (key, the table's value, the expected one).
    """
    r = rule.reconciliation
    assert r is not None
    row_id = quote_ident(spec.row_id)
    measure = f"sum({quote_ident(rule.columns[0])})" if rule.columns else "count(*)"
    shown = rule.columns[0] if rule.columns else "rows"
    # A float margin, so sums of DECIMAL and DOUBLE amounts that agree to the cent agree here.
    limit = r.tolerance + 1e-9
    compared = f"""
        WITH actual AS (
            SELECT {row_id} AS key, {measure} AS value FROM {spec.table} GROUP BY ALL
        ),
        expected AS (SELECT * FROM ({render_sql(r.sql, as_of)}) AS e(key, value))
        SELECT coalesce(a.key, e.key) AS key,
               coalesce(a.value, 0) AS actual,
               coalesce(e.value, 0) AS expected,
               abs(actual::DOUBLE - expected::DOUBLE) AS gap
        FROM actual AS a FULL OUTER JOIN expected AS e ON a.key IS NOT DISTINCT FROM e.key
    """
    keys, differing, actual, expected = (
        _plain(v)
        for v in con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE gap > {limit}), "
            f"coalesce(sum(actual), 0), coalesce(sum(expected), 0) FROM ({compared})"
        ).fetchone()
    )
    failing_rows = [
        {spec.row_id: _plain(key), shown: _plain(a), "expected": _plain(e)}
        for key, a, e in con.execute(
            f"SELECT key, actual, expected FROM ({compared}) WHERE gap > {limit} "
            f"ORDER BY gap DESC, key LIMIT {FAILING_ROWS}"
        ).fetchall()
    ]
    difference = round(actual - expected, 6)
    return Outcome(
        **{**base, "element_count": keys},
        success=differing == 0 and abs(difference) <= limit,
        unexpected_count=int(differing),
        unexpected_percent=100.0 * differing / keys if keys else 0.0,
        observed_value={"table": actual, "expected": expected, "difference": difference},
        failing_rows=failing_rows,
    )


# --- Dagster ---------------------------------------------------------------------------------

_DAGSTER_SEVERITY = {
    Severity.ERROR: dg.AssetCheckSeverity.ERROR,
    Severity.WARN: dg.AssetCheckSeverity.WARN,
}


def check_result(
    validation: TableValidation,
    severity: Severity,
    *,
    asset_key: dg.AssetKey,
    check_name: str,
) -> dg.AssetCheckResult:
    """The Dagster check result for the rules of one severity: passed when all of them hold.

    Metadata shows, per failed rule, the unexpected count and a few failing rows with their
    row id; ``results`` holds every rule's verdict (observed value, counts, rows) as JSON.
    """
    outcomes = [o for o in validation.outcomes if o.severity is severity]
    failed = [o for o in outcomes if not o.success]
    spec = validation.spec
    metadata: dict[str, Any] = {
        "table": dg.MetadataValue.text(spec.table),
        "rows": dg.MetadataValue.int(validation.rows),
        "rows_validated": dg.MetadataValue.int(validation.rows_validated),
        "sampled": dg.MetadataValue.bool(validation.sampled),
        "expectations": dg.MetadataValue.int(len(outcomes)),
        "failed_expectations": dg.MetadataValue.int(len(failed)),
        "failed_rules": dg.MetadataValue.json([o.rule for o in failed]),
        "results": dg.MetadataValue.json([o.as_json() for o in outcomes]),
        "seconds": dg.MetadataValue.float(round(validation.seconds, 3)),
    }
    if spec.source_file:
        metadata["source_file"] = dg.MetadataValue.text(spec.source_file)
    if failed:
        metadata["failures"] = dg.MetadataValue.md(failures_markdown(spec, failed))
    summary = (
        f"{len(failed)} of {len(outcomes)} {severity} rule(s) failed: "
        + "; ".join(f"{o.rule} ({_count_text(o)})" for o in failed)
        if failed
        else f"all {len(outcomes)} {severity} rule(s) hold"
    )
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=not failed,
        severity=_DAGSTER_SEVERITY[severity],
        description=summary,
        metadata=metadata,
    )


def _count_text(outcome: Outcome) -> str:
    if outcome.error:
        return f"not evaluated: {outcome.error}"
    if outcome.kind == "reconcile" and isinstance(outcome.observed_value, dict):
        totals = outcome.observed_value
        return (
            f"{totals['table']:,} against {totals['expected']:,}, "
            f"{outcome.unexpected_count} key(s) differ"
        )
    if outcome.unexpected_count is None:
        return f"observed {outcome.observed_value}"
    return f"{outcome.unexpected_count} row(s)"


def _row_text(spec: TableSpec, outcome: Outcome, row: dict[str, Any]) -> str:
    """``row id: value[ / value]``; a reconciliation's rows also say what was expected."""
    if outcome.kind == "reconcile":
        values = [str(v) for k, v in row.items() if k not in (spec.row_id, "expected")]
        return f"{row.get(spec.row_id)}: {' / '.join(values)} (expected {row.get('expected')})"
    values = [str(row.get(c)) for c in outcome.columns if c != spec.row_id]
    return f"{row.get(spec.row_id)}: " + " / ".join(values) if values else str(row.get(spec.row_id))


def failures_markdown(spec: TableSpec, failed: Sequence[Outcome]) -> str:
    """A table for the Dagster UI: one line per failed rule, with where to find the rows."""
    lines = [
        f"| rule | unexpected | failing rows ({spec.row_id}: value) |",
        "| --- | --- | --- |",
    ]
    for o in failed:
        examples = ", ".join(_row_text(spec, o, row) for row in o.failing_rows)
        cells = [o.rule, _count_text(o), examples]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
