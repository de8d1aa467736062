"""Great Expectations suites built from cs360's declared rules: pure functions, no I/O.

Each :class:`~cs_pipeline.quality.rules.Rule` becomes one GX 1.x expectation that carries
the rule's severity as GX's own ``severity`` (CRITICAL for ERROR, WARNING for WARN) and, in
``meta``, the rule's kind, label and the table columns it is about, so results can be
reported in the rule's words even where the frame column is derived (``Score__c::number``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity

from cs_pipeline.quality.rules import Rule, Severity, TableSpec, raw_table_spec
from cs_pipeline.sources import Extract

GX_SEVERITY: dict[Severity, FailureSeverity] = {
    Severity.ERROR: FailureSeverity.CRITICAL,
    Severity.WARN: FailureSeverity.WARNING,
}
SEVERITY_OF_GX: dict[FailureSeverity, Severity] = {v: k for k, v in GX_SEVERITY.items()}
NEEDS_WAREHOUSE = ("references", "reconcile")  # rule kinds that read other tables


def expectation(
    spec: TableSpec, rule: Rule, value_set: Sequence[Any] | None = None
) -> gxe.Expectation:
    """The GX expectation that checks one rule on the frame the runner reads for ``spec``.

    A ``references`` rule needs its ``value_set``, read from the warehouse by the runner. A
    ``reconcile`` rule has no GX expectation: it compares tables, which only SQL can.
    """
    common = {
        "severity": GX_SEVERITY[rule.severity],
        "description": rule.label,
        "meta": {"kind": rule.kind, "rule": rule.label, "columns": list(rule.columns)},
    }
    cols = [spec.frame_column(rule, c) for c in rule.columns]
    match rule.kind:
        case "row_count":
            return gxe.ExpectTableRowCountToBeBetween(min_value=rule.min_rows, **common)
        case "not_null":
            return gxe.ExpectColumnValuesToNotBeNull(column=cols[0], **common)
        case "unique" if len(cols) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=cols[0], **common)
        case "unique":
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=cols, **common)
        case "in_set":
            return gxe.ExpectColumnValuesToBeInSet(
                column=cols[0], value_set=list(rule.values), **common
            )
        case "matches":
            assert rule.pattern is not None
            return gxe.ExpectColumnValuesToMatchRegex(
                column=cols[0], regex=rule.pattern.regex, **common
            )
        case "between":
            assert rule.range is not None
            return gxe.ExpectColumnValuesToBeBetween(
                column=cols[0],
                min_value=rule.range.min,
                max_value=rule.range.max,
                strict_min=rule.range.strict_min,
                **common,
            )
        case "single_value":
            return gxe.ExpectColumnUniqueValueCountToBeBetween(
                column=cols[0], max_value=1, **common
            )
        case "references":
            if value_set is None:
                raise ValueError(f"rule {rule.label!r} needs the values its reference reads")
            return gxe.ExpectColumnValuesToBeInSet(
                column=cols[0], value_set=list(value_set), **common
            )
    raise ValueError(f"no expectation for rule kind {rule.kind!r}")


def build_suite(spec: TableSpec) -> gx.ExpectationSuite:
    """The GX suite of one table, one expectation per rule, in the rules' order.

    Rules GX cannot evaluate on its own (references, reconciliations) are left out: they
    need the warehouse, and the runner evaluates them there.
    """
    return gx.ExpectationSuite(
        name=spec.name,
        expectations=[expectation(spec, r) for r in spec.rules if r.kind not in NEEDS_WAREHOUSE],
    )


def raw_suite(extract: Extract) -> gx.ExpectationSuite:
    """The suite of one raw table: the registry's key plus the contract's rules for the file."""
    return build_suite(raw_table_spec(extract))
