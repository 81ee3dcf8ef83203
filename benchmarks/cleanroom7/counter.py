"""Driving the real command line as a clerk does: `find`, then the `reprint` line it printed."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

VERDICT = re.compile(r"^(MATCHED|AMBIGUOUS|UNMATCHED)\b", re.M)
REPRINT_LINE = re.compile(r"^reprint with: (receiptkit reprint .*)$", re.M)
REPRINT_DONE = re.compile(r"reprint (\d+) of (\S+) done")


@dataclass
class Run:
    cmd: list[str]
    rc: int
    out: str
    err: str
    secs: float

    def line(self) -> str:
        return shlex.join(["receiptkit", *self.cmd[3:]])


@dataclass
class Outcome:
    verdict: str = ""  # MATCHED / AMBIGUOUS / UNMATCHED / error
    reprinted: str = ""  # txn id reprinted
    reprint_no: int = 0
    runs: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    same_proof: bool = False  # reprint refused it as a second duplicate from the same proof


class Cli:
    """`python -m receiptkit.cli` with the library's src on PYTHONPATH and the merchant key in the env."""

    def __init__(self, src: Path, key: str, audit: Path, work: Path) -> None:
        self.base = [sys.executable, "-m", "receiptkit.cli"]
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = str(src)
        self.env["RECEIPTKIT_KEY"] = key
        self.env.pop("RECEIPTKIT_KEY_FILE", None)
        self.env["COLUMNS"] = "1000"
        self.env["PYTHONIOENCODING"] = "utf-8"
        self.audit = audit
        self.work = work

    def run(self, *args: str, timeout: float = 300) -> Run:
        cmd = [*self.base, *args]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=self.work, timeout=timeout)
        return Run(cmd, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)

    def session(self, journal: Path, find_args: list[str], pdf: Path) -> Outcome:
        """find; when MATCHED, the `reprint with:` line it printed, to a PDF."""
        oc = Outcome()
        f = self.run("find", "--journal", str(journal), "--audit", str(self.audit), *find_args)
        oc.runs.append(f)
        m = VERDICT.search(f.out)
        if f.rc not in (0, 1) or not m:
            oc.verdict = "error"
            oc.problems.append(f"find exit {f.rc}: {(f.err or f.out).strip().splitlines()[-1:]} ")
            return oc
        oc.verdict = m.group(1)
        if (oc.verdict == "MATCHED") != (f.rc == 0):
            oc.problems.append(f"find said {oc.verdict} with exit {f.rc} (docs/cli.md: 0 only when matched)")
        if oc.verdict != "MATCHED":
            if REPRINT_LINE.search(f.out):
                oc.problems.append(f"find said {oc.verdict} and still printed a `reprint with:` line")
            return oc
        r = REPRINT_LINE.search(f.out)
        if not r:
            oc.problems.append("find said MATCHED without a `reprint with:` line (docs/cli.md)")
            return oc
        line = r.group(1)
        # docs/cli.md: a proof already used for a printed duplicate gets a line ending
        # `(refused as it is: rule same_proof, above)`; the command is what comes before it
        if " (refused as it is" in line:
            line = line.split(" (refused as it is")[0]
        words = shlex.split(line)[1:]
        words = [
            {"NAME": "clerk7", "TEXT": "customer lost the slip", "dup.pdf": str(pdf)}.get(w, w) for w in words
        ]
        if "--audit" not in words:
            words += ["--audit", str(self.audit)]
        rp = self.run(*words)
        oc.runs.append(rp)
        d = REPRINT_DONE.search(rp.out)
        if rp.rc == 0 and d:
            oc.reprint_no, oc.reprinted = int(d.group(1)), d.group(2)
        elif rp.rc == 0:
            oc.problems.append("reprint exit 0 without `reprint N of T... done`")
        elif "same_proof" in rp.err + rp.out:
            oc.same_proof = True  # docs/reprint.md, rule same_proof: a second duplicate from the same proof
        else:
            oc.problems.append(f"find MATCHED but reprint exit {rp.rc}: {(rp.err or rp.out).strip()[-300:]}")
        return oc
