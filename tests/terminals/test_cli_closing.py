"""``receiptkit close-terminal`` and ``receiptkit verify-pack`` end to end, as real subprocesses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from receiptkit.audit import AuditLog
from receiptkit.terminals import Terminals

KEY = "hex:" + "5a" * 32
TID = "12345678"


def _run(*args: str, cwd: Path, key: str | None = KEY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RECEIPTKIT_KEY", "RECEIPTKIT_KEY_FILE")}
    env.update(COLUMNS="200", PYTHONIOENCODING="utf-8")
    if key is not None:
        env["RECEIPTKIT_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "receiptkit.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        cwd=cwd,
        env=env,
    )


def test_close_terminal_and_verify_pack(fixtures, tmp_path):
    folder = fixtures / "settlement"
    audit = tmp_path / "audit.sqlite"
    register = Terminals(audit, key=KEY)
    register.add(TID, operator="li", merchant_id="898310048161234")
    register.close_log()
    common = [
        "close-terminal",
        TID,
        "--journal",
        str(folder / "journal_12345678.csv"),
        "--settlement",
        str(folder / "unionpay_settlement_gbk.csv"),
        "--payouts",
        str(folder / "payouts_cmb_debit.csv"),
        "--out",
        "pack",
        "--audit",
        str(audit),
        "--operator",
        "li",
        "--at",
        "2026-11-20T12:00:00+08:00",
    ]

    refused = _run(*common, cwd=tmp_path)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert (
        "refused" in refused.stderr
        and "preauth_open" in refused.stderr
        and "batch_not_settled" in refused.stderr
    )
    assert not (tmp_path / "pack").exists()

    no_key = _run(*common, "--force", "--reason", "contract ended", cwd=tmp_path, key=None)
    assert no_key.returncode == 2 and "RECEIPTKIT_KEY" in no_key.stderr
    assert not (tmp_path / "pack").exists()

    done = _run(*common, "--force", "--reason", "contract ended; device returned", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "13 vouchers" in done.stdout and "now closed in the register" in done.stdout
    assert "fee_difference" in done.stdout and "forced despite" in done.stdout
    with AuditLog(audit, key=KEY) as log:
        rows = log.rows()
    forced = rows[rows["event_type"] == "close_pack"].iloc[0]
    assert forced["status"] == "forced" and forced["operator"] == "li"
    assert json.loads(forced["details"])["reason"] == "contract ended; device returned"
    with Terminals(audit, key=KEY) as check:
        assert check.get(TID).status == "closed"

    intact = _run("verify-pack", "pack", cwd=tmp_path)
    assert intact.returncode == 0 and intact.stdout.startswith("INTACT") and TID in intact.stdout
    # the pack carries the log's signed head: the log must still extend it
    extended = _run("verify-pack", "pack", "--audit", str(audit), cwd=tmp_path)
    assert extended.returncode == 0 and "audit head: extended" in extended.stdout
    anchored = _run("audit", "verify", "--audit", str(audit), "--anchor", "pack", cwd=tmp_path)
    assert anchored.returncode == 0 and "1 anchor(s) extended" in anchored.stdout
    with sqlite3.connect(audit) as db:  # every row before the closing cut out of the log
        db.execute("delete from receiptkit_audit")
    cut = _run("verify-pack", "pack", "--audit", str(audit), cwd=tmp_path)
    assert cut.returncode == 1 and "does not verify against the pack's head: truncated" in cut.stdout

    target = tmp_path / "pack" / "settlement_lines.csv"
    data = bytearray(target.read_bytes())
    data[-3] ^= 0x20
    target.write_bytes(bytes(data))
    (tmp_path / "pack" / "vouchers.pdf").unlink()
    broken = _run("verify-pack", "pack", cwd=tmp_path)
    assert broken.returncode == 1 and broken.stdout.startswith("NOT INTACT")
    assert "changed: settlement_lines.csv" in broken.stdout and "missing: vouchers.pdf" in broken.stdout

    missing = _run("verify-pack", "no-such-folder", cwd=tmp_path)
    assert missing.returncode == 2 and "not a folder" in missing.stderr


def test_a_closing_time_written_day_or_month_first_is_refused(tmp_path):
    """pandas read --at "3/11/2026 18:00+08:00" as 11 March and "13/11/2026" as 13 November, silently."""
    from typer.testing import CliRunner

    from receiptkit.cli import app

    common = ["close-terminal", TID, "--journal", str(tmp_path / "j.csv"), "--out", str(tmp_path / "pack")]
    # also after the time, after a weekday, or with spaces, which the first guard (a leading d/m) let through
    for at in (
        "3/11/2026 18:00+08:00",
        "13/11/2026 18:00+08:00",
        "18:00+08:00 3/11/2026",
        "Tue 3/11/2026 18:00+08:00",
        "3 11 2026 18:00+08:00",
        "1800+08:00 3/11/2026",
        "260311 18:00+08:00",  # year, month and day of two digits each: pandas read 26 March 2011
        "261120T18:00+08:00",  # pandas: 26 November 2020
    ):
        result = CliRunner().invoke(
            app,
            [*common, "--operator", "li", "--audit", str(tmp_path / "audit.sqlite"), "--at", at],
            terminal_width=250,
        )
        assert result.exit_code == 2 and "year first" in result.output, result.output
        assert not (tmp_path / "pack").exists()


def test_names_and_text_from_the_data_are_printed_as_they_are(fixtures, tmp_path, monkeypatch):
    """The commands printed file names, reasons, operators and register text through rich markup: a file
    added to a pack as '[/]x.txt' (file ']x.txt' in folder '[') crashed verify-pack (exit 3 instead of NOT INTACT), and one named
    '[bold]extra' was listed as 'extra'; an operator '[admin]' showed as nothing in `audit list`."""
    import pandas as pd
    from typer.testing import CliRunner

    from receiptkit.cli import app
    from receiptkit.terminals.closing import close_terminal

    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    audit = tmp_path / "audit.sqlite"
    with Terminals(audit, key=KEY) as register:
        register.add(TID, operator="[admin]", merchant_id="898310048161234", model="PAX [A920]")
    close_terminal(
        TID,
        rk_journal(fixtures),
        out=tmp_path / "pack",
        key=KEY,
        audit=audit,
        operator="[admin]",
        force=True,
        reason="contract ended [/] device returned",
        now=pd.Timestamp("2026-11-20 12:00", tz="Asia/Shanghai"),
    )
    (tmp_path / "pack" / "[").mkdir()
    (tmp_path / "pack" / "[" / "]x.txt").write_text("x")  # listed by its path in the pack: "[/]x.txt"
    (tmp_path / "pack" / "[bold]extra.txt").write_text("x")
    runner = CliRunner()
    checked = runner.invoke(app, ["verify-pack", str(tmp_path / "pack")])
    assert checked.exit_code == 1, checked.output
    assert "added: [/]x.txt, [bold]extra.txt" in " ".join(checked.output.split())
    listed = runner.invoke(app, ["audit", "list", "--audit", str(audit)])
    assert listed.exit_code == 0 and "[admin]" in listed.output
    shown = runner.invoke(app, ["terminal", "show", TID, "--audit", str(audit)], env={"COLUMNS": "250"})
    assert shown.exit_code == 0 and "PAX [A920]" in shown.output and "[admin]" in shown.output
    assert "contract ended [/] device returned" in shown.output


def rk_journal(fixtures):
    import receiptkit as rk

    return rk.read_journal(fixtures / "settlement" / "journal_12345678.csv")
