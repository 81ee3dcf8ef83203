"""Cheap whole-column tests on Arrow-backed text (internal to the readers and the schema).

Stripping a million cells costs a tenth of a second per column even when no cell has
anything to strip; the test here looks only at each cell's first and last byte, so the
strip runs only on columns that need it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["WHITESPACE", "arrow_text", "constant_text", "has_edge"]

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


def constant_text(value: str, rows: int) -> pd.Series:
    """A text column (:data:`~receiptkit.schema.STRING`) holding ``value`` in each of ``rows`` rows, built by pyarrow."""
    from receiptkit.schema import STRING

    arr = pa.array([value], type=pa.large_string()).take(pa.array(np.zeros(rows, dtype=np.int64)))
    return pd.Series(pd.array(arr, dtype=STRING))


def _edge_bytes(chars: Iterable[str]) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    first = np.zeros(256, dtype=bool)
    last = np.zeros(256, dtype=bool)
    encoded = sorted({c.encode("utf-8") for c in chars})
    for enc in encoded:
        first[enc[0]] = True
        last[enc[-1]] = True
    return first, last, encoded


def has_edge(arr: Any, chars: str) -> bool:
    """True when some cell of ``arr`` (a pyarrow string array) starts or ends with one of ``chars``.

    Exact: a cell is a candidate when its first or last byte is the first or last byte of one of
    the characters' UTF-8 encodings, and candidates are then compared whole.
    """
    arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
    n = len(arr)
    if n == 0 or not chars:
        return False
    buffers = arr.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    if buffers[2] is None:
        return False
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    if not len(data):
        return False
    # an empty or null cell reads a neighbour's byte here: at worst a false candidate, checked below
    starts = np.minimum(offsets[:-1], len(data) - 1)
    ends = offsets[1:]
    first, last, encoded = _edge_bytes(chars)
    candidates = first[data[starts]] | last[data[ends - 1]]
    count = int(candidates.sum())
    if count == 0:
        return False
    if count > 4096:
        return True  # unsure without a long loop: the caller strips, which is always right
    for start, end in zip(offsets[:-1][candidates].tolist(), ends[candidates].tolist(), strict=True):
        cell = data[start:end].tobytes()
        if any(cell.startswith(enc) or cell.endswith(enc) for enc in encoded):
            return True
    return False
