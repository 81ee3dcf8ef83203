"""A Ctrl-C (KeyboardInterrupt) in any command: one line ``interrupted`` on stderr, exit 130, no traceback.

Before session 16 a bare Ctrl-C printed nothing at all (typer turned it into a silent exit 130), and one
pressed while the command was still starting printed Python's traceback.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

KEY = "hex:" + "5a" * 32

# The command's first step (reading the journal) waits to be interrupted, as a long read would.
# Each child takes Ctrl-C as a command started at a terminal does: a process started in the background by a
# non-interactive shell (some CI runners, `pytest &`) inherits SIGINT ignored, and Python then never raises it.
_AS_AT_A_TERMINAL = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"

_SLOW = (
    _AS_AT_A_TERMINAL + "import sys, time, receiptkit\n"
    "def slow(*args, **kwargs):\n"
    "    print('reading', flush=True)\n"
    "    time.sleep(60)\n"
    "receiptkit.read_journal = slow\n"
    "sys.argv = ['receiptkit', *sys.argv[1:]]\n"
    "from receiptkit.__main__ import main\n"
    "main()\n"
)


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8", "RECEIPTKIT_KEY": KEY}


def _interrupted(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command, press Ctrl-C (SIGINT) once it is reading, and collect what it printed."""
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=_env(),
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "reading\n"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize(
    "command",
    [
        # --no-cache: an earlier find may have left the journal's cache beside it (read_journal unused)
        ["find", "--amount", "368.00", "--currency", "CNY", "--time", "2026-11-18 08:11", "--no-cache"],
        ["reconcile", "--proofs", "proofs.csv"],
        [
            "reprint",
            "--new-audit-log",
            "T00000001",
            "--operator",
            "clerk7",
            "--reason",
            "lost",
            "--pdf",
            "dup.pdf",
        ],
    ],
    ids=["find", "reconcile", "reprint"],
)
def test_ctrl_c_prints_interrupted_and_exits_130(demo_dir: Path, tmp_path: Path, command: list[str]) -> None:
    for name in ("journal.csv", "proofs.csv"):  # without what other tests learned or cached beside them
        shutil.copy(demo_dir / name, tmp_path / name)
    done = _interrupted(*command[:1], "--journal", "journal.csv", *command[1:], cwd=tmp_path)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "interrupted\n", done.stderr


def test_ctrl_c_while_the_command_line_starts_is_one_line_too(tmp_path: Path) -> None:
    """A Ctrl-C while Python imports the commands (about half a second) printed a KeyboardInterrupt traceback."""
    script = (
        "import sys\n"
        "class Stop:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'receiptkit.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Stop())\n"
        "sys.argv = ['receiptkit', '--help']\n"
        "from receiptkit.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_env()
    )
    assert done.returncode == 130
    assert done.stderr == "interrupted\n", done.stderr


def test_ctrl_c_during_the_audit_append_of_a_reprint_keeps_the_log_intact(tmp_path: Path) -> None:
    """The audit log's own guard (Ctrl-C held until the signed head is written) is kept: the command then
    stops with ``interrupted`` and exit 130, and ``audit verify`` finds the log intact."""
    from receiptkit.demo import run_demo

    run_demo(tmp_path, n_transactions=300, n_proofs=10, seed=4, slips=0)
    journal = pd.read_csv(tmp_path / "journal.csv", dtype=str)
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale")]
    txn = ok[ok["channel"] == "card"].iloc[0]["txn_id"]
    script = (
        _AS_AT_A_TERMINAL + "import os, signal, sys\n"
        "from receiptkit.audit import ChainHead\n"
        "write = ChainHead.write\n"
        "def interrupted_write(self, target):\n"
        "    if self.seq > 0:\n"  # the reprint's append (not the new log's empty head)
        "        os.kill(os.getpid(), signal.SIGINT)\n"  # after the rows' commit, before the head file
        "    write(self, target)\n"
        "ChainHead.write = interrupted_write\n"
        "sys.argv = ['receiptkit', *sys.argv[1:]]\n"
        "from receiptkit.__main__ import main\n"
        "main()\n"
    )
    audit = str(tmp_path / "audit.sqlite")
    args = [
        "reprint",
        "--new-audit-log",
        txn,
        "--journal",
        "journal.csv",
        "--operator",
        "clerk7",
        "--reason",
        "lost",
    ]
    done = subprocess.run(
        [sys.executable, "-c", script, *args, "--pdf", "dup.pdf", "--audit", audit],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=_env(),
    )
    assert done.returncode == 130, done.stdout + done.stderr
    assert done.stderr.splitlines()[-1] == "interrupted" and "Traceback" not in done.stderr
    verified = subprocess.run(
        [sys.executable, "-m", "receiptkit", "audit", "verify", "--audit", audit],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=_env(),
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
