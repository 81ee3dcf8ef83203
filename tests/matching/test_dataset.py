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
    offsets = rk.clock_offsets(result)
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
    pd.testing.assert_frame_equal(rk.clock_offsets(first), rk.clock_offsets(shuffled))


def test_generator_output_is_canonical_and_seeded() -> None:
    from receiptkit.schema import validate_journal, validate_proofs

    data = make_dataset(n_transactions=2000, n_proofs=200, seed=9)
    pd.testing.assert_frame_equal(validate_journal(data.journal), data.journal)
    pd.testing.assert_frame_equal(validate_proofs(data.proofs), data.proofs)
    again = make_dataset(n_transactions=2000, n_proofs=200, seed=9)
    pd.testing.assert_frame_equal(again.journal, data.journal)
    pd.testing.assert_frame_equal(again.proofs, data.proofs)
    pd.testing.assert_frame_equal(again.truth, data.truth)
    other = make_dataset(n_transactions=2000, n_proofs=200, seed=10)
    assert not other.journal["amount_minor"].equals(data.journal["amount_minor"])
    assert data.journal["txn_id"].is_unique and data.journal["ts"].is_monotonic_increasing


def test_generated_data_is_hard() -> None:
    data = make_dataset(n_transactions=6000, n_proofs=700, seed=3)
    j, p, truth = data.journal, data.proofs, data.truth
    sales = j[(j["txn_type"] == "sale") & (j["status"] == "approved")]
    # repeated price points: one amount sells again and again in one hour at one shop
    hour = sales["ts"].dt.floor("h")
    assert sales.groupby([hour, sales["merchant_id"], sales["amount_minor"]]).size().max() >= 5
    # last-4 collisions: one last 4 on several different cards
    cards = sales.dropna(subset=["pan_masked"]).groupby("card_last4")["pan_masked"].nunique()
    assert cards.max() >= 3
    # declined attempts, voids and refunds point at (or precede) an approved sale
    declined = j[j["status"] == "declined"]
    assert len(declined) > 0 and declined["txn_id"].str.slice(0, -1).isin(sales["txn_id"]).all()
    later = j[j["txn_type"].isin(["void", "refund"])]
    assert set(later["txn_type"]) == {"void", "refund"}
    assert later["original_txn_id"].isin(sales["txn_id"]).all()
    # clock skew: minutes off and a terminal in the wrong zone
    assert data.clock_offsets.abs().max() >= 3600 and (data.clock_offsets.abs().between(60, 3600)).any()
    # date-only bank lines, some billed in another currency, and proofs with no transaction
    bank = p[p["kind"] == "bank_statement"]
    assert (bank["ts_precision"] == "day").all() and bank["ts"].isna().all()
    checked = p.merge(truth, on="proof_id", suffixes=("", "_truth"))
    txn_currency = checked["txn_id"].map(j.set_index("txn_id")["currency"])
    assert ((checked["currency"] == "CNY") & (txn_currency == "HKD")).any()
    assert checked["txn_id"].isna().sum() == round(700 * 0.06)
    assert (p["direction"] == "credit").any()  # refund proofs


# ----------------------------------------------------------------------------- field-guide scenarios


@pytest.fixture(scope="module")
def scenario_data():
    # clock_jump has its own tests (tests/matching/test_clock_segments.py)
    scenarios = ("dead_clock", "foreign_cards", "hour_counter", "sms_no_time")
    return make_dataset(n_transactions=3000, n_proofs=600, seed=3, scenarios=scenarios)


def test_scenarios_are_canonical_seeded_and_leave_the_default_data_alone(scenario_data) -> None:
    from receiptkit.schema import validate_journal, validate_proofs

    pd.testing.assert_frame_equal(validate_proofs(scenario_data.proofs), scenario_data.proofs)
    pd.testing.assert_frame_equal(validate_journal(scenario_data.journal), scenario_data.journal)
    plain = make_dataset(n_transactions=3000, n_proofs=600, seed=3)
    assert plain.proofs["proof_id"].tolist() == scenario_data.proofs["proof_id"].tolist()
    assert set(scenario_data.proofs["ts_precision"]) >= {"hour", "day", "minute", "second"}
    assert (scenario_data.proofs["currency"] == "USD").sum() > 5
    first = scenario_data.clock_offsets.index[0]
    assert scenario_data.clock_offsets[first] <= -364 * 86400
    with pytest.raises(ValueError, match="unknown scenario"):
        make_dataset(n_transactions=100, n_proofs=10, scenarios=("no_such",))


def test_scenarios_are_matched_without_a_wrong_match(scenario_data) -> None:
    data = scenario_data
    result = rk.match(data.proofs, data.journal, policy=rk.MatchPolicy(fx_rates=data.fx_rates))
    both = result.merge(data.truth, on="proof_id", suffixes=("", "_truth"))
    matched = both[both["status"] == "matched"]
    assert (matched["txn_id"].astype(object) == matched["txn_id_truth"].astype(object)).all()
    proofs = data.proofs.set_index("proof_id")
    status = both.set_index("proof_id")["status"]
    usd = proofs.index[proofs["currency"] == "USD"]
    hour = proofs.index[proofs["ts_precision"] == "hour"]
    assert (status[usd] == "matched").mean() > 0.4  # no fx_rates for USD: the rate is read from the lines
    assert (status[hour] == "matched").mean() > 0.3
    (learned,) = result.attrs["fx_rates_learned"]
    assert learned["proof_currency"] == "USD" and abs(float(learned["rate"]) / 0.1389 - 1) < 0.02
    offsets = rk.clock_offsets(result)
    first = data.clock_offsets.index[0]
    assert offsets.loc[first, "used"]
    assert abs(offsets.loc[first, "offset_s"] - data.clock_offsets[first]) < 120


def test_foreign_lines_showing_the_original_amount_are_matched_on_it_without_a_wrong_match() -> None:
    from receiptkit.schema import validate_proofs

    data = make_dataset(n_transactions=6000, n_proofs=700, seed=11, scenarios=("fx_original",))
    pd.testing.assert_frame_equal(validate_proofs(data.proofs), data.proofs)
    plain = make_dataset(n_transactions=6000, n_proofs=700, seed=11)
    assert plain.proofs["proof_id"].tolist() == data.proofs["proof_id"].tolist()
    lines = data.proofs[data.proofs["raw"].map(lambda r: isinstance(r, dict) and "入账币种/金额" in r)]
    assert len(lines) > 20 and lines["card_last4"].isna().all()
    assert lines["merchant_text"].str.startswith("消费 ").all() and (lines["currency"] == "CNY").all()
    result = rk.match(data.proofs, data.journal, policy=rk.MatchPolicy(fx_rates=data.fx_rates))
    both = result.merge(data.truth, on="proof_id", suffixes=("", "_truth"))
    matched = both[both["status"] == "matched"]
    assert (matched["txn_id"].astype(object) == matched["txn_id_truth"].astype(object)).all()
    mine = both[both["proof_id"].isin(lines["proof_id"])]
    # menu prices repeat all day: most such lines (no card last 4, a date) stay ambiguous; a lone sale is matched
    assert (mine["status"] == "matched").sum() >= 3
    assert (mine.loc[mine["txn_id_truth"].isna(), "status"] != "matched").all()
    # the branch-naming wallet bills with numbers say how complete each shop's journal is
    assert set(result.attrs["completeness"]) >= {"瑞幸咖啡(国贸店)"}
