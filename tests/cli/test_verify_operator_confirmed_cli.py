"""``verify`` says when a duplicate's ``printed`` state is the operator's word, not the printer's.

Session 19: after ``receiptkit audit confirm CODE --operator wang`` (the printer could not confirm the job), ``verify
CODE`` said GENUINE with nothing more, exactly as for a duplicate the printer itself confirmed: the merchant checking a
slip could not tell that only a clerk vouched that it came out whole. Now the CLI says it, and the structured result
(:class:`receiptkit.verification.Verification`) carries ``printed_how`` and ``confirmed_by``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli import app

KEY = "hex:" + "5a" * 32
JOURNAL = Path(__file__).resolve().parents[1] / "fixtures" / "slip" / "journal.csv"
TXN = "WX-0001"


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _cli(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args), terminal_width=250)
    return done.exit_code, " ".join(done.output.split())


def _reprint(audit: Path, printer: str, *extra: str) -> tuple[int, str]:
    return _cli(
        "reprint", TXN, "--journal", str(JOURNAL), "--tz", "Asia/Shanghai", "--operator", "clerk7",
        "--reason", "lost slip", "--audit", str(audit), "--printer-timeout", "0.8", "--printer", printer, *extra,
    )  # fmt: skip


def _code(output: str) -> str:
    return output.split("verification code ", 1)[1][:11]


def test_verify_names_the_operator_who_confirmed_printing(tmp_path, fake_printer):
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, fake_printer("drops_job").url, "--new-audit-log")
    assert exit_code == 1, output  # CHECK THE PRINTER: unconfirmed
    code = _code(output)
    assert _cli("audit", "confirm", code, "--operator", "wang", "--audit", str(audit))[0] == 0

    answer = rk.verify(code, audit=str(audit))
    assert answer.genuine and answer.status == "printed"
    assert answer.printed_how == "operator" and answer.confirmed_by == "wang"

    exit_code, verified = _cli("verify", code, "--audit", str(audit))
    assert exit_code == 0 and verified.startswith("GENUINE"), verified
    assert "printing was confirmed by the operator wang, not by the printer" in verified, verified


def test_a_duplicate_the_printer_confirmed_says_nothing_of_an_operator(tmp_path, fake_printer):
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, fake_printer("ok").url, "--profile", "TM-T88V", "--new-audit-log")
    assert exit_code == 0, output
    code = _code(output)
    answer = rk.verify(code, audit=str(audit))
    assert answer.genuine and answer.status == "printed"
    assert answer.printed_how == "process_id" and answer.confirmed_by is None
    exit_code, verified = _cli("verify", code, "--audit", str(audit))
    assert exit_code == 0 and "operator" not in verified, verified


def test_an_unconfirmed_duplicate_has_no_confirmation(tmp_path, fake_printer):
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, fake_printer("drops_job").url, "--new-audit-log")
    assert exit_code == 1, output
    answer = rk.verify(_code(output), audit=str(audit))
    assert answer.status == "unconfirmed" and answer.confirmed_by is None and answer.printed_how is None
