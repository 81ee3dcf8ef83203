"""Running the command line as real counter processes: timeouts, signals, and what each run said."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CODE_RE = re.compile(r"verification code ([A-Z2-7]{5}-[A-Z2-7]{5})")
HANG_SECONDS = 180.0  # generous: the shared 2-core machine runs at a load of 15-20


@dataclass
class Run:
    """One finished (or killed) process."""

    args: list[str]
    rc: int | None
    out: str
    err: str
    seconds: float
    hung: bool = False
    signal_sent: str = ""
    label: str = ""
    printer: object = None
    extra: dict[str, object] = field(default_factory=dict)

    def code(self) -> str | None:
        """The verification code the run printed, if any."""
        m = CODE_RE.search(self.out + "\n" + self.err)
        return m.group(1) if m else None

    def traceback(self) -> bool:
        """An untyped traceback or internal error (exit 3)."""
        return "Traceback (most recent call last)" in self.err or self.rc == 3

    def shell(self) -> str:
        """The command as one shell line (reproducer)."""
        return " ".join(_quote(a) for a in self.args)


def _quote(a: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:=+@,-]+", a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


class Counter:
    """Starts ``python -m receiptkit`` processes with the world's environment."""

    def __init__(self, folder: Path, key_text: str, python: str = sys.executable) -> None:
        self.folder = folder
        self.python = python
        self.env = dict(os.environ)
        self.env["RECEIPTKIT_KEY"] = key_text
        self.env.pop("RECEIPTKIT_KEY_FILE", None)
        pickles = folder / "escpos-cache"
        pickles.mkdir(exist_ok=True)
        self.env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(pickles)
        self.env["PYTHONIOENCODING"] = "utf-8"
        self.all_runs: list[Run] = []

    def argv(self, args: list[str]) -> list[str]:
        """The full command line (``nice -n 10`` keeps the shared cores usable)."""
        return ["nice", "-n", "10", self.python, "-m", "receiptkit", *args]

    def start(
        self, args: list[str], env: dict[str, str] | None = None
    ) -> tuple[subprocess.Popen[str], float, list[str]]:
        """Start one process; returns it, its start time and its argv."""
        argv = self.argv(args)
        proc = subprocess.Popen(
            argv,
            cwd=self.folder,
            env=env or self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        return proc, time.time(), argv

    def finish(
        self,
        started: tuple[subprocess.Popen[str], float, list[str]],
        label: str = "",
        timeout: float = HANG_SECONDS,
        signal_sent: str = "",
    ) -> Run:
        """Wait for a started process (a hang is killed and recorded)."""
        proc, t0, argv = started
        hung = False
        try:
            out, err = proc.communicate(timeout=max(0.1, timeout - (time.time() - t0)))
        except subprocess.TimeoutExpired:
            hung = True
            proc.kill()
            out, err = proc.communicate()
        run = Run(
            args=argv[3:] if argv[:3] == ["nice", "-n", "10"] else argv,
            rc=None if hung else proc.returncode,
            out=out,
            err=err,
            seconds=time.time() - t0,
            hung=hung,
            signal_sent=signal_sent,
            label=label,
        )
        run.args = ["receiptkit", *argv[argv.index("receiptkit") + 1 :]] if "receiptkit" in argv else argv
        self.all_runs.append(run)
        return run

    def run(self, args: list[str], label: str = "", timeout: float = HANG_SECONDS) -> Run:
        """Run one process to its end."""
        return self.finish(self.start(args), label=label, timeout=timeout)

    def run_many(
        self, many: list[list[str]], label: str = "", stagger: float = 0.0, env: dict[str, str] | None = None
    ) -> list[Run]:
        """Start several processes at once (two counters), then wait for all."""
        started = []
        for args in many:
            started.append(self.start(args, env=env))
            if stagger:
                time.sleep(stagger)
        return [self.finish(s, label=label) for s in started]

    def interrupt_when(
        self,
        args: list[str],
        ready: Callable[[], bool],
        sig: int,
        label: str = "",
        max_wait: float = 60.0,
        after: float = 0.0,
    ) -> Run:
        """Start a process and send it ``sig`` once ``ready()`` holds (or after ``after`` seconds if no ready)."""
        started = self.start(args)
        proc, t0, _ = started
        sent = ""
        while time.time() - t0 < max_wait and proc.poll() is None:
            if ready() and time.time() - t0 >= after:
                os.kill(proc.pid, sig)
                sent = signal.Signals(sig).name
                break
            time.sleep(0.02)
        return self.finish(started, label=label, signal_sent=sent)
