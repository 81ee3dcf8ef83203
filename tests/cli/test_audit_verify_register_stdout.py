"""`receiptkit audit verify` never says "intact" on stdout when any part of the log is tampered.

Clean room 11 (observation): after an edit of the terminal register table, `audit verify` printed
`audit log intact: ...` on stdout and `terminal register TAMPERED: ...` on stderr (exit 1): a reader of stdout
alone (a cron mail of stdout) saw only "intact".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app

KEY = "hex:" + "7e" * 32


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    path = tmp_path / "audit.sqlite"
    added = CliRunner().invoke(
        app, ["terminal", "add", "12345678", "--operator", "li", "--audit", str(path), "--new-audit-log"]
    )
    assert added.exit_code == 0, added.output
    return path


def test_an_intact_log_and_register_say_intact(audit: Path) -> None:
    result = CliRunner().invoke(app, ["audit", "verify", "--audit", str(audit)])
    assert result.exit_code == 0
    assert result.stdout.startswith("audit log intact: ")
    assert "terminal register agrees with the log" in result.stdout


def test_a_tampered_register_is_tampered_on_stdout_too(audit: Path) -> None:
    with sqlite3.connect(audit) as db:
        assert db.execute("UPDATE receiptkit_terminals SET status = 'retired'").rowcount == 1
    result = CliRunner().invoke(app, ["audit", "verify", "--audit", str(audit)])
    assert result.exit_code == 1
    assert "audit log intact" not in result.stdout
    assert result.stdout.startswith("audit log TAMPERED: the terminal register disagrees with the log")
    assert "the chain itself checks out: 1 rows" in result.stdout  # what was checked and held is still said
    assert "terminal register TAMPERED: " in result.stderr and "status" in result.stderr
