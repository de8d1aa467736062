"""Declarative registry of the extract files cs360 reads (see the extract contract).

Declare once, generate everything else: the ingest assets, the dbt sources, the sample data
generator's file list and the data checks all come from :data:`EXTRACTS`.

Naming: an extract's Dagster asset key is ``[source, entity]``, which equals its dbt source
key ``source('<source>', '<entity>')``; it lands in DuckDB as ``raw.<source>__<entity>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

SOURCES = ("crm", "support", "finance", "training", "licenses")
RAW_SCHEMA = "raw"

# Lineage columns the ingest adds to every raw table.
LINEAGE_COLUMNS = ("_source_file", "_row_number", "_loaded_at")


@dataclass(frozen=True)
class Extract:
    source: str
    entity: str
    file: str  # path relative to the extracts root, e.g. "crm/Account.csv"
    columns: tuple[str, ...]  # every column the contract names; all are required
    key: tuple[str, ...]  # the record id; unique where the source promises it
    key_is_unique: bool = True  # False where the export repeats a key (Zendesk ticket versions)
    # A folder of incremental exports beside or instead of `file` ("support/tickets": any
    # number of `*.jsonl` delta files). Its files are loaded once each and appended (see
    # cs_pipeline.ingest and the extract contract's "Incremental ticket exports").
    delta_folder: str | None = None

    def delivered_files(self, extracts_dir: Path) -> list[str]:
        """The delivered files, relative to ``extracts_dir``, in byte order of that path.

        Byte order puts ``support/tickets.jsonl`` ('.' is 0x2E) before every
        ``support/tickets/...`` delta ('/' is 0x2F): the base export first, then the deltas.
        """
        files = [self.file] if (extracts_dir / self.file).is_file() else []
        if self.delta_files is not None:
            files += [
                p.relative_to(extracts_dir).as_posix()
                for p in extracts_dir.glob(self.delta_files)
                if p.is_file()
            ]
        return sorted(files, key=lambda f: f.encode())

    @property
    def delta_files(self) -> str | None:
        """The delta files' pattern (``support/tickets/*.jsonl``), or None without a folder."""
        if self.delta_folder is None:
            return None
        return f"{self.delta_folder}/*{PurePosixPath(self.file).suffix}"

    @property
    def delivered_as(self) -> str:
        """The files a message names: ``file``, and its delta files when it has a folder."""
        if self.delta_files is None:
            return self.file
        return f"{self.file} and {self.delta_files}"

    @property
    def format(self) -> Literal["csv", "jsonl"]:
        return "jsonl" if self.file.endswith(".jsonl") else "csv"

    @property
    def file_stem(self) -> str:
        """The file name without extension, as `marts.unmatched_records.entity` names it."""
        return PurePosixPath(self.file).stem

    @property
    def table(self) -> str:
        return f"{self.source}__{self.entity}"

    @property
    def qualified_table(self) -> str:
        return f"{RAW_SCHEMA}.{self.table}"

    @property
    def asset_key(self) -> list[str]:
        return [self.source, self.entity]


def _cols(spec: str) -> tuple[str, ...]:
    return tuple(spec.split())


EXTRACTS: tuple[Extract, ...] = (
    # crm/ — Salesforce Data Export
    Extract("crm", "account", "crm/Account.csv", _cols(
        "Id Name ParentId Type Industry Website BillingCountry Region__c Segment__c OwnerId "
        "CreatedDate LastModifiedDate IsDeleted"), ("Id",)),
    Extract("crm", "user", "crm/User.csv", _cols("Id Name Email IsActive"), ("Id",)),
    Extract("crm", "opportunity", "crm/Opportunity.csv", _cols(
        "Id AccountId Name Type StageName Amount CurrencyIsoCode CloseDate IsClosed IsWon "
        "CreatedDate IsDeleted"), ("Id",)),
    Extract("crm", "task", "crm/Task.csv", _cols(
        "Id AccountId WhoId Subject Type ActivityDate Status IsDeleted"), ("Id",)),
    Extract("crm", "nps_response", "crm/NPS_Response__c.csv", _cols(
        "Id Account__c Respondent_Email__c Score__c Comment__c Submitted_Date__c"), ("Id",)),
    # support/ — Zendesk incremental export
    Extract("support", "organizations", "support/organizations.jsonl", _cols(
        "id name external_id domain_names created_at"), ("id",)),
    Extract("support", "tickets", "support/tickets.jsonl", _cols(
        "id created_at updated_at status priority type subject organization_id "
        "requester_email tags satisfaction_rating custom_fields metric_set"), ("id",),
        key_is_unique=False, delta_folder="support/tickets"),
    # finance/ — ERP saved searches
    Extract("finance", "customers", "finance/customers.csv", _cols(
        "customer_number company_name sfdc_account_id billing_currency"), ("customer_number",)),
    Extract("finance", "subscriptions", "finance/subscriptions.csv", _cols(
        "contract_id line_id customer_number product_code start_date end_date annual_value "
        "currency support_tier auto_renew status"), ("contract_id", "line_id")),
    Extract("finance", "invoices", "finance/invoices.csv", _cols(
        "invoice_number customer_number invoice_date due_date currency amount status "
        "paid_date"), ("invoice_number",)),
    Extract("finance", "fx_rates", "finance/fx_rates.csv", _cols(
        "currency month rate_to_usd"), ("currency", "month")),
    # training/ — LMS completion report
    Extract("training", "enrollments", "training/enrollments.csv", _cols(
        "enrollment_id user_email user_company course_code course_name product_code "
        "enrolled_at completed_at status score"), ("enrollment_id",)),
    # licenses/ — license manager report
    Extract("licenses", "entitlements", "licenses/entitlements.csv", _cols(
        "entitlement_id customer_code sfdc_account_id product_code seats_purchased "
        "start_date expiry_date"), ("entitlement_id",)),
    Extract("licenses", "installations", "licenses/installations.csv", _cols(
        "installation_id entitlement_id product_code version environment seats_in_use "
        "last_checkin_at"), ("installation_id",)),
    Extract("licenses", "product_releases", "licenses/product_releases.csv", _cols(
        "product_code version release_date is_ga end_of_support_date"),
        ("product_code", "version")),
)

EXTRACTS_BY_KEY: dict[tuple[str, str], Extract] = {(e.source, e.entity): e for e in EXTRACTS}


def extract(source: str, entity: str) -> Extract:
    return EXTRACTS_BY_KEY[(source, entity)]


# --- Data-quality rules of each extract: declared here once ----------------------------------
#
# Everything that enforces them is generated from this block (`python -m
# cs_pipeline.quality.generate`): the quarantine models
# `stg_<source>__quarantine.sql` (a row breaking a rule leaves staging for its source's
# quarantine, tagged with the FIRST rule it breaks in the order below) and the raw tables'
# Great Expectations suites (cs_pipeline/quality/rules.py). Kept apart from EXTRACTS (one entry
# per extract, same order) so that a change to an extract's file and a change to its rules
# touch different lines. See docs/architecture.md, "Add a rule".

RuleKind = Literal[
    "timestamp", "date", "month", "integer", "number", "boolean", "non_negative", "positive",
    "range", "accepted_values", "version", "has_fx_rate", "references",
]


@dataclass(frozen=True)
class RowRule:
    """One row-level rule: a delivered value that breaks it sends the row to quarantine.

    An empty value never breaks a rule (empty means null; most columns are optional). Values
    are read as staging reads them: keys trimmed and full-width folded, enumerations trimmed
    (and lower-cased when ``lower``).
    """

    column: str  # the delivered column; for a nested JSON value, `<column>.<field>`
    kind: RuleKind
    values: tuple[str, ...] = ()  # accepted_values
    lower: bool = False  # accepted_values compared in lower case
    min: float | None = None  # range
    max: float | None = None  # range
    json_path: str | None = None  # nested value: the JSON path inside the column's text
    unless: tuple[str, str] | None = None  # (column, value): rows with this value are exempt
    unless_text: str = ""  # the exemption in words, for `expected`
    to: tuple[str, str, str] | None = None  # references: (source, entity, column), same export

    @property
    def raw_column(self) -> str:
        """The raw table's column the value is read from."""
        return self.column.split(".")[0] if self.json_path else self.column


@dataclass(frozen=True)
class ExtractRules:
    """What an extract's rows must satisfy, beyond the columns of EXTRACTS.

    - ``rules``: row-level rules, in the order a row's first broken rule is reported.
    - ``formats``: formats of columns staging keeps as text (ids, e-mails, currencies): a
      malformed value is reported by the raw table's `gx_warnings` check, the row is staged.
      Names of the patterns in cs_pipeline/quality/rules.py (PATTERNS).
    - ``expected_values``: the values the contract lists for a column that only describes the
      record (an account's region and segment): a value outside them is reported by
      `gx_warnings` and the row is staged as delivered, so a value a source system adds (a new
      region) reaches the marts under its own name instead of taking the customer out of them.
    - ``required``: columns that must be present beyond the key (blocking `gx_errors`).
    - ``unique_warn``: column combinations that should not repeat (`gx_warnings`).
    - ``deleted_flag`` / ``version_key`` / ``event_date``: how marts.data_quality_summary counts
      the rows staging removes (deleted records, superseded versions) and the rows dated after
      as-of (an ``event_date`` column of the staging model).
    - ``staging``: the staging model holding the kept rows (default stg_<source>__<entity>).
    """

    rules: tuple[RowRule, ...] = ()
    formats: tuple[tuple[str, str], ...] = ()
    expected_values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    required: tuple[str, ...] = ()
    unique_warn: tuple[tuple[str, ...], ...] = ()
    deleted_flag: str | None = None
    version_key: str | None = None
    event_date: str | None = None
    staging: str | None = None


def _rule(kind: RuleKind) -> Callable[..., RowRule]:
    return lambda column, **kw: RowRule(column, kind, **kw)


timestamp, date, month, integer, number, boolean, non_negative, positive, version, has_fx_rate = (
    _rule(k) for k in ("timestamp", "date", "month", "integer", "number", "boolean",
                       "non_negative", "positive", "version", "has_fx_rate")
)


def one_of(column: str, *values: str, lower: bool = False, json_path: str | None = None) -> RowRule:
    return RowRule(column, "accepted_values", values=values, lower=lower, json_path=json_path)


def between(column: str, low: float, high: float) -> RowRule:
    return RowRule(column, "range", min=low, max=high)


def references(column: str, source: str, entity: str, to_column: str) -> RowRule:
    return RowRule(column, "references", to=(source, entity, to_column))


_SFDC18 = "sfdc_id_18"

QUALITY: dict[tuple[str, str], ExtractRules] = {
    ("crm", "account"): ExtractRules(
        rules=(
            timestamp("CreatedDate"),
            timestamp("LastModifiedDate"),
            one_of("Type", "Customer", "Prospect", "Former Customer"),
            boolean("IsDeleted"),
        ),
        formats=(("Id", _SFDC18), ("ParentId", _SFDC18), ("OwnerId", _SFDC18)),
        expected_values=(
            ("Region__c", ("AMER", "EMEA", "APJ", "JAPAN")),
            ("Segment__c", ("Enterprise", "Mid-Market", "SMB")),
        ),
        deleted_flag="IsDeleted", event_date="created_at",
    ),
    ("crm", "user"): ExtractRules(
        rules=(boolean("IsActive"),),
        formats=(("Id", _SFDC18), ("Email", "email")),
    ),
    ("crm", "opportunity"): ExtractRules(
        rules=(
            number("Amount"),
            non_negative("Amount"),
            date("CloseDate"),
            timestamp("CreatedDate"),
            one_of("Type", "New Business", "Renewal", "Upsell", "Cross-sell"),
            boolean("IsClosed"),
            boolean("IsWon"),
            boolean("IsDeleted"),
        ),
        formats=(("Id", _SFDC18), ("AccountId", _SFDC18), ("CurrencyIsoCode", "currency")),
        deleted_flag="IsDeleted", event_date="created_at",
    ),
    ("crm", "task"): ExtractRules(
        rules=(
            date("ActivityDate"),
            one_of("Type", "Call", "Meeting", "Email", "QBR"),
            boolean("IsDeleted"),
        ),
        formats=(("Id", _SFDC18), ("AccountId", _SFDC18)),
        deleted_flag="IsDeleted", event_date="activity_date",
    ),
    ("crm", "nps_response"): ExtractRules(
        rules=(
            integer("Score__c"),
            between("Score__c", 0, 10),
            date("Submitted_Date__c"),
        ),
        formats=(("Id", _SFDC18), ("Account__c", _SFDC18), ("Respondent_Email__c", "email")),
        event_date="submitted_date",
    ),
    ("support", "organizations"): ExtractRules(
        rules=(integer("id"), timestamp("created_at")),
        formats=(("id", "zendesk_id"), ("external_id", "sfdc_id")),
        event_date="created_at",
    ),
    ("support", "tickets"): ExtractRules(
        rules=(
            integer("id"),
            timestamp("created_at"),
            timestamp("updated_at"),
            one_of("status", "new", "open", "pending", "hold", "solved", "closed", lower=True),
            one_of("priority", "low", "normal", "high", "urgent", lower=True),
            one_of("type", "problem", "incident", "question", "task", lower=True),
            integer("organization_id"),
            one_of("satisfaction_rating.score", "good", "bad", "offered", "unoffered",
                   lower=True, json_path="$.score"),
            timestamp("metric_set.solved_at", json_path="$.solved_at"),
        ),
        formats=(("id", "zendesk_id"), ("organization_id", "zendesk_id"),
                 ("requester_email", "email")),
        # The latest updated_at picks a ticket's version: without it there is no order.
        required=("updated_at",),
        # Two versions stamped alike leave "the latest version" ambiguous.
        unique_warn=(("id", "updated_at"),),
        version_key="id", event_date="created_at",
    ),
    ("finance", "customers"): ExtractRules(
        formats=(("customer_number", "customer_number"), ("sfdc_account_id", "sfdc_id"),
                 ("billing_currency", "currency")),
    ),
    ("finance", "subscriptions"): ExtractRules(
        rules=(
            date("start_date"),
            date("end_date"),
            number("annual_value"),
            non_negative("annual_value"),
            has_fx_rate("currency"),
            one_of("support_tier", "Standard", "Premium", "TAM"),
            one_of("auto_renew", "Y", "N"),
            one_of("status", "Active", "Expired", "Cancelled"),
        ),
        formats=(("customer_number", "customer_number"), ("currency", "currency")),
        event_date="start_date",
    ),
    ("finance", "invoices"): ExtractRules(
        rules=(
            date("invoice_date"),
            date("due_date"),
            date("paid_date"),
            number("amount"),
            non_negative("amount", unless=("status", "Credit"),
                         unless_text="status Credit (a credit note)"),
            has_fx_rate("currency"),
            one_of("status", "Open", "Paid", "Void", "Credit"),
        ),
        formats=(("customer_number", "customer_number"), ("currency", "currency")),
        event_date="invoice_date",
    ),
    ("finance", "fx_rates"): ExtractRules(
        rules=(month("month"), number("rate_to_usd"), positive("rate_to_usd")),
        formats=(("currency", "currency"),),
    ),
    ("training", "enrollments"): ExtractRules(
        rules=(
            timestamp("enrolled_at"),
            timestamp("completed_at"),
            one_of("status", "completed", "in_progress", "not_started", lower=True),
            number("score"),
            between("score", 0, 100),
        ),
        formats=(("user_email", "email"),),
        event_date="enrolled_at",
    ),
    ("licenses", "entitlements"): ExtractRules(
        rules=(
            integer("seats_purchased"),
            non_negative("seats_purchased"),
            date("start_date"),
            date("expiry_date"),
        ),
        formats=(("customer_code", "customer_number"), ("sfdc_account_id", "sfdc_id")),
        event_date="start_date",
    ),
    ("licenses", "installations"): ExtractRules(
        rules=(
            # Only keys within one export are references; keys into another system are
            # identity resolution's business (marts.unmatched_records).
            references("entitlement_id", "licenses", "entitlements", "entitlement_id"),
            version("version"),
            one_of("environment", "production", "staging", "test", lower=True),
            integer("seats_in_use"),
            non_negative("seats_in_use"),
            timestamp("last_checkin_at"),
        ),
        event_date="last_checkin_at",
    ),
    ("licenses", "product_releases"): ExtractRules(
        rules=(
            version("version"),
            date("release_date"),
            boolean("is_ga"),
            date("end_of_support_date"),
        ),
        event_date="release_date",
    ),
}


def quality(e: Extract) -> ExtractRules:
    """The rules of one extract (an extract without an entry has none)."""
    return QUALITY.get((e.source, e.entity), ExtractRules())


def staging_model(e: Extract) -> str:
    return quality(e).staging or f"stg_{e.source}__{e.entity}"
