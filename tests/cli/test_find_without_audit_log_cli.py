"""``find`` with no audit log to read says so: silence is not "never reprinted"."""

from __future__ import annotations

import shutil

import pandas as pd
from typer.testing import CliRunner

from receiptkit.cli import app


def _evidence(journal: pd.DataFrame) -> list[str]:
    sale = journal[(journal["wallet_txn_id"] != "") & (journal["status"] == "approved")].iloc[0]
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    when = pd.Timestamp(sale["ts"]).strftime("%Y-%m-%d %H:%M")
    return [
        "--wallet-txn",
        sale["wallet_txn_id"],
        "--amount",
        amount,
        "--currency",
        sale["currency"],
        "--time",
        when,
        "--tz",
        str(pd.Timestamp(sale["ts"]).tz),
    ]


def test_find_says_when_no_audit_log_was_read(demo_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no receiptkit-audit.sqlite here
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str, keep_default_na=False)
    args = ["find", "--journal", "journal.csv", *_evidence(journal)]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0 and "MATCHED" in result.output, result.output
    assert "note: no audit log read (none at receiptkit-audit.sqlite here)" in result.output
    assert "are not shown; give --audit FILE" in result.output


def test_find_with_the_audit_log_has_no_such_note(demo_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "6a" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str, keep_default_na=False)
    evidence = _evidence(journal)
    printed = CliRunner().invoke(
        app,
        [
            "reprint",
            "--new-audit-log",
            "--journal",
            "journal.csv",
            *evidence,
            "--operator",
            "li",
            "--reason",
            "lost",
            "--pdf",
            "d.pdf",
        ],
        terminal_width=200,
    )
    assert printed.exit_code == 0, printed.output
    result = CliRunner().invoke(app, ["find", "--journal", "journal.csv", *evidence], terminal_width=200)
    assert "no audit log read" not in result.output
    assert "already reprinted: 1 duplicate of" in result.output, result.output
