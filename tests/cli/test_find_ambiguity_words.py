"""``receiptkit find``'s ambiguity text never contradicts itself (issue #17 item 7).

A clerk saw "AMBIGUOUS: 5 candidates fit the evidence" followed by "(7 more candidates; --top to show
them)", and with ``--top 20`` sales of the 14th and 16th whose why read "amount and time" although the
18th was typed.
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


def _find(journal: str, *extra: str) -> str:
    args = ["find", "--journal", journal, "--amount", "368.00", "--time", "2026-11-18", "--no-cache", *extra]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "100"})  # narrow: one block per candidate
    assert result.exit_code == 1, (result.output, result.exception)
    return result.output


def test_the_count_and_the_more_line_agree(journal):
    out = _find(journal)
    fit = int(re.search(r"AMBIGUOUS: (\d+) candidates fit the evidence", out)[1])  # type: ignore[index]
    shown = len(re.findall(r"^\d+\.\d%  T\d+", out, re.M))
    more = re.search(r"\((\d+) more candidates; --top (\d+) shows them\)", out)
    assert more, out
    assert shown == 5 and fit == shown + int(more[1]) == int(more[2]) == 12, out


def test_rows_off_the_typed_day_say_how_far_not_time(journal):
    out = _find(journal, "--top", "20")
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
