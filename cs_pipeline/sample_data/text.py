"""Vectorized text formatting: numpy values in, Arrow string arrays out.

The generator writes millions of rows; formatting them one Python object at a time would
take most of the run. Every helper here works on a whole chunk at once with Arrow compute
kernels, and never returns nulls (empty text and JSON ``null`` are explicit), so a line is
one ``binary_join_element_wise`` and a chunk is one contiguous byte buffer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SECONDS_PER_DAY = 86_400

# "HH:MM:SS" for every second of a day: a timestamp is a date string plus a lookup.
_TIME_OF_DAY = pa.array(
    [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(SECONDS_PER_DAY)],
    pa.string(),
)


def fixed_ascii(matrix: np.ndarray) -> pa.StringArray:
    """Rows of an (n, width) uint8 matrix of ASCII bytes as strings, without a Python loop."""
    n, width = matrix.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def pick(options: Sequence[str], index: np.ndarray) -> pa.Array:
    """``options[index]`` for every element."""
    return pa.array(list(options), pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def ints(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def dates(days: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` from days since 1970-01-01."""
    return pc.cast(pa.array(np.asarray(days, dtype=np.int32), pa.date32()), pa.string())


def _timestamps(seconds: np.ndarray, suffix: str) -> pa.Array:
    seconds = np.asarray(seconds, dtype=np.int64)
    day = seconds // SECONDS_PER_DAY
    tod = _TIME_OF_DAY.take(pa.array(seconds - day * SECONDS_PER_DAY))
    return join(dates(day), "T", tod, suffix)


def sf_timestamps(seconds: np.ndarray) -> pa.Array:
    """Salesforce Data Export form: ``2024-03-01T09:15:00.000+0000``."""
    return _timestamps(seconds, ".000+0000")


def z_timestamps(seconds: np.ndarray) -> pa.Array:
    """Zendesk / ISO form: ``2024-03-01T09:15:00Z``."""
    return _timestamps(seconds, "Z")


def amounts(minor_units: np.ndarray, has_minor_unit: np.ndarray | bool) -> pa.Array:
    """Decimal text from integer minor units: ``1234.50``; ``123450`` where there is no
    minor unit (JPY), in which case ``minor_units`` already counts whole yen."""
    minor_units = np.asarray(minor_units, dtype=np.int64)
    sign = np.where(minor_units < 0, "-", "")
    magnitude = np.abs(minor_units)
    whole = ints(magnitude // 100)
    cents = pc.utf8_lpad(ints(magnitude % 100), width=2, padding="0")
    with_cents = join(pa.array(sign, pa.string()), whole, ".", cents)
    without = join(pa.array(sign, pa.string()), ints(magnitude))
    return pc.if_else(pa.array(np.broadcast_to(has_minor_unit, minor_units.shape)), with_cents,
                      without)


def booleans(mask: np.ndarray) -> pa.Array:
    """Salesforce / license server booleans: ``true`` / ``false``."""
    return pick(("false", "true"), np.asarray(mask, dtype=np.int64))


def where(mask: np.ndarray, if_true: pa.Array | str, if_false: pa.Array | str) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), if_true, if_false)


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation; plain ``str`` parts are broadcast."""
    return pc.binary_join_element_wise(*parts, "")


def json_string(values: pa.Array, present: np.ndarray | None = None) -> pa.Array:
    """JSON string literals (``"..."``); ``null`` where ``present`` is false."""
    escaped = values
    for raw, esc in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = pc.replace_substring(escaped, raw, esc)
    quoted = join('"', escaped, '"')
    return quoted if present is None else where(present, quoted, "null")


def pick_json(options: Sequence[str], index: np.ndarray,
              present: np.ndarray | None = None) -> pa.Array:
    """JSON string literals of ``options[index]`` (escaped once per option, not per row);
    ``null`` where ``present`` is false."""
    literals = [json.dumps(o, ensure_ascii=False) for o in options] + ["null"]
    index = np.asarray(index, dtype=np.int64)
    if present is not None:
        index = np.where(present, index, len(options))
    return pick(literals, index)


def json_number(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    text = ints(values)
    return text if present is None else where(present, text, "null")


def csv_field(values: pa.Array, quote_all: bool) -> pa.Array:
    """RFC 4180 field text: quoted when it holds a comma, quote or line break (or always)."""
    quoted = join('"', pc.replace_substring(values, '"', '""'), '"')
    if quote_all:
        return quoted
    return pc.if_else(pc.match_substring_regex(values, '[",\r\n]'), quoted, values)


def utf8_bytes(lines: pa.Array) -> memoryview:
    """The contiguous UTF-8 bytes of a null-free string array (all elements, in order)."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if lines.null_count:
        raise ValueError("text array has nulls")
    if len(lines) == 0:
        return memoryview(b"")
    _, offsets_buf, data_buf = lines.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=len(lines) + 1,
                            offset=lines.offset * 4)
    return memoryview(data_buf)[int(offsets[0]):int(offsets[-1])]
