"""`receiptkit audit verify` checks the chain, the terminal register, and lists backdated events."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app
from receiptkit.terminals import Terminals
from receiptkit.terminals.register import REGISTER_TABLE

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merchant key in the environment, as at a counter: the audit log is keyed with it."""
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "3c" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _register(path: Path) -> None:
    clock = Clock(dt.datetime(2026, 11, 20, 15, 0, tzinfo=CST))
    with Terminals(path, clock=clock) as register:
        register.add("12345678", operator="li", since=dt.datetime(2026, 1, 5, 9, 0, tzinfo=CST))
        clock.now = dt.datetime(2026, 11, 20, 16, 0, tzinfo=CST)
        register.log.record("note", subject="T1", details={"n": 1}, operator="wang")
        clock.now = dt.datetime(2026, 11, 20, 17, 0, tzinfo=CST)
        # reported at 17:00 as lost since 09:00: reaches back over the 16:00 row
        register.report_lost("12345678", at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=CST), operator="li")


def test_intact_log_with_a_backdated_loss_is_a_warning_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    _register(path)
    result = CliRunner().invoke(app, ["audit", "verify", "--audit", str(path)])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 3 rows" in result.output
    assert "backdated: row 3 (terminal_status 12345678)" in result.output
    assert "terminal register agrees with the log" in result.output


def test_a_loss_time_edited_in_the_register_table_fails_audit_verify(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    _register(path)
    with sqlite3.connect(path) as db:
        db.execute(f"UPDATE {REGISTER_TABLE} SET cutoff_at = '2026-11-20T07:00:00.000000+00:00'")
    result = CliRunner().invoke(app, ["audit", "verify", "--audit", str(path)])
    assert result.exit_code == 1
    assert "terminal register TAMPERED" in result.output and "cutoff_at" in result.output


def test_a_backdated_lag_is_shown_in_whole_seconds(tmp_path: Path) -> None:
    """A loss reported with the counter's real clock said 'written 17 days 06:00:39.485198 after the time it
    claims' (audit verify) and '... 06:00:39.485198 later' (terminal verify): seconds are what matters."""
    path = tmp_path / "audit.sqlite"
    clock = Clock(dt.datetime(2026, 11, 20, 15, 0, tzinfo=CST))
    with Terminals(path, clock=clock) as register:
        register.add("12345678", operator="li", since=dt.datetime(2026, 1, 5, 9, 0, tzinfo=CST))
        clock.now = dt.datetime(2026, 11, 20, 17, 0, 39, 485198, tzinfo=CST)
        register.report_lost("12345678", at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=CST), operator="li")
    audit = CliRunner().invoke(app, ["audit", "verify", "--audit", str(path)])
    assert audit.exit_code == 0, audit.output
    assert "written 0 days 08:00:39 after the time it claims" in audit.output, audit.output
    terminal = CliRunner().invoke(app, ["terminal", "verify", "--audit", str(path)])
    assert "written 0 days 08:00:39 later" in terminal.output, terminal.output
    assert ".485198" not in audit.output + terminal.output


def test_an_export_is_never_written_over_an_input_or_into_a_missing_folder(tmp_path: Path) -> None:
    """`terminal activity --journal j.csv --out j.csv` wrote the list over the journal; `audit list --out` and
    `activity --out` into a folder that does not exist failed late or not at all: refused first (exit 2)."""
    log = tmp_path / "audit.sqlite"
    _register(log)
    journal = tmp_path / "j.csv"
    journal.write_text("txn_id,ts\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "terminal",
            "activity",
            "12345678",
            "--journal",
            str(journal),
            "--out",
            str(journal),
            "--audit",
            str(log),
        ],
    )
    assert done.exit_code == 2, done.output
    assert "--out" in done.output and "nothing is ever written over it" in " ".join(done.output.split())
    assert journal.read_text(encoding="utf-8") == "txn_id,ts\n"
    for args in (
        [
            "terminal",
            "activity",
            "12345678",
            "--journal",
            str(journal),
            "--out",
            str(tmp_path / "no" / "a.csv"),
        ],
        ["audit", "list", "--out", str(tmp_path / "no" / "a.csv")],
    ):
        done = runner.invoke(app, [*args, "--audit", str(log)])
        assert done.exit_code == 2, done.output
        assert "no such folder" in " ".join(done.output.split())
    kept = tmp_path / "audit-list.csv"
    done = runner.invoke(app, ["audit", "list", "--out", str(kept), "--audit", str(log)])
    assert done.exit_code == 0 and kept.exists(), done.output
