"""`audit head --out`, `audit export` and `key export-public` never write over the key, the log or an input.

A newcomer's run of the README (session 16): `audit head --out $RECEIPTKIT_KEY_FILE` replaced the merchant
key with the head and exited 0; `audit export receiptkit-audit.sqlite` replaced the log itself (then `audit
verify` said TAMPERED); `key export-public FILE --force` replaced the secret key in use, the log and its head.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog
from receiptkit.cli import app

KEY_TEXT = "hex:" + "3c" * 32


@pytest.fixture()
def counter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A counter's folder: the key file named by RECEIPTKIT_KEY_FILE, a keyed log with one row, a journal."""
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    key = tmp_path / "merchant.key"
    key.write_text(KEY_TEXT + "\n")
    monkeypatch.setenv("RECEIPTKIT_KEY_FILE", str(key))
    monkeypatch.chdir(tmp_path)
    with AuditLog(str(tmp_path / "receiptkit-audit.sqlite"), key=KEY_TEXT) as log:
        log.record("note", subject="T1", details={"n": 1}, operator="li")
    (tmp_path / "journal.csv").write_text("txn_id,amount\nT1,1\n")
    return tmp_path


def _before(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize(
    "target", ["merchant.key", "receiptkit-audit.sqlite", "receiptkit-audit.sqlite.head"]
)
@pytest.mark.parametrize(
    "command",
    [
        ["audit", "head", "--out", "{target}", "--force"],
        ["audit", "export", "{target}", "--force"],
        ["key", "export-public", "{target}", "--force"],
    ],
)
def test_the_key_the_log_and_its_head_are_never_written_over(
    counter: Path, command: list[str], target: str
) -> None:
    before = _before(counter)
    result = CliRunner().invoke(app, [part.format(target=target) for part in command])
    assert result.exit_code == 2, result.output
    assert "nothing is ever written over it" in result.output, result.output
    assert _before(counter) == before
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "audit log intact: 1 rows" in verified.output, verified.output


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "head", "--out", "journal.csv"],
        ["audit", "export", "journal.jsonl"],
        ["key", "export-public", "journal.csv"],
    ],
)
def test_an_existing_file_needs_force(counter: Path, command: list[str]) -> None:
    existing = counter / command[-1]
    existing.write_text("txn_id,amount\nT1,1\n")
    before = _before(counter)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert f"{existing.name} exists; pass --force to replace it" in " ".join(result.output.split()), (
        result.output
    )
    assert _before(counter) == before
    forced = CliRunner().invoke(app, [*command, "--force"])
    assert forced.exit_code == 0, forced.output
    assert existing.read_bytes() != before[existing.name]


def test_a_new_file_is_written_without_force(counter: Path) -> None:
    for command in (["audit", "head", "--out", "h.json"], ["audit", "export", "b.jsonl"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
    assert (counter / "h.json").exists() and (counter / "b.jsonl").exists()


def test_a_log_that_cannot_be_read_beside_a_head_that_cannot_be_read_says_so_in_full(counter: Path) -> None:
    """`audit verify` once said "... and its signed head covers rows": no number, the sentence cut."""
    (counter / "receiptkit-audit.sqlite").write_bytes(b"not a database at all" * 100)
    (counter / "receiptkit-audit.sqlite.head").write_text("txn_id,amount\nT1,1\n")
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "covers rows" not in text, text
    assert "the signed head cannot be read" in text, text
