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
import json
import logging
from collections.abc import Collection, Iterable, Iterator, Sequence

import dagster as dg

from cs_pipeline.config import RETRY_POLICY, CsConfig, CsSettings, connect
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

    checks = [
        (severity, dg.AssetCheckKey(key, CHECK_NAMES[severity]))
        for severity in Severity
        if any(r.severity is severity for r in spec.rules)
    ]
    checks = [(s, k) for s, k in checks if selected is None or k in selected]
    if not checks:
        return []
    validation = validate_table(spec, settings.build_warehouse, as_of=settings.as_of)
    log.info(
        f"{spec.table}: {len(validation.outcomes)} rules on {validation.rows_validated}"
        f" of {validation.rows} rows in {validation.seconds:.2f}s"
    )
    return [check_result(validation, s, asset_key=key, check_name=k.name) for s, k in checks]


# A raw table's check results, kept to be reported again while the table stays unchanged.
CHECK_RESULTS = f"{RAW_SCHEMA}._check_results"


def raw_check_results(
    spec: TableSpec,
    key: dg.AssetKey,
    settings: CsSettings,
    log: logging.Logger | dg.DagsterLogManager,
    loaded_at: dt.datetime,
) -> list[dg.AssetCheckResult]:
    """:func:`table_check_results` of a raw table, validated once per load, as-of date and rule
    set: the results are a function of those three (the rules read their own table and the
    as-of date only), so a table kept unchanged by the ingest is not validated again on the
    same as-of date; the results recorded at its validation are reported again, saying so.
    """
    rules = hashlib.sha256(repr(spec.rules).encode()).hexdigest()
    where = "table_name = ? AND loaded_at = ? AND as_of_date = ? AND rules = ?"
    params = [spec.table, loaded_at, settings.as_of, rules]
    with connect(settings.build_warehouse) as con:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {CHECK_RESULTS} (table_name VARCHAR NOT NULL, "
            "loaded_at TIMESTAMP NOT NULL, as_of_date DATE NOT NULL, rules VARCHAR NOT NULL, "
            "checked_at TIMESTAMP NOT NULL, results VARCHAR NOT NULL)"
        )
        found = con.execute(
            f"SELECT checked_at, results FROM {CHECK_RESULTS} WHERE {where}", params
        ).fetchone()
    if found is not None:
        log.info(f"{spec.table}: unchanged since its validation at {found[0]}: its results "
                 "are reported again")
        note = {"validated_at": dg.MetadataValue.text(
            f"{found[0]} (table unchanged since: not validated again)")}
        return [
            dg.AssetCheckResult(
                asset_key=key, check_name=name, passed=passed,
                severity=dg.AssetCheckSeverity(severity), description=description,
                metadata={**dg.deserialize_value(metadata, dict), **note},
            )
            for name, passed, severity, description, metadata in json.loads(found[1])
        ]
    results = table_check_results(spec, key, settings, log)
    stored = json.dumps([
        (r.check_name, r.passed, r.severity.value, r.description,
         dg.serialize_value(dict(r.metadata)))
        for r in results
    ])
    with connect(settings.build_warehouse) as con:
        con.execute(f"DELETE FROM {CHECK_RESULTS} WHERE table_name = ?", [spec.table])
        con.execute(f"INSERT INTO {CHECK_RESULTS} VALUES (?, ?, ?, ?, ?, ?)",
                    [*params, dt.datetime.now(dt.UTC).replace(tzinfo=None), stored])
    return results


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

