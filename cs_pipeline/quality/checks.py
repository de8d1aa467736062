"""Dagster asset checks generated from the quality rules.

- Raw tables: per table, ``gx_errors`` (severity ERROR: a key missing or repeated, which
  would make joins and deduplication wrong) and ``gx_warnings`` (severity WARN: formats,
  enumerations and ranges, with the failing rows), evaluated in the raw asset's own step right
  after the load (cs_pipeline/ingest.py). A failed ``gx_errors`` *stops downstream*: the asset
  withholds its output, so Dagster shows everything that depends on it as skipped (not run,
  stale) while the one failed check shows where it failed, and nothing is built or published.
  The rules are generated from each extract's declaration in cs_pipeline/sources.py.
- Marts (one ``gx_marts`` step): the reconciliations of ``marts.customer_360`` (blocking in
  Dagster's sense: only the publish follows them).

The Great Expectations import (seconds) happens when a check runs, not when the code location
loads. Staging guarantees are dbt tests (the models' YAML), evaluated by ``dbt build``: not
proved again here.
"""

import datetime as dt
import hashlib
import logging
from collections.abc import Collection, Iterable, Iterator, Sequence

import dagster as dg
import duckdb

from cs_pipeline.config import (
    RETRY_POLICY,
    CsConfig,
    CsSettings,
    connect,
    stop_on_interrupt,
    table_columns,
)
from cs_pipeline.quality.model_rules import mart_specs, model_asset_key
from cs_pipeline.quality.rules import Severity, TableSpec
from cs_pipeline.sources import RAW_SCHEMA

ERROR_CHECK = "gx_errors"
WARN_CHECK = "gx_warnings"
CHECK_NAMES = {Severity.ERROR: ERROR_CHECK, Severity.WARN: WARN_CHECK}
# Metadata of a raw check whose ERROR stops everything downstream (the asset withholds its
# output, Dagster skips what depends on it) instead of failing the run.
STOPS_DOWNSTREAM = "stops_downstream"


def stopping_check_spec(
    name: str, asset_key: Sequence[str], description: str, **metadata: object
) -> dg.AssetCheckSpec:
    """A raw asset's check whose ERROR stops everything downstream. Not Dagster-blocking
    (that fails the run and marks everything downstream failed): the raw asset withholds its
    output (ingest.py), so Dagster skips what depends on it."""
    return dg.AssetCheckSpec(
        name,
        asset=dg.AssetKey(list(asset_key)),
        description=description,
        metadata={**metadata, STOPS_DOWNSTREAM: True},
    )


def _describe(spec: TableSpec, severity: Severity, *, stops: str) -> str:
    rules = [r.label for r in spec.rules if r.severity is severity]
    kind = f"{stops} when" if severity is Severity.ERROR else "Warns when"
    return f"{kind} a rule of `{spec.table}` fails: " + "; ".join(rules) + "."


def table_check_specs(
    spec: TableSpec,
    key: dg.AssetKey,
    *,
    blocking: bool = True,
    reads: Sequence[dg.AssetKey] = (),
) -> list[dg.AssetCheckSpec]:
    """A check per severity ``spec`` has rules of.

    ``blocking``: Dagster's blocking (a failed ERROR fails the step; used for the marts). A
    raw table's ERROR check is not blocking in Dagster's sense but *stops downstream*: its
    asset then withholds its output (see :func:`stopping_failures`), so what depends on it is
    skipped, not failed.
    """
    stops = "Blocks downstream assets" if blocking else "Stops everything downstream (skipped)"
    return [
        dg.AssetCheckSpec(
            CHECK_NAMES[severity],
            asset=key,
            blocking=blocking and severity is Severity.ERROR,
            description=_describe(spec, severity, stops=stops),
            metadata={
                "severity": severity.value,
                "table": spec.table,
                STOPS_DOWNSTREAM: not blocking and severity is Severity.ERROR,
            },
            additional_deps=list(reads),
        )
        for severity in Severity
        if any(r.severity is severity for r in spec.rules)
    ]


def _checks_of(spec: TableSpec, key: dg.AssetKey) -> list[tuple[Severity, dg.AssetCheckKey]]:
    return [
        (severity, dg.AssetCheckKey(key, CHECK_NAMES[severity]))
        for severity in Severity
        if any(r.severity is severity for r in spec.rules)
    ]


def table_check_results(
    spec: TableSpec,
    key: dg.AssetKey,
    settings: CsSettings,
    log: logging.Logger | dg.DagsterLogManager,
    selected: Collection[dg.AssetCheckKey] | None = None,
) -> list[dg.AssetCheckResult]:
    """Validate one table (the GX import happens here, when a check runs) and report a
    result per selected check of :func:`table_check_specs`."""
    from cs_pipeline.quality.runner import check_result, validate_table

    checks = [(s, k) for s, k in _checks_of(spec, key) if selected is None or k in selected]
    if not checks:
        return []
    validation = validate_table(spec, settings.build_warehouse, as_of=settings.as_of)
    log.info(
        f"{spec.table}: {len(validation.outcomes)} rules on {validation.rows_validated}"
        f" of {validation.rows} rows in {validation.seconds:.2f}s"
    )
    return [check_result(validation, s, asset_key=key, check_name=k.name) for s, k in checks]


# A raw table's latest validation (rows, counts and failing rows per rule), to be reported
# again while the table stays unchanged and added to when rows are appended.
CHECK_RESULTS = f"{RAW_SCHEMA}._check_results"
# The shape of a recorded validation, part of its key: a record of another shape (before 2,
# failing rows without their file) is validated again rather than added to.
RECORD_FORMAT = 2


def _ensure_check_results(con: duckdb.DuckDBPyConnection) -> None:
    columns = table_columns(con, CHECK_RESULTS)
    if columns is not None and "validation" not in columns:  # as an older cs360 kept them
        con.execute(f"DROP TABLE {CHECK_RESULTS}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {CHECK_RESULTS} (table_name VARCHAR NOT NULL, "
        "loaded_at TIMESTAMP NOT NULL, as_of_date DATE, rules VARCHAR NOT NULL, "
        "checked_at TIMESTAMP NOT NULL, validation VARCHAR NOT NULL)"
    )


def raw_check_results(
    spec: TableSpec,
    key: dg.AssetKey,
    settings: CsSettings,
    log: logging.Logger | dg.DagsterLogManager,
    loaded_at: dt.datetime,
) -> list[dg.AssetCheckResult]:
    """:func:`table_check_results` of a raw table, validated once per load and rule set (and
    as-of date, if a rule reads it): the results are a function of those (the rules read
    their own table, and the as-of date only where their SQL names it).

    - A table kept unchanged is not validated again: the validation recorded at its load is
      reported again, saying so.
    - A table rows were appended to (ticket delta files) is validated on the appended rows
      only (``_loaded_at`` after the recorded validation's load), their verdicts added to the
      recorded ones (runner.validate_table): the same verdicts and counts as a validation of
      the whole table.
    - Otherwise (a table reloaded whole, new rules) the whole table is validated.
    """
    from cs_pipeline.quality.runner import TableValidation, check_result, validate

    rules = hashlib.sha256(repr((RECORD_FORMAT, spec.rules)).encode()).hexdigest()
    reads_as_of = any(
        "{as_of}" in other.sql
        for r in spec.rules
        if (other := r.reference or r.reconciliation) is not None
    )
    as_of = settings.as_of if reads_as_of else None
    note = {}
    with connect(settings.build_warehouse) as con:
        _ensure_check_results(con)
        found = con.execute(
            f"SELECT loaded_at, checked_at, validation FROM {CHECK_RESULTS} WHERE table_name = ? "
            "AND rules = ? AND as_of_date IS NOT DISTINCT FROM ?",
            [spec.table, rules, as_of],
        ).fetchone()
        if found is not None and found[0] == loaded_at:  # the ingest logged "not reloaded"
            validation = TableValidation.from_json(spec, found[2])
            note = {"validated_at": dg.MetadataValue.text(
                f"{found[1]} (table unchanged since: not validated again)")}
        else:
            previous = None
            if found is not None and found[0] < loaded_at:
                previous = TableValidation.from_json(spec, found[2])
            validation = validate(
                con,
                spec,
                as_of=settings.as_of,
                previous=previous,
                appended=None if previous is None else f"_loaded_at > {_timestamp(found[0])}",
            )
            log.info(
                f"{spec.table}: {len(validation.outcomes)} rules on "
                f"{validation.rows_validated} of {validation.rows} rows in "
                f"{validation.seconds:.2f}s"
            )
            if validation.rows_carried:  # found: the validation the verdicts were added to
                carried = validation.rows_carried
                note = {
                    "rows_carried_over": dg.MetadataValue.int(carried),
                    "validated_at": dg.MetadataValue.text(
                        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} for the "
                        f"{validation.rows - carried} row(s) appended; the counts of the "
                        f"{carried} row(s) loaded before them are carried over from the "
                        f"validation at {found[1]:%Y-%m-%d %H:%M:%S} (not read again)"
                    ),
                }
            con.execute(f"DELETE FROM {CHECK_RESULTS} WHERE table_name = ?", [spec.table])
            con.execute(
                f"INSERT INTO {CHECK_RESULTS} VALUES (?, ?, ?, ?, ?, ?)",
                [spec.table, loaded_at, as_of, rules,
                 dt.datetime.now(dt.UTC).replace(tzinfo=None), validation.to_json()],
            )
    return [
        check_result(validation, s, asset_key=key, check_name=k.name, extra_metadata=note)
        for s, k in _checks_of(spec, key)
    ]


def _timestamp(value: dt.datetime) -> str:
    return f"TIMESTAMP '{value.isoformat(sep=' ')}'"


def stopping_failures(results: Iterable[dg.AssetCheckResult]) -> list[dg.AssetCheckResult]:
    """The failed ERROR results among a raw asset's own checks: each one stops downstream."""
    return [
        r for r in results if not r.passed and r.severity is dg.AssetCheckSeverity.ERROR
    ]


def quality_checks(
    name: str, tables: Sequence[tuple[TableSpec, dg.AssetKey]], reads: Sequence[dg.AssetKey] = ()
) -> dg.AssetChecksDefinition:
    """One step checking several tables: per table, a check per severity it has rules of.

    ``reads`` are the assets of other tables the rules read (reconciliations): the lineage
    shows them, and the check waits for them.
    """
    own = {key for _, key in tables}
    specs = [
        check_spec
        for spec, key in tables
        for check_spec in table_check_specs(spec, key, reads=[k for k in reads if k not in own])
    ]

    # can_subset: a run that selects some of the tables checks only those.
    @dg.multi_asset_check(name=name, specs=specs, can_subset=True, retry_policy=RETRY_POLICY)
    def _checks(
        context: dg.AssetCheckExecutionContext, cs_config: CsConfig
    ) -> Iterator[dg.AssetCheckResult]:
        with stop_on_interrupt(context.run.run_id, name):
            for spec, key in tables:
                yield from table_check_results(
                    spec, key, cs_config.settings, context.log, context.selected_asset_check_keys
                )

    return _checks


# On the marts: evaluated once `dbt build` has built them all, so a failing check cannot stop
# the marts of that step, only what follows it: the publish.
mart_checks: list[dg.AssetChecksDefinition] = [
    quality_checks(
        "gx_marts",
        [(s, dg.AssetKey(model_asset_key(s.table))) for s in mart_specs()],
        reads=[
            dg.AssetKey(model_asset_key(t))
            for t in sorted({t for s in mart_specs() for r in s.rules for t in r.reads})
        ],
    )
]

