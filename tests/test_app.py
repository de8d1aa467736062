"""The CS cockpit on the published warehouse of the session's real run (``sample_run``).

Each page is rendered by Streamlit's ``AppTest`` (the real scripts and queries) and the values
it shows for the planted accounts are compared with their hand-computed figures
(``cs_pipeline.sample_data.planted``). One test drives the running app in headless Chromium
(Debian's ``chromium``, ``make browser``) and one proves the app keeps answering, and then
shows the new build, while publishes replace the warehouse under it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from conftest import SAMPLE_AS_OF
from streamlit.testing.v1 import AppTest

from cs_pipeline.app.display import usd
from cs_pipeline.app.screenshot import launch_chromium
from cs_pipeline.app.warehouse import Warehouse
from cs_pipeline.publish import publish_warehouse, read_build_info
from cs_pipeline.sample_data.catalog import fx_rate_as_of
from cs_pipeline.sample_data.planted import (
    BRIGHTWATER,
    HOKUSEI,
    KESTREL,
    KESTREL_UK,
    TERN,
    TERN_GROUP,
    USER_MARCUS,
    planted_accounts,
)

MAIN = Path(__file__).resolve().parents[1] / "cs_pipeline" / "app" / "main.py"
# Per planted account, the contract's figures and the hand-worked health, coverage and engagement.
PLANTED = {p.key: p.expected | p.derived for p in planted_accounts(SAMPLE_AS_OF)}


def _day(n: int) -> dt.date:
    return SAMPLE_AS_OF + dt.timedelta(days=n)


@pytest.fixture
def warehouse(sample_run: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CS_WAREHOUSE", str(sample_run[1]))
    return sample_run[1]


def _customer_360(warehouse: Path) -> dict[str, dict[str, object]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute("select * from marts.customer_360")
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def render(page: str, **query: str) -> AppTest:
    """``page`` (under views/) rendered in a new session with the given query parameters."""
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.run()
    at.switch_page(f"views/{page}.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, column: str):
    """The one table shown with ``column``, as the DataFrame the page handed Streamlit."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(frames) == 1, f"{len(frames)} tables with a column {column!r}"
    return frames[0]


# --- portfolio --------------------------------------------------------------------------------


def test_portfolio_counts_bands_and_lists_renewals_at_risk(warehouse: Path) -> None:
    rows = _customer_360(warehouse).values()
    at = render("portfolio")
    shown = metrics(at)
    for band in ("healthy", "monitor", "at_risk", "critical"):
        want = sum(r["health_band"] == band for r in rows)
        assert shown[band.replace("_", " ")] == f"{want:,}", band

    at_risk = table(at, "days_to_renewal")
    expected = {
        r["account_name"] for r in rows
        if r["health_band"] in ("at_risk", "critical")
        and r["days_to_renewal"] is not None and 0 <= r["days_to_renewal"] <= 120
    }
    assert set(at_risk.account_name) == expected
    assert list(at_risk.days_to_renewal) == sorted(at_risk.days_to_renewal)
    # Kestrel UK renews the day after as-of; its ARR is its one active GBP line.
    uk = _customer_360(warehouse)[KESTREL_UK]
    if uk["health_band"] in ("at_risk", "critical"):
        row = at_risk[at_risk.account_name == "Kestrel Analytics UK Ltd"].iloc[0]
        assert row.days_to_renewal == 1
        assert float(row.arr_usd) == pytest.approx(PLANTED["kestrel_uk"]["arr_usd"], abs=0.01)
        assert row.brief == f"brief?account={KESTREL_UK}"

    scoreboard = table(at, "share_current")
    assert set(scoreboard.product_code) >= {"ORB", "NEB", "PUL", "QSR"}


def test_sidebar_says_when_the_published_warehouse_was_built(warehouse: Path) -> None:
    (as_of, built_at, *_), *_ = read_build_info(warehouse)
    at = render("portfolio")
    assert any(
        c.value.startswith(f"Data as of **{as_of:%Y-%m-%d}** · built {built_at:%Y-%m-%d %H:%M} UTC")
        for c in at.sidebar.caption
    ), [c.value for c in at.sidebar.caption]


def test_portfolio_filtered_by_a_japanese_csm_name(warehouse: Path) -> None:
    rows = [r for r in _customer_360(warehouse).values() if r["csm_name"] == "田中 愛子"]
    at = AppTest.from_file(str(MAIN), default_timeout=60).run()
    at.selectbox(key="choice_csm").set_value("田中 愛子").run()
    assert not at.exception
    assert at.query_params["csm"] == "田中 愛子"
    shown = metrics(at)
    assert sum(int(shown[b].replace(",", "")) for b in
               ("healthy", "monitor", "at risk", "critical")) == len(rows)
    assert any(c.value.startswith(f"{len(rows)} accounts, ARR $") for c in at.caption)
    assert HOKUSEI in {r["account_id"] for r in rows}


# --- my actions -------------------------------------------------------------------------------


def test_my_actions_lists_an_owners_open_calls_to_action_in_work_order(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        owned = con.execute(
            "select count(*) from marts.calls_to_action "
            "where owner_id = ? and owner_name = 'Marcus Webb' and status = 'open'",
            [USER_MARCUS],
        ).fetchone()[0]
    at = render("actions", owner="Marcus Webb")
    actions = table(at, "theme")
    assert len(actions) == owned > 0
    assert list(actions["rank"]) == sorted(actions["rank"])
    assert set(actions.account_name) <= {r["account_name"] for r in _customer_360(
        warehouse).values() if r["csm_name"] == "Marcus Webb"}
    # Kestrel's production ORB 9.9.3 is three release lines behind GA 10.1.
    kestrel = actions[(actions.account_name == "Kestrel Analytics GmbH")
                      & (actions.theme == "version_currency")]
    assert list(kestrel.reason) == [
        "Production is 3 release lines behind GA: ORB 9.9 (3 behind, GA 10.1)"]
    assert kestrel.iloc[0].brief == f"brief?account={KESTREL}"


def test_an_inactive_owners_actions_are_in_the_fallback_queue(warehouse: Path) -> None:
    # Priya Nair, Brightwater's owner, is an inactive user: her accounts' actions are routed.
    at = render("actions")
    owners = at.selectbox(key="choice_owner").options
    assert "Priya Nair" not in owners and "CS Operations queue" in owners
    at = render("actions", owner="CS Operations queue")
    routed = table(at, "theme")
    brightwater = routed[routed.account_name == "Brightwater Logistics, Inc."]
    assert len(brightwater) > 0
    assert set(brightwater.routing_reason) == {"owner_inactive"}


# --- the account brief ------------------------------------------------------------------------


def _chart_points(at: AppTest) -> list[tuple[int, str]]:
    """The health scores the brief's trend chart plots, each with the confidence its point is
    drawn by (the chart's own Arrow data)."""
    charts = [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]
    assert len(charts) == 1
    data = pa.ipc.open_stream(charts[0].proto.datasets[0].data.data).read_all()
    return list(zip(data.column("health_score").to_pylist(),
                    data.column("health_confidence").to_pylist(), strict=True))


def test_brief_of_kestrel_shows_its_hand_computed_figures(warehouse: Path) -> None:
    want = PLANTED["kestrel"]
    at = render("brief", account=KESTREL)

    assert [t.value for t in at.title] == ["Kestrel Analytics GmbH"]
    assert f"{KESTREL} · EMEA · Enterprise · CSM Marcus Webb · as of 2026-11-01" in [
        c.value for c in at.caption]
    shown = metrics(at)
    assert (shown["Health score"], shown["Health band"], shown["Confidence"]) == (
        "69", "monitor", "high")
    assert shown["ARR"] == usd(want["arr_usd"])
    assert shown["Next renewal"] == "45 days"
    assert shown["Support tier"] == "TAM"
    assert (shown["Open tickets"], shown["Urgent open"], shown["Tickets, 90 days"]) == (
        "3", "2", "7")
    assert shown["CSAT, 90 days"] == "75%"
    assert shown["Latest NPS"] == "9"
    assert shown["Overdue invoices"] == usd(want["overdue_amount_usd"])
    assert (shown["Trained users"], shown["Seats purchased"], shown["Seats in use"]) == (
        "2", "600", "495")
    assert shown["Seat utilization"] == "82%"  # 495 / 600
    assert shown["Max lines behind GA"] == "3"
    assert shown["Stale installations"] == "1"
    assert shown["Days since CSM activity"] == "12"
    # Engagement: 10 events in the last 90 days against 3 before; a signal on the as-of day.
    assert (shown["Engagement, 90 days"], shown["Engagement trend"],
            shown["Days since a customer signal"]) == ("10", "rising", "0")
    assert _chart_points(at) == [(69, "high")]
    # Kestrel heads a family of two: itself and Kestrel UK (ARR-weighted health).
    uk = PLANTED["kestrel_uk"]
    family_arr = want["arr_usd"] + uk["arr_usd"]
    assert (shown["Accounts"], shown["Family ARR"], shown["Family health"],
            shown["Worst band"]) == (
        "2", usd(family_arr),
        str(round((want["arr_usd"] * 69 + uk["arr_usd"] * 50) / family_arr)), "at risk")

    # Renewals within 180 days: contract 101's two EUR lines (TAM and Premium, both auto-renew)
    # end on D+45; contract 102 (D+265) is beyond the window.
    eur = fx_rate_as_of("EUR", SAMPLE_AS_OF)
    renewals = table(at, "contract_id")
    assert list(renewals.contract_id) == ["CTR-0000101"]
    assert [d.date() for d in renewals.renewal_date] == [_day(45)]
    assert list(zip(renewals.days_to_renewal, renewals.renewal_window, renewals.support_tier,
                    renewals.product_codes, renewals.auto_renew, strict=True)) == [
        (45, "60d", "TAM", "NEB,ORB", True)]
    assert [float(v) for v in renewals.arr_usd] == pytest.approx(
        [float(Decimal(300000) * eur)], abs=0.01)

    # Open tickets, urgent and high first, with their age in days; the closed 104 is not open.
    tickets = table(at, "subject")
    assert list(tickets.ticket_id) == [101, 102, 103]
    assert list(tickets.subject) == ["Production cluster down after patch",
                                     "Report export times out",
                                     "Question about SAML certificate rotation"]
    assert list(tickets.age_days) == [5, 30, 60]
    assert [t.value for t in at.text] == ['Great support team,\nbut the 9.9 -> 9.10 upgrade was '
                                          '"painful".']
    assert "NPS 9 on " + _day(-40).isoformat() + ":" in [m.value for m in at.markdown]

    installations = table(at, "versions_behind")
    production = installations[installations.environment == "production"]
    assert sorted(zip(production.product_code, production.version, production.versions_behind,
                      strict=True)) == [("NEB", "4.4.1", 0), ("ORB", "9.9.3", 3)]
    # Completed courses up to as-of: the D+1 completion and the gmail learner do not count.
    training = table(at, "course_code")
    assert set(training.course_code) == {"ORB-101", "ORB-201", "NEB-101"}

    children = table(at, "health_band")
    assert list(children.account_name) == ["Kestrel Analytics UK Ltd"]
    assert list(children.brief) == [f"brief?account={KESTREL_UK}"]
    assert "version_currency" in set(table(at, "theme").theme)


def test_brief_shows_japanese_names_as_written(warehouse: Path) -> None:
    at = render("brief", account=HOKUSEI)
    assert [t.value for t in at.title] == ["株式会社北星精機"]
    assert any("CSM 田中 愛子" in c.value for c in at.caption)
    shown = metrics(at)
    assert shown["ARR"] == usd(PLANTED["hokusei"]["arr_usd"])
    assert shown["Next renewal"] == "165 days"
    assert list(table(at, "subject").subject) == ["ライセンスの更新について"]


def test_brief_of_a_child_links_its_parent_and_shows_missing_figures_as_dashes(
    warehouse: Path,
) -> None:
    at = render("brief", account=KESTREL_UK)
    assert f"Part of [Kestrel Analytics GmbH](brief?account={KESTREL})" in [
        m.value for m in at.markdown]
    shown = metrics(at)
    assert (shown["Open tickets"], shown["CSAT, 90 days"], shown["Latest NPS"]) == ("0", "–", "–")
    assert shown["Next renewal"] == "1 day"
    assert (shown["Health score"], shown["Confidence"]) == ("50", "high")  # coverage 0.85
    assert shown["Stale installations"] == "2"
    assert [w.value for w in at.warning] == [
        "Silent customer: no ticket, survey answer, training completion or CSM activity "
        "for 400 days."]
    assert shown["Overdue invoices"] == usd(PLANTED["kestrel_uk"]["overdue_amount_usd"])


def test_brief_says_what_moved_the_score_in_the_marts_words(
    sample_run: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One night has no snapshot 30 days back: the explanation a later night writes is set here.
    published = tmp_path / "warehouse" / "cs360.duckdb"
    published.parent.mkdir()
    shutil.copy(sample_run[1], published)
    with duckdb.connect(str(published)) as con:
        con.execute("update marts.customer_360 set health_change_30d = -7.5, "
                    "health_change_explained = 'support -12 (urgent open tickets 0 -> 2)' "
                    "where account_id = ?", [KESTREL])
    monkeypatch.setenv("CS_WAREHOUSE", str(published))
    at = render("brief", account=KESTREL)
    assert ("Over 30 days the score moved **-7.5** points: support -12 (urgent open tickets "
            "0 -> 2)") in [m.value for m in at.markdown]
    # Without a snapshot 30 days back the brief says nothing of a move.
    monkeypatch.setenv("CS_WAREHOUSE", str(sample_run[1]))
    assert not any(m.value.startswith("Over 30 days") for m in render(
        "brief", account=KESTREL).markdown)


def test_brief_draws_a_snapshot_without_confidence_faint_as_not_recorded(
    sample_run: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot written before the history kept confidence is drawn as faint as a low one
    and named "not recorded", not left to the chart's default (as solid as high)."""
    published = tmp_path / "warehouse" / "cs360.duckdb"
    published.parent.mkdir()
    shutil.copy(sample_run[1], published)
    with duckdb.connect(str(published)) as con:
        con.execute("create temp table earlier as select * from marts.health_history "
                    "where account_id = ?", [KESTREL])
        con.execute("update earlier set as_of_date = as_of_date - 7, health_score = 61, "
                    "health_coverage = null, health_confidence = null")
        con.execute("insert into marts.health_history select * from earlier")
    monkeypatch.setenv("CS_WAREHOUSE", str(published))
    at = render("brief", account=KESTREL)
    assert _chart_points(at) == [(61, "not recorded"), (69, "high")]
    [chart] = [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]
    [scale] = [layer["encoding"]["opacity"]["scale"]
               for layer in json.loads(chart.proto.spec)["layer"]
               if "opacity" in layer.get("encoding", {})]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        "high": 1.0, "not recorded": 0.2}


def test_brief_links_the_top_of_a_family_whose_parent_is_missing(warehouse: Path) -> None:
    # Tern Systems Ltd -> Tern Systems Group -> a parent missing from Account.csv: the group
    # is the top of the family.
    at = render("brief", account=TERN)
    assert f"Part of [Tern Systems Group](brief?account={TERN_GROUP})" in [
        m.value for m in at.markdown]
    assert metrics(at)["Health score"] == "88"


def test_brightwater_arr_has_thousands_separators(warehouse: Path) -> None:
    at = render("brief", account=BRIGHTWATER)
    shown = metrics(at)
    assert (shown["ARR"], shown["Overdue invoices"], shown["Days since CSM activity"]) == (
        "$85,000", "$8,000", "–")


def test_an_account_link_to_the_apps_root_opens_the_brief(warehouse: Path) -> None:
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.query_params["account"] = HOKUSEI
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["株式会社北星精機"]


def test_brief_of_an_unknown_account_says_so(warehouse: Path) -> None:
    at = render("brief", account="001000000000000AAA")
    assert [e.value for e in at.error] == [
        "No customer account '001000000000000AAA' in marts.customer_360."]


def test_brief_search_finds_an_account_by_part_of_its_name(warehouse: Path) -> None:
    at = render("brief")
    at.text_input(key="brief_search").input("北星").run()
    found = table(at, "account_name")
    assert list(found.account_name) == ["株式会社北星精機"]
    assert list(found.brief) == [f"brief?account={HOKUSEI}"]


# --- version lookup and data quality ----------------------------------------------------------


def test_version_lookup_lists_the_accounts_on_a_release_line(warehouse: Path) -> None:
    at = render("versions", product="ORB", line="9.9")
    accounts = table(at, "seats_in_use")
    kestrel = accounts[accounts.account_name == "Kestrel Analytics GmbH"]
    assert list(zip(kestrel.environment, kestrel.seats_in_use, kestrel.versions,
                    strict=True)) == [("production", 410, "9.9.3")]
    at.selectbox(key="choice_environment").set_value("staging").run()
    assert at.query_params["environment"] == "staging"
    assert "Kestrel Analytics GmbH" not in set(table(at, "seats_in_use").account_name)


def test_data_quality_counts_what_each_source_left_out(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        unmatched = dict(con.execute(
            "select source, count(*) from marts.unmatched_records group by source").fetchall())
    at = render("quality")
    shown = metrics(at)
    assert shown == {f"{s}: unmatched": f"{n:,}" for s, n in unmatched.items()}
    reasons = table(at, "reason")
    assert int(reasons.records.sum()) == sum(unmatched.values())
    assert set(table(at, "previous_rows").source_file) >= {"crm/Account.csv",
                                                           "support/tickets.jsonl"}


def test_without_a_published_warehouse_every_page_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CS_WAREHOUSE", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(str(MAIN), default_timeout=60).run()
    assert [e.value for e in at.error] == [
        f"no published warehouse at {tmp_path / 'none.duckdb'}: run `make run` "
        "(or set CS_WAREHOUSE)"]


# --- following publishes ----------------------------------------------------------------------


def _renamed_build(source: Path, build: Path, name: str) -> Path:
    """A copy of ``source`` in which Kestrel has another name: a different build to publish."""
    build.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, build)
    with duckdb.connect(str(build)) as con:
        con.execute("update marts.customer_360 set account_name = ? where account_id = ?",
                    [name, KESTREL])
    return build


def _kestrel_name(wh: Warehouse) -> str:
    with wh.cursor() as cur:
        return cur.execute("select account_name from marts.customer_360 where account_id = ?",
                           [KESTREL]).fetchone()[0]


def test_warehouse_follows_a_publish_and_running_requests_finish_on_their_version(
    sample_run: tuple[Path, Path], tmp_path: Path
) -> None:
    published = tmp_path / "warehouse" / "cs360.duckdb"
    published.parent.mkdir()
    shutil.copy(sample_run[1], published)
    wh = Warehouse(published)
    assert _kestrel_name(wh) == "Kestrel Analytics GmbH"
    with wh.cursor() as running:
        publish_warehouse(_renamed_build(sample_run[1], tmp_path / "b" / "cs360.duckdb",
                                         "Kestrel Renamed GmbH"), published)
        assert _kestrel_name(wh) == "Kestrel Renamed GmbH"  # a new request: the new build
        old = running.execute("select account_name from marts.customer_360 "
                              "where account_id = ?", [KESTREL]).fetchone()[0]
        assert old == "Kestrel Analytics GmbH"  # the running one: still its own version


# --- the running app in headless Chromium -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(sample_run: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, Path]]:
    """``streamlit run`` as ``make app`` starts it, on a copy of the published warehouse."""
    published = tmp_path_factory.mktemp("served") / "warehouse" / "cs360.duckdb"
    published.parent.mkdir()
    shutil.copy(sample_run[1], published)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(MAIN), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"],
        env={**os.environ, "CS_WAREHOUSE": str(published)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        yield url, published
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(served: tuple[str, Path]):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


def _open_brief(page, url: str, account_id: str) -> str:
    """Open a brief by URL; returns the account name its title shows."""
    page.goto(f"{url}/brief?account={account_id}")
    title = page.locator("h1").first
    title.wait_for(timeout=30_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
    return title.inner_text()


def test_browser_opens_a_brief_by_url(served: tuple[str, Path], browser) -> None:
    url, _ = served
    score = PLANTED["kestrel"]["health_score"]  # worked out by hand: 69
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    assert _open_brief(page, url, KESTREL) == "Kestrel Analytics GmbH"
    metric = page.locator('[data-testid="stMetric"]', has_text="Health score")
    assert metric.locator('[data-testid="stMetricValue"]').inner_text() == str(score)
    chart = page.locator('[data-testid="stVegaLiteChart"]')
    chart.locator("canvas, svg").first.wait_for(timeout=30_000)
    assert chart.count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_app_keeps_answering_while_publishes_replace_the_warehouse(
    served: tuple[str, Path], browser, sample_run: tuple[Path, Path], tmp_path: Path
) -> None:
    url, published = served
    builds = [_renamed_build(sample_run[1], tmp_path / f"b{i}" / "cs360.duckdb", name)
              for i, name in enumerate(("Kestrel Analytics GmbH", "Kestrel Renamed GmbH"))]
    stop = threading.Event()
    published_count = 0
    errors: list[BaseException] = []

    def publisher() -> None:
        nonlocal published_count
        try:
            while not stop.is_set():
                publish_warehouse(builds[published_count % 2], published)
                published_count += 1
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    thread = threading.Thread(target=publisher)
    thread.start()
    seen = []
    try:
        for _ in range(8):
            seen.append(_open_brief(page, url, KESTREL))
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    assert published_count >= 2
    assert set(seen) <= {"Kestrel Analytics GmbH", "Kestrel Renamed GmbH"}
    # After the last publish, without a restart, the page shows that build.
    last = "Kestrel Renamed GmbH" if published_count % 2 == 0 else "Kestrel Analytics GmbH"
    assert _open_brief(page, url, KESTREL) == last
    page.close()
