"""Salesforce record ids: the 15-character case-sensitive form and its 18-character form.

Other systems (ERP, Zendesk, the license server) often store the 15-character form that
users copy from a Salesforce URL; the Data Export writes the 18-character form, whose last
three characters are a checksum of the *case* of the first fifteen. The generator needs the
real checksum, otherwise a pipeline that converts 15 -> 18 would never find the account.
"""

from __future__ import annotations

import numpy as np

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def sfdc_id_18(id15: str) -> str:
    """The 18-character form of a 15-character Salesforce id.

    Each 5-character chunk gives one suffix character: bit ``i`` is set when character ``i``
    of the chunk is an uppercase ``A``-``Z``; the 5-bit number indexes ``A..Z0..5``.
    An 18-character id is returned unchanged after checking its suffix.
    """
    if len(id15) == 18:
        if sfdc_id_18(id15[:15]) != id15:
            raise ValueError(f"invalid Salesforce id checksum: {id15!r}")
        return id15
    if len(id15) != 15 or not id15.isalnum() or not id15.isascii():
        raise ValueError(f"a Salesforce id has 15 alphanumeric characters, got {id15!r}")
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start:start + 5]) if "A" <= ch <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return id15 + suffix


def sfdc_ids(prefix: str, counters: np.ndarray) -> np.ndarray:
    """18-character ids ``prefix + base62(counter)`` as an (n, 18) uint8 matrix, vectorized.

    ``prefix`` is the 3-character key prefix plus pod/reserved characters (6 in all, e.g.
    ``"0015g0"``); the counter fills the remaining 9 base-62 digits, like the sequence
    Salesforce allocates. Returned as bytes so callers can build Arrow strings without a
    Python loop (see :func:`cs_pipeline.sample_data.text.fixed_ascii`).
    """
    if len(prefix) != 6:
        raise ValueError("prefix must have 6 characters")
    counters = np.asarray(counters, dtype=np.int64)
    n = counters.shape[0]
    alphabet = np.frombuffer(BASE62.encode(), dtype=np.uint8)
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :6] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    rest = counters.copy()
    for pos in range(14, 5, -1):
        out[:, pos] = alphabet[rest % 62]
        rest //= 62
    if np.any(rest):
        raise ValueError("counter does not fit in 9 base-62 digits")
    upper = (out[:, :15] >= ord("A")) & (out[:, :15] <= ord("Z"))
    weights = 1 << np.arange(5)
    suffix_alphabet = np.frombuffer(_SUFFIX_ALPHABET.encode(), dtype=np.uint8)
    for chunk in range(3):
        bits = (upper[:, chunk * 5:chunk * 5 + 5] * weights).sum(axis=1)
        out[:, 15 + chunk] = suffix_alphabet[bits]
    return out
