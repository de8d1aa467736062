"""The data-quality rules of the dbt models cs360 publishes from: staging and the marts.

Declared as data, like the raw rules (no Great Expectations import here), and checked the same
way: one ``gx_errors`` (blocking) and one ``gx_warnings`` check per table, on the dbt asset
``[schema, model]`` (dagster-dbt's key for a model with a schema, e.g. ``["marts",
"customer_360"]``), evaluated after ``dbt build`` on the build warehouse.

- Staging (:data:`STAGING_RULES`, one line per ``stg_*`` model): ERROR when the model's
  grain breaks (its key missing or repeated: after typing, deletion and, for tickets, version
  collapse there must be exactly one row per key); WARN when a typed value leaves the range or
  enumeration the extract contract gives it, or a currency has no exchange rate to convert it.
  Staging quarantines such rows, so a WARN here means a staging rule and this one disagree.
- Marts (:func:`mart_specs`): ERROR when a promise of the customer-360 contract breaks (one
  row per live customer account, bounded scores and bands, counts and amounts present and not
  negative, one as-of date) or when a total does not reconcile with the same figure computed
  independently, in SQL, from the staging and intermediate models. Such a warehouse is not
  published.
"""

from __future__ import annotations

from dataclasses import dataclass

from cs_pipeline.quality.rules import (
    CURRENCY,
    CUSTOMER_NUMBER,
    EMAIL,
    SFDC_ID_18,
    VERSION,
    Range,
    Reconciliation,
    Reference,
    Rule,
    Severity,
    TableRules,
    TableSpec,
    declared_rules,
)
from cs_pipeline.sources import EXTRACTS_BY_KEY, SOURCES

STAGING = "staging"
INTERMEDIATE = "intermediate"
MARTS = "marts"

_NON_NEGATIVE = Range(min=0)
HEALTH_BANDS = ("healthy", "monitor", "at_risk", "critical")

# --- staging -------------------------------------------------------------------------------------

# The as-of month's rate, or the latest earlier month's: the rate customer_360 converts with
# (contract: arr_usd). USD needs none. A currency without one drops its amounts from the USD sums.
HAS_FX_RATE = Reference(
    name="has an fx rate for the as-of month or earlier (USD always)",
    sql=(
        "SELECT currency FROM staging.stg_finance__fx_rates "
        "WHERE rate_month <= date_trunc('month', {as_of})::DATE AND rate_to_usd IS NOT NULL "
        "UNION ALL SELECT 'USD'"
    ),
    reads=("staging.stg_finance__fx_rates",),
)
LICENSED_ENTITLEMENT = Reference(
    name="is an entitlement of staging.stg_licenses__entitlements",
    sql="SELECT entitlement_id FROM staging.stg_licenses__entitlements",
    reads=("staging.stg_licenses__entitlements",),
)


@dataclass(frozen=True)
class StagingRules:
    """What one staging model promises: its grain (``key``) and its typed values."""

    key: tuple[str, ...]  # present and unique (ERROR); () for a model without a grain
    rules: TableRules = TableRules()
    extract: tuple[str, str] | None = None  # the raw table it stages, when the name does not say


_QUARANTINE = TableRules()  # a raw row is quarantined once: (entity, _row_number) is its grain

STAGING_RULES: dict[str, StagingRules] = {
    "stg_crm__account": StagingRules(
        ("account_id",),
        TableRules(
            allowed={
                "account_type": ("Customer", "Prospect", "Former Customer"),
                "region": ("AMER", "EMEA", "APJ", "JAPAN"),
                "segment": ("Enterprise", "Mid-Market", "SMB"),
            },
            patterns={
                "account_id": SFDC_ID_18,
                "parent_account_id": SFDC_ID_18,
                "owner_id": SFDC_ID_18,
            },
        ),
    ),
    # Deleted accounts only explain "account_deleted"; an Id may be deleted twice in an export.
    "stg_crm__account_deleted": StagingRules(
        (), TableRules(required=("account_id",)), extract=("crm", "account")
    ),
    "stg_crm__user": StagingRules(
        ("user_id",), TableRules(patterns={"user_id": SFDC_ID_18, "email": EMAIL})
    ),
    "stg_crm__opportunity": StagingRules(
        ("opportunity_id",),
        TableRules(
            allowed={"opportunity_type": ("New Business", "Renewal", "Upsell", "Cross-sell")},
            patterns={
                "opportunity_id": SFDC_ID_18,
                "account_id": SFDC_ID_18,
                "currency": CURRENCY,
            },
            ranges={"amount": _NON_NEGATIVE},
            references={"currency": HAS_FX_RATE},
        ),
    ),
    "stg_crm__task": StagingRules(
        ("task_id",),
        TableRules(
            allowed={"task_type": ("Call", "Meeting", "Email", "QBR")},
            patterns={"task_id": SFDC_ID_18, "account_id": SFDC_ID_18},
        ),
    ),
    "stg_crm__nps_response": StagingRules(
        ("nps_response_id",),
        TableRules(
            patterns={
                "nps_response_id": SFDC_ID_18,
                "account_id": SFDC_ID_18,
                "respondent_email": EMAIL,
            },
            ranges={"score": Range(min=0, max=10)},
        ),
    ),
    "stg_support__organizations": StagingRules(
        ("organization_id",), TableRules(patterns={"external_id": SFDC_ID_18})
    ),
    # One row per ticket id: the version collapse must leave exactly one.
    "stg_support__tickets": StagingRules(
        ("ticket_id",),
        TableRules(
            allowed={
                "status": ("new", "open", "pending", "hold", "solved", "closed"),
                "priority": ("low", "normal", "high", "urgent"),
                "ticket_type": ("problem", "incident", "question", "task"),
                "satisfaction_score": ("good", "bad", "offered", "unoffered"),
            },
            patterns={"requester_email": EMAIL},
            ranges={
                "reply_time_minutes": _NON_NEGATIVE,
                "full_resolution_time_minutes": _NON_NEGATIVE,
            },
        ),
    ),
    "stg_finance__customers": StagingRules(
        ("customer_number",),
        TableRules(
            patterns={
                "customer_number": CUSTOMER_NUMBER,
                "sfdc_account_id": SFDC_ID_18,
                "billing_currency": CURRENCY,
            },
            references={"billing_currency": HAS_FX_RATE},
        ),
    ),
    "stg_finance__subscriptions": StagingRules(
        ("contract_id", "line_id"),
        TableRules(
            allowed={
                "support_tier": ("Standard", "Premium", "TAM"),
                "status": ("Active", "Expired", "Cancelled"),
            },
            patterns={"customer_number": CUSTOMER_NUMBER, "currency": CURRENCY},
            ranges={"annual_value": _NON_NEGATIVE},
            references={"currency": HAS_FX_RATE},
        ),
    ),
    "stg_finance__invoices": StagingRules(
        ("invoice_number",),
        TableRules(
            allowed={"status": ("Open", "Paid", "Void", "Credit")},
            patterns={"customer_number": CUSTOMER_NUMBER, "currency": CURRENCY},
            references={"currency": HAS_FX_RATE},  # amount: a credit is negative, no range
        ),
    ),
    "stg_finance__fx_rates": StagingRules(
        ("currency", "rate_month"),
        TableRules(
            patterns={"currency": CURRENCY},
            ranges={"rate_to_usd": Range(min=0, strict_min=True)},
        ),
    ),
    "stg_training__enrollments": StagingRules(
        ("enrollment_id",),
        TableRules(
            allowed={"status": ("completed", "in_progress", "not_started")},
            patterns={"user_email": EMAIL},
            ranges={"score": Range(min=0, max=100)},
        ),
    ),
    "stg_licenses__entitlements": StagingRules(
        ("entitlement_id",),
        TableRules(
            patterns={"customer_code": CUSTOMER_NUMBER, "sfdc_account_id": SFDC_ID_18},
            ranges={"seats_purchased": _NON_NEGATIVE},
        ),
    ),
    "stg_licenses__installations": StagingRules(
        ("installation_id",),
        TableRules(
            allowed={"environment": ("production", "staging", "test")},
            patterns={"version": VERSION},
            ranges={"seats_in_use": _NON_NEGATIVE},
            references={"entitlement_id": LICENSED_ENTITLEMENT},
        ),
    ),
    "stg_licenses__product_releases": StagingRules(
        ("product_code", "version"), TableRules(patterns={"version": VERSION})
    ),
    **{
        f"stg_{source}__quarantine": StagingRules(
            ("entity", "_row_number"), TableRules(allowed={"source": (source,)})
        )
        for source in SOURCES
    },
}


def staging_table_spec(model: str) -> TableSpec:
    """The spec of one staging model: its rows are found by ``_row_number`` in its file."""
    declared = STAGING_RULES[model]
    source, _, entity = model.removeprefix("stg_").partition("__")
    raw = EXTRACTS_BY_KEY.get(declared.extract or (source, entity))
    return TableSpec(
        name=f"{STAGING}.{model}",
        table=f"{STAGING}.{model}",
        rules=declared_rules(declared.key, declared.rules),
        source_file=raw.file if raw else None,
    )


def staging_specs() -> list[TableSpec]:
    return [staging_table_spec(model) for model in STAGING_RULES]


# --- marts ---------------------------------------------------------------------------------------

# Contract: "when an account has nothing to count, counts, amounts and seats are 0" (never null).
CUSTOMER_360_COUNTS = (
    "arr_usd",
    "overdue_amount_usd",
    "open_tickets",
    "urgent_open_tickets",
    "tickets_90d",
    "trained_users",
    "seats_purchased",
    "seats_in_use",
)
PRODUCT_360_COUNTS = (
    "arr_usd",
    "open_tickets",
    "urgent_open_tickets",
    "tickets_90d",
    "trained_users",
    "seats_purchased",
    "seats_in_use",
    "production_installations",
)

# The accounts customer_360 reports on, straight from staging (stg_crm__account holds live
# accounts only). Shared by the reconciliations below.
_LIVE_CUSTOMERS = (
    "SELECT DISTINCT account_id FROM staging.stg_crm__account "
    "WHERE account_type = 'Customer' AND account_id IS NOT NULL"
)

CUSTOMER_COUNT = Reconciliation(
    name="the live Customer accounts in staging, one row each",
    sql=f"SELECT account_id, 1 FROM ({_LIVE_CUSTOMERS})",
    reads=("staging.stg_crm__account",),
)

# ARR as the contract defines it, computed without the models customer_360 is built from
# (int_fx_rates_as_of, int_subscription_lines_active, int_account_metrics): Active lines with
# start_date <= as-of < end_date, at the rate of the as-of month or the latest earlier one
# (USD at 1), per matched customer account, to the cent as the mart stores it.
CUSTOMER_ARR = Reconciliation(
    name="the ARR of active lines of matched customer accounts, from staging/intermediate",
    sql=f"""
        WITH rates AS (
            SELECT currency, arg_max(rate_to_usd, rate_month) AS rate_to_usd
            FROM staging.stg_finance__fx_rates
            WHERE rate_month <= date_trunc('month', {{as_of}})::DATE AND rate_to_usd IS NOT NULL
            GROUP BY currency
        ),
        lines AS (
            SELECT s.account_id,
                   s.annual_value * CASE WHEN s.currency = 'USD' THEN 1 ELSE r.rate_to_usd END
                       AS annual_value_usd
            FROM intermediate.int_subscriptions_resolved AS s
            LEFT JOIN rates AS r ON r.currency = s.currency
            WHERE s.status = 'Active' AND s.start_date <= {{as_of}} AND s.end_date > {{as_of}}
        )
        SELECT c.account_id, round(coalesce(sum(l.annual_value_usd), 0), 2)
        FROM ({_LIVE_CUSTOMERS}) AS c
        LEFT JOIN lines AS l ON l.account_id = c.account_id
        GROUP BY c.account_id
    """,
    reads=(
        "staging.stg_crm__account",
        "staging.stg_finance__fx_rates",
        "intermediate.int_subscriptions_resolved",
    ),
    tolerance=0.01,
)

# Seats of entitlements active on as-of (start_date <= as-of <= expiry_date), per matched
# customer account, without int_entitlements_active.
CUSTOMER_SEATS = Reconciliation(
    name="the seats of active entitlements of matched customer accounts, from "
    "staging/intermediate",
    sql=f"""
        SELECT c.account_id, coalesce(sum(e.seats_purchased), 0)
        FROM ({_LIVE_CUSTOMERS}) AS c
        LEFT JOIN intermediate.int_entitlements_resolved AS e
            ON e.account_id = c.account_id
            AND e.start_date <= {{as_of}} AND e.expiry_date >= {{as_of}}
        GROUP BY c.account_id
    """,
    reads=("staging.stg_crm__account", "intermediate.int_entitlements_resolved"),
)

CUSTOMER_360_ACCOUNT = Reference(
    name="is an account of marts.customer_360",
    sql="SELECT account_id FROM marts.customer_360",
    reads=("marts.customer_360",),
)


def _error(kind: str, *columns: str, **kwargs: object) -> Rule:
    return Rule(kind, columns, Severity.ERROR, **kwargs)  # type: ignore[arg-type]


def _warn(kind: str, *columns: str, **kwargs: object) -> Rule:
    return Rule(kind, columns, Severity.WARN, **kwargs)  # type: ignore[arg-type]


def _counts(columns: tuple[str, ...]) -> list[Rule]:
    """Present and not negative: 0, never null, when there is nothing to count."""
    return [
        rule
        for col in columns
        for rule in (_error("not_null", col), _error("between", col, range=_NON_NEGATIVE))
    ]


def _as_of_and_health() -> list[Rule]:
    return [
        _error("not_null", "as_of_date"),
        _error("single_value", "as_of_date"),
        _error("between", "health_score", range=Range(0, 100)),
        _error("in_set", "health_band", values=HEALTH_BANDS),
    ]


def customer_360_spec() -> TableSpec:
    return TableSpec(
        name=f"{MARTS}.customer_360",
        table=f"{MARTS}.customer_360",
        row_id="account_id",
        rules=(
            _error("not_null", "account_id"),
            _error("unique", "account_id"),
            _error("reconcile", reconciliation=CUSTOMER_COUNT),
            *_as_of_and_health(),
            *_counts(CUSTOMER_360_COUNTS),
            _error("not_null", "is_version_current"),
            _error("not_null", "is_end_of_support"),
            _error("reconcile", "arr_usd", reconciliation=CUSTOMER_ARR),
            _error("reconcile", "seats_purchased", reconciliation=CUSTOMER_SEATS),
            _warn("matches", "account_id", pattern=SFDC_ID_18),
            _warn("matches", "parent_account_id", pattern=SFDC_ID_18),
            _warn("in_set", "region", values=("AMER", "EMEA", "APJ", "JAPAN")),
            _warn("in_set", "segment", values=("Enterprise", "Mid-Market", "SMB")),
            _warn("in_set", "support_tier", values=("Standard", "Premium", "TAM")),
            _warn("between", "nps_latest", range=Range(0, 10)),
            _warn("between", "csat_90d", range=Range(0, 1)),
            _warn("between", "seat_utilization", range=_NON_NEGATIVE),
            _warn("between", "days_to_renewal", range=_NON_NEGATIVE),
            _warn("between", "max_versions_behind", range=_NON_NEGATIVE),
            _warn("between", "days_since_last_activity", range=_NON_NEGATIVE),
            _warn("in_set", "health_trend", values=("improving", "stable", "declining")),
        ),
    )


def customer_product_360_spec() -> TableSpec:
    return TableSpec(
        name=f"{MARTS}.customer_product_360",
        table=f"{MARTS}.customer_product_360",
        row_id="account_id",
        rules=(
            _error("not_null", "account_id"),
            _error("not_null", "product_code"),
            _error("unique", "account_id", "product_code"),
            _error("references", "account_id", reference=CUSTOMER_360_ACCOUNT),
            *_as_of_and_health(),
            *_counts(PRODUCT_360_COUNTS),
            _warn("in_set", "support_tier", values=("Standard", "Premium", "TAM")),
            _warn("between", "csat_90d", range=Range(0, 1)),
            _warn("between", "seat_utilization", range=_NON_NEGATIVE),
            _warn("between", "max_versions_behind", range=_NON_NEGATIVE),
        ),
    )


def unmatched_records_spec() -> TableSpec:
    return TableSpec(
        name=f"{MARTS}.unmatched_records",
        table=f"{MARTS}.unmatched_records",
        row_id="record_id",
        rules=(
            _error("not_null", "source"),
            _error("not_null", "entity"),
            _error("not_null", "record_id"),
            _error("not_null", "reason"),
            _error("in_set", "source", values=SOURCES),
            _error("unique", "source", "entity", "record_id"),
        ),
    )


def mart_specs() -> list[TableSpec]:
    return [customer_360_spec(), customer_product_360_spec(), unmatched_records_spec()]


def model_asset_key(table: str) -> list[str]:
    """The Dagster asset key of a dbt model's table: ``staging.stg_crm__account`` ->
    ``["staging", "stg_crm__account"]`` (dagster-dbt keys a model with a schema so)."""
    return table.split(".")
