"""Writing extract files in the byte-level shape each source system produces.

Which file carries which quirk is decided once, in :data:`STYLES` (documented in the package
docstring); the generator only hands over columns of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pyarrow as pa

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
