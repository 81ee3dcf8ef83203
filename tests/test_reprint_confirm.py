"""The clerk's word confirms an ``unconfirmed`` reprint: ``AuditLog.confirm``, a chained ``printed`` row (how: operator).

FIELD-NOTES, "Whether a slip really printed": a printer without the process-ID response cannot confirm that paper
came out (its status answers from the buffer, even when it drops the job), so such a reprint stays ``unconfirmed``
until a person who holds the slip says so. The confirmed duplicate then counts as printed everywhere: pending, retry,
the cap, ``earlier_duplicates`` and the ``same_proof`` rule.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

import receiptkit.audit as audit_module
from receiptkit.audit import AuditLog
from receiptkit.errors import ConfirmRefused, PrinterError, PrintUnconfirmed, ReprintRefused
from receiptkit.reprinting import ReprintPolicy, earlier_duplicates, reprint
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
FAST = ReprintPolicy(printer_timeout=0.8)


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _txn(txn_id: str) -> dict:
    return {
        "txn_id": txn_id,
        "merchant_id": "898310058120001",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "10000001",
        "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "wechat",
        "wallet_txn_id": "42000028252025112006431454" + txn_id[-2:],
    }


@pytest.fixture
def journal() -> pd.DataFrame:
    return validate_journal(pd.DataFrame([_txn("A0"), _txn("B1")])).set_index("txn_id", drop=False)


@pytest.fixture
def log(tmp_path) -> AuditLog:
    return AuditLog(tmp_path / "audit.sqlite")


def _matched(txn_id: str = "A0") -> dict:
    return {
        "proof_id": "P1",
        "txn_id": txn_id,
        "status": "matched",
        "confidence": 0.999,
        "reason": "test",
        "flags": "",
        "candidate_txn_ids": [txn_id],
        "candidate_confidences": [0.999],
    }


def _unconfirmed(journal, log, server, txn_id: str = "A0", policy: ReprintPolicy = FAST):
    """Reprint to a printer that cannot confirm the job; the PrintUnconfirmed it raises."""
    with pytest.raises(PrintUnconfirmed) as caught:
        reprint(
            journal.loc[txn_id],
            journal=journal,
            operator="li",
            reason="lost slip",
            printer=server.url,
            audit=log,
            policy=policy,
            new_audit_log=True,
        )
    return caught.value


def _details(log: AuditLog) -> list[dict]:
    return [json.loads(text) for text in log.rows()["details"]]


# -- the clerk's confirmation ---------------------------------------------------------------------------


def test_the_clerk_confirms_an_unconfirmed_reprint_by_its_code(fake_printer, journal, log):
    sent = _unconfirmed(journal, log, fake_printer("drops_job")).record
    confirmed = log.confirm(sent.short_code.lower().replace("-", " "), operator="wang", note="slip in hand")
    assert (confirmed.attempt_id, confirmed.reprint_no, confirmed.state) == (sent.attempt_id, 1, "printed")
    rows = log.rows()
    assert rows["status"].tolist() == ["pending", "unconfirmed", "printed"]
    last = rows.iloc[-1]
    assert last["how"] == "operator" and last["operator"] == "wang" and last["note"] == "slip in hand"
    assert int(last["ref_seq"]) == sent.attempt_id and int(last["reprint_no"]) == 1
    details = _details(log)[-1]
    assert details["previous_state"] == "unconfirmed" and details["printer_how"] == "status"
    assert details["document_sha256"] == sent.outputs  # the document the clerk saw come out
    assert log.attempt_status(sent.attempt_id) == "printed"
    assert log.unfinished() == []  # `audit pending` no longer lists it
    assert [d["reprint_no"] for d in earlier_duplicates(log, "A0")] == [1]
    assert log.verify().ok  # the confirmation is one more link of the chain


def test_a_confirmed_attempt_is_not_retried_and_the_next_reprint_uses_a_new_number(
    fake_printer, journal, log
):
    sent = _unconfirmed(journal, log, fake_printer("drops_job")).record
    log.confirm(sent.attempt_id, operator="wang")
    with pytest.raises(audit_module.AuditError, match="was printed"):
        log.retry(sent.attempt_id, operator="li")
    ok = fake_printer("ok")
    call = dict(
        journal=journal,
        operator="li",
        reason="lost again",
        printer=ok.url,
        audit=log,
        printer_profile="TM-T88V",
    )
    with pytest.raises(ReprintRefused) as caught:  # the confirmed duplicate used the only number of the cap
        reprint(
            journal.loc["A0"], policy=ReprintPolicy(cap=1, printer_timeout=0.8), **call, new_audit_log=True
        )
    assert caught.value.rule == "reprint_cap"
    record = reprint(
        journal.loc["A0"], policy=ReprintPolicy(cap=2, printer_timeout=0.8), **call, new_audit_log=True
    )
    assert (record.reprint_no, record.retried, record.status) == (2, False, "printed")
    assert log.reprint_count("A0") == 2 and log.verify().ok


def test_before_the_confirmation_the_next_call_retries_the_same_number(fake_printer, journal, log):
    sent = _unconfirmed(
        journal, log, fake_printer("drops_job"), policy=ReprintPolicy(cap=1, printer_timeout=0.8)
    )
    ok = fake_printer("ok")
    record = reprint(
        journal.loc["A0"], operator="li", reason="it did not come out", printer=ok.url, audit=log,
        printer_profile="TM-T88V", policy=ReprintPolicy(cap=1, printer_timeout=0.8),new_audit_log=True, journal=journal)  # fmt: skip
    assert record.retried and record.reprint_no == 1 and record.short_code == sent.record.short_code
    with pytest.raises(ConfirmRefused, match="already printed") as caught:
        log.confirm(sent.record.short_code, operator="wang")
    assert caught.value.state == "printed"


def test_confirm_refuses_a_failed_attempt(journal, log):
    from fakeprinter import FakePrinter

    with FakePrinter() as gone:
        url = gone.url
    with pytest.raises(PrinterError):  # nobody listens: nothing left for the printer
        reprint(
            journal.loc["A0"],
            operator="li",
            reason="lost",
            printer=url,
            audit=log,
            policy=FAST,
            new_audit_log=True,
            journal=journal,
        )
    attempt = log.unfinished()[0]
    with pytest.raises(ConfirmRefused, match="failed: nothing was printed") as caught:
        log.confirm(attempt.short_code, operator="wang")
    assert caught.value.state == "failed"
    assert log.rows()["status"].tolist() == ["pending", "failed"]  # nothing written


def test_confirm_refuses_a_printed_attempt_an_unknown_code_and_a_pending_attempt(
    fake_printer, journal, log, tmp_path
):
    done = reprint(
        journal.loc["A0"],
        operator="li",
        reason="lost",
        pdf=tmp_path / "a.pdf",
        audit=log,
        new_audit_log=True,
        journal=journal,
    )
    with pytest.raises(ConfirmRefused, match="already printed") as caught:
        log.confirm(done.short_code, operator="wang")
    assert caught.value.state == "printed"
    with pytest.raises(ConfirmRefused, match="no reprint with code") as caught:
        log.confirm("ABCDE-FGHJK", operator="wang")
    assert caught.value.state == "unknown"
    with pytest.raises(ConfirmRefused, match="not a short code"):
        log.confirm("hello", operator="wang")
    started = log.begin_reprint(journal.loc["B1"], operator="li", reason="lost", output_kind="printer")
    with pytest.raises(ConfirmRefused, match="pending") as caught:
        log.confirm(started, operator="wang")
    assert caught.value.state == "pending"
    with pytest.raises(audit_module.AuditError, match="operator"):
        log.confirm(started, operator=" ")
    assert log.rows()["status"].tolist() == ["pending", "printed", "pending"]


def test_confirm_refuses_a_code_that_several_attempts_carry(fake_printer, journal, log, monkeypatch):
    real = audit_module.make_code
    monkeypatch.setattr(
        audit_module,
        "make_code",
        lambda *a, **k: dataclasses.replace(real(*a, **k), short_code="ABCDE-FGHJK"),
    )
    server = fake_printer("drops_job")
    _unconfirmed(journal, log, server, "A0")
    _unconfirmed(journal, log, server, "B1")
    with pytest.raises(ConfirmRefused, match="2 reprints carry code ABCDE-FGHJK") as caught:
        log.confirm("ABCDE-FGHJK", operator="wang")
    assert caught.value.state == "ambiguous"
    assert "A0" in str(caught.value) and "B1" in str(caught.value)
    assert [a.state for a in log.unfinished()] == ["unconfirmed", "unconfirmed"]


# -- the same_proof rule counts a duplicate the clerk confirmed ----------------------------------------


def test_same_proof_counts_a_confirmed_duplicate_and_holds_an_unconfirmed_one(
    fake_printer, journal, log, tmp_path
):
    server = fake_printer("drops_job")
    call = dict(journal=journal, operator="li", reason="lost slip", proof=PROOF, audit=log, policy=FAST)
    with pytest.raises(PrintUnconfirmed) as caught:
        reprint(_matched(), printer=server.url, **call, new_audit_log=True)
    first = caught.value.record
    # not confirmed, but it may have come out (a reviewer, session 18: the same proof again silently retried it,
    # another slip): held until someone says it did not, with the reason; the override retries it
    with pytest.raises(ReprintRefused, match="not confirmed") as held:
        reprint(_matched(), printer=server.url, **call, new_audit_log=True)
    assert held.value.rule == "same_proof"
    with pytest.raises(PrintUnconfirmed) as caught:
        reprint(_matched(), printer=server.url, **call, new_audit_log=True, override="same_proof")
    assert caught.value.record.retried and caught.value.record.reprint_no == 1
    log.confirm(first.short_code, operator="li", note="it came out after all")
    with pytest.raises(ReprintRefused, match=f"no. 1 .*code {first.short_code}") as refused:
        reprint(_matched(), pdf=tmp_path / "again.pdf", **call, new_audit_log=True)
    assert refused.value.rule == "same_proof"
