"""A demo folder (journal.csv, proofs.csv) shared by the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from receiptkit.demo import run_demo


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli-demo")
    run_demo(folder, n_transactions=1000, n_proofs=80, seed=9, slips=0)
    return folder


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """``python -m receiptkit.cli ARGS`` as a real process, UTF-8 output, wide terminal."""
    return subprocess.run(
        [sys.executable, "-m", "receiptkit.cli", *args],
        capture_output=True,
        timeout=180,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8", **env},
    )
