"""Cheap whole-column tests on Arrow-backed text (internal to the readers and the schema).

Stripping a million cells costs a tenth of a second per column even when no cell has
anything to strip; the test here looks at each cell's first and last bytes (numpy over the
Arrow buffers), so the strip runs only on columns that need it.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["WHITESPACE", "arrow_text", "constant_text", "has_edge", "has_empty", "valid_cells"]

#: Every character that str.strip() (Python) or utf8_trim_whitespace (Arrow) may remove, and a few more.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u180e\u200b\ufeff"


def arrow_text(values: pd.Series) -> pa.Array:
    """The text of a string column as one pyarrow ``large_string`` array (no copy when it is one already)."""
    arr = (
        pa.array(values.array)
        if hasattr(values.array, "__arrow_array__")
        else pa.array(values, pa.large_string())
    )
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return arr


def valid_cells(arr: Any) -> np.ndarray:
    """Which cells of a pyarrow array are not null, as a numpy bool array (read off its validity bitmap)."""
    n = len(arr)
    bitmap = arr.buffers()[0]
    if bitmap is None or arr.null_count == 0:
        return np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[arr.offset : arr.offset + n].astype(bool)


def constant_text(value: str, rows: int) -> pd.Series:
    """A text column (:data:`~receiptkit.schema.STRING`) holding ``value`` in each of ``rows`` rows, built by pyarrow."""
    from receiptkit.schema import STRING

    arr = pa.array([value], type=pa.large_string()).take(pa.array(np.zeros(rows, dtype=np.int64)))
    return pd.Series(pd.array(arr, dtype=STRING))


@functools.lru_cache(maxsize=16)
def _edge_tables(chars: str) -> tuple[np.ndarray, np.ndarray, tuple[tuple[int, np.ndarray], ...]]:
    """For ``chars``: which bytes may start / end one of their UTF-8 encodings, and the encodings by length.

    Each encoding of ``k`` bytes is given as one big-endian integer of those bytes.
    """
    first = np.zeros(256, dtype=bool)
    last = np.zeros(256, dtype=bool)
    by_length: dict[int, set[int]] = {}
    for enc in {c.encode("utf-8") for c in chars}:
        first[enc[0]] = True
        last[enc[-1]] = True
        by_length.setdefault(len(enc), set()).add(int.from_bytes(enc, "big"))
    codes = tuple((k, np.array(sorted(v), dtype=np.int64)) for k, v in sorted(by_length.items()))
    return first, last, codes


def _codes_at(data: np.ndarray, positions: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` bytes of ``data`` from each position, as big-endian integers."""
    code = data.take(positions).astype(np.int64)
    for j in range(1, k):
        code = (code << 8) | data.take(positions + j)
    return code


def has_edge(arr: Any, chars: str) -> bool:
    """True when some cell of ``arr`` (a pyarrow string array) starts or ends with one of ``chars``.

    Exact and vectorised: a cell is a candidate when its first or last byte is the first or last
    byte of one of the characters' UTF-8 encodings; each candidate's leading and trailing bytes
    are then compared with every encoding of their length.
    """
    arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
    n = len(arr)
    if n == 0 or not chars:
        return False
    buffers = arr.buffers()
    if buffers[2] is None or buffers[2].size == 0:
        return False
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    first, last, codes = _edge_tables(chars)
    # an empty or null cell reads a neighbour's byte here: at worst a false candidate, dropped below
    at_start = first.take(data.take(offsets[:-1], mode="clip"))
    at_end = last.take(data.take(offsets[1:] - 1, mode="clip"))
    candidates = at_start | at_end
    if not candidates.any():
        return False
    where = np.flatnonzero(candidates)
    starts = offsets[where]
    ends = offsets[where + 1]
    lengths = ends - starts
    keep = lengths > 0
    if arr.null_count:
        keep &= valid_cells(arr)[where]
    at_start, at_end = at_start[where] & keep, at_end[where] & keep
    for k, known in codes:
        for side, origin in ((at_start, starts), (at_end, ends - k)):
            fits = side & (lengths >= k)
            if fits.any() and np.isin(_codes_at(data, origin[fits], k), known).any():
                return True
    return False


def has_empty(arr: Any) -> bool:
    """True when some cell of ``arr`` (a pyarrow string array) is the empty string (not null)."""
    arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
    n = len(arr)
    if n == 0:
        return False
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    empty = offsets[1:] == offsets[:-1]
    if not empty.any():
        return False
    if arr.null_count:
        empty &= valid_cells(arr)
    return bool(empty.any())
