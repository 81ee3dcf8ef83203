"""A payment the wallet shows fully refunded (已全额退款) is the sale the journal shows refunded.

Field guide 4.3 / 4.4: WeChat's 当前状态 ``已全额退款`` and Alipay's ``退款成功``
stand beside the original payment: the customer paid, and the shop gave the
money back. Its sale is in the journal with a refund (or void) pointing at it.
It is matched to that sale (flag ``refunded_later``), never to a later sale of
the same amount that nothing refunded (the customer who bought the same again),
and stays ``unmatched`` (``proof_not_paid``) when no refunded sale fits.
"""

from __future__ import annotations

import pandas as pd

import receiptkit as rk

from .conftest import background, flags_of, journal, pf, proofs, row_of, txn


def test_a_refunded_payment_is_matched_to_the_refunded_sale() -> None:
    j = journal(
        *background(),
        txn("S1", 6800, "12:00:00", channel="wechat"),
        txn("R1", 6800, "15:00:00", txn_type="refund", original_txn_id="S1", channel="wechat"),
    )
    result = rk.match(proofs(pf("p1", 6800, "12:00:03", payment_state="refunded")), j)
    row = row_of(result, "p1")
    assert row["status"] == "matched", row["reason"]
    assert row["txn_id"] == "S1"
    assert "refunded_later" in flags_of(result, "p1")


def test_a_refunded_payment_never_takes_the_twin_nothing_refunded() -> None:
    # the same amount bought again: the twin S2 is closer to the proof's second than the refunded S1
    j = journal(
        *background(),
        txn("S1", 6800, "11:58:40", channel="wechat"),
        txn("R1", 6800, "15:00:00", txn_type="refund", original_txn_id="S1", channel="wechat"),
        txn("S2", 6800, "12:00:02", channel="wechat"),
    )
    result = rk.match(proofs(pf("p1", 6800, "12:00:03", payment_state="refunded")), j)
    row = row_of(result, "p1")
    assert row["status"] != "matched" or row["txn_id"] == "S1", row["reason"]
    # the same proof without the refund state puts the twin first
    paid = row_of(rk.match(proofs(pf("p1", 6800, "12:00:03")), j), "p1")
    first = paid["txn_id"] if paid["status"] == "matched" else rk.candidate_pairs(paid)[0][0]
    assert first == "S2"


def test_a_refunded_payment_never_takes_a_sale_nothing_refunded() -> None:
    # the refunded sale is not in this journal; a twin of its amount and second is
    j = journal(*background(), txn("S2", 6800, "12:00:00", channel="wechat"))
    result = rk.match(proofs(pf("p1", 6800, "12:00:03", payment_state="refunded")), j)
    row = row_of(result, "p1")
    assert row["status"] == "unmatched"
    assert pd.isna(row["txn_id"])
    assert "proof_not_paid" in flags_of(result, "p1")
    assert "refunded" in row["reason"]


def test_a_refunded_payment_with_its_number_is_matched_to_its_sale() -> None:
    number = "4200002372202611205648962911"
    j = journal(
        *background(),
        txn("S1", 6800, "12:00:00", channel="wechat", wallet_txn_id=number),
        txn("V1", 6800, "12:01:00", txn_type="void", original_txn_id="S1", channel="wechat"),
    )
    p = proofs(pf("p1", 6800, "12:00:01", payment_state="refunded", wallet_txn_id=number))
    result = rk.match(p, j)
    assert row_of(result, "p1")["txn_id"] == "S1"
    assert "voided_later" in flags_of(result, "p1")


def test_failed_and_closed_payments_are_still_never_matched() -> None:
    j = journal(
        *background(),
        txn("S1", 6800, "12:00:00", channel="wechat"),
        txn("R1", 6800, "15:00:00", txn_type="refund", original_txn_id="S1", channel="wechat"),
    )
    for state in ("failed", "closed"):
        result = rk.match(proofs(pf("p1", 6800, "12:00:03", payment_state=state)), j)
        assert row_of(result, "p1")["status"] == "unmatched"
        assert "proof_not_paid" in flags_of(result, "p1")


def test_the_refunded_payment_picks_the_refunded_sale_over_a_closer_twin() -> None:
    j = journal(
        *background(),
        txn("S1", 6800, "11:59:20", channel="wechat"),
        txn("R1", 6800, "15:00:00", txn_type="refund", original_txn_id="S1", channel="wechat"),
        txn("S2", 6800, "12:00:02", channel="wechat"),
    )
    result = rk.match(proofs(pf("p1", 6800, "12:00:03", payment_state="refunded")), j)
    row = row_of(result, "p1")
    # amount and second alone leave room for a payment made elsewhere: ambiguous, but the refunded sale first
    # and the twin out of the running
    assert row["status"] == "ambiguous", row["reason"]
    pairs = rk.candidate_pairs(row)
    assert pairs[0][0] == "S1" and pairs[0][1] > 0.9
    assert dict(pairs).get("S2", 0.0) < 0.01
    table = rk.explain(result, "p1").set_index("field")
    assert table.loc["payment_state", "runner_up_level"] == "not_refunded"
