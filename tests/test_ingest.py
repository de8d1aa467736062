"""Raw ingest end to end: real extract files, real DuckDB, real `dg.materialize`."""

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cs_pipeline import ingest
from cs_pipeline.config import CsConfig
from cs_pipeline.ingest import raw_assets
from cs_pipeline.sample_data import generate
from cs_pipeline.sources import EXTRACTS, LINEAGE_COLUMNS, extract

AS_OF = "2024-06-30"
ASSETS_BY_KEY = {a.key: a for a in raw_assets}


# --- fixture files -----------------------------------------------------------------------------


def csv_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    encoding: str = "utf-8",
    line_end: str = "\n",
) -> bytes:
    """A CSV in the contract's dialect, quoted only where needed (as Excel and Salesforce do)."""
    out = io.StringIO()
    csv.writer(out, lineterminator=line_end).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def generic_rows(columns: Sequence[str], count: int) -> list[list[str]]:
    return [[f"{column}-{i}" for column in columns] for i in range(1, count + 1)]


def organization_records() -> list[dict]:
    return [
        {
            "id": 1,
            "name": "Acme",
            "external_id": "0015g00000AbCdE",
            "domain_names": ["acme.example", "acme.co.jp"],
            "created_at": "2023-01-05T10:00:00Z",
        },
        {
            "id": 2,
            "name": "株式会社サンプル",
            "external_id": None,
            "domain_names": [],
            "created_at": "2023-02-05T10:00:00Z",
        },
    ]


def ticket_records() -> list[dict]:
    base = {
        "created_at": "2024-03-01T09:15:00Z",
        "status": "open",
        "priority": "high",
        "type": "problem",
        "subject": 'Login fails, says "denied"',
        "organization_id": 1,
        "requester_email": "ops@acme.example",
        "tags": ["login", "sso"],
        "satisfaction_rating": {"score": "good"},
        "custom_fields": [{"id": 360001, "value": "ALPHA"}, {"id": 360002, "value": "12.4.1"}],
        "metric_set": {
            "reply_time_in_minutes": {"calendar": 42},
            "full_resolution_time_in_minutes": {"calendar": None},
            "solved_at": None,
        },
    }
    return [
        {"id": 101, "updated_at": "2024-03-01T09:15:00Z", **base},
        {"id": 101, "updated_at": "2024-03-02T09:15:00Z", **base, "status": "solved"},
        {"id": 102, "updated_at": "2024-03-03T09:15:00Z", **base, "priority": None},
    ]


def jsonl_bytes(records: Sequence[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def write_extract_set(root: Path) -> dict[str, int]:
    """A full valid set of all registry files, a few rows each; returns rows per raw table."""
    counts: dict[str, int] = {}
    for i, e in enumerate(EXTRACTS):
        path = root / e.file
        path.parent.mkdir(parents=True, exist_ok=True)
        if e.entity == "organizations":
            records = organization_records()
            path.write_bytes(jsonl_bytes(records))
        elif e.entity == "tickets":
            records = ticket_records()
            path.write_bytes(jsonl_bytes(records))
        else:
            records = generic_rows(e.columns, 2 + i % 3)
            path.write_bytes(csv_bytes(e.columns, records))
        counts[e.qualified_table] = len(records)
    return counts


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    root = tmp_path / "extracts"
    write_extract_set(root)
    return root


def cs_config(tmp_path: Path, extracts_dir: Path, full_refresh: bool = False) -> CsConfig:
    return CsConfig(
        extracts_dir=str(extracts_dir),
        warehouse=str(tmp_path / "warehouse" / "cs360.duckdb"),
        as_of=AS_OF,
        full_refresh=full_refresh,
    )


def build_db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "build" / "cs360.duckdb"


def materialize(
    tmp_path: Path,
    extracts_dir: Path,
    *keys: tuple[str, str],
    ok: bool = True,
    full_refresh: bool = False,
):
    assets = [ASSETS_BY_KEY[dg.AssetKey(list(k))] for k in keys] if keys else raw_assets
    result = dg.materialize(
        assets,
        resources={"cs_config": cs_config(tmp_path, extracts_dir, full_refresh)},
        raise_on_error=False,
    )
    assert result.success is ok, failure_messages(result)
    return result


def failure_messages(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        event.step_failure_data.user_failure_data.description
        if event.step_failure_data.user_failure_data
        else event.step_failure_data.error.message
        for event in result.get_step_failure_events()
    )


def metadata(result: dg.ExecuteInProcessResult, key: tuple[str, str]) -> dict:
    [mat] = result.asset_materializations_for_node("__".join(key))
    return {k: v.value for k, v in mat.metadata.items()}


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(build_db(tmp_path)), read_only=True) as con:
        return con.execute(sql).fetchall()


def columns_of(tmp_path: Path, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    return query(
        tmp_path,
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = '{schema}' AND table_name = '{name}' ORDER BY ordinal_position",
    )


# --- the whole set -------------------------------------------------------------------------------


def test_all_raw_assets_materialize_together(tmp_path):
    root = tmp_path / "extracts"
    expected = write_extract_set(root)
    assert len(expected) == 15

    result = materialize(tmp_path, root)

    assert {m.asset_key for m in result.get_asset_materialization_events()} == {
        a.key for a in raw_assets
    }
    for e in EXTRACTS:
        rows = query(
            tmp_path,
            f"SELECT count(*), min(_row_number), max(_row_number), min(_source_file), "
            f"max(_source_file), count(_loaded_at) FROM {e.qualified_table}",
        )
        n = expected[e.qualified_table]
        assert rows == [(n, 1, n, e.file, e.file, n)], e.qualified_table
        assert metadata(result, e.asset_key)["row_count"] == n
        names = [name for name, _ in columns_of(tmp_path, e.qualified_table)]
        assert names[-3:] == list(LINEAGE_COLUMNS)
        assert set(e.columns) <= set(names)


def test_csv_table_layout_and_values(tmp_path, extracts):
    e = extract("finance", "fx_rates")
    (extracts / e.file).write_bytes(
        csv_bytes(e.columns, [["USD", "2024-06", "1"], ["JPY", "2024-06", "0.0064"]])
    )
    result = materialize(tmp_path, extracts, ("finance", "fx_rates"))

    assert columns_of(tmp_path, "raw.finance__fx_rates") == [
        ("currency", "VARCHAR"),
        ("month", "VARCHAR"),
        ("rate_to_usd", "VARCHAR"),
        ("_source_file", "VARCHAR"),
        ("_row_number", "BIGINT"),
        ("_loaded_at", "TIMESTAMP"),
    ]
    assert query(
        tmp_path, "SELECT * EXCLUDE (_loaded_at) FROM raw.finance__fx_rates ORDER BY 4"
    ) == [
        ("USD", "2024-06", "1", "finance/fx_rates.csv", 1),
        ("JPY", "2024-06", "0.0064", "finance/fx_rates.csv", 2),
    ]
    meta = metadata(result, ("finance", "fx_rates"))
    assert meta["columns"] == ["currency", "month", "rate_to_usd"]
    assert meta["encoding"] == "utf-8"
    assert meta["drift"] == []
    assert meta["source_file"] == str(extracts / "finance" / "fx_rates.csv")
    assert meta["preview"].splitlines() == [
        "| _row_number | currency | month | rate_to_usd |",
        "| --- | --- | --- | --- |",
        "| 1 | USD | 2024-06 | 1 |",
        "| 2 | JPY | 2024-06 | 0.0064 |",
    ]


def test_utf8_bom_crlf_and_quoted_fields(tmp_path, extracts):
    """Excel-style export: BOM, CRLF rows, a cell with a line break, commas and quotes."""
    e = extract("crm", "task")
    rows = generic_rows(e.columns, 3)
    subject = e.columns.index("Subject")
    rows[0][subject] = 'QBR, "Q2"\nfollow-up'
    rows[1][subject] = ""
    rows[2][subject] = "ＡＢＣ商事 定例"
    (extracts / e.file).write_bytes(codecs.BOM_UTF8 + csv_bytes(e.columns, rows, line_end="\r\n"))

    result = materialize(tmp_path, extracts, ("crm", "task"))

    assert columns_of(tmp_path, "raw.crm__task")[0] == ("Id", "VARCHAR")  # no BOM in the name
    assert query(tmp_path, 'SELECT "Id", "Subject", _row_number FROM raw.crm__task ORDER BY 3') == [
        ("Id-1", 'QBR, "Q2"\nfollow-up', 1),
        ("Id-2", None, 2),  # empty arrives as NULL; staging treats NULL and '' alike
        ("Id-3", "ＡＢＣ商事 定例", 3),
    ]
    assert metadata(result, ("crm", "task"))["encoding"] == "utf-8-sig"


def test_shift_jis_file_is_decoded(tmp_path, extracts):
    e = extract("crm", "account")
    names = ["株式会社サンプル", "ＡＢＣ商事", "髙橋工業（株）"]
    rows = generic_rows(e.columns, 3)
    for row, name in zip(rows, names, strict=True):
        row[e.columns.index("Name")] = name
    (extracts / e.file).write_bytes(csv_bytes(e.columns, rows, encoding="cp932", line_end="\r\n"))

    result = materialize(tmp_path, extracts, ("crm", "account"))

    decoded = query(tmp_path, 'SELECT "Name" FROM raw.crm__account ORDER BY _row_number')
    assert [name for (name,) in decoded] == names
    assert metadata(result, ("crm", "account"))["encoding"] == "cp932"


def test_extra_column_is_kept_and_reported_as_drift(tmp_path, extracts):
    e = extract("crm", "user")
    header = ["Id", "Name", "Department__c", "Email", "IsActive"]
    rows = [["005A", "Aiko", "CS Japan", "aiko@example.com", "true"]]
    (extracts / e.file).write_bytes(csv_bytes(header, rows))

    result = materialize(tmp_path, extracts, ("crm", "user"))

    assert query(tmp_path, 'SELECT "Department__c", "Email" FROM raw.crm__user') == [
        ("CS Japan", "aiko@example.com")
    ]
    meta = metadata(result, ("crm", "user"))
    assert meta["drift"] == ["Department__c"]
    assert meta["columns"] == header


def test_jsonl_scalars_as_text_and_nested_as_json_text(tmp_path, extracts):
    result = materialize(tmp_path, extracts, ("support", "tickets"))

    rows = query(
        tmp_path,
        "SELECT id, organization_id, status, priority, tags, satisfaction_rating, "
        "custom_fields, metric_set, subject, _row_number FROM raw.support__tickets ORDER BY 10",
    )
    assert [r[:4] for r in rows] == [
        ("101", "1", "open", "high"),
        ("101", "1", "solved", "high"),
        ("102", "1", "open", None),  # JSON null is NULL
    ]
    first = rows[0]
    assert json.loads(first[4]) == ["login", "sso"]
    assert json.loads(first[5]) == {"score": "good"}
    assert json.loads(first[6]) == ticket_records()[0]["custom_fields"]
    assert json.loads(first[7]) == ticket_records()[0]["metric_set"]
    assert first[8] == 'Login fails, says "denied"'
    assert [r[9] for r in rows] == [1, 2, 3]
    assert all(t == "VARCHAR" for _, t in columns_of(tmp_path, "raw.support__tickets")[:-3])
    assert metadata(result, ("support", "tickets"))["row_count"] == 3


def test_jsonl_keys_become_columns_in_order_of_first_appearance(tmp_path, extracts):
    e = extract("support", "organizations")
    records = organization_records()
    records[1]["tier"] = "gold"  # a key only some records carry is drift, kept
    (extracts / e.file).write_bytes(jsonl_bytes(records))

    result = materialize(tmp_path, extracts, ("support", "organizations"))

    names = [n for n, _ in columns_of(tmp_path, "raw.support__organizations")]
    assert names == [*e.columns, "tier", *LINEAGE_COLUMNS]
    assert query(
        tmp_path,
        "SELECT id, name, external_id, domain_names, tier "
        "FROM raw.support__organizations ORDER BY _row_number",
    ) == [
        ("1", "Acme", "0015g00000AbCdE", '["acme.example","acme.co.jp"]', None),
        ("2", "株式会社サンプル", None, "[]", "gold"),
    ]
    assert metadata(result, ("support", "organizations"))["drift"] == ["tier"]


def test_header_only_file_loads_zero_rows(tmp_path, extracts):
    e = extract("finance", "invoices")
    (extracts / e.file).write_bytes(csv_bytes(e.columns, []))

    result = materialize(tmp_path, extracts, ("finance", "invoices"))

    assert query(tmp_path, "SELECT count(*) FROM raw.finance__invoices") == [(0,)]
    assert metadata(result, ("finance", "invoices"))["row_count"] == 0


def test_a_first_load_of_empty_delta_files_only_gives_the_contracts_columns(tmp_path, extracts):
    """A new deployment whose first export day had no ticket changes: the table has the
    contract's columns and no rows, its blocking checks pass (a warning says it is empty), and
    the next day's delta appends to it."""
    e = extract("support", "tickets")
    (extracts / e.file).unlink()
    (extracts / e.delta_folder).mkdir()
    (extracts / e.delta_folder / "2026-06-29.jsonl").write_bytes(b"")

    result = materialize(tmp_path, extracts, ("support", "tickets"))

    assert [c for c, _ in columns_of(tmp_path, e.qualified_table)] == [*e.columns, *LINEAGE_COLUMNS]
    assert query(tmp_path, f"SELECT count(*) FROM {e.qualified_table}") == [(0,)]
    checks = {c.asset_check_key.name: c for c in result.get_asset_check_evaluations()}
    assert checks["gx_errors"].passed
    assert not checks["gx_warnings"].passed
    assert "at least 1 row (observed 0)" in checks["gx_warnings"].description

    (extracts / e.delta_folder / "2026-06-30.jsonl").write_bytes(jsonl_bytes(ticket_records()))
    materialize(tmp_path, extracts, ("support", "tickets"))

    rows = query(tmp_path, f"SELECT count(*) FROM {e.qualified_table}")
    assert rows == [(len(ticket_records()),)]


def test_reload_replaces_the_table(tmp_path, extracts):
    e = extract("finance", "customers")
    materialize(tmp_path, extracts, ("finance", "customers"))
    (extracts / e.file).write_bytes(csv_bytes(e.columns, generic_rows(e.columns, 1)))

    materialize(tmp_path, extracts, ("finance", "customers"))

    assert query(tmp_path, "SELECT count(*) FROM raw.finance__customers") == [(1,)]


def test_files_appended_in_one_load_are_numbered_each_from_its_first_line(tmp_path):
    """Guards `_row_number` (errors name file and line) now that rows are numbered after the
    load's commit, from their rowid: two delta files appended by one load are numbered per
    file, the first across a row-group boundary (122 880 rows), and rows a load interrupted
    before its numbering left without a number are numbered by the next load."""
    e = extract("support", "tickets")
    root = tmp_path / "extracts"
    (root / e.delta_folder).mkdir(parents=True)
    (root / e.file).write_bytes(jsonl_bytes(ticket_records()))
    warehouse = tmp_path / "w" / "cs360.duckdb"
    ingest.load_extract(e, root, warehouse, dt.datetime(2024, 6, 1))
    filler = dict.fromkeys(e.columns, "x")
    deltas = {"d1.jsonl": 130_000, "d2.jsonl": 3}
    for name, lines in deltas.items():
        (root / e.delta_folder / name).write_bytes(jsonl_bytes(
            [filler | {"id": i, "subject": f"{name} line {i}"} for i in range(1, lines + 1)]
        ))

    report = ingest.load_extract(e, root, warehouse, dt.datetime(2024, 6, 2))

    # The preview: the table's first rows in file order, across files (the base file has 3).
    subject = report.preview_columns.index("subject")
    assert [(r[0], r[subject]) for r in report.preview_rows] == [
        *[(n, 'Login fails, says "denied"') for n in (1, 2, 3)],
        (1, "d1.jsonl line 1"), (2, "d1.jsonl line 2")]

    def numbered() -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "SELECT _source_file, count(*), count(_row_number), "
                "count(*) FILTER (WHERE subject = regexp_replace(_source_file, '.*/', '') "
                "|| ' line ' || _row_number) FROM raw.support__tickets GROUP BY 1 ORDER BY 1"
            ).fetchall()

    expected = [(e.file, 3, 3, 0)] + [
        (f"{e.delta_folder}/{name}", lines, lines, lines) for name, lines in deltas.items()
    ]
    assert numbered() == expected
    with duckdb.connect(str(warehouse)) as con:  # as a load interrupted before numbering
        con.execute("UPDATE raw.support__tickets SET _row_number = NULL "
                    f"WHERE _source_file LIKE '{e.delta_folder}/%'")
    ingest.load_extract(e, root, warehouse, dt.datetime(2024, 6, 3))  # nothing new: kept
    assert numbered() == expected


def test_unchanged_file_is_not_reloaded_but_still_checked(tmp_path, extracts, monkeypatch):
    """Guards the incremental night: a CSV equal to the one its table was loaded from (size and
    mtime, or SHA-256) is not read again; its asset says so, without a fresh row count, and
    its checks still report. A changed file, or a full refresh, reloads it."""
    e = extract("finance", "customers")
    key = ("finance", "customers")
    path = extracts / e.file
    first = metadata(materialize(tmp_path, extracts, key), key)
    loaded = query(tmp_path, "SELECT count(*), max(_loaded_at) FROM raw.finance__customers")

    result = materialize(tmp_path, extracts, key)

    meta = metadata(result, key)
    assert meta["load_mode"] == "unchanged, not reloaded"
    assert meta["rows_at_load"] == first["row_count"] == loaded[0][0]
    assert meta["loaded_at"] == loaded[0][1].isoformat(sep=" ")
    assert "dagster/row_count" not in meta and "preview" not in meta
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert {"freshness", "row_count_change", "gx_errors"} <= set(checks)
    assert checks["row_count_change"].passed and checks["gx_errors"].passed
    # The rules' results are those of the validation at load (same table, same as-of date).
    assert "not validated again" in checks["gx_errors"].metadata["validated_at"].value
    assert query(tmp_path, "SELECT count(*), max(_loaded_at) FROM raw.finance__customers") == loaded
    # The load history holds loads: the kept night added none.
    assert query(tmp_path, "SELECT count(*) FROM raw._load_history "
                           "WHERE table_name = 'raw.finance__customers'") == [(1,)]

    # Same bytes, new mtime (an export rewritten unchanged): hashed, found equal, kept.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert metadata(materialize(tmp_path, extracts, key), key)["load_mode"] == (
        "unchanged, not reloaded")

    # Same size, one value changed (one company's name), even with the old mtime put back
    # (a copy that keeps timestamps): the checksum says it changed, so it is reloaded; the
    # file is hashed once, the hash that found the change is the ledger's.
    data, stat = path.read_bytes(), path.stat()
    path.write_bytes(data.replace(b"company_name-1,", b"company_name-X,", 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == len(data)
    hashed = []
    sha256_of = ingest.sha256_of
    monkeypatch.setattr(ingest, "sha256_of", lambda p: hashed.append(p) or sha256_of(p))
    meta = metadata(materialize(tmp_path, extracts, key), key)
    assert hashed == [path]
    assert query(tmp_path, f"SELECT sha256 FROM raw._loaded_files WHERE path = '{e.file}'") == [
        (hashlib.sha256(path.read_bytes()).hexdigest(),)]
    assert meta["row_count"] == loaded[0][0]
    assert query(tmp_path, "SELECT count(*) FROM raw.finance__customers "
                           "WHERE company_name = 'company_name-X'") == [(1,)]
    # A full refresh reloads an unchanged file.
    before = query(tmp_path, "SELECT max(_loaded_at) FROM raw.finance__customers")
    materialize(tmp_path, extracts, key, full_refresh=True)
    assert query(tmp_path, "SELECT max(_loaded_at) FROM raw.finance__customers") > before


def _ledger(tmp_path: Path) -> list[tuple]:
    return query(tmp_path, "SELECT table_name, path, size, sha256, row_count, loaded_at "
                           "FROM raw._loaded_files ORDER BY ALL")


def test_each_file_a_run_hashes_is_hashed_once_ahead_of_its_step(tmp_path, extracts, monkeypatch):
    """Guards the hashing ahead (ingest.hash_ahead): every file a run hashes is hashed once, by
    the thread the first raw step starts, not by its own step. A first load hashes every file,
    the ticket export too (hashed beside its own load it took CPU from the load's threads); on
    a night where nothing changed every whole export is still hashed (the ledger's promise)
    and the ticket export (trusted by size and mtime) is not read, every table is kept and
    every check of every raw asset still reports; a night with a new ticket delta hashes that
    file and not the export."""
    hashed: list[tuple[Path, str]] = []
    sha256_of = ingest.sha256_of
    monkeypatch.setattr(ingest, "sha256_of", lambda p: hashed.append(
        (p, threading.current_thread().name)) or sha256_of(p))
    tickets = extract("support", "tickets")
    whole = [extracts / e.file for e in EXTRACTS if e.delta_folder is None]

    materialize(tmp_path, extracts)
    assert sorted(p for p, _ in hashed) == sorted([*whole, extracts / tickets.file])
    assert {thread for _, thread in hashed} == {"cs360-hash-ahead"}

    hashed.clear()
    result = materialize(tmp_path, extracts)
    assert sorted(p for p, _ in hashed) == sorted(whole)
    assert {thread for _, thread in hashed} == {"cs360-hash-ahead"}
    for e in EXTRACTS:
        assert metadata(result, e.asset_key)["load_mode"] == "unchanged, not reloaded"
    checks = result.get_asset_check_evaluations()
    reported = {(tuple(c.asset_key.path), c.check_name) for c in checks}
    specified = {(tuple(s.asset_key.path), s.name) for a in raw_assets for s in a.check_specs}
    assert reported == specified

    delta = extracts / tickets.delta_folder / "d1.jsonl"
    delta.parent.mkdir(parents=True, exist_ok=True)
    delta.write_bytes((extracts / tickets.file).read_bytes().splitlines(keepends=True)[0])
    hashed.clear()
    materialize(tmp_path, extracts)
    assert sorted(p for p, _ in hashed) == sorted([*whole, delta])
    assert {thread for _, thread in hashed} == {"cs360-hash-ahead"}


def test_a_file_rewritten_after_it_was_hashed_ahead_is_hashed_again(tmp_path, extracts):
    """A whole export that moves between the hash ahead and its step (same size, other bytes,
    new mtime) is hashed again: the ledger gets the SHA-256 of the bytes the step sees, so a
    changed export is still reloaded."""
    e = extract("finance", "customers")
    path = extracts / e.file
    ingest.hash_ahead("a run", [e], extracts, build_db(tmp_path))
    before = ingest._ahead[path].result()
    assert before is not None and before[1] == hashlib.sha256(path.read_bytes()).hexdigest()
    data, stat = path.read_bytes(), path.stat()
    path.write_bytes(data.replace(b"company_name-1,", b"company_name-X,", 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    assert ingest._digest(path, path.stat()) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_tables_loaded_by_another_load_format_are_reloaded_once(tmp_path, extracts, monkeypatch):
    """Guards an upgrade that changes how files become raw tables: the first night of the
    release reloads every table from its unchanged files, saying why in the log and metadata;
    the night after keeps them all."""
    materialize(tmp_path, extracts)
    before = _ledger(tmp_path)
    monkeypatch.setattr(ingest, "LOAD_FORMAT", 2)

    with dg.instance_for_test() as instance:
        result = dg.materialize(raw_assets, instance=instance,
                                resources={"cs_config": cs_config(tmp_path, extracts)})
        logs = [e.user_message for e in instance.all_logs(result.run_id)]

    assert result.success
    why = "loaded by load format 1, this release loads format 2: reloaded from every file"
    for e in EXTRACTS:
        assert metadata(result, e.asset_key)["load_mode"] == f"full: {why}", e.qualified_table
        assert f"{e.qualified_table}: {why}" in logs
    after = _ledger(tmp_path)
    # The same files and rows, loaded again tonight, now recorded as format 2.
    assert [row[:5] for row in after] == [row[:5] for row in before]
    assert min(row[5] for row in after) > max(row[5] for row in before)
    assert query(tmp_path, "SELECT DISTINCT load_format FROM raw._loaded_files") == [(2,)]

    result = materialize(tmp_path, extracts)

    assert {metadata(result, e.asset_key)["load_mode"] for e in EXTRACTS} == {
        "unchanged, not reloaded"}
    assert _ledger(tmp_path) == after


def test_a_ledger_without_the_load_format_is_migrated_in_place(tmp_path, extracts):
    """A ledger written before the load format was recorded: the column is added, its rows
    kept as format 1 (the loads of that release), and no table is reloaded for it."""
    materialize(tmp_path, extracts)
    before = _ledger(tmp_path)
    with duckdb.connect(str(build_db(tmp_path))) as con:  # the ledger as cs360 wrote it then
        con.execute("ALTER TABLE raw._loaded_files RENAME TO loaded_files_now")
        con.execute(
            "CREATE TABLE raw._loaded_files (table_name VARCHAR NOT NULL, path VARCHAR NOT NULL, "
            "size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, sha256 VARCHAR NOT NULL, "
            "row_count BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL)"
        )
        con.execute("INSERT INTO raw._loaded_files "
                    "SELECT * EXCLUDE (load_format) FROM raw.loaded_files_now")
        con.execute("DROP TABLE raw.loaded_files_now")

    result = materialize(tmp_path, extracts)

    assert {metadata(result, e.asset_key)["load_mode"] for e in EXTRACTS} == {
        "unchanged, not reloaded"}
    assert _ledger(tmp_path) == before
    assert query(tmp_path, "SELECT DISTINCT load_format FROM raw._loaded_files") == [(1,)]
    assert query(tmp_path, "SELECT column_name, is_nullable, column_default "
                           "FROM information_schema.columns WHERE table_name = '_loaded_files' "
                           "AND column_name = 'load_format'") == [("load_format", "NO", "1")]


def test_unchanged_file_that_failed_its_checks_still_stops_downstream(tmp_path, extracts):
    """A repeated key (gx_errors) withholds the output; the same file the next night is not
    validated again, and its recorded failure still stops everything downstream."""
    e = extract("finance", "customers")
    key = ("finance", "customers")
    rows = generic_rows(e.columns, 3)
    (extracts / e.file).write_bytes(csv_bytes(e.columns, [*rows, rows[0]]))
    for night in (1, 2):
        result = materialize(tmp_path, extracts, key)
        assert result.asset_materializations_for_node("finance__customers") == [], night
        [errors] = [c for c in result.get_asset_check_evaluations()
                    if c.check_name == "gx_errors"]
        assert not errors.passed and errors.severity == dg.AssetCheckSeverity.ERROR
    assert "not validated again" in errors.metadata["validated_at"].value


def test_a_delta_night_validates_its_rows_against_the_earlier_ones(tmp_path, extracts):
    """An incremental night validates only the delta file's rows and adds them to the stored
    verdicts: a delta row without an id still fails gx_errors (naming the file, row and
    column), a delta row repeating an earlier file's (id, updated_at) still fails the
    uniqueness rule with both rows, and the check says which counts were carried over, not
    read again. Both files' row 2 fail the status rule: each is named with its own file
    (a row number alone would name the same row twice), the base export's first."""
    key = ("support", "tickets")
    first, second, third = ticket_records()
    second = {**second, "status": "escalated"}  # not a status the rule allows
    (extracts / "support" / "tickets.jsonl").write_bytes(jsonl_bytes([first, second, third]))
    materialize(tmp_path, extracts, key)
    delta = extracts / "support" / "tickets" / "d1.jsonl"
    delta.parent.mkdir()
    delta.write_bytes(jsonl_bytes([{**first, "id": None, "updated_at": "2024-03-05T09:15:00Z"},
                                   second]))

    result = materialize(tmp_path, extracts, key)

    assert result.asset_materializations_for_node("support__tickets") == []  # stopped
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    errors, warnings = checks["gx_errors"], checks["gx_warnings"]
    assert not errors.passed and errors.metadata["failed_rules"].value == ["id is present"]
    [missing] = [o for o in errors.metadata["results"].value if o["rule"] == "id is present"]
    assert (missing["unexpected_count"], missing["failing_rows"]) == (
        1, [{"_source_file": "support/tickets/d1.jsonl", "_row_number": 1, "id": None}])
    assert "| id is present | 1 row(s) | support/tickets/d1.jsonl row 1: None |" in (
        errors.metadata["failures"].value)
    assert "id is present (1 row(s): support/tickets/d1.jsonl row 1)" in errors.description
    results = {o["rule"]: o for o in warnings.metadata["results"].value}
    unique = results["(id, updated_at) is unique"]
    assert unique["unexpected_count"] == 2  # base row 2 and delta row 2
    assert unique["failing_rows"] == [
        {"_source_file": file, "_row_number": 2, "id": "101",
         "updated_at": "2024-03-02T09:15:00Z"}
        for file in ("support/tickets.jsonl", "support/tickets/d1.jsonl")
    ]
    status_rule = "status in {new, open, pending, hold, solved, closed}"
    status = results[status_rule]
    assert (status["unexpected_count"], status["failing_rows"]) == (2, [
        {"_source_file": "support/tickets.jsonl", "_row_number": 2, "status": "escalated"},
        {"_source_file": "support/tickets/d1.jsonl", "_row_number": 2, "status": "escalated"},
    ])
    assert (
        f"| {status_rule} | 2 row(s) | support/tickets.jsonl row 2: escalated, "
        "support/tickets/d1.jsonl row 2: escalated |"
    ) in warnings.metadata["failures"].value.replace("\\|", "|")
    assert (
        f"{status_rule} (2 row(s): support/tickets.jsonl row 2, support/tickets/d1.jsonl row 2)"
    ) in warnings.description
    assert errors.metadata["rows"].value == 5
    assert errors.metadata["rows_carried_over"].value == 3
    assert "the counts of the 3 row(s) loaded before them are carried over" in (
        errors.metadata["validated_at"].value)


def test_generated_sample_loads_with_the_generators_counts(tmp_path):
    """The sample generator and the ingest agree on every file, quirks included."""
    root = tmp_path / "extracts"
    counts = generate(root, accounts=50, seed=7, as_of=dt.date.fromisoformat(AS_OF))

    result = materialize(tmp_path, root)

    loaded = {
        e.file: query(tmp_path, f"SELECT count(*) FROM {e.qualified_table}")[0][0] for e in EXTRACTS
    }
    assert loaded == counts
    assert metadata(result, ("finance", "customers"))["encoding"] == "cp932"
    assert metadata(result, ("crm", "account"))["drift"] == ["NumberOfEmployees"]
    # Every CSV cell equals what Python's csv module reads from the same bytes (BOMs, CRLF,
    # quoted line breaks, cp932), with an empty cell arriving as NULL.
    for e in EXTRACTS:
        if e.format != "csv":
            continue
        encoding = metadata(result, e.asset_key)["encoding"]
        with (root / e.file).open(encoding=encoding, newline="") as f:
            header, *rows = list(csv.reader(f))
        cols = ", ".join(f'"{c}"' for c in header)
        in_duckdb = query(tmp_path, f"SELECT {cols} FROM {e.qualified_table} ORDER BY _row_number")
        assert in_duckdb == [tuple(v or None for v in row) for row in rows], e.file


# --- failures name the file and the fault -------------------------------------------------------


def test_missing_required_column_fails_and_keeps_previous_table(tmp_path, extracts):
    e = extract("licenses", "installations")
    materialize(tmp_path, extracts, ("licenses", "installations"))
    before = query(tmp_path, "SELECT count(*) FROM raw.licenses__installations")
    header = [c for c in e.columns if c not in ("version", "environment")]
    (extracts / e.file).write_bytes(csv_bytes(header, generic_rows(header, 5)))

    result = materialize(tmp_path, extracts, ("licenses", "installations"), ok=False)

    message = failure_messages(result)
    assert str(extracts / "licenses" / "installations.csv") in message
    assert "missing required column(s) version, environment" in message
    assert query(tmp_path, "SELECT count(*) FROM raw.licenses__installations") == before


def test_missing_file_fails_naming_the_path(tmp_path, extracts):
    (extracts / "training" / "enrollments.csv").unlink()

    result = materialize(tmp_path, extracts, ("training", "enrollments"), ok=False)

    assert f"{extracts / 'training' / 'enrollments.csv'}: file not found" in failure_messages(
        result
    )


def test_invalid_utf8_that_is_not_cp932_fails_naming_the_file(tmp_path, extracts):
    e = extract("crm", "account")
    materialize(tmp_path, extracts, ("crm", "account"))
    before = query(tmp_path, 'SELECT "Id", "Name" FROM raw.crm__account ORDER BY _row_number')
    rows = generic_rows(e.columns, 4)
    rows[1][e.columns.index("Name")] = (
        "Zürich Re, AG"  # Latin-1 ü: no Shift_JIS character is 0xFC 0x72
    )
    (extracts / e.file).write_bytes(csv_bytes(e.columns, rows, encoding="latin-1"))

    result = materialize(tmp_path, extracts, ("crm", "account"), ok=False)

    message = failure_messages(result)
    assert str(extracts / "crm" / "Account.csv") in message
    assert "not UTF-8 and not Shift_JIS" in message
    assert "(line 3)" in message
    after = query(tmp_path, 'SELECT "Id", "Name" FROM raw.crm__account ORDER BY _row_number')
    assert after == before  # no mojibake, and the last good load is untouched


def test_semicolon_separated_file_fails_on_its_header(tmp_path, extracts):
    e = extract("licenses", "entitlements")
    text = ";".join(e.columns) + "\n" + ";".join(generic_rows(e.columns, 1)[0]) + "\n"
    (extracts / e.file).write_text(text, encoding="utf-8")

    result = materialize(tmp_path, extracts, ("licenses", "entitlements"), ok=False)

    message = failure_messages(result)
    assert f"{extracts / e.file}: missing required column(s) entitlement_id" in message
    assert "separated by something other than commas" in message


def test_row_with_extra_field_fails_naming_file_and_line(tmp_path, extracts):
    e = extract("finance", "fx_rates")
    (extracts / e.file).write_bytes(
        b"currency,month,rate_to_usd\nUSD,2024-06,1\nEUR,2024-06,1,08\n"
    )

    result = materialize(tmp_path, extracts, ("finance", "fx_rates"), ok=False)

    message = failure_messages(result)
    assert f"{extracts / e.file}: not a valid comma-separated, double-quoted CSV" in message
    assert "Line: 3" in message
    assert "strict_mode=false" not in message  # no advice to load it loosely


def test_empty_file_fails(tmp_path, extracts):
    (extracts / "crm" / "Opportunity.csv").write_bytes(b"")

    result = materialize(tmp_path, extracts, ("crm", "opportunity"), ok=False)

    assert f"{extracts / 'crm' / 'Opportunity.csv'}: empty: no header row" in failure_messages(
        result
    )


def test_truncated_json_line_fails_naming_file_and_line(tmp_path, extracts):
    e = extract("support", "tickets")
    good = jsonl_bytes(ticket_records())
    # A transfer cut short mid-record, then later records: DuckDB alone would say "line 5".
    (extracts / e.file).write_bytes(good + b'{"id": 103, "subj\n' + good)

    result = materialize(tmp_path, extracts, ("support", "tickets"), ok=False)

    assert f"{extracts / e.file}: line 4: malformed JSON" in failure_messages(result)


# A JSON-lines file is not scanned for its encoding before DuckDB reads it (DuckDB's parser
# rejects invalid UTF-8 and NULs itself); these put the fault after the key sample, so that only
# DuckDB can meet it, and check that the file is then scanned and judged as before.


def test_cp932_json_lines_beyond_the_key_sample_are_decoded(tmp_path, extracts, monkeypatch):
    monkeypatch.setattr(ingest, "JSON_SAMPLE_RECORDS", 1)
    e = extract("support", "tickets")
    records = ticket_records()
    records[2]["subject"] = "ログインできない（ＳＳＯ）"
    (extracts / e.file).write_bytes(jsonl_bytes(records).decode().encode("cp932"))

    result = materialize(tmp_path, extracts, ("support", "tickets"))

    subjects = query(tmp_path, "SELECT subject FROM raw.support__tickets ORDER BY _row_number")
    assert subjects[2] == ("ログインできない（ＳＳＯ）",)
    assert metadata(result, ("support", "tickets"))["encoding"] == "cp932"


def test_invalid_utf8_json_lines_beyond_the_key_sample_fail_naming_the_file(
    tmp_path, extracts, monkeypatch
):
    monkeypatch.setattr(ingest, "JSON_SAMPLE_RECORDS", 1)
    e = extract("support", "tickets")
    records = ticket_records()
    records[2]["subject"] = "Zürich Re, AG"  # Latin-1 ü: no Shift_JIS character is 0xFC 0x72
    (extracts / e.file).write_bytes(jsonl_bytes(records).decode().encode("latin-1"))

    result = materialize(tmp_path, extracts, ("support", "tickets"), ok=False)

    message = failure_messages(result)
    assert str(extracts / e.file) in message
    assert "not UTF-8 and not Shift_JIS" in message
    assert "(line 3)" in message


def test_malformed_json_line_beyond_the_key_sample_fails_naming_file_and_line(
    tmp_path, extracts, monkeypatch
):
    monkeypatch.setattr(ingest, "JSON_SAMPLE_RECORDS", 1)
    e = extract("support", "tickets")
    good = jsonl_bytes(ticket_records())
    (extracts / e.file).write_bytes(good + b'{"id": 103, "subj\n' + good)

    result = materialize(tmp_path, extracts, ("support", "tickets"), ok=False)

    assert f"{extracts / e.file}: line 4: malformed JSON" in failure_messages(result)
