"""Writing extract files in the byte-level shape each source system produces.

Which file carries which quirk is decided once, in :data:`STYLES` (documented in the package
docstring); the generator only hands over columns of text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc

from cs_pipeline.sample_data import text
from cs_pipeline.sources import Extract

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileStyle:
    """How one extract file is written. Defaults: UTF-8, no BOM, LF, quote when needed."""

    bom: bool = False
    newline: str = "\n"
    quote_all: bool = False  # Salesforce's Data Export quotes every field
    encoding: str = "utf-8"  # "cp932": saved from Japanese Excel
    drift_columns: tuple[tuple[int, str], ...] = ()  # (header position, name) not in the contract


SHIFT_JIS_FILE = "finance/customers.csv"

STYLES: dict[str, FileStyle] = {
    "crm/Account.csv": FileStyle(
        bom=True, newline="\r\n", quote_all=True, drift_columns=((5, "NumberOfEmployees"),)),
    "crm/User.csv": FileStyle(quote_all=True),
    "crm/Opportunity.csv": FileStyle(newline="\r\n", quote_all=True),
    "crm/Task.csv": FileStyle(quote_all=True),
    "crm/NPS_Response__c.csv": FileStyle(bom=True, quote_all=True),
    SHIFT_JIS_FILE: FileStyle(newline="\r\n", encoding="cp932"),
    "finance/subscriptions.csv": FileStyle(newline="\r\n"),
    "training/enrollments.csv": FileStyle(bom=True),
}

# Written instead of the cp932 style when the caller asks for all-UTF-8 files: what Excel's
# "CSV UTF-8" save produces (BOM + CRLF).
UTF8_EXCEL_STYLE = FileStyle(bom=True, newline="\r\n")


def style_for(file: str, shift_jis: bool = True) -> FileStyle:
    style = STYLES.get(file, FileStyle())
    if style.encoding != "utf-8" and not shift_jis:
        return UTF8_EXCEL_STYLE
    return style


def header(extract: Extract, style: FileStyle) -> tuple[str, ...]:
    """The registry columns, with any drift columns inserted where the style puts them."""
    columns = list(extract.columns)
    for position, name in style.drift_columns:
        columns.insert(position, name)
    return tuple(columns)


class ExtractWriter:
    """Streams one extract file chunk by chunk and counts its records."""

    def __init__(self, root: Path, extract: Extract, style: FileStyle) -> None:
        self.extract = extract
        self.style = style
        self.columns = header(extract, style) if extract.format == "csv" else extract.columns
        self.path = root / extract.file
        self.rows = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("wb")
        if style.bom:
            self._fh.write(BOM)
        if extract.format == "csv":
            line = ",".join(
                f'"{c}"' if style.quote_all else c for c in self.columns) + style.newline
            self._write(line.encode("utf-8"))

    def _write(self, data: bytes | memoryview) -> None:
        if self.style.encoding != "utf-8":
            data = bytes(data).decode("utf-8").encode(self.style.encoding)
        self._fh.write(data)

    def write_columns(self, columns: dict[str, pa.Array]) -> None:
        """Append CSV records; ``columns`` must hold exactly this file's header columns."""
        if set(columns) != set(self.columns):
            missing = set(self.columns) - set(columns)
            extra = set(columns) - set(self.columns)
            raise ValueError(f"{self.extract.file}: missing {missing}, unexpected {extra}")
        n = len(columns[self.columns[0]])
        if n == 0:
            return
        fields: list[pa.Array | str] = []
        for name in self.columns:
            if fields:
                fields.append(",")
            fields.append(text.csv_field(columns[name], self.style.quote_all))
        fields.append(self.style.newline)
        self._write(text.utf8_bytes(text.join(*fields)))
        self.rows += n

    def write_lines(self, lines: pa.Array) -> None:
        """Append JSON lines (each element one object, without its line end)."""
        if len(lines) == 0:
            return
        self._write(text.utf8_bytes(text.join(lines, "\n")))
        self.rows += len(lines)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> ExtractWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class DeltaFilesWriter:
    """Writes a JSON-lines extract as a base file plus one delta file per day, as an
    incremental export delivers it (``support/tickets.jsonl`` + ``support/tickets/
    tickets-YYYYMMDD.jsonl``, see the extract contract's "Incremental ticket exports").

    A record goes to the delta of the UTC day of its ``updated_at`` when that day is one of the
    last ``days`` days up to ``as_of`` (a later day goes to the as-of day's delta), else to the
    base file. Records keep their relative order, so versions with equal ``updated_at`` (always
    the same day, hence the same file) keep their tie order: the files hold the same records
    as the single file and give the same marts.
    """

    _DAY = r'"updated_at":"(?P<day>\d{4}-\d{2}-\d{2})'

    def __init__(
        self, root: Path, extract: Extract, style: FileStyle, days: int, as_of: dt.date
    ) -> None:
        if extract.delta_folder is None:
            raise ValueError(f"{extract.file} has no delta folder")
        self.extract = extract
        self.rows = 0
        self._base = ExtractWriter(root, extract, style)
        self._days = [as_of - dt.timedelta(days=i) for i in range(days - 1, -1, -1)]
        folder = PurePosixPath(extract.delta_folder)
        stem = PurePosixPath(extract.file).stem
        self._deltas = {
            day.isoformat(): ExtractWriter(
                root, replace(extract, file=str(folder / f"{stem}-{day:%Y%m%d}.jsonl")),
                style)
            for day in self._days
        }
        # A delta file exists for every day, even a day without changes (an empty export).
        self._first, self._last = self._days[0].isoformat(), self._days[-1].isoformat()

    def write_lines(self, lines: pa.Array) -> None:
        if len(lines) == 0:
            return
        day = pc.struct_field(pc.extract_regex(lines, self._DAY), "day")
        day = pc.fill_null(day, "")
        day = pc.if_else(pc.greater(day, self._last), self._last, day)
        in_base = pc.less(day, self._first)
        self._base.write_lines(pc.filter(lines, in_base))
        for key, writer in self._deltas.items():
            writer.write_lines(pc.filter(lines, pc.equal(day, key)))
        self.rows += len(lines)

    def close(self) -> None:
        self._base.close()
        for writer in self._deltas.values():
            writer.close()
