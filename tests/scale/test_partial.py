"""Journal-wide quantities from per-slice partial results equal those of the whole journal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from receiptkit.datasets import make_dataset
from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.partial import (
    JournalStats,
    index_with_stats,
    offsets_from_votes,
    precise_proofs,
    skew_counts,
    skew_sample,
    skew_votes,
)
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.skew import estimate_clock_offsets


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_transactions=6000, n_proofs=1500, seed=4)


def _slices(journal: pd.DataFrame) -> list[pd.DataFrame]:
    return [rows for _, rows in journal.groupby(journal["ts"].dt.date, sort=True)]


@pytest.mark.parametrize("skew_sample_size", [3000, 200])
def test_votes_added_over_day_slices_give_the_offsets_match_estimates(data, skew_sample_size):
    policy = MatchPolicy(fx_rates=data.fx_rates, skew_sample=skew_sample_size)
    whole = JournalIndex(data.journal)
    expected = estimate_clock_offsets(whole, ProofArrays.build(data.proofs, whole, policy), policy)
    stats = JournalStats.of(data.journal)
    arrays = ProofArrays.build(data.proofs, whole, policy)
    sample = data.proofs.iloc[
        skew_sample(data.proofs["proof_id"], precise_proofs(arrays, stats.currencies.index), policy)
    ]
    indexes = [JournalIndex(s) for s in _slices(data.journal)]
    voters = [ProofArrays.build(sample, i, policy) for i in indexes]
    counts = np.sum([skew_counts(i, v, policy) for i, v in zip(indexes, voters, strict=True)], axis=0)
    got = offsets_from_votes(
        [skew_votes(i, v, counts, policy) for i, v in zip(indexes, voters, strict=True)], policy
    )
    pd.testing.assert_series_equal(got["offset_s"], expected["offset_s"], check_dtype=False)
    pd.testing.assert_series_equal(got["used"], expected["used"])
    np.testing.assert_allclose(got["votes"], expected["votes"], atol=0.011)
    assert (got["offset_s"].abs() > 7 * 3600).sum() == 1  # the terminal in the wrong zone is found


def test_a_slice_index_weighs_like_the_whole_journal(data):
    whole = JournalIndex(data.journal)
    parts = _slices(data.journal)
    stats = JournalStats.combine(JournalStats.of(p) for p in parts)
    one = index_with_stats(parts[3], stats, {"10000001": 60})
    assert one.last4_freq == whole.last4_freq
    assert list(one.merchants) == list(whole.merchants)
    np.testing.assert_array_equal(one.merchant_share, whole.merchant_share)
    share = dict(zip(whole.terminals, whole.terminal_share, strict=True))
    assert dict(zip(one.terminals, one.terminal_share, strict=True)) == {t: share[t] for t in one.terminals}
    assert list(one.currencies) == list(whole.currencies) == ["CNY", "HKD"]
    on_terminal = parts[3]["terminal_id"].to_numpy() == "10000001"
    assert (one.offset_s[on_terminal] == 60).all() and (one.offset_s[~on_terminal] == 0).all()
    hkd_only = index_with_stats(parts[3][parts[3]["currency"] == "HKD"], stats)
    assert list(hkd_only.currency_codes_of(np.array(["CNY", "HKD", "EUR"]))) == [0, 1, -1]
