"""``reprint`` with the same proof twice: the second is refused naming the first, ``--override same_proof`` prints it."""

from __future__ import annotations

import shutil

import pandas as pd
from typer.testing import CliRunner

from receiptkit.cli import app


def test_the_same_proof_brought_back_is_refused_until_overridden(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "6a" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str, keep_default_na=False)
    sale = journal[(journal["wallet_txn_id"] != "") & (journal["status"] == "approved")].iloc[0]
    when = pd.Timestamp(sale["ts"]).strftime("%Y-%m-%d %H:%M")  # to the minute, as a clerk types it
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    evidence = ["--wallet-txn", sale["wallet_txn_id"], "--amount", amount, "--currency", sale["currency"]]
    evidence += ["--time", when, "--tz", str(pd.Timestamp(sale["ts"]).tz)]
    base = [
        "reprint",
        "--new-audit-log",
        "--journal",
        str(tmp_path / "journal.csv"),
        *evidence,
        "--operator",
        "li",
    ]
    base += ["--reason", "lost slip", "--audit", str(tmp_path / "audit.sqlite")]
    first = CliRunner().invoke(app, [*base, "--pdf", str(tmp_path / "d1.pdf")], terminal_width=200)
    assert first.exit_code == 0 and "reprint 1 of" in first.output, first.output
    # find shows the duplicate already printed, and that it came from this same proof
    find = [
        "find",
        "--journal",
        str(tmp_path / "journal.csv"),
        *evidence,
        "--audit",
        str(tmp_path / "audit.sqlite"),
    ]
    seen = CliRunner().invoke(app, find, terminal_width=200)
    assert seen.exit_code == 0 and "already reprinted: 1 duplicate of" in seen.output, seen.output
    assert (
        "; it came from this same proof: whoever holds it" in seen.output
        and "by li (reason: lost slip)" in seen.output
    )
    assert "refused as it is: rule same_proof" in seen.output  # the reprint line says it will be refused
    # other evidence of the sale (no wallet number, another second): not the same proof; the same whole wallet
    # number at another time is the same payment record (newcomer 18, F10), so it is left out here
    other = [
        a if a != when else (pd.Timestamp(sale["ts"]) + pd.Timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
        for a in find
    ]
    at = other.index("--wallet-txn")
    del other[at : at + 2]
    told = CliRunner().invoke(app, other, terminal_width=200)
    assert "already reprinted: 1 duplicate of" in told.output and "from this same proof" not in told.output, (
        told.output
    )
    # the same time typed with its seconds: another id, the same evidence
    seconds = [when + ":00" if a == when else a for a in base]
    again = CliRunner().invoke(app, [*seconds, "--pdf", str(tmp_path / "d2.pdf")], terminal_width=200)
    assert again.exit_code == 2, again.output
    assert "[same_proof]" in again.output and "duplicate no. 1" in again.output
    assert "--override same_proof" in again.output
    assert "(value" not in again.output  # the sale is named in the message: no unexplained "(value 'T...')"
    assert not (tmp_path / "d2.pdf").exists()
    forced = [*base, "--pdf", str(tmp_path / "d2.pdf"), "--override", "same_proof"]
    done = CliRunner().invoke(app, forced, terminal_width=200)
    assert done.exit_code == 0 and "reprint 2 of" in done.output, done.output
    # the clerk is told the override was applied, as the slip prints it (session 16: nothing said)
    assert "override applied: rule same_proof overridden by li" in done.output, done.output


def test_the_same_wallet_number_typed_at_another_precision_is_refused(demo_dir, tmp_path, monkeypatch):
    """Newcomer 18, F10: the screenshot's own 交易单号 typed with the time to the minute gave duplicate no. 2."""
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "6a" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str, keep_default_na=False)
    sale = journal[(journal["wallet_txn_id"] != "") & (journal["status"] == "approved")].iloc[0]
    ts = pd.Timestamp(sale["ts"])
    amount = f"{int(sale['amount_minor']) // 100}.{int(sale['amount_minor']) % 100:02d}"
    common = ["--wallet-txn", sale["wallet_txn_id"], "--amount", amount, "--currency", sale["currency"]]
    common += ["--tz", str(ts.tz), "--journal", str(tmp_path / "journal.csv"), "--operator", "li"]
    common += ["--reason", "lost slip", "--audit", str(tmp_path / "audit.sqlite")]
    first = CliRunner().invoke(
        app,
        [
            "reprint",
            "--new-audit-log",
            *common,
            "--time",
            ts.strftime("%Y-%m-%d %H:%M:%S"),
            "--pdf",
            str(tmp_path / "d1.pdf"),
        ],
        terminal_width=200,
    )
    assert first.exit_code == 0 and "reprint 1 of" in first.output, first.output
    minute = ts.strftime("%Y-%m-%d %H:%M")
    again = CliRunner().invoke(
        app, ["reprint", *common, "--time", minute, "--pdf", str(tmp_path / "d2.pdf")], terminal_width=200
    )
    assert again.exit_code == 2 and "[same_proof]" in again.output, again.output
    assert not (tmp_path / "d2.pdf").exists()
