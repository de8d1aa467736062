"""The data-quality rules of cs360, declared as data (no Great Expectations import here).

A :class:`Rule` says what must hold for a column and how bad it is when it does not:

- ``ERROR`` rules are *structural*: a key that is missing or repeated (where the source
  promises it is unique), or a value the pipeline cannot do without. The data cannot be
  joined or deduplicated correctly, so the check blocks everything downstream.
- ``WARN`` rules are *row-level*: a value outside its enumeration or range, or text that
  does not parse as the date, timestamp, number or id it should be. Staging quarantines
  such a row (``stg_<source>__quarantine``); the run goes on and the check shows
  which rows, by ``_row_number``, so a user can find them in the delivered file.

The raw rules are generated from the one declaration of each extract in
:mod:`cs_pipeline.sources` (its key and its ``QUALITY`` entry): :func:`raw_rules`. The GX
suites (``suites.py``), the runner and the Dagster checks are generated from them. A mart
plugs in the same way (``model_rules.py``) with a :class:`Reconciliation` (a mart's total
against the same figure computed independently from staging and intermediate models).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from cs_pipeline.config import quote_ident
from cs_pipeline.sources import Extract, quality


class Severity(StrEnum):
    ERROR = "ERROR"  # structural: blocks downstream assets
    WARN = "WARN"  # row-level bad values: reported, downstream goes on


@dataclass(frozen=True)
class Pattern:
    """A regular expression with the name a user reads in the check's results."""

    name: str
    regex: str


# Day of month valid for its month; 29 February is accepted in any year (no leap-year test).
_MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31"
    r"|02-29)"
)
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?"
_ZONE = r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)"

DATE = Pattern("a date YYYY-MM-DD", rf"^\d{{4}}-{_MONTH_DAY}$")
# ISO 8601 as Salesforce (.000+0000) and Zendesk (Z) write it; the zone may be absent (local
# time) and a space may stand for the T, as exports from other tools often do.
TIMESTAMP = Pattern("an ISO 8601 timestamp", rf"^\d{{4}}-{_MONTH_DAY}[T ]{_TIME}{_ZONE}?$")
MONTH = Pattern("a month YYYY-MM", r"^\d{4}-(?:0[1-9]|1[0-2])$")
INTEGER = Pattern("an integer", r"^[+-]?\d+$")
DECIMAL = Pattern("a decimal number", r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
SFDC_ID_18 = Pattern("an 18-character Salesforce id", r"^[A-Za-z0-9]{18}$")
SFDC_ID = Pattern("a 15- or 18-character Salesforce id", r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
ZENDESK_ID = Pattern("a Zendesk id (digits)", r"^\d+$")
CUSTOMER_NUMBER = Pattern("an ERP customer number C-<digits>", r"^C-\d+$")
CURRENCY = Pattern("an ISO 4217 currency code", r"^[A-Z]{3}$")
EMAIL = Pattern("an e-mail address", r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
VERSION = Pattern(
    "a version MAJOR.MINOR[.PATCH][-suffix]", r"^\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?$"
)

BOOLEAN = ("true", "false")


@dataclass(frozen=True)
class Range:
    """Bounds of a numeric value; ``None`` leaves a side open."""

    min: float | None = None
    max: float | None = None
    strict_min: bool = False  # min itself excluded (e.g. an exchange rate > 0)

    def describe(self) -> str:
        if self.min is not None and self.max is not None and not self.strict_min:
            return f"between {self.min:g} and {self.max:g}"
        low = "" if self.min is None else f"{'>' if self.strict_min else '>='} {self.min:g}"
        high = "" if self.max is None else f"<= {self.max:g}"
        return " and ".join(p for p in (low, high) if p)


@dataclass(frozen=True)
class Reference:
    """Values a column may take that only the warehouse knows (e.g. currencies with a rate).

    ``sql`` selects them, one column, from tables of the build warehouse; ``{as_of}`` in it
    stands for the run's as-of date (a DATE literal). The runner reads them when the check
    runs, so the GX expectation is an ordinary value-set one.
    """

    name: str  # completes the label: "<column> <name>", e.g. "has an fx rate ..."
    sql: str
    reads: tuple[str, ...]  # the tables ``sql`` reads: the check's upstream dbt models


@dataclass(frozen=True)
class Reconciliation:
    """A total of the table that must equal the same figure computed independently in SQL.

    ``sql`` returns ``(key, value)`` rows: the expected value per key of the table's
    ``row_id`` (e.g. each account's ARR from staging and intermediate models). The table's
    own value per key is ``sum(column)``, or ``count(*)`` for a row-count rule. The rule holds
    when the totals agree within ``tolerance`` and no key differs by more; the keys that do
    are reported like failing rows. Always evaluated in DuckDB, over the whole table.
    """

    name: str  # completes the label, e.g. "ARR of active lines of matched customer accounts"
    sql: str  # ``{as_of}`` stands for the run's as-of date
    reads: tuple[str, ...]
    tolerance: float = 0.0


RuleKind = Literal[
    "row_count",
    "not_null",
    "unique",
    "in_set",
    "matches",
    "between",
    "single_value",
    "references",
    "reconcile",
]


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    columns: tuple[str, ...]  # empty for table-level rules
    severity: Severity
    values: tuple[str, ...] = ()  # in_set
    pattern: Pattern | None = None  # matches
    range: Range | None = None  # between
    min_rows: int = 0  # row_count
    reference: Reference | None = None  # references
    reconciliation: Reconciliation | None = None  # reconcile

    @property
    def label(self) -> str:
        """What the rule says, in the words the check's results show."""
        cols = ", ".join(self.columns)
        match self.kind:
            case "row_count":
                return f"at least {self.min_rows} row{'' if self.min_rows == 1 else 's'}"
            case "not_null":
                return f"{cols} is present"
            case "unique":
                return f"{cols} is unique" if len(self.columns) == 1 else f"({cols}) is unique"
            case "in_set":
                return f"{cols} in {{{', '.join(self.values)}}}"
            case "matches":
                assert self.pattern is not None
                return f"{cols} is {self.pattern.name}"
            case "between":
                assert self.range is not None
                return f"{cols} {self.range.describe()}"
            case "single_value":
                return f"{cols} has a single value"
            case "references":
                assert self.reference is not None
                return f"{cols} {self.reference.name}"
            case "reconcile":
                assert self.reconciliation is not None
                r = self.reconciliation
                within = f" (within {r.tolerance:g})" if r.tolerance else ""
                measure = f"sum({cols})" if self.columns else "row count"
                return f"{measure} equals {r.name}{within}"

    @property
    def reads(self) -> tuple[str, ...]:
        """Tables besides its own that the rule reads (references, reconciliations)."""
        other = self.reference or self.reconciliation
        return other.reads if other else ()


# The formats an extract may name in `ExtractRules.formats` (cs_pipeline/sources.py).
PATTERNS: dict[str, Pattern] = {
    "sfdc_id_18": SFDC_ID_18,
    "sfdc_id": SFDC_ID,
    "zendesk_id": ZENDESK_ID,
    "customer_number": CUSTOMER_NUMBER,
    "currency": CURRENCY,
    "email": EMAIL,
}

# The format a row rule's kind asks of the delivered text (the GX view of the same rule).
_KIND_PATTERNS: dict[str, Pattern] = {
    "timestamp": TIMESTAMP,
    "date": DATE,
    "month": MONTH,
    "integer": INTEGER,
    "number": DECIMAL,
    "version": VERSION,
}
_KIND_RANGES: dict[str, Range] = {
    "non_negative": Range(min=0),
    "positive": Range(min=0, strict_min=True),
}


def raw_rules(extract: Extract) -> tuple[Rule, ...]:
    """Every rule of one raw table, generated from its declaration in cs_pipeline/sources.py.

    ERROR (structural, blocking): the key (and ``required`` columns) present, the key unique
    where the source promises it. WARN: the row rules, seen as text formats, enumerations and
    ranges (rules that need another table, has_fx_rate and references, and nested JSON values
    are the quarantine's alone), the declared ``formats`` and ``expected_values``, and
    ``unique_warn`` combinations.
    Order: row count, present, unique, enumerations, formats, ranges.
    """
    q = quality(extract)
    rules = [Rule("row_count", (), Severity.WARN, min_rows=1)]
    rules += [Rule("not_null", (c,), Severity.ERROR) for c in (*extract.key, *q.required)]
    if extract.key_is_unique:
        rules.append(Rule("unique", extract.key, Severity.ERROR))
    rules += [Rule("unique", cols, Severity.WARN) for cols in q.unique_warn]
    top_level = [r for r in q.rules if not r.json_path]
    allowed: dict[str, tuple[str, ...]] = {}
    patterns: dict[str, Pattern] = {}
    ranges: dict[str, Range] = {}
    for r in top_level:
        if r.kind == "accepted_values":
            allowed[r.column] = r.values
        elif r.kind == "boolean":
            allowed[r.column] = BOOLEAN
        elif r.kind in _KIND_PATTERNS:
            patterns.setdefault(r.column, _KIND_PATTERNS[r.kind])
        elif r.kind == "range":
            ranges[r.column] = Range(min=r.min, max=r.max)
        elif r.kind in _KIND_RANGES and not r.unless:  # an exemption needs the quarantine's SQL
            ranges[r.column] = _KIND_RANGES[r.kind]
    patterns.update({column: PATTERNS[name] for column, name in q.formats})
    allowed.update(q.expected_values)
    rules += [Rule("in_set", (c,), Severity.WARN, values=v) for c, v in allowed.items()]
    rules += [Rule("matches", (c,), Severity.WARN, pattern=p) for c, p in patterns.items()]
    for column, bounds in ranges.items():
        if column not in patterns:  # a range needs a number: say so when no format does
            rules.append(Rule("matches", (column,), Severity.WARN, pattern=DECIMAL))
        rules.append(Rule("between", (column,), Severity.WARN, range=bounds))
    return tuple(rules)


NUMBER_SUFFIX = "::number"


@dataclass(frozen=True)
class TableSpec:
    """One table to check: its rules and how to read the columns they name.

    Raw tables hold text (``text_values``): the runner reads ``NULLIF(trim(col), '')`` so an
    empty or blank value counts as missing, as staging treats it, and a range rule reads a
    number parsed from the text (an unparseable value is the ``matches`` rule's business).
    Typed tables (staging, marts) are read as they are.
    """

    name: str  # names the GX suite, e.g. "raw.crm__account"
    table: str  # the DuckDB table, schema-qualified
    rules: tuple[Rule, ...]
    text_values: bool = False
    row_id: str = "_row_number"  # shown with failing rows; orders rows and samples
    source_file: str | None = None  # where a raw table's rows come from
    # The column naming the file a raw row came from: each file is sampled on its own (see
    # the runner), so a file's verdicts do not depend on which other files share the table.
    part_column: str | None = None

    @property
    def row_key(self) -> tuple[str, ...]:
        """The columns that say where a row is: its file (``part_column``) and its row id.

        A raw table holds the rows of several files (the tickets: the base export and every
        delta file), each numbered from 1, so a row number alone is ambiguous: failing rows
        carry both, and are ordered by them (file, then row).
        """
        return (self.part_column, self.row_id) if self.part_column else (self.row_id,)

    def frame_column(self, rule: Rule, column: str) -> str:
        """The column of the validated frame that a rule checks."""
        if rule.kind == "between" and self.text_values:
            return column + NUMBER_SUFFIX
        return column

    def select_expression(self, frame_column: str) -> str:
        """DuckDB SQL that produces one column of the validated frame."""
        if self.text_values and frame_column.endswith(NUMBER_SUFFIX):
            source = quote_ident(frame_column.removesuffix(NUMBER_SUFFIX))
            return f"TRY_CAST(trim({source}) AS DOUBLE)"
        if self.text_values and frame_column not in self.row_key:
            return f"NULLIF(trim({quote_ident(frame_column)}), '')"
        return quote_ident(frame_column)

    def table_column(self, frame_column: str) -> str:
        """The table column a frame column comes from (inverse of :meth:`frame_column`)."""
        return frame_column.removesuffix(NUMBER_SUFFIX) if self.text_values else frame_column


def raw_table_spec(extract: Extract) -> TableSpec:
    return TableSpec(
        name=extract.qualified_table,
        table=extract.qualified_table,
        rules=raw_rules(extract),
        text_values=True,
        source_file=extract.file,
        part_column="_source_file",
    )


def rules_markdown(specs: Iterable[TableSpec]) -> str:
    """The rules of some tables as a Markdown table, for the docs (kept in sync by a test)."""
    lines = ["| table | severity | rule |", "| --- | --- | --- |"]
    for spec in specs:
        for severity in Severity:
            for rule in spec.rules:
                if rule.severity is severity:
                    label = rule.label.replace("|", "\\|")
                    lines.append(f"| `{spec.table}` | {severity} | {label} |")
    return "\n".join(lines)
