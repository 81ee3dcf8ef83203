"""`verify CODE --audit LOG` answers only from an intact log: the reprint's state is never taken from an
unchecked row.

Clean room 11, F1: an insider edited the ``status`` of a failed attempt's row from ``failed`` to ``printed``
in the SQLite table. ``receiptkit audit verify`` said ``TAMPERED: edited at row N``, but ``receiptkit verify
CODE --audit LOG`` said ``GENUINE`` (exit 0, no FAILED line): the code was checked against the keyed fields
row, the state was read from a later row whose keyed hash nobody checked. Now the log is checked as
``audit verify`` checks it before it vouches for anything.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog
from receiptkit.cli import app
from receiptkit.verification import load_key, verify

KEY = bytes(range(32))
T0 = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
SHA = "c" * 64


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + KEY.hex())
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


def _row(txn_id: str) -> dict[str, object]:
    return {
        "txn_id": txn_id,
        "merchant_id": "898310048161234",
        "terminal_id": "10283746",
        "ts": "2026-11-20T14:32:05+08:00",
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "card_last4": "4821",
    }


@pytest.fixture
def logged(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Rows 1-2: T0001 printed; rows 3-4: T0002 failed (the printer was unreachable); rows 5-6: T0003 printed."""
    path = tmp_path / "audit.sqlite"
    codes: dict[str, str] = {}
    with AuditLog(path, key=KEY, clock=Clock()) as log:
        for txn, result in (("T0001", "printed"), ("T0002", "failed"), ("T0003", "printed")):
            attempt = log.begin_reprint(_row(txn), operator="li", reason="lost slip", output_kind="pdf")
            if result == "failed":
                log.complete(attempt, result="failed", error="printer unreachable")
            else:
                log.complete(attempt, document_sha256=SHA)
            codes[txn] = attempt.code.short_code
            codes[txn + "/qr"] = attempt.code.qr_payload
    return path, codes


def _sql(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute(statement).rowcount == 1


def test_an_intact_log_still_gives_the_state(logged) -> None:
    path, codes = logged
    failed = verify(codes["T0002"], key=KEY, audit=path)
    assert failed.genuine and failed.status == "failed" and failed.log_problem is None
    printed = verify(codes["T0001/qr"], key=KEY, audit=path)
    assert printed.genuine and printed.status == "printed" and printed.in_log


@pytest.mark.parametrize("code", ["T0002", "T0002/qr"])
def test_a_failed_state_edited_to_printed_is_tampered_not_genuine(logged, code: str) -> None:
    path, codes = logged
    _sql(path, "UPDATE receiptkit_audit SET status = 'printed' WHERE status = 'failed'")
    answer = verify(codes[code], key=KEY, audit=path)
    assert not answer.genuine
    assert answer.status is None  # the state the edited row claims is not given
    assert answer.log_problem == "edited" and answer.log_problem_seq == 4
    assert "tampered with: edited at row 4" in answer.reason
    assert answer.txn_id == "T0002" and answer.reprint_no == 1  # which reprint the code names, still said


def test_a_printed_state_edited_to_failed_is_tampered(logged) -> None:
    path, codes = logged
    _sql(path, "UPDATE receiptkit_audit SET status = 'failed' WHERE seq = 6")
    answer = verify(codes["T0003"], key=KEY, audit=path)
    assert not answer.genuine and answer.status is None and answer.log_problem == "edited"


def test_a_state_row_cut_off_the_end_is_tampered(logged) -> None:
    """Deleting the last row (T0003's printed) breaks no link: only the signed head says it is gone."""
    path, codes = logged
    _sql(path, "DELETE FROM receiptkit_audit WHERE seq = 6")
    answer = verify(codes["T0003"], key=KEY, audit=path)
    assert not answer.genuine and answer.log_problem == "truncated" and answer.status is None


def test_a_state_row_deleted_inside_the_log_is_tampered(logged) -> None:
    path, codes = logged
    _sql(path, "DELETE FROM receiptkit_audit WHERE seq = 4")  # T0002's failed: the attempt would read pending
    answer = verify(codes["T0002"], key=KEY, audit=path)
    assert not answer.genuine and answer.log_problem == "deleted" and answer.log_problem_seq == 5


def test_tampering_elsewhere_in_the_log_means_it_vouches_for_nothing(logged) -> None:
    """An edit anywhere breaks the chain the answer rests on (the same verdict as `audit verify`)."""
    path, codes = logged
    _sql(path, "UPDATE receiptkit_audit SET operator = 'zhao' WHERE seq = 2")
    answer = verify(codes["T0003"], key=KEY, audit=path)
    assert not answer.genuine and answer.log_problem == "edited" and answer.log_problem_seq == 2


def test_the_public_key_path_does_not_give_a_state_it_cannot_check(logged) -> None:
    """Without the secret key the log's keyed chain cannot be checked: the state is not given."""
    path, codes = logged
    public = load_key(KEY).public_key()
    answer = verify(codes["T0002/qr"], public_key=public, audit=path)
    assert answer.genuine and answer.in_log and answer.signature_ok
    assert answer.status is None and "unchecked" in answer.reason


def test_cli_says_tampered_and_exits_1(logged) -> None:
    path, codes = logged
    runner = CliRunner()
    before = runner.invoke(app, ["verify", codes["T0002"], "--audit", str(path)])
    assert before.exit_code == 0 and "GENUINE" in before.output and "FAILED" in before.output
    _sql(path, "UPDATE receiptkit_audit SET status = 'printed' WHERE status = 'failed'")
    after = runner.invoke(app, ["verify", codes["T0002"], "--audit", str(path)])
    assert after.exit_code == 1, after.output
    assert after.output.startswith("TAMPERED: ")
    assert "edited at row 4" in after.output and "GENUINE" not in after.output
    assert "compare with the paper" not in after.output
    audit = runner.invoke(app, ["audit", "verify", "--audit", str(path)])
    assert audit.exit_code == 1 and "edited at row 4" in audit.output
