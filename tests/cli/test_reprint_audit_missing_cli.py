"""A mistyped ``reprint --audit PATH`` is refused, not silently a fresh log; ``verify`` names the log it checked.

Session 16: ``reprint --audit audti.sqlite`` created a new log without a word, so the duplicate was no. 1
and rule same_proof could not see the earlier ones; ``verify CODE`` said NOT GENUINE without naming the log,
also when there was no log at all, and said ``pass audit=`` (the library's words).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from receiptkit.cli import app


@pytest.fixture()
def counter(demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "6b" * 32)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copy(demo_dir / "journal.csv", tmp_path / "journal.csv")
    return tmp_path


def _sale(folder: Path) -> str:
    journal = pd.read_csv(folder / "journal.csv", dtype=str, keep_default_na=False)
    return str(journal[journal["status"] == "approved"].iloc[0]["txn_id"])


def _reprint(txn: str, pdf: str, *audit: str) -> str:
    if (
        not Path("receiptkit-audit.sqlite").exists()
        and "--audit" not in audit
        and "--new-audit-log" not in audit
    ):
        audit = (*audit, "--new-audit-log")
    args = ["reprint", txn, "--journal", "journal.csv", "--operator", "li", "--reason", "lost slip"]
    result = CliRunner().invoke(app, [*args, "--pdf", pdf, *audit], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_a_missing_log_is_refused_before_anything_is_printed(counter: Path) -> None:
    """Newcomer 18, F1: a mistyped --audit (or a run from another folder) started a new log and printed
    "reprint 1" again, bypassing same_proof and the cap; the note came after the slip. Now refused first."""
    txn = _sale(counter)
    args = ["reprint", txn, "--journal", "journal.csv", "--operator", "li", "--reason", "lost slip"]
    none = CliRunner().invoke(app, [*args, "--pdf", "d0.pdf"], terminal_width=200)
    text = " ".join(none.output.split())
    assert none.exit_code == 2, text
    assert "no audit log at receiptkit-audit.sqlite" in text and "--new-audit-log" in text, text
    assert not (counter / "d0.pdf").exists() and not (counter / "receiptkit-audit.sqlite").exists()
    first = _reprint(txn, "d1.pdf", "--new-audit-log")  # the first reprint ever starts the log, explicitly
    assert f"reprint 1 of {txn}" in first and "started a new audit log at receiptkit-audit.sqlite" in first, (
        first
    )
    second = _reprint(txn, "d2.pdf")
    assert "no audit log" not in second and f"reprint 2 of {txn}" in second, second
    typo = CliRunner().invoke(app, [*args, "--pdf", "d3.pdf", "--audit", "receiptkit-audti.sqlite"])
    text = " ".join(typo.output.split())
    assert typo.exit_code == 2, text
    assert "no audit log at receiptkit-audti.sqlite" in text, text
    assert "an audit log exists at receiptkit-audit.sqlite (the default, in this folder)" in text, text
    assert not (counter / "receiptkit-audti.sqlite").exists() and not (counter / "d3.pdf").exists()


def test_the_log_beside_the_journal_is_named_from_another_folder(counter: Path, monkeypatch) -> None:
    txn = _sale(counter)
    _reprint(txn, "d1.pdf", "--new-audit-log")
    elsewhere = counter / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    args = ["reprint", txn, "--journal", str(counter / "journal.csv"), "--operator", "li", "--reason", "r"]
    refused = CliRunner().invoke(app, [*args, "--pdf", "d2.pdf"], terminal_width=200)
    text = " ".join(refused.output.split())
    assert refused.exit_code == 2, text
    assert f"an audit log exists beside the journal: {counter / 'receiptkit-audit.sqlite'}" in text, text
    assert not (elsewhere / "receiptkit-audit.sqlite").exists() and not (elsewhere / "d2.pdf").exists()


def test_verify_names_the_log_it_checked(counter: Path) -> None:
    missing = CliRunner().invoke(app, ["verify", "ABCDE-FGHJK"], terminal_width=200)
    text = " ".join(missing.output.split())
    assert missing.exit_code == 2, text
    assert "NOT GENUINE" not in text and "audit=" not in text, text
    assert "no audit log at receiptkit-audit.sqlite" in text and "--audit" in text, text
    _reprint(_sale(counter), "d1.pdf")
    unknown = CliRunner().invoke(app, ["verify", "ABCDE-FGHJK"], terminal_width=200)
    text = " ".join(unknown.output.split())
    assert unknown.exit_code == 1, text
    assert "NOT GENUINE: no reprint in the audit log receiptkit-audit.sqlite carries this code" in text, text


def test_a_refusal_does_not_repeat_the_transaction_as_an_unexplained_value(counter: Path) -> None:
    """Refusals ended with "(value 'T00002798')", the transaction the message had named already."""
    txn = _sale(counter)
    _reprint(txn, "d1.pdf")
    args = ["reprint", txn, "--journal", "journal.csv", "--operator", "li", "--reason", "lost slip"]
    refused = CliRunner().invoke(app, [*args, "--pdf", "d2.pdf", "--cap", "1"], terminal_width=200)
    text = " ".join(refused.output.split())
    assert refused.exit_code == 2, text
    assert f"[reprint_cap] transaction {txn} has been reprinted 1 time(s); the cap is 1" in text, text
    assert "(value" not in text, text


def test_an_override_of_a_rule_that_did_not_refuse_is_said(counter: Path) -> None:
    txn = _sale(counter)
    said = _reprint(txn, "d1.pdf", "--override", "same_proof")
    assert (
        "note: --override same_proof: the rule did not refuse this reprint; nothing was overridden" in said
    ), said
    assert "override applied" not in said


def test_audit_list_shows_the_rule_of_a_refused_row(counter: Path) -> None:
    """Session 16: `audit list` showed a refused row with no rule: which control refused it was not said."""
    txn = _sale(counter)
    _reprint(txn, "d1.pdf")
    args = ["reprint", txn, "--journal", "journal.csv", "--operator", "li", "--reason", "lost slip"]
    assert CliRunner().invoke(app, [*args, "--pdf", "d2.pdf", "--cap", "1"]).exit_code == 2
    shown = CliRunner().invoke(app, ["audit", "list"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    # not a terminal: each row is a line and, under it, its reprint, code, how/rule and operator (G14.2)
    lines = shown.output.splitlines()
    at = next(i for i, line in enumerate(lines) if " refused " in line)
    assert "rule reprint_cap" in lines[at + 1], shown.output
