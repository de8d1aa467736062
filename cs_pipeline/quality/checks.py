"""Dagster asset checks generated from the quality rules: two checks per table.

- ``gx_errors`` (``blocking=True``, severity ERROR): the structural rules. When one fails,
  Dagster skips every asset downstream of the table in the run, so nothing is built, and
  nothing published, on data that cannot be joined or deduplicated correctly.
- ``gx_warnings`` (severity WARN, not blocking): the row-level rules. A failure is shown on
  the asset with the failing rows; the run goes on.

Both come from one op per table that reads the table once and runs its whole suite. The
Great Expectations import (seconds) happens inside the op, when a check runs, not when the
code location loads. Any table plugs in with :func:`quality_checks` and a
:class:`~cs_pipeline.quality.rules.TableSpec`: the raw tables here, the staging models and the
marts from ``model_rules.py`` (on their dbt assets ``[schema, model]``).
"""

from collections.abc import Iterable, Iterator, Sequence

import dagster as dg

from cs_pipeline.config import CsConfig
from cs_pipeline.quality.model_rules import mart_specs, model_asset_key, staging_specs
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
    spec: TableSpec, asset_key: dg.AssetKey, reads: Sequence[dg.AssetKey] = ()
) -> dg.AssetChecksDefinition:
    """The ``gx_errors`` and ``gx_warnings`` checks of one table's asset.

    ``reads`` are the assets of other tables the rules read (references, reconciliations):
    the lineage shows them, and the check waits for them.
    """

    @dg.multi_asset_check(
        name="gx_" + spec.name.replace(".", "__"),
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAMES[severity],
                asset=asset_key,
                blocking=severity is Severity.ERROR,
                description=_describe(spec, severity),
                metadata={"severity": severity.value, "table": spec.table},
                additional_deps=[k for k in reads if k != asset_key],
            )
            for severity in Severity
        ],
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, cs_config: CsConfig
    ) -> Iterator[dg.AssetCheckResult]:
        from cs_pipeline.quality.runner import check_result, validate_table

        settings = cs_config.settings
        validation = validate_table(spec, settings.build_warehouse, as_of=settings.as_of)
        context.log.info(
            f"{spec.table}: {len(validation.outcomes)} rules on {validation.rows_validated} of "
            f"{validation.rows} rows in {validation.seconds:.2f}s"
        )
        for severity in Severity:
            yield check_result(
                validation, severity, asset_key=asset_key, check_name=CHECK_NAMES[severity]
            )

    return _checks


raw_checks: list[dg.AssetChecksDefinition] = [
    quality_checks(raw_table_spec(e), dg.AssetKey(e.asset_key)) for e in EXTRACTS
]


def _model_checks(spec: TableSpec) -> dg.AssetChecksDefinition:
    reads = {table for rule in spec.rules for table in rule.reads}
    return quality_checks(
        spec,
        dg.AssetKey(model_asset_key(spec.table)),
        reads=[dg.AssetKey(model_asset_key(t)) for t in sorted(reads)],
    )


# On the dbt models: evaluated once `dbt build` has built them all (one step), so a failing
# staging check cannot stop the marts of that step, only what follows it: the publish.
staging_checks: list[dg.AssetChecksDefinition] = [_model_checks(s) for s in staging_specs()]
mart_checks: list[dg.AssetChecksDefinition] = [_model_checks(s) for s in mart_specs()]


def blocking_checked_assets(checks: Iterable[dg.AssetChecksDefinition]) -> list[dg.AssetKey]:
    """The assets some of ``checks`` block downstream of: what publishing must depend on for
    those checks to stop it (Dagster blocks only the direct dependents of a checked asset)."""
    keys = {spec.asset_key for c in checks for spec in c.check_specs if spec.blocking}
    return sorted(keys, key=lambda k: k.to_user_string())
