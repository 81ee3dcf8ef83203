"""``find`` says when the matched sale of a rebuilt journal has sources that disagree (newcomer 20, H9).

The acquirer logged 1288.00 and the terminal 128.80 for one RRN: ``merge_journals`` keeps both, marked with one
conflict id. Either amount the customer named was MATCHED 99.9 % with no word of the other version, and the
``reprint with:`` line offered a reprint that ``reprint`` refuses (rule ``source_conflict``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.cli import app

KEY = "hex:" + "6e" * 32
HEAD = "txn_id,merchant_id,merchant_name,terminal_id,ts,amount_minor,currency,txn_type,status,channel,card_last4,rrn\n"


@pytest.fixture
def rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    acquirer = HEAD + (
        "A1,898310058990001,老王面馆,31000007,2026-12-07T12:05:11+08:00,12850,CNY,sale,approved,card,3344,734100000001\n"
        "A3,898310058990001,老王面馆,31000007,2026-12-07T18:22:45+08:00,128800,CNY,sale,approved,card,1234,734100000003\n"
    )
    terminal = HEAD + (
        "T1,898310058990001,老王面馆,31000007,2026-12-07T12:05:11+08:00,12850,CNY,sale,approved,card,3344,734100000001\n"
        "T3,898310058990001,老王面馆,31000007,2026-12-07T18:22:15+08:00,12880,CNY,sale,approved,card,1234,734100000003\n"
    )
    (tmp_path / "acq.csv").write_text(acquirer, encoding="utf-8")
    (tmp_path / "term.csv").write_text(terminal, encoding="utf-8")
    merged = rk.merge_journals(
        [rk.read_journal("acq.csv"), rk.read_journal("term.csv")], sources=["acquirer", "terminal"]
    )
    assert len(merged.conflicts) == 1
    merged.journal.to_csv("rebuilt.csv", index=False)
    return tmp_path


def _find(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(
        app, ["find", "--journal", "rebuilt.csv", "--no-cache", *args], terminal_width=250
    )
    return out.exit_code, out.output


@pytest.mark.parametrize("amount", ["128.8", "1288"])
def test_either_version_names_the_other(rebuilt: Path, amount: str) -> None:
    code, out = _find("--amount", amount, "--time", "2026-12-07 18:22", "--last4", "1234")
    assert code == 0 and "MATCHED" in out, out
    text = " ".join(out.split())
    assert "CONFLICT C1: the sources of this rebuilt journal disagree on this sale" in text, out
    assert "acquirer says 1288.00 CNY at 2026-12-07 18:22:45" in text
    assert "terminal says 128.80 CNY at 2026-12-07 18:22:15" in text
    assert "rule source_conflict" in text
    assert "(refused as it is: rule source_conflict, above)" in text


def test_a_sale_the_sources_agree_on_says_nothing(rebuilt: Path) -> None:
    code, out = _find("--amount", "128.5", "--time", "2026-12-07 12:05", "--last4", "3344")
    assert code == 0, out
    assert "CONFLICT" not in out and "MATCHED" in out


def test_the_line_agrees_with_reprint(rebuilt: Path) -> None:
    journal = pd.read_csv("rebuilt.csv", dtype=str)
    conflicted = journal.loc[journal["merge_conflict"].notna(), "txn_id"].tolist()
    assert len(conflicted) == 2
    done = CliRunner().invoke(
        app,
        ["reprint", conflicted[0], "--journal", "rebuilt.csv", "--operator", "li", "--reason", "x", "--pdf", "d.pdf",
         "--new-audit-log"],
    )  # fmt: skip
    assert done.exit_code == 2 and "source_conflict" in done.output
