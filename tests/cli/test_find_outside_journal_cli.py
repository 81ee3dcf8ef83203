"""``receiptkit find`` shows the library's hint when the time given lies outside the journal's period."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from receiptkit.cli import app


def _find(demo_dir, *extra: str) -> str:
    args = [
        "find",
        "--journal",
        str(demo_dir / "journal.csv"),
        "--amount",
        "1.00",
        "--currency",
        "CNY",
        "--no-cache",
        *extra,
    ]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 1, (result.output, result.exception)
    return result.output


def test_a_shanghai_reading_of_3_11_points_outside_the_november_journal(demo_dir):
    out = _find(demo_dir, "--time", "3/11 14:14")  # month first in Asia/Shanghai: 11 March
    line = next(line for line in out.splitlines() if line.startswith("UNMATCHED"))
    assert re.fullmatch(
        r"UNMATCHED: no approved payment of 1\.00 CNY in the window; the journal covers 2026-11-\d\d to "
        r"2026-1[12]-\d\d; the time given \(\d{4}-03-11\) is before it",
        line.strip(),
    ), out


def test_the_hong_kong_reading_is_inside_it_and_has_no_hint(demo_dir):
    out = _find(demo_dir, "--time", "3/11 14:14", "--tz", "Asia/Hong_Kong")  # day first: 3 November
    assert "UNMATCHED" in out and "journal covers" not in out, out
