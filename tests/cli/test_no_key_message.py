"""Without a merchant key, each command says how to give one in options it really has.

``receiptkit verify`` said "set RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE, or pass a key file", but it has no
key-file option (``--key-file`` -> "No such option"); it has ``--public-key`` for a QR payload.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli import app


def _options(*path: str) -> set[str]:
    """The options the command at ``path`` (e.g. ``("audit", "verify")``) accepts."""
    command = typer.main.get_command(app)
    for name in path:
        found = command.get_command(None, name)  # type: ignore[attr-defined]  # a group's subcommand
        assert found is not None, name
        command = found
    return {option for param in command.params for option in param.opts if option.startswith("--")}


@pytest.fixture
def no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    rk.AuditLog("log.sqlite", key=rk.load_key("hex:" + "ab" * 32)).close()  # a log to open, then no key
    return tmp_path


@pytest.mark.parametrize(
    ("command", "args", "must_name"),
    [
        (("verify",), ["ABCDE-FGHJK"], {"--public-key"}),
        (("verify",), ["ABCDE-FGHJK", "--audit", "log.sqlite"], {"--public-key"}),
        (("audit", "verify"), ["--audit", "log.sqlite"], {"--key-file"}),
        (("key", "export-public"), ["merchant.pem"], {"--key-file"}),
        (("terminal", "list"), ["--audit", "log.sqlite"], set()),
    ],
)
def test_the_no_key_message_names_only_real_options(no_key, command, args, must_name):
    result = CliRunner().invoke(app, [*command, *args])
    assert result.exit_code == 2, (result.output, result.exception)
    line = result.output.strip()
    assert line.startswith("error: no verification key: set RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE"), line
    named = set(re.findall(r"--[a-z][a-z-]*", line))
    assert named <= _options(*command), f"{line} names options {command} does not have"
    assert must_name <= named, line
    assert "pass a key file" not in line


def test_reprint_without_a_key_names_the_environment_only(demo_dir, no_key):
    result = CliRunner().invoke(
        app,
        [
            "reprint",
            "--new-audit-log",
            "T00000003",
            "--journal",
            str(demo_dir / "journal.csv"),
            "--operator",
            "a",
            "--reason",
            "b",
            "--pdf",
            "dup.pdf",
        ],
    )
    assert result.exit_code == 2, (result.output, result.exception)
    line = result.output.strip()
    assert line == "error: no verification key: set RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE", line


def test_the_library_names_its_own_parameter(monkeypatch):
    from receiptkit.verification import load_key

    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    with pytest.raises(
        rk.VerificationKeyError, match=r"set RECEIPTKIT_KEY or RECEIPTKIT_KEY_FILE, or pass key="
    ):
        load_key()


def test_find_without_a_key_says_the_audit_log_needs_it_not_the_search(demo_dir, no_key):
    """Newcomer 19, G9: once the shop's log held a terminal register, ``find`` said only "no verification key",
    as if looking a sale up needed one. The register is read with the chain checked (its declared aliases)."""
    from receiptkit.terminals import Terminals

    register = Terminals("log.sqlite", key=rk.load_key("hex:" + "ab" * 32))
    register.add("13000002", operator="li")
    register.close_log()
    result = CliRunner().invoke(
        app,
        ["find", "--journal", str(demo_dir / "journal.csv"), "--amount", "15", "--currency", "HKD",
         "--time", "2026-11-01 18:30", "--audit", "log.sqlite"],
    )  # fmt: skip
    assert result.exit_code == 2, (result.output, result.exception)
    line = " ".join(result.output.split())
    assert line == (
        "error: log.sqlite: the audit log's terminal register (its declared merchant aliases) is read only with "
        "the log's chain checked, which needs the merchant key (no verification key): set RECEIPTKIT_KEY or "
        "RECEIPTKIT_KEY_FILE"
    ), line
