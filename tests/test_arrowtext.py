"""The whole-column text tests of receiptkit.arrowtext against their per-cell definitions."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from receiptkit.arrowtext import WHITESPACE, has_edge, has_empty, valid_cells
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
