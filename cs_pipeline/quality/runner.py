"""Run a table's Great Expectations suite against the DuckDB warehouse; report to Dagster.

GX 1.x validates a pandas DataFrame read from DuckDB (GX's SQL datasources do not work on
DuckDB), holding only the columns the rules name plus where each row is (for raw tables its file,
``_source_file``, and its ``_row_number`` in that file), so every failing row can be found in
the delivered file.

Cost stays bounded on big tables (see ``bench/quality.py`` for measured numbers). Up to
``max_rows`` rows GX validates the whole table. Above it:

- rules whose verdict needs every row run as DuckDB SQL over the whole table: the ERROR
  rules (a blocking verdict must not come from a sample; they are only ``not_null`` and
  ``unique``) and the table-level rules (row count, uniqueness of a WARN combination);
- the row-level WARN rules run in GX on a fixed sample of about ``max_rows`` rows of each
  file (chosen by a hash of the row id: the same file gives the same sample), and the
  results say so (``rows_validated`` < ``rows``, ``sampled``).

Rows appended to a validated table can be validated alone and their verdicts added to the
earlier ones (:func:`validate` with ``previous`` and ``appended``).

Rules that read other tables are the warehouse's business whatever the size: a
``references`` rule's allowed values are read in SQL (then checked by GX, or in SQL above
``max_rows``), and a ``reconcile`` rule (a total against the same figure computed from
staging and intermediate models) always runs in DuckDB; its verdict is an :class:`Outcome`
like any other, in the same check result.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import dagster as dg
import duckdb

from cs_pipeline.config import connect, quote_ident, quote_literal
from cs_pipeline.imports import absent, collector_paused, import_lazily
from cs_pipeline.quality.rules import Rule, Severity, TableSpec
from cs_pipeline.quality.thresholds import threshold

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.data_context import EphemeralDataContext

# Great Expectations and pandas (seconds to import) are imported where GX runs: a night that
# only reports stored results, or validates in SQL, never loads them. A step about to validate
# may start the import early (import_gx_in_background), so it overlaps the step's DuckDB work.
_gx_loader: threading.Thread | None = None
_gx_loader_lock = threading.Lock()


def import_gx_in_background() -> None:
    """Start importing Great Expectations in a daemon thread, once per process.

    The import takes about 2 s of CPU (:func:`_import_gx`). Every raw step calls this as
    it starts (cs_pipeline/ingest.py), so the first one starts the import and it runs beside
    the steps before the first table that is validated (on a night that brings only a ticket
    delta, the 13 steps before the tickets). Validation waits for it
    (:func:`great_expectations`), never importing alongside.
    """
    global _gx_loader
    with _gx_loader_lock:
        if _gx_loader is None and "great_expectations" not in sys.modules:
            # GX imports SQLAlchemy's ORM, which registers an inspector that SQLAlchemy's core
            # calls for every object before the ORM module has finished loading: done in the
            # thread, it failed a step storing a Dagster event at that moment (Dagster's
            # storage is SQLAlchemy; "partially initialized module 'sqlalchemy.orm.exc'").
            # Imported here, before the thread starts (0.1-0.2 s).
            import sqlalchemy.orm  # noqa: F401

            _gx_loader = threading.Thread(
                target=_import_quietly, name="cs360-gx-import", daemon=True
            )
            _gx_loader.start()


def _import_quietly() -> None:
    with suppress(Exception):  # raised again by the import that needs it
        _import_gx()


def great_expectations() -> ModuleType:
    """The ``great_expectations`` module, once a background import (if any) has finished."""
    loader = _gx_loader
    if loader is not None:
        loader.join()
    return _import_gx()


def _import_gx() -> ModuleType:
    # GX imports scipy.stats for one expectation cs360 never uses (the KL divergence of a
    # column's distribution: 0.6 s of CPU; an expectation that reads it still gets the whole
    # module), and pyspark when it is installed, for its Spark datasource (0.4 s; cs360
    # validates pandas frames, and the Spark engine runs in dbt's process): docs/performance.md,
    # "Measured by hand". GX then treats Spark as not installed in this process.
    # The garbage collector is paused while it imports (imports.collector_paused): about 0.3-0.5 s
    # of CPU less.
    with collector_paused(), absent("pyspark"):
        import_lazily("scipy.stats")
        import great_expectations

    return great_expectations


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
    missing_count: int | None = None  # rows without a value (the percentage is of the others)
    observed_value: Any = None  # aggregate rules: what was measured (e.g. the row count)
    unexpected_values: list[dict[str, Any]] = field(default_factory=list)  # value, count
    # The first failing rows: where each is (spec.row_key: file and row number) + values.
    failing_rows: list[dict[str, Any]] = field(default_factory=list)
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
    # Rows whose verdicts were carried over from an earlier validation, not read again (the
    # rows before an appended file: :func:`_validate_appended`).
    rows_carried: int = 0
    # Per first column of a ``unique`` rule, how many rows hold a value other than the one
    # validated (blank, or with spaces around it), once counted (:func:`_unique_appended`).
    keys_not_as_read: Mapping[str, int] = field(default_factory=dict)

    @property
    def sampled(self) -> bool:
        return self.rows_validated < self.rows

    def to_json(self) -> str:
        """Everything but the spec, to be read back by :meth:`from_json` with the spec."""
        extra = {"keys_not_as_read": dict(self.keys_not_as_read)} if self.keys_not_as_read else {}
        return json.dumps({
            "rows": self.rows,
            "rows_validated": self.rows_validated,
            "seconds": self.seconds,
            "outcomes": [o.as_json() for o in self.outcomes],
            **extra,
        })

    @classmethod
    def from_json(cls, spec: TableSpec, text: str) -> TableValidation:
        data = json.loads(text)
        outcomes = tuple(
            Outcome(**{**o, "columns": tuple(o["columns"]), "severity": Severity(o["severity"])})
            for o in data["outcomes"]
        )
        return cls(
            spec, data["rows"], data["rows_validated"], outcomes, data["seconds"],
            keys_not_as_read=data.get("keys_not_as_read", {}),
        )


def gx_context() -> EphemeralDataContext:
    """An in-memory GX context: nothing written to disk, no usage statistics sent, and no
    tqdm progress bars (one per expectation otherwise floods logs and test output)."""
    gx = great_expectations()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

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
    previous: TableValidation | None = None,
    appended: str | None = None,
) -> TableValidation:
    """Evaluate every rule of ``spec`` on its table in ``warehouse`` (opened read-only): see
    :func:`validate`."""
    with connect(warehouse, read_only=True) as con:
        return validate(
            con, spec, max_rows=max_rows, as_of=as_of, previous=previous, appended=appended
        )


def validate(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    as_of: dt.date | None = None,
    previous: TableValidation | None = None,
    appended: str | None = None,
) -> TableValidation:
    """Evaluate every rule of ``spec`` on its table, through ``con``.

    ``as_of`` is the run's as-of date, for rules whose SQL depends on it (``{as_of}``).

    ``previous`` with ``appended`` (an SQL condition true for the rows appended since
    ``previous`` validated the others): only the appended rows are read and their verdicts
    added to ``previous``'s (:func:`_validate_appended`), which gives the verdicts and counts
    a validation of the whole table gives. The table is validated whole when the rows outside
    ``appended`` are not the ``previous.rows`` rows validated before, or when a rule cannot
    be added up (:func:`appendable`).
    """
    started = time.perf_counter()
    validation = None
    if previous is not None and appended is not None and appendable(spec):
        validation = _validate_appended(con, spec, previous, appended, max_rows)
    if validation is None:
        validation = _validate(con, spec, spec.rules, None, max_rows, as_of)
    return replace(validation, seconds=time.perf_counter() - started)


def _part_rows(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, where: str | None
) -> dict[str | None, int]:
    """Rows per file (``spec.part_column``), or all rows under ``None``."""
    condition = f" WHERE {where}" if where else ""
    if spec.part_column is None:
        return {None: con.execute(f"SELECT count(*) FROM {spec.table}{condition}").fetchone()[0]}
    part = quote_ident(spec.part_column)
    return dict(con.execute(
        f"SELECT {part}, count(*) FROM {spec.table}{condition} GROUP BY ALL ORDER BY 1"
    ).fetchall())


def _validate(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rules: Sequence[Rule],
    where: str | None,
    max_rows: int,
    as_of: dt.date | None,
) -> TableValidation:
    """``rules`` on the rows of ``spec.table`` that ``where`` selects (all when None).

    Above ``max_rows`` rows the whole-table rules run in SQL and the rest in GX on a fixed
    sample: each file's rows whose ``hash(row id)`` is a multiple of ``ceil(file rows /
    max_rows)``. Per file, so that a file is sampled alike whether it is validated with the
    others (a full build) or alone (the night it was appended).
    """
    parts = _part_rows(con, spec, where)
    rows = sum(parts.values())
    # Sorted out on every run, so a rule SQL cannot evaluate fails on small tables too.
    whole_table = [r for r in rules if _needs_whole_table(r)]
    in_sql = [r for r in whole_table if rows > max_rows or r.kind in _SQL_ONLY_KINDS]
    in_gx = [r for r in rules if r not in in_sql]
    keys_not_as_read: dict[str, int] = {}
    outcomes = _sql_outcomes(con, spec, in_sql, rows, as_of, where, keys_not_as_read)
    value_sets = {
        rule.label: _reference_values(con, rule, as_of)
        for rule in in_gx
        if rule.kind == "references"
    }
    every = {part: math.ceil(n / max_rows) for part, n in parts.items()}
    frame = _read_frame(con, spec, in_gx, where, every)
    outcomes += _gx_outcomes(spec, in_gx, frame, value_sets) if in_gx else []
    order = {rule.label: i for i, rule in enumerate(spec.rules)}
    outcomes.sort(key=lambda o: order.get(o.rule, len(order)))
    return TableValidation(
        spec=spec,
        rows=rows,
        rows_validated=len(frame),
        outcomes=tuple(outcomes),
        seconds=0.0,
        keys_not_as_read=keys_not_as_read,
    )


# Rules whose verdict on a table is the sum of their verdicts on its rows (row kinds), or
# follows from the row count, or (unique) from the appended rows' keys looked up in the rest.
_ROW_KINDS = ("not_null", "in_set", "matches", "between")
_APPENDABLE_KINDS = (*_ROW_KINDS, "row_count", "unique")


def appendable(spec: TableSpec) -> bool:
    """Whether appended rows can be validated alone and added to the earlier verdicts."""
    return all(r.kind in _APPENDABLE_KINDS for r in spec.rules)


def _validate_appended(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    previous: TableValidation,
    appended: str,
    max_rows: int,
) -> TableValidation | None:
    """``previous`` plus the verdicts on the rows ``appended`` selects; None when the other
    rows are not the ``previous.rows`` that ``previous`` validated.

    Row rules are evaluated on the appended rows only (as :func:`_validate` would, each file
    sampled alike) and their counts added to the earlier ones; the row count is the sum; a
    ``unique`` rule looks the appended rows' keys up in the rest of the table
    (:func:`_unique_appended`), a join on the key columns that costs about the appended rows.
    """
    earlier, appended_rows = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT ({appended})), count(*) FILTER (WHERE {appended}) "
        f"FROM {spec.table}"
    ).fetchone()
    if earlier != previous.rows or [o.rule for o in previous.outcomes] != [
        r.label for r in spec.rules
    ]:
        return None
    if not appended_rows:  # e.g. an empty delta file
        return replace(previous, rows_carried=previous.rows)
    before = {o.rule: o for o in previous.outcomes}
    keys_not_as_read = dict(previous.keys_not_as_read)
    # The uniqueness lookups first: DuckDB's work over the whole table (0.3-0.4 s on 10 M
    # tickets), done while the Great Expectations import the first raw step started
    # (import_gx_in_background) may still be running; the row rules below wait for it.
    unique = {
        rule.label: _unique_appended(
            con, spec, rule, appended, before[rule.label], appended_rows, keys_not_as_read
        )
        for rule in spec.rules
        if rule.kind == "unique"
    }
    row_rules = [r for r in spec.rules if r.kind in _ROW_KINDS]
    new = _validate(con, spec, row_rules, appended, max_rows, None)
    rows = previous.rows + new.rows
    now = {o.rule: o for o in new.outcomes}
    outcomes = []
    for rule in spec.rules:
        old = before[rule.label]
        if rule.kind == "row_count":
            outcomes.append(replace(
                old,
                success=rows >= rule.min_rows,
                observed_value=rows,
                element_count=None if old.element_count is None else rows,
            ))
        elif rule.kind == "unique":
            outcomes.append(unique[rule.label])
        else:
            outcomes.append(_add_outcomes(spec, old, now[rule.label]))
    return TableValidation(
        spec=spec,
        rows=rows,
        rows_validated=previous.rows_validated + new.rows_validated,
        outcomes=tuple(outcomes),
        seconds=0.0,
        rows_carried=previous.rows,
        keys_not_as_read=keys_not_as_read,
    )


def _denominator(outcome: Outcome) -> int:
    """The rows a rule's percentage is of: all rows for ``not_null``, else those with a
    value (GX's ``unexpected_percent`` is of the non-missing values)."""
    return (outcome.element_count or 0) - (outcome.missing_count or 0)


def _percent(old: Outcome, unexpected: int, denominator: int) -> float | None:
    """GX's percentage; with no value at all, what the engine said before (GX: None)."""
    return unexpected / denominator * 100 if denominator else old.unexpected_percent


def _first_rows(spec: TableSpec, *row_lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first :data:`FAILING_ROWS` failing rows by file and row number, as a validation
    of the whole table orders them (:func:`_row_order`)."""

    def where(row: dict[str, Any]) -> tuple[tuple[bool, Any], ...]:
        return tuple((row.get(c) is None, row.get(c)) for c in spec.row_key)

    return sorted((r for rows in row_lists for r in rows), key=where)[:FAILING_ROWS]


def _row_order(spec: TableSpec, alias: str = "") -> str:
    """SQL ordering rows by where they are: file, then row number (NULLs last, as
    :func:`_first_rows`)."""
    return ", ".join(f"{alias}{quote_ident(c)} NULLS LAST" for c in spec.row_key)


def _top_values(*value_lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The most frequent unexpected values of several lists, counts of a value added up."""
    counts: dict[str, dict[str, Any]] = {}
    for values in value_lists:
        for v in values:
            key = json.dumps(v["value"], sort_keys=True, default=str)
            entry = counts.setdefault(key, {"value": v["value"], "count": 0})
            entry["count"] += v["count"]
    top = sorted(counts.values(), key=lambda v: (-v["count"], str(v["value"])))
    return top[:FAILING_ROWS]


def _add_outcomes(spec: TableSpec, old: Outcome, new: Outcome) -> Outcome:
    """The verdict of a row rule on two sets of rows, from its verdicts on each."""
    unexpected = (old.unexpected_count or 0) + (new.unexpected_count or 0)
    missing = None
    if old.missing_count is not None or new.missing_count is not None:
        missing = (old.missing_count or 0) + (new.missing_count or 0)
    merged = replace(
        old,
        success=old.success and new.success,
        element_count=(old.element_count or 0) + (new.element_count or 0),
        unexpected_count=unexpected,
        missing_count=missing,
        unexpected_values=_top_values(old.unexpected_values, new.unexpected_values),
        failing_rows=_first_rows(spec, old.failing_rows, new.failing_rows),
        error=old.error or new.error,
    )
    return replace(merged, unexpected_percent=_percent(old, unexpected, _denominator(merged)))


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
    """The columns the rules read (each once, in rule order), where the row is first."""
    columns = list(spec.row_key)
    for rule in rules:
        columns += [spec.frame_column(rule, c) for c in rule.columns]
    return list(dict.fromkeys(columns))


def _read_frame(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rules: Sequence[Rule],
    where: str | None,
    every: Mapping[str | None, int],
) -> pd.DataFrame:
    """The columns the rules need of the rows ``where`` selects, by file and row: all rows,
    or of a part (file) whose ``every`` is above 1 the rows whose ``hash(row id)`` is a
    multiple of it, a fixed sample of about 1/every (``every[None]``: the whole table's).

    A hash rather than every n-th row, so a pattern that repeats through the file (as
    generated data does) cannot line up with the sample.
    """
    columns = _frame_columns(spec, rules)
    select = ", ".join(f"{spec.select_expression(c)} AS {quote_ident(c)}" for c in columns)
    row_id = quote_ident(spec.row_id)
    sampled = {part: n for part, n in every.items() if n > 1}
    conditions = [where] if where else []
    if None in sampled:
        conditions.append(f"hash({row_id}) % {int(sampled[None])} = 0")
    elif sampled:
        part = quote_ident(spec.part_column)
        cases = " ".join(
            f"WHEN {quote_literal(p)} THEN hash({row_id}) % {int(n)} = 0"
            for p, n in sampled.items()
        )
        conditions.append(f"CASE {part} {cases} ELSE true END")
    condition = f" WHERE {' AND '.join(f'({c})' for c in conditions)}" if conditions else ""
    sql = f"SELECT {select} FROM {spec.table}{condition} ORDER BY {_row_order(spec)}"
    # Through Arrow: the same pandas dtypes as .df(), three times faster on text (measured:
    # 1 M rows x 9 text columns, 0.9 s against 3.0 s). The file column, a few values repeated
    # on every row, is dictionary-encoded: a pandas category, not a string per row.
    table = con.sql(sql).to_arrow_table()
    if spec.part_column is not None:
        i = table.schema.get_field_index(spec.part_column)
        table = table.set_column(i, spec.part_column, table.column(i).dictionary_encode())
    return table.to_pandas()


@contextmanager
def _no_batch_fingerprint() -> Iterator[None]:
    """Skip GX's fingerprint of in-memory batches while validating.

    GX hashes every cell of a pandas batch (twice per validation) for a batch marker that
    cs360 never reads: ~85% of the validation time (measured: 1 M rows, two regex rules,
    6.8 s with it, 0.8 s without). GX itself skips it for frames of HASH_THRESHOLD bytes or
    more; the threshold is 0 for the duration, then restored.
    """
    from great_expectations.execution_engine import pandas_execution_engine

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
    gx = great_expectations()
    from cs_pipeline.quality.suites import expectation

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
                "unexpected_index_column_names": list(spec.row_key),
                "partial_unexpected_count": FAILING_ROWS,
            },
        )
    return [_from_gx(spec, r) for r in result.results]


def _from_gx(spec: TableSpec, res: ExpectationValidationResult) -> Outcome:
    from cs_pipeline.quality.suites import SEVERITY_OF_GX

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
        missing_count=_plain(res_dict.get("missing_count")),
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
    np = sys.modules.get("numpy")  # a numpy value comes from a frame: numpy is imported then
    if np is not None and isinstance(value, np.datetime64):  # .item() gives nanoseconds
        import pandas as pd

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


def _sql_outcomes(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rules: Sequence[Rule],
    rows: int,
    as_of: dt.date | None,
    where: str | None,
    keys_not_as_read: dict[str, int],
) -> list[Outcome]:
    """Evaluate whole-table rules in DuckDB, with GX's semantics for the same expectations,
    on the ``rows`` rows that ``where`` selects (all when None).

    The rules are counted together (:func:`_sql_counts`): a clean table costs one
    aggregation per ``unique`` rule and one scan for the other row rules, instead of a scan
    per rule (at 10 M tickets 5 s of 6). The failing rows are looked up only on failure.
    """
    counts = _sql_counts(con, spec, rules, as_of, where, keys_not_as_read)
    return [
        _sql_outcome(con, spec, rule, rows, as_of, where, counts.get(rule.label))
        for rule in rules
    ]


# Row rules whose counts _sql_counts computes (single_value, row_count and reconcile are
# evaluated alone).
_COUNTED_KINDS = ("not_null", "unique", "in_set", "between", "references")


def _sql_counts(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rules: Sequence[Rule],
    as_of: dt.date | None,
    where: str | None,
    keys_not_as_read: dict[str, int],
) -> dict[str, tuple[int, int | None]]:
    """``(unexpected, values present)`` of each counted rule (present: None for
    ``not_null``, whose percentage is of all rows), in as few passes as the rules allow.

    - Each ``unique`` rule groups the rows by its columns; the same grouping counts the
      missing values of the ``not_null`` rules on one of those columns (the rows of the
      groups where that column is NULL), so a key's presence costs no scan of its own. It
      also counts the rows whose first key column is stored otherwise than validated (blank,
      spaces around it) into ``keys_not_as_read`` (:func:`_unique_appended` reads it): free,
      DuckDB computes the trimmed value once for both (10 M tickets: 4.35-4.90 s of CPU
      without it, 4.62-4.84 with it).
    - Every other counted rule is a ``count(*) FILTER`` of one scan of the table.
    """
    source = f"{spec.table}{f' WHERE {where}' if where else ''}"

    def value(rule: Rule, column: str) -> str:
        return spec.select_expression(spec.frame_column(rule, column))

    counted = [r for r in rules if r.kind in _COUNTED_KINDS]
    counts: dict[str, tuple[int, int | None]] = {}
    for rule in (r for r in counted if r.kind == "unique"):
        keys = [value(rule, c) for c in rule.columns]
        nulls = [
            (r, keys.index(value(r, r.columns[0])))
            for r in counted
            if r.kind == "not_null" and r.label not in counts and value(r, r.columns[0]) in keys
        ]
        present = " OR ".join(f"_k{i} IS NOT NULL" for i in range(len(keys)))
        aggregates = [
            f"coalesce(sum(_n) FILTER (WHERE _n > 1 AND ({present})), 0)",
            f"coalesce(sum(_n) FILTER (WHERE {present}), 0)",
            *(f"coalesce(sum(_n) FILTER (WHERE _k{i} IS NULL), 0)" for _, i in nulls),
        ]
        grouped = ", ".join(f"{k} AS _k{i}" for i, k in enumerate(keys))
        first = quote_ident(rule.columns[0])
        if keys[0] != first:
            grouped += f", count(*) FILTER (WHERE {first} IS DISTINCT FROM {keys[0]}) AS _p"
            aggregates.append("coalesce(sum(_p), 0)")
        found = con.execute(
            f"SELECT {', '.join(aggregates)} "
            f"FROM (SELECT {grouped}, count(*) AS _n FROM {source} GROUP BY ALL)"
        ).fetchone()
        if keys[0] != first:
            *found, not_as_read = found
            keys_not_as_read[rule.columns[0]] = int(not_as_read)
        unexpected, denominator, *missing = found
        counts[rule.label] = (int(unexpected), int(denominator))
        counts |= {r.label: (int(n), None) for (r, _), n in zip(nulls, missing, strict=True)}
    aggregates = []
    scanned = [r for r in counted if r.label not in counts]
    for rule in scanned:
        column = value(rule, rule.columns[0])
        if rule.kind == "not_null":
            aggregates.append(f"count(*) FILTER (WHERE {column} IS NULL)")
        else:
            allowed = _allowed_condition(rule, column, as_of)
            aggregates += [f"count(*) FILTER (WHERE NOT ({allowed}))", f"count({column})"]
    if scanned:
        found = iter(con.execute(f"SELECT {', '.join(aggregates)} FROM {source}").fetchone())
        for rule in scanned:
            counts[rule.label] = (
                (int(next(found)), None) if rule.kind == "not_null"
                else (int(next(found)), int(next(found)))
            )
    return counts


def _sql_outcome(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rule: Rule,
    rows: int,
    as_of: dt.date | None,
    where: str | None,
    counted: tuple[int, int | None] | None,
) -> Outcome:
    """One whole-table rule's outcome; ``counted`` is its ``(unexpected, values present)``
    from :func:`_sql_counts` (None for the rules evaluated here alone)."""
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
    cols = ", ".join(quote_ident(c) for c in rule.columns)
    shown = ", ".join(quote_ident(c) for c in dict.fromkeys((*spec.row_key, *rule.columns)))
    values = ", ".join(
        f"{spec.select_expression(spec.frame_column(rule, c))} AS {quote_ident(c)}"
        for c in dict.fromkeys((*spec.row_key, *rule.columns))
    )
    frame = f"(SELECT {values} FROM {spec.table}{f' WHERE {where}' if where else ''})"
    unexpected_values: list[dict[str, Any]] = []
    missing = None
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
    assert counted is not None  # every other kind is counted by _sql_counts
    if rule.kind == "not_null":
        bad = f"SELECT * FROM {frame} WHERE {cols} IS NULL"
        unexpected, denominator = counted[0], rows
        if unexpected:
            unexpected_values = [{"value": None, "count": unexpected}]
    elif rule.kind == "unique":  # every row whose value repeats, as GX counts it
        present = " OR ".join(f"{quote_ident(c)} IS NOT NULL" for c in rule.columns)
        groups = f"SELECT {cols}, count(*) AS _n FROM {frame} WHERE {present} GROUP BY ALL"
        unexpected, denominator = counted
        missing = rows - denominator
        repeated = f"SELECT * FROM ({groups}) WHERE _n > 1"
        if unexpected:
            unexpected_values = _group_counts(
                con, f"SELECT {cols}, _n FROM ({repeated}) ORDER BY _n DESC, {cols}"
            )
        same = " AND ".join(
            f"f.{quote_ident(c)} IS NOT DISTINCT FROM r.{quote_ident(c)}" for c in rule.columns
        )
        bad = f"SELECT f.* FROM {frame} AS f SEMI JOIN ({repeated}) AS r ON {same}"
    else:  # in_set, between, references: a present value outside what is allowed (GX ignores
        # missing values and counts the percentage among the present ones)
        allowed = _allowed_condition(rule, cols, as_of)
        bad = f"SELECT * FROM {frame} WHERE {cols} IS NOT NULL AND NOT ({allowed})"
        unexpected, denominator = counted
        missing = rows - denominator
        if unexpected:
            unexpected_values = _value_counts(con, f"SELECT {cols} FROM ({bad})", cols)
    failing_rows: list[dict[str, Any]] = []
    if unexpected:
        cursor = con.execute(
            f"SELECT {shown} FROM ({bad}) ORDER BY {_row_order(spec)} LIMIT {FAILING_ROWS}"
        )
        names = [d[0] for d in cursor.description]
        failing_rows = [
            {n: _plain(v) for n, v in zip(names, r, strict=True)} for r in cursor.fetchall()
        ]
    return Outcome(
        success=unexpected == 0,
        unexpected_count=int(unexpected),
        unexpected_percent=100.0 * unexpected / denominator if denominator else 0.0,
        missing_count=missing,
        unexpected_values=unexpected_values,
        failing_rows=failing_rows,
        **base,
    )


def _group_counts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """The first :data:`FAILING_ROWS` repeated values of ``sql`` (key columns, then the
    count), as GX reports the unexpected values of a uniqueness rule."""
    return [
        {"value": [_plain(v) for v in r[:-1]] if len(r) > 2 else _plain(r[0]), "count": r[-1]}
        for r in con.execute(f"{sql} LIMIT {FAILING_ROWS}").fetchall()
    ]


def _unique_appended(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    rule: Rule,
    appended: str,
    old: Outcome,
    new_rows: int,
    keys_not_as_read: dict[str, int],
) -> Outcome:
    """A ``unique`` rule's verdict once rows are appended, from its verdict ``old`` on the
    other rows: the appended rows' key values are counted, the rows holding the same values
    among the others are counted with a join on those values (the only pass over the rest
    of the table, on its first key column), and each value's rows count as GX counts them,
    all of them once the value repeats.

    ``keys_not_as_read`` counts, per first key column, the rows whose value as stored is not
    the value validated (``NULLIF(trim(x), '')`` of a raw table: blank, or spaces around it);
    it is updated here with the appended rows. A validation of the whole table counts it in
    its uniqueness grouping (:func:`_sql_counts`, above ``gx_max_rows``); otherwise it is
    counted here over the other rows the first night. While no other row has such a value,
    the other rows are looked up by the stored column as it is: normalizing 10 M ticket ids
    for it was about 1 s of the 1.8 s of CPU of a night's ticket checks (docs/performance.md,
    "Measured by hand").
    """
    keys = [quote_ident(c) for c in rule.columns]
    cols = ", ".join(keys)
    values = ", ".join(
        f"{spec.select_expression(spec.frame_column(rule, c))} AS {quote_ident(c)}"
        for c in dict.fromkeys((*spec.row_key, *rule.columns))
    )
    present = " OR ".join(f"{k} IS NOT NULL" for k in keys)

    def same(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in keys)

    # The earlier rows that can share a value with the appended rows: those whose first key
    # column, as read, is one of the appended rows' (or missing, if one of theirs is). Only
    # that column is read and normalized on the rest of the table; the other key columns
    # and the grouping only on the few rows that pass.
    first = quote_ident(rule.columns[0])
    first_value = spec.select_expression(spec.frame_column(rule, rule.columns[0]))
    if first_value != first:
        not_as_read = f"{first} IS DISTINCT FROM {first_value}"
        if rule.columns[0] not in keys_not_as_read:
            keys_not_as_read[rule.columns[0]] = con.execute(
                f"SELECT count(*) FROM {spec.table} WHERE NOT ({appended}) AND {not_as_read}"
            ).fetchone()[0]
        others = keys_not_as_read[rule.columns[0]]
        keys_not_as_read[rule.columns[0]] += con.execute(
            f"SELECT count(*) FROM {spec.table} WHERE ({appended}) AND {not_as_read}"
        ).fetchone()[0]
        if not others:  # every other row's value is the one validated: no need to normalize
            first_value = first
    candidate = (
        f"{first_value} IN (SELECT d.{first} FROM d) "
        f"OR ({first_value} IS NULL AND EXISTS (SELECT 1 FROM d WHERE d.{first} IS NULL))"
    )
    groups = f"""
        WITH d AS (
            SELECT {cols}, count(*) AS _new
            FROM (SELECT {values} FROM {spec.table} WHERE {appended}) WHERE {present}
            GROUP BY ALL
        ),
        r AS (
            SELECT {values}, ({appended}) AS _appended FROM {spec.table}
            WHERE ({appended}) OR ({candidate})
        ),
        o AS (
            SELECT {cols}, count(*) AS _old FROM r SEMI JOIN d ON {same('r', 'd')}
            WHERE NOT r._appended GROUP BY ALL
        ),
        g AS (
            SELECT d.*, coalesce(o._old, 0) AS _old, d._new + coalesce(o._old, 0) AS _n
            FROM d LEFT JOIN o ON {same('d', 'o')}
        )
    """
    added, present_rows = con.execute(
        f"{groups} SELECT coalesce(sum(CASE WHEN _n > 1 THEN _n ELSE 0 END "
        f"- CASE WHEN _old > 1 THEN _old ELSE 0 END), 0), coalesce(sum(_new), 0) FROM g"
    ).fetchone()
    unexpected = (old.unexpected_count or 0) + int(added)
    element_count = (old.element_count or 0) + new_rows
    denominator = _denominator(old) + int(present_rows)
    unexpected_values, failing_rows = old.unexpected_values, old.failing_rows
    if added:
        touched = _group_counts(
            con, f"{groups} SELECT {cols}, _n FROM g WHERE _n > 1 ORDER BY _n DESC, {cols}"
        )
        # A touched value's count is its new total: it replaces the earlier one.
        replaced = {json.dumps(v["value"], default=str) for v in touched}
        unexpected_values = _top_values(touched, [
            v for v in old.unexpected_values
            if json.dumps(v["value"], default=str) not in replaced
        ])
        # New failing rows: the appended rows of a repeated value, and the earlier row of a
        # value that repeats only now (the earlier rows of a value already repeated were
        # counted before).
        shown = ", ".join(
            f"f.{quote_ident(c)}" for c in dict.fromkeys((*spec.row_key, *rule.columns))
        )
        cursor = con.execute(
            f"{groups} SELECT {shown} FROM r AS f JOIN g ON {same('f', 'g')} "
            f"WHERE g._n > 1 AND (f._appended OR g._old = 1) "
            f"ORDER BY {_row_order(spec, 'f.')} LIMIT {FAILING_ROWS}"
        )
        names = [d[0] for d in cursor.description]
        failing_rows = _first_rows(spec, old.failing_rows, [
            {n: _plain(v) for n, v in zip(names, r, strict=True)} for r in cursor.fetchall()
        ])
    return replace(
        old,
        success=unexpected == 0 and old.error is None,
        element_count=element_count,
        unexpected_count=unexpected,
        unexpected_percent=_percent(old, unexpected, denominator),
        missing_count=element_count - denominator,
        unexpected_values=unexpected_values,
        failing_rows=failing_rows,
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
    extra_metadata: Mapping[str, Any] | None = None,
) -> dg.AssetCheckResult:
    """The Dagster check result for the rules of one severity: passed when all of them hold.

    Metadata shows, per failed rule, the unexpected count and a few failing rows with where
    each is (a raw row: its file and row number, :func:`_row_location`); ``results`` holds every
    rule's verdict (observed value, counts, rows) as JSON. The description names the same rows.
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
    metadata |= extra_metadata or {}
    summary = (
        f"{len(failed)} of {len(outcomes)} {severity} rule(s) failed: "
        + "; ".join(f"{o.rule} ({_count_text(o)}{_located(spec, o)})" for o in failed)
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


def _row_location(spec: TableSpec, row: dict[str, Any]) -> str:
    """Where a failing row is: ``support/tickets/2026-11-02.jsonl row 2`` for a raw table's
    row (its file, then its row number in that file), else the row id's value."""
    if spec.part_column is None:
        return str(row.get(spec.row_id))
    return f"{row.get(spec.part_column)} row {row.get(spec.row_id)}"


def _located(spec: TableSpec, outcome: Outcome) -> str:
    """``: <where the first failing rows are>`` of a rule whose rows say where they are (not
    a reconciliation's: keys, in the metadata's table with their figures)."""
    if outcome.kind == "reconcile" or not outcome.failing_rows:
        return ""
    shown = ", ".join(_row_location(spec, row) for row in outcome.failing_rows)
    more = ", ..." if (outcome.unexpected_count or 0) > len(outcome.failing_rows) else ""
    return f": {shown}{more}"


def _row_text(spec: TableSpec, outcome: Outcome, row: dict[str, Any]) -> str:
    """``where: value[ / value]``; a reconciliation's rows also say what was expected."""
    if outcome.kind == "reconcile":
        values = [str(v) for k, v in row.items() if k not in (spec.row_id, "expected")]
        return f"{row.get(spec.row_id)}: {' / '.join(values)} (expected {row.get('expected')})"
    where = _row_location(spec, row)
    values = [str(row.get(c)) for c in outcome.columns if c not in spec.row_key]
    return f"{where}: " + " / ".join(values) if values else where


def failures_markdown(spec: TableSpec, failed: Sequence[Outcome]) -> str:
    """A table for the Dagster UI: one line per failed rule, with where to find the rows."""
    where = "file row number" if spec.part_column else spec.row_id
    lines = [
        f"| rule | unexpected | failing rows ({where}: value) |",
        "| --- | --- | --- |",
    ]
    for o in failed:
        examples = ", ".join(_row_text(spec, o, row) for row in o.failing_rows)
        cells = [o.rule, _count_text(o), examples]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
