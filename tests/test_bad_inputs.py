"""Bad-input catalog: realistic failures of real exports, each with its exact outcome.

Every case starts from one generated sample (20 accounts, written once per module) and spoils
it the way real exports go wrong. For each, the test pins what cs360 answers:

- a *blocking* failure (a file that cannot be read, a required column gone, an emptied export,
  a repeated primary key, a missing source) fails the named asset or check with a message that
  names the file, row or column, nothing downstream is built, and the warehouse BI tools read
  is byte for byte the previous good build;
- a *row-level* fault (an unparseable date, a negative amount, NPS 11 or 7.5, a currency
  without a rate, a garbage version, an orphan key) quarantines exactly the spoiled rows,
  counted per source, and the run goes on to publish;
- a *warning* (a five-day-old source, a 10x row-count spike, every ticket unmatched, a region
  outside the contract's list) is reported on the named asset and the run goes on to publish.

Run time is bounded by sharing work: one "previous night" raw load (for the row-count
history), then one full "bad-rows night" run holding every row-level and warning case at once
(each spoils different rows, so each case still has its own exact outcome), then each blocking
case runs only its raw asset with the dbt models and the publish step downstream of it, which
its failure skips.
"""

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline.config import STOPPED_BY_TAG, CsConfig
from cs_pipeline.dbt import cs360_dbt_models, dbt_resource
from cs_pipeline.definitions import all_assets, all_checks
from cs_pipeline.ingest import raw_assets
from cs_pipeline.quality.freshness import as_of_end
from cs_pipeline.sample_data.generator import generate
from cs_pipeline.sample_data.planted import planted_accounts
from cs_pipeline.sources import EXTRACTS

AS_OF = dt.date(2026, 11, 1)
ACCOUNTS = 20
SEED = 7
# Tonight's exports land at 02:00 UTC on the as-of day (22 h before its end: fresh).
DELIVERED_AT = dt.datetime.combine(AS_OF, dt.time(2), tzinfo=dt.UTC)
PUBLISH = dg.AssetKey("published_warehouse")
DBT_KEYS = list(cs360_dbt_models.keys)
KESTREL = next(p for p in planted_accounts(AS_OF) if p.key == "kestrel")


# --- files -------------------------------------------------------------------------------------


def _set_delivered(root: Path, moment: dt.datetime) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (moment.timestamp(), moment.timestamp()))


@dataclass
class Csv:
    """A delivered CSV read for editing, written back in its own byte style (BOM, CRLF)."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    bom: bool
    newline: str

    @classmethod
    def read(cls, path: Path) -> "Csv":
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
        header, *rows = list(csv.reader(io.StringIO(text, newline="")))
        return cls(path, header, rows, raw.startswith(codecs.BOM_UTF8), newline)

    def get(self, row_number: int, column: str) -> str:
        """The value of `column` in the record numbered `row_number` (1-based, as _row_number)."""
        return self.rows[row_number - 1][self.header.index(column)]

    def set(self, row_number: int, column: str, value: str) -> None:
        self.rows[row_number - 1][self.header.index(column)] = value

    def write(self) -> None:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator=self.newline)
        writer.writerow(self.header)
        writer.writerows(self.rows)
        data = out.getvalue().encode("utf-8")
        self.path.write_bytes((codecs.BOM_UTF8 if self.bom else b"") + data)


def _rewrite_jsonl(path: Path, edit: Callable[[dict], dict]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [edit(json.loads(line)) for line in lines if line.strip()]
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records),
        encoding="utf-8",
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- runs --------------------------------------------------------------------------------------


@dataclass
class Workspace:
    root: Path
    pristine: Path
    warehouse: Path  # the published file BI tools read

    def config(self, extracts: Path) -> CsConfig:
        return CsConfig(
            extracts_dir=str(extracts), warehouse=str(self.warehouse), as_of=AS_OF.isoformat()
        )

    def copy(self, name: str) -> Path:
        """A fresh copy of the pristine extracts, with their delivery times."""
        target = self.root / name
        shutil.copytree(self.pristine, target)
        return target

    def run(
        self, extracts: Path, selection: dg.AssetSelection | None = None
    ) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [*all_assets, *all_checks],
            selection=selection,
            resources={"cs_config": self.config(extracts), "dbt": dbt_resource},
            raise_on_error=False,
        )


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events()}


def _check(
    result: dg.ExecuteInProcessResult, asset: list[str], name: str
) -> dg.AssetCheckEvaluation:
    [evaluation] = [
        e for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(asset) and e.check_name == name
    ]
    return evaluation


def _failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Step key -> failure message, as the run's failure events say it."""
    return {
        event.step_key: (
            event.step_failure_data.user_failure_data.description
            if event.step_failure_data.user_failure_data
            else event.step_failure_data.error.message
        )
        for event in result.get_step_failure_events()
    }


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The generated sample and a warehouse that already has one night of raw loads."""
    root = tmp_path_factory.mktemp("bad_inputs")
    pristine = root / "pristine"
    generate(pristine, accounts=ACCOUNTS, seed=SEED, as_of=AS_OF)
    _set_delivered(pristine, DELIVERED_AT)
    workspace = Workspace(root, pristine, root / "warehouse" / "cs360.duckdb")
    # The previous night: raw loads only, which is all the row-count history needs.
    previous = dg.materialize(
        raw_assets, resources={"cs_config": workspace.config(pristine)}, raise_on_error=False
    )
    assert previous.success
    return workspace


# --- the bad-rows night: row-level faults and warnings, one full run ---------------------------


@dataclass(frozen=True)
class Quarantined:
    source: str
    entity: str
    record_id: str
    rule: str
    column_name: str
    offending_value: str
    source_file: str
    source_row_number: int


@dataclass
class Night:
    extracts: Path
    result: dg.ExecuteInProcessResult
    quarantined: set[Quarantined]
    spike_previous_rows: int
    enrollment_rows: int
    future_nps_id: str
    nps_after_as_of_pristine: int
    new_region_row: int
    whole_seats_with_a_point: tuple[str, int]  # (entitlement_id, seats delivered as "<n>.0")


def _spoil(csv_file: Csv, source: str, entity: str, row: int, column: str, value: str,
           rule: str, key: str, found: set[Quarantined]) -> None:
    csv_file.set(row, column, value)
    found.add(Quarantined(source, entity, csv_file.get(row, key), rule, column, value,
                          csv_file.path.parent.name + "/" + csv_file.path.name, row))


def _random_rows(csv_file: Csv, key: str, planted_prefix: str, skip: Callable[[int], bool]
                 ) -> list[int]:
    """Record numbers from the end of the file, of generated (not planted) records."""
    return [
        n for n in range(len(csv_file.rows), 0, -1)
        if not csv_file.get(n, key).startswith(planted_prefix) and not skip(n)
    ]


@pytest.fixture(scope="module")
def night(ws: Workspace) -> Night:
    extracts = ws.copy("night")
    found: set[Quarantined] = set()

    # Unparseable dates, a negative amount and a currency without an exchange rate (ERP).
    invoices = Csv.read(extracts / "finance" / "invoices.csv")
    inv = _random_rows(invoices, "invoice_number", "INV-0",
                       skip=lambda n: invoices.get(n, "status") == "Credit")
    _spoil(invoices, "finance", "invoices", inv[0], "due_date", "2026-02-30", "invalid_date",
           "invoice_number", found)
    _spoil(invoices, "finance", "invoices", inv[1], "due_date", "31/12/2026", "invalid_date",
           "invoice_number", found)
    _spoil(invoices, "finance", "invoices", inv[2], "amount", "-1250.00", "negative_value",
           "invoice_number", found)
    _spoil(invoices, "finance", "invoices", inv[3], "currency", "BRL",
           "currency_without_fx_rate", "invoice_number", found)
    invoices.write()
    subscriptions = Csv.read(extracts / "finance" / "subscriptions.csv")
    sub = _random_rows(subscriptions, "contract_id", "CTR-0", skip=lambda n: False)[0]
    subscriptions.set(sub, "annual_value", "-1200.00")
    line = f"{subscriptions.get(sub, 'contract_id')}:{subscriptions.get(sub, 'line_id')}"
    found.add(Quarantined("finance", "subscriptions", line, "negative_value", "annual_value",
                          "-1200.00", "finance/subscriptions.csv", sub))
    subscriptions.write()

    # NPS 11 on a 0-10 scale; a response dated after as-of (kept, not counted as of D).
    nps = Csv.read(extracts / "crm" / "NPS_Response__c.csv")
    nps_after_as_of = sum(
        1 for n in range(1, len(nps.rows) + 1)
        if nps.get(n, "Submitted_Date__c")
        and dt.date.fromisoformat(nps.get(n, "Submitted_Date__c")) > AS_OF
    )
    nps_rows = _random_rows(nps, "Id", "a0BDn", lambda n: False)
    _spoil(nps, "crm", "NPS_Response__c", nps_rows[0], "Score__c", "11", "out_of_range", "Id",
           found)
    # Half a point: no whole number, so not rounded to 8.
    _spoil(nps, "crm", "NPS_Response__c", nps_rows[1], "Score__c", "7.5", "invalid_integer",
           "Id", found)
    future_id = "a0BDn00000P0999MAB"
    nps.rows.append([future_id, KESTREL.account_id, "anna.schmidt@kestrel-analytics.de", "0",
                     "typed in by a survey tool with a wrong clock",
                     (AS_OF + dt.timedelta(days=30)).isoformat()])
    nps.write()

    # Seats written as a decimal with no fraction ("40.0"): a whole number, staged.
    entitlements = Csv.read(extracts / "licenses" / "entitlements.csv")
    ent = _random_rows(entitlements, "entitlement_id", "ENT-0",
                       skip=lambda n: not entitlements.get(n, "seats_purchased"))[0]
    seats = int(entitlements.get(ent, "seats_purchased"))
    entitlements.set(ent, "seats_purchased", f"{seats}.0")
    entitlements.write()

    # Garbage versions, negative seats and an installation of an entitlement that does not exist.
    installs = Csv.read(extracts / "licenses" / "installations.csv")
    ins = _random_rows(installs, "installation_id", "INS-0", skip=lambda n: False)
    _spoil(installs, "licenses", "installations", ins[0], "version", "latest", "invalid_version",
           "installation_id", found)
    _spoil(installs, "licenses", "installations", ins[1], "version", "12.x", "invalid_version",
           "installation_id", found)
    _spoil(installs, "licenses", "installations", ins[2], "seats_in_use", "-3",
           "negative_value", "installation_id", found)
    _spoil(installs, "licenses", "installations", ins[3], "entitlement_id", "ENT-9999999",
           "orphan_reference", "installation_id", found)
    installs.write()

    # Every ticket unmatched: the Zendesk export came without organization_id.
    _rewrite_jsonl(extracts / "support" / "tickets.jsonl",
                   lambda r: {**r, "organization_id": None})

    # A 10x row-count spike: the LMS report appended nine copies of itself (fresh ids).
    enrollments = Csv.read(extracts / "training" / "enrollments.csv")
    previous_rows = len(enrollments.rows)
    copies = [
        [f"{row[0]}-{copy}", *row[1:]] for copy in range(1, 10) for row in enrollments.rows
    ]
    enrollments.rows += copies
    enrollments.write()

    # A region the CRM added after the contract was written (on a planted customer).
    accounts = Csv.read(extracts / "crm" / "Account.csv")
    [new_region_row] = [n for n in range(1, len(accounts.rows) + 1)
                        if accounts.get(n, "Id") == KESTREL.account_id]
    accounts.set(new_region_row, "Region__c", "LATAM")
    accounts.write()

    # Everything delivered tonight, except licenses/: its three files are five days old.
    _set_delivered(extracts, DELIVERED_AT)
    _set_delivered(extracts / "licenses", as_of_end(AS_OF) - dt.timedelta(days=5))

    result = ws.run(extracts)
    return Night(extracts, result, found, previous_rows, len(enrollments.rows), future_id,
                 nps_after_as_of, new_region_row,
                 (entitlements.get(ent, "entitlement_id"), seats))


def _listed(ws: Workspace, columns: str, where: str, order_by: str | None = None) -> list[tuple]:
    """Rows of marts.quarantined_records (``columns``, ``where``, ``order_by``)."""
    order = f" order by {order_by}" if order_by else ""
    return _query(
        ws.warehouse, f"select {columns} from marts.quarantined_records where {where}{order}"
    )


def _planted_and_listed(
    ws: Workspace, night: Night, rule: str, columns: str, where: str | None = None
) -> tuple[Quarantined, list[tuple]]:
    """The one planted row whose first broken rule is ``rule``, and the rows of
    marts.quarantined_records (``columns``) for it (``where``; by default that rule)."""
    [q] = [q for q in night.quarantined if q.rule == rule]
    return q, _listed(ws, columns, where or f"rule = {rule!r}")


def test_bad_rows_night_still_publishes(ws: Workspace, night: Night) -> None:
    assert night.result.success, _failures(night.result)
    assert PUBLISH in _materialized(night.result)
    assert _query(ws.warehouse, "select count(*) from marts.customer_360")[0][0] > 0


def test_unparseable_dates_are_quarantined(ws: Workspace, night: Night) -> None:
    rows = _listed(
        ws, "record_id, column_name, offending_value, expected, rules_broken",
        "rule = 'invalid_date'", order_by="record_id",
    )
    expected = sorted(
        (q.record_id, "due_date", q.offending_value, "a date YYYY-MM-DD", 1)
        for q in night.quarantined if q.rule == "invalid_date"
    )
    assert len(expected) == 2 and rows == expected
    ids = ", ".join(f"'{r[0]}'" for r in rows)
    staged = "select count(*) from staging.stg_finance__invoices where invoice_number in "
    assert _query(ws.warehouse, f"{staged}({ids})") == [(0,)]  # not loaded with a NULL date


def test_negative_amounts_and_seats_are_quarantined_but_credit_notes_are_not(
    ws: Workspace, night: Night
) -> None:
    rows = set(_listed(
        ws, "entity, record_id, column_name, offending_value", "rule = 'negative_value'"
    ))
    assert rows == {
        (q.entity, q.record_id, q.column_name, q.offending_value)
        for q in night.quarantined if q.rule == "negative_value"
    }
    assert len(rows) == 3
    # A credit note is negative by nature and stays staged.
    credits = _query(
        ws.warehouse,
        "select count(*) from staging.stg_finance__invoices where status = 'Credit' and amount < 0",
    )[0][0]
    assert credits >= 1


def test_nps_eleven_is_quarantined(ws: Workspace, night: Night) -> None:
    q, rows = _planted_and_listed(
        ws, night, "out_of_range",
        "record_id, offending_value, expected, source_file, source_row_number",
        where="entity = 'NPS_Response__c' and rule = 'out_of_range'",
    )
    assert rows == [(q.record_id, "11", "a number between 0 and 10",
                     "crm/NPS_Response__c.csv", q.source_row_number)]


def test_a_score_with_a_fraction_is_quarantined_and_a_whole_one_with_a_point_staged(
    ws: Workspace, night: Night
) -> None:
    q, rows = _planted_and_listed(
        ws, night, "invalid_integer",
        "record_id, offending_value, expected, source_file, source_row_number",
    )
    assert rows == [(q.record_id, "7.5", "a whole number", "crm/NPS_Response__c.csv",
                     q.source_row_number)]
    entitlement_id, seats = night.whole_seats_with_a_point
    staged = _query(
        ws.warehouse,
        "select seats_purchased from staging.stg_licenses__entitlements "
        f"where entitlement_id = '{entitlement_id}'",
    )
    assert staged == [(seats,)]


def test_currency_without_fx_rate_is_quarantined(ws: Workspace, night: Night) -> None:
    q, rows = _planted_and_listed(
        ws, night, "currency_without_fx_rate", "record_id, column_name, offending_value, expected"
    )
    assert rows == [(q.record_id, "currency", "BRL", "USD or a currency of finance/fx_rates.csv")]


def test_garbage_versions_are_quarantined(ws: Workspace, night: Night) -> None:
    rows = _listed(
        ws, "record_id, offending_value", "rule = 'invalid_version'", order_by="offending_value"
    )
    expected = sorted(
        ((q.record_id, q.offending_value) for q in night.quarantined
         if q.rule == "invalid_version"), key=lambda r: r[1],
    )
    assert rows == expected and [v for _, v in rows] == ["12.x", "latest"]


def test_orphan_installation_is_quarantined_not_unmatched(ws: Workspace, night: Night) -> None:
    q, rows = _planted_and_listed(
        ws, night, "orphan_reference", "record_id, column_name, offending_value, expected"
    )
    assert rows == [(q.record_id, "entitlement_id", "ENT-9999999",
                     "the entitlement_id of a record in licenses/entitlements.csv")]
    unmatched = _query(
        ws.warehouse,
        f"select count(*) from marts.unmatched_records where record_id = '{q.record_id}'",
    )
    assert unmatched == [(0,)]


def test_quarantine_holds_exactly_the_spoiled_rows_and_every_row_is_accounted_for(
    ws: Workspace, night: Night
) -> None:
    rows = _query(
        ws.warehouse,
        "select source, entity, record_id, rule, column_name, offending_value, source_file, "
        "source_row_number from marts.quarantined_records",
    )
    assert {Quarantined(*r) for r in rows} == night.quarantined
    assert len(rows) == len(night.quarantined) == 11  # nothing of the sample itself
    summary = {
        (s, e): (raw, staged, quarantined, unaccounted)
        for s, e, raw, staged, quarantined, unaccounted in _query(
            ws.warehouse,
            "select source, entity, raw_rows, staged, quarantined, unaccounted "
            "from marts.data_quality_summary",
        )
    }
    assert {k: v[2] for k, v in summary.items() if v[2]} == {
        ("finance", "invoices"): 4,
        ("finance", "subscriptions"): 1,
        ("crm", "NPS_Response__c"): 2,
        ("licenses", "installations"): 4,
    }
    assert all(v[3] == 0 for v in summary.values())
    invoices_raw, invoices_staged, _, _ = summary[("finance", "invoices")]
    assert invoices_staged == invoices_raw - 4
    check = _check(night.result, ["marts", "data_quality_summary"], "reconciliation")
    assert check.passed and check.blocking
    assert check.metadata["finance.quarantined"].value == 5
    assert check.metadata["licenses.quarantined"].value == 4
    assert check.metadata["crm.quarantined"].value == 2
    assert check.metadata["support.quarantined"].value == 0


def test_future_dated_record_is_kept_and_left_out_of_as_of_figures(
    ws: Workspace, night: Night
) -> None:
    staged = _query(
        ws.warehouse,
        f"select score from staging.stg_crm__nps_response "
        f"where nps_response_id = '{night.future_nps_id}'",
    )
    assert staged == [(0,)]
    after = _query(
        ws.warehouse,
        "select dated_after_as_of from marts.data_quality_summary "
        "where entity = 'NPS_Response__c'",
    )
    assert after == [(night.nps_after_as_of_pristine + 1,)]
    nps_latest = _query(
        ws.warehouse,
        f"select nps_latest from marts.customer_360 where account_id = '{KESTREL.account_id}'",
    )
    assert nps_latest == [(KESTREL.expected["nps_latest"],)]


def test_a_region_outside_the_contracts_list_is_warned_about_and_the_customer_kept(
    ws: Workspace, night: Night
) -> None:
    """Region and segment only describe an account: a value the CRM added is staged as
    delivered (the customer keeps its row and its records), and the raw table's WARN check
    names the value and its row."""
    kept = _query(
        ws.warehouse,
        f"select region, health_score is not null, nps_latest from marts.customer_360 "
        f"where account_id = '{KESTREL.account_id}'",
    )
    assert kept == [("LATAM", True, KESTREL.expected["nps_latest"])]
    assert _listed(ws, "count(*)", "entity = 'Account'") == [(0,)]
    check = _check(night.result, ["crm", "account"], "gx_warnings")
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)
    results = {o["rule"]: o for o in check.metadata["results"].value}
    region = results["Region__c in {AMER, EMEA, APJ, JAPAN}"]
    assert (region["unexpected_count"], region["failing_rows"]) == (1, [
        {"_source_file": "crm/Account.csv", "_row_number": night.new_region_row,
         "Region__c": "LATAM"}])
    assert results["Segment__c in {Enterprise, Mid-Market, SMB}"]["unexpected_count"] == 0


def test_all_tickets_unmatched_warns_on_the_match_rate(ws: Workspace, night: Night) -> None:
    staged, matched, unmatched, rate = _query(
        ws.warehouse,
        "select staged, matched, unmatched, match_rate from marts.data_quality_summary "
        "where source = 'support' and entity = 'tickets'",
    )[0]
    assert (matched, unmatched, rate) == (0, staged, 0.0)
    reasons = _query(
        ws.warehouse,
        "select reason, count(*) from marts.unmatched_records where entity = 'tickets' "
        "group by reason",
    )
    assert reasons == [("no_key", staged)]
    check = _check(night.result, ["marts", "data_quality_summary"], "match_rates_meet_minimum")
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert not check.blocking
    below = _check(night.result, ["marts", "data_quality_summary"], "reconciliation").metadata
    assert below["below_min_match_rate"].value == ["support/tickets"]


def test_ten_times_the_rows_warns_on_the_row_count(night: Night) -> None:
    check = _check(night.result, ["training", "enrollments"], "row_count_change")
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert check.metadata["rows"].value == night.enrollment_rows == 10 * night.spike_previous_rows
    assert check.metadata["previous_rows"].value == night.spike_previous_rows
    assert check.metadata["ratio"].value == 10.0
    assert check.description.startswith(
        f"training/enrollments.csv: {night.enrollment_rows} rows, 10.0x the previous load "
        f"({night.spike_previous_rows} rows,"
    )
    others = [
        _check(night.result, e.asset_key, "row_count_change") for e in EXTRACTS
        if e.asset_key != ["training", "enrollments"]
    ]
    assert all(c.passed for c in others)


def test_five_day_old_source_warns_on_freshness(night: Night) -> None:
    for e in EXTRACTS:
        check = _check(night.result, e.asset_key, "freshness")
        if e.source != "licenses":
            assert check.passed, e.file
            continue
        assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)
        assert check.metadata["age_hours"].value == 120.0
        assert check.description == (
            f"{night.extracts / e.file}: last modified 2026-10-28T00:00:00Z, 120.0 h before the "
            "end of as-of 2026-11-01 (UTC); expected within 36 h"
        )


# --- blocking failures: one raw asset, then dbt and publish, which its failure skips ----------


@dataclass(frozen=True)
class Blocking:
    """A spoiled export whose run must stop before anything is published."""

    name: str
    entity: tuple[str, str]
    spoil: Callable[[Path], None]
    # (asset, check) whose ERROR stops the run; check None: the asset itself fails.
    failing_check: str | None
    message: Callable[[Path], list[str]]  # every part must be in the failure's message


def _delete(relative: str) -> Callable[[Path], None]:
    return lambda root: (root / relative).unlink()


def _header_only(root: Path) -> None:
    path = root / "crm" / "Opportunity.csv"
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"\n") + 1])


def _drop_column(relative: str, column: str, rename: str | None = None) -> Callable[[Path], None]:
    def spoil(root: Path) -> None:
        f = Csv.read(root / relative)
        i = f.header.index(column)
        if rename is None:
            del f.header[i]
            for row in f.rows:
                del row[i]
        else:
            f.header[i] = rename
        f.write()

    return spoil


def _semicolons(root: Path) -> None:
    f = Csv.read(root / "finance" / "subscriptions.csv")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator=f.newline)
    writer.writerow(f.header)
    writer.writerows(f.rows)
    f.path.write_text(out.getvalue(), encoding="utf-8")


def _truncate_last_line(root: Path) -> None:
    path = root / "training" / "enrollments.csv"
    data = path.read_bytes().rstrip(b"\n")
    last = data.rindex(b"\n") + 1
    cut = data.index(b",", data.index(b",", last) + 1)  # after the second field of the last row
    path.write_bytes(data[:cut] + b"\n")


def _line_count(path: Path) -> int:
    return len(path.read_bytes().splitlines())


def _latin1_user(root: Path) -> None:
    """A user added by hand in a Latin-1 editor: one Western name amid UTF-8 Japanese ones."""
    f = Csv.read(root / "crm" / "User.csv")
    f.set(3, "Name", "@@name@@")
    f.write()
    f.path.write_bytes(f.path.read_bytes().replace(b"@@name@@", "Jürgen Müller".encode("latin-1")))


def _truncated_json(root: Path) -> None:
    path = root / "support" / "organizations.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[4] = lines[4][: len(lines[4]) // 2] + b"\n"  # a transfer cut mid-record, line 5
    path.write_bytes(b"".join(lines))


def _duplicate_customer(root: Path) -> None:
    path = root / "finance" / "customers.csv"  # Shift_JIS, CRLF: duplicated byte for byte
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines, lines[-1]]))


def _whole_source_missing(root: Path) -> None:
    shutil.rmtree(root / "training")


BLOCKING = [
    Blocking("missing_file", ("crm", "nps_response"), _delete("crm/NPS_Response__c.csv"), None,
             lambda r: [f"{r / 'crm' / 'NPS_Response__c.csv'}: file not found"]),
    Blocking("whole_source_missing", ("training", "enrollments"), _whole_source_missing, None,
             lambda r: [f"{r / 'training' / 'enrollments.csv'}: file not found"]),
    Blocking("empty_file", ("finance", "invoices"), lambda r: (r / "finance" / "invoices.csv")
             .write_bytes(b""), None,
             lambda r: [f"{r / 'finance' / 'invoices.csv'}: empty: no header row"]),
    Blocking("header_only", ("crm", "opportunity"), _header_only, "row_count_change",
             lambda r: ["crm/Opportunity.csv: 0 rows, the previous load (", "the export is empty"]),
    Blocking("missing_required_column", ("licenses", "entitlements"),
             _drop_column("licenses/entitlements.csv", "seats_purchased"), None,
             lambda r: [f"{r / 'licenses' / 'entitlements.csv'}: missing required column(s) "
                        "seats_purchased; header has: entitlement_id, customer_code"]),
    Blocking("renamed_column", ("crm", "account"),
             _drop_column("crm/Account.csv", "Region__c", rename="Region"), None,
             lambda r: [f"{r / 'crm' / 'Account.csv'}: missing required column(s) Region__c",
                        "BillingCountry, Region, Segment__c"]),
    Blocking("semicolon_delimiter", ("finance", "subscriptions"), _semicolons, None,
             lambda r: [f"{r / 'finance' / 'subscriptions.csv'}: missing required column(s) "
                        "contract_id", "separated by something other than commas"]),
    Blocking("truncated_last_line", ("training", "enrollments"), _truncate_last_line, None,
             lambda r: [f"{r / 'training' / 'enrollments.csv'}: not a valid comma-separated, "
                        "double-quoted CSV",
                        f"Line: {_line_count(r / 'training' / 'enrollments.csv')}"]),
    Blocking("invalid_utf8_not_shift_jis", ("crm", "user"), _latin1_user, None,
             lambda r: [f"{r / 'crm' / 'User.csv'}", "not UTF-8 and not Shift_JIS",
                        "(line 4)"]),
    Blocking("truncated_json_line", ("support", "organizations"), _truncated_json, None,
             lambda r: [f"{r / 'support' / 'organizations.jsonl'}: line 5: malformed JSON"]),
    Blocking("duplicate_primary_key", ("finance", "customers"), _duplicate_customer, "gx_errors",
             # The repeated last line: the file's last two rows, named with the file.
             lambda r: [
                 "customer_number is unique (2 row(s): "
                 f"finance/customers.csv row {_line_count(r / 'finance' / 'customers.csv') - 2}, "
                 f"finance/customers.csv row {_line_count(r / 'finance' / 'customers.csv') - 1})"
             ]),
]


@pytest.mark.parametrize("case", BLOCKING, ids=lambda c: c.name)
def test_blocking_failure_keeps_the_published_warehouse(
    ws: Workspace, night: Night, case: Blocking
) -> None:
    assert night.result.success  # the good build BI tools read before this case
    published = _sha256(ws.warehouse)
    published_mtime = ws.warehouse.stat().st_mtime_ns
    extracts = ws.copy(case.name)
    case.spoil(extracts)
    raw_key = dg.AssetKey(list(case.entity))

    result = ws.run(extracts, dg.AssetSelection.assets(raw_key, *DBT_KEYS, PUBLISH))

    if case.failing_check is None:  # the asset itself failed: the run fails
        assert not result.success
        message = _failures(result)["__".join(case.entity)]
    else:  # a failed ERROR check stops downstream: skipped, not failed; the run is tagged
        assert result.success
        assert result.dagster_run.tags[STOPPED_BY_TAG] == (
            f"{raw_key.to_user_string()} {case.failing_check}"
        )
        check = _check(result, list(case.entity), case.failing_check)
        assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
        message = check.description or ""
    for part in case.message(extracts):
        assert part in message, message
    # Nothing downstream ran: no dbt model, no publish; BI still reads the previous build.
    assert _materialized(result) <= {raw_key}
    assert (_sha256(ws.warehouse), ws.warehouse.stat().st_mtime_ns) == (published, published_mtime)


def test_missing_file_is_a_freshness_error_saying_what_is_missing(ws: Workspace) -> None:
    extracts = ws.copy("freshness_missing")
    (extracts / "crm" / "NPS_Response__c.csv").unlink()
    shutil.rmtree(extracts / "training")
    selection = dg.AssetSelection.assets(
        dg.AssetKey(["crm", "nps_response"]), dg.AssetKey(["training", "enrollments"])
    )
    result = ws.run(extracts, selection)
    nps = _check(result, ["crm", "nps_response"], "freshness")
    training = _check(result, ["training", "enrollments"], "freshness")
    for check in (nps, training):
        assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert nps.metadata["status"].value == "file_missing"
    assert nps.description == (
        f"{extracts / 'crm' / 'NPS_Response__c.csv'}: file not found "
        "(the other crm files are there)"
    )
    assert training.metadata["status"].value == "source_missing"
    assert training.description == (
        f"{extracts / 'training' / 'enrollments.csv'}: file not found, and no file of source "
        f"training is in {extracts / 'training'}: the training/ export is missing entirely"
    )
