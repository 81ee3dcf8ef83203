"""Every command turns an unexpected exception into one line (exit 3), a traceback only with --debug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# A journal reader that fails like a bug would: the command itself has no handler for it.
_BOOM = (
    "import sys, receiptkit\n"
    "def boom(*args, **kwargs):\n"
    "    raise ZeroDivisionError('simulated bug')\n"
    "receiptkit.read_journal = boom\n"
    "sys.argv = ['receiptkit', *sys.argv[1:]]\n"
    "from receiptkit.cli import main\n"
    "main()\n"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _BOOM, *args], capture_output=True, text=True, encoding="utf-8", timeout=120
    )


def test_a_bug_is_one_line_and_exit_3(tmp_path: Path) -> None:
    journal = tmp_path / "journal.csv"
    journal.write_text("x\n", encoding="utf-8")
    done = _run("find", "--journal", str(journal), "--amount", "25.00")
    assert done.returncode == 3
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "internal error (ZeroDivisionError: simulated bug)" in lines[0]
    assert "--debug" in lines[0] and "Traceback" not in done.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    journal = tmp_path / "journal.csv"
    journal.write_text("x\n", encoding="utf-8")
    done = _run("--debug", "find", "--journal", str(journal), "--amount", "25.00")
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "ZeroDivisionError: simulated bug" in done.stderr


def test_dayfirst_and_monthfirst_together_are_refused_with_exit_2(tmp_path: Path) -> None:
    """Both flags were accepted and the last one won: '3/11' read as whichever came last, silently."""
    from typer.testing import CliRunner

    from receiptkit.cli import app

    journal = tmp_path / "journal.csv"
    journal.write_text("x\n", encoding="utf-8")
    for order in (["--dayfirst", "--monthfirst"], ["--monthfirst", "--dayfirst"]):
        args = ["find", "--journal", str(journal), "--amount", "25.00", "--time", "3/11 14:00", *order]
        done = CliRunner().invoke(app, args)
        assert done.exit_code == 2, done.output
        assert "--dayfirst and --monthfirst" in done.output and "give one" in done.output
    real = _run("terminal", "report-lost", "11000001", "--monthfirst", "--since", "3/11", "--dayfirst")
    assert real.returncode == 2 and real.stderr.startswith("error: --dayfirst and --monthfirst"), real.stderr
    assert "Traceback" not in real.stderr
