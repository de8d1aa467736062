"""The reconciliations of the marts: what only an independent recomputation can prove.

Every other guarantee of the dbt models lives in dbt, once: a staging model's grain in its
YAML tests (`unique`/`not_null` on the key), its typed values in the quarantine (a row whose
value breaks a rule never reaches staging: cs_pipeline/sources.py), a mart's columns, types,
bounds and bands in its enforced contract and YAML tests. Python does not prove them again.

What stays here is the check dbt's tests cannot express: a mart total against the same figure
computed *independently*, in SQL, from the staging and intermediate models (not from the models
customer_360 is built from): the number of live customer accounts, their ARR at the as-of rate,
their active seats, their stale production installations. A disagreement means the mart's own
joins or filters are wrong, even when every row looks valid. One blocking check (`gx_errors`)
on ``["marts", "customer_360"]``, evaluated in DuckDB over the whole table after ``dbt build``;
a failing one stops the publish.
"""

from __future__ import annotations

from cs_pipeline.quality.rules import Reconciliation, Rule, Severity, TableSpec

MARTS = "marts"

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
# (int_fx_rates_as_of, int_subscription_lines_converted, int_subscription_lines_active,
# int_accounts_measured): Active lines with
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
                   CAST(s.annual_value * CASE WHEN s.currency = 'USD' THEN 1 ELSE r.rate_to_usd END
                        AS DECIMAL(18, 6)) AS annual_value_usd
            FROM intermediate.int_subscriptions_resolved AS s
            LEFT JOIN rates AS r ON r.currency = s.currency
            WHERE s.status = 'Active' AND s.start_date <= {{as_of}} AND s.end_date > {{as_of}}
        )
        -- Converted to exact decimals (6 places, as the contract's ARR is), so each account's
        -- total and the sum over 100 000 accounts are exact; sums of doubles drifted past the cent.
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

# Stale production installations as the contract defines them (production installations of
# entitlements active on as-of whose last_checkin_at is empty or whose date is more than 30
# days before as-of), per matched customer account, without int_entitlements_active or
# int_installation_versions.
CUSTOMER_STALE_INSTALLATIONS = Reconciliation(
    name="the stale production installations of active entitlements of matched customer "
    "accounts, from staging/intermediate",
    sql=f"""
        SELECT c.account_id, count(i.installation_id)
        FROM ({_LIVE_CUSTOMERS}) AS c
        LEFT JOIN intermediate.int_entitlements_resolved AS e
            ON e.account_id = c.account_id
            AND e.start_date <= {{as_of}} AND e.expiry_date >= {{as_of}}
        LEFT JOIN intermediate.int_installations_resolved AS i
            ON i.entitlement_id = e.entitlement_id
            AND i.environment = 'production'
            AND (i.last_checkin_at IS NULL OR {{as_of}} - CAST(i.last_checkin_at AS DATE) > 30)
        GROUP BY c.account_id
    """,
    reads=(
        "staging.stg_crm__account",
        "intermediate.int_entitlements_resolved",
        "intermediate.int_installations_resolved",
    ),
)


def _reconcile(column: str | None, reconciliation: Reconciliation) -> Rule:
    columns = (column,) if column else ()
    return Rule("reconcile", columns, Severity.ERROR, reconciliation=reconciliation)


def customer_360_spec() -> TableSpec:
    return TableSpec(
        name=f"{MARTS}.customer_360",
        table=f"{MARTS}.customer_360",
        row_id="account_id",
        rules=(
            _reconcile(None, CUSTOMER_COUNT),
            _reconcile("arr_usd", CUSTOMER_ARR),
            _reconcile("seats_purchased", CUSTOMER_SEATS),
            _reconcile("stale_production_installations", CUSTOMER_STALE_INSTALLATIONS),
        ),
    )


def mart_specs() -> list[TableSpec]:
    return [customer_360_spec()]


def model_asset_key(table: str) -> list[str]:
    """The Dagster asset key of a dbt model's table: ``marts.customer_360`` ->
    ``["marts", "customer_360"]`` (dagster-dbt keys a model with a schema so)."""
    return table.split(".")
