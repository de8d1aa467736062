"""The data-quality rules of cs360, declared as data (no Great Expectations import here).

A :class:`Rule` says what must hold for a column and how bad it is when it does not:

- ``ERROR`` rules are *structural*: a key that is missing or repeated (where the source
  promises it is unique), or a value the pipeline cannot do without. The data cannot be
  joined or deduplicated correctly, so the check blocks everything downstream.
- ``WARN`` rules are *row-level*: a value outside its enumeration or range, or text that
  does not parse as the date, timestamp, number or id it should be. Staging quarantines
  such a row (``stg_<source>__quarantine``); the run goes on and the check shows
  which rows, by ``_row_number``, so a user can find them in the delivered file.

The raw rules are the registry :data:`cs_pipeline.sources.EXTRACTS` (keys) plus the small
table :data:`RAW_RULES` (enumerations, formats and ranges from the extract contract). The
GX suites (``suites.py``), the runner and the Dagster checks are generated from them. The
staging models and the marts plug in the same way (``model_rules.py``); there, rules may
also read other tables of the warehouse: a :class:`Reference` (allowed values, e.g. the
currencies with an exchange rate) or a :class:`Reconciliation` (a mart's total against
the same figure computed independently from staging and intermediate models).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from cs_pipeline.ingest import quote_ident
from cs_pipeline.sources import Extract


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


@dataclass(frozen=True)
class TableRules:
    """What the extract contract promises about a file beyond its key (see RAW_RULES)."""

    required: tuple[str, ...] = ()  # values the pipeline cannot do without (ERROR)
    allowed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    patterns: Mapping[str, Pattern] = field(default_factory=dict)
    ranges: Mapping[str, Range] = field(default_factory=dict)  # also implies a number pattern
    unique_warn: tuple[tuple[str, ...], ...] = ()  # combinations that should not repeat (WARN)
    references: Mapping[str, Reference] = field(default_factory=dict)  # WARN


_NON_NEGATIVE = Range(min=0)

RAW_RULES: dict[tuple[str, str], TableRules] = {
    ("crm", "account"): TableRules(
        allowed={
            "Type": ("Customer", "Prospect", "Former Customer"),
            "Region__c": ("AMER", "EMEA", "APJ", "JAPAN"),
            "Segment__c": ("Enterprise", "Mid-Market", "SMB"),
            "IsDeleted": BOOLEAN,
        },
        patterns={
            "Id": SFDC_ID_18,
            "ParentId": SFDC_ID_18,
            "OwnerId": SFDC_ID_18,
            "CreatedDate": TIMESTAMP,
            "LastModifiedDate": TIMESTAMP,
        },
    ),
    ("crm", "user"): TableRules(patterns={"Id": SFDC_ID_18, "Email": EMAIL}),
    ("crm", "opportunity"): TableRules(
        allowed={
            "Type": ("New Business", "Renewal", "Upsell", "Cross-sell"),
            "IsDeleted": BOOLEAN,
        },
        patterns={
            "Id": SFDC_ID_18,
            "AccountId": SFDC_ID_18,
            "CurrencyIsoCode": CURRENCY,
            "CloseDate": DATE,
            "CreatedDate": TIMESTAMP,
        },
        ranges={"Amount": _NON_NEGATIVE},
    ),
    ("crm", "task"): TableRules(
        allowed={"Type": ("Call", "Meeting", "Email", "QBR"), "IsDeleted": BOOLEAN},
        patterns={"Id": SFDC_ID_18, "AccountId": SFDC_ID_18, "ActivityDate": DATE},
    ),
    ("crm", "nps_response"): TableRules(
        patterns={
            "Id": SFDC_ID_18,
            "Account__c": SFDC_ID_18,
            "Respondent_Email__c": EMAIL,
            "Score__c": INTEGER,
            "Submitted_Date__c": DATE,
        },
        ranges={"Score__c": Range(min=0, max=10)},
    ),
    ("support", "organizations"): TableRules(
        patterns={"id": ZENDESK_ID, "external_id": SFDC_ID, "created_at": TIMESTAMP},
    ),
    ("support", "tickets"): TableRules(
        # The latest updated_at picks a ticket's version: without it there is no order.
        required=("updated_at",),
        allowed={
            "status": ("new", "open", "pending", "hold", "solved", "closed"),
            "priority": ("low", "normal", "high", "urgent"),
            "type": ("problem", "incident", "question", "task"),
        },
        patterns={
            "id": ZENDESK_ID,
            "organization_id": ZENDESK_ID,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "requester_email": EMAIL,
        },
        # Two versions stamped alike leave "the latest version" ambiguous.
        unique_warn=(("id", "updated_at"),),
    ),
    ("finance", "customers"): TableRules(
        patterns={
            "customer_number": CUSTOMER_NUMBER,
            "sfdc_account_id": SFDC_ID,
            "billing_currency": CURRENCY,
        },
    ),
    ("finance", "subscriptions"): TableRules(
        allowed={
            "support_tier": ("Standard", "Premium", "TAM"),
            "auto_renew": ("Y", "N"),
            "status": ("Active", "Expired", "Cancelled"),
        },
        patterns={
            "customer_number": CUSTOMER_NUMBER,
            "start_date": DATE,
            "end_date": DATE,
            "currency": CURRENCY,
        },
        ranges={"annual_value": _NON_NEGATIVE},
    ),
    ("finance", "invoices"): TableRules(
        allowed={"status": ("Open", "Paid", "Void", "Credit")},
        patterns={
            "customer_number": CUSTOMER_NUMBER,
            "invoice_date": DATE,
            "due_date": DATE,
            "paid_date": DATE,
            "currency": CURRENCY,
            "amount": DECIMAL,  # a credit may be negative: a number, no range
        },
    ),
    ("finance", "fx_rates"): TableRules(
        patterns={"currency": CURRENCY, "month": MONTH},
        ranges={"rate_to_usd": Range(min=0, strict_min=True)},
    ),
    ("training", "enrollments"): TableRules(
        allowed={"status": ("completed", "in_progress", "not_started")},
        patterns={"user_email": EMAIL, "enrolled_at": TIMESTAMP, "completed_at": TIMESTAMP},
        ranges={"score": Range(min=0, max=100)},
    ),
    ("licenses", "entitlements"): TableRules(
        patterns={
            "customer_code": CUSTOMER_NUMBER,
            "sfdc_account_id": SFDC_ID,
            "seats_purchased": INTEGER,
            "start_date": DATE,
            "expiry_date": DATE,
        },
        ranges={"seats_purchased": _NON_NEGATIVE},
    ),
    ("licenses", "installations"): TableRules(
        allowed={"environment": ("production", "staging", "test")},
        patterns={"version": VERSION, "seats_in_use": INTEGER, "last_checkin_at": TIMESTAMP},
        ranges={"seats_in_use": _NON_NEGATIVE},
    ),
    ("licenses", "product_releases"): TableRules(
        allowed={"is_ga": BOOLEAN},
        patterns={"version": VERSION, "release_date": DATE, "end_of_support_date": DATE},
    ),
}


def raw_rules(extract: Extract) -> tuple[Rule, ...]:
    """Every rule of one raw table: the registry's key, then the contract's promises."""
    return declared_rules(
        extract.key,
        RAW_RULES.get((extract.source, extract.entity), TableRules()),
        key_is_unique=extract.key_is_unique,
        text_values=True,
        min_rows=1,
    )


def declared_rules(
    key: tuple[str, ...],
    extra: TableRules,
    *,
    key_is_unique: bool = True,
    text_values: bool = False,
    min_rows: int | None = None,
) -> tuple[Rule, ...]:
    """The rules a table's declaration stands for, in the order results show them.

    The key (and ``required`` columns) must be present, the key unique where promised: ERROR.
    The rest is WARN. In a text table (raw) a range also needs the text to be a number.
    """
    rules: list[Rule] = []
    if min_rows is not None:
        rules.append(Rule("row_count", (), Severity.WARN, min_rows=min_rows))
    for column in (*key, *extra.required):
        rules.append(Rule("not_null", (column,), Severity.ERROR))
    if key and key_is_unique:
        rules.append(Rule("unique", key, Severity.ERROR))
    rules += [Rule("unique", cols, Severity.WARN) for cols in extra.unique_warn]
    rules += [
        Rule("in_set", (col,), Severity.WARN, values=values)
        for col, values in extra.allowed.items()
    ]
    rules += [
        Rule("matches", (col,), Severity.WARN, pattern=p) for col, p in extra.patterns.items()
    ]
    for col, bounds in extra.ranges.items():
        if text_values and col not in extra.patterns:  # a range needs a number: say so when not
            rules.append(Rule("matches", (col,), Severity.WARN, pattern=DECIMAL))
        rules.append(Rule("between", (col,), Severity.WARN, range=bounds))
    rules += [
        Rule("references", (col,), Severity.WARN, reference=ref)
        for col, ref in extra.references.items()
    ]
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
        if self.text_values and frame_column != self.row_id:
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
