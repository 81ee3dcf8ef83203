"""Closing a terminal and adding one to the register refuse a missing audit log, as ``reprint`` does.

Session 19: ``close-terminal --audit audti.sqlite`` (a typo, or the command run from another folder)
created a new, empty log, recorded the closing there, sealed the pack with that log's head and said
``terminal ... is not in the register: not marked closed`` with exit 0: the shop's real register kept the
terminal active and its real log never heard of the closing. ``terminal add --audit TYPO`` started a second
register the same way. A refused closing (open items) also left the new log behind, although it promises
"nothing written". Now both refuse, before anything is read or written, unless a new log is asked for
(``--new-audit-log`` / ``new_audit_log=True``), as ``reprint`` has since session 18.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.audit import AuditLog
from receiptkit.cli import app
from receiptkit.errors import ClosingRefused, ReceiptkitError
from receiptkit.terminals import Terminals
from receiptkit.terminals.closing import close_terminal

KEY = "hex:" + "5a" * 32
TID = "12345678"
NOW = pd.Timestamp("2026-11-20 12:00", tz="Asia/Shanghai")


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def journal(fixtures: Path) -> pd.DataFrame:
    return rk.read_journal(fixtures / "settlement" / "journal_12345678.csv")


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_close_terminal_refuses_a_missing_log_and_writes_nothing(
    journal: pd.DataFrame, tmp_path: Path
) -> None:
    before = _files(tmp_path)
    typo = tmp_path / "audti.sqlite"
    with pytest.raises(ReceiptkitError) as info:
        close_terminal(
            TID, journal, out=tmp_path / "pack", key=KEY, audit=typo, force=True, reason="ended", now=NOW
        )
    text = str(info.value)
    assert "no audit log" in text and str(typo) in text and "new_audit_log=True" in text, text
    assert _files(tmp_path) == before  # no log, no head, no lock, no pack


def test_a_refused_closing_leaves_no_new_log_behind(journal: pd.DataFrame, tmp_path: Path) -> None:
    """Open items refuse the closing ("nothing written"): the log it would have created is not there either."""
    before = _files(tmp_path)
    with pytest.raises(ReceiptkitError) as info:
        close_terminal(TID, journal, out=tmp_path / "pack", key=KEY, audit=tmp_path / "new.sqlite", now=NOW)
    assert not isinstance(info.value, ClosingRefused)  # the log is checked first
    assert _files(tmp_path) == before


def test_close_terminal_starts_a_log_only_when_asked(journal: pd.DataFrame, tmp_path: Path) -> None:
    audit = tmp_path / "first.sqlite"
    pack = close_terminal(
        TID,
        journal,
        out=tmp_path / "pack",
        key=KEY,
        audit=audit,
        force=True,
        reason="ended",
        now=NOW,
        new_audit_log=True,
    )
    assert audit.is_file() and pack.audit_seq is not None
    with AuditLog(audit, create=False, key=KEY) as log:
        assert (log.rows()["event_type"] == "close_pack").sum() == 1
    # an existing log: the flag changes nothing (no second log, the closing is recorded in it)
    with AuditLog(audit, create=False, key=KEY) as log:
        assert log.verify().ok


def test_cli_close_terminal_refuses_a_mistyped_audit_and_names_the_log_in_this_folder(
    fixtures: Path, tmp_path: Path
) -> None:
    with Terminals(tmp_path / "receiptkit-audit.sqlite", key=KEY) as register:
        register.add(TID, operator="li", merchant_id="898310048161234")
    before = _files(tmp_path)
    journal = str(fixtures / "settlement" / "journal_12345678.csv")
    common = ["close-terminal", TID, "--journal", journal, "--out", "pack", "--operator", "li"]
    common += ["--force", "--reason", "contract ended", "--at", "2026-11-20T12:00:00+08:00"]
    result = CliRunner().invoke(app, [*common, "--audit", "audti.sqlite"], terminal_width=250)
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert "no audit log at audti.sqlite" in text, text
    assert "an audit log exists at receiptkit-audit.sqlite" in text and "--new-audit-log" in text, text
    assert _files(tmp_path) == before

    done = CliRunner().invoke(app, common, terminal_width=250)  # the default log, the shop's register
    assert done.exit_code == 0, done.output
    assert "now closed in the register" in done.output


def test_cli_close_terminal_new_audit_log(fixtures: Path, tmp_path: Path) -> None:
    journal = str(fixtures / "settlement" / "journal_12345678.csv")
    common = ["close-terminal", TID, "--journal", journal, "--out", "pack", "--operator", "li"]
    common += ["--force", "--reason", "contract ended", "--at", "2026-11-20T12:00:00+08:00"]
    result = CliRunner().invoke(app, [*common, "--new-audit-log"], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "receiptkit-audit.sqlite").is_file()
    assert "started a new audit log at receiptkit-audit.sqlite" in " ".join(result.output.split())


def test_cli_terminal_add_refuses_a_missing_log_unless_new_audit_log(tmp_path: Path) -> None:
    before = _files(tmp_path)
    args = ["terminal", "add", TID, "--operator", "li", "--merchant", "898310048161234"]
    refused = CliRunner().invoke(app, [*args, "--audit", "registr.sqlite"], terminal_width=250)
    text = " ".join(refused.output.split())
    assert refused.exit_code == 2, text
    assert "no audit log at registr.sqlite" in text and "--new-audit-log" in text, text
    assert _files(tmp_path) == before

    added = CliRunner().invoke(
        app, [*args, "--audit", "registr.sqlite", "--new-audit-log"], terminal_width=250
    )
    assert added.exit_code == 0, added.output
    assert "started a new audit log at registr.sqlite" in " ".join(added.output.split())
    again = CliRunner().invoke(
        app, ["terminal", "add", "87654321", "--operator", "li", "--audit", "registr.sqlite"]
    )
    assert again.exit_code == 0, again.output  # an existing log needs no flag
    with Terminals(tmp_path / "registr.sqlite", create=False, key=KEY) as register:
        assert {t for t in register.list()["terminal_id"]} == {TID, "87654321"}
