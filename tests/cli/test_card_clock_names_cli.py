"""``reconcile`` says when a terminal's card sales cannot have a clock of their own, and ``find`` refuses a learned
file whose card sales' clock the journal reads as another terminal's offset (tests/matching/test_card_clock_names.py)."""

from __future__ import annotations

from pathlib import Path

from tests.matching.test_card_clock import UTC_CLOCK, _aggregator
from tests.matching.test_card_clock_names import _both
from typer.testing import CliRunner

from receiptkit.cli import app


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), terminal_width=200)


def test_reconcile_names_the_terminal_kept_on_one_clock(tmp_path: Path) -> None:
    j, batch, _ = _both(0)
    j.to_csv(tmp_path / "journal.csv", index=False)
    batch.to_csv(tmp_path / "proofs.csv", index=False)
    done = _invoke(
        "reconcile", "--journal", str(tmp_path / "journal.csv"), "--proofs", str(tmp_path / "proofs.csv")
    )
    assert done.exit_code == 0, done.output
    assert (
        "card sales kept on their terminal's one clock: T1 (terminal T1 card bears that name)" in done.output
    )
    assert "terminal clocks off by a minute or more: T1 card +20 min" in done.output  # the terminal so named


def test_find_refuses_a_card_clock_the_journal_reads_as_a_terminal(tmp_path: Path) -> None:
    j, batch, _ = _aggregator(UTC_CLOCK)  # the month: T1's card sales on UTC, no terminal named "T1 card"
    j.to_csv(tmp_path / "journal.csv", index=False)
    batch.to_csv(tmp_path / "proofs.csv", index=False)
    month = _invoke(
        "reconcile", "--journal", str(tmp_path / "journal.csv"), "--proofs", str(tmp_path / "proofs.csv")
    )
    assert month.exit_code == 0, month.output
    # named as T1's card sales, never as a terminal "T1 card"
    assert "terminal clocks off by a minute or more: T1's card sales -7 h 59 min" in month.output
    assert "clock offsets T1's card sales -28785 s" in month.output
    grown, _, _ = _both(UTC_CLOCK)  # the journal now has a terminal named "T1 card"
    grown.to_csv(tmp_path / "journal.csv", index=False)
    found = _invoke(
        "find",
        "--journal",
        str(tmp_path / "journal.csv"),
        "--amount",
        "51.07",
        "--time",
        "2026-11-20 12:03",
        "--last4",
        "3305",
    )
    assert found.exit_code != 0
    assert "journal.csv.receiptkit.json" in found.output and "'T1 card'" in found.output
    assert "terminal of that name" in found.output
