"""Every command's ``--audit`` takes the same forms: a SQLite file, ``sqlite:///FILE`` or a PostgreSQL URL.

Review 19 (task 1): ``reprint``, ``find``, ``verify``, ``close-terminal``, ``terminal ...``, ``reconcile`` and
``audit pending`` typed ``--audit`` as a ``Path``, and pathlib turns ``sqlite:///x`` into ``sqlite:/x``: the
command looked for a folder named ``sqlite:`` (``error: .../sqlite:/x: the audit log's folder does not
exist``) while the ``audit ...`` commands took the same URL. Now one option (``cli.app.audit_option``) reads
every ``--audit``; a URL written with one slash is refused naming the form that works.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app

KEY = "hex:" + "5a" * 32
TID = "12345678"
MID = "898310048161234"


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), terminal_width=250)
    return result.exit_code, " ".join(result.output.split())


def _every_command_on(audit: str, fixtures: Path) -> None:
    """A shop's day on the log at ``audit`` (a URL): every command that takes ``--audit`` reads or writes it."""
    journal = str(fixtures / "settlement" / "journal_12345678.csv")
    code, text = _run("terminal", "add", TID, "--operator", "li", "--merchant", MID, "--audit", audit)
    assert code == 2 and f"no audit log at {audit}" in text and "give --new-audit-log" in text, (
        text
    )  # as a file
    code, text = _run(
        "terminal", "add", TID, "--operator", "li", "--merchant", MID, "--audit", audit, "--new-audit-log"
    )
    assert code == 0, text
    code, text = _run("terminal", "list", "--audit", audit)
    assert code == 0 and TID in text, text

    code, text = _run(
        "reprint",
        "B1-1",
        "--journal",
        journal,
        "--operator",
        "li",
        "--reason",
        "lost slip",
        "--pdf",
        "dup.pdf",
    )  # no --audit: the default file, which does not exist here: refused
    assert code == 2 and "no audit log at receiptkit-audit.sqlite" in text, text
    code, text = _run(
        "reprint",
        "B1-1",
        "--journal",
        journal,
        "--operator",
        "li",
        "--reason",
        "lost slip",
        "--pdf",
        "dup.pdf",
        "--audit",
        audit,
    )
    assert code == 0 and "reprint 1 of B1-1 done" in text, text
    short = text.split("verification code ", 1)[1][:11]

    code, text = _run(
        "find",
        "--journal",
        journal,
        "--amount",
        "100.00",
        "--time",
        "2026-11-02 09:15",
        "--last4",
        "0123",
        "--tz",
        "Asia/Shanghai",
        "--no-cache",
        "--audit",
        audit,
    )
    assert code == 0 and "1 duplicate of B1-1 printed, the last no. 1" in text, text  # the one above, shown
    assert f"--audit {audit}" in text, text  # the `reprint with:` line repeats it as given

    code, text = _run("verify", short, "--audit", audit)
    assert code == 0 and text.startswith("GENUINE") and "txn B1-1" in text, text
    code, text = _run("audit", "pending", "--audit", audit)
    assert code == 0 and "no unfinished reprints" in text, text

    code, text = _run(
        "close-terminal",
        TID,
        "--journal",
        journal,
        "--out",
        "pack",
        "--operator",
        "li",
        "--force",
        "--reason",
        "contract ended",
        "--at",
        "2026-11-20T12:00:00+08:00",
        "--audit",
        audit,
    )
    assert code == 0 and "now closed in the register" in text, text
    code, text = _run("verify-pack", "pack", "--audit", audit)
    assert code == 0, text
    code, text = _run("terminal", "show", TID, "--audit", audit)
    assert code == 0 and "closed" in text, text
    code, text = _run("terminal", "verify", "--audit", audit)
    assert code == 0, text
    code, text = _run("audit", "verify", "--audit", audit)
    assert code == 0, text
    assert not Path("sqlite:").exists()  # never a folder named after the URL's scheme


def test_every_audit_option_takes_a_sqlite_url(fixtures: Path, tmp_path: Path) -> None:
    _every_command_on("sqlite:///shop.sqlite", fixtures)
    assert (tmp_path / "shop.sqlite").is_file() and (tmp_path / "shop.sqlite.head").is_file()


def test_every_audit_option_takes_an_absolute_sqlite_url(fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    _every_command_on(f"sqlite:///{tmp_path / 'logs' / 'shop.sqlite'}", fixtures)  # four slashes
    assert (tmp_path / "logs" / "shop.sqlite").is_file()


def test_every_audit_option_takes_a_postgresql_url(fixtures: Path, postgres_url: str) -> None:
    _every_command_on(postgres_url, fixtures)


@pytest.mark.parametrize(
    "command",
    [
        ["reprint", "B1-1", "--journal", "j.csv", "--operator", "li", "--reason", "r", "--pdf", "d.pdf"],
        ["find", "--journal", "j.csv", "--amount", "1.00"],
        ["verify", "AAAAA-BBBBB"],
        ["close-terminal", TID, "--journal", "j.csv", "--out", "pack"],
        ["terminal", "list"],
        ["audit", "list"],
        ["audit", "pending"],
        ["reconcile", "--journal", "j.csv", "--proofs", "p.csv"],
    ],
)
def test_a_url_with_one_slash_is_refused_naming_the_form_that_works(command: list[str]) -> None:
    code, text = _run(*command, "--audit", "sqlite:/shop.sqlite")
    assert code == 2, text
    assert "'sqlite:/shop.sqlite' is neither a file nor a URL" in text, text
    assert "sqlite:///FILE" in text, text
