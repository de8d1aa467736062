"""Incremental ticket exports: the same records give the same marts however they arrive.

Real runs (generated extracts, real Dagster ingest, real `dbt build`, real checks) of one small
world in three shapes (extract contract, "Incremental ticket exports"):

  (a) every ticket version in one ``support/tickets.jsonl``;
  (b) the same records as a base file plus daily delta files ``support/tickets/*.jsonl``;
  (c) a full build on the base and the first deltas, then a nightly run on top of that
      warehouse after the remaining deltas arrived (only those are loaded; the unchanged CSV
      and organization files are not reloaded; `dbt build` rebuilds only what depends on the
      tickets, its incremental ticket model merging them, and keeps every other table).

Every ``marts.*`` table must be identical across the three. The night production has is (c)
with a new as-of date as well: the next night (fixture ``next_night``) must give the marts of a
full rebuild of the same files at that date. Lineage columns (``source_file``,
``source_row_number``) name the file a row came from, so (a) is compared without them; (b) and
(c) hold the same files and are compared on every column. Run stamps (when a health snapshot
was taken) are left out everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from _marts import mart_differences

from cs_pipeline import ingest
from cs_pipeline.build_state import current_loads
from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import RUN_ONLY_METADATA, cs360_dbt_models, dbt_resource
from cs_pipeline.definitions import all_assets, all_checks
from cs_pipeline.ingest import LOADED_FILES, raw_assets
from cs_pipeline.quality.checks import CHECK_RESULTS
from cs_pipeline.sample_data.generator import generate
from cs_pipeline.sources import extract

AS_OF = dt.date(2026, 11, 1)
ACCOUNTS = 80
SEED = 5
DELTAS = 30  # daily delta files; (c) builds on the first FIRST_NIGHT_DELTAS of them
FIRST_NIGHT_DELTAS = 22
LINEAGE = ("source_file", "source_row_number")
# When and by which dbt invocation a health_history snapshot was taken: differs by run.
TICKETS = extract("support", "tickets")


def _config(
    extracts: Path, warehouse: Path, *, full_refresh: bool = False, as_of: dt.date = AS_OF
) -> CsConfig:
    return CsConfig(
        extracts_dir=str(extracts),
        warehouse=str(warehouse),
        as_of=as_of.isoformat(),
        full_refresh=full_refresh,
    )


def _build(
    extracts: Path,
    warehouse: Path,
    instance: dg.DagsterInstance | None = None,
    **kw: bool | dt.date,
) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [*all_assets, *all_checks],
        resources={"cs_config": _config(extracts, warehouse, **kw), "dbt": dbt_resource},
        instance=instance,
    )
    assert result.success
    return result


def _ingest_tickets(extracts: Path, warehouse: Path, *, ok: bool = True, **kw: bool):
    [asset] = [a for a in raw_assets if a.key == dg.AssetKey(TICKETS.asset_key)]
    result = dg.materialize(
        [asset], resources={"cs_config": _config(extracts, warehouse, **kw)}, raise_on_error=False
    )
    assert result.success is ok
    return result


def _ticket_metadata(result: dg.ExecuteInProcessResult) -> dict:
    [mat] = result.asset_materializations_for_node("support__tickets")
    return {k: v.value for k, v in mat.metadata.items()}


def _kept(result: dg.ExecuteInProcessResult) -> set[str]:
    """Assets the run reported as kept, not rebuilt or reloaded (the metadata says so)."""
    return {
        m.asset_key.to_user_string()
        for m in result.get_asset_materialization_events()
        if m.materialization.metadata.get("rebuilt") == dg.MetadataValue.bool(False)
        or m.materialization.metadata.get("load_mode")
        == dg.MetadataValue.text("unchanged, not reloaded")
    }


def _evaluations(
    result: dg.ExecuteInProcessResult,
) -> dict[dg.AssetCheckKey, dg.AssetCheckEvaluation]:
    return {e.asset_check_key: e for e in result.get_asset_check_evaluations()}


def _build_file(warehouse: Path) -> Path:
    return warehouse.parent / "build" / warehouse.name


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(_build_file(warehouse)), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _split_world(root: Path, first_deltas: int | None = None) -> Path:
    """Extracts with tickets as base + DELTAS delta files; keep only the first ones if asked."""
    extracts = root / "extracts"
    generate(extracts, accounts=ACCOUNTS, seed=SEED, as_of=AS_OF, ticket_deltas=DELTAS)
    if first_deltas is not None:
        later = sorted((extracts / TICKETS.delta_folder).iterdir())[first_deltas:]
        held = root / "later_deltas"
        held.mkdir()
        for path in later:
            shutil.move(path, held / path.name)
    return extracts


def _differences(left: Path, right: Path, *, without: tuple[str, ...] = ()) -> dict[str, int]:
    """The marts of two warehouses' build files compared (``_marts.mart_differences``)."""
    return mart_differences(_build_file(left), _build_file(right), without=without)


@pytest.fixture(scope="module")
def one_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("one_file")
    generate(root / "extracts", accounts=ACCOUNTS, seed=SEED, as_of=AS_OF)
    warehouse = root / "warehouse" / "cs360.duckdb"
    _build(root / "extracts", warehouse)
    return warehouse


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("many_files")
    extracts = _split_world(root)
    warehouse = root / "warehouse" / "cs360.duckdb"
    _build(extracts, warehouse)
    return warehouse


@pytest.fixture(scope="module")
def nightly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """(c): a full build on the base and the first deltas, then the rest arrives overnight.
    The third item is the ticket asset's metadata of the second night, plus under ``kept``
    the assets that night kept and under ``checks`` the check evaluations of both nights (one
    Dagster instance for both, as `make run` has)."""
    root = tmp_path_factory.mktemp("nightly")
    extracts = _split_world(root, first_deltas=FIRST_NIGHT_DELTAS)
    warehouse = root / "warehouse" / "cs360.duckdb"
    instance = dg.DagsterInstance.ephemeral()
    first_night = _build(extracts, warehouse, instance)
    first = _ticket_metadata(first_night)
    assert (first["files_loaded"], first["files_skipped"]) == (1 + FIRST_NIGHT_DELTAS, 0)
    assert _kept(first_night) == set()
    for path in sorted((root / "later_deltas").iterdir()):
        shutil.move(path, extracts / TICKETS.delta_folder / path.name)
    result = _build(extracts, warehouse, instance)
    return extracts, warehouse, _ticket_metadata(result) | {
        "kept": _kept(result), "checks": (_evaluations(first_night), _evaluations(result))}


@pytest.fixture(scope="module")
def next_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[str]]:
    """(c) a day later: the first night at the day before AS_OF, then the rest of the deltas
    arrives and the next night runs at AS_OF, on that warehouse (only what reads the new date
    or the new tickets is rebuilt) and, for reference, on a copy of it with a full refresh
    (every file reloaded, every model rebuilt; the same health_history of the day before,
    which a full refresh keeps). Returns (night's warehouse, full rebuild's, kept assets)."""
    root = tmp_path_factory.mktemp("next_night")
    extracts = _split_world(root, first_deltas=FIRST_NIGHT_DELTAS)
    warehouse = root / "warehouse" / "cs360.duckdb"
    _build(extracts, warehouse, as_of=AS_OF - dt.timedelta(days=1))
    shutil.copytree(warehouse.parent, root / "full")
    for path in sorted((root / "later_deltas").iterdir()):
        shutil.move(path, extracts / TICKETS.delta_folder / path.name)
    kept = _kept(_build(extracts, warehouse))
    full = root / "full" / "cs360.duckdb"
    assert _kept(_build(extracts, full, full_refresh=True)) == set()
    return warehouse, full, kept


def test_base_plus_deltas_gives_the_marts_of_one_file(one_file: Path, many_files: Path) -> None:
    tickets = _query(many_files, "select count(*), count(distinct _source_file) "
                                 "from raw.support__tickets")
    assert tickets[0][1] == 1 + DELTAS
    assert tickets[0][0] == _query(one_file, "select count(*) from raw.support__tickets")[0][0]
    assert _differences(one_file, many_files, without=LINEAGE) == {}


def test_incremental_night_gives_the_marts_of_a_full_build(
    many_files: Path, nightly: tuple[Path, Path, dict]
) -> None:
    _, warehouse, second = nightly
    assert second["load_mode"] == "incremental"
    assert (second["files_loaded"], second["files_skipped"]) == (
        DELTAS - FIRST_NIGHT_DELTAS, 1 + FIRST_NIGHT_DELTAS)
    appended = _query(
        warehouse,
        "select count(*) from raw.support__tickets where _source_file in "
        "(select unnest(?::varchar[]))",
        [second["loaded_files"]],
    )[0][0]
    assert second["rows_appended"] == appended > 0
    assert second["row_count"] == _query(warehouse, "select count(*) from raw.support__tickets")[
        0
    ][0]
    assert _differences(many_files, warehouse) == {}
    # Only what reads the tickets was rebuilt: every other raw table was kept as loaded the
    # night before, and so were the dbt models that read none of the tickets.
    kept = second["kept"]
    assert "support/tickets" not in kept
    assert {"crm/account", "support/organizations", "staging/stg_crm__account",
            "staging/stg_finance__quarantine", "config/health_weights"} <= kept
    assert not kept & {"staging/stg_support__tickets", "marts/customer_360"}
    # Reconciliation holds after the merge: raw = staged + deleted + quarantined + superseded.
    [(raw, accounted)] = _query(
        warehouse,
        "select raw_rows, staged + deleted + quarantined + superseded "
        "from marts.data_quality_summary where source = 'support' and entity = 'tickets'",
    )
    assert raw == accounted == second["row_count"]


def test_next_night_gives_the_marts_of_a_full_rebuild_at_its_as_of(
    many_files: Path, next_night: tuple[Path, Path, set[str]]
) -> None:
    """A new as-of date and new tickets: the models that read neither were kept, and every
    mart equals the full rebuild's at that date, health_history's two snapshots included."""
    warehouse, full, kept = next_night
    assert _differences(full, warehouse) == {}
    history = "select as_of_date, count(*) from marts.health_history group by 1 order by 1"
    assert [day for day, _ in _query(warehouse, history)] == [AS_OF - dt.timedelta(days=1), AS_OF]
    assert _query(warehouse, history) == _query(full, history)
    assert _query(warehouse, "select distinct as_of_date from marts.cs_kpis") == [(AS_OF,)]
    # Kept: staging, identity and the per-ticket facts (they read no date); rebuilt: the
    # tickets' path and everything measured at the as-of date.
    assert {"crm/account", "staging/stg_crm__account", "staging/stg_finance__quarantine",
            "intermediate/int_resolved_records", "config/health_weights"} <= kept
    assert not kept & {
        "support/tickets", "staging/stg_support__tickets", "intermediate/int_tickets_counted",
        "intermediate/int_fx_rates_as_of", "marts/customer_360", "marts/cs_kpis"}
    # A build from nothing at AS_OF has no earlier night: the marts that read earlier nights
    # (the health snapshots, the CTAs opened before, the KPIs' version currency and time to
    # value from the snapshots) are its own; every other mart equals the night's.
    history = {"health_history", "cta_history", "calls_to_action", "cs_kpis"}
    assert set(_differences(many_files, warehouse)) <= history


def test_a_night_reports_the_last_result_of_each_test_of_a_kept_model(
    nightly: tuple[Path, Path, dict],
) -> None:
    """dbt leaves a kept model's tests out with it: the night reports each one's last
    evaluation again, saying when it ran, so every check of the job has a verdict tonight
    (none blocking left without one) and the rebuilt models' tests ran."""
    first, second = nightly[2]["checks"]
    assert set(second) == set(first)
    kept = {k for k in cs360_dbt_models.check_keys
            if k.asset_key.to_user_string() in nightly[2]["kept"]}
    carried = {k for k, e in second.items() if str(getattr(
        e.metadata.get("validated_at"), "value", "")).endswith(
        "(model unchanged since: not tested again)")}
    assert carried == kept
    assert "staging/stg_crm__account" in {k.asset_key.to_user_string() for k in carried}
    for key in carried:
        assert (second[key].passed, second[key].severity) == (
            first[key].passed, first[key].severity)
        # its verdict's figures again, but not the duration of a run that did not happen
        assert {k: v for k, v in second[key].metadata.items() if k != "validated_at"} == {
            k: v for k, v in first[key].metadata.items() if k not in RUN_ONLY_METADATA}
    assert any(set(RUN_ONLY_METADATA) & set(first[key].metadata) for key in carried)


def test_incremental_night_gives_the_ticket_checks_of_a_full_build(
    many_files: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """The night validated only the rows of its delta files and added them to the stored
    verdicts: every rule's verdict and counts equal those of the full build's validation."""
    sql = (f"select validation from {CHECK_RESULTS} where table_name = ?",
           [TICKETS.qualified_table])
    [(full,)] = _query(many_files, *sql)
    [(night,)] = _query(nightly[1], *sql)
    full, night = json.loads(full), json.loads(night)
    assert (night["rows"], night["rows_validated"]) == (full["rows"], full["rows_validated"])
    counts = ("rule", "success", "element_count", "unexpected_count", "missing_count",
              "observed_value")
    assert [{k: o.get(k) for k in counts} for o in night["outcomes"]] == [
        {k: o.get(k) for k in counts} for o in full["outcomes"]]
    assert [o.get("unexpected_percent") for o in night["outcomes"]] == pytest.approx(
        [o.get("unexpected_percent") for o in full["outcomes"]])
    # Bad rows in a delta, and verdicts over both, are tests/test_quality.py's
    # test_appended_rows_give_the_verdicts_and_counts_of_the_whole_table.
    assert night["rows"] == nightly[2]["row_count"]


def test_rerun_without_new_files_loads_nothing(nightly: tuple[Path, Path, dict]) -> None:
    extracts, warehouse, _ = nightly
    before = _query(warehouse, "select count(*), max(_loaded_at) from raw.support__tickets")

    meta = _ticket_metadata(_ingest_tickets(extracts, warehouse))

    assert (meta["load_mode"], meta["files_loaded"], meta["rows_appended"]) == (
        "unchanged, not reloaded", 0, 0)
    assert meta["files_skipped"] == 1 + DELTAS
    assert _query(warehouse, "select count(*), max(_loaded_at) from raw.support__tickets") == before


def _copy_night(tmp_path: Path, nightly: tuple[Path, Path, dict]) -> tuple[Path, Path]:
    """A copy of the night's extracts and warehouse folder, to spoil without touching the fixture:
    (extracts, warehouse file)."""
    extracts, warehouse, _ = nightly
    shutil.copytree(extracts, tmp_path / "extracts")
    shutil.copytree(warehouse.parent, tmp_path / "warehouse")
    return tmp_path / "extracts", tmp_path / "warehouse" / "cs360.duckdb"


def test_an_empty_delta_file_is_remembered_but_changes_nothing(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """A day without ticket changes: the empty file is in the ledger (not read again), the
    table's load that dbt compares is unchanged (no ticket model is rebuilt for it), and the
    checks report the verdicts they had, without validating a row."""
    extracts, wh = _copy_night(tmp_path, nightly)
    (extracts / TICKETS.delta_folder / "zz-empty.jsonl").write_bytes(b"")
    with duckdb.connect(str(_build_file(wh)), read_only=True) as con:
        loads_before = current_loads(con)
    [(validation_before,)] = _query(wh, f"select validation from {CHECK_RESULTS}"
                                        " where table_name = ?", [TICKETS.qualified_table])

    result = _ingest_tickets(extracts, wh)

    meta = _ticket_metadata(result)
    assert (meta["load_mode"], meta["files_loaded"], meta["rows_appended"]) == (
        "incremental", 1, 0)
    assert _query(wh, f"select row_count from {LOADED_FILES} where path = ?",
                  [f"{TICKETS.delta_folder}/zz-empty.jsonl"]) == [(0,)]
    with duckdb.connect(str(_build_file(wh)), read_only=True) as con:
        assert current_loads(con) == loads_before
    [(validation_after,)] = _query(wh, f"select validation from {CHECK_RESULTS}"
                                       " where table_name = ?", [TICKETS.qualified_table])
    assert json.loads(validation_after)["outcomes"] == json.loads(validation_before)["outcomes"]
    checks = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
    assert checks["gx_errors"].passed and checks["gx_warnings"].passed


def test_changed_delivered_file_is_an_error_naming_it(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    warehouse = nightly[1]
    copy, wh = _copy_night(tmp_path, nightly)
    ledger = _query(warehouse, f"select path, sha256 from {LOADED_FILES} order by path")
    ticket_files = _query(warehouse, f"select path from {LOADED_FILES} where table_name = ?",
                          [TICKETS.qualified_table])
    # Same size, same content: only the mtime changed, so the file is re-hashed and accepted.
    delta = copy / sorted(p for (p,) in ticket_files if p != TICKETS.file)[3]
    stat = delta.stat()
    os.utime(delta, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert _ticket_metadata(_ingest_tickets(copy, wh))["files_loaded"] == 0
    # Same size, one byte different: the checksum says it changed.
    data = bytearray(delta.read_bytes())
    data[data.index(b'"status":"') + 10] ^= 0x20  # flips the case of a status letter
    delta.write_bytes(bytes(data))

    result = _ingest_tickets(copy, wh, ok=False)

    [failure] = result.get_step_failure_events()
    message = failure.step_failure_data.user_failure_data.description
    assert str(delta) in message
    # The failure's metadata links the delta file, not the extract's base file.
    assert failure.step_failure_data.user_failure_data.metadata["source_file"].path == str(delta)
    assert "changed content (SHA-256 differs)" in message
    assert "a delivered file is never changed afterwards" in message
    # A different size is caught without hashing; the previous load stays as it was.
    delta.write_bytes(bytes(data) + b"\n")
    assert "changed size" in _ingest_failure(copy, wh)
    assert _query(wh, f"select path, sha256 from {LOADED_FILES} order by path") == ledger


def test_an_organization_moved_overnight_moves_its_tickets_as_a_full_build_does(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """int_tickets_resolved rebuilds only changed tickets on a night: a ticket whose own rows
    did not change but whose organization now points at another account must move too."""
    copy, wh = _copy_night(tmp_path, nightly)
    # The organization with the most matched tickets, and a live account of another one.
    [(org_id, account, external_id)] = _query(
        wh,
        "select t.organization_id, any_value(t.account_id), any_value(o.external_id) "
        "from intermediate.int_tickets_resolved as t "
        "join staging.stg_support__organizations as o on o.organization_id = t.organization_id "
        "where t.match_method = 'zendesk_organization' and o.external_id is not null "
        "group by all order by count(*) desc, 1 limit 1",
    )
    [(new_account,)] = _query(
        wh,
        "select min(account_id) from intermediate.int_support_organizations_resolved "
        "where match_method = 'zendesk_external_id' and account_id <> ?",
        [account],
    )
    orgs = copy / "support" / "organizations.jsonl"
    records = [json.loads(line) for line in orgs.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record["id"] == org_id:
            record["external_id"] = new_account
    orgs.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    meta = _ticket_metadata(_build(copy, wh))  # the night: no new ticket file, one org moved
    full = tmp_path / "full" / "cs360.duckdb"
    _build(copy, full)

    assert meta["files_loaded"] == 0 and not meta["load_mode"].startswith("full")
    moved = _query(
        wh,
        "select count(*), count(distinct account_id), min(account_id) "
        "from intermediate.int_tickets_resolved where organization_id = ?",
        [org_id],
    )
    assert moved[0][0] > 0 and moved[0][1:] == (1, new_account) and external_id != new_account
    # Every ticket's row, but when it was loaded (each build loads the files anew).
    resolved = "select * exclude (_loaded_at) from intermediate.int_tickets_resolved order by 1"
    assert _query(wh, resolved) == _query(full, resolved)
    assert _differences(full, wh) == {}


def _ingest_failure(extracts: Path, warehouse: Path) -> str:
    [failure] = _ingest_tickets(extracts, warehouse, ok=False).get_step_failure_events()
    return failure.step_failure_data.user_failure_data.description


def test_full_refresh_rebuilds_from_every_file(
    tmp_path: Path, many_files: Path, nightly: tuple[Path, Path, dict]
) -> None:
    extracts, warehouse, _ = nightly
    shutil.copytree(warehouse.parent, tmp_path / "warehouse")
    wh = tmp_path / "warehouse" / "cs360.duckdb"
    before = _query(wh, "select max(_loaded_at) from raw.support__tickets")[0][0]

    meta = _ticket_metadata(_build(extracts, wh, full_refresh=True))

    assert meta["load_mode"] == "full: full refresh requested"
    assert (meta["files_loaded"], meta["files_skipped"]) == (1 + DELTAS, 0)
    # Every raw row, ledger entry and staged ticket comes from this load.
    [(loads, oldest)] = _query(wh, "select count(distinct _loaded_at), min(_loaded_at) "
                                   "from raw.support__tickets")
    assert loads == 1 and oldest > before
    assert _query(wh, f"select count(distinct loaded_at) from {LOADED_FILES} "
                      "where table_name = ?", [TICKETS.qualified_table]) == [(1,)]
    assert _query(wh, "select min(_loaded_at) from staging.stg_support__tickets") == [(oldest,)]
    assert _differences(many_files, wh) == {}


def test_a_changed_csv_is_reloaded_and_rebuilt_the_next_night(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """One account renamed in crm/Account.csv: the next night reloads that file and rebuilds
    what reads it, and customer_360 shows the new name; the finance tables stay kept."""
    copy, wh = _copy_night(tmp_path, nightly)
    [(account_id, name)] = _query(
        wh, "select account_id, account_name from marts.customer_360 order by 1 limit 1")
    account_csv = copy / extract("crm", "account").file
    text = account_csv.read_text(encoding="utf-8-sig")
    assert text.count(f'"{name}"') == 1
    account_csv.write_text(text.replace(f'"{name}"', f'"{name} (renamed)"'), encoding="utf-8-sig")

    result = _build(copy, wh)

    kept = _kept(result)
    assert not kept & {"crm/account", "staging/stg_crm__account", "marts/customer_360"}
    assert {"finance/customers", "staging/stg_finance__customers"} <= kept
    assert _query(wh, "select account_name from marts.customer_360 where account_id = ?",
                  [account_id]) == [(f"{name} (renamed)",)]


def _ids(path: Path) -> set[bytes]:
    return {line.split(b",", 1)[0] for line in path.read_bytes().splitlines()}


def test_a_new_full_export_replaces_ticket_history(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """A changed base file reloads every file; a ticket no file holds any more leaves staging."""
    copy, wh = _copy_night(tmp_path, nightly)
    base = copy / TICKETS.file
    lines = base.read_bytes().splitlines(keepends=True)
    base.write_bytes(b"".join(lines[300:]))
    kept = _ids(base).union(*(_ids(p) for p in (copy / TICKETS.delta_folder).iterdir()))
    gone = {line.split(b",", 1)[0] for line in lines[:300]} - kept
    assert gone  # tickets whose every version was in the dropped lines

    meta = _ticket_metadata(_build(copy, wh))

    assert meta["load_mode"].startswith(f"full: {TICKETS.file} changed size")
    assert meta["files_loaded"] == 1 + DELTAS
    staged = {row[0] for row in _query(wh, "select ticket_id from staging.stg_support__tickets")}
    assert staged and not {int(g.removeprefix(b'{"id":')) for g in gone} & staged
    assert _query(
        wh,
        "select unaccounted from marts.data_quality_summary "
        "where source = 'support' and entity = 'tickets'",
    ) == [(0,)]


# --- pure parts: file order, freshness and the new-extracts signature ------------------------


def test_delivered_files_base_first_then_deltas_in_byte_order(tmp_path: Path) -> None:
    folder = tmp_path / TICKETS.delta_folder
    folder.mkdir(parents=True)
    for name in ("tickets-20261002.jsonl", "Tickets-20261003.jsonl", "tickets-20261001.jsonl",
                 "notes.txt"):
        (folder / name).write_bytes(b"")
    assert TICKETS.delivered_files(tmp_path) == [
        "support/tickets/Tickets-20261003.jsonl",  # 'T' (0x54) sorts before 't' (0x74)
        "support/tickets/tickets-20261001.jsonl",
        "support/tickets/tickets-20261002.jsonl",
    ]
    (tmp_path / TICKETS.file).write_bytes(b"")
    assert TICKETS.delivered_files(tmp_path)[0] == TICKETS.file


def test_deltas_without_a_base_file_are_fresh_as_their_newest_file(tmp_path: Path) -> None:
    from cs_pipeline.automation import extract_set_state
    from cs_pipeline.quality.freshness import FreshnessStatus, evaluate_freshness

    folder = tmp_path / TICKETS.delta_folder
    folder.mkdir(parents=True)
    old, new = folder / "tickets-20261020.jsonl", folder / "tickets-20261101.jsonl"
    for path, day in ((old, 20), (new, 31)):
        path.write_bytes(b'{"id": 1}\n')
        moment = dt.datetime(2026, 10, day, 22, tzinfo=dt.UTC).timestamp()
        os.utime(path, (moment, moment))

    freshness = evaluate_freshness(TICKETS, tmp_path, AS_OF)

    assert (freshness.status, freshness.path) == (FreshnessStatus.FRESH, new)
    signature = extract_set_state(tmp_path, [TICKETS]).signature
    assert signature is not None
    (folder / "tickets-20261102.jsonl").write_bytes(b"")  # a new night's delta
    assert extract_set_state(tmp_path, [TICKETS]).signature != signature


def test_a_delta_with_a_new_key_adds_the_column_before_the_lineage(tmp_path: Path) -> None:
    """Drift in a delta: the raw table gains the column (NULL for earlier rows), reported."""
    extracts = tmp_path / "extracts"
    folder = extracts / TICKETS.delta_folder
    folder.mkdir(parents=True)
    record = dict.fromkeys(TICKETS.columns, "x") | {"id": 1, "updated_at": "2026-10-01T00:00:00Z"}
    (extracts / TICKETS.file).write_text(json.dumps(record) + "\n")
    warehouse = tmp_path / "warehouse" / "cs360.duckdb"
    _ingest_tickets(extracts, warehouse)
    (folder / "tickets-20261002.jsonl").write_text(json.dumps(record | {"via": "email"}) + "\n")
    (folder / "tickets-20261003.jsonl").write_bytes(b"")  # a night without changes

    meta = _ticket_metadata(_ingest_tickets(extracts, warehouse))

    assert (meta["load_mode"], meta["files_loaded"], meta["rows_appended"]) == ("incremental", 2, 1)
    assert meta["drift"] == ["via"]
    columns = [name for (name,) in _query(
        warehouse,
        "select column_name from information_schema.columns "
        "where table_name = 'support__tickets' order by ordinal_position",
    )]
    assert columns == [*TICKETS.columns, "via", "_source_file", "_row_number", "_loaded_at"]
    assert _query(warehouse, "select _source_file, via from raw.support__tickets order by 1") == [
        (TICKETS.file, None),
        ("support/tickets/tickets-20261002.jsonl", "email"),
    ]
    assert _query(warehouse, f"select path, row_count from {LOADED_FILES} order by 1") == [
        (TICKETS.file, 1),
        ("support/tickets/tickets-20261002.jsonl", 1),
        ("support/tickets/tickets-20261003.jsonl", 0),
    ]


def test_a_zero_padded_id_is_a_version_of_the_same_ticket_in_every_count(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """A delta spelling a ticket's id `0<id>`: staging groups versions by the id as a number,
    so it is a new version of that ticket, and the row counts that reconcile raw rows with
    staged + quarantined + superseded count it as superseded the same way."""
    extracts, wh = _copy_night(tmp_path, nightly)
    [(tickets_before,)] = _query(wh, "select count(*) from staging.stg_support__tickets")
    base = extracts / TICKETS.file
    version = json.loads(base.read_text(encoding="utf-8").splitlines()[0])
    version["id"] = f"0{version['id']}"
    (extracts / TICKETS.delta_folder / "zz-padded.jsonl").write_text(
        json.dumps(version) + "\n", encoding="utf-8")

    _build(extracts, wh)

    assert _query(wh, "select count(*) from staging.stg_support__tickets") == [(tickets_before,)]
    [(raw, accounted)] = _query(
        wh,
        "select raw_rows, staged + deleted + quarantined + superseded "
        "from marts.data_quality_summary where source = 'support' and entity = 'tickets'",
    )
    assert raw == accounted


def test_a_table_no_model_builds_any_more_is_dropped_by_the_next_complete_night(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """A model a release removed or renamed (int_tickets_as_of was) leaves its table in an
    upgraded warehouse: the next complete night drops it, from the build and from the published
    warehouse, even a night with nothing to rebuild; raw tables and model tables stay."""
    extracts, warehouse = _copy_night(tmp_path, nightly)
    with duckdb.connect(str(_build_file(warehouse))) as con:
        con.execute("create table intermediate.int_tickets_as_of as select 1 as ticket_id")
        con.execute("create view marts.retired_view as select 1 as x")
        raw_tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw'"
        ).fetchone()[0]

    _build(extracts, warehouse)

    tables = "select table_schema || '.' || table_name from information_schema.tables"
    for path in (_build_file(warehouse), warehouse):
        with duckdb.connect(str(path), read_only=True) as con:
            found = {name for (name,) in con.execute(tables).fetchall()}
        assert not found & {"intermediate.int_tickets_as_of", "marts.retired_view"}, path
        assert {"intermediate.int_tickets_counted", "marts.customer_360"} <= found, path
    assert _query(
        warehouse, "select count(*) from information_schema.tables where table_schema = 'raw'"
    ) == [(raw_tables,)]


def test_a_changed_dbt_project_rebuilds_the_incremental_models_from_scratch(
    tmp_path: Path, nightly: tuple[Path, Path, dict]
) -> None:
    """An upgraded release whose ticket models had other columns: the night sees another dbt
    project than the one its build recorded, so it rebuilds everything and the incremental
    models from scratch (merging tonight's SQL into last release's tables would fail on their
    columns); the marts are those of the night before."""
    extracts, warehouse = _copy_night(tmp_path, nightly)
    earlier = ("staging.stg_support__tickets", "staging.stg_support__tickets_quarantine",
               "intermediate.int_tickets_resolved")
    with duckdb.connect(str(_build_file(warehouse))) as con:
        for table in earlier:
            con.execute(f"alter table {table} add column ticket_type varchar")
        con.execute("update raw._built_from set project_checksum = 'an earlier release'")

    result = _build(extracts, warehouse)

    assert not _kept(result) & {"staging/stg_crm__account", "marts/customer_360"}
    for table in earlier:
        schema, name = table.split(".")
        assert _query(
            warehouse,
            "select count(*) from information_schema.columns where table_schema = ? "
            "and table_name = ? and column_name = 'ticket_type'",
            [schema, name],
        ) == [(0,)], table
    assert _differences(nightly[1], warehouse) == {}


def test_a_release_with_another_load_format_reloads_every_table_once(
    tmp_path: Path, many_files: Path, nightly: tuple[Path, Path, dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An upgrade that changes how raw tables are loaded (ingest.LOAD_FORMAT): its first night
    reloads every raw table from all its files, the tickets too, and dbt sees each reload as a
    change, so the marts are those of a full build; the night after reloads and rebuilds
    nothing."""
    extracts, warehouse = _copy_night(tmp_path, nightly)
    [(last_night,)] = _query(warehouse, f"select max(loaded_at) from {LOADED_FILES}")
    monkeypatch.setattr(ingest, "LOAD_FORMAT", 2)
    raw = {"/".join(a.key.path) for a in raw_assets}

    result = _build(extracts, warehouse)

    modes = {
        m.asset_key.to_user_string(): m.materialization.metadata["load_mode"].value
        for m in result.get_asset_materialization_events()
        if m.asset_key.to_user_string() in raw
    }
    assert modes == dict.fromkeys(raw, "full: loaded by load format 1, this release loads "
                                       "format 2: reloaded from every file")
    assert (_ticket_metadata(result)["files_loaded"], _ticket_metadata(result)["files_skipped"]) \
        == (1 + DELTAS, 0)
    assert not _kept(result) & {"staging/stg_crm__account", "staging/stg_support__tickets",
                                "intermediate/int_tickets_resolved", "marts/customer_360"}
    assert _query(warehouse, f"select distinct load_format, min(loaded_at) > ? "
                             f"from {LOADED_FILES} group by 1", [last_night]) == [(2, True)]
    # Every raw ticket comes from tonight's load, and the incremental ticket models were
    # rebuilt from it (not merged into last release's rows).
    [(tonight,)] = _query(warehouse, f"select max(loaded_at) from {LOADED_FILES} "
                                     "where table_name = ?", [TICKETS.qualified_table])
    assert _query(warehouse, "select min(_loaded_at) from raw.support__tickets") == [(tonight,)]
    assert _query(warehouse, "select min(_loaded_at) from staging.stg_support__tickets") == [
        (tonight,)]
    assert _differences(many_files, warehouse) == {}

    result = _build(extracts, warehouse)

    assert raw | {"staging/stg_support__tickets", "marts/customer_360"} <= _kept(result)
    assert _differences(many_files, warehouse) == {}
