"""`verify` says what an unchecked log claims (public key only), and a crash's unsigned rows are not "tampering".

Review 19, §5: with only the public key, ``verify`` dropped the state the log holds (``status=None``), so a
slip that came out of a FAILED or UNCONFIRMED job read as a finished duplicate. Now the state the log's rows
claim is given as ``unchecked_status`` and said, labelled unchecked.

Review 19, §6: rows a writer left after the signed head (a crash between writing and signing:
``unsigned_tail``) were announced as "the audit log was tampered with" for every code, and an old unkeyed
log too. Now a reprint in the signed part is answered (with a note), one in the unsigned rows is NOT SIGNED
(never GENUINE) until the head is signed again with ``receiptkit audit head --resign``; an unkeyed log is NOT
VERIFIED, naming ``receiptkit audit upgrade``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

# the log-state tests' key, clock and sale row (one copy: duplicates --change D1)
from tests.test_verify_log_state import KEY, SHA, Clock, _merchant_key, _row  # noqa: F401 (autouse fixture)
from typer.testing import CliRunner

from receiptkit.audit import AuditLog
from receiptkit.cli import app
from receiptkit.verification import export_public_key, load_key, verify


@pytest.fixture
def logged(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Rows 1-2: T0001 printed; 3-4: T0002 failed; 5-6: T0003 unconfirmed (the printer did not confirm)."""
    path = tmp_path / "audit.sqlite"
    codes: dict[str, str] = {}
    with AuditLog(path, key=KEY, clock=Clock()) as log:
        for txn, result in (("T0001", "printed"), ("T0002", "failed"), ("T0003", "unconfirmed")):
            attempt = log.begin_reprint(_row(txn), operator="li", reason="lost slip", output_kind="pdf")
            if result == "failed":
                log.complete(attempt, result="failed", error="printer unreachable")
            else:
                log.complete(attempt, document_sha256=SHA, result=result)
            codes[txn] = attempt.code.short_code
            codes[txn + "/qr"] = attempt.code.qr_payload
    return path, codes


def _head(path: Path) -> Path:
    return path.with_name(path.name + ".head")


# -- review 19, §5: only a public key ---------------------------------------------------------------------


@pytest.mark.parametrize(("txn", "state"), [("T0002", "failed"), ("T0003", "unconfirmed")])
def test_a_public_key_verifier_is_told_the_log_holds_the_reprint_as_not_printed(logged, txn, state) -> None:
    path, codes = logged
    answer = verify(codes[txn + "/qr"], public_key=load_key(KEY).public_key(), audit=path)
    assert answer.genuine and answer.signature_ok and answer.in_log  # the slip is the merchant's
    assert answer.status is None  # a checked state needs the secret key
    assert answer.unchecked_status == state
    assert f"the log says this reprint is {state.upper()}, not printed" in answer.reason, answer.reason
    assert "unchecked" in answer.reason and "may be incomplete" in answer.reason


def test_a_public_key_verifier_of_a_printed_reprint_sees_no_caution(logged) -> None:
    path, codes = logged
    answer = verify(codes["T0001/qr"], public_key=load_key(KEY).public_key(), audit=path)
    assert answer.genuine and answer.unchecked_status == "printed" and answer.status is None
    assert "not printed" not in answer.reason and "the log says printed; unchecked" in answer.reason


def test_cli_public_key_names_a_failed_reprint_unchecked(logged, tmp_path: Path) -> None:
    path, codes = logged
    pem = tmp_path / "merchant.pem"
    export_public_key(pem, KEY)
    runner = CliRunner()
    args = ["verify", codes["T0002/qr"], "--public-key", str(pem), "--audit", str(path)]
    result = runner.invoke(app, args, terminal_width=250)
    text = " ".join(result.output.split())
    assert result.exit_code == 0 and text.startswith("GENUINE"), text
    assert (
        "the audit log (UNCHECKED: its rows need the merchant's secret key to check) says this reprint is "
        "FAILED, not printed" in text
    ), text
    printed = runner.invoke(
        app, ["verify", codes["T0001/qr"], "--public-key", str(pem), "--audit", str(path)], terminal_width=250
    )
    assert printed.exit_code == 0 and "not printed" not in printed.output


# -- review 19, §6: a writer that stopped before signing ----------------------------------------------------


def _crash_before_signing(path: Path) -> dict[str, str]:
    """T0004's reprint begun and signed (row 7); its ``printed`` row (8) and T0005 (rows 9-10) written, but the
    process died before the head file: the head still covers rows 1-7."""
    codes: dict[str, str] = {}
    with AuditLog(path, create=False, key=KEY, clock=Clock()) as log:
        begun = log.begin_reprint(_row("T0004"), operator="li", reason="lost slip", output_kind="pdf")
        signed = _head(path).read_bytes()
        log.complete(begun, document_sha256=SHA)
        later = log.begin_reprint(_row("T0005"), operator="li", reason="lost slip", output_kind="pdf")
        log.complete(later, document_sha256=SHA)
        codes = {"T0004": begun.code.short_code, "T0005": later.code.short_code}
        codes["T0005/qr"] = later.code.qr_payload
    _head(path).write_bytes(signed)  # as if the process died after the commits, before the head file
    with AuditLog(path, create=False, key=KEY) as log:
        report = log.verify()
        assert (report.problem, report.first_bad_seq) == ("unsigned_tail", 8)
    return codes


@pytest.mark.parametrize("txn", ["T0004", "T0005", "T0005/qr"])
def test_a_reprint_in_the_unsigned_rows_is_not_signed_never_genuine_nor_tampered(logged, txn: str) -> None:
    path, codes = logged
    codes.update(_crash_before_signing(path))
    answer = verify(codes[txn], key=KEY, audit=path)
    assert not answer.genuine and answer.checked
    assert answer.log_problem == "unsigned_tail" and answer.log_problem_seq == 8
    assert answer.status is None
    assert answer.reason.startswith("not signed:"), answer.reason
    assert "tampered" not in answer.reason.replace("not tampering", ""), answer.reason
    assert "receiptkit audit head --resign --operator NAME --reason TEXT" in answer.reason


def test_a_reprint_in_the_signed_rows_is_answered_with_a_note(logged) -> None:
    path, codes = logged
    _crash_before_signing(path)
    answer = verify(codes["T0002"], key=KEY, audit=path)
    assert answer.genuine and answer.status == "failed" and answer.log_problem is None
    assert "note: the audit log's rows 8..10 after its signed head are not signed" in answer.reason
    assert "receiptkit audit head --resign" in answer.reason


def test_cli_not_signed_then_resigned(logged) -> None:
    path, codes = logged
    codes.update(_crash_before_signing(path))
    runner = CliRunner()
    crashed = runner.invoke(app, ["verify", codes["T0005"], "--audit", str(path)], terminal_width=250)
    text = " ".join(crashed.output.split())
    assert crashed.exit_code == 1 and text.startswith("NOT SIGNED: not signed:"), text
    assert "TAMPERED" not in text and "compare with the paper" not in text
    old = runner.invoke(app, ["verify", codes["T0001"], "--audit", str(path)], terminal_width=250)
    assert old.exit_code == 0 and old.output.startswith("GENUINE"), old.output
    resign = ["audit", "head", "--audit", str(path), "--resign", "--operator", "mgr", "--reason", "crash"]
    assert runner.invoke(app, resign).exit_code == 0
    after = runner.invoke(app, ["verify", codes["T0005"], "--audit", str(path)], terminal_width=250)
    assert after.exit_code == 0 and after.output.startswith("GENUINE"), after.output
    assert "not signed" not in after.output


def test_an_unkeyed_log_is_not_verified_naming_the_upgrade(logged) -> None:
    path, codes = logged
    with sqlite3.connect(path) as db:
        db.execute("delete from receiptkit_audit_meta")  # no chain version: what an older receiptkit wrote
    with AuditLog(path, create=False, key=KEY, allow_unkeyed=True) as log:
        answer = verify(codes["T0001"], key=KEY, audit=log)
    assert not answer.genuine and not answer.checked and answer.log_problem == "unkeyed"
    assert "tampered with:" not in answer.reason
    assert "receiptkit audit upgrade --operator NAME" in answer.reason, answer.reason
