"""``receiptkit audit confirm CODE --operator NAME``: the clerk's word for a duplicate the printer could not confirm.

FIELD-NOTES, "Whether a slip really printed": a printer without the process-ID response answers its status from
the buffer, even when it drops the job; the reprint stays UNCONFIRMED until a person who holds the slip says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog
from receiptkit.cli import app

KEY = "hex:" + "5a" * 32
JOURNAL = Path(__file__).resolve().parents[1] / "fixtures" / "slip" / "journal.csv"
TXN = "WX-0001"


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _cli(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, " ".join(done.output.split())


def _reprint(audit: Path, printer: str, *extra: str) -> tuple[int, str]:
    return _cli(
        "reprint", "--new-audit-log", TXN, "--journal", str(JOURNAL), "--tz", "Asia/Shanghai", "--operator", "clerk7",
        "--reason", "lost slip", "--audit", str(audit), "--printer-timeout", "0.8", "--printer", printer, *extra,
    )  # fmt: skip


def _statuses(audit: Path) -> list[str]:
    return AuditLog(str(audit), create=False).rows()["status"].tolist()


def _code(output: str) -> str:
    return output.split("verification code ", 1)[1][:11]


def test_check_the_printer_names_both_ways_and_confirm_closes_it(tmp_path, fake_printer):
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, fake_printer("drops_job").url, "--cap", "1")
    assert exit_code == 1, output
    code = _code(output)
    assert f"CHECK THE PRINTER: reprint 1 of {TXN} was sent but the printer did not confirm it" in output
    assert "the printer took all" in output and "reports no fault" in output
    assert (
        f"If the duplicate came out whole, record it: receiptkit audit confirm {code} --operator NAME"
        in output
    )
    assert (
        "If it did not, run the same command again" in output and "same number with the same code" in output
    )

    exit_code, listed = _cli("audit", "pending", "--audit", str(audit))
    assert (
        exit_code == 1
        and "UNCONFIRMED" in listed
        and f"receiptkit audit confirm {code} --operator NAME" in listed
    )

    exit_code, said = _cli(
        "audit",
        "confirm",
        code.lower(),
        "--operator",
        "wang",
        "--note",
        "slip in hand",
        "--audit",
        str(audit),
    )
    assert exit_code == 0, said
    assert f"reprint 1 of {TXN} (code {code}) confirmed as printed by wang: the operator's word" in said
    log = AuditLog(str(audit), create=False)
    rows = log.rows()
    assert rows["status"].tolist() == ["pending", "unconfirmed", "printed"]
    last = rows.iloc[-1]
    assert (last["how"], last["operator"], last["note"]) == ("operator", "wang", "slip in hand")
    assert json.loads(last["details"])["printer_how"] == "status"

    exit_code, listed = _cli("audit", "pending", "--audit", str(audit))
    assert exit_code == 0 and "no unfinished reprints" in listed
    exit_code, checked = _cli("audit", "verify", "--audit", str(audit))
    assert exit_code == 0 and "audit log intact: 3 rows" in checked
    exit_code, verified = _cli("verify", code, "--audit", str(audit))
    assert exit_code == 0 and "GENUINE" in verified and "not printed" not in verified

    # the next reprint is a second duplicate: the cap of 1 is used by the confirmed one
    exit_code, refused = _reprint(audit, fake_printer("ok").url, "--profile", "TM-T88V", "--cap", "1")
    assert exit_code == 2 and "[reprint_cap]" in refused
    assert _statuses(audit) == ["pending", "unconfirmed", "printed", "refused"]


def test_confirm_refusals_are_one_line_and_exit_2(tmp_path, fake_printer):
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, fake_printer("drops_job").url)
    code = _code(output)
    assert _cli("audit", "confirm", code, "--operator", "wang", "--audit", str(audit))[0] == 0
    before = _statuses(audit)

    for args, words in (
        ((code,), f"error: reprint 1 of {TXN} (code {code}) is already printed: nothing to confirm"),
        (("ABCDE-FGHJK",), "error: no reprint with code ABCDE-FGHJK in the audit log"),
        (("nonsense",), "error: not a short code"),
        ((code, "--operator", " "), "error: operator"),
    ):
        operator = () if "--operator" in args else ("--operator", "wang")
        exit_code, said = _cli("audit", "confirm", *args, *operator, "--audit", str(audit))
        assert exit_code == 2, said
        assert said.startswith(words), said
        assert "Traceback" not in said
    assert _statuses(audit) == before  # nothing written by a refusal


def test_confirm_refuses_a_failed_reprint(tmp_path):
    from fakeprinter import FakePrinter

    with FakePrinter() as gone:
        url = gone.url
    audit = tmp_path / "audit.sqlite"
    exit_code, output = _reprint(audit, url)
    assert exit_code == 2 and "cannot connect" in output
    (attempt,) = AuditLog(str(audit), create=False).unfinished()
    exit_code, said = _cli(
        "audit", "confirm", attempt.short_code, "--operator", "wang", "--audit", str(audit)
    )
    assert exit_code == 2
    assert f"error: reprint 1 of {TXN} (code {attempt.short_code}) failed: nothing was printed" in said
    assert _statuses(audit) == ["pending", "failed"]


def test_confirm_without_a_log_is_refused(tmp_path):
    exit_code, said = _cli(
        "audit", "confirm", "ABCDE-FGHJK", "--operator", "wang", "--audit", str(tmp_path / "none.sqlite")
    )
    assert exit_code == 2 and said.startswith("error:") and not (tmp_path / "none.sqlite").exists()
