"""Retries after a decline, double charges and voided sales re-rung: which row a proof of each is."""

from __future__ import annotations

import receiptkit as rk

from .conftest import background, flags_of, journal, pf, proofs, row_of, txn

BG = background()


def _sms(proof_id: str, amount: int, clock: str, last4: str = "1234", **fields) -> dict:
    return pf(proof_id, amount, clock, kind="sms", ts_precision="minute", card_last4=last4, **fields)


def test_the_approved_retry_is_matched_and_its_decline_is_no_rival() -> None:
    j = journal(
        *BG,
        txn("D", 8800, "12:00:10", status="declined", card_last4="1234"),
        txn("R", 8800, "12:01:05", card_last4="1234"),
    )
    result = rk.match(proofs(_sms("p", 8800, "12:01")), j)
    verdict = row_of(result, "p")
    assert verdict["status"] == "matched" and verdict["txn_id"] == "R"
    assert "declined" not in verdict["reason"] and "declined_only" not in flags_of(result, "p")
    # the SMS to the minute 12:00 (the decline's minute) still names the approved retry, a minute later
    early = row_of(rk.match(proofs(_sms("p", 8800, "12:00")), j), "p")
    assert early["txn_id"] == "R"


def test_two_approved_charges_are_a_double_charge_and_ambiguous() -> None:
    j = journal(
        *BG,
        txn("A", 8800, "12:01:05", card_last4="1234"),
        txn("B", 8800, "12:01:20", card_last4="1234", rrn="631000000002"),
    )
    verdict = row_of(rk.match(proofs(_sms("p", 8800, "12:01")), j), "p")
    assert verdict["status"] == "ambiguous"
    assert set(verdict["candidate_txn_ids"][:2]) == {"A", "B"}


def test_a_sale_voided_and_rung_again_the_proof_names_the_one_of_its_minute() -> None:
    j = journal(
        *BG,
        txn("V", 8800, "12:01:05", card_last4="1234"),
        txn("VV", 8800, "12:03:00", txn_type="void", card_last4="1234", original_txn_id="V"),
        txn("R", 8800, "12:09:40", card_last4="1234"),
    )
    # the card was charged twice; the customer's SMS of each names its own sale
    both = rk.match(proofs(_sms("first", 8800, "12:01"), _sms("again", 8800, "12:09")), j)
    assert row_of(both, "first")["txn_id"] == "V" and "voided_later" in flags_of(both, "first")
    assert row_of(both, "again")["txn_id"] == "R" and "voided_later" not in flags_of(both, "again")
    # the void row is the money coming back: never a candidate for a debit proof of its minute (only the
    # voided sale two minutes before is), the candidate of a credit one
    debit = row_of(rk.match(proofs(_sms("mid", 8800, "12:03")), j), "mid")
    assert debit["n_candidates"] == 1
    assert [*debit["candidate_txn_ids"], debit["txn_id"]][0] == "V"
    credit = rk.match(proofs(_sms("back", 8800, "12:03", direction="credit")), j)
    assert row_of(credit, "back")["txn_id"] == "VV"
