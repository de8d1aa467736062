"""Declarative registry of the extract files cs360 reads (see the extract contract).

Declare once, generate everything else: the ingest assets, the dbt sources, the sample data
generator's file list and the data checks all come from :data:`EXTRACTS`.

Naming: an extract's Dagster asset key is ``[source, entity]``, which equals its dbt source
key ``source('<source>', '<entity>')``; it lands in DuckDB as ``raw.<source>__<entity>``.
"""

from __future__ import annotations

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
        if self.delta_folder is not None:
            folder = extracts_dir / self.delta_folder
            if folder.is_dir():
                files += [
                    f"{self.delta_folder}/{p.name}"
                    for p in folder.glob(f"*{PurePosixPath(self.file).suffix}")
                    if p.is_file()
                ]
        return sorted(files, key=lambda f: f.encode())

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
