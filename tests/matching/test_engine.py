"""match(): verdict columns, amounts, direction, declined attempts, duplicates, voids, one-to-one."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.matching import RESULT_COLUMNS

from .conftest import background, flags_of, journal, pf, proofs, row_of, txn

BG = background()


def test_result_has_one_row_per_proof_with_the_documented_columns() -> None:
    j = journal(*BG, txn("A", 2500, "10:00:00", card_last4="1111"))
    p = proofs(pf("p1", 2500, "10:00:20", card_last4="1111"), pf("p2", 777700, "10:00:00"))
    result = rk.match(p, j)
    assert tuple(result.columns) == RESULT_COLUMNS
    assert result["proof_id"].tolist() == ["p1", "p2"]
    assert row_of(result, "p1")["status"] == "matched"
    assert row_of(result, "p1")["txn_id"] == "A"
    assert row_of(result, "p1")["terminal_id"] == "T1"
    assert row_of(result, "p2")["status"] == "unmatched"
    assert pd.isna(row_of(result, "p2")["txn_id"])
    assert isinstance(rk.clock_offsets(result), pd.DataFrame)


def test_match_does_not_modify_its_inputs() -> None:
    j = journal(*BG, txn("A", 2500, "10:00:00", card_last4="1111"))
    p = proofs(pf("p1", 2500, "10:00:20", card_last4="1111"))
    j0, p0 = j.copy(), p.copy()
    rk.match(p, j)
    pd.testing.assert_frame_equal(j, j0)
    pd.testing.assert_frame_equal(p, p0)


def test_empty_proofs_and_no_candidates_at_all() -> None:
    j = journal(txn("A", 2500, "10:00:00"))
    result = rk.match(proofs(pf("p1", 999900, "10:00:00")), j)
    assert row_of(result, "p1")["status"] == "unmatched"
    assert "no approved payment of 9999.00 CNY" in row_of(result, "p1")["reason"]


def test_amount_must_be_exact_in_the_same_currency() -> None:
    j = journal(
        *BG, txn("A", 2500, "10:00:00", card_last4="1111"), txn("B", 2501, "10:00:00", card_last4="1111")
    )
    result = rk.match(proofs(pf("p1", 2501, "10:00:05", card_last4="1111")), j)
    assert row_of(result, "p1")["txn_id"] == "B"
    result = rk.match(proofs(pf("p1", 2500, "10:00:05", card_last4="1111", currency="HKD")), j)
    assert row_of(result, "p1")["status"] == "unmatched"


def test_bank_line_in_another_currency_matches_with_fx_tolerance_and_fee() -> None:
    j = journal(
        *BG,
        txn("H", 10000, "12:00:00", currency="HKD", merchant_name="Harbour Books Ltd", card_last4="4321"),
        txn("H2", 20000, "12:30:00", currency="HKD", merchant_name="Harbour Books Ltd", card_last4="4321"),
    )
    policy = rk.MatchPolicy(fx_rates={("HKD", "CNY"): Decimal("0.92")})
    # 100.00 HKD at 0.92 is 92.00 CNY; the issuer added a 1.5 % fee -> 93.38
    bank = pf(
        "b1", 9338, None, day="2026-11-23", merchant_text="SQ *HARBOUR BOOKS HONG KO", card_last4="4321"
    )
    result = rk.match(proofs(bank), j, policy=policy)
    assert row_of(result, "b1")["status"] == "matched"
    assert row_of(result, "b1")["txn_id"] == "H"
    assert "fx" in flags_of(result, "b1")
    # without the rate, nothing in CNY has that amount: unmatched, never a guess
    assert row_of(rk.match(proofs(bank), j), "b1")["status"] == "unmatched"
    # beyond tolerance + fee (100 HKD billed as 99.00 CNY): not a candidate
    far = pf("b2", 9900, None, day="2026-11-23", merchant_text="SQ *HARBOUR BOOKS", card_last4="4321")
    assert row_of(rk.match(proofs(far), j, policy=policy), "b2")["status"] == "unmatched"


def test_refund_proof_matches_the_refund_not_the_sale() -> None:
    j = journal(
        *BG,
        txn("S", 5000, "12:00:00", card_last4="1234"),
        txn("R", 5000, "12:20:00", txn_type="refund", original_txn_id="S", card_last4="1234"),
    )
    p = proofs(
        pf("credit", 5000, "12:20:05", direction="credit", card_last4="1234"),
        pf("debit", 5000, "12:00:03", card_last4="1234"),
    )
    result = rk.match(p, j)
    assert row_of(result, "credit")["txn_id"] == "R"
    assert row_of(result, "debit")["txn_id"] == "S"
    assert "refunded_later" in flags_of(result, "debit")
    # a credit proof with no refund in the journal does not take the sale
    only_sale = journal(*BG, txn("S", 5000, "12:00:00", card_last4="1234"))
    alone = rk.match(proofs(pf("credit", 5000, "12:00:05", direction="credit", card_last4="1234")), only_sale)
    assert row_of(alone, "credit")["status"] == "unmatched"
    assert "refund" in row_of(alone, "credit")["reason"]


def test_declined_attempts_then_approved_retry_matches_the_approved_one() -> None:
    j = journal(
        *BG,
        txn("D1", 8800, "12:00:00", status="declined", card_last4="5678"),
        txn("D2", 8800, "12:00:30", status="declined", card_last4="5678"),
        txn("OK", 8800, "12:01:10", card_last4="5678"),
    )
    result = rk.match(proofs(pf("p1", 8800, "12:00:05", card_last4="5678")), j)
    assert row_of(result, "p1")["status"] == "matched"
    assert row_of(result, "p1")["txn_id"] == "OK"
    assert "declined_only" not in flags_of(result, "p1")


def test_only_declined_attempts_is_unmatched_with_reason_and_flag() -> None:
    j = journal(*BG, txn("D1", 8800, "12:00:00", status="declined", card_last4="5678"))
    result = rk.match(proofs(pf("p1", 8800, "12:00:05", card_last4="5678")), j)
    row = row_of(result, "p1")
    assert row["status"] == "unmatched"
    assert "declined_only" in flags_of(result, "p1")
    assert "declined" in row["reason"]


def test_same_transaction_logged_twice_is_flagged_not_ambiguous() -> None:
    dup = {"rrn": "631012345678", "card_last4": "2468"}
    j = journal(*BG, txn("A", 4500, "10:00:00", **dup), txn("A-copy", 4500, "10:00:00", **dup))
    result = rk.match(proofs(pf("p1", 4500, "10:00:10", card_last4="2468")), j)
    row = row_of(result, "p1")
    assert row["status"] == "matched"
    assert row["txn_id"] == "A"
    assert "journal_duplicate" in flags_of(result, "p1")


def test_two_real_sales_with_the_same_amount_and_card_are_not_duplicates() -> None:
    j = journal(
        *BG,
        txn("A", 4500, "10:00:00", rrn="631012345678", card_last4="2468"),
        txn("B", 4500, "10:01:30", rrn="631012345679", card_last4="2468"),
    )
    result = rk.match(
        proofs(pf("p1", 4500, "10:00:50", ts_precision="minute", kind="sms", card_last4="2468")), j
    )
    assert row_of(result, "p1")["status"] == "ambiguous"
    assert "journal_duplicate" not in flags_of(result, "p1")


@pytest.mark.parametrize(("txn_type", "flag"), [("void", "voided_later"), ("refund", "refunded_later")])
def test_matched_sale_later_voided_or_refunded_is_flagged(txn_type: str, flag: str) -> None:
    j = journal(
        *BG,
        txn("S", 5000, "12:00:00", card_last4="1357"),
        txn("X", 5000, "12:05:00", txn_type=txn_type, original_txn_id="S", card_last4="1357"),
    )
    result = rk.match(proofs(pf("p1", 5000, "12:00:02", card_last4="1357")), j)
    assert row_of(result, "p1")["txn_id"] == "S"
    assert flag in flags_of(result, "p1")


def test_proof_showing_a_failed_payment_is_never_matched() -> None:
    j = journal(*BG, txn("S", 5000, "12:00:00", card_last4="1357"))
    p = pf("p1", 5000, "12:00:02", card_last4="1357", payment_state="failed")
    result = rk.match(proofs(p), j)
    assert row_of(result, "p1")["status"] == "unmatched"
    assert "proof_not_paid" in flags_of(result, "p1")


def test_evidence_against_every_candidate_is_unmatched_with_why() -> None:
    j = journal(*BG, txn("S", 5000, "12:00:00", card_last4="1357", merchant_name="海底捞火锅(三里屯店)"))
    p = pf("p1", 5000, "12:00:02", card_last4="8642", merchant_text="星巴克咖啡", reference="999999999999")
    result = rk.match(proofs(p), j)
    row = row_of(result, "p1")
    assert row["status"] == "unmatched"
    assert row["reason"].startswith("evidence disagrees with every candidate")
    assert "card_last4 differs" in row["reason"]


def test_declined_only_stays_unmatched_when_a_stranger_pays_the_same_amount_that_second() -> None:
    j = journal(
        *background(40),
        txn("D", 2800, "10:00:00", status="declined"),
        txn("ZZ", 2800, "10:00:00", terminal_id="T3", card_last4="1111"),
    )
    result = rk.match(proofs(pf("p1", 2800, "10:00:00")), j)
    assert row_of(result, "p1")["status"] != "matched"


def test_stricter_threshold_closes_the_amount_and_time_only_gap() -> None:
    j = journal(
        *background(40),
        txn("D", 2800, "10:00:00", status="declined"),
        txn("ZZ", 2800, "10:00:00", terminal_id="T3", card_last4="1111"),
    )
    strict = rk.MatchPolicy(match_threshold=0.995, min_margin=0.95)
    result = rk.match(proofs(pf("p1", 2800, "10:00:00")), j, policy=strict)
    assert row_of(result, "p1")["status"] == "ambiguous"
    assert "last 4" in row_of(result, "p1")["ask"]


def test_a_declined_attempt_is_a_rival_not_a_match() -> None:
    # the proof's own payment was declined, a stranger paid the same amount that second:
    # the declined attempt takes half the posterior, so the stranger's sale is not matched
    j = journal(
        *background(40),
        txn("D", 2800, "10:00:00", status="declined"),
        txn("ZZ", 2800, "10:00:00", terminal_id="T3", card_last4="1111"),
    )
    row = row_of(rk.match(proofs(pf("p1", 2800, "10:00:00")), j), "p1")
    assert row["status"] == "ambiguous"
    assert row["confidence"] < 0.6
    assert "declined attempt" in row["reason"]
    # without the declined attempt the same stranger's sale is the only explanation left
    alone = journal(*background(40), txn("ZZ", 2800, "10:00:00", terminal_id="T3", card_last4="1111"))
    assert row_of(rk.match(proofs(pf("p1", 2800, "10:00:00")), alone), "p1")["confidence"] > 0.95


def test_a_retried_declined_attempt_is_no_rival() -> None:
    # declined, then approved on the same terminal with the same card a minute later
    j = journal(
        *background(40),
        txn("D", 2800, "10:00:00", status="declined", card_last4="4321"),
        txn("OK", 2800, "10:01:00", card_last4="4321"),
    )
    index = rk.JournalIndex(j)
    assert index.retried[j.index[j["txn_id"] == "D"][0]]
    # (were D a rival, it would share the card's last 4 and the posterior with OK)
    row = row_of(rk.match(proofs(pf("p1", 2800, "10:01:00", card_last4="4321")), index), "p1")
    assert (row["status"], row["txn_id"]) == ("matched", "OK")
    # a declined attempt of another card is not retried by this sale
    other = journal(
        *background(40),
        txn("D", 2800, "10:00:00", status="declined", card_last4="9999"),
        txn("OK", 2800, "10:01:00", card_last4="4321"),
    )
    assert not rk.JournalIndex(other).retried.any()
