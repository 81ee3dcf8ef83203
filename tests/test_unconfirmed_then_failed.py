"""An attempt that was ever ``unconfirmed`` stays "may have printed" until it is confirmed (newcomer 20, H8).

Three tries of one reprint reached printers that did not confirm them (the slip may be on the counter); the fourth
could not connect. The log called the attempt FAILED, "not printed", and ``verify`` of its code said so. A failed
try sends nothing and takes no paper away: the attempt stays ``unconfirmed`` (``attempt_status``, ``unfinished``,
``earlier_duplicates(unconfirmed=True)``, ``verify``) until a clerk confirms it or a try is printed.
Minor: a row's ``how`` says how the printer really answered (``PrintResult.answered``), never ``process_id`` for a
printer that gave no process-ID answer.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.audit import AuditLog, attempt_state
from receiptkit.printers import print_slip
from receiptkit.reprinting import earlier_duplicates
from receiptkit.schema import validate_journal
from receiptkit.slip import Slip

KEY = "hex:" + "4e" * 32


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


@pytest.fixture
def row() -> pd.Series:
    frame = validate_journal(
        pd.DataFrame(
            [
                {
                    "txn_id": "A0",
                    "merchant_id": "898310058120001",
                    "merchant_name": "瑞幸咖啡(国贸店)",
                    "terminal_id": "10000001",
                    "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
                    "amount_minor": 12850,
                    "currency": "CNY",
                    "txn_type": "sale",
                    "status": "approved",
                    "channel": "card",
                    "card_last4": "9403",
                }
            ]
        )
    )
    return frame.iloc[0]


def _unconfirmed_then_failed(log: AuditLog, row: pd.Series):
    attempt = log.begin_reprint(row, operator="li", reason="lost", output_kind="printer")
    log.complete(attempt, result="unconfirmed", document_sha256="ab" * 32, error="took it", how="status")
    log.retry(attempt, operator="li")
    log.complete(attempt, result="failed", error="PrinterError: cannot connect")
    return attempt


def test_the_fold_keeps_unconfirmed_over_a_later_failure() -> None:
    assert attempt_state(["unconfirmed", "retry", "failed"]) == "unconfirmed"
    assert attempt_state(["unconfirmed", "retry"]) == "retry"  # a try in progress is said as such
    assert attempt_state(["unconfirmed", "retry", "printed"]) == "printed"
    assert attempt_state(["failed", "retry", "failed"]) == "failed"  # never sent: nothing may be out


def test_a_failed_retry_of_an_unconfirmed_attempt_stays_unconfirmed(tmp_path, row) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    attempt = _unconfirmed_then_failed(log, row)
    assert log.rows()["status"].tolist() == ["pending", "unconfirmed", "retry", "failed"]
    assert log.attempt_status(attempt.attempt_id) == "unconfirmed"
    assert [(a.state, a.tries) for a in log.unfinished()] == [("unconfirmed", 2)]
    assert [d["state"] for d in earlier_duplicates(log, "A0", unconfirmed=True)] == ["unconfirmed"]
    answer = rk.verify(attempt.code.short_code, audit=log)
    assert answer.genuine and answer.status == "unconfirmed"


def test_it_can_be_confirmed_with_the_unconfirmed_tries_document(tmp_path, row) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    attempt = _unconfirmed_then_failed(log, row)
    log.confirm(attempt.code.short_code, operator="wang", note="customer holds it")
    assert log.attempt_status(attempt.attempt_id) == "printed" and log.unfinished() == []
    details = json.loads(log.rows()["details"].iloc[-1])
    assert details["previous_state"] == "unconfirmed" and details["printer_how"] == "status"
    sent = json.loads(log.rows()["details"].iloc[1])  # the unconfirmed try's row: the failed one sent nothing
    assert details["document_sha256"] == sent["document_sha256"] and details["document_sha256"]


def test_a_failed_only_attempt_is_still_failed(tmp_path, row) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    attempt = log.begin_reprint(row, operator="li", reason="lost", output_kind="printer")
    log.complete(attempt, result="failed", error="PrinterError: cannot connect")
    assert log.attempt_status(attempt.attempt_id) == "failed"
    assert [a.state for a in log.unfinished()] == ["failed"]


def test_how_says_how_the_printer_answered(fake_printer, row) -> None:
    slip = Slip.from_transaction(row, printed_at=pd.Timestamp("2026-12-07 10:00", tz="UTC"))
    silent = fake_printer("no_pid")  # takes the bytes, never answers the process-ID request
    result = print_slip(slip, silent.url, timeout=0.8, profile="TM-T88V", chinese="native")
    assert (result.outcome, result.method, result.answered) == ("unconfirmed", "process_id", "none")
    status_only = fake_printer("ok")  # no process-ID profile: a clear status after the job
    result = print_slip(slip, status_only.url, timeout=0.8, chinese="native")
    assert (result.outcome, result.answered) == ("unconfirmed", "status")
    confirmed = fake_printer("ok")
    result = print_slip(slip, confirmed.url, timeout=0.8, profile="TM-T88V", chinese="native")
    assert (result.outcome, result.answered) == ("printed", "process_id")
