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
from receiptkit.errors import PrinterError, ReprintRefused
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
    )
    assert record.reprint_no == 2


def test_a_failed_attempt_is_no_duplicate(journal, tmp_path):
    """Only printed duplicates count: an attempt that failed is retried, not refused."""
    audit = AuditLog(tmp_path / "audit.sqlite")
    with pytest.raises(PrinterError):
        _reprint(journal, audit, tmp_path, "d1", printer="tcp://127.0.0.1:9")  # nothing listens there
    assert earlier_duplicates(audit, "A") == []
    assert _reprint(journal, audit, tmp_path, "d1", overwrite=True).reprint_no == 1
