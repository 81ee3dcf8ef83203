"""``rk.reprint`` stopped by a Ctrl-C (KeyboardInterrupt) at each step: the attempt is closed truthfully at once.

Newcomer 19, G5: a Ctrl-C between writing the attempt and closing it left it ``pending`` ("in progress, or its
process died") for ``stale_after``, and the next call took a new number. Now the log says what happened
(``failed`` when nothing was sent or written, ``unconfirmed`` when it may have come out), the error is a
``ReprintInterrupted`` (a ``KeyboardInterrupt``) saying so, and the next call retries the same number and code.
The real-process tests (SIGINT at a fake printer) are in tests/cli/test_interrupt_reprint.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.audit import AuditLog
from receiptkit.errors import ReprintInterrupted
from receiptkit.reprinting import reprint
from receiptkit.schema import validate_journal
from receiptkit.slip import Slip

KEY = "hex:" + "3f" * 32


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


@pytest.fixture
def journal() -> pd.DataFrame:
    row = {
        "txn_id": "A0",
        "merchant_id": "898310058120001",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "10000001",
        "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "wechat",
        "wallet_txn_id": "4200002825202511200643145400",
    }
    return validate_journal(pd.DataFrame([row])).set_index("txn_id", drop=False)


def _reprint(journal: pd.DataFrame, tmp_path, name: str, **more):
    return reprint(
        journal.loc["A0"],
        journal=journal,
        operator="clerk7",
        reason="lost",
        pdf=tmp_path / name,
        audit=tmp_path / "audit.sqlite",
        new_audit_log=True,
        **more,
    )


def test_ctrl_c_while_the_slip_is_drawn_closes_the_attempt_failed_and_the_next_call_retries_it(
    journal, tmp_path, monkeypatch
) -> None:
    draw = Slip.render

    def stopped(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Slip, "render", stopped)
    with pytest.raises(ReprintInterrupted) as caught:
        _reprint(journal, tmp_path, "dup.pdf")
    stop = caught.value
    assert isinstance(stop, KeyboardInterrupt)  # code that stops on Ctrl-C still stops
    assert (stop.state, stop.reprint_no, stop.txn_id) == ("failed", 1, "A0")
    assert stop.detail == "interrupted by the operator (Ctrl-C) before anything was sent or written"
    assert "was not printed" in str(stop) and "retries number 1 with the same code" in str(stop)
    log = AuditLog(tmp_path / "audit.sqlite", create=False)
    assert log.attempt_status(stop.attempt_id) == "failed"  # not pending: nobody waits ten minutes
    assert not (tmp_path / "dup.pdf").exists()

    monkeypatch.setattr(Slip, "render", draw)
    record = _reprint(journal, tmp_path, "dup.pdf")
    assert (record.reprint_no, record.short_code, record.retried) == (1, stop.short_code, True)
    assert log.reprint_count("A0") == 1


def test_ctrl_c_after_the_attempt_was_closed_is_reported_as_done(journal, tmp_path, monkeypatch) -> None:
    complete = AuditLog.complete

    def complete_then_stop(self, *args, **kwargs):
        complete(self, *args, **kwargs)
        raise KeyboardInterrupt  # as a Ctrl-C held by the log until its head was signed

    monkeypatch.setattr(AuditLog, "complete", complete_then_stop)
    with pytest.raises(ReprintInterrupted) as caught:
        _reprint(journal, tmp_path, "dup.pdf")
    assert caught.value.state == "printed"
    assert "do not reprint it again" in str(caught.value)
    monkeypatch.setattr(AuditLog, "complete", complete)
    log = AuditLog(tmp_path / "audit.sqlite", create=False)
    assert log.attempt_status(caught.value.attempt_id) == "printed"  # closed once, never twice
    assert (tmp_path / "dup.pdf").is_file()
    assert log.unfinished() == []


def test_ctrl_c_before_the_attempt_is_written_is_a_plain_interrupt_and_uses_no_number(
    journal, tmp_path, monkeypatch
) -> None:
    def stopped(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(AuditLog, "begin_reprint", stopped)
    with pytest.raises(KeyboardInterrupt) as caught:
        _reprint(journal, tmp_path, "dup.pdf")
    assert not isinstance(caught.value, ReprintInterrupted)
    assert AuditLog(tmp_path / "audit.sqlite", create=False).reprint_count("A0") == 0
