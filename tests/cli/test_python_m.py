"""``python -m receiptkit`` runs the same command line as the ``receiptkit`` console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run_m(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "receiptkit", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
    )


def test_python_m_receiptkit_lists_the_commands(tmp_path: Path) -> None:
    """It failed: 'No module named receiptkit.__main__; 'receiptkit' is a package and cannot be directly executed'."""
    done = _run_m("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("find", "reprint", "reconcile", "verify", "demo"):
        assert command in done.stdout
    assert "Usage: python -m receiptkit" in done.stdout or "Usage: receiptkit" in done.stdout


def test_python_m_receiptkit_runs_a_command_with_its_exit_codes(tmp_path: Path, demo_dir: Path) -> None:
    """The same app: a command runs (exit 1, no single match) and a missing file is exit 2, one line."""
    journal = str(demo_dir / "journal.csv")
    done = _run_m(
        "find",
        "--journal",
        journal,
        "--amount",
        "0.01",
        "--currency",
        "CNY",
        "--time",
        "2026-11-18 08:11",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert "UNMATCHED" in done.stdout or "AMBIGUOUS" in done.stdout
    missing = _run_m(
        "find",
        "--journal",
        str(tmp_path / "nope.csv"),
        "--amount",
        "1.00",
        "--time",
        "2026-11-18",
        cwd=tmp_path,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'nope.csv'}: no such file", missing.stderr
