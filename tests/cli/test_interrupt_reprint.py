"""A Ctrl-C (SIGINT) during ``receiptkit reprint``, sent to a real process at controlled points.

Newcomer 19, G5: the command said only ``interrupted`` and left the attempt ``pending`` ("in progress, or its
process died") for ten minutes; the same command again took the next number. And a Ctrl-C just after ``done``
killed the process by the signal (status -2) while Python shut down. Now the attempt is closed at once with what
is known (``failed`` before anything was sent, ``unconfirmed`` once bytes may have reached the printer), the
clerk is told the state and the way forward above ``interrupted`` (exit 130), the same command again reprints
the same number with the same code, and a Ctrl-C once the duplicate is done changes nothing (exit 0).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from fakeprinter import FakePrinter  # tests/ is on the path (tests/conftest.py)
from receiptkit import AuditLog

KEY = "hex:" + "5a" * 32

# As at a terminal: a child started in the background by a non-interactive shell inherits SIGINT ignored.
_CLI = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "import sys\n"
    "sys.argv = ['receiptkit', *sys.argv[1:]]\n"
    "from receiptkit.cli import main\n"
    "main()\n"
)


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8", "RECEIPTKIT_KEY": KEY}


@pytest.fixture
def shop(demo_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    journal = pd.read_csv(demo_dir / "journal.csv", dtype=str)
    ok = journal[(journal["status"] == "approved") & (journal["txn_type"] == "sale")]
    (tmp_path / "journal.csv").write_text(
        (demo_dir / "journal.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return tmp_path, str(ok[ok["channel"] == "card"].iloc[0]["txn_id"])


def _reprint_args(txn: str, *more: str) -> list[str]:
    return ["reprint", txn, "--journal", "journal.csv", "--operator", "clerk7", "--reason", "lost", *more]


def _ctrl_c_when(printer: FakePrinter, ready, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command against ``printer``; press Ctrl-C once ``ready(printer)`` holds (polled)."""
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=_env(),
    )
    deadline = time.monotonic() + 120
    while not ready(printer):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never reached the point"
        time.sleep(0.02)
    time.sleep(0.3)  # the command is now waiting on the printer
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _attempts(audit: Path) -> pd.DataFrame:
    rows = AuditLog(audit, create=False).rows(event_type="reprint")
    return rows[["seq", "status", "reprint_no", "short_code", "error", "ref_seq"]]


def test_ctrl_c_before_the_slip_is_sent_closes_the_attempt_failed_and_the_rerun_keeps_its_number(
    shop: tuple[Path, str],
) -> None:
    cwd, txn = shop
    audit = cwd / "audit.sqlite"
    # a printer that never answers the status request: the command waits there, nothing of the slip sent
    with FakePrinter("silent") as printer:
        args = _reprint_args(txn, "--printer", printer.url, "--audit", str(audit), "--new-audit-log")
        done = _ctrl_c_when(printer, lambda p: len(p.raw) >= 3, args, cwd)
        assert len(printer.received) == 0
    assert done.returncode == 130, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == "interrupted" and "Traceback" not in done.stderr
    assert (
        f"reprint 1 of {txn} (verification code " in lines[-2]
        and "was not printed: interrupted by the operator (Ctrl-C) before anything was sent or written"
        in lines[-2]
        and "The audit log records it failed" in lines[-2]
        and "Run the same command again: it reprints number 1 with the same code" in lines[-2]
    ), lines
    rows = _attempts(audit)
    assert rows["status"].tolist() == ["pending", "failed"]  # closed at once, not left pending
    assert "interrupted by the operator (Ctrl-C) before anything" in rows["error"].iloc[-1]
    code = rows["short_code"].iloc[0]
    pending = subprocess.run(
        [sys.executable, "-m", "receiptkit", "audit", "pending", "--audit", str(audit)],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=_env(), timeout=120,
    )  # fmt: skip
    assert "FAILED: reprint 1" in pending.stdout and "PENDING" not in pending.stdout, pending.stdout
    # the same command again: number 1 again, same code (before: number 2, and 1 stayed "pending")
    again = subprocess.run(
        [sys.executable, "-c", _CLI, *_reprint_args(txn, "--pdf", "dup.pdf", "--audit", str(audit))],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=_env(), timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"reprint 1 of {txn} done" in again.stdout and code in again.stdout


def test_ctrl_c_after_the_slip_was_sent_is_unconfirmed_with_the_bytes_named(shop: tuple[Path, str]) -> None:
    cwd, txn = shop
    audit = cwd / "audit.sqlite"
    # a printer whose profile answers the process ID, but which never does: the command waits after the job
    with FakePrinter("no_pid") as printer:
        args = _reprint_args(
            txn, "--printer", printer.url, "--profile", "TM-T88V", "--audit", str(audit), "--new-audit-log"
        )
        done = _ctrl_c_when(printer, lambda p: len(p.raw) > 1000, args, cwd)
        assert printer.done.wait(30)  # the connection closed: the job's bytes are counted
        sent = len(printer.received)
    assert done.returncode == 130, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == "interrupted"
    said = lines[-2]
    assert said.startswith(f"CHECK THE PRINTER: reprint 1 of {txn}"), said
    assert f"after all {sent} bytes of the slip were sent, before the printer confirmed it" in said
    assert "records it unconfirmed" in said and "receiptkit audit confirm" in said
    rows = _attempts(audit)
    assert rows["status"].tolist() == ["pending", "unconfirmed"]  # never "failed": the slip may be out
    assert f"after all {sent} bytes" in rows["error"].iloc[-1]


def test_ctrl_c_while_the_report_is_printed_changes_nothing(shop: tuple[Path, str]) -> None:
    """The duplicate is made and logged printed when ``done`` is printed: the Ctrl-C stops nothing."""
    cwd, txn = shop
    script = _CLI.replace(
        "from receiptkit.cli import main\n",
        "import os, time\n"
        "import receiptkit.cli.counter as counter\n"
        "say = counter.console.print\n"
        "def print_and_stop(text, *a, **k):\n"
        "    say(text, *a, **k)\n"
        "    if ' done (' in str(text):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(0.2)\n"
        "counter.console.print = print_and_stop\n"
        "from receiptkit.cli import main\n",
    )
    args = _reprint_args(txn, "--pdf", "dup.pdf", "--audit", "audit.sqlite", "--new-audit-log")
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=_env(), timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "interrupted" not in done.stderr
    assert f"reprint 1 of {txn} done" in done.stdout and "signed; public key" in done.stdout


def test_ctrl_c_while_python_shuts_down_after_done_is_not_a_death_by_signal(shop: tuple[Path, str]) -> None:
    """Newcomer 18 F12.11 / 19 G5: Python gives SIGINT its default action back while it shuts down (about half
    a second after ``done``); a Ctrl-C then killed the process (status -2) after it had reported success."""
    cwd, txn = shop
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, *_reprint_args(txn, "--pdf", "dup.pdf", "--audit", "a.sqlite", "--new-audit-log")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=cwd,
        env={**_env(), "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert process.stdout is not None
    said = []
    while True:
        line = process.stdout.readline()
        said.append(line)
        if not line or " done (" in line:
            break
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, "".join(said) + out + err
    assert (cwd / "dup.pdf").is_file()
