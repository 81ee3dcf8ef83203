"""The counter sees what the month sees (issue 17, item 4): a jumped clock's pieces serve every path.

A terminal whose clock jumped mid-month is corrected row by row by its pieces in ``match``; ``find``,
``JournalIndex(clock_offsets=rk.clock_offsets(result))``, ``match(..., clock_offsets=...)`` and
``match_dask`` must correct it the same way, not by one offset (the latest piece's), which fits the
other piece's sales nowhere.
"""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk

from .conftest import proofs, row_of
from .test_clock_segments import _anchors, _jump_journal, _sms

BEFORE = ("s0", 9900, "10:42:00", "5678", "S0")  # logged on the right clock, before the jump
AFTER = ("s1", 8800, "15:42:00", "1234", "S1")  # logged ~297 days behind, after it


def _month():
    j = _jump_journal()
    result = rk.match(proofs(*_anchors()), j)
    assert len(result.attrs["clock_segments"]["T9"]) == 2
    return j, result


def _one(case: tuple) -> pd.DataFrame:
    proof_id, amount, clock, last4, _ = case
    return proofs(_sms(proof_id, amount, clock, last4))


def test_the_offsets_frame_carries_the_pieces() -> None:
    _, result = _month()
    frame = rk.clock_offsets(result)
    assert frame.attrs["clock_segments"] == result.attrs["clock_segments"]
    assert frame.loc["T9", "offset_s"] == result.attrs["clock_segments"]["T9"][1]["offset_s"]  # the latest


def test_journal_index_given_the_results_offsets_finds_both_pieces() -> None:
    j, result = _month()
    index = rk.JournalIndex(j, clock_offsets=rk.clock_offsets(result))
    assert len(index.clock_segments["T9"]) == 2
    for case in (BEFORE, AFTER):
        verdict = rk.find(index, _one(case)).attrs["verdict"]
        assert verdict["status"] == "matched" and verdict["txn_id"] == case[4], case
    # the result itself serves as well
    index = rk.JournalIndex(j, clock_offsets=result)
    assert rk.find(index, _one(BEFORE)).attrs["verdict"]["txn_id"] == "S0"


def test_one_offset_alone_still_misses_the_other_piece() -> None:
    """The control: a plain mapping of the latest piece's offset is one offset, as documented."""
    j, result = _month()
    latest = rk.clock_offsets(result)["offset_s"].to_dict()
    index = rk.JournalIndex(j, clock_offsets=latest)
    assert rk.find(index, _one(AFTER)).attrs["verdict"]["txn_id"] == "S1"
    assert rk.find(index, _one(BEFORE)).attrs["verdict"]["status"] != "matched"


def test_match_given_the_results_offsets_matches_both_pieces_as_find_does() -> None:
    j, result = _month()
    both = pd.concat([_one(BEFORE), _one(AFTER)], ignore_index=True)
    given = rk.match(both, j, clock_offsets=rk.clock_offsets(result))
    for case in (BEFORE, AFTER):
        assert row_of(given, case[0])["status"] == "matched" and row_of(given, case[0])["txn_id"] == case[4]
    assert given.attrs["clock_segments"]["T9"] == result.attrs["clock_segments"]["T9"]


def test_match_dask_given_the_results_offsets_matches_both_pieces() -> None:
    dask = pytest.importorskip("dask")  # the dask extra
    from receiptkit.scale import match_dask

    j, result = _month()
    both = pd.concat([_one(BEFORE), _one(AFTER)], ignore_index=True)
    expected = rk.match(both, j, clock_offsets=rk.clock_offsets(result))
    with dask.config.set(scheduler="sync"):
        got = match_dask(both, j, clock_offsets=rk.clock_offsets(result)).compute().sort_index()
    assert got["txn_id"].tolist() == expected["txn_id"].tolist() == ["S0", "S1"]
    assert got["status"].tolist() == ["matched", "matched"]
    assert got["clock_offset_s"].tolist() == expected["clock_offset_s"].tolist()


def test_a_malformed_piece_is_a_typed_error() -> None:
    from receiptkit.errors import SchemaError

    j, result = _month()
    frame = rk.clock_offsets(result)
    frame.attrs["clock_segments"] = {"T9": [{"offset_s": "soon"}]}
    try:
        rk.JournalIndex(j, clock_offsets=frame)
    except SchemaError as exc:
        assert "T9" in str(exc)
    else:  # pragma: no cover - the assertion names the failure
        raise AssertionError("a malformed piece was accepted")
