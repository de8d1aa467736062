"""The sample extract generator: determinism, conformance to the extract contract, the
documented quirks, and the planted accounts' expected customer_360 values.

The planted expectations in ``cs_pipeline.sample_data.planted`` are written by hand; here an
independent, deliberately plain reading of the contract recomputes them from the files, so
a generator change that silently breaks a story fails before any end-to-end run does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from cs_pipeline.sample_data import catalog, generate, planted_accounts, sfdc_id_18
from cs_pipeline.sample_data.ids import sfdc_ids
from cs_pipeline.sample_data.planted import (
    PLANTED_ACCOUNT_IDS,
    PLANTED_CUSTOMER_NUMBERS,
    PLANTED_DOMAINS,
    PLANTED_ORG_IDS,
    PLANTED_TICKET_IDS,
    planted_renewals,
)
from cs_pipeline.sample_data.writers import SHIFT_JIS_FILE, STYLES
from cs_pipeline.sources import EXTRACTS

AS_OF = dt.date(2025, 6, 15)
ACCOUNTS = 150
SEED = 11

SF_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$")
Z_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
VERSION = re.compile(r"^\d+\.\d+(\.\d+)?(-[0-9A-Za-z]+)?$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff01-\uff5e]")


# --- helpers -------------------------------------------------------------------------------

def _encoding(file: str, shift_jis: bool = True) -> str:
    return "cp932" if file == SHIFT_JIS_FILE and shift_jis else "utf-8-sig"


def read_csv(root: Path, file: str, shift_jis: bool = True) -> tuple[list[str], list[dict]]:
    raw = (root / file).read_bytes()
    text = raw.decode(_encoding(file, shift_jis))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows = []
    for record in reader:
        assert len(record) == len(header), f"{file}: {record}"
        rows.append(dict(zip(header, record, strict=True)))
    return header, rows


def read_jsonl(root: Path, file: str) -> list[dict]:
    with (root / file).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def read_all(root: Path, shift_jis: bool = True) -> dict[str, list[dict]]:
    return {e.file: (read_jsonl(root, e.file) if e.format == "jsonl"
                     else read_csv(root, e.file, shift_jis)[1]) for e in EXTRACTS}


def sf_timestamp(value: str) -> dt.datetime:
    assert SF_TS.match(value), value
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def z_timestamp(value: str) -> dt.datetime:
    assert Z_TS.match(value), value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def valid_sfdc_18(value: str) -> bool:
    return len(value) == 18 and sfdc_id_18(value[:15]) == value


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], dict]:
    root = tmp_path_factory.mktemp("extracts")
    counts = generate(root, ACCOUNTS, SEED, AS_OF)
    return root, counts, read_all(root)


# --- ids -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("id15", "id18"), [
    ("001D000000IqhSL", "001D000000IqhSLIAZ"),
    ("001A0000006Vm9r", "001A0000006Vm9rIAC"),
    ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
    ("000000000000000", "000000000000000AAA"),
    ("AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA555"),
])
def test_sfdc_id_18_matches_salesforce(id15: str, id18: str) -> None:
    assert sfdc_id_18(id15) == id18
    assert sfdc_id_18(id18) == id18  # already 18: returned after checking


def test_sfdc_id_18_rejects_malformed_ids() -> None:
    for bad in ("001D000000IqhS", "001D000000IqhSLIAA", "001D000000Iqh-L", "001D000000IqhSLIA"):
        with pytest.raises(ValueError):
            sfdc_id_18(bad)


def test_vectorized_ids_agree_with_the_scalar_checksum() -> None:
    counters = np.random.default_rng(0).integers(0, 62**9, 500)
    for row in sfdc_ids("0015g0", counters):
        value = bytes(row).decode()
        assert sfdc_id_18(value[:15]) == value


# --- determinism and CLI -------------------------------------------------------------------

def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_same_inputs_give_identical_bytes_and_other_seeds_differ(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    counts_a = generate(a, 60, 5, AS_OF)
    counts_b = generate(b, 60, 5, AS_OF)
    generate(c, 60, 6, AS_OF)
    assert counts_a == counts_b
    assert _files(a) == _files(b)
    files_c = _files(c)
    differing = [f for f, data in _files(a).items() if files_c[f] != data]
    # Everything random differs; the fixed reference files do not.
    assert "support/tickets.jsonl" in differing and "crm/Account.csv" in differing
    assert "licenses/product_releases.csv" not in differing


def test_only_the_contract_files_are_written(sample) -> None:
    root, counts, _ = sample
    assert sorted(_files(root)) == sorted(e.file for e in EXTRACTS)
    assert list(counts) == [e.file for e in EXTRACTS]


def test_reported_counts_are_the_records_in_the_files(sample) -> None:
    _, counts, data = sample
    assert counts == {f: len(rows) for f, rows in data.items()}
    assert counts["crm/Account.csv"] == ACCOUNTS + len(PLANTED_ACCOUNT_IDS)
    # About 100 ticket rows per account: the scale the benchmark extrapolates from.
    assert 60 * ACCOUNTS < counts["support/tickets.jsonl"] < 160 * ACCOUNTS


def test_cli_writes_extracts_and_prints_counts(tmp_path: Path) -> None:
    out = tmp_path / "x"
    proc = subprocess.run(
        [sys.executable, "-m", "cs_pipeline.sample_data", "--out", str(out), "--accounts", "15",
         "--seed", "3", "--as-of", "2024-02-29", "--all-utf8"],
        capture_output=True, text=True, check=True)
    counts = json.loads(proc.stdout)
    assert counts == {f: len(rows) for f, rows in read_all(out, shift_jis=False).items()}
    assert (out / SHIFT_JIS_FILE).read_bytes().startswith(b"\xef\xbb\xbf")


# --- conformance ---------------------------------------------------------------------------

def test_headers_are_the_registry_columns_plus_the_declared_drift(sample) -> None:
    root, _, _ = sample
    for e in EXTRACTS:
        if e.format == "jsonl":
            continue
        header, _ = read_csv(root, e.file)
        drift = [name for _, name in STYLES.get(e.file, STYLES["crm/User.csv"]).drift_columns]
        assert [c for c in header if c not in drift] == list(e.columns), e.file
        assert len(header) == len(e.columns) + len(drift)
    account_header, _ = read_csv(root, "crm/Account.csv")
    assert account_header[5] == "NumberOfEmployees"  # drift in the middle, not at the end


def test_json_lines_have_the_contract_keys_and_shapes(sample) -> None:
    _, _, data = sample
    for e in EXTRACTS:
        if e.format != "jsonl":
            continue
        for obj in data[e.file]:
            assert list(obj) == list(e.columns), e.file
    for org in data["support/organizations.jsonl"]:
        assert isinstance(org["id"], int) and isinstance(org["domain_names"], list)
        assert org["external_id"] is None or len(org["external_id"]) in (15, 18)
        z_timestamp(org["created_at"])
    for t in data["support/tickets.jsonl"]:
        assert isinstance(t["id"], int)
        assert t["status"] in {"new", "open", "pending", "hold", "solved", "closed"}
        assert t["priority"] in {"low", "normal", "high", "urgent", None}
        assert t["type"] in {"problem", "incident", "question", "task", None}
        assert t["organization_id"] is None or isinstance(t["organization_id"], int)
        assert isinstance(t["tags"], list)
        assert t["satisfaction_rating"]["score"] in {"good", "bad", "offered", "unoffered"}
        assert [f["id"] for f in t["custom_fields"]] == ["product", "version"]
        product, version = (f["value"] for f in t["custom_fields"])
        assert product is None or product in catalog.PRODUCTS
        assert version is None or VERSION.match(version)
        ms = t["metric_set"]
        assert set(ms) == {"reply_time_in_minutes", "full_resolution_time_in_minutes",
                           "solved_at"}
        assert set(ms["reply_time_in_minutes"]) == {"calendar"}
        assert z_timestamp(t["updated_at"]) <= dt.datetime(2025, 6, 16, tzinfo=dt.UTC)
        assert z_timestamp(t["updated_at"]) >= z_timestamp(t["created_at"])
        solved = t["status"] in ("solved", "closed")
        assert (ms["solved_at"] is not None) == solved
        if solved:
            assert t["created_at"] <= ms["solved_at"] <= t["updated_at"]
            assert ms["full_resolution_time_in_minutes"]["calendar"] >= 0


def test_crm_ids_are_18_characters_with_a_valid_checksum(sample) -> None:
    _, _, data = sample
    id_columns = {
        "crm/Account.csv": ("Id", "ParentId", "OwnerId"),
        "crm/User.csv": ("Id",),
        "crm/Opportunity.csv": ("Id", "AccountId"),
        "crm/Task.csv": ("Id", "AccountId", "WhoId"),
        "crm/NPS_Response__c.csv": ("Id", "Account__c"),
    }
    for file, columns in id_columns.items():
        for row in data[file]:
            for c in columns:
                assert row[c] == "" and c in ("ParentId", "WhoId") or valid_sfdc_18(row[c]), (
                    file, c, row[c])
    ids = [r["Id"] for r in data["crm/Account.csv"]]
    assert len(set(ids)) == len(ids)
    assert {r["OwnerId"] for r in data["crm/Account.csv"]} <= {
        r["Id"] for r in data["crm/User.csv"]}


def test_values_are_within_the_contract_sets_and_dates_parse(sample) -> None:
    _, _, data = sample

    def date(v: str) -> dt.date:
        return dt.date.fromisoformat(v)

    for r in data["crm/Account.csv"]:
        assert r["Type"] in catalog.TYPES and r["Region__c"] in catalog.REGIONS
        assert r["Segment__c"] in catalog.SEGMENTS and r["IsDeleted"] in ("true", "false")
        assert sf_timestamp(r["CreatedDate"]) <= sf_timestamp(r["LastModifiedDate"])
    for r in data["crm/User.csv"]:
        assert r["IsActive"] in ("true", "false") and "@" in r["Email"]
    stages = set(catalog.OPEN_STAGES) | {"Closed Won", "Closed Lost"}
    for r in data["crm/Opportunity.csv"]:
        assert r["Type"] in catalog.OPPORTUNITY_TYPES and r["StageName"] in stages
        assert r["CurrencyIsoCode"] in catalog.CURRENCIES
        assert r["IsClosed"] == str(r["StageName"].startswith("Closed")).lower()
        assert r["IsWon"] == str(r["StageName"] == "Closed Won").lower()
        assert r["Amount"] == "" or Decimal(r["Amount"]) > 0
        date(r["CloseDate"])
        sf_timestamp(r["CreatedDate"])
    for r in data["crm/Task.csv"]:
        assert r["Type"] in catalog.TASK_TYPES and r["Status"] in catalog.TASK_STATUSES
        date(r["ActivityDate"])
    for r in data["crm/NPS_Response__c.csv"]:
        assert 0 <= int(r["Score__c"]) <= 10
        date(r["Submitted_Date__c"])
    for r in data["finance/customers.csv"]:
        assert re.match(r"^C-\d{6,}$", r["customer_number"])
        assert len(r["sfdc_account_id"]) in (0, 15, 18)
        assert r["billing_currency"] in catalog.CURRENCIES
    for r in data["finance/subscriptions.csv"]:
        assert r["support_tier"] in catalog.TIERS and r["auto_renew"] in ("Y", "N")
        assert r["status"] in ("Active", "Expired", "Cancelled")
        assert date(r["start_date"]) < date(r["end_date"])
        assert r["product_code"] in catalog.PRODUCTS
        assert Decimal(r["annual_value"]) > 0
    for r in data["finance/invoices.csv"]:
        assert r["status"] in ("Open", "Paid", "Void", "Credit")
        assert date(r["invoice_date"]) <= date(r["due_date"])
        assert (r["paid_date"] != "") == (r["status"] == "Paid")
        if r["currency"] == "JPY":
            assert "." not in r["amount"]  # JPY has no minor unit
        else:
            assert re.match(r"^-?\d+\.\d{2}$", r["amount"])
    for r in data["finance/fx_rates.csv"]:
        assert re.match(r"^\d{4}-\d{2}$", r["month"]) and Decimal(r["rate_to_usd"]) > 0
    for r in data["training/enrollments.csv"]:
        assert r["status"] in ("completed", "in_progress", "not_started")
        enrolled = z_timestamp(r["enrolled_at"])
        assert (r["completed_at"] != "") == (r["status"] == "completed")
        assert r["completed_at"] == "" or z_timestamp(r["completed_at"]) >= enrolled
        assert r["score"] == "" or 0 <= int(r["score"]) <= 100
    for r in data["licenses/entitlements.csv"]:
        assert int(r["seats_purchased"]) > 0 and len(r["sfdc_account_id"]) in (0, 15, 18)
        assert date(r["start_date"]) <= date(r["expiry_date"])
    for r in data["licenses/installations.csv"]:
        assert r["environment"] in ("production", "staging", "test")
        assert VERSION.match(r["version"]) and int(r["seats_in_use"]) >= 0
        # empty: never checked in (the customer-360 contract counts it as stale)
        assert r["last_checkin_at"] == "" or z_timestamp(r["last_checkin_at"])
    for r in data["licenses/product_releases.csv"]:
        assert VERSION.match(r["version"]) and r["is_ga"] in ("true", "false")
        date(r["release_date"])
        assert r["end_of_support_date"] == "" or date(r["end_of_support_date"])


def test_record_keys_are_unique_where_the_registry_says_so(sample) -> None:
    _, _, data = sample
    for e in EXTRACTS:
        keys = Counter(tuple(r[k] for k in e.key) for r in data[e.file])
        repeated = [k for k, n in keys.items() if n > 1]
        if e.key_is_unique:
            assert not repeated, (e.file, repeated[:3])
        else:
            assert repeated  # ticket versions


# --- quirks --------------------------------------------------------------------------------

def test_quirks_are_present_in_the_documented_files(sample) -> None:
    root, _, data = sample
    raw = {e.file: (root / e.file).read_bytes() for e in EXTRACTS}
    boms = {f for f, b in raw.items() if b.startswith(b"\xef\xbb\xbf")}
    assert boms == {f for f, s in STYLES.items() if s.bom}
    crlf = {f for f, b in raw.items() if b.split(b"\n", 1)[0].endswith(b"\r")}
    assert crlf == {f for f, s in STYLES.items() if s.newline == "\r\n"}
    # Every record of a CRLF file ends in CRLF (quoted line breaks aside).
    assert raw["crm/Account.csv"].count(b"\r\n") == len(data["crm/Account.csv"]) + 1
    # Quoted fields with line breaks, quotes and commas.
    comments = [r["Comment__c"] for r in data["crm/NPS_Response__c.csv"]]
    assert any("\n" in c for c in comments) and any('"' in c for c in comments)
    assert any("," in r["Name"] for r in data["crm/Account.csv"])
    assert any('"' in r["course_name"] for r in data["training/enrollments.csv"])
    assert b'"Building ""Executive"" Dashboards in Nebula"' in raw["training/enrollments.csv"]
    # Japanese and full-width names.
    names = [r["Name"] for r in data["crm/Account.csv"]]
    assert any(n.startswith("株式会社") for n in names)
    assert any(re.search(r"[\uff21-\uff3a]", n) for n in names)  # full-width Latin


def test_exactly_one_file_is_shift_jis_and_holds_japanese(sample) -> None:
    root, _, data = sample
    for e in EXTRACTS:
        b = (root / e.file).read_bytes()
        if e.file == SHIFT_JIS_FILE:
            with pytest.raises(UnicodeDecodeError):
                b.decode("utf-8")
            text = b.decode("cp932")
            assert "株式会社北星精機" in text and "ＡＢＣ商事株式会社" in text
        else:
            b.decode("utf-8")
    assert any(JAPANESE.search(r["company_name"]) for r in data[SHIFT_JIS_FILE])


def test_all_utf8_flag_writes_the_shift_jis_file_in_utf8(tmp_path: Path) -> None:
    generate(tmp_path, 20, SEED, AS_OF, shift_jis=False)
    for e in EXTRACTS:
        (tmp_path / e.file).read_bytes().decode("utf-8")
    _, rows = read_csv(tmp_path, SHIFT_JIS_FILE, shift_jis=False)
    assert "株式会社北星精機" in {r["company_name"] for r in rows}


def test_other_systems_use_15_character_ids_and_tickets_repeat(sample) -> None:
    _, _, data = sample
    for file, column in ((SHIFT_JIS_FILE, "sfdc_account_id"),
                         ("licenses/entitlements.csv", "sfdc_account_id")):
        lengths = Counter(len(r[column]) for r in data[file])
        assert lengths[15] and lengths[18] and lengths[0], file
    ext = Counter(None if o["external_id"] is None else len(o["external_id"])
                  for o in data["support/organizations.jsonl"])
    assert ext[15] and ext[18] and ext[None]
    versions = Counter(t["id"] for t in data["support/tickets.jsonl"])
    assert sum(1 for n in versions.values() if n > 1) > len(versions) / 3


def test_releases_cover_every_version_rule() -> None:
    releases = catalog.product_releases(AS_OF)
    assert len({r.product_code for r in releases}) >= 3
    assert any(not r.is_ga and r.release_date <= AS_OF for r in releases)  # beta
    assert any(r.is_ga and r.release_date > AS_OF for r in releases)  # not yet released
    assert any(r.end_of_support_date and r.end_of_support_date < AS_OF for r in releases)
    assert any("-hotfix" in r.version for r in releases)
    lines = {(r.product_code, r.line) for r in releases}
    assert ("ORB", (9, 9)) in lines and ("ORB", (9, 10)) in lines
    # 9.10 is newer than 9.9: numeric, not text, order.
    assert catalog.versions_behind(releases, "ORB", "9.9.3", AS_OF) == 3
    assert catalog.versions_behind(releases, "ORB", "9.10.1-hotfix1", AS_OF) == 2


def test_versions_spread_across_customers(sample) -> None:
    _, _, data = sample
    releases = catalog.product_releases(AS_OF)
    prod = [r for r in data["licenses/installations.csv"] if r["environment"] == "production"]
    behind = Counter(catalog.versions_behind(releases, r["product_code"], r["version"], AS_OF)
                     for r in prod)
    assert behind[0] and behind[1] and sum(n for b, n in behind.items() if b >= 2)
    assert any(catalog.is_end_of_support(releases, r["product_code"], r["version"], AS_OF)
               for r in prod)
    envs = Counter(r["environment"] for r in data["licenses/installations.csv"])
    assert envs["production"] > envs["staging"] > 0 and envs["test"] > 0


def test_distributions_look_like_a_customer_base(sample) -> None:
    _, _, data = sample
    accounts = data["crm/Account.csv"]
    types = Counter(r["Type"] for r in accounts)
    assert types["Customer"] > 0.6 * len(accounts)
    assert types["Prospect"] and types["Former Customer"]
    assert {r["Region__c"] for r in accounts} == set(catalog.REGIONS)
    assert any(r["IsDeleted"] == "true" for r in accounts)
    assert sum(1 for r in accounts if r["ParentId"]) >= 2
    assert len({r["currency"] for r in data["finance/subscriptions.csv"]}) >= 4
    # ARR scales with segment.
    seg = {r["Id"]: r["Segment__c"] for r in accounts}
    by_number = {r["customer_number"]: r["sfdc_account_id"] for r in data[SHIFT_JIS_FILE]}
    values = defaultdict(list)
    for r in data["finance/subscriptions.csv"]:
        sfdc = by_number.get(r["customer_number"], "")
        if r["currency"] == "USD" and len(sfdc) == 18 and sfdc in seg:
            values[seg[sfdc]].append(float(r["annual_value"]))
    assert np.median(values["Enterprise"]) > np.median(values["SMB"]) * 5
    statuses = Counter(r["status"] for r in data["finance/subscriptions.csv"])
    assert statuses["Active"] and statuses["Expired"] and statuses["Cancelled"]
    renewals = [dt.date.fromisoformat(r["end_date"]) for r in data["finance/subscriptions.csv"]
                if r["status"] == "Active" and dt.date.fromisoformat(r["start_date"]) <= AS_OF]
    assert min(renewals) > AS_OF - dt.timedelta(days=1)
    assert max(renewals) - min(renewals) > dt.timedelta(days=300)  # spread over a year
    overdue = [r for r in data["finance/invoices.csv"]
               if r["status"] == "Open" and dt.date.fromisoformat(r["due_date"]) < AS_OF]
    assert overdue


def test_fx_rates_cover_24_months_with_a_lagging_currency(sample) -> None:
    _, _, data = sample
    months = defaultdict(set)
    for r in data["finance/fx_rates.csv"]:
        months[r["currency"]].add(r["month"])
    assert set(months) >= {"USD", "EUR", "JPY", "GBP"}
    assert len(months["EUR"]) == 24 and max(months["EUR"]) == "2025-06"
    assert max(months["JPY"]) == "2025-05"  # the as-of month falls back for JPY


def test_unmatched_records_exist_at_small_rates(sample) -> None:
    _, _, data = sample
    account_ids = {r["Id"] for r in data["crm/Account.csv"]}
    tasks = data["crm/Task.csv"]
    orphans = sum(1 for r in tasks if r["AccountId"] not in account_ids)
    assert 0 < orphans < 0.02 * len(tasks)
    keyless = [o for o in data["support/organizations.jsonl"]
               if o["external_id"] is None and not o["domain_names"]]
    assert keyless
    domains = {_domain(r["Website"]) for r in data["crm/Account.csv"]} - {""}
    learners = data["training/enrollments.csv"]
    unknown = [r for r in learners if r["user_email"].split("@")[1].lower() not in domains]
    assert 0 < len(unknown) < 0.3 * len(learners)
    subdomain = [r for r in learners
                 if any(r["user_email"].lower().endswith("." + d) for d in domains)]
    assert subdomain


def test_random_records_never_collide_with_planted_keys(tmp_path: Path) -> None:
    generate(tmp_path, 120, 99, AS_OF)
    data = read_all(tmp_path)
    accounts = data["crm/Account.csv"]
    random_ids = {r["Id"] for r in accounts} - set(PLANTED_ACCOUNT_IDS)
    assert len(random_ids) == 120
    assert not {i[:15].lower() for i in random_ids} & {i[:15].lower() for i in PLANTED_ACCOUNT_IDS}
    random_domains = {_domain(r["Website"]) for r in accounts if r["Id"] in random_ids}
    assert not random_domains & set(PLANTED_DOMAINS)
    numbers = Counter(r["customer_number"] for r in data[SHIFT_JIS_FILE])
    assert all(numbers[n] == 1 for n in PLANTED_CUSTOMER_NUMBERS)
    orgs = Counter(o["id"] for o in data["support/organizations.jsonl"])
    assert all(orgs[o] == 1 for o in PLANTED_ORG_IDS)
    planted_ticket_rows = [t for t in data["support/tickets.jsonl"]
                           if t["id"] in PLANTED_TICKET_IDS]
    assert {t["organization_id"] for t in planted_ticket_rows} <= set(PLANTED_ORG_IDS) | {None}
    assert all(t["id"] in PLANTED_TICKET_IDS for t in data["support/tickets.jsonl"]
               if t["organization_id"] in PLANTED_ORG_IDS)


# --- planted accounts ----------------------------------------------------------------------

def _domain(website: str) -> str:
    d = re.sub(r"^[a-z]+://", "", website.strip().lower()).split("/")[0]
    return d[4:] if d.startswith("www.") else d


def customer_360_reference(data: dict[str, list[dict]], as_of: dt.date) -> dict[str, dict]:
    """A plain, row-by-row reading of the output contract, for checking the planted values."""
    accounts = {r["Id"]: r for r in data["crm/Account.csv"] if r["IsDeleted"] == "false"}
    by15 = {i[:15]: i for i in accounts}
    by_domain = {_domain(r["Website"]): i for i, r in accounts.items() if r["Website"]}
    users = {r["Id"]: r["Name"] for r in data["crm/User.csv"]}
    user_active = {r["Id"]: r["IsActive"] == "true" for r in data["crm/User.csv"]}
    every = {r["Id"]: r for r in data["crm/Account.csv"]}  # deleted ones too: they link a chain
    every15 = {i[:15]: i for i in every}

    def ultimate_parent(aid: str) -> str:
        """Up the ParentId chain until a parent is missing; in a cycle, its smallest id."""
        seen: list[str] = []
        while aid not in seen:
            seen.append(aid)
            parent = every[aid]["ParentId"]
            parent = parent if parent in every else every15.get(parent) if parent else None
            if parent is None:
                return aid
            aid = parent
        return min(seen[seen.index(aid):])

    def sfdc(value: str | None) -> str | None:
        if not value:
            return None
        return value if value in accounts else by15.get(value) if len(value) == 15 else None

    erp = {r["customer_number"]: sfdc(r["sfdc_account_id"]) for r in data[SHIFT_JIS_FILE]}
    fx: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for r in data["finance/fx_rates.csv"]:
        fx[r["currency"]][r["month"]] = Decimal(r["rate_to_usd"])

    def usd(amount: str, currency: str) -> Decimal:
        month = max(m for m in fx[currency] if m <= as_of.strftime("%Y-%m"))
        return Decimal(amount) * fx[currency][month]

    orgs = {}
    for o in data["support/organizations.jsonl"]:
        acct = sfdc(o["external_id"]) if o["external_id"] else next(
            (by_domain[d] for d in o["domain_names"] if d in by_domain), None)
        orgs[o["id"]] = acct
    latest: dict[int, dict] = {}
    for t in data["support/tickets.jsonl"]:
        if t["id"] not in latest or t["updated_at"] > latest[t["id"]]["updated_at"]:
            latest[t["id"]] = t
    entitlements = {}
    for r in data["licenses/entitlements.csv"]:
        acct = sfdc(r["sfdc_account_id"]) if r["sfdc_account_id"] else erp.get(r["customer_code"])
        entitlements[r["entitlement_id"]] = (acct, r)
    releases = catalog.product_releases(as_of)
    window = (as_of - dt.timedelta(days=89), as_of)

    def in_window(ts: str | None) -> bool:
        return ts is not None and window[0] <= dt.date.fromisoformat(ts[:10]) <= window[1]

    out = {}
    for aid, a in accounts.items():
        if a["Type"] != "Customer":
            continue
        lines = [r for r in data["finance/subscriptions.csv"] if erp.get(r["customer_number"])
                 == aid and r["status"] == "Active"
                 and dt.date.fromisoformat(r["start_date"]) <= as_of
                 < dt.date.fromisoformat(r["end_date"])]
        renewal = min((dt.date.fromisoformat(r["end_date"]) for r in lines), default=None)
        tiers = [catalog.TIERS.index(r["support_tier"]) for r in lines]
        tickets = [t for t in latest.values() if orgs.get(t["organization_id"]) == aid]
        open_t = [t for t in tickets if t["status"] in ("new", "open", "pending", "hold")]
        rated = [t["satisfaction_rating"]["score"] for t in tickets
                 if in_window(t["metric_set"]["solved_at"])
                 and t["satisfaction_rating"]["score"] in ("good", "bad")]
        nps = sorted((r["Submitted_Date__c"], int(r["Score__c"]))
                     for r in data["crm/NPS_Response__c.csv"]
                     if r["Account__c"] == aid and r["Submitted_Date__c"] <= as_of.isoformat())
        trained = {r["user_email"].lower() for r in data["training/enrollments.csv"]
                   if by_domain.get(r["user_email"].split("@")[1].lower()) == aid
                   and r["status"] == "completed" and r["completed_at"][:10] <= as_of.isoformat()}
        active = {eid: r for eid, (acct, r) in entitlements.items() if acct == aid
                  and r["start_date"] <= as_of.isoformat() <= r["expiry_date"]}
        mine = {eid for eid, (acct, _) in entitlements.items() if acct == aid}
        prod = [r for r in data["licenses/installations.csv"]
                if r["entitlement_id"] in mine and r["environment"] == "production"]
        behind = [catalog.versions_behind(releases, r["product_code"], r["version"], as_of)
                  for r in prod]
        purchased = sum(int(r["seats_purchased"]) for r in active.values())
        in_use = sum(int(r["seats_in_use"]) for r in prod if r["entitlement_id"] in active)
        stale = [r for r in prod if r["entitlement_id"] in active and (
            not r["last_checkin_at"]
            or (as_of - dt.date.fromisoformat(r["last_checkin_at"][:10])).days > 30)]
        overdue = sum((usd(r["amount"], r["currency"]) for r in data["finance/invoices.csv"]
                       if erp.get(r["customer_number"]) == aid and r["status"] == "Open"
                       and r["due_date"] < as_of.isoformat()), Decimal(0))
        activity = [r["ActivityDate"] for r in data["crm/Task.csv"]
                    if r["AccountId"] == aid and r["IsDeleted"] == "false"
                    and r["Status"] == "Completed" and r["ActivityDate"] <= as_of.isoformat()]
        out[aid] = {
            "account_id": aid, "account_name": a["Name"],
            "parent_account_id": a["ParentId"] or None,
            "region": a["Region__c"], "segment": a["Segment__c"], "csm_name": users[a["OwnerId"]],
            "as_of_date": as_of,
            "arr_usd": float(sum((usd(r["annual_value"], r["currency"]) for r in lines),
                                 Decimal(0))),
            "next_renewal_date": renewal,
            "days_to_renewal": None if renewal is None else (renewal - as_of).days,
            "support_tier": catalog.TIERS[max(tiers)] if tiers else None,
            "open_tickets": len(open_t),
            "urgent_open_tickets": sum(1 for t in open_t if t["priority"] in ("urgent", "high")),
            "tickets_90d": sum(1 for t in tickets if in_window(t["created_at"])),
            "csat_90d": rated.count("good") / len(rated) if rated else None,
            "nps_latest": nps[-1][1] if nps else None,
            "trained_users": len(trained),
            "seats_purchased": purchased, "seats_in_use": in_use,
            "seat_utilization": in_use / purchased if purchased else None,
            "max_versions_behind": max(behind) if behind else None,
            "is_version_current": not any(b >= 2 for b in behind),
            "is_end_of_support": any(catalog.is_end_of_support(
                releases, r["product_code"], r["version"], as_of) for r in prod),
            "overdue_amount_usd": float(overdue),
            "owner_is_active": user_active.get(a["OwnerId"]),
            "has_finance_record": aid in erp.values(),
            "days_since_last_activity": (as_of - dt.date.fromisoformat(max(activity))).days
            if activity else None,
            "ultimate_parent_account_id": ultimate_parent(aid),
            "stale_production_installations": len(stale),
            "stale_production_seats": sum(int(r["seats_in_use"]) for r in stale),
        }
    return out


def assert_matches(expected: dict[str, object], actual: dict[str, object], who: str) -> None:
    assert set(expected) <= set(actual), who
    for column, want in expected.items():
        got = actual[column]
        if isinstance(want, float):
            tol = 0.01 if column.endswith("_usd") else 1e-9
            assert got == pytest.approx(want, abs=tol), (who, column, got, want)
        else:
            assert got == want, (who, column, got, want)


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2025, 1, 1), dt.date(2024, 2, 29)])
def test_planted_expectations_follow_from_the_files(tmp_path: Path, as_of: dt.date) -> None:
    generate(tmp_path, 30, SEED, as_of)
    reference = customer_360_reference(read_all(tmp_path), as_of)
    for p in planted_accounts(as_of):
        if not p.in_customer_360:
            assert p.account_id not in reference, p.key
            continue
        assert_matches(p.expected, reference[p.account_id], p.key)


def renewals_reference(data: dict[str, list[dict]], as_of: dt.date) -> list[dict]:
    """A plain reading of the contract's marts.renewals, for ERP customers that carry a
    Salesforce id (15 or 18 characters): the independent check of the planted rows."""
    customers = {r["customer_number"]: sfdc_id_18(r["sfdc_account_id"])
                 if len(r["sfdc_account_id"]) == 15 else r["sfdc_account_id"]
                 for r in data[SHIFT_JIS_FILE] if r["sfdc_account_id"]}
    fx: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for r in data["finance/fx_rates.csv"]:
        fx[r["currency"]][r["month"]] = Decimal(r["rate_to_usd"])
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in data["finance/subscriptions.csv"]:
        start, end = dt.date.fromisoformat(r["start_date"]), dt.date.fromisoformat(r["end_date"])
        if (r["status"] == "Active" and start <= as_of < end
                and (end - as_of).days <= 180 and r["customer_number"] in customers):
            groups[(customers[r["customer_number"]], r["contract_id"], r["end_date"])].append(r)
    out = []
    for (account, contract, end), lines in sorted(groups.items()):
        days = (dt.date.fromisoformat(end) - as_of).days
        month = max(m for m in fx[lines[0]["currency"]] if m <= as_of.strftime("%Y-%m"))
        out.append({
            "account_id": account, "contract_id": contract,
            "renewal_date": dt.date.fromisoformat(end), "days_to_renewal": days,
            "arr_usd": float(sum(Decimal(r["annual_value"]) * fx[r["currency"]][month]
                                 for r in lines)),
            "support_tier": max((r["support_tier"] for r in lines), key=catalog.TIERS.index),
            "product_codes": ",".join(sorted({r["product_code"] for r in lines})),
            "auto_renew": all(r["auto_renew"] == "Y" for r in lines),
            "renewal_window": next(f"{w}d" for w in (60, 90, 120, 180) if days <= w),
        })
    return out


def test_planted_renewals_follow_from_the_files(tmp_path: Path) -> None:
    generate(tmp_path, 30, SEED, AS_OF)
    planted = {r["account_id"]: r for r in planted_renewals(AS_OF)}
    reference = {r["account_id"]: r for r in renewals_reference(read_all(tmp_path), AS_OF)
                 if r["account_id"] in planted}
    assert set(reference) == set(planted)
    for account_id, want in planted.items():
        got = reference[account_id]
        assert got["arr_usd"] == pytest.approx(want["arr_usd"], abs=0.01)
        assert {k: v for k, v in got.items() if k != "arr_usd"} == {
            k: want[k] for k in got if k != "arr_usd"}


def test_planted_accounts_cover_the_brief(sample) -> None:
    planted = {p.key: p for p in planted_accounts(AS_OF)}
    assert len(planted) == 8
    assert [p.key for p in planted.values() if not p.in_customer_360] == ["northwind", "old_mill"]
    k, h = planted["kestrel"].expected, planted["hokusei"].expected
    # EUR at the as-of month's rate, JPY at the previous month's (no JPY rate for June).
    assert k["arr_usd"] == pytest.approx(336000 * float(catalog.fx_rate("EUR", 2025, 6)))
    assert h["arr_usd"] == pytest.approx(22_800_000 * float(catalog.fx_rate("JPY", 2025, 5)),
                                         abs=0.01)
    assert planted["kestrel_uk"].expected["parent_account_id"] == planted["kestrel"].account_id
    assert planted["kestrel_uk"].account_id[:15].lower() == h["account_id"][:15].lower()
    assert planted["kestrel_uk"].account_id != h["account_id"]
    # The planted rows are in the files.
    _, _, data = sample
    ids = {r["Id"] for r in data["crm/Account.csv"]}
    assert all(p.account_id in ids for p in planted.values())
