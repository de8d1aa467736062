"""Unit tests of the file checks that run before a load (encoding, header, JSON lines)."""

import codecs
import io
from pathlib import Path

import pytest

from cs_pipeline.extract_files import (
    ExtractFileError,
    check_columns,
    detect_encoding,
    find_bad_json_line,
    read_csv_header,
    scan_text,
    transcode_to_utf8,
)

JAPANESE = "株式会社サンプル,ＡＢＣ商事,ｶﾌﾞｼｷｶﾞｲｼｬ,髙橋"


def _write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_ascii_is_utf8(tmp_path):
    assert detect_encoding(_write(tmp_path, b"Id,Name\n1,a\n")) == "utf-8"


def test_utf8_with_and_without_bom(tmp_path):
    text = f"Id,Name\n1,{JAPANESE}\n".encode()
    assert detect_encoding(_write(tmp_path, text)) == "utf-8"
    assert detect_encoding(_write(tmp_path, codecs.BOM_UTF8 + text)) == "utf-8-sig"


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 1 << 20])
def test_cp932_detected_and_transcoded_across_chunk_boundaries(tmp_path, chunk_size):
    """Multi-byte characters split between chunks must neither fail nor be mangled."""
    text = f'Id,Name\r\n1,{JAPANESE}\r\n2,"改行\r\nあり"\r\n'
    path = _write(tmp_path, text.encode("cp932"))
    assert detect_encoding(path, chunk_size=chunk_size) == "cp932"
    dest = tmp_path / "out.csv"
    transcode_to_utf8(path, "cp932", dest, chunk_size=chunk_size)
    assert dest.read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize("chunk_size", [1, 2, 5, 1 << 20])
def test_bom_stripped_when_transcoding(tmp_path, chunk_size):
    path = _write(tmp_path, codecs.BOM_UTF8 + '{"id": 1, "name": "髙橋"}\n'.encode())
    dest = tmp_path / "out.jsonl"
    transcode_to_utf8(path, "utf-8-sig", dest, chunk_size=chunk_size)
    assert dest.read_text(encoding="utf-8") == '{"id": 1, "name": "髙橋"}\n'


@pytest.mark.parametrize("chunk_size", [1, 4, 1 << 20])
def test_invalid_in_both_encodings_names_file_offset_and_line(tmp_path, chunk_size):
    # Latin-1 "Zürich," : 0xFC followed by a comma is neither UTF-8 nor Shift_JIS.
    data = b"Id,City\n1,Tokyo\n2,Z\xfc,x\n"
    path = _write(tmp_path, data)
    with pytest.raises(ExtractFileError) as info:
        detect_encoding(path, chunk_size=chunk_size)
    message = str(info.value)
    assert str(path) in message
    assert "byte offset 19 (line 3)" in message
    assert data[19] == 0xFC


def test_utf8_failure_position_counts_the_bom(tmp_path):
    data = codecs.BOM_UTF8 + b"Id\n\xff\n"
    failure = scan_text(_write(tmp_path, data), "utf-8-sig")
    assert (failure.offset, failure.line) == (6, 2)


def test_bytes_that_are_not_shift_jis_are_rejected(tmp_path):
    """Python's cp932 maps 0x80/0xA0/0xFD-0xFF to code points; a real Shift_JIS file has none."""
    path = _write(tmp_path, b"Id,Name\n1,caf\xa0\n")
    with pytest.raises(ExtractFileError, match="U\\+F8F0"):
        detect_encoding(path)


@pytest.mark.parametrize(
    ("latin1", "character"),
    [
        ("Größe GmbH", "U\\+E[0-7]"),  # ö opens the user-defined area: a private-use character
        ("GÖTEBORG AB", "U\\+FF96"),  # Ö is the half-width katakana ﾖ, alone between two letters
        ("Mañana SA", "U\\+E[0-7]"),
    ],
)
def test_latin1_that_decodes_as_shift_jis_is_rejected(tmp_path, latin1, character):
    """A European export that happens to decode as cp932 would load as mojibake."""
    path = _write(tmp_path, f"Id,Name\n1,{latin1}\n".encode("latin-1"))
    with pytest.raises(ExtractFileError, match=f"not Shift_JIS.*character {character}"):
        detect_encoding(path)


def test_half_width_katakana_in_japanese_text_is_shift_jis(tmp_path):
    """Half-width katakana runs (legacy Japanese systems) and Latin letters beside Japanese."""
    text = "Id,Name\r\n1,ｶﾌﾞｼｷｶﾞｲｼｬ ABC\r\n2,ABCｼｮｳｼﾞ\r\n3,ＡＢＣ商事 NTTデータ\r\n"
    assert detect_encoding(_write(tmp_path, text.encode("cp932"))) == "cp932"


def test_nul_bytes_are_rejected(tmp_path):
    """UTF-16 text is valid UTF-8 byte by byte; the NULs give it away."""
    path = _write(tmp_path, "Id,Name\n".encode("utf-16-le"))
    with pytest.raises(ExtractFileError, match="U\\+0000"):
        detect_encoding(path)


def test_header_keeps_exact_names_and_strips_bom(tmp_path):
    path = _write(tmp_path, codecs.BOM_UTF8 + b'Id,"Na,me",Region__c\r\n1,a,b\r\n')
    assert read_csv_header(path) == ["Id", "Na,me", "Region__c"]


def test_header_of_empty_file(tmp_path):
    path = _write(tmp_path, b"")
    with pytest.raises(ExtractFileError, match="empty: no header row"):
        read_csv_header(path, label="crm/Account.csv")


def test_check_columns_returns_drift_in_file_order():
    drift = check_columns("f.csv", ["b", "Extra2", "a", "Extra1"], ["a", "b"])
    assert drift == ["Extra2", "Extra1"]


def test_check_columns_missing_names_file_and_columns():
    with pytest.raises(ExtractFileError) as info:
        check_columns("crm/Account.csv", ["Id", "name"], ["Id", "Name", "Type"])
    message = str(info.value)
    assert message.startswith("crm/Account.csv: missing required column(s) Name, Type")
    assert "different case: name" in message


def test_check_columns_semicolon_header_says_so():
    with pytest.raises(ExtractFileError) as info:
        check_columns("f.csv", ["Id;Name"], ["Id", "Name"])
    assert "missing required column(s) Id, Name" in str(info.value)
    assert "separated by something other than commas" in str(info.value)


@pytest.mark.parametrize(
    ("header", "fault"),
    [
        (["Id", "ID"], "duplicate column 'ID'"),
        (["Id", ""], "empty column name at position(s) 2"),
        (["Id", "_row_number"], "clash with cs360 lineage columns"),
    ],
)
def test_check_columns_rejects_ambiguous_headers(header, fault):
    with pytest.raises(ExtractFileError, match=fault.replace("(", "\\(").replace(")", "\\)")):
        check_columns("f.csv", header, ["Id"])


def test_bad_json_line_is_found_by_line_number(tmp_path):
    path = _write(tmp_path, b'{"id": 1}\n\n{"id": 2, "na\n{"id": 3}\n', "t.jsonl")
    line, reason = find_bad_json_line(path)
    assert line == 3
    assert reason.startswith("malformed JSON")


def test_json_line_that_is_not_an_object(tmp_path):
    path = _write(tmp_path, b'{"id": 1}\n[1, 2]\n', "t.jsonl")
    assert find_bad_json_line(path) == (2, "a JSON list where an object was expected")


def test_utf8_scan_passes_text_through_unchanged(tmp_path):
    text = f"Id,Name\r\n1,{JAPANESE}\r\n"
    sink = io.StringIO()
    assert scan_text(_write(tmp_path, text.encode()), "utf-8", sink=sink, chunk_size=3) is None
    assert sink.getvalue() == text
