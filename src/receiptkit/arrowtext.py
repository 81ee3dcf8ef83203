"""Cheap whole-column tests on Arrow-backed text (internal to the readers and the schema).

Stripping a million cells costs a tenth of a second per column even when no cell has
anything to strip; the test here looks at each cell's first and last bytes (numpy over the
Arrow buffers), so the strip runs only on columns that need it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "BIDI_CONTROLS",
    "CONTROL_CHARACTERS",
    "WHITESPACE",
    "CellBytes",
    "arrow_text",
    "constant_text",
    "has_control",
    "has_edge",
    "has_empty",
    "in_byte_set",
    "known_values",
    "remember_values",
    "remembering",
    "surely_distinct",
    "valid_cells",
]

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


# ---------------------------------------------------------------- values known to cover a column

_Key = tuple[int, int, int, int]
_REMEMBERED: contextvars.ContextVar[dict[_Key, tuple[Any, Any]] | None] = contextvars.ContextVar(
    "receiptkit_remembered_values", default=None
)


def _buffers_key(arr: Any) -> _Key | None:
    """Where a ``large_string`` array's cells lie: its offsets and data buffers, offset and length."""
    if not isinstance(arr, pa.Array) or arr.type != pa.large_string():
        return None
    buffers = arr.buffers()
    if buffers[1] is None:
        return None
    data = buffers[2].address if buffers[2] is not None else 0
    return (buffers[1].address, data, arr.offset, len(arr))


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """A scope in which :func:`remember_values` is kept; forgotten (and the arrays let go) on leaving it."""
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def remember_values(arr: Any, values: Any) -> None:
    """Note, for the current :func:`remembering` scope, that every present cell of ``arr`` is one of ``values``.

    ``arr``: a ``large_string`` array (a column's own buffers); ``values``: a string array,
    typically the dictionary a column was decoded from. The note is kept with a reference to
    ``arr``, so that its buffers (immutable, as all Arrow buffers) stay the ones it describes.
    Outside a scope this does nothing.
    """
    memo = _REMEMBERED.get()
    key = _buffers_key(arr)
    if memo is None or key is None:
        return
    values = values.cast(pa.large_string()) if values.type != pa.large_string() else values
    memo[key] = (arr, values.drop_null())


def known_values(arr: Any) -> Any | None:
    """Values that every present cell of ``arr`` is one of, when remembered in this scope (else None).

    A cover, not the distinct values: some may occur in no cell. A whole-column test for a
    property that no value of the cover has proves that no cell has it; when some value has it,
    only the cells can tell.
    """
    memo = _REMEMBERED.get()
    if not memo:
        return None
    key = _buffers_key(arr)
    hit = memo.get(key) if key is not None else None
    return hit[1] if hit is not None else None


def _covered(arr: Any) -> Any | None:
    """:func:`known_values` of ``arr`` when shorter than ``arr`` itself (else testing it gains nothing)."""
    known = known_values(arr)
    return known if known is not None and len(known) < len(arr) else None


def constant_text(value: str, rows: int) -> pd.Series:
    """A text column (:data:`~receiptkit.schema.STRING`) holding ``value`` in each of ``rows`` rows, built by pyarrow."""
    from receiptkit.schema import STRING

    encoded = value.encode("utf-8")
    width = len(encoded)
    offsets = (
        np.arange(0, (rows + 1) * width, width, dtype=np.int64) if width else np.zeros(rows + 1, np.int64)
    )
    arr = pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(encoded * rows))
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


@functools.lru_cache(maxsize=64)
def _byte_runs(table: bytes) -> tuple[tuple[int, int], ...]:
    """The runs of consecutive byte values marked in a 256-entry table (given as its bytes)."""
    marked = np.flatnonzero(np.frombuffer(table, dtype=np.uint8))
    if not len(marked):
        return ()
    breaks = np.flatnonzero(np.diff(marked) != 1)
    starts = np.concatenate(([marked[0]], marked[breaks + 1]))
    ends = np.concatenate((marked[breaks], [marked[-1]]))
    return tuple((int(a), int(b)) for a, b in zip(starts, ends, strict=True))


def in_byte_set(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[values]`` for ``uint8`` values and a 256-entry bool table, as a few range tests.

    A table lookup makes numpy widen every index to 64 bits first; a handful of wrapping
    ``uint8`` comparisons is several times faster (a table with many runs is looked up as before).
    """
    runs = _byte_runs(table.astype(np.uint8).tobytes())
    if len(runs) > 8:
        return table.take(values)  # type: ignore[no-any-return]
    out = np.zeros(len(values), dtype=bool)
    for lo, hi in runs:
        if lo == hi:
            out |= values == np.uint8(lo)
        else:  # lo <= v <= hi, with the subtraction wrapping below lo
            out |= (values - np.uint8(lo)) <= np.uint8(hi - lo)
    return out


class CellBytes:
    """Where each cell of a ``large_string`` array lies in its buffers, read once and shared by the tests here.

    ``first`` / ``last``: each cell's first and last byte. A null or empty cell reads a
    neighbour's byte (0 when the array holds no text at all): a test built on them must only
    ever add candidates because of such a cell, never drop one. ``lengths``: bytes per cell
    (0 for a null cell); ``valid``: which cells are not null.
    """

    def __init__(self, arr: Any) -> None:
        arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
        self.arr = arr
        self.n = n = len(arr)
        buffers = arr.buffers()
        if n == 0 or buffers[1] is None:
            self.offsets = np.zeros(n + 1, dtype=np.int64)
        else:
            self.offsets = np.frombuffer(buffers[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
        data = buffers[2] if len(buffers) > 2 else None
        self.data = (
            np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(0, np.uint8)
        )

    @functools.cached_property
    def first(self) -> np.ndarray:
        if not len(self.data):
            return np.zeros(self.n, dtype=np.uint8)
        return self.data.take(self.offsets[:-1], mode="clip")

    @functools.cached_property
    def last(self) -> np.ndarray:
        if not len(self.data):
            return np.zeros(self.n, dtype=np.uint8)
        return self.data.take(self.offsets[1:] - 1, mode="clip")

    @functools.cached_property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @functools.cached_property
    def valid(self) -> np.ndarray:
        return valid_cells(self.arr)


def has_edge(arr: Any, chars: str, cells: CellBytes | None = None) -> bool:
    """True when some cell of ``arr`` (a pyarrow string array) starts or ends with one of ``chars``.

    Exact and vectorised: a cell is a candidate when its first or last byte is the first or last
    byte of one of the characters' UTF-8 encodings; each candidate's leading and trailing bytes
    are then compared with every encoding of their length. ``cells``: the array's
    :class:`CellBytes` when the caller has them already.
    """
    if len(arr) == 0 or not chars:
        return False
    cover = _covered(arr)
    if cover is not None and not has_edge(cover, chars):
        return False  # no value the cells are drawn from has such an edge
    cells = CellBytes(arr) if cells is None else cells
    data = cells.data
    if not len(data):
        return False
    first, last, codes = _edge_tables(chars)
    # an empty or null cell reads a neighbour's byte here: at worst a false candidate, dropped below
    at_start = in_byte_set(cells.first, first)
    at_end = in_byte_set(cells.last, last)
    candidates = at_start | at_end
    if not candidates.any():
        return False
    offsets = cells.offsets
    where = np.flatnonzero(candidates)
    starts = offsets[where]
    ends = offsets[where + 1]
    lengths = ends - starts
    keep = lengths > 0
    if cells.arr.null_count:
        keep &= cells.valid[where]
    at_start, at_end = at_start[where] & keep, at_end[where] & keep
    for k, known in codes:
        for side, origin in ((at_start, starts), (at_end, ends - k)):
            fits = side & (lengths >= k)
            if fits.any() and np.isin(_codes_at(data, origin[fits], k), known).any():
                return True
    return False


#: The bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI): they
#: make a terminal, a slip or a report show the text after them reversed or moved (Trojan Source,
#: CVE-2021-42574). The marks U+200E/U+200F/U+061C are not among them: they move no letter of a Latin or
#: Chinese name, and exports copied from some phones and locales carry them.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"

#: The characters no text cell may hold (a regex class, for RE2 as for ``re``): the C0 controls but tab, line
#: feed and carriage return, DEL, and the C1 controls U+0080-U+009F. NUL and the others come from damaged files,
#: binary data or terminal escapes (ESC): kept, they would reach a terminal, a slip or a report as they are.
#: And :data:`BIDI_CONTROLS` (since session 16).
CONTROL_CHARACTERS = f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]"


def has_control(arr: Any) -> bool:
    """True when some cell of ``arr`` (a pyarrow ``large_string`` array) may hold one of :data:`CONTROL_CHARACTERS`.

    numpy over the data buffer: a byte below 0x20 other than tab, LF and CR, a DEL byte, ``C2 80``-``C2 9F``
    (the UTF-8 of U+0080-U+009F; no other character's UTF-8 holds such bytes), or the three bytes of a
    :data:`BIDI_CONTROLS` character. Bytes under null cells count
    too: a True only sends the column to the exact per-cell test.
    """
    n = len(arr)
    if n == 0 or arr.null_count == n:
        return False
    buffers = arr.buffers()
    if buffers[2] is None:
        return False
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
    low = np.flatnonzero(data < 0x20)
    if low.size and np.isin(data[low], (0x09, 0x0A, 0x0D), invert=True).any():
        return True
    if (data == 0x7F).any():
        return True
    lead = np.flatnonzero(data[:-1] == 0xC2)
    if lead.size and (data[lead + 1] < 0xA0).any():
        return True
    # a bidi control: E2 80 AA-AE (U+202A-U+202E) or E2 81 A6-A9 (U+2066-U+2069)
    lead = np.flatnonzero(data[:-2] == 0xE2)
    if not lead.size:
        return False
    second, third = data[lead + 1], data[lead + 2]
    return bool(
        ((second == 0x80) & (third >= 0xAA) & (third <= 0xAE)).any()
        | ((second == 0x81) & (third >= 0xA6) & (third <= 0xA9)).any()
    )


def has_empty(arr: Any, cells: CellBytes | None = None) -> bool:
    """True when some cell of ``arr`` (a pyarrow string array) is the empty string (not null)."""
    if len(arr) == 0:
        return False
    cover = _covered(arr)
    if cover is not None and not has_empty(cover):
        return False
    cells = CellBytes(arr) if cells is None else cells
    empty = cells.lengths == 0
    if not empty.any():
        return False
    if cells.arr.null_count:
        empty &= cells.valid
    return bool(empty.any())


_WORD_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
_LONGEST_HASHED = 256  # bytes: longer cells are left to an exact hash table


def surely_distinct(arr: Any) -> bool:
    """True when no two cells of ``arr`` (a pyarrow string array) are equal, proved by a 64-bit hash of each.

    Equal cells always hash alike, so hashes that are all different prove the cells all
    different; False means only "not proved" (a repeat, two nulls, a hash collision, or cells
    longer than 256 bytes), for the caller to settle exactly. Each cell is read eight bytes at
    a time (numpy over the Arrow buffers), without a Python string per cell.
    """
    n = len(arr)
    if n < 2:
        return True
    if arr.null_count > 1:
        return False
    cells = CellBytes(arr)
    lengths = cells.lengths
    if int(lengths.max()) > _LONGEST_HASHED:
        return False
    low, high = int(cells.offsets[0]), int(cells.offsets[-1])
    padded = np.zeros(high - low + 8, dtype=np.uint8)  # a whole word readable from every cell start
    padded[: high - low] = cells.data[low:high]
    words = np.ndarray(shape=(high - low + 1,), dtype="<u8", buffer=padded, strides=(1,))
    starts = cells.offsets[:-1] - low
    hashed = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    if arr.null_count:
        hashed[~cells.valid] = np.uint64(0xFFFFFFFFFFFFFFFF)  # the one null: a value of its own
    step = np.uint64(0xBF58476D1CE4E5B9)
    for at in range(0, int(lengths.max()), 8):
        word = words[np.minimum(starts + at, high - low)]
        word &= _WORD_MASKS.take(np.clip(lengths - at, 0, 8))
        hashed = hashed * step + word
    hashed.sort()  # numpy's vectorised sort: several times faster than a hash table of 64-bit keys
    return not bool((hashed[1:] == hashed[:-1]).any())
