"""Heavy repetition, what to ask next, and one-to-one resolution of competing proofs."""

from __future__ import annotations

import numpy as np
import pandas as pd

import receiptkit as rk

from .conftest import at, background, journal, pf, proofs, row_of, txn


def _rush_hour(n: int = 300) -> pd.DataFrame:
    """``n`` sales of 25.00 in one hour, cards drawn from 20 last-4 values (so they repeat)."""
    rows = []
    for k in range(n):
        row = txn(
            f"R{k:03d}",
            2500,
            "00:00:00",
            card_last4=f"{1000 + k % 20}",
            terminal_id=f"T{k % 3}",
            wallet_txn_id=f"4200{k:024d}",
        )
        row["ts"] = at("12:00:00") + pd.Timedelta(seconds=12 * k)
        rows.append(row)
    return journal(*background(), *rows)


RUSH = _rush_hour()


def test_hundreds_of_identical_sales_are_ambiguous_and_ask_for_the_card() -> None:
    p = pf("p1", 2500, "12:30:00", kind="sms", ts_precision="minute")
    row = row_of(rk.match(proofs(p), RUSH), "p1")
    assert row["status"] == "ambiguous"
    assert pd.isna(row["txn_id"])
    assert row["n_candidates"] >= 5
    assert 1 <= len(row["candidate_txn_ids"]) <= rk.MatchPolicy().keep_candidates
    assert "ask for the last 4 digits of the card" in row["ask"]
    assert "transaction number" in row["ask"]


def test_shared_last4_still_ambiguous_and_asks_for_time_or_number() -> None:
    p = pf("p1", 2500, None, day="2026-11-20", card_last4="1007")
    row = row_of(rk.match(proofs(p), RUSH), "p1")
    assert row["status"] == "ambiguous"
    assert "time of payment (to the minute)" in row["ask"]
    assert "transaction number" in row["ask"]
    # every listed candidate carries the proof's card
    ids = {c for c, _ in rk.candidate_pairs(row)}
    cards = set(RUSH.set_index("txn_id").loc[sorted(ids), "card_last4"])
    assert cards == {"1007"}


def test_answering_the_ask_narrows_then_splits_the_candidates() -> None:
    # R147 is at 12:29:24 with card 1007; 1007 recurs every 4 minutes, so minute + card rank R147
    # first but are not enough to print; the wallet number's visible suffix settles it
    p = pf("p1", 2500, "12:29:00", kind="sms", ts_precision="minute", card_last4="1007")
    row = row_of(rk.match(proofs(p), RUSH), "p1")
    assert row["status"] == "ambiguous"
    assert row["candidate_txn_ids"][0] == "R147"
    assert row["confidence"] > 0.5
    p = pf(
        "p1", 2500, "12:29:00", kind="sms", ts_precision="minute", card_last4="1007", wallet_txn_id="00000147"
    )
    row = row_of(rk.match(proofs(p), RUSH), "p1")
    assert (row["status"], row["txn_id"]) == ("matched", "R147")


def test_ambiguous_never_carries_a_txn_id_and_candidates_are_ranked() -> None:
    p = pf("p1", 2500, "12:10:00", kind="sms", ts_precision="minute", card_last4="1001")
    row = row_of(rk.match(proofs(p), RUSH), "p1")
    if row["status"] == "ambiguous":
        assert pd.isna(row["txn_id"])
    confs = list(row["candidate_confidences"])
    assert confs == sorted(confs, reverse=True)


def test_one_transaction_proves_at_most_one_proof() -> None:
    j = journal(*background(), txn("X", 4000, "15:00:00", card_last4="5151"))
    p = proofs(pf("A", 4000, "15:00:05", card_last4="5151"), pf("B", 4000, "15:00:10", card_last4="5151"))
    result = rk.match(p, j)
    matched = result[result["status"] == "matched"]
    assert matched["txn_id"].is_unique
    assert len(matched) <= 1


def test_two_identical_payments_get_one_transaction_each() -> None:
    j = journal(
        *background(),
        txn("X", 4000, "15:00:00", card_last4="5151", wallet_txn_id="4200000000000000000000000077"),
        txn("Y", 4000, "15:00:30", card_last4="5151", wallet_txn_id="4200000000000000000000000078"),
    )
    p = proofs(pf("A", 4000, "15:00:00", card_last4="5151"), pf("B", 4000, "15:00:30", card_last4="5151"))
    result = rk.match(p, j)
    matched = result[result["status"] == "matched"]
    assert matched["txn_id"].is_unique


def test_competing_proofs_are_resolved_optimally_not_by_row_order() -> None:
    # X: 15:00:00, Y: 15:03:30. Proof A (15:01:40) is nearer X than Y but fits both;
    # proof B's wallet-number suffix says X. Greedy row order gives X to A and strands B.
    j = journal(
        *background(),
        txn("X", 4000, "15:00:00", card_last4="5151", wallet_txn_id="4200000000000000000000012345"),
        txn("Y", 4000, "15:03:30", card_last4="5151", wallet_txn_id="4200000000000000000000067890"),
    )
    a = pf("A", 4000, "15:01:40", card_last4="5151")
    b = pf("B", 4000, "15:00:00", kind="sms", ts_precision="minute", wallet_txn_id="00012345")
    for order in ([a, b], [b, a]):
        result = rk.match(proofs(*order), j)
        assert row_of(result, "B")["txn_id"] == "X"
        assert row_of(result, "A")["status"] != "matched" or row_of(result, "A")["txn_id"] == "Y"
        matched = result[result["status"] == "matched"]
        assert matched["txn_id"].is_unique


def test_two_proofs_claiming_two_transactions_with_crossed_preferences() -> None:
    # both proofs prefer X by time, but together X->B and Y->A explains both best
    j = journal(
        *background(),
        txn("X", 4000, "15:00:00", card_last4="5151"),
        txn("Y", 4000, "15:02:00", card_last4="5151"),
    )
    a = pf("A", 4000, "15:00:50", card_last4="5151")
    b = pf("B", 4000, "15:00:02", card_last4="5151")
    results = [rk.match(proofs(*order), j) for order in ([a, b], [b, a])]
    for result in results:
        matched = result[result["status"] == "matched"]
        assert matched["txn_id"].is_unique
        if row_of(result, "A")["status"] == "matched" and row_of(result, "B")["status"] == "matched":
            assert row_of(result, "B")["txn_id"] == "X"
    a_sorted = results[0].sort_values("proof_id").reset_index(drop=True)
    b_sorted = results[1].sort_values("proof_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a_sorted, b_sorted)
    assert np.all(a_sorted["proof_id"] == ["A", "B"])
