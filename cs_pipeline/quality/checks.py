"""Dagster asset checks generated from the quality rules: one step per layer.

- Raw tables (one ``gx_raw`` step for all 15): per table, ``gx_errors`` (``blocking=True``,
  severity ERROR: a key missing or repeated, which would make joins and deduplication wrong:
  Dagster skips everything downstream, nothing is built or published) and ``gx_warnings``
  (severity WARN, not blocking: formats, enumerations and ranges, with the failing rows).
  The rules are generated from each extract's declaration in cs_pipeline/sources.py.
- Marts (one ``gx_marts`` step): the reconciliations of ``marts.customer_360`` (blocking).

One step per layer rather than one per table: a Dagster step costs about as much as a small
table's whole suite. The Great Expectations import (seconds) happens inside the step, when a
check runs, not when the code location loads. Staging guarantees are dbt tests (the models'
YAML), evaluated by ``dbt build``: not proved again here.
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from cs_pipeline.config import CsConfig
from cs_pipeline.quality.model_rules import mart_specs, model_asset_key
from cs_pipeline.quality.rules import Severity, TableSpec, raw_table_spec
from cs_pipeline.sources import EXTRACTS

ERROR_CHECK = "gx_errors"
WARN_CHECK = "gx_warnings"
CHECK_NAMES = {Severity.ERROR: ERROR_CHECK, Severity.WARN: WARN_CHECK}


def _describe(spec: TableSpec, severity: Severity) -> str:
    rules = [r.label for r in spec.rules if r.severity is severity]
    kind = "Blocks downstream assets when" if severity is Severity.ERROR else "Warns when"
    return f"{kind} a rule of `{spec.table}` fails: " + "; ".join(rules) + "."


def quality_checks(
    name: str, tables: Sequence[tuple[TableSpec, dg.AssetKey]], reads: Sequence[dg.AssetKey] = ()
) -> dg.AssetChecksDefinition:
    """One step checking several tables: per table, a check per severity it has rules of.

    ``reads`` are the assets of other tables the rules read (reconciliations): the lineage
    shows them, and the check waits for them.
    """
    own = {key for _, key in tables}
    specs = [
        dg.AssetCheckSpec(
            CHECK_NAMES[severity],
            asset=key,
            blocking=severity is Severity.ERROR,
            description=_describe(spec, severity),
            metadata={"severity": severity.value, "table": spec.table},
            additional_deps=[k for k in reads if k not in own],
        )
        for spec, key in tables
        for severity in Severity
        if any(r.severity is severity for r in spec.rules)
    ]

    # can_subset: a run that selects some of the tables checks only those.
    @dg.multi_asset_check(name=name, specs=specs, can_subset=True)
    def _checks(
        context: dg.AssetCheckExecutionContext, cs_config: CsConfig
    ) -> Iterator[dg.AssetCheckResult]:
        from cs_pipeline.quality.runner import check_result, validate_table

        settings = cs_config.settings
        selected = context.selected_asset_check_keys
        for spec, key in tables:
            checks = [
                (severity, dg.AssetCheckKey(key, CHECK_NAMES[severity]))
                for severity in Severity
                if any(r.severity is severity for r in spec.rules)
            ]
            checks = [(severity, k) for severity, k in checks if k in selected]
            if not checks:
                continue
            validation = validate_table(spec, settings.build_warehouse, as_of=settings.as_of)
            context.log.info(
                f"{spec.table}: {len(validation.outcomes)} rules on {validation.rows_validated}"
                f" of {validation.rows} rows in {validation.seconds:.2f}s"
            )
            for severity, check_key in checks:
                yield check_result(
                    validation, severity, asset_key=key, check_name=check_key.name
                )

    return _checks


raw_checks: list[dg.AssetChecksDefinition] = [
    quality_checks("gx_raw", [(raw_table_spec(e), dg.AssetKey(e.asset_key)) for e in EXTRACTS])
]

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

