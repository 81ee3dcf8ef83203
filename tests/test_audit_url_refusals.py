"""A refused audit-log URL leaves nothing behind, and a log in memory is refused.

Session 19: ``AuditLog("sqlite:///audti.sqlite", create=False)`` (a mistyped URL given to ``reprint``,
``find``, ``audit confirm``, ``verify-pack --audit`` ...) was refused ("no audit table") but SQLite had
created an empty ``audti.sqlite`` on connecting: the refusal left a file behind, which the next command given
the same path then took for an existing (if empty) database. ``sqlite://`` (SQLite in memory) opened a log that
kept nothing: every reprint written to it was "reprint 1", and no row outlived the process.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog, missing_log
from receiptkit.cli import app
from receiptkit.errors import AuditError
from receiptkit.reprinting import reprint
from receiptkit.schema import validate_journal
from receiptkit.terminals import Terminals

KEY = "hex:" + "3f" * 32


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///audti.sqlite",  # relative, as typed at the counter
        "sqlite+pysqlite:///audti.sqlite",
        "ABSOLUTE",
    ],
)
def test_a_missing_sqlite_url_is_refused_without_creating_a_file(tmp_path: Path, url: str) -> None:
    if url == "ABSOLUTE":
        url = f"sqlite:///{tmp_path / 'audti.sqlite'}"
    with pytest.raises(AuditError) as caught:
        AuditLog(url, create=False, key=KEY)
    assert missing_log(caught.value), caught.value  # the writers' "no audit log here ... new_audit_log" words
    assert "audti.sqlite" in str(caught.value)
    assert _files(tmp_path) == set()


def test_a_url_to_an_existing_log_still_opens(tmp_path: Path) -> None:
    AuditLog(tmp_path / "a.sqlite", key=KEY).close()
    with AuditLog("sqlite:///a.sqlite", create=False, key=KEY) as log:
        assert log.verify().ok


def test_reprint_to_a_mistyped_url_leaves_nothing(tmp_path: Path) -> None:
    row = validate_journal(
        pd.DataFrame(
            [
                {
                    "txn_id": "A",
                    "merchant_id": "898310058120001",
                    "merchant_name": "瑞幸咖啡(国贸店)",
                    "terminal_id": "10000001",
                    "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
                    "amount_minor": 12850,
                    "currency": "CNY",
                    "txn_type": "sale",
                    "status": "approved",
                    "channel": "card",
                    "card_last4": "4821",
                }
            ]
        )
    ).iloc[0]
    with pytest.raises(AuditError) as caught:
        reprint(row, operator="li", reason="lost", pdf=tmp_path / "d.pdf", audit="sqlite:///audti.sqlite")
    assert "no audit log here" in str(caught.value) and "new_audit_log=True" in str(caught.value)
    assert _files(tmp_path) == set()


def test_cli_commands_given_a_mistyped_url_leave_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (
        ["audit", "confirm", "ABCDE-FGHJK", "--operator", "li", "--audit", "sqlite:///audti.sqlite"],
        ["audit", "list", "--audit", "sqlite:///audti.sqlite"],
        ["audit", "verify", "--audit", "sqlite:///audti.sqlite"],
    ):
        result = runner.invoke(app, args, terminal_width=200)
        assert result.exit_code == 2, (args, result.output)
        assert "audti.sqlite" in result.output, result.output
        assert _files(tmp_path) == set(), args


def test_the_register_given_a_mistyped_url_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(AuditError):
        Terminals("sqlite:///audti.sqlite", create=False, key=KEY)
    assert _files(tmp_path) == set()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite://"])
def test_a_log_in_memory_is_refused(url: str, tmp_path: Path) -> None:
    """A log that keeps nothing: its reprints were all "reprint 1" and no row outlived the process."""
    with pytest.raises(AuditError) as caught:
        AuditLog(url, key=KEY)
    assert "memory" in str(caught.value) and "file" in str(caught.value), caught.value
    assert _files(tmp_path) == set()
