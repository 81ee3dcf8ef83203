"""The package type-checks: mypy over src/receiptkit with the project's [tool.mypy] settings.

STYLE.md asks for a typed public API and a mypy-clean package; this test keeps it so. It runs mypy in a
subprocess (``python -m mypy``, the interpreter running the tests, so it sees the installed dependencies'
own type information) and shows mypy's report on failure. mypy comes with the ``dev`` extra; the test
skips only when mypy is not installed. mypy keeps its cache in .mypy_cache (git-ignored), so a second
run is quick.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_package_is_mypy_clean() -> None:
    pytest.importorskip(
        "mypy", reason="mypy is not installed (it comes with the dev extra: pip install -e '.[dev]')"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--show-error-codes",
            str(ROOT / "src" / "receiptkit"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, (
        f"mypy found errors in src/receiptkit (exit {result.returncode}):\n{report}"
    )
