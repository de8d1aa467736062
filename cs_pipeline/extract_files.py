"""Checks on a delivered extract file before it is loaded: encoding, header, malformed lines.

Pure file handling (no Dagster, no DuckDB) so every rule has a fast unit test. The extract
contract allows UTF-8 (with or without a byte-order mark) and, for CSVs saved from Japanese
Excel, Shift_JIS (cp932). A file in any other encoding is rejected with the byte offset and
line of the first byte that does not decode: loading mojibake would silently break identity
resolution downstream, a loud failure is cheaper.

Everything streams in fixed-size chunks, so a large nightly extract never sits in memory.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from cs_pipeline.sources import LINEAGE_COLUMNS

CHUNK_SIZE = 1 << 20

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
CP932 = "cp932"

# Characters that never occur in a genuine text extract of the given encoding. NUL means
# UTF-16 or binary data (both of which "decode" as UTF-8 or cp932 byte by byte). In cp932, what
# a Latin-1 or Windows-1252 file (a European export) decodes to when it does decode:
# - Python maps the single bytes 0x80, 0xA0 and 0xFD-0xFF, which are not Shift_JIS at all, to
#   U+0080 and U+F8F0-U+F8F3;
# - the lead bytes 0xF0-0xF9 (Latin-1 ð ñ ò ó ô õ ö ÷ ø ù) open the user-defined area, which
#   decodes to private-use characters (U+E000-U+E757): no Excel export of Japanese text has them;
# - a Latin-1 capital with an accent (0xC0-0xDF: À ... Ö ... ß) is one half-width katakana, so
#   "GÖTEBORG" reads "GﾖTEBORG": a lone half-width katakana between two Latin letters, which
#   Japanese text never writes.
# An accented small letter followed by a letter (0xE0-0xEF and a trail byte: "São" reads
# "S縊") still decodes to an ordinary kanji; no rule tells it from Japanese without guessing
# (docs/operations-checks.md, "When a check fails": export such a file as UTF-8).
_NOT_TEXT = {
    UTF8: re.compile("\x00"),
    CP932: re.compile(
        "[\x00\x80-\x9f\ue000-\uf8ff]|(?<=[A-Za-z])[\uff61-\uff9f](?=[A-Za-z])"
    ),
}


class ExtractFileError(ValueError):
    """A delivered file cannot be loaded as delivered; the message names the file and the fault.

    ``path`` is that file when it is known (a ticket delta file rather than the extract's main
    file, for the failure's metadata).
    """

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class DecodeFailure:
    """Where a file stops being valid text in one encoding."""

    encoding: str
    offset: int  # 0-based byte offset of the first offending byte
    line: int  # 1-based line of that byte
    reason: str

    def describe(self) -> str:
        return f"{self.encoding}: {self.reason} at byte offset {self.offset} (line {self.line})"


def has_utf8_bom(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8


def scan_text(
    path: Path, encoding: str, sink: TextIO | None = None, chunk_size: int = CHUNK_SIZE
) -> DecodeFailure | None:
    """Decode `path` strictly, chunk by chunk; the first failure, or None when it is clean text.

    With a `sink`, the decoded text is written to it as it goes (that is how a cp932 file is
    transcoded: the bytes validated and the bytes written are the same pass). A UTF-8 BOM is
    dropped from the output when `encoding` is ``utf-8-sig``.
    """
    # A BOM decodes to U+FEFF with the plain codec; decoding with it keeps byte offsets exact
    # (Python's utf-8-sig decoder reports error positions without the BOM's 3 bytes).
    codec = UTF8 if encoding == UTF8_BOM else encoding
    strip_bom = encoding == UTF8_BOM
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    not_text = _NOT_TEXT[codec]
    fed = 0  # bytes handed to the decoder so far
    newlines = 0  # line breaks in the text decoded so far
    with path.open("rb") as f:
        while True:
            chunk = f.read(chunk_size)
            pending = decoder.getstate()[0]  # bytes of a character split across chunks
            consumed = fed - len(pending)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.object is pending + chunk, so exc.start counts from `consumed`.
                before = exc.object[: exc.start]
                return DecodeFailure(
                    encoding,
                    offset=consumed + exc.start,
                    line=newlines + before.count(b"\n") + 1,
                    reason=f"invalid byte 0x{exc.object[exc.start]:02X} ({exc.reason})",
                )
            bad = not_text.search(text)
            if bad:
                head = text[: bad.start()]
                return DecodeFailure(
                    encoding,
                    offset=consumed + len(head.encode(codec, errors="replace")),
                    line=newlines + head.count("\n") + 1,
                    reason=f"character U+{ord(bad.group()):04X} is not text in this encoding",
                )
            newlines += text.count("\n")
            if strip_bom and text:
                text, strip_bom = text.removeprefix("\ufeff"), False
            if sink is not None:
                sink.write(text)
            fed += len(chunk)
            if not chunk:
                return None


def detect_encoding(path: Path, chunk_size: int = CHUNK_SIZE) -> str:
    """``utf-8``, ``utf-8-sig`` (UTF-8 with BOM) or ``cp932``, whichever decodes strictly.

    UTF-8 is tried first: a Japanese text that is valid UTF-8 is practically never also valid
    cp932 and vice versa, while pure ASCII is both (and then UTF-8 is the right answer).
    """
    first = UTF8_BOM if has_utf8_bom(path) else UTF8
    utf8_failure = scan_text(path, first, chunk_size=chunk_size)
    if utf8_failure is None:
        return first
    cp932_failure = scan_text(path, CP932, chunk_size=chunk_size)
    if cp932_failure is None:
        return CP932
    raise ExtractFileError(
        f"{path}: not UTF-8 and not Shift_JIS (cp932) text; refusing to load it as mojibake. "
        f"First invalid byte: {utf8_failure.describe()}; {cp932_failure.describe()}",
        path,
    )


def transcode_to_utf8(path: Path, encoding: str, dest: Path, chunk_size: int = CHUNK_SIZE) -> None:
    """Write `path` re-encoded as UTF-8 without BOM to `dest`, streaming.

    Needed because DuckDB's own encodings extension is not available offline.
    """
    with dest.open("w", encoding=UTF8, newline="") as sink:
        failure = scan_text(path, encoding, sink=sink, chunk_size=chunk_size)
    if failure is not None:  # the file changed since detection
        raise ExtractFileError(f"{path}: {failure.describe()}", path)


def read_csv_header(path: Path, label: Path | str | None = None) -> list[str]:
    """The header row of a UTF-8 CSV (BOM stripped), parsed with the contract's dialect.

    The dialect is fixed (comma, double quote, doubled quotes) instead of sniffed: a
    semicolon file then shows up as one column and fails the required-column check loudly,
    where a sniffer might load it with a guessed, wrong layout.
    `label` is the file named in errors (the delivered file when `path` is a transcoded copy).
    """
    label = label or path
    with path.open(encoding=UTF8_BOM, newline="") as f:
        reader = csv.reader(f, delimiter=",", quotechar='"', doublequote=True, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise ExtractFileError(f"{label}: empty: no header row") from None
        except csv.Error as exc:
            raise ExtractFileError(f"{label}: unreadable header row: {exc}") from exc
    if not header:
        raise ExtractFileError(f"{label}: empty: no header row (the first line is blank)")
    return header


def check_columns(label: Path | str, header: Sequence[str], required: Iterable[str]) -> list[str]:
    """Validate a file's column names; return the extra (drifted) ones in file order.

    Raises when a required column is missing (names are exact and case-sensitive, as the
    systems export them), when a name is empty or repeated (DuckDB names are
    case-insensitive, so ``Id`` and ``ID`` would collide) or when it clashes with a lineage
    column the ingest adds.
    """
    required = list(required)
    problems: list[str] = []
    empty = [str(i + 1) for i, name in enumerate(header) if not name.strip()]
    if empty:
        problems.append(f"empty column name at position(s) {', '.join(empty)}")
    seen: dict[str, str] = {}
    for name in header:
        if name.strip() and name.lower() in seen:
            problems.append(f"duplicate column {name!r} (also {seen[name.lower()]!r})")
        seen.setdefault(name.lower(), name)
    clashes = [name for name in header if name.lower() in LINEAGE_COLUMNS]
    if clashes:
        problems.append(f"column(s) {', '.join(clashes)} clash with cs360 lineage columns")
    missing = [name for name in required if name not in header]
    if missing:
        message = f"missing required column(s) {', '.join(missing)}"
        near = [seen[m.lower()] for m in missing if m.lower() in seen]
        if near:
            message += f" (found with different case: {', '.join(near)})"
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            message += (
                f"; the header is a single column {header[0][:80]!r}: the file looks "
                "separated by something other than commas, which the contract requires"
            )
        else:
            message += f"; header has: {', '.join(header)}"
        problems.append(message)
    if problems:
        raise ExtractFileError(f"{label}: " + "; ".join(problems))
    return [name for name in header if name not in required]


def find_bad_json_line(path: Path) -> tuple[int, str] | None:
    """First line (1-based) of a JSON-lines file that is not blank and not a JSON object.

    Only called after DuckDB rejected the file, to name the line: DuckDB's own message
    counts lines one too far for a record in the middle of the file. Reads line by line,
    splitting on ``\\n`` only, as the JSON-lines format does.
    """
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw
            if not line.strip():
                continue
            try:
                value = json.loads(line.decode(UTF8))
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                return number, f"malformed JSON: {exc}"
            if not isinstance(value, dict):
                return number, f"a JSON {type(value).__name__} where an object was expected"
    return None
