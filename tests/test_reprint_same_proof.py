"""A second duplicate from the same proof is refused (rule ``same_proof``) unless overridden with a reason.

Field guide 5 ("Fake screenshots"): a screenshot of an older real payment replayed, a proof presented twice. The
customer who holds the proof got a duplicate already; someone who photographed the screen may not be that
customer. Clean room 6 showed it: the same proof brought back was found MATCHED and reprinted as duplicate no. 2
without a word.
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.audit import AuditLog
from receiptkit.errors import PrinterError, ReceiptkitError, ReprintRefused
from receiptkit.reprinting import earlier_duplicates, reprint
from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32
PROOF = {
    "proof_id": "P1",
    "kind": "wallet",
    "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
    "amount_minor": 12850,
    "currency": "CNY",
    "direction": "debit",
}


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


@pytest.fixture
def journal() -> pd.DataFrame:
    row = {
        "txn_id": "A",
        "merchant_id": "898310058120001",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "10000001",
        "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "wechat",
        "wallet_txn_id": "4200002825202511200643145473",
    }
    return validate_journal(pd.DataFrame([row]))


def _matched(proof_id: str = "P1") -> dict:
    return {
        "proof_id": proof_id,
        "txn_id": "A",
        "status": "matched",
        "confidence": 0.999,
        "reason": "test",
        "flags": "",
        "candidate_txn_ids": ["A"],
        "candidate_confidences": [0.999],
    }


def _reprint(journal, audit, tmp_path, name: str, proof=PROOF, proof_id: str = "P1", **kw):
    return reprint(
        _matched(proof_id),
        journal=journal,
        operator="li",
        reason="lost slip",
        pdf=tmp_path / f"{name}.pdf",
        proof=proof,
        audit=audit,
        **kw,
        new_audit_log=True,
    )


def test_the_same_proof_again_is_refused_naming_the_first_duplicate(journal, tmp_path):
    audit = AuditLog(tmp_path / "audit.sqlite")
    first = _reprint(journal, audit, tmp_path, "d1")
    with pytest.raises(ReprintRefused) as caught:
        _reprint(journal, audit, tmp_path, "d2")
    assert caught.value.rule == "same_proof"
    text = str(caught.value)
    assert "this same proof once" in text and "duplicate no. 1" in text and first.short_code in text
    assert "by li" in text and "lost slip" in text
    assert not (tmp_path / "d2.pdf").exists()
    assert audit.rows()["status"].tolist()[-1] == "refused"  # the refusal is logged
    assert audit.reprint_count("A") == 1  # no number used


def test_an_override_with_its_reason_prints_the_second_duplicate(journal, tmp_path):
    audit = AuditLog(tmp_path / "audit.sqlite")
    _reprint(journal, audit, tmp_path, "d1")
    second = _reprint(journal, audit, tmp_path, "d2", override="same_proof")
    assert second.reprint_no == 2 and second.status == "printed"
    assert [d["reprint_no"] for d in earlier_duplicates(audit, "A")] == [1, 2]


def test_another_proof_of_the_same_sale_is_not_refused(journal, tmp_path):
    audit = AuditLog(tmp_path / "audit.sqlite")
    _reprint(journal, audit, tmp_path, "d1")
    later = {**PROOF, "proof_id": "P2", "kind": "sms"}
    assert _reprint(journal, audit, tmp_path, "d2", proof=later, proof_id="P2").reprint_no == 2
    # the same id given to other evidence (another file's P1) is not the same proof either
    other = {**PROOF, "kind": "sms", "card_last4": "0123"}
    assert _reprint(journal, audit, tmp_path, "d3", proof=other).reprint_no == 3


def test_the_same_evidence_under_another_id_is_the_same_proof(journal, tmp_path):
    """A newcomer typed "08:11" then "08:11:00": two ids of one time, and the second duplicate was printed."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    _reprint(journal, audit, tmp_path, "d1")
    retyped = {**PROOF, "proof_id": "manual:b4ca65dd4f07"}
    with pytest.raises(ReprintRefused) as caught:
        _reprint(journal, audit, tmp_path, "d2", proof=retyped, proof_id="manual:b4ca65dd4f07")
    assert caught.value.rule == "same_proof" and "(Asia/Shanghai)" in str(caught.value)


def test_a_lookup_by_reference_is_not_held_by_it(journal, tmp_path):
    audit = AuditLog(tmp_path / "audit.sqlite")
    _reprint(journal, audit, tmp_path, "d1")
    row = journal.iloc[0]
    record = reprint(
        row,
        identified_by="txn_id",
        operator="li",
        reason="copy",
        pdf=tmp_path / "d2.pdf",
        audit=audit,
        new_audit_log=True,
        journal=journal,
    )
    assert record.reprint_no == 2


def test_a_failed_attempt_is_no_duplicate(journal, tmp_path):
    """Only printed duplicates count: an attempt that failed is retried, not refused."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    with pytest.raises(PrinterError):
        _reprint(journal, audit, tmp_path, "d1", printer="tcp://127.0.0.1:9")  # nothing listens there
    assert earlier_duplicates(audit, "A") == []
    assert _reprint(journal, audit, tmp_path, "d1", overwrite=True).reprint_no == 1


WALLET = "4200002825202511200643145473"
SCREEN = {**PROOF, "proof_id": "shot:1", "wallet_txn_id": WALLET, "order_no": "RK00010000000001"}


def test_the_screens_own_wallet_number_typed_is_the_same_proof(journal, tmp_path):
    """Newcomer 18, F10: after a duplicate from a WeChat screenshot, typing its 交易单号 (--wallet-txn) with the
    amount and the time to the minute gave duplicate no. 2: the rule compared kind, time, amount, currency,
    direction and last 4 only. A whole wallet number equal to the earlier proof's is the same payment record."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    first = _reprint(journal, audit, tmp_path, "d1", proof=SCREEN, proof_id="shot:1")
    typed = {
        **PROOF,
        "proof_id": "manual:1",
        "kind": "manual",
        "ts": pd.Timestamp("2026-11-20 14:32", tz="Asia/Shanghai"),
        "wallet_txn_id": " " + WALLET[:14] + " " + WALLET[14:],  # typed with a space: the same number
    }
    with pytest.raises(ReprintRefused) as caught:
        _reprint(journal, audit, tmp_path, "d2", proof=typed, proof_id="manual:1")
    assert caught.value.rule == "same_proof" and first.short_code in str(caught.value)
    # the order number alone, typed, is the same record too
    by_order = {**PROOF, "proof_id": "manual:2", "kind": "manual", "order_no": "RK00010000000001"}
    with pytest.raises(ReprintRefused):
        _reprint(journal, audit, tmp_path, "d3", proof=by_order, proof_id="manual:2")


def test_a_masked_number_or_other_evidence_is_not_the_same_proof(journal, tmp_path):
    audit = AuditLog(tmp_path / "audit.sqlite")
    _reprint(journal, audit, tmp_path, "d1", proof=SCREEN, proof_id="shot:1")
    masked = {**PROOF, "proof_id": "m", "kind": "manual", "ts": SCREEN["ts"] + pd.Timedelta(seconds=1)}
    masked["wallet_txn_id"] = "4200**5473"  # only part of it visible: not whole, never the same record
    assert _reprint(journal, audit, tmp_path, "d2", proof=masked, proof_id="m").reprint_no == 2
    sms = {
        **PROOF,
        "proof_id": "sms:1",
        "kind": "sms",
        "card_last4": "4821",
    }  # a bank SMS after the screenshot
    assert _reprint(journal, audit, tmp_path, "d3", proof=sms, proof_id="sms:1").reprint_no == 3


def test_the_summary_keeps_whole_numbers_never_a_card_or_a_masked_one():
    from receiptkit.audit import proof_summary

    summary = proof_summary({**SCREEN, "wallet_txn_id": " " + WALLET + " "})
    assert summary["wallet_txn_id"] == WALLET and summary["order_no"] == "RK00010000000001"
    assert "wallet_txn_id" not in proof_summary({**PROOF, "wallet_txn_id": "4200**5473"})
    card = proof_summary({**PROOF, "order_no": "6217000010012345677"})  # a Luhn-valid card number
    assert "order_no" not in card and "6217000010012345677" not in str(card)


def test_the_same_time_written_in_another_zone_is_the_same_proof(journal, tmp_path):
    """A reviewer (session 18): proofs read without a zone keep their time in UTC, with --tz in that zone, and
    older log rows in +08:00; the summaries were compared as text, so adding --tz replayed a screenshot."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    _reprint(journal, audit, tmp_path, "d1", proof={**PROOF, "ts": PROOF["ts"].tz_convert("UTC")})
    with pytest.raises(ReprintRefused) as caught:
        _reprint(journal, audit, tmp_path, "d2")  # the same instant, written +08:00
    assert caught.value.rule == "same_proof"
    later = {**PROOF, "ts": PROOF["ts"] + pd.Timedelta(minutes=1)}
    assert (
        _reprint(journal, audit, tmp_path, "d3", proof=later).reprint_no == 2
    )  # another time is other evidence


def test_an_unconfirmed_duplicate_holds_the_same_proof_until_someone_says_it_did_not_come_out(
    journal, tmp_path
):
    """A reviewer (session 18): on a status-only printer every duplicate is `unconfirmed`, and the same proof
    shown again (a photo of the customer's screen) silently retried it: another physical slip. The retry now needs
    the rule overridden with the reason; the override retries the same number and code."""
    from fakeprinter import FakePrinter
    from receiptkit.errors import PrintUnconfirmed
    from receiptkit.reprinting import ReprintPolicy

    audit = AuditLog(tmp_path / "audit.sqlite")
    policy = ReprintPolicy(printer_timeout=0.8)
    with FakePrinter("ok") as printer:
        with pytest.raises(PrintUnconfirmed) as first:
            reprint(_matched(), journal=journal, operator="li", reason="lost", proof=PROOF, audit=audit,
                    printer=printer.url, policy=policy, new_audit_log=True)  # fmt: skip
        with pytest.raises(ReprintRefused) as again:
            reprint(_matched(), journal=journal, operator="li", reason="again", proof=PROOF, audit=audit,
                    printer=printer.url, policy=policy)  # fmt: skip
        assert again.value.rule == "same_proof" and "not confirmed" in str(again.value)
        with pytest.raises(PrintUnconfirmed) as retried:
            reprint(_matched(), journal=journal, operator="li", reason="it did not come out", proof=PROOF,
                    audit=audit, printer=printer.url, policy=policy, override="same_proof")  # fmt: skip
    assert retried.value.record.retried and retried.value.record.reprint_no == first.value.record.reprint_no


def test_a_match_row_without_its_proof_is_still_held_by_its_proof_id(journal, tmp_path):
    """Newcomer 19, G1: ``rk.reprint(match_row, journal=...)`` without the optional ``proof=`` printed duplicates
    no. 2 and 3 from the proof P1 the log named each time. The match row names its proof: with no evidence to
    compare, the same proof id is the same proof (refused; the override with a reason prints it)."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    first = _reprint(journal, audit, tmp_path, "d1")  # with proof=, as the README does
    for name, given in (("d2", None), ("d3", None)):
        with pytest.raises(ReprintRefused) as caught:
            _reprint(journal, audit, tmp_path, name, proof=given)
        assert caught.value.rule == "same_proof" and first.short_code in str(caught.value)
        assert "proof id P1" in str(caught.value)
    # the row as a dict is the same call
    with pytest.raises(ReprintRefused):
        reprint(
            dict(_matched()), journal=journal, operator="li", reason="r", pdf=tmp_path / "d4.pdf", audit=audit
        )
    assert audit.reprint_count("A") == 1
    assert _reprint(journal, audit, tmp_path, "d5", proof=None, override="same_proof").reprint_no == 2


def test_a_first_duplicate_without_its_proof_holds_the_same_proof_id_later(journal, tmp_path):
    """The other order: the first duplicate was made from the match row alone (no summary in the log), then the
    same proof is passed in full: its id is the only thing both know, and it is the same."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    _reprint(journal, audit, tmp_path, "d1", proof=None)
    with pytest.raises(ReprintRefused) as caught:
        _reprint(journal, audit, tmp_path, "d2")
    assert caught.value.rule == "same_proof"
    # another proof (another id, its evidence given) is not held
    later = {**PROOF, "proof_id": "P2", "kind": "sms"}
    assert _reprint(journal, audit, tmp_path, "d3", proof=later, proof_id="P2").reprint_no == 2


def test_a_proof_that_is_not_the_matched_one_is_refused(journal, tmp_path):
    """``proof=`` is the evidence the match row names: another proof's summary would be logged (and compared by
    rule same_proof) for a duplicate it did not identify."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    with pytest.raises(ReceiptkitError, match=r"P2.*P1"):
        _reprint(journal, audit, tmp_path, "d1", proof={**PROOF, "proof_id": "P2"})
    assert not (tmp_path / "audit.sqlite").exists() or audit.reprint_count("A") == 0
