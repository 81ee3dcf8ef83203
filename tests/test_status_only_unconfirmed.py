"""A status-only confirmation is not ``printed``: only the process-ID response is.

FIELD-NOTES, "Whether a slip really printed": most network printers take the bytes into a buffer long before
they print them, and ``DLE EOT`` answers even while the printer is busy. A clear status after the job proves the
printer took every byte and reports no fault, not that paper came out; only the process-ID response (``GS ( H``
function 48) is sent once everything before it is printed. A printer that answers "ready" and drops the job was
recorded ``printed`` under the default profile before session 18.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import receiptkit.audit as audit_module
from receiptkit.audit import AuditLog
from receiptkit.errors import PrintUnconfirmed
from receiptkit.printers import print_slip
from receiptkit.reprinting import ReprintPolicy, earlier_duplicates, reprint
from receiptkit.schema import validate_journal
from receiptkit.slip import Slip

KEY = "hex:" + "3f" * 32
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


# -- the printer side: a clear status after the job is not "printed" --------------------------------


def test_a_printer_that_answers_ready_and_drops_the_job_is_not_printed(fake_printer, journal):
    server = fake_printer("drops_job")
    slip = Slip.from_transaction(journal.loc["A0"], printed_at=pd.Timestamp("2026-12-07 10:00", tz="UTC"))
    result = print_slip(slip, server.url, timeout=0.8, chinese="native")
    assert server.done.wait(10)
    assert bytes(server.dropped) == result.data and bytes(server.received) == b""  # taken, never printed
    assert (result.outcome, result.method) == ("unconfirmed", "status"), result.detail
    assert not result.printed
    assert result.after is not None and result.after.ready  # it said "ready" after the job, too
    assert f"the printer took all {len(result.data)} bytes and reports no fault" in result.detail
    assert "cannot confirm printing (no process-ID response)" in result.detail
    assert "check that the duplicate came out" in result.detail


def test_only_the_process_id_response_is_printed(fake_printer, journal):
    slip = Slip.from_transaction(journal.loc["A0"], printed_at=pd.Timestamp("2026-12-07 10:00", tz="UTC"))
    server = fake_printer("ok")
    result = print_slip(slip, server.url, timeout=0.8, profile="TM-T88V", chinese="native")
    assert (result.outcome, result.method) == ("printed", "process_id"), result.detail
    dropped = fake_printer("drops_job")  # a profile that promises a process ID, a printer that drops the job
    result = print_slip(slip, dropped.url, timeout=0.8, profile="TM-T88V", chinese="native")
    assert (result.outcome, result.method) == ("unconfirmed", "process_id")


# -- the reprint and its audit row ---------------------------------------------------------------------


def test_the_reprint_of_a_dropped_job_is_unconfirmed_in_the_log_with_how(fake_printer, journal, log):
    server = fake_printer("drops_job")
    error = _unconfirmed(journal, log, server)
    assert error.record.status == "unconfirmed" and error.record.reprint_no == 1
    assert error.record.how == "status"
    assert "reports no fault" in str(error) and "check that the duplicate came out" in str(error)
    rows = log.rows()
    assert rows["status"].tolist() == ["pending", "unconfirmed"]
    assert rows["how"].tolist()[-1] == "status"  # the evidence says what confirmation there was
    assert "reports no fault" in rows["error"].tolist()[-1]
    assert [a.state for a in log.unfinished()] == ["unconfirmed"]
    assert earlier_duplicates(log, "A0") == []


def test_a_process_id_printer_is_printed_and_says_how(fake_printer, journal, log):
    server = fake_printer("ok")
    record = reprint(
        journal.loc["A0"], journal=journal, operator="li", reason="lost", printer=server.url, audit=log,
        printer_profile="TM-T88V", policy=FAST,new_audit_log=True)  # fmt: skip
    assert record.status == "printed" and record.how == "process_id"
    assert log.rows()["how"].tolist()[-1] == "process_id"
    assert log.unfinished() == []


def test_complete_refuses_printed_on_a_status_only_confirmation(journal, log):
    attempt = log.begin_reprint(journal.loc["A0"], operator="li", reason="lost", output_kind="printer")
    with pytest.raises(audit_module.AuditError, match="confirmed by status only is unconfirmed, not printed"):
        log.complete(attempt, document_sha256="ab" * 32, how="status")
    with pytest.raises(audit_module.AuditError, match="how must be one of"):
        log.complete(
            attempt, document_sha256="ab" * 32, how="operator"
        )  # the clerk's word goes through confirm()
    log.complete(attempt, result="unconfirmed", document_sha256="ab" * 32, error="took it", how="status")
    assert log.rows()["how"].tolist()[1:] == ["status"] and pd.isna(log.rows()["how"].iloc[0])
