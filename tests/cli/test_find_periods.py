"""``find`` says the window a period of the day was searched over, and what the clerk typed."""

from __future__ import annotations


def test_find_shows_the_window_searched_and_what_was_typed(demo_dir):
    from typer.testing import CliRunner

    from receiptkit.cli import app

    args = ["find", "--journal", str(demo_dir / "journal.csv"), "--amount", "58.40", "--currency", "CNY"]
    done = CliRunner().invoke(app, [*args, "--time", "2026-11-05 上午", "--no-cache"], terminal_width=200)
    assert "2026-11-05 00:00 to 2026-11-05 12:00 (hour, as typed: 2026-11-05 上午)" in done.output, (
        done.output
    )
