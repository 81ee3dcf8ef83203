"""The scenarios: two (or three) counters on one shared audit log, printers that misbehave, interrupts.

Each check records one outcome (see :data:`oracle.OUTCOMES`) under its category; a wrong outcome also
records a finding with the commands that reproduce it.
"""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import time
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import oracle
from .printer import FakePrinter
from .runner import Counter, Run
from .world import Sale, World, full_pan

CATEGORIES = (
    "race_txn",
    "race_proof",
    "api_counter",
    "sigint",
    "sigkill",
    "printer_fault",
    "confirm_race",
    "verify_code",
    "audit_verify",
    "tamper",
    "card_leak",
)


@dataclass
class Bench:
    """One seed's world, its shared log, and the tallies."""

    world: World
    seed: int
    rng: random.Random
    counter: Counter
    log: Path
    tally: dict[str, Tally[str]] = field(default_factory=lambda: defaultdict(Tally))
    findings: list[dict[str, Any]] = field(default_factory=list)
    printers: dict[str, list[FakePrinter]] = field(default_factory=lambda: defaultdict(list))
    confirmed_by_operator: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    free: list[Sale] = field(default_factory=list)

    # ---- helpers -------------------------------------------------------------------------------
    def sale(self) -> Sale:
        """A sale no scenario has used yet."""
        return self.free.pop(0)

    def note(
        self, category: str, outcome: str, title: str = "", detail: str = "", runs: tuple[Run, ...] = ()
    ) -> None:
        """Count one check; a wrong one becomes a finding with its reproducer."""
        assert outcome in oracle.OUTCOMES, outcome
        self.tally[category][outcome] += 1
        if outcome != "right":
            self.findings.append(
                {
                    "category": category,
                    "outcome": outcome,
                    "title": title,
                    "detail": detail[:1500],
                    "seed": self.seed,
                    "commands": [r.shell() for r in runs],
                    "exits": [r.rc for r in runs],
                    "signals": [r.signal_sent for r in runs],
                    "stderr": [r.err.strip()[-600:] for r in runs],
                    "stdout": [r.out.strip()[-400:] for r in runs],
                }
            )

    def printer(self, txn: str, mode: str, delay: float = 0.2) -> FakePrinter:
        """A new fake printer for one counter's job on ``txn``."""
        p = FakePrinter(mode, delay=delay)
        self.printers[txn].append(p)
        return p

    def reprint_args(
        self,
        sale: Sale,
        printer: FakePrinter,
        operator: str,
        pid: bool = True,
        by: str = "txn",
        extra: tuple[str, ...] = (),
        reason: str = "customer lost the slip",
    ) -> list[str]:
        """``receiptkit reprint`` for one sale, identified ``by`` txn_id or a typed proof."""
        args = ["reprint"]
        if by == "txn":
            args.append(sale.txn_id)
        args += ["--journal", str(self.world.journal), "--operator", operator, "--reason", reason]
        if by == "proof":
            args += ["--amount", sale.amount_text(), "--time", sale.time_text(), "--last4", sale.last4]
        args += ["--tz", "Asia/Shanghai", "--audit", str(self.log), "--printer", printer.address]
        args += ["--printer-timeout", "1"]
        if pid:
            args += ["--profile", "TM-T88V"]
        return args + list(extra)

    def common(self, category: str, runs: list[Run]) -> bool:
        """Hangs and tracebacks: a hang or crash is counted and stops the other checks of the step."""
        bad = False
        for r in runs:
            if r.hung:
                self.note(category, "hang", "a command did not end within 180 s", r.err[-500:], (r,))
                bad = True
            elif r.traceback():
                self.note(
                    category, "crash", "untyped traceback / internal error (exit 3)", r.err[-800:], (r,)
                )
                bad = True
            elif r.signal_sent == "SIGINT" and r.rc == 130 and "Traceback" in r.err:
                self.note(category, "crash", "Ctrl-C printed a traceback", r.err[-800:], (r,))
                bad = True
        return bad

    def rows(self) -> Any:
        """The shared log's rows now."""
        return oracle.read_log(self.log)

    def attempt_of(self, code: str) -> oracle.Attempt | None:
        """The attempt that carries ``code``."""
        for a in oracle.attempts(self.rows()).values():
            if a.code == code:
                return a
        return None

    def audit_verify(self) -> Run:
        """``receiptkit audit verify`` of the shared log."""
        return self.counter.run(["audit", "verify", "--audit", str(self.log)], label="audit verify")

    def check_exit_matches_log(self, category: str, run: Run) -> None:
        """Exit 0 means a printed row; exit 1 an unconfirmed one (docs/cli.md, `reprint`)."""
        code = run.code()
        if run.rc in (0, 1) and code is None:
            self.note(
                category, "misleading", f"reprint exit {run.rc} without a verification code", run.out, (run,)
            )
            return
        if run.rc not in (0, 1) or code is None:
            return
        a = self.attempt_of(code)
        if a is None:
            self.note(
                category, "silently_wrong", f"code {code} said by the command is not in the log", "", (run,)
            )
        elif run.rc == 0 and not a.printed:
            self.note(category, "silently_wrong", f"exit 0 but the log has {a.states} for {code}", "", (run,))
        elif run.rc == 1 and a.final != "unconfirmed":
            self.note(
                category,
                "silently_wrong",
                f"exit 1 (CHECK THE PRINTER) but the log has {a.states}",
                "",
                (run,),
            )
        else:
            self.note(category, "right")

    # ---- setup ---------------------------------------------------------------------------------
    def setup(self) -> None:
        """The first reprint ever starts the log (``--new-audit-log``)."""
        s = self.sale()
        p = self.printer(s.txn_id, "pid")
        r = self.counter.run(self.reprint_args(s, p, "setup", extra=("--new-audit-log",)), label="setup")
        if r.rc != 0:
            raise RuntimeError(f"setup reprint failed: {r.rc} {r.err}")

    # ---- scenarios -------------------------------------------------------------------------------
    def race_txn(self, fresh_machine: bool = False) -> None:
        """Two or three counters reprint one sale at the same moment (docs: consecutive numbers).

        ``fresh_machine``: the counters share a python-escpos capabilities folder that is still empty
        (``ESCPOS_CAPABILITIES_PICKLE_DIR``, FIELD-NOTES "python-escpos 3.1"), as on a till's first start.
        """
        s = self.sale()
        n = self.rng.choice([2, 3])
        ps = [self.printer(s.txn_id, "pid", delay=self.rng.uniform(0.1, 1.5)) for _ in range(n)]
        env = None
        if fresh_machine:
            env = dict(self.counter.env)
            fresh = self.world.folder / "escpos-fresh"
            fresh.mkdir(exist_ok=True)
            env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(fresh)
        runs = self.counter.run_many(
            [self.reprint_args(s, p, f"clerk{i}") for i, p in enumerate(ps)], label="race_txn", env=env
        )
        if self.common("race_txn", runs):
            return
        att = [a for a in oracle.attempts(self.rows()).values() if a.txn == s.txn_id]
        nos = sorted(a.reprint_no for a in att)
        codes = [r.code() for r in runs]
        if nos != list(range(1, n + 1)):
            self.note(
                "race_txn", "silently_wrong", f"{n} counters at once got numbers {nos}", "", tuple(runs)
            )
        elif len(set(codes)) != n or any(r.rc != 0 for r in runs):
            over = [r for r in runs if r.rc == 2]
            kind = "over_refused" if over else "silently_wrong"
            if over and all("unexpected" in r.err and "check the printer" in r.err for r in over):
                kind = "misleading"  # a working printer, and the clerk is told to check it
            errs = " | ".join(r.err.strip()[-300:] for r in over)
            title = (
                f"{n} counters at once (fresh escpos folder={env is not None}): exits {[r.rc for r in runs]}"
            )
            self.note("race_txn", kind, title, errs, tuple(runs))
        else:
            self.note("race_txn", "right")
        for r in runs:
            self.check_exit_matches_log("race_txn", r)

    def race_proof(self) -> None:
        """The same typed proof at two counters at once, then again: one duplicate per proof (same_proof)."""
        s = self.sale()
        ps = [self.printer(s.txn_id, "pid", delay=self.rng.uniform(0.3, 1.5)) for _ in range(2)]
        runs = self.counter.run_many(
            [self.reprint_args(s, p, f"clerk{i}", by="proof") for i, p in enumerate(ps)],
            label="race_proof",
            stagger=self.rng.uniform(0.0, 0.6),
        )
        if self.common("race_proof", runs):
            return
        printed = [r for r in runs if r.rc == 0]
        if len(printed) > 1:
            self.note(
                "race_proof",
                "silently_wrong",
                "one proof, two counters at once: both printed a duplicate (same_proof not held across processes)",
                f"codes {[r.code() for r in printed]}; docs/reprint.md rule same_proof",
                tuple(runs),
            )
        elif not printed:
            self.note(
                "race_proof",
                "over_refused",
                "one proof at two counters: neither printed",
                runs[0].err,
                tuple(runs),
            )
        else:
            loser = next(r for r in runs if r.rc != 0)
            if loser.rc == 2 and "same_proof" in loser.err:
                self.note("race_proof", "right")
            else:
                self.note(
                    "race_proof",
                    "misleading",
                    "the second counter's refusal does not name same_proof",
                    loser.err,
                    (loser,),
                )
        # the same proof later, sequentially: refused (documented, rule same_proof)
        p3 = self.printer(s.txn_id, "pid")
        again = self.counter.run(self.reprint_args(s, p3, "clerk9", by="proof"), label="race_proof again")
        if not self.common("race_proof", [again]):
            if again.rc == 2 and "same_proof" in again.err:
                self.note("race_proof", "right")
            else:
                self.note(
                    "race_proof",
                    "silently_wrong",
                    f"same proof again: exit {again.rc}",
                    again.err + again.out,
                    (again,),
                )
        # overridden with a reason: printed (documented way forward)
        p4 = self.printer(s.txn_id, "pid")
        ov = self.counter.run(
            self.reprint_args(s, p4, "super1", by="proof", extra=("--override", "same_proof")),
            label="override",
        )
        if not self.common("race_proof", [ov]):
            if ov.rc == 0:
                self.note("race_proof", "right")
            else:
                self.note("race_proof", "over_refused", f"--override same_proof: exit {ov.rc}", ov.err, (ov,))
            self.check_exit_matches_log("race_proof", ov)

    def api_counter(self) -> None:
        """A POS program calling ``rk.reprint`` and a clerk at the command line, one sale, same moment."""
        s = self.sale()
        p1 = self.printer(s.txn_id, "pid", delay=self.rng.uniform(0.2, 1.0))
        p2 = self.printer(s.txn_id, "pid", delay=self.rng.uniform(0.2, 1.0))
        script = self.world.folder / "pos_counter.py"
        script.write_text(
            "import sys\n"
            "import receiptkit as rk\n"
            "from receiptkit.reprinting import lookup\n"
            "from receiptkit.errors import ReceiptkitError\n"
            "journal = rk.read_journal(sys.argv[1], tz='Asia/Shanghai')\n"
            "found = lookup(journal, txn_id=sys.argv[2])\n"
            "try:\n"
            "    rec = rk.reprint(found, operator='pos', reason='lost slip', printer=sys.argv[3],\n"
            "                     printer_profile='TM-T88V', audit=sys.argv[4])\n"
            "    print('API reprint', rec.reprint_no, 'verification code', rec.short_code)\n"
            "except ReceiptkitError as exc:\n"
            "    print('API refused', type(exc).__name__, exc, file=sys.stderr)\n"
            "    sys.exit(2)\n",
            encoding="utf-8",
        )
        argv = [
            "nice",
            "-n",
            "10",
            self.counter.python,
            str(script),
            str(self.world.journal),
            s.txn_id,
            p1.address,
            str(self.log),
        ]
        t0 = time.time()
        proc = subprocess.Popen(
            argv,
            cwd=self.world.folder,
            env=self.counter.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        cli = self.counter.start(self.reprint_args(s, p2, "clerkB"))
        try:
            out, err = proc.communicate(timeout=180)
            hung = False
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            hung = True
        api_run = Run(
            args=argv[3:],
            rc=None if hung else proc.returncode,
            out=out,
            err=err,
            seconds=time.time() - t0,
            hung=hung,
        )
        cli_run = self.counter.finish(cli, label="api_counter cli")
        runs = [api_run, cli_run]
        if self.common("api_counter", runs):
            return
        att = [a for a in oracle.attempts(self.rows()).values() if a.txn == s.txn_id]
        nos = sorted(a.reprint_no for a in att)
        if nos != [1, 2] or api_run.rc != 0 or cli_run.rc != 0 or api_run.code() == cli_run.code():
            self.note(
                "api_counter",
                "silently_wrong" if nos != [1, 2] else "over_refused",
                f"API + CLI at once: numbers {nos}, exits {api_run.rc}/{cli_run.rc}",
                api_run.err + cli_run.err,
                tuple(runs),
            )
        else:
            self.note("api_counter", "right")

    def _after_interrupt(self, category: str, s: Sale, run: Run, expect_rc: int | None) -> None:
        """After an interrupted reprint: visible, the log verifies, the way forward works."""
        if self.common(category, [run]):
            return
        if expect_rc is not None and run.rc != expect_rc:
            self.note(
                category,
                "misleading",
                f"{run.signal_sent}: exit {run.rc}, documented {expect_rc}",
                run.err,
                (run,),
            )
        elif run.signal_sent == "SIGINT" and run.rc == 130 and "interrupted" not in run.err:
            self.note(
                category,
                "misleading",
                "Ctrl-C: exit 130 without the documented 'interrupted' line",
                run.err,
                (run,),
            )
        else:
            self.note(category, "right")
        v = self.audit_verify()
        if self.common(category, [v]):
            return
        resigned = False
        if v.rc == 0 and "intact" in v.out:
            self.note(category, "right")
        elif "unsigned_tail" in (v.out + v.err) and run.signal_sent == "SIGKILL":
            # documented: a writer that dies between commit and head leaves unsigned_tail; re-sign
            h = self.counter.run(
                [
                    "audit",
                    "head",
                    "--audit",
                    str(self.log),
                    "--resign",
                    "--operator",
                    "mgr",
                    "--reason",
                    "till killed",
                ]
            )
            v2 = self.audit_verify()
            resigned = True
            if h.rc == 0 and v2.rc == 0:
                self.note(category, "right")
            else:
                self.note(
                    category,
                    "over_refused",
                    "after a SIGKILL, audit head --resign did not restore the log",
                    h.err + v2.out,
                    (run, h, v2),
                )
        elif run.signal_sent == "SIGINT":
            self.note(
                category,
                "misleading",
                "after Ctrl-C, audit verify does not say intact (docs: Ctrl-C waits for the head)",
                v.out + v.err,
                (run, v),
            )
        else:
            self.note(
                category,
                "misleading",
                "after a plain crash audit verify says: " + (v.out + v.err)[:200],
                v.out + v.err,
                (run, v),
            )
        att = [a for a in oracle.attempts(self.rows()).values() if a.txn == s.txn_id]
        unfinished = [a for a in att if not a.printed]
        if unfinished:
            pend = self.counter.run(["audit", "pending", "--audit", str(self.log)], label="audit pending")
            if self.common(category, [pend]):
                return
            missing = [a.code for a in unfinished if a.code not in pend.out]
            if missing or pend.rc != 1:
                self.note(
                    category,
                    "silently_wrong",
                    f"interrupted attempts {missing} not listed by audit pending (exit {pend.rc})",
                    pend.out[-800:],
                    (run, pend),
                )
            else:
                self.note(category, "right")
        # the way forward: the same command again, to a printer that works
        p = self.printer(s.txn_id, "pid")
        again = self.counter.run(self.reprint_args(s, p, "clerkA"), label=f"{category} again")
        if self.common(category, [again]):
            return
        if again.rc == 0:
            self.note(category, "right")
            self.check_exit_matches_log(category, again)
        else:
            self.note(
                category,
                "over_refused",
                f"after {run.signal_sent} (resigned={resigned}), the next reprint exits {again.rc}",
                again.err,
                (run, again),
            )
        att2 = oracle.attempts(self.rows())
        probs = [p for p in oracle.number_problems(att2) if p.startswith(s.txn_id + ":")]
        if probs:
            self.note(category, "silently_wrong", "; ".join(probs), "", (run, again))

    def _kill_at(self, s: Sale, sig: int, when: str) -> Run:
        """Start a reprint and send ``sig`` when the printer was just reached (``connect``: the pending row is
        written, nothing printed yet) or while it prints (``job``: the process-ID request is waiting)."""
        p = self.printer(s.txn_id, "pid", delay=8.0)
        args = self.reprint_args(s, p, "clerkA")
        name = signal.Signals(sig).name.lower()
        if when == "job":
            return self.counter.interrupt_when(
                args, lambda: any(j.pid_requests for j in p.jobs), sig, f"{name} job"
            )
        extra = self.rng.uniform(0.0, 0.3)
        first: list[float] = []

        def connected() -> bool:
            if p.jobs and not first:
                first.append(time.time())
            return bool(first) and time.time() - first[0] >= extra

        return self.counter.interrupt_when(args, connected, sig, f"{name} connect")

    def sigint(self, when: str) -> None:
        """Ctrl-C while the printer prints (``job``) or just after the printer was reached (``connect``)."""
        s = self.sale()
        run = self._kill_at(s, signal.SIGINT, when)
        self._after_interrupt("sigint", s, run, 130 if run.signal_sent else None)

    def sigkill(self, when: str) -> None:
        """SIGKILL mid-reprint: the attempt must stay visible as pending; the log must not read tampered."""
        s = self.sale()
        run = self._kill_at(s, signal.SIGKILL, when)
        self._after_interrupt("sigkill", s, run, None)

    def printer_fault(self, mode: str) -> None:
        """A printer that drops, stalls, resets mid-job, is out of paper, or cannot confirm (status only)."""
        s = self.sale()
        p = self.printer(s.txn_id, mode)
        run = self.counter.run(self.reprint_args(s, p, "clerkA", pid=mode != "status"), label=f"fault {mode}")
        if self.common("printer_fault", [run]):
            return
        code = run.code()
        a = self.attempt_of(code) if code else None
        att = [x for x in oracle.attempts(self.rows()).values() if x.txn == s.txn_id]
        if any(x.printed for x in att):
            self.note(
                "printer_fault",
                "silently_wrong",
                f"{mode} printer: the log says printed",
                str([x.states for x in att]),
                (run,),
            )
            return
        expect = {"drop": 1, "close_mid": (1, 2), "stall": 2, "paper_out": 2, "mute": 2, "status": 1}[mode]
        ok = run.rc in expect if isinstance(expect, tuple) else run.rc == expect
        if not ok:
            self.note("printer_fault", "misleading", f"{mode} printer: exit {run.rc}", run.err, (run,))
        else:
            self.note("printer_fault", "right")
        if run.rc == 1 and "CHECK THE PRINTER" not in (run.out + run.err):
            self.note(
                "printer_fault", "misleading", f"{mode}: exit 1 without CHECK THE PRINTER", run.err, (run,)
            )
        if run.rc == 1:
            self.check_exit_matches_log("printer_fault", run)
        if mode == "status" and code and a is not None:
            # the clerk holds the slip: confirm it, then verify says GENUINE on the operator's word
            c = self.counter.run(
                ["audit", "confirm", code, "--operator", "clerkA", "--audit", str(self.log)], label="confirm"
            )
            if not self.common("printer_fault", [c]):
                if c.rc == 0:
                    self.confirmed_by_operator[s.txn_id] += 1
                    self.note("printer_fault", "right")
                else:
                    self.note(
                        "printer_fault",
                        "over_refused",
                        f"audit confirm of an unconfirmed code: exit {c.rc}",
                        c.err,
                        (run, c),
                    )
        elif mode in ("drop", "close_mid") and code:
            # the way forward: the same command again on a working printer retries the same number and code
            p2 = self.printer(s.txn_id, "pid")
            again = self.counter.run(self.reprint_args(s, p2, "clerkB"), label=f"{mode} retry")
            if self.common("printer_fault", [again]):
                return
            if again.rc == 0 and again.code() == code:
                self.note("printer_fault", "right")
            else:
                self.note(
                    "printer_fault",
                    "misleading",
                    f"retry after {mode}: exit {again.rc}, code {again.code()} (first {code})",
                    again.err,
                    (run, again),
                )
            self.check_exit_matches_log("printer_fault", again)

    def two_counters_fault(self) -> None:
        """Counter A's printer drops the job while counter B reprints the same sale on a good printer."""
        s = self.sale()
        pa = self.printer(s.txn_id, "drop")
        pb = self.printer(s.txn_id, "pid", delay=0.5)
        runs = self.counter.run_many(
            [self.reprint_args(s, pa, "clerkA"), self.reprint_args(s, pb, "clerkB")],
            label="two counters fault",
            stagger=0.3,
        )
        if self.common("printer_fault", runs):
            return
        att = [x for x in oracle.attempts(self.rows()).values() if x.txn == s.txn_id]
        drop_code = runs[0].code()
        da = next((x for x in att if x.code == drop_code), None)
        if da is not None and da.printed:
            self.note(
                "printer_fault",
                "silently_wrong",
                "dropped job recorded printed (two counters)",
                str([x.states for x in att]),
                tuple(runs),
            )
        else:
            self.note("printer_fault", "right")
        for r in runs:
            self.check_exit_matches_log("printer_fault", r)
        probs = [
            p for p in oracle.number_problems(oracle.attempts(self.rows())) if p.startswith(s.txn_id + ":")
        ]
        if probs:
            self.note("printer_fault", "silently_wrong", "; ".join(probs), "", tuple(runs))

    def confirm_race(self) -> None:
        """Two clerks confirm one unconfirmed duplicate at once: one printed row, the other refused."""
        s = self.sale()
        p = self.printer(s.txn_id, "status")
        first = self.counter.run(self.reprint_args(s, p, "clerkA", pid=False), label="confirm_race reprint")
        if self.common("confirm_race", [first]):
            return
        code = first.code()
        if first.rc != 1 or not code:
            self.note(
                "confirm_race", "misleading", f"status-only printer: exit {first.rc}", first.err, (first,)
            )
            return
        runs = self.counter.run_many(
            [
                ["audit", "confirm", code, "--operator", op, "--audit", str(self.log)]
                for op in ("clerkA", "clerkB")
            ],
            label="confirm_race",
        )
        if self.common("confirm_race", runs):
            return
        a = self.attempt_of(code)
        n_printed = a.states.count("printed") if a else 0
        oks = sum(1 for r in runs if r.rc == 0)
        self.confirmed_by_operator[s.txn_id] += min(oks, 1)
        if n_printed != 1 or oks != 1:
            self.note(
                "confirm_race",
                "silently_wrong" if n_printed > 1 else "misleading",
                f"two clerks confirmed {code} at once: exits {[r.rc for r in runs]}, printed rows {n_printed}",
                "",
                (first, *runs),
            )
        else:
            self.note("confirm_race", "right")

    def race_cap(self) -> None:
        """``--cap 1`` at two or three counters at once: one number, the others refused (docs: "the cap holds")."""
        s = self.sale()
        n = self.rng.choice([2, 3])
        ps = [self.printer(s.txn_id, "pid", delay=self.rng.uniform(0.2, 1.0)) for _ in range(n)]
        runs = self.counter.run_many(
            [self.reprint_args(s, p, f"clerk{i}", extra=("--cap", "1")) for i, p in enumerate(ps)],
            label="race_cap",
        )
        if self.common("race_txn", runs):
            return
        att = [a for a in oracle.attempts(self.rows()).values() if a.txn == s.txn_id]
        oks = [r for r in runs if r.rc == 0]
        capped = [r for r in runs if r.rc == 2 and "reprint_cap" in r.err]
        if len(att) > 1:
            self.note(
                "race_txn",
                "silently_wrong",
                f"--cap 1 at {n} counters at once: {len(att)} numbers allocated",
                "",
                tuple(runs),
            )
        elif len(oks) == 1 and len(capped) == n - 1:
            self.note("race_txn", "right")
        else:
            self.note(
                "race_txn",
                "misleading",
                f"--cap 1 race: exits {[r.rc for r in runs]}",
                " | ".join(r.err for r in runs),
                tuple(runs),
            )

    def retry_race(self) -> None:
        """A dropped job, then two counters run the documented way forward (the same command) at once."""
        s = self.sale()
        p = self.printer(s.txn_id, "drop")
        first = self.counter.run(self.reprint_args(s, p, "clerkA"), label="retry_race first")
        if self.common("printer_fault", [first]):
            return
        code = first.code()
        if first.rc != 1 or not code:
            self.note("printer_fault", "misleading", f"drop printer: exit {first.rc}", first.err, (first,))
            return
        ps = [self.printer(s.txn_id, "pid", delay=self.rng.uniform(1.0, 2.5)) for _ in range(2)]
        runs = self.counter.run_many(
            [self.reprint_args(s, q, f"clerk{c}") for c, q in zip("AB", ps, strict=True)],
            label="retry_race",
            stagger=0.2,
        )
        if self.common("printer_fault", runs):
            return
        a = self.attempt_of(code)
        n_printed = a.states.count("printed") if a else 0
        same = [r for r in runs if r.code() == code]
        if n_printed > 1 or len(same) > 1:
            self.note(
                "printer_fault",
                "silently_wrong",
                f"two counters retried unconfirmed {code} at once: both printed it ({n_printed} printed rows for one attempt)",
                "docs/reprint.md: a pending or retry attempt 'may be printing in another process'",
                (first, *runs),
            )
        else:
            self.note("printer_fault", "right")
        for r in runs:
            self.check_exit_matches_log("printer_fault", r)

    def sigkill_race(self) -> None:
        """Counter A is killed at a random moment while counter B reprints the same sale: B must not hang."""
        s = self.sale()
        pa = self.printer(s.txn_id, "pid", delay=3.0)
        pb = self.printer(s.txn_id, "pid", delay=0.5)
        b = self.counter.start(self.reprint_args(s, pb, "clerkB"))
        after = self.rng.uniform(0.5, 4.5)
        a = self.counter.interrupt_when(
            self.reprint_args(s, pa, "clerkA"), lambda: True, signal.SIGKILL, "sigkill race", after=after
        )
        brun = self.counter.finish(b, label="sigkill race B")
        if self.common("sigkill", [a, brun]):
            return
        if brun.rc == 0:
            self.note("sigkill", "right")
            self.check_exit_matches_log("sigkill", brun)
        else:
            self.note(
                "sigkill",
                "over_refused",
                f"counter B exit {brun.rc} while counter A was killed",
                brun.err,
                (a, brun),
            )
        self._after_interrupt("sigkill", s, a, None)

    # ---- final checks ----------------------------------------------------------------------------
    def final(self, max_codes: int = 10) -> None:
        """The whole log: numbers, printed rows against what printers answered, verify CODE, audit verify, tamper."""
        rows = self.rows()
        att = oracle.attempts(rows)
        for prob in oracle.number_problems(att):
            self.note("audit_verify", "silently_wrong", prob)
        # printed by process ID only as often as the fake printers answered the process-ID request
        by_txn: dict[str, list[oracle.Attempt]] = defaultdict(list)
        for a in att.values():
            by_txn[a.txn].append(a)
        for txn, lst in by_txn.items():
            pid_rows = sum(
                1
                for a in lst
                for st, how in zip(a.states, a.hows, strict=False)
                if st == "printed" and how == "process_id"
            )
            op_rows = sum(
                1
                for a in lst
                for st, how in zip(a.states, a.hows, strict=False)
                if st == "printed" and how == "operator"
            )
            answered = sum(j.pid_answered for p in self.printers.get(txn, []) for j in p.jobs)
            if pid_rows > answered:
                self.note(
                    "audit_verify",
                    "silently_wrong",
                    f"{txn}: {pid_rows} rows printed by process ID, the printers confirmed {answered}",
                )
            elif op_rows > self.confirmed_by_operator.get(txn, 0):
                self.note(
                    "audit_verify",
                    "silently_wrong",
                    f"{txn}: {op_rows} operator-confirmed rows, {self.confirmed_by_operator.get(txn, 0)} confirms",
                )
            else:
                self.note("audit_verify", "right")
        v = self.audit_verify()
        if not self.common("audit_verify", [v]):
            if v.rc == 0 and "intact" in v.out:
                self.note("audit_verify", "right")
            else:
                self.note(
                    "audit_verify",
                    "misleading",
                    "the shared log after the run does not verify",
                    v.out + v.err,
                    (v,),
                )
        # verify CODE: GENUINE only for printed; otherwise the state is said
        sample = list(att.values())
        self.rng.shuffle(sample)
        chosen = [a for a in sample if not a.printed][: max_codes // 2]
        chosen += [a for a in sample if a.printed][: max_codes - len(chosen)]
        for a in chosen:
            r = self.counter.run(["verify", a.code, "--audit", str(self.log)], label="verify code")
            if self.common("verify_code", [r]):
                continue
            text = (r.out + r.err).lower()
            if a.printed:
                if r.rc == 0 and "genuine" in text and "not genuine" not in text:
                    self.note("verify_code", "right")
                else:
                    self.note(
                        "verify_code",
                        "over_refused",
                        f"printed {a.code}: verify exit {r.rc}",
                        r.out + r.err,
                        (r,),
                    )
            else:
                state = a.final if a.final != "retry" else "pending"
                said = state in text or "not printed" in text
                if said and not (r.rc == 0 and "not printed" not in text and state not in text):
                    self.note("verify_code", "right")
                else:
                    self.note(
                        "verify_code",
                        "silently_wrong",
                        f"{a.code} is {a.states or ['pending']} in the log; verify says",
                        r.out + r.err,
                        (r,),
                    )
        self.tamper(att)

    def tamper(self, att: dict[int, oracle.Attempt]) -> None:
        """An insider turns an unconfirmed/failed/pending attempt into printed in a copy: never intact/GENUINE."""
        victim = next((a for a in att.values() if not a.printed), None)
        if victim is None:
            return
        folder = self.world.folder / "tampered"
        folder.mkdir(exist_ok=True)
        copy = folder / self.log.name
        for f in self.log.parent.glob(self.log.name + "*"):
            shutil.copy2(f, folder / f.name)
        con = sqlite3.connect(copy)
        tables = [t for (t,) in con.execute("select name from sqlite_master where type='table'")]
        table = next((t for t in tables if "event" in t or "audit" in t), tables[0])
        cols = [c[1] for c in con.execute(f"pragma table_info({table})")]
        if "status" not in cols or "seq" not in cols:
            con.close()
            return
        last = con.execute(f"select max(seq) from {table} where ref_seq = ?", (victim.seq,)).fetchone()[0]
        target = last if last is not None else victim.seq
        con.execute(f"update {table} set status = 'printed' where seq = ?", (target,))
        con.commit()
        con.close()
        v = self.counter.run(["audit", "verify", "--audit", str(copy)], label="tamper verify")
        if not self.common("tamper", [v]):
            if v.rc == 1 and "tampered" in (v.out + v.err).lower():
                self.note("tamper", "right")
            else:
                self.note(
                    "tamper",
                    "silently_wrong",
                    f"status edited to printed at row {target}: audit verify exit {v.rc}",
                    v.out + v.err,
                    (v,),
                )
        r = self.counter.run(["verify", victim.code, "--audit", str(copy)], label="tamper verify code")
        if not self.common("tamper", [r]):
            text = (r.out + r.err).lower()
            if r.rc != 0 and "genuine" not in text.replace("not genuine", ""):
                self.note("tamper", "right")
            else:
                self.note(
                    "tamper",
                    "silently_wrong",
                    f"edited log: verify {victim.code} exit {r.rc}",
                    r.out + r.err,
                    (r,),
                )

    def card_leak(self) -> None:
        """A full card number typed into the reason: masked in the log and in every output (docs: 'What is stored')."""
        s = self.sale()
        pan = full_pan(self.rng)
        p = self.printer(s.txn_id, "pid")
        r = self.counter.run(
            self.reprint_args(s, p, "clerkA", reason=f"customer card {pan} slip lost"), label="card leak"
        )
        self.common("card_leak", [r])
        lst = self.counter.run(
            ["audit", "list", "--audit", str(self.log), "--txn", s.txn_id], label="audit list"
        )
        out = self.world.folder / "audit-list.csv"
        if out.exists():
            out.unlink()
        lst2 = self.counter.run(
            ["audit", "list", "--audit", str(self.log), "--out", str(out)], label="audit list csv"
        )
        csv_text = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
        leaks = oracle.full_pans(r.out + r.err + lst.out + lst.err + lst2.out + csv_text)
        if leaks:
            self.note(
                "card_leak",
                "silently_wrong",
                "a full card number in the output",
                f"{len(leaks)} hits",
                (r, lst, lst2),
            )
        else:
            self.note("card_leak", "right")

    def scan_all_outputs(self) -> None:
        """No full card number in anything any command printed (the journal holds only masked numbers)."""
        hits = [(r, oracle.full_pans(r.out + r.err)) for r in self.counter.all_runs]
        hits = [(r, h) for r, h in hits if h]
        if hits:
            self.note(
                "card_leak",
                "silently_wrong",
                "full card number printed by a command",
                "",
                tuple(r for r, _ in hits[:3]),
            )
        else:
            self.note("card_leak", "right")
