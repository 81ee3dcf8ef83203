"""One attack case, its outcome, and how the command line is run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# outcome of one case
DETECTED = "detected"  # tampering or forgery caught as the docs promise
GENUINE_OK = "genuine_ok"  # a genuine state called genuine / intact
SILENT = "missed"  # tampering undetected where the docs claim detection
FALSE_ALARM = "false_alarm"  # a genuine state called tampered / forged
CRASH = "crash"  # traceback, exit 3, untyped exception
WRONG = "wrong_msg"  # detected, but not with the documented problem, message or exit code
LIMIT = "limit"  # documented as not detectable (not a finding)
LEAK = "leak"  # a full card number in an output or message

FINDING_OUTCOMES = {SILENT, FALSE_ALARM, CRASH, WRONG, LEAK}

PAN_RE = re.compile(r"(?<!\d)(\d{13,19})(?!\d)")


def luhn_ok(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass
class Case:
    """One attack (or genuine control) and what came of it."""

    category: str
    name: str
    expect: str  # "detect", "genuine" or "limit"
    outcome: str = ""
    detail: str = ""
    doc: str = ""  # the doc sentence the expectation comes from
    repro: list[str] = field(default_factory=list)
    folder: str = ""

    @property
    def finding(self) -> bool:
        """Whether the outcome is a finding."""
        return self.outcome in FINDING_OUTCOMES


@dataclass
class CliResult:
    """One command run."""

    argv: list[str]
    code: int
    out: str
    err: str
    cwd: Path

    @property
    def text(self) -> str:
        """Standard output and error together."""
        return self.out + "\n" + self.err

    @property
    def crashed(self) -> bool:
        """An internal error or a Python traceback."""
        return self.code == 3 or "Traceback (most recent call last)" in self.err

    def command(self) -> str:
        """A shell line that reproduces this run."""
        args = " ".join(shlex.quote(a) for a in self.argv)
        return f"cd {shlex.quote(str(self.cwd))} && RECEIPTKIT_KEY_FILE=$PWD/a.key receiptkit {args}"


def run_cli(argv: list[str], cwd: Path, key_file: Path | None, timeout: float = 120.0) -> CliResult:
    """Run ``python -m receiptkit ARGV`` in ``cwd`` with the key file in the environment."""
    env = dict(os.environ)
    env.pop("RECEIPTKIT_KEY", None)
    env.pop("RECEIPTKIT_KEY_FILE", None)
    if key_file is not None:
        env["RECEIPTKIT_KEY_FILE"] = str(key_file)
    env["COLUMNS"] = "200"
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, "-m", "receiptkit", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliResult(argv, proc.returncode, proc.stdout, proc.stderr, cwd)


def run_many(jobs: list[tuple[list[str], Path, Path | None]], workers: int = 3) -> list[CliResult]:
    """Run several commands at once (each is mostly start-up time), results in the order given."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda j: run_cli(*j), jobs))


def full_pans_in(text: str, pans: set[str]) -> list[str]:
    """The known full card numbers, and any other Luhn-valid card-like number, found in ``text``."""
    found = [p for p in pans if p in text]
    for m in PAN_RE.finditer(text):
        digits = m.group(1)
        if digits in found or len(digits) not in (16, 19):
            continue
        if digits[0] in "3456" and luhn_ok(digits) and digits[:6] in {p[:6] for p in pans}:
            found.append(digits)
    return found
