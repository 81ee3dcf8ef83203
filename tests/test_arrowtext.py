"""The whole-column text tests of receiptkit.arrowtext against their per-cell definitions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receiptkit.arrowtext import (
    WHITESPACE,
    CellBytes,
    has_edge,
    has_empty,
    in_byte_set,
    surely_distinct,
    valid_cells,
)
from receiptkit.readers.table import STRIP_CHARS

# edges of every byte length, and look-alikes that share a first or last byte with them
PIECES = st.sampled_from(
    [
        "a",
        "全",
        "建设银行",
        " ",
        "\t",
        "\u3000",
        "\u2003",
        "\u00a0",
        "\ufeff",
        "\u2028",
        "\u200b",
        "`",
        "\u00e0",  # first byte 0xc3, not a space
        "\u2080",  # 0xe2 0x82 0x80: starts like U+2000-U+200B, ends like U+2000
        "\u3001",  # 0xe3 0x80 0x81: starts like U+3000
        "\u1680",
        "\uff10",
        "x\u0085",
    ]
)
CELLS = st.one_of(st.none(), st.lists(PIECES, max_size=4).map("".join), st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(CELLS, max_size=25),
    chars=st.sampled_from([WHITESPACE, STRIP_CHARS, "\u2003", "x"]),
    cut=st.integers(0, 3),
    large=st.booleans(),
)
def test_has_edge_is_exactly_whether_some_cell_would_strip(
    cells: list[str | None], chars: str, cut: int, large: bool
) -> None:
    arr = pa.array(cells, type=pa.large_string() if large else pa.string())
    arr = arr.slice(min(cut, len(cells)))  # an array that starts inside its buffers
    expected = any(v is not None and v != v.strip(chars) for v in cells[cut:])
    assert has_edge(arr, chars) == expected
    shared = CellBytes(arr)  # the same answer from byte positions read once and shared between tests
    assert has_edge(arr, chars, shared) == expected
    assert has_empty(arr, shared) == any(v == "" for v in cells[cut:])


@settings(max_examples=300, deadline=None)
@given(
    marked=st.sets(st.integers(0, 255), max_size=40),
    values=st.lists(st.integers(0, 255), max_size=60),
)
def test_in_byte_set_is_the_table_lookup(marked: set[int], values: list[int]) -> None:
    table = np.zeros(256, dtype=bool)
    table[sorted(marked)] = True
    got = in_byte_set(np.array(values, dtype=np.uint8), table)
    assert got.dtype == bool
    assert got.tolist() == [v in marked for v in values]


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(CELLS, max_size=25), cut=st.integers(0, 3), large=st.booleans())
def test_has_empty_is_exactly_whether_some_cell_is_empty(
    cells: list[str | None], cut: int, large: bool
) -> None:
    arr = pa.array(cells, type=pa.large_string() if large else pa.string()).slice(min(cut, len(cells)))
    assert has_empty(arr) == any(v == "" for v in cells[cut:])


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(CELLS, max_size=40), cut=st.integers(0, 11))
def test_valid_cells_reads_the_validity_bitmap(cells: list[str | None], cut: int) -> None:
    arr = pa.array(cells, type=pa.large_string()).slice(min(cut, len(cells)))  # offsets not on a byte
    assert valid_cells(arr).tolist() == [v is not None for v in cells[cut:]]


# ids that differ only late, only in length, or by one byte in a later eight-byte word
IDS = st.one_of(
    st.none(),
    st.sampled_from(["", "T1", "T10", "T1\x00", "1234567812345678", "1234567812345679", "12345678", "全角"]),
    st.text(max_size=20),
    st.text(max_size=300),  # beyond the longest cell the hash reads: never claimed distinct
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(IDS, max_size=30), cut=st.integers(0, 3), large=st.booleans())
def test_surely_distinct_is_never_wrong_and_proves_the_usual_case(
    cells: list[str | None], cut: int, large: bool
) -> None:
    arr = pa.array(cells, type=pa.large_string() if large else pa.string()).slice(min(cut, len(cells)))
    kept = cells[cut:]
    distinct = len(set(kept)) == len(kept)  # None counts as a value, as pyarrow's unique counts it
    if surely_distinct(arr):
        assert distinct
    elif distinct and all(v is None or len(v.encode("utf-8")) <= 256 for v in kept):
        raise AssertionError(f"distinct short cells not proved distinct: {kept!r}")


def test_surely_distinct_on_a_million_sequential_ids() -> None:
    ids = pa.array([f"T{i:09d}" for i in range(1_000_000)], type=pa.large_string())
    assert surely_distinct(ids)
    repeated = pa.concat_arrays([ids, ids.slice(999_999)])
    assert not surely_distinct(repeated)


def test_remembered_values_hold_only_for_those_buffers_and_only_within_the_scope() -> None:
    from receiptkit.arrowtext import known_values, remember_values, remembering

    column = pa.array(["a", None, "b", "a"] * 3, type=pa.large_string())
    cover = pa.array(["a", "b", None], type=pa.string())
    remember_values(column, cover)  # outside a scope: not kept
    assert known_values(column) is None
    with remembering():
        remember_values(column, cover)
        assert known_values(column).to_pylist() == ["a", "b"]
        assert known_values(column.slice(1)) is None  # other cells: not described
        assert known_values(pa.array(["a", None, "b", "a"] * 3, type=pa.large_string())) is None
        assert not has_edge(column, " ") and not has_empty(column)
        # a cover is trusted (so only a column's own dictionary is ever remembered): a wrong one
        # hides an edge, within the scope only
        edged = pa.array([" a", "b", "b"], type=pa.large_string())
        remember_values(edged, pa.array(["a", "b"]))
        assert not has_edge(edged, " ")
    assert known_values(column) is None
    assert has_edge(edged, " ")


@pytest.mark.parametrize("value", ["x", "", "全角 text", "/tmp/journal.parquet"])
@pytest.mark.parametrize("rows", [0, 1, 5])
def test_constant_text_is_the_value_in_every_row(value: str, rows: int) -> None:
    import pandas as pd

    from receiptkit.arrowtext import constant_text
    from receiptkit.schema import STRING

    pd.testing.assert_series_equal(constant_text(value, rows), pd.Series([value] * rows, dtype=STRING))
