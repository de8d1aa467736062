"""Raw assets: every extract file of the registry, loaded as delivered into DuckDB's `raw` schema.

One asset per entry of :data:`cs_pipeline.sources.EXTRACTS` (declare once, generate), keyed
``[source, entity]`` so that it is the upstream of dbt's ``source('<source>', '<entity>')``.
A raw table keeps the file's exact column names, every value as text (typing is staging's
job, where a bad value can be reported instead of failing the load), plus lineage columns
``_source_file``, ``_row_number`` and ``_loaded_at``.

Parsing is DuckDB's native readers with a fixed dialect; Python only checks the encoding,
the header and, on failure, names the offending line.
"""

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from cs_pipeline.config import CsConfig
from cs_pipeline.extract_files import (
    UTF8_BOM,
    ExtractFileError,
    check_columns,
    detect_encoding,
    find_bad_json_line,
    read_csv_header,
    transcode_to_utf8,
)
from cs_pipeline.publish import restore_build
from cs_pipeline.quality.freshness import (
    evaluate_freshness,
    freshness_check_result,
    freshness_check_spec,
)
from cs_pipeline.quality.row_counts import (
    check_row_count,
    row_count_check_result,
    row_count_check_spec,
)
from cs_pipeline.sources import EXTRACTS, RAW_SCHEMA, Extract

PREVIEW_ROWS = 5
_PREVIEW_CELL_CHARS = 60
_STAGE = "_cs360_stage"

LINEAGE_DESCRIPTIONS = {
    "_source_file": "Path of the delivered file, relative to the extracts folder.",
    "_row_number": "1-based record number in the file (header excluded).",
    "_loaded_at": "When this load ran (UTC).",
}


@dataclass(frozen=True)
class LoadReport:
    """What one load did, for the materialization's metadata."""

    path: Path
    table: str
    encoding: str
    columns: list[str]  # the file's columns, in file order
    drift: list[str]  # columns the contract does not name (kept)
    row_count: int
    preview_columns: list[str]
    preview_rows: list[tuple]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _json_path(key: str) -> str:
    """JSONPath selecting one top-level key, whatever characters the key holds."""
    return "$." + '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _duckdb_message(exc: duckdb.Error) -> str:
    """DuckDB's parse error without its 'Possible fixes' (they suggest loosening the dialect)."""
    text = str(exc).split("Possible fixes:")[0]
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def load_extract(
    extract: Extract, extracts_dir: Path, warehouse: Path, loaded_at: dt.datetime
) -> LoadReport:
    """Load one extract file into ``raw.<source>__<entity>``, replacing the table atomically.

    Raises :class:`ExtractFileError`, naming the file, when the file is missing, empty, not
    UTF-8/cp932 text, lacks a required column or is not parseable in the contract's dialect.
    On any failure the previous table stays as it was.
    """
    path = extracts_dir / extract.file
    if not path.is_file():
        raise ExtractFileError(f"{path}: file not found (expected the {extract.source} extract)")
    if path.stat().st_size == 0:
        what = "no header row" if extract.format == "csv" else "no records"
        raise ExtractFileError(f"{path}: empty: {what}")
    encoding = detect_encoding(path)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cs360-ingest-") as tmp:
        readable = path
        # DuckDB reads UTF-8 only (its encodings extension is not available offline) and its
        # JSON reader rejects a BOM, so those files are read from a streamed UTF-8 copy.
        if encoding != "utf-8" and not (encoding == UTF8_BOM and extract.format == "csv"):
            readable = Path(tmp) / path.name
            transcode_to_utf8(path, encoding, readable)
        if extract.format == "csv":  # checked before the warehouse is even opened
            header = read_csv_header(readable, label=path)
            drift = check_columns(path, header, extract.columns)
        with duckdb.connect(str(warehouse)) as con:
            con.execute("SET preserve_insertion_order = true")  # _row_number follows the file
            con.begin()
            try:
                if extract.format == "csv":
                    select = _csv_select(extract, readable, header, loaded_at)
                else:
                    header = _stage_jsonl(con, path, readable)
                    drift = check_columns(path, header, extract.columns)
                    select = _jsonl_select(extract, header, loaded_at)
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
                try:
                    con.execute(f"CREATE OR REPLACE TABLE {extract.qualified_table} AS {select}")
                except duckdb.InvalidInputException as exc:  # the CSV reader's parse errors
                    raise ExtractFileError(
                        f"{path}: not a valid comma-separated, double-quoted CSV: "
                        f"{_duckdb_message(exc)}"
                    ) from exc
                con.execute(f"DROP TABLE IF EXISTS temp.{_STAGE}")
                con.commit()
            except BaseException:
                con.rollback()
                raise
            return _report(con, extract, path, encoding, header, drift)


def _csv_select(
    extract: Extract, readable: Path, header: Sequence[str], loaded_at: dt.datetime
) -> str:
    """SELECT over DuckDB's CSV reader with the contract's dialect, nothing sniffed.

    The column list comes from the header already checked, so names are exact and a row with
    more or fewer fields than the header is an error (strict mode), never padded or skipped.
    """
    columns = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in header)
    reader = (
        f"read_csv({quote_literal(str(readable))}, header = true, delim = ',', quote = '\"', "
        f"escape = '\"', comment = '', skip = 0, auto_detect = false, strict_mode = true, "
        f"null_padding = false, ignore_errors = false, columns = {{{columns}}})"
    )
    selected = ", ".join(quote_ident(c) for c in header)
    return f"SELECT {selected}, {_lineage(extract, loaded_at)} FROM {reader}"


def _lineage(extract: Extract, loaded_at: dt.datetime) -> str:
    # row_number() OVER () numbers rows in scan order, which DuckDB keeps as the file's order.
    return (
        f"{quote_literal(extract.file)} AS _source_file, "
        f"row_number() OVER () AS _row_number, "
        f"TIMESTAMP {quote_literal(loaded_at.isoformat(sep=' '))} AS _loaded_at"
    )


def _stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, readable: Path) -> list[str]:
    """Parse a JSON-lines file once into a temp table; return its top-level keys.

    Keys come in order of first appearance, so the raw table's columns read like the records.
    """
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_STAGE} AS "
            f"SELECT json, row_number() OVER () AS _row_number "
            f"FROM read_ndjson_objects({quote_literal(str(readable))})"
        )
        not_object = con.execute(
            f"SELECT count(*) FROM {_STAGE} WHERE json_type(json) <> 'OBJECT'"
        ).fetchone()[0]
    except duckdb.InvalidInputException as exc:
        raise _json_error(path, readable, _duckdb_message(exc)) from exc
    if not_object:
        raise _json_error(path, readable, "a record is not a JSON object")
    rows = con.execute(
        f"SELECT key FROM {_STAGE}, unnest(json_keys(json)) WITH ORDINALITY AS k(key, pos) "
        f"GROUP BY key ORDER BY min(_row_number), arg_min(pos, _row_number)"
    ).fetchall()
    return [key for (key,) in rows]


def _json_error(path: Path, readable: Path, duckdb_says: str) -> ExtractFileError:
    bad = find_bad_json_line(readable)
    if bad is None:
        return ExtractFileError(f"{path}: not valid JSON lines: {duckdb_says}")
    line, reason = bad
    return ExtractFileError(f"{path}: line {line}: {reason}")


def _jsonl_select(extract: Extract, keys: Sequence[str], loaded_at: dt.datetime) -> str:
    """One text column per key: strings unquoted, numbers/booleans as JSON text, nested as JSON."""
    selected = ", ".join(
        f"json_extract_string(json, {quote_literal(_json_path(k))}) AS {quote_ident(k)}"
        for k in keys
    )
    lineage = (
        f"{quote_literal(extract.file)} AS _source_file, _row_number, "
        f"TIMESTAMP {quote_literal(loaded_at.isoformat(sep=' '))} AS _loaded_at"
    )
    return f"SELECT {selected}, {lineage} FROM {_STAGE} ORDER BY _row_number"


def _report(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    path: Path,
    encoding: str,
    header: list[str],
    drift: list[str],
) -> LoadReport:
    table = extract.qualified_table
    row_count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    preview_columns = ["_row_number", *header]
    preview_rows = con.execute(
        f"SELECT {', '.join(quote_ident(c) for c in preview_columns)} FROM {table} "
        f"ORDER BY _row_number LIMIT {PREVIEW_ROWS}"
    ).fetchall()
    return LoadReport(
        path=path,
        table=table,
        encoding=encoding,
        columns=header,
        drift=drift,
        row_count=row_count,
        preview_columns=preview_columns,
        preview_rows=preview_rows,
    )


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table for the Dagster UI; cells are shortened and kept on one line."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\r\n", "\n").replace("\n", " ⏎ ").replace("|", "\\|")
        if len(text) > _PREVIEW_CELL_CHARS:
            text = text[: _PREVIEW_CELL_CHARS - 1] + "…"
        return text

    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def materialize_metadata(report: LoadReport) -> dict[str, dg.MetadataValue]:
    schema = dg.TableSchema(
        columns=[dg.TableColumn(c, "VARCHAR") for c in report.columns]
        + [
            dg.TableColumn("_source_file", "VARCHAR", LINEAGE_DESCRIPTIONS["_source_file"]),
            dg.TableColumn("_row_number", "BIGINT", LINEAGE_DESCRIPTIONS["_row_number"]),
            dg.TableColumn("_loaded_at", "TIMESTAMP", LINEAGE_DESCRIPTIONS["_loaded_at"]),
        ]
    )
    return {
        "row_count": dg.MetadataValue.int(report.row_count),
        # The standard keys: the UI charts the row count and lists the columns.
        "dagster/row_count": dg.MetadataValue.int(report.row_count),
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "columns": dg.MetadataValue.json(report.columns),
        "encoding": dg.MetadataValue.text(report.encoding),
        "drift": dg.MetadataValue.json(report.drift),
        "source_file": dg.MetadataValue.path(str(report.path)),
        "preview": dg.MetadataValue.md(markdown_table(report.preview_columns, report.preview_rows)),
    }


def build_raw_asset(extract: Extract) -> dg.AssetsDefinition:
    """The Dagster asset that loads one extract file."""

    @dg.asset(
        key=extract.asset_key,
        group_name=extract.source,
        kinds={"duckdb", extract.format},
        description=(
            f"`{extract.file}` from the extracts folder, loaded as delivered into "
            f"`{extract.qualified_table}`: the file's columns as text, plus `_source_file`, "
            f"`_row_number` and `_loaded_at`."
        ),
        metadata={"dagster/table_name": extract.qualified_table, "extract_file": extract.file},
        # Judged here rather than in separate check steps: a check step never runs when its
        # asset fails, and a missing file must still be reported as the freshness ERROR.
        check_specs=[freshness_check_spec(extract), row_count_check_spec(extract)],
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, cs_config: CsConfig
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        settings = cs_config.settings
        if restore_build(settings.build_warehouse, settings.warehouse):
            context.log.warning(f"build warehouse was missing: restored from {settings.warehouse}")
        freshness = evaluate_freshness(
            extract, settings.extracts_dir, settings.as_of, siblings=EXTRACTS
        )
        if freshness.missing:  # recorded before the load below fails on the missing file
            yield freshness_check_result(freshness)
        loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        try:
            report = load_extract(
                extract, settings.extracts_dir, settings.build_warehouse, loaded_at
            )
        except ExtractFileError as exc:
            raise dg.Failure(
                description=str(exc),
                metadata={
                    "source_file": dg.MetadataValue.path(str(settings.extracts_dir / extract.file))
                },
            ) from exc
        if report.drift:
            context.log.warning(
                f"{report.path}: extra column(s) kept, not in the extract contract: "
                f"{', '.join(report.drift)}"
            )
        row_count = check_row_count(
            extract,
            settings.build_warehouse,
            report.row_count,
            loaded_at=loaded_at,
            as_of=settings.as_of,
            file_modified_at=freshness.modified_at,
        )
        yield dg.MaterializeResult(
            metadata=materialize_metadata(report),
            check_results=[freshness_check_result(freshness), row_count_check_result(row_count)],
        )

    return _raw_asset


raw_assets: list[dg.AssetsDefinition] = [build_raw_asset(e) for e in EXTRACTS]
