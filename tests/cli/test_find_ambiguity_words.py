"""``receiptkit find``'s ambiguity text never contradicts itself (issue #17 item 7).

A clerk saw "AMBIGUOUS: 5 candidates fit the evidence" followed by "(7 more candidates; --top to show
them)", and with ``--top 20`` sales of the 14th and 16th whose why read "amount and time" although the
18th was typed.

Since session 14 a day typed at the counter (``--time 2026-11-18``) is the day of the payment and ranks that
day's five sales only; a statement line given with ``--proof`` is dated by its posting date and still reaches
back, so the words off the day are checked on one.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from receiptkit.cli import app
from receiptkit.demo import run_demo


@pytest.fixture(scope="module")
def journal(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("demo-words")
    run_demo(folder, slips=0, lost_terminal=False)  # the README's demo: 368.00 on 2026-11-18
    return str(folder / "journal.csv")


@pytest.fixture(scope="module")
def statement(tmp_path_factory) -> str:
    """A bank line of 368.00 posted on 2026-11-18 (no 交易日), as a canonical proofs CSV."""
    path = tmp_path_factory.mktemp("statement") / "statement.csv"
    path.write_text(
        "proof_id,kind,date,ts_precision,amount_minor,currency,direction\n"
        "S1,bank_statement,2026-11-18,day,36800,CNY,debit\n",
        encoding="utf-8",
    )
    return str(path)


def _find(journal: str, *extra: str) -> str:
    evidence = (
        list(extra)
        if "--proof" in extra
        else ["--amount", "368.00", "--currency", "CNY", "--time", "2026-11-18", *extra]
    )
    args = ["find", "--journal", journal, "--no-cache", *evidence]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "100"})  # narrow: one block per candidate
    assert result.exit_code == 1, (result.output, result.exception)
    return result.output


def test_the_count_and_the_more_line_agree(journal, statement):
    out = _find(journal, "--proof", statement)
    fit = int(re.search(r"AMBIGUOUS: (\d+) candidates fit the evidence", out)[1])  # type: ignore[index]
    shown = len(re.findall(r"^\d+\.\d%  T\d+", out, re.M))
    more = re.search(r"\((\d+) more candidates; --top (\d+) shows them\)", out)
    assert more, out
    assert shown == 5 and fit == shown + int(more[1]) == int(more[2]) == 12, out


def test_the_counters_day_and_the_more_line_agree(journal):
    out = _find(journal, "--top", "3")
    fit = int(re.search(r"AMBIGUOUS: (\d+) candidates fit the evidence", out)[1])  # type: ignore[index]
    more = re.search(r"\((\d+) more candidates; --top (\d+) shows them\)", out)
    assert more, out
    assert fit == 3 + int(more[1]) == int(more[2]) == 5, out
    assert set(re.findall(r"^\d+\.\d%  T\d+  (2026-11-\d\d)", out, re.M)) == {"2026-11-18"}, out


def test_rows_off_the_posting_day_say_how_far_not_time(journal, statement):
    out = _find(journal, "--proof", statement, "--top", "20")
    assert "more candidate" not in out
    rows = re.findall(
        r"^\d+\.\d%  T\d+  (2026-11-\d\d) [\d:]+.*?\n(?:    merchant: .*\n)?    why: (.*)$", out, re.M
    )
    assert len(rows) == 12, out
    for day, why in rows:
        off = 18 - int(day[-2:])
        if off == 0:
            assert why == "amount and time"
        else:
            assert why == f"amount; {off} day{'s' if off > 1 else ''} before the day given", (day, why)
