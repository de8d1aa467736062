"""Data-quality checks on the raw tables: real files, real DuckDB, real GX, real Dagster runs."""

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline.config import STOPPED_BY_TAG, CsConfig
from cs_pipeline.ingest import raw_assets
from cs_pipeline.quality.checks import ERROR_CHECK, WARN_CHECK
from cs_pipeline.quality.rules import (
    DATE,
    PATTERNS,
    SFDC_ID,
    TIMESTAMP,
    VERSION,
    Severity,
    raw_rules,
    raw_table_spec,
)
from cs_pipeline.quality.runner import Outcome, TableValidation, validate_table
from cs_pipeline.quality.suites import build_suite, raw_suite
from cs_pipeline.sources import EXTRACTS, QUALITY, extract, quality

ACC1, ACC2, USER = "001000000000001AAA", "001000000000002AAA", "005000000000001AAA"
SF_TS = "2023-01-05T10:00:00.000+0000"
ZD_TS = "2024-03-01T09:15:00Z"


# --- a small extract set that keeps every promise of the contract --------------------------------


def valid_records() -> dict[str, list[dict]]:
    """Rows per extract file (path relative to the extracts root), all values contract-valid."""
    account = {
        "Id": ACC1,
        "Name": "Acme",
        "ParentId": "",
        "Type": "Customer",
        "Industry": "Software",
        "Website": "https://www.acme.example",
        "BillingCountry": "US",
        "Region__c": "AMER",
        "Segment__c": "SMB",
        "OwnerId": USER,
        "CreatedDate": SF_TS,
        "LastModifiedDate": SF_TS,
        "IsDeleted": "false",
    }
    ticket = {
        "id": 101,
        "created_at": ZD_TS,
        "updated_at": ZD_TS,
        "status": "open",
        "priority": "high",
        "type": "problem",
        "subject": "Login fails",
        "organization_id": 1,
        "requester_email": "ops@acme.example",
        "tags": ["login"],
        "satisfaction_rating": {"score": "good"},
        "custom_fields": [{"id": 360001, "value": "ALPHA"}],
        "metric_set": {"solved_at": None},
    }
    return {
        "crm/Account.csv": [
            account,
            {
                **account,
                "Id": ACC2,
                "Name": "株式会社サンプル",
                "ParentId": ACC1,
                "Region__c": "JAPAN",
                "Segment__c": "Enterprise",
                "Type": "Former Customer",
            },
        ],
        "crm/User.csv": [
            {"Id": USER, "Name": "Casey CSM", "Email": "casey@vendor.example", "IsActive": "true"}
        ],
        "crm/Opportunity.csv": [
            {
                "Id": "006000000000001AAA",
                "AccountId": ACC1,
                "Name": "Renewal 2024",
                "Type": "Renewal",
                "StageName": "Closed Won",
                "Amount": "12000.50",
                "CurrencyIsoCode": "USD",
                "CloseDate": "2024-03-31",
                "IsClosed": "true",
                "IsWon": "true",
                "CreatedDate": SF_TS,
                "IsDeleted": "false",
            },
        ],
        "crm/Task.csv": [
            {
                "Id": "00T000000000001AAA",
                "AccountId": ACC1,
                "WhoId": "003000000000001AAA",
                "Subject": "QBR",
                "Type": "QBR",
                "ActivityDate": "2024-05-01",
                "Status": "Completed",
                "IsDeleted": "false",
            },
        ],
        "crm/NPS_Response__c.csv": [
            {
                "Id": f"a00000000000{i}01AAA",
                "Account__c": ACC1,
                "Respondent_Email__c": "ops@acme.example",
                "Score__c": str(score),
                "Comment__c": "ok, mostly",
                "Submitted_Date__c": "2024-04-01",
            }
            for i, score in ((1, 9), (2, 0), (3, 10))
        ],
        "support/organizations.jsonl": [
            {
                "id": 1,
                "name": "Acme",
                "external_id": ACC1[:15],
                "domain_names": ["acme.example"],
                "created_at": ZD_TS,
            },
            {
                "id": 2,
                "name": "Other",
                "external_id": None,
                "domain_names": [],
                "created_at": ZD_TS,
            },
        ],
        "support/tickets.jsonl": [
            ticket,
            {**ticket, "updated_at": "2024-03-02T09:15:00Z", "status": "solved"},
            {**ticket, "id": 102, "priority": None, "type": None},
        ],
        "finance/customers.csv": [
            {
                "customer_number": "C-000001",
                "company_name": "Acme Inc.",
                "sfdc_account_id": "",
                "billing_currency": "JPY",
            },
        ],
        "finance/subscriptions.csv": [
            {
                "contract_id": "K-1",
                "line_id": str(n),
                "customer_number": "C-000001",
                "product_code": "ALPHA",
                "start_date": "2024-01-01",
                "end_date": "2025-01-01",
                "annual_value": "1200000",
                "currency": "JPY",
                "support_tier": "Premium",
                "auto_renew": "Y",
                "status": "Active",
            }
            for n in (1, 2)
        ],
        "finance/invoices.csv": [
            {
                "invoice_number": "INV-1",
                "customer_number": "C-000001",
                "invoice_date": "2024-01-01",
                "due_date": "2024-01-31",
                "currency": "JPY",
                "amount": "1200000",
                "status": "Open",
                "paid_date": "",
            },
            {
                "invoice_number": "INV-2",
                "customer_number": "C-000001",
                "invoice_date": "2024-02-01",
                "due_date": "2024-02-29",
                "currency": "JPY",
                "amount": "-500",
                "status": "Credit",
                "paid_date": "2024-02-10",
            },
        ],
        "finance/fx_rates.csv": [
            {"currency": "JPY", "month": "2024-06", "rate_to_usd": "0.0064"},
            {"currency": "USD", "month": "2024-06", "rate_to_usd": "1"},
        ],
        "training/enrollments.csv": [
            {
                "enrollment_id": "E-1",
                "user_email": "ops@acme.example",
                "user_company": "ACME (Japan)",
                "course_code": "ADM-101",
                "course_name": "Admin",
                "product_code": "ALPHA",
                "enrolled_at": "2024-01-10T08:00:00Z",
                "completed_at": "2024-01-12T08:00:00Z",
                "status": "completed",
                "score": "87.5",
            },
            {
                "enrollment_id": "E-2",
                "user_email": "new@acme.example",
                "user_company": "Acme",
                "course_code": "ADM-101",
                "course_name": "Admin",
                "product_code": "ALPHA",
                "enrolled_at": "2024-01-10T08:00:00Z",
                "completed_at": "",
                "status": "not_started",
                "score": "",
            },
        ],
        "licenses/entitlements.csv": [
            {
                "entitlement_id": "ENT-1",
                "customer_code": "C-000001",
                "sfdc_account_id": "",
                "product_code": "ALPHA",
                "seats_purchased": "50",
                "start_date": "2024-01-01",
                "expiry_date": "2024-12-31",
            },
        ],
        "licenses/installations.csv": [
            {
                "installation_id": "INS-1",
                "entitlement_id": "ENT-1",
                "product_code": "ALPHA",
                "version": "12.4.1-hotfix2",
                "environment": "production",
                "seats_in_use": "42",
                "last_checkin_at": "2024-06-01T00:00:00Z",
            },
        ],
        "licenses/product_releases.csv": [
            {
                "product_code": "ALPHA",
                "version": "12.4",
                "release_date": "2024-01-15",
                "is_ga": "true",
                "end_of_support_date": "",
            },
            {
                "product_code": "ALPHA",
                "version": "9.10",
                "release_date": "2021-01-15",
                "is_ga": "true",
                "end_of_support_date": "2023-01-15",
            },
        ],
    }


def write_extracts(root: Path, records: dict[str, list[dict]]) -> None:
    for e in EXTRACTS:
        path = root / e.file
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = records[e.file]
        if e.format == "jsonl":
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        else:
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(e.columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            text = out.getvalue()
        path.write_text(text, encoding="utf-8")


@dg.asset(deps=[dg.AssetKey(["crm", "account"])])
def account_consumer() -> None:
    """Stands for everything downstream of raw.crm__account (dbt staging and on)."""


def run(tmp_path: Path, records: dict[str, list[dict]], *keys: tuple[str, str]):
    """Materialize raw assets (all, or those of ``keys``) with their checks and the consumer."""
    root = tmp_path / "extracts"
    write_extracts(root, records)
    selection = [dg.AssetKey(list(k)) for k in keys] if keys else [a.key for a in raw_assets]
    return dg.materialize(
        [*raw_assets, account_consumer],
        selection=[*selection, account_consumer.key],
        resources={
            "cs_config": CsConfig(
                extracts_dir=str(root),
                warehouse=str(tmp_path / "warehouse" / "cs360.duckdb"),
                as_of="2024-06-30",
            )
        },
        raise_on_error=False,
    )


def evaluations(
    result: dg.ExecuteInProcessResult,
) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    """The quality checks' evaluations by (table key as "source/entity", check name)."""
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
        if e.check_name in (ERROR_CHECK, WARN_CHECK)
    }


def result_of(evaluation: dg.AssetCheckEvaluation, rule: str) -> dict:
    [found] = [r for r in evaluation.metadata["results"].value if r["rule"] == rule]
    return found


def only_failed_rule(
    evaluation: dg.AssetCheckEvaluation, severity: dg.AssetCheckSeverity, rule: str
) -> dict:
    """The result of ``rule``, after asserting that the check failed at ``severity`` on that
    rule alone."""
    assert not evaluation.passed
    assert evaluation.severity == severity
    assert evaluation.metadata["failed_rules"].value == [rule]
    return result_of(evaluation, rule)


# --- end to end ----------------------------------------------------------------------------------


def test_clean_set_passes_every_check_without_progress_bars(tmp_path, capfd):
    records = valid_records()

    result = run(tmp_path, records)

    assert result.success
    evals = evaluations(result)
    assert set(evals) == {
        ("/".join(e.asset_key), name) for e in EXTRACTS for name in (ERROR_CHECK, WARN_CHECK)
    }
    failed = {k: e.description for k, e in evals.items() if not e.passed}
    assert failed == {}
    for e in EXTRACTS:
        for name in (ERROR_CHECK, WARN_CHECK):
            meta = evals[("/".join(e.asset_key), name)].metadata
            assert meta["rows"].value == len(records[e.file]), e.file
            assert meta["rows_validated"].value == len(records[e.file])
            assert meta["failed_expectations"].value == 0
            assert meta["source_file"].value == e.file
    assert evals[("crm/account", ERROR_CHECK)].metadata["expectations"].value == 2
    assert evals[("crm/account", ERROR_CHECK)].severity == dg.AssetCheckSeverity.ERROR
    assert evals[("crm/account", WARN_CHECK)].severity == dg.AssetCheckSeverity.WARN
    assert result.asset_materializations_for_node("account_consumer")
    # GX's tqdm bars ("Calculating Metrics: 100%|████| 8/8") must not reach the logs.
    out, err = capfd.readouterr()
    assert not re.search(r"Calculating Metrics|\d+%\|", out + err)


def test_duplicate_key_fails_its_check_and_skips_downstream_without_failing_it(tmp_path):
    records = valid_records()
    accounts = records["crm/Account.csv"]
    accounts.append({**accounts[0], "Name": "Acme (again)"})  # row 3 repeats row 1's Id

    result = run(tmp_path, records, ("crm", "account"))

    evals = evaluations(result)
    errors = evals[("crm/account", ERROR_CHECK)]
    unique = only_failed_rule(errors, dg.AssetCheckSeverity.ERROR, "Id is unique")
    assert unique["unexpected_count"] == 2
    assert unique["failing_rows"] == [
        {"Id": ACC1, "_source_file": "crm/Account.csv", "_row_number": 1},
        {"Id": ACC1, "_source_file": "crm/Account.csv", "_row_number": 3},
    ]
    assert unique["unexpected_values"] == [{"value": ACC1, "count": 2}]
    assert f"crm/Account.csv row 1: {ACC1}, crm/Account.csv row 3: {ACC1}" in (
        errors.metadata["failures"].value)
    assert errors.description == (
        "1 of 2 ERROR rule(s) failed: "
        "Id is unique (2 row(s): crm/Account.csv row 1, crm/Account.csv row 3)")
    assert evals[("crm/account", WARN_CHECK)].passed
    # The ERROR stops downstream: crm/account withholds its output, so the asset downstream
    # of it is skipped (not run), and no step fails: the UI shows one failed check, not a
    # cascade of failed assets and checks that never ran.
    assert result.success
    assert result.dagster_run.tags[STOPPED_BY_TAG] == "crm/account gx_errors"
    assert not result.asset_materializations_for_node("crm__account")
    assert not result.asset_materializations_for_node("account_consumer")
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
    assert skipped == ["account_consumer"]


def test_nps_score_out_of_range_warns_with_the_row_and_does_not_block(tmp_path):
    records = valid_records()
    records["crm/NPS_Response__c.csv"][1]["Score__c"] = "11"

    result = run(tmp_path, records, ("crm", "nps_response"), ("crm", "account"))

    assert result.success  # a WARN blocks nothing
    evals = evaluations(result)
    assert evals[("crm/nps_response", ERROR_CHECK)].passed
    warnings = evals[("crm/nps_response", WARN_CHECK)]
    out_of_range = only_failed_rule(
        warnings, dg.AssetCheckSeverity.WARN, "Score__c between 0 and 10"
    )
    assert out_of_range["unexpected_count"] == 1
    assert out_of_range["failing_rows"] == [
        {"Score__c": 11.0, "_source_file": "crm/NPS_Response__c.csv", "_row_number": 2}]
    assert result_of(warnings, "Score__c is an integer")["success"] is True
    assert result.asset_materializations_for_node("account_consumer")


def test_unparseable_date_warns_naming_the_column(tmp_path):
    records = valid_records()
    records["crm/Opportunity.csv"][0]["CloseDate"] = "31/03/2024"

    result = run(tmp_path, records, ("crm", "opportunity"))

    warnings = evaluations(result)[("crm/opportunity", WARN_CHECK)]
    assert not warnings.passed
    bad_date = result_of(warnings, "CloseDate is a date YYYY-MM-DD")
    assert bad_date["columns"] == ["CloseDate"]
    assert bad_date["unexpected_count"] == 1
    assert bad_date["failing_rows"] == [
        {"CloseDate": "31/03/2024", "_source_file": "crm/Opportunity.csv", "_row_number": 1}]
    assert "CloseDate" in warnings.description
    assert "CloseDate" in warnings.metadata["failures"].value


# --- the runner on a table built in DuckDB ------------------------------------------------------


@pytest.fixture
def tickets_db(tmp_path: Path) -> Path:
    """raw.support__tickets with 40 rows, of which rows 5 and 17 share id 5 and updated_at,
    row 9 has no updated_at and rows 3 and 30 carry an unknown status."""
    path = tmp_path / "wh.duckdb"
    columns = ", ".join(
        f"NULL::VARCHAR AS {c}"
        for c in extract("support", "tickets").columns
        if c not in ("id", "updated_at", "status")
    )
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            f"""CREATE TABLE raw.support__tickets AS
            SELECT CASE WHEN n = 17 THEN '5' ELSE n::VARCHAR END AS id,
                   CASE WHEN n = 9 THEN '  ' WHEN n IN (5, 17) THEN '2024-03-05T00:00:00Z'
                        ELSE '2024-03-01T00:00:00Z' END AS updated_at,
                   CASE WHEN n IN (3, 30) THEN 'escalated' ELSE 'open' END AS status,
                   {columns}, 'support/tickets.jsonl' AS _source_file, n AS _row_number
            FROM range(1, 41) r(n)"""
        )
    return path


def test_sql_pushdown_agrees_with_gx_on_whole_table_rules(tickets_db):
    spec = raw_table_spec(extract("support", "tickets"))

    whole = validate_table(spec, tickets_db)
    sampled = validate_table(spec, tickets_db, max_rows=10)

    assert (whole.rows, whole.rows_validated, whole.sampled) == (40, 40, False)
    assert (sampled.rows, sampled.sampled) == (40, True)
    assert 0 < sampled.rows_validated < 20  # about a quarter: every hash(_row_number) % 4 = 0
    by_rule = {o.rule: o for o in whole.outcomes}
    pushed = {o.rule: o for o in sampled.outcomes if o.engine == "duckdb"}
    assert set(pushed) == {
        "at least 1 row",
        "id is present",
        "updated_at is present",
        "(id, updated_at) is unique",
    }
    for rule, outcome in pushed.items():
        gx_outcome = by_rule[rule]
        assert gx_outcome.engine == "gx"
        assert outcome.success == gx_outcome.success, rule
        assert outcome.unexpected_count == gx_outcome.unexpected_count, rule
        assert outcome.failing_rows == [
            {k: gx_outcome.failing_rows[i][k] for k in row}
            for i, row in enumerate(outcome.failing_rows)
        ], rule
    assert pushed["updated_at is present"].failing_rows == [
        {"_source_file": "support/tickets.jsonl", "_row_number": 9, "updated_at": None}]
    assert pushed["(id, updated_at) is unique"].unexpected_count == 2
    assert by_rule["status in {new, open, pending, hold, solved, closed}"].unexpected_count == 2
    # The sample is the same on every run.
    again = validate_table(spec, tickets_db, max_rows=10)
    assert again.outcomes == sampled.outcomes


def test_sql_pushdown_finds_repeated_and_blank_keys_like_gx(tmp_path):
    """raw.crm__account: rows 2, 6 and 11 share an Id; row 4's Id is blank, row 8's NULL."""
    e = extract("crm", "account")
    path = tmp_path / "wh.duckdb"
    others = ", ".join(f"NULL::VARCHAR AS {c}" for c in e.columns if c != "Id")
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            f"""CREATE TABLE raw.crm__account AS
            SELECT CASE WHEN n IN (2, 6, 11) THEN '{ACC2}' WHEN n = 4 THEN ' '
                        WHEN n = 8 THEN NULL ELSE 'a' || lpad(n::VARCHAR, 17, '0') END AS Id,
                   {others}, 'crm/Account.csv' AS _source_file, n AS _row_number
            FROM range(1, 13) r(n)"""
        )
    spec = raw_table_spec(e)

    whole = {o.rule: o for o in validate_table(spec, path).outcomes}
    pushed = {o.rule: o for o in validate_table(spec, path, max_rows=3).outcomes}

    for rule in ("Id is present", "Id is unique"):
        assert (pushed[rule].engine, whole[rule].engine) == ("duckdb", "gx")
        assert pushed[rule].unexpected_count == whole[rule].unexpected_count, rule
        assert pushed[rule].unexpected_values == whole[rule].unexpected_values, rule
        assert pushed[rule].failing_rows == [
            {c: row[c] for c in ("_source_file", "_row_number", "Id")}
            for row in whole[rule].failing_rows
        ], rule
    assert [r["_row_number"] for r in pushed["Id is present"].failing_rows] == [4, 8]
    assert pushed["Id is unique"].unexpected_values == [{"value": ACC2, "count": 3}]
    assert [r["_row_number"] for r in pushed["Id is unique"].failing_rows] == [2, 6, 11]


def _empty_ticket_table(tmp_path: Path) -> Path:
    """A warehouse with an empty ``raw.support__tickets`` laid out as the ingest makes it."""
    path = tmp_path / "wh.duckdb"
    with duckdb.connect(str(path)) as con:
        columns = ", ".join(f'"{c}" VARCHAR' for c in extract("support", "tickets").columns)
        con.execute("CREATE SCHEMA raw")
        con.execute(f"CREATE TABLE raw.support__tickets ({columns}, _source_file VARCHAR, "
                    "_row_number BIGINT, _loaded_at TIMESTAMP)")
    return path


def _append_delta(path: Path) -> None:
    """A delta file appended to ``tickets_db``'s table, loaded a night later: 12 rows, of which
    row 1 repeats base rows 5/17 (id 5 at 2024-03-05: three rows now), row 2 repeats base row
    7 (unique until tonight: both rows count now), rows 5 and 6 repeat each other, row 3 has
    an unknown status and row 4 no id."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            """INSERT INTO raw.support__tickets BY NAME
            SELECT CASE n WHEN 1 THEN '5' WHEN 2 THEN '7' WHEN 4 THEN NULL
                          WHEN 5 THEN '100' WHEN 6 THEN '100' ELSE (100 + n)::VARCHAR END AS id,
                   CASE WHEN n = 1 THEN '2024-03-05T00:00:00Z' ELSE '2024-03-01T00:00:00Z' END
                       AS updated_at,
                   CASE WHEN n = 3 THEN 'escalated' ELSE 'solved' END AS status,
                   'support/tickets/d1.jsonl' AS _source_file, n AS _row_number,
                   TIMESTAMP '2026-11-02 02:00:00' AS _loaded_at
            FROM range(1, 13) r(n)"""
        )


@pytest.mark.parametrize("max_rows", [250_000, 10])
def test_appended_rows_give_the_verdicts_and_counts_of_the_whole_table(tmp_path, max_rows):
    """An incremental night validates only the rows of tonight's delta file and adds their
    verdicts to the stored ones: the same verdicts, counts and failing rows as a validation
    of the whole table (a full build of the same files), in GX and in SQL (``max_rows`` 10:
    ERROR rules and uniqueness in SQL, WARN rules on each file's own sample)."""
    spec = raw_table_spec(extract("support", "tickets"))
    path = _empty_ticket_table(tmp_path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            """INSERT INTO raw.support__tickets BY NAME
            SELECT CASE WHEN n = 17 THEN '5' ELSE n::VARCHAR END AS id,
                   CASE WHEN n = 9 THEN '  ' WHEN n IN (5, 17) THEN '2024-03-05T00:00:00Z'
                        ELSE '2024-03-01T00:00:00Z' END AS updated_at,
                   CASE WHEN n IN (3, 30) THEN 'escalated' ELSE 'open' END AS status,
                   'support/tickets.jsonl' AS _source_file, n AS _row_number,
                   TIMESTAMP '2026-11-01 02:00:00' AS _loaded_at
            FROM range(1, 41) r(n)"""
        )
    base = validate_table(spec, path, max_rows=max_rows)
    _append_delta(path)
    appended = "_loaded_at > TIMESTAMP '2026-11-01 02:00:00'"

    night = validate_table(spec, path, max_rows=max_rows, previous=base, appended=appended)
    full = validate_table(spec, path, max_rows=max_rows)

    _assert_same_verdicts(night, full)
    assert night.rows == 52 and night.sampled is (max_rows == 10)
    assert night.rows_carried == 40 and full.rows_carried == 0
    night_of = {o.rule: o for o in night.outcomes}
    # Base rows 5 and 17, 7, and delta rows 1, 2, 5 and 6.
    assert night_of["(id, updated_at) is unique"].unexpected_count == 7
    assert night_of["id is present"].unexpected_count == 1
    assert not night_of["id is present"].success
    status = night_of["status in {new, open, pending, hold, solved, closed}"]
    # Failing rows name their file and are ordered by file, then row: base row 5 before the
    # delta's row 1, and the delta's row 5 (same number as base row 5) after its row 2.
    tickets, d1 = "support/tickets.jsonl", "support/tickets/d1.jsonl"
    assert _where(night_of["(id, updated_at) is unique"]) == [
        (tickets, 5), (tickets, 7), (tickets, 17), (d1, 1), (d1, 2)]
    if max_rows > 40:  # every row seen: base rows 3 and 30, delta row 3
        assert status.unexpected_count == 3
        assert _where(status) == [(tickets, 3), (tickets, 30), (d1, 3)]
    # Another night brings an empty delta: nothing to read, the verdicts stay.
    assert validate_table(
        spec, path, max_rows=max_rows, previous=night,
        appended="_loaded_at > TIMESTAMP '2026-11-02 02:00:00'",
    ).outcomes == night.outcomes


def _where(outcome: Outcome) -> list[tuple[str, int]]:
    """(file, row number) of each failing row shown."""
    return [(r["_source_file"], r["_row_number"]) for r in outcome.failing_rows]


def _assert_same_verdicts(night: TableValidation, full: TableValidation) -> None:
    """An appended validation (``night``) says what a validation of the whole table says."""
    assert (night.rows, night.rows_validated) == (full.rows, full.rows_validated)
    assert [o.rule for o in night.outcomes] == [o.rule for o in full.outcomes]
    by_rule = {o.rule: o for o in full.outcomes}
    for outcome in night.outcomes:
        whole = by_rule[outcome.rule]
        assert outcome.success == whole.success, outcome.rule
        assert outcome.element_count == whole.element_count, outcome.rule
        assert outcome.unexpected_count == whole.unexpected_count, outcome.rule
        assert outcome.missing_count == whole.missing_count, outcome.rule
        assert outcome.unexpected_percent == pytest.approx(whole.unexpected_percent), outcome.rule
        assert outcome.observed_value == whole.observed_value, outcome.rule
        assert outcome.failing_rows == whole.failing_rows, outcome.rule


def _append_tickets(path: Path, file: str, loaded_at: str, ids: Sequence[str | None]) -> str:
    """Rows of one more ticket file, all stamped ``2024-03-01``; returns the SQL condition
    that selects them (as the ingest's checks select a night's appended rows)."""
    with duckdb.connect(str(path)) as con:
        con.executemany(
            "INSERT INTO raw.support__tickets (id, updated_at, status, _source_file, "
            "_row_number, _loaded_at) VALUES (?, '2024-03-01T00:00:00Z', 'open', ?, ?, ?)",
            [[id_, file, n, loaded_at] for n, id_ in enumerate(ids, start=1)],
        )
    return f"_loaded_at >= TIMESTAMP '{loaded_at}'"


@pytest.mark.parametrize("max_rows", [250_000, 10])
def test_a_repeated_key_written_with_spaces_is_caught_across_nights(tmp_path, max_rows):
    """Guards the appended uniqueness check's shortcut: while no earlier row holds an id
    other than the one validated (``NULLIF(trim(id), '')``), earlier rows are looked up by
    the stored id, without normalizing them. Night 1 appends ' 5' (base row 5's id with a
    space) and a blank id: the shortcut still finds base row 5, and the night remembers that
    two rows now hold such ids. Night 2 appends '5' and '6 ': earlier rows are normalized
    again, so the row ' 5' of night 1 is found, and base row 6."""
    spec = raw_table_spec(extract("support", "tickets"))
    path = _empty_ticket_table(tmp_path)
    _append_tickets(path, "support/tickets.jsonl", "2026-11-01 02:00:00",
                    [str(n) for n in range(1, 21)])
    base = validate_table(spec, path, max_rows=max_rows)
    # Counted by a whole validation's uniqueness grouping in SQL (above max_rows), else by
    # the first night.
    assert dict(base.keys_not_as_read) == ({"id": 0} if max_rows == 10 else {})
    unique = "(id, updated_at) is unique"

    appended = _append_tickets(path, "support/tickets/d1.jsonl", "2026-11-02 02:00:00",
                               [" 5", "", "21"])
    night1 = validate_table(spec, path, max_rows=max_rows, previous=base, appended=appended)
    _assert_same_verdicts(night1, validate_table(spec, path, max_rows=max_rows))
    assert {o.rule: o for o in night1.outcomes}[unique].unexpected_count == 2  # rows 5, d1 1
    assert dict(night1.keys_not_as_read) == {"id": 2}

    stored = TableValidation.from_json(spec, night1.to_json())  # as the ingest keeps it
    appended = _append_tickets(path, "support/tickets/d2.jsonl", "2026-11-03 02:00:00",
                               ["5", "6 ", "22"])
    night2 = validate_table(spec, path, max_rows=max_rows, previous=stored, appended=appended)
    full2 = validate_table(spec, path, max_rows=max_rows)
    _assert_same_verdicts(night2, full2)
    assert dict(full2.keys_not_as_read) == ({"id": 3} if max_rows == 10 else {})
    night_of = {o.rule: o for o in night2.outcomes}
    assert night_of[unique].unexpected_count == 5  # rows 5, 6, d1 1, d2 1 and d2 2
    assert not night_of["id is present"].success  # d1 row 2, blank
    assert night_of["id is present"].failing_rows == [
        {"id": None, "_source_file": "support/tickets/d1.jsonl", "_row_number": 2}]
    assert dict(night2.keys_not_as_read) == {"id": 3}


def test_great_expectations_import_leaves_scipy_stats_and_the_collector_alone(tmp_path):
    """Guards imports.import_lazily and imports.collector_paused: after the GX import (in a
    fresh interpreter, as a run's process), ``scipy.stats`` is not yet executed, and reading
    it gives the real module; no garbage collection ran while GX was imported (hundreds of
    thousands of objects: about 400 collections otherwise), and the collector is on again."""
    script = tmp_path / "gx_import.py"
    script.write_text(
        "import gc, sys\n"
        "from cs_pipeline.quality.runner import great_expectations\n"
        "during = []  # collections that started while GX was being imported\n"
        "def importing():\n"
        "    gx = sys.modules.get('great_expectations')\n"
        "    return gx is None or getattr(gx.__spec__, '_initializing', False)\n"
        "def collecting(phase, info):\n"
        "    if phase == 'start' and importing():\n"
        "        during.append(info['generation'])\n"
        "gc.callbacks.append(collecting)\n"
        "great_expectations().ExpectationSuite\n"
        "print(len(during), gc.isenabled())\n"
        "print(type(sys.modules['scipy.stats']).__name__)\n"
        "import scipy.stats\n"
        "print(round(scipy.stats.entropy([0.5, 0.5], [0.25, 0.75]), 6))\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "True", "_LazyModule", "0.143841"]


def test_appended_validation_falls_back_to_the_whole_table_when_rows_were_replaced(tickets_db):
    """A stored validation of other rows (the table was reloaded whole since) is not added to."""
    spec = raw_table_spec(extract("support", "tickets"))
    with duckdb.connect(str(tickets_db)) as con:
        con.execute("ALTER TABLE raw.support__tickets ADD COLUMN _loaded_at TIMESTAMP")
        con.execute("UPDATE raw.support__tickets SET _loaded_at = TIMESTAMP '2026-11-02'")
    whole = validate_table(spec, tickets_db)
    stale = validate_table(spec, tickets_db)  # as if of a table of 40 rows loaded earlier
    again = validate_table(spec, tickets_db, previous=stale,
                           appended="_loaded_at > TIMESTAMP '2026-11-01'")
    assert again.outcomes == whole.outcomes  # all 40 rows are new: validated once, not added


# --- the rules themselves -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (
            DATE,
            ["2024-02-29", "2023-12-31", "2024-04-30"],
            [
                "2024-02-30",
                "2024-04-31",
                "2024-13-01",
                "2024-1-01",
                "31/03/2024",
                "2024-03-01T00:00:00Z",
            ],
        ),
        (
            TIMESTAMP,
            [
                "2024-03-01T09:15:00.000+0000",
                "2024-03-01T09:15:00Z",
                "2024-03-01 09:15:00",
                "2024-03-01T09:15:00+09:00",
            ],
            ["2024-03-01", "2024-03-01T24:00:00Z", "2024-03-01T09:15Z", "yesterday"],
        ),
        (
            SFDC_ID,
            ["0015g00000AbCdE", "0015g00000AbCdEAAZ"],
            ["0015g00000AbCd", "0015g00000AbCdEA"],
        ),
        (VERSION, ["12.4.1", "9.10", "12.4.1-hotfix2"], ["12", "v12.4", "12.4.1.2"]),
    ],
)
def test_patterns(pattern, good, bad):
    assert [v for v in good if not re.search(pattern.regex, v)] == []
    assert [v for v in bad if re.search(pattern.regex, v)] == []


def test_rules_name_only_columns_of_the_contract():
    """Every column a declared rule names is a column the extract contract gives the file."""
    assert set(QUALITY) <= {(e.source, e.entity) for e in EXTRACTS}
    for e in EXTRACTS:
        q = quality(e)
        named = {
            *q.required,
            *(r.raw_column for r in q.rules),
            *(column for column, _ in q.formats),
            *(c for cols in q.unique_warn for c in cols),
            *(r.unless[0] for r in q.rules if r.unless),
        }
        assert named <= set(e.columns), (e.file, named - set(e.columns))
        assert {name for _, name in q.formats} <= set(PATTERNS), e.file


def test_error_rules_are_the_structural_ones():
    errors = {
        e.table: sorted((r.kind, r.columns) for r in raw_rules(e) if r.severity is Severity.ERROR)
        for e in EXTRACTS
    }
    assert errors["crm__account"] == [("not_null", ("Id",)), ("unique", ("Id",))]
    assert errors["finance__subscriptions"] == [
        ("not_null", ("contract_id",)),
        ("not_null", ("line_id",)),
        ("unique", ("contract_id", "line_id")),
    ]
    # Ticket ids repeat (one row per version); the version needs its updated_at.
    assert errors["support__tickets"] == [("not_null", ("id",)), ("not_null", ("updated_at",))]


def test_suites_carry_the_rule_severity_and_read_ranges_as_numbers():
    suite = raw_suite(extract("crm", "nps_response"))
    by_rule = {e.meta["rule"]: e for e in suite.expectations}
    assert suite.name == "raw.crm__nps_response"
    assert by_rule["Id is unique"].severity == "critical"
    assert by_rule["Score__c between 0 and 10"].severity == "warning"
    assert by_rule["Score__c between 0 and 10"].column == "Score__c::number"
    for e in EXTRACTS:
        spec = raw_table_spec(e)
        assert len(build_suite(spec).expectations) == len(spec.rules)
