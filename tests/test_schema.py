"""receiptkit.schema: what validate_journal masks and the whole-column tests it relies on."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit.schema import _SUSPICIOUS, STRING, FullPanWarning, _maybe_suspicious

# every separator receiptkit.pan accepts between the digit groups of a written card number
SEPARATORS = [
    " ",
    "\u00a0",
    "\u2007",
    "\u202f",
    "\u3000",
    "-",
    "\u2010",
    "\u2011",
    "\u2012",
    "\u2013",
    "\u2014",
    "\u2212",
    "\uff0d",
]


@pytest.mark.parametrize("sep", SEPARATORS)
def test_a_card_number_grouped_by_any_separator_is_masked(sep: str) -> None:
    journal = rk.make_dataset(n_transactions=5, n_proofs=1, seed=1).journal
    written = sep.join(["4111", "1111", "1111", "1111"])
    journal["merchant_name"] = pd.Series([f"shop {written}"] * len(journal), dtype=STRING)
    for read in (rk.validate_journal, rk.read_journal):
        with pytest.warns(FullPanWarning):
            out = read(journal)
        assert set(out["merchant_name"]) == {"shop 411111******1111"}, repr(sep)


CELL = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("0１٣ -\u00a0\u3000xeEpP有效期")), max_size=16),
    st.sampled_from(
        ["4111 1111 1111 1111", "６２２５８８０１３７７０６６５８", "EXP 12/28", "Good thru", "到期"]
    ),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELL, max_size=12), cut=st.integers(0, 2))
def test_the_whole_buffer_test_never_misses_a_suspicious_cell(cells: list[str | None], cut: int) -> None:
    arr = pa.array(cells, type=pa.large_string()).slice(min(cut, len(cells)))
    series = pd.Series(pd.array(arr, dtype=STRING))
    if any(v is not None and re.search(_SUSPICIOUS, v) for v in cells[cut:]):
        assert _maybe_suspicious(series)
    if not any(v for v in cells[cut:]):
        assert not _maybe_suspicious(series)


def test_a_column_without_digits_or_words_is_not_searched_cell_by_cell() -> None:
    series = pd.Series(["建设银行", "plain", None, "a1b2"] * 1000, dtype=STRING)
    assert not _maybe_suspicious(series)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing masked, nothing said
        journal = rk.make_dataset(n_transactions=5, n_proofs=1, seed=1).journal
        rk.validate_journal(journal)
