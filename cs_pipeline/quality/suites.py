"""Great Expectations suites built from cs360's declared rules: pure functions, no I/O.

Each :class:`~cs_pipeline.quality.rules.Rule` becomes one GX 1.x expectation that carries
the rule's severity as GX's own ``severity`` (CRITICAL for ERROR, WARNING for WARN) and, in
``meta``, the rule's kind, label and the table columns it is about, so results can be
reported in the rule's words even where the frame column is derived (``Score__c::number``).
"""

from __future__ import annotations

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


def expectation(spec: TableSpec, rule: Rule) -> gxe.Expectation:
    """The GX expectation that checks one rule on the frame the runner reads for ``spec``."""
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
    raise ValueError(f"no expectation for rule kind {rule.kind!r}")


def build_suite(spec: TableSpec) -> gx.ExpectationSuite:
    """The GX suite of one table, one expectation per rule, in the rules' order."""
    return gx.ExpectationSuite(
        name=spec.name, expectations=[expectation(spec, r) for r in spec.rules]
    )


def raw_suite(extract: Extract) -> gx.ExpectationSuite:
    """The suite of one raw table: the registry's key plus the contract's rules for the file."""
    return build_suite(raw_table_spec(extract))
