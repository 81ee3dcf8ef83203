"""The generated dataset: zero wrong matches at the default policy, negatives never matched."""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset


@pytest.fixture(scope="module", params=[3, 11])
def outcome(request: pytest.FixtureRequest) -> pd.DataFrame:
    data = make_dataset(n_transactions=6000, n_proofs=700, seed=request.param)
    result = rk.match(data.proofs, data.journal, policy=rk.MatchPolicy(fx_rates=data.fx_rates))
    return result.merge(data.truth, on="proof_id", suffixes=("", "_true"))


def test_no_wrong_match_among_matched(outcome: pd.DataFrame) -> None:
    matched = outcome[outcome["status"] == "matched"]
    wrong = matched[matched["txn_id"] != matched["txn_id_true"]]
    assert wrong.empty, wrong[["proof_id", "txn_id", "txn_id_true", "kind", "reason"]].to_string()
    assert len(matched) > 0.4 * len(outcome)  # the matcher is not precise by refusing everything
    assert matched["txn_id"].is_unique


def test_negatives_are_never_matched(outcome: pd.DataFrame) -> None:
    negatives = outcome[outcome["txn_id_true"].isna()]
    assert len(negatives) > 0
    assert (negatives["status"] != "matched").all()


def test_every_status_has_a_reason(outcome: pd.DataFrame) -> None:
    assert outcome["reason"].notna().all()
    assert set(outcome["status"]) <= {"matched", "ambiguous", "unmatched"}
    ambiguous = outcome[outcome["status"] == "ambiguous"]
    assert ambiguous["ask"].str.len().gt(0).all()
    assert ambiguous["txn_id"].isna().all()


def test_clock_offsets_found_for_skewed_terminals() -> None:
    data = make_dataset(n_transactions=6000, n_proofs=700, seed=3)
    result = rk.match(data.proofs, data.journal, policy=rk.MatchPolicy(fx_rates=data.fx_rates))
    offsets = result.attrs["clock_offsets"]
    used = offsets[offsets["used"]]
    truth = data.clock_offsets.astype(float)
    truth.index = truth.index.astype(str)
    for terminal, row in used.iterrows():
        assert abs(row["offset_s"] - truth[terminal]) <= 120, terminal
    # the terminal set in the wrong time zone (hours off) is found
    big = truth[truth.abs() >= 3600].index
    assert set(big) <= set(used.index)


def test_shuffled_dataset_gives_the_same_verdicts() -> None:
    data = make_dataset(n_transactions=3000, n_proofs=300, seed=5)
    policy = rk.MatchPolicy(fx_rates=data.fx_rates)
    first = rk.match(data.proofs, data.journal, policy=policy)
    shuffled = rk.match(
        data.proofs.sample(frac=1.0, random_state=1),
        data.journal.sample(frac=1.0, random_state=2),
        policy=policy,
    )
    key = ["proof_id"]
    pd.testing.assert_frame_equal(
        first.sort_values(key).reset_index(drop=True), shuffled.sort_values(key).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(first.attrs["clock_offsets"], shuffled.attrs["clock_offsets"])
