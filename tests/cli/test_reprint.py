"""The reprint, verify and audit commands end to end, as real subprocesses."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pandas as pd

from _printer import PrinterServer
from receiptkit.demo import run_demo

KEY = "hex:" + "5a" * 32


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECEIPTKIT_KEY": KEY, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "receiptkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


def test_reprint_to_a_tcp_printer_then_verify_and_audit(tmp_path):
    run_demo(tmp_path, n_transactions=600, n_proofs=20, seed=4, slips=0)
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str)
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale")]
    txn = ok[ok["channel"] == "card"].iloc[0]["txn_id"]
    declined = journal[journal["status"] == "declined"]
    audit = str(tmp_path / "audit.sqlite")
    with PrinterServer() as server:
        done = _run(
            "reprint",
            "--new-audit-log",
            txn,
            "--journal",
            "journal.csv",
            "--printer",
            server.url,
            "--operator",
            "clerk7",
            "--reason",
            "customer lost slip",
            "--audit",
            audit,
            cwd=tmp_path,
        )
        # the default profile cannot confirm the printing (no process-ID response): CHECK THE PRINTER
        assert done.returncode == 1, done.stdout + done.stderr
        assert server.done.wait(10)
    assert b"DUPLICATE" in server.received
    said = " ".join(done.stderr.split())
    assert f"CHECK THE PRINTER: reprint 1 of {txn}" in said and "reports no fault" in said
    code = said.split("verification code ", 1)[1][:11]

    answer = _run("verify", code, "--audit", audit, cwd=tmp_path)
    assert answer.returncode == 0 and "GENUINE" in answer.stdout and txn in answer.stdout
    assert "holds this reprint as UNCONFIRMED, not printed" in " ".join(answer.stdout.split())

    # the clerk holds the duplicate and says so, as the message tells: the operator's word, in the log
    assert f"receiptkit audit confirm {code} --operator NAME" in said
    confirmed = _run("audit", "confirm", code, "--operator", "clerk7", "--audit", audit, cwd=tmp_path)
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"reprint 1 of {txn} (code {code}) confirmed as printed by clerk7" in " ".join(
        confirmed.stdout.split()
    )
    answer = _run("verify", code, "--audit", audit, cwd=tmp_path)
    assert answer.returncode == 0 and "GENUINE" in answer.stdout and "not printed" not in answer.stdout
    forged = _run("verify", "AAAAA-BBBBB", "--audit", audit, cwd=tmp_path)
    assert forged.returncode == 1 and "NOT GENUINE" in forged.stdout

    if len(declined):
        refused = _run(
            "reprint",
            "--new-audit-log",
            declined.iloc[0]["txn_id"],
            "--journal",
            "journal.csv",
            "--pdf",
            "d.pdf",
            "--operator",
            "clerk7",
            "--reason",
            "asked",
            "--audit",
            audit,
            cwd=tmp_path,
        )
        assert refused.returncode == 2 and "[declined]" in refused.stderr
        assert "Traceback" not in refused.stderr

    listed = _run("audit", "list", "--audit", audit, cwd=tmp_path)
    assert listed.returncode == 0 and "unconfirmed" in listed.stdout and "printed" in listed.stdout
    exported = _run("audit", "list", "--audit", audit, "--out", "log.csv", cwd=tmp_path)
    assert exported.returncode == 0 and (tmp_path / "log.csv").exists()
    assert _run("audit", "verify", "--audit", audit, cwd=tmp_path).returncode == 0

    with sqlite3.connect(audit) as conn:  # someone edits the operator of the first row
        table = conn.execute("select name from sqlite_master where type='table'").fetchone()[0]
        conn.execute(f"update {table} set operator = 'someone else' where seq = 1")
    tampered = _run("audit", "verify", "--audit", audit, cwd=tmp_path)
    assert tampered.returncode == 1 and "TAMPERED" in tampered.stderr


def test_verify_of_something_that_is_not_a_code_names_no_transaction(tmp_path):
    for code in ("", "ABCD-EFGH"):
        answer = _run("verify", code, cwd=tmp_path)
        assert answer.returncode == 1, answer.stderr
        assert "NOT GENUINE" in answer.stdout
        assert "None" not in answer.stdout
        assert "txn" not in answer.stdout


def test_no_output_is_refused_in_the_commands_words(tmp_path, monkeypatch):
    """It said "give at least one output: printer=, pdf=, png= or outputs=": the library's parameters."""
    from typer.testing import CliRunner

    from receiptkit.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "ab" * 32)
    result = CliRunner().invoke(
        app,
        [
            "reprint",
            "--new-audit-log",
            "T00000001",
            "--journal",
            "journal.csv",
            "--operator",
            "a",
            "--reason",
            "b",
        ],
    )
    assert result.exit_code == 2, result.output
    assert (
        result.output.strip()
        == "error: give at least one output: --printer, --printer-config, --pdf or --png"
    )
    assert not (tmp_path / "receiptkit-audit.sqlite").exists()


def test_verify_says_when_the_log_does_not_hold_the_reprint_as_printed(tmp_path, monkeypatch):
    """`verify CODE` answered GENUINE for a reprint the log holds as unconfirmed, failed or pending, in
    the same words as for a printed one: the clerk or auditor was not told the slip may not have come out
    whole (rk.verify's status was never shown)."""
    from typer.testing import CliRunner

    from receiptkit.audit import AuditLog
    from receiptkit.cli import app

    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    row = {
        "txn_id": "T1",
        "merchant_id": "898310058120003",
        "terminal_id": "12000002",
        "ts": "2026-11-18T08:11:17+08:00",
        "amount_minor": 36800,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
    }
    codes = {}
    with AuditLog(tmp_path / "audit.sqlite") as log:
        for state in ("printed", "unconfirmed", "failed", "pending"):
            attempt = log.begin_reprint(row, operator="li", reason="lost", output_kind="printer")
            if state == "printed":
                log.complete(attempt, document_sha256="c" * 64)
            elif state == "unconfirmed":
                log.complete(attempt, result="unconfirmed", document_sha256="c" * 64, error="no answer")
            elif state == "failed":
                log.complete(attempt, result="failed", error="paper out")
            codes[state] = attempt.short_code
    answers = {
        state: CliRunner().invoke(app, ["verify", code, "--audit", "audit.sqlite"])
        for state, code in codes.items()
    }
    assert all(a.exit_code == 0 and a.output.startswith("GENUINE") for a in answers.values())
    assert "not printed" not in answers["printed"].output
    for state in ("unconfirmed", "failed", "pending"):
        text = " ".join(answers[state].output.split())
        assert f"the audit log holds this reprint as {state.upper()}, not printed" in text, text
