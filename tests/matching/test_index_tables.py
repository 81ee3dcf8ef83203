"""JournalIndex's search tables: kept in step with clock offsets without sorting the journal from scratch.

When clock offsets change (``match`` learns them, then sets them), rows move by seconds or minutes;
the index sorts its tables again starting from their last order. The tables, and every search over
them, must be what a fresh sort gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.matching.clocks import ClockSegment
from receiptkit.matching.index import JournalIndex


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_transactions=4000, n_proofs=400, seed=3)


def _tables(index: JournalIndex) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {"hyp": (index._hyp_rows, index._hyp_key), "l4": (index._l4_rows, index._l4_key)}
    for side, (rows, keys) in index._by_time.items():
        out[f"time{side}"] = (rows, keys)
    return out


def _same_tables(a: JournalIndex, b: JournalIndex) -> None:
    assert a._base == b._base
    np.testing.assert_array_equal(a._hyp_run, b._hyp_run)
    np.testing.assert_array_equal(a.row_group, b.row_group)
    for name, (rows, keys) in _tables(a).items():
        other_rows, other_keys = _tables(b)[name]
        assert np.all(keys[1:] >= keys[:-1]), name  # sorted
        np.testing.assert_array_equal(keys, other_keys, err_msg=name)
        # rows of equal keys may come in any order: the same (key, row) pairs
        mine = sorted(zip(keys.tolist(), rows.tolist(), strict=True))
        theirs = sorted(zip(other_keys.tolist(), other_rows.tolist(), strict=True))
        assert mine == theirs, name


def _offsets(journal: pd.DataFrame, n: int, seconds: int) -> dict[str, float]:
    terminals = sorted(journal["terminal_id"].astype(str).unique())
    return {t: float(seconds * (k + 1)) for k, t in enumerate(terminals[:n])}


@pytest.mark.parametrize(
    "moved", [1, 3]
)  # one terminal's rows are merged back; three are most rows: sorted again
def test_tables_after_new_offsets_are_those_of_a_fresh_sort(data, moved: int) -> None:
    offsets = _offsets(data.journal, moved, 137)
    index = JournalIndex(data.journal)
    index.set_clock_offsets(offsets, {})
    _same_tables(index, JournalIndex(data.journal, clock_offsets=offsets))
    # and back: every row in its first place again
    index.set_clock_offsets({}, {})
    _same_tables(index, JournalIndex(data.journal))


def test_tables_after_offsets_of_most_terminals_change_are_those_of_a_fresh_sort(data) -> None:
    offsets = _offsets(data.journal, 10**6, -61)  # every terminal: sorted again from scratch
    index = JournalIndex(data.journal)
    index.set_clock_offsets(offsets, {})
    _same_tables(index, JournalIndex(data.journal, clock_offsets=offsets))


def test_tables_after_a_clock_jump_are_those_of_a_fresh_sort(data) -> None:
    terminal = sorted(data.journal["terminal_id"].astype(str).unique())[0]
    times = data.journal["ts"].dt.tz_convert("UTC").dt.as_unit("s").astype("int64").sort_values()
    middle = int(times.iloc[len(times) // 2])
    pieces = {
        terminal: [
            ClockSegment(offset_s=300, first_s=middle - 86400, last_s=middle - 3600, anchors=5),
            ClockSegment(
                offset_s=-86400 * 3, first_s=middle + 3600, last_s=middle + 86400, anchors=5, since_s=middle
            ),
        ]
    }
    index = JournalIndex(data.journal)
    index.set_clock_offsets({}, pieces)
    _same_tables(index, JournalIndex(data.journal, clock_segments=pieces))


def test_searches_after_new_offsets_find_what_a_fresh_index_finds(data) -> None:
    offsets = _offsets(data.journal, 1, 240)
    moved = JournalIndex(data.journal)
    moved.set_clock_offsets(offsets, {})
    fresh = JournalIndex(data.journal, clock_offsets=offsets)
    rng = np.random.default_rng(0)
    n = 500
    group = rng.integers(-1, len(fresh._amount_keys), n)
    lo = rng.integers(int(fresh.ts_adj.min()) - 3600, int(fresh.ts_adj.max()), n)
    hi = lo + rng.integers(-60, 86400 * 2, n)
    for failed in (0, 1):
        for has4 in (0, 1):
            a, b = moved.hypothesis_ranges(group, failed, has4, lo, hi)
            c, d = fresh.hypothesis_ranges(group, failed, has4, lo, hi)
            np.testing.assert_array_equal(b - a, d - c)
            got = [sorted(moved._hyp_rows[x:y].tolist()) for x, y in zip(a, b, strict=True)]
            want = [sorted(fresh._hyp_rows[x:y].tolist()) for x, y in zip(c, d, strict=True)]
            assert got == want
    side = rng.integers(0, 2, n).astype(np.int8)
    np.testing.assert_array_equal(moved.window_counts(side, lo, hi), fresh.window_counts(side, lo, hi))


def test_the_four_classes_at_once_are_each_class_alone(data) -> None:
    index = JournalIndex(data.journal)
    rng = np.random.default_rng(1)
    n = 300
    group = rng.integers(-1, len(index._amount_keys), n)
    lo = rng.integers(int(index.ts_adj.min()) - 3600, int(index.ts_adj.max()), n)
    hi = lo + rng.integers(-60, 86400, n)
    classes = ((0, 0), (0, 1), (1, 0), (1, 1))
    together = index.hypothesis_classes(group, lo, hi, classes)
    for (failed, has4), (a, b) in zip(classes, together, strict=True):
        # the plain search over the whole table, no run skipped
        key = (np.maximum(group, 0) << 2 | failed << 1 | has4) * (np.int64(1) << np.int64(33))
        first = np.searchsorted(index._hyp_key, key + np.maximum(lo - index._base, 0), side="left")
        stop = np.searchsorted(index._hyp_key, key + np.maximum(hi - index._base, -1), side="right")
        valid = (group >= 0) & (hi >= lo)
        np.testing.assert_array_equal(b - a, np.where(valid, np.maximum(stop - first, 0), 0))
        np.testing.assert_array_equal(a[valid & (b > a)], first[valid & (b > a)])


def test_match_twice_on_one_index_gives_the_same_verdicts(data) -> None:
    policy = rk.MatchPolicy(fx_rates=data.fx_rates)
    fresh = rk.match(data.proofs, data.journal, policy=policy)
    index = JournalIndex(data.journal)
    first = rk.match(data.proofs, index, policy=policy)
    again = rk.match(data.proofs, index, policy=policy)  # the index holds the offsets the first one learned
    for result in (first, again):
        pd.testing.assert_frame_equal(
            result[["proof_id", "txn_id", "status", "confidence", "reason"]],
            fresh[["proof_id", "txn_id", "status", "confidence", "reason"]],
        )


def test_group_counts_are_the_four_classes_added_up(data) -> None:
    index = JournalIndex(data.journal)
    rng = np.random.default_rng(2)
    n = 400
    group = rng.integers(-1, len(index._amount_keys), n)
    lo = rng.integers(int(index.ts_adj.min()) - 3600, int(index.ts_adj.max()), n)
    hi = lo + rng.integers(-60, 86400 * 3, n)
    total = sum(b - a for a, b in index.hypothesis_classes(group, lo, hi))
    np.testing.assert_array_equal(index.group_counts(group, lo, hi), total)
    assert total.sum() > 0  # the windows do hold hypotheses
    # after new offsets, the counts follow the moved rows
    index.set_clock_offsets(_offsets(data.journal, 1, 3 * 3600), {})
    total = sum(b - a for a, b in index.hypothesis_classes(group, lo, hi))
    np.testing.assert_array_equal(index.group_counts(group, lo, hi), total)


def test_leaving_out_foreign_amounts_paid_nowhere_in_the_window_changes_no_verdict(monkeypatch) -> None:
    # USD card lines: hundreds of CNY amounts are possible, a few were paid in the window; the blocks of the
    # others are left out (candidates._blocks), which must give what searching every one of them gives
    data = make_dataset(n_transactions=3000, n_proofs=600, seed=4, scenarios=("foreign_cards", "fx_original"))
    policy = rk.MatchPolicy(fx_rates=data.fx_rates)
    pruned = rk.match(data.proofs, data.journal, policy=policy)
    assert (data.proofs["currency"] == "USD").sum() > 20
    monkeypatch.setattr(
        JournalIndex, "group_counts", lambda self, group, lo, hi: np.ones(len(group), dtype=np.int64)
    )
    every = rk.match(data.proofs, data.journal, policy=policy)
    assert pruned["status"].eq("matched").sum() > 100
    pd.testing.assert_frame_equal(pruned, every)
