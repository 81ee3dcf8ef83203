"""Drive the real command line as docs/cli.md tells staff: ``find``, then ``reprint`` with the line ``find``
printed (PDF, PNG and an ESC/POS file), then ``verify``; a fresh key and audit log per world."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from . import oracle
from .sessions import Session
from .world import World

SRC = Path(__file__).resolve().parents[2] / "src"
VENV_BIN = Path("/work/main/.venv/bin")
EXE = [str(VENV_BIN / "receiptkit")]


@dataclass
class Call:
    argv: list[str]
    rc: int
    out: str
    err: str
    seconds: float

    def cmdline(self) -> str:
        return " ".join(shlex.quote(a) for a in ["receiptkit", *self.argv])


@dataclass
class Outcome:
    session: Session
    calls: list[Call] = field(default_factory=list)
    verdict: str = ""  # MATCHED / AMBIGUOUS / UNMATCHED / ERROR
    found: str | None = None  # txn_id find matched
    reprinted: str | None = None
    reprint_no: int | None = None
    code: str | None = None
    problems: list[str] = field(default_factory=list)  # wrong fields, contradictions, unexpected exits
    crashes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    clerk: list[str] = field(default_factory=list)  # txn ids a careful clerk finds consistent
    outputs: str = "pdf+png+escpos"


class Runner:
    def __init__(self, w: World, work: Path) -> None:
        self.w = w
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.key = work / "merchant.key"
        self.key.write_text("hex:" + secrets.token_hex(32) + "\n")
        self.key.chmod(0o600)
        self.audit = work / "receiptkit-audit.sqlite"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "RECEIPTKIT_KEY_FILE": str(self.key),
            "COLUMNS": "200",
            "PYTHONIOENCODING": "utf-8",
        }
        self.pem = work / "merchant.pem"
        self.qrs: list[tuple[str, str]] = []
        self._start_lock = threading.Lock()

    def run(self, argv: list[str], cwd: Path | None = None) -> Call:
        t0 = time.perf_counter()
        p = subprocess.run(
            EXE + argv, cwd=cwd or self.work, env=self.env, capture_output=True, text=True, timeout=300
        )
        return Call(argv, p.returncode, p.stdout, p.stderr, time.perf_counter() - t0)

    def setup(self) -> Call:
        return self.run(["key", "export-public", str(self.pem)])

    def run_reprint(self, argv: list[str], cwd: Path) -> Call:
        """``reprint`` into the shop's audit log. docs/cli.md (session 18): reprint refuses a log that does not
        exist (exit 2, `no audit log at ...`); the first reprint ever starts it with ``--new-audit-log``, a later
        one never adds it. Sessions run in parallel: whether the log exists is decided under a lock, and the
        reprint that starts it runs alone."""
        with self._start_lock:
            if not self.audit.exists():
                return self.run([*argv, "--new-audit-log"], cwd=cwd)
        return self.run(argv, cwd=cwd)

    # one session ---------------------------------------------------------------------------------------
    def session(self, s: Session) -> Outcome:
        o = Outcome(s)
        t0 = time.perf_counter()
        d = self.work / f"s{s.sid:03d}"
        d.mkdir(exist_ok=True)
        for name, body in s.files.items():
            (d / name).write_text(body, encoding="utf-8")
        assert self.w.path is not None
        find = self.run(["find", "--journal", str(self.w.path), *s.find_args, "--tz", s.zone], cwd=d)
        o.calls.append(find)
        self._crash(o, find)
        m = re.search(r"^(MATCHED|AMBIGUOUS|UNMATCHED)\b", find.out, re.M)
        o.verdict = m.group(1) if m else ("ERROR" if find.rc else "?")
        line = next((ln for ln in find.out.splitlines() if ln.startswith("reprint with:")), None)
        if o.verdict == "MATCHED":
            if find.rc != 0:
                o.problems.append(f"find said MATCHED but exited {find.rc}")
            if line is None:
                o.problems.append("find said MATCHED but printed no `reprint with:` line")
        elif o.verdict in ("AMBIGUOUS", "UNMATCHED"):
            if find.rc != 1:
                o.problems.append(f"find said {o.verdict} but exited {find.rc} (docs: 1)")
            if line is not None:
                o.problems.append(f"find said {o.verdict} and still offered `{line[:80]}…`")
        elif find.rc not in (1, 2):
            o.problems.append(f"find printed no verdict and exited {find.rc}")
        if line is not None:
            argv = shlex.split(line[len("reprint with:") :].strip())
            if argv and argv[0] == "receiptkit":
                argv = argv[1:]
            o.found = argv[1] if len(argv) > 1 and not argv[1].startswith("-") else None
            self._reprint(o, argv, d)
        o.seconds = time.perf_counter() - t0
        return o

    def _crash(self, o: Outcome, c: Call) -> None:
        if c.rc == 3 or "Traceback" in c.err or "Traceback" in c.out:
            o.crashes.append(f"exit {c.rc}: {c.cmdline()}: {(c.err.strip().splitlines() or [''])[-1][:200]}")
        pan_hits = [cust.pan for cust in self._customers_in(c.out + c.err)]
        for pan in pan_hits:
            o.problems.append(f"full card number {pan[:6]}…{pan[-4:]} in the output of `{c.argv[0]}`")

    def _customers_in(self, text: str) -> list:
        digits = re.sub(r"[\s-]", "", text)
        return [c for c in self.w.customers if c.pan in digits]

    def _reprint(self, o: Outcome, argv: list[str], d: Path) -> None:
        s = o.session
        out: list[str] = []
        i = 0
        while i < len(argv):
            a = argv[i]
            if a == "--operator":
                out += [a, f"clerk{s.sid % 3 + 1}"]
                i += 2
            elif a == "--reason":
                out += [a, f"customer lost the slip (session {s.sid})"]
                i += 2
            elif a in ("--pdf", "--png"):
                i += 2
            else:
                out.append(a)
                i += 1
        escpos = s.sid % 2 == 0  # every other session adds an ESC/POS file (a one-way printer)
        out += ["--pdf", str(d / "dup.pdf"), "--png", str(d / "dup.png"), "--audit", str(self.audit)]
        if escpos:
            out += ["--printer", f"file:{d / 'dup.bin'}"]
        else:
            o.outputs = "pdf+png"
        for p in ("dup.pdf", "dup.png", "dup.bin"):
            (d / p).unlink(missing_ok=True)
        c = self.run_reprint(out, cwd=d)
        o.calls.append(c)
        self._crash(o, c)
        text = c.out + c.err
        m = re.search(r"reprint (\d+) of (\S+)", text)
        code = re.search(r"verification code ([A-Z0-9]{5}-[A-Z0-9]{5})", text)
        if c.rc in (0, 1) and m:
            o.reprint_no, o.reprinted = int(m.group(1)), m.group(2)
            o.code = code.group(1) if code else None
        if escpos:
            if c.rc == 0:
                o.problems.append(
                    "reprint to a file printer (one-way, cannot confirm) exited 0: reported as printed"
                )
            if c.rc == 1 and "CHECK THE PRINTER" not in text:
                o.problems.append("reprint exited 1 without CHECK THE PRINTER")
        elif c.rc == 1:
            o.problems.append("reprint of PDF/PNG only exited 1")
        if c.rc == 2 and o.reprinted is None:
            o.problems.append(
                f"find said MATCHED, reprint refused: {(c.err.strip().splitlines() or [''])[-1][:160]}"
            )
            return
        if c.rc not in (0, 1):
            if c.rc != 3:
                o.problems.append(f"reprint exited {c.rc}")
            return
        if o.reprinted is None:
            o.problems.append("reprint ran but did not say which transaction/number")
            return
        if o.found and o.reprinted != o.found:
            o.problems.append(f"find matched {o.found}, reprint printed {o.reprinted}")
        sale = self.w.by_id.get(o.reprinted)
        if sale is None:
            o.problems.append(f"reprinted {o.reprinted}: not in the journal")
            return
        checks = []
        if (d / "dup.pdf").exists():
            checks.append(oracle.check_text(oracle.pdf_text(d / "dup.pdf"), sale, "pdf"))
        else:
            o.problems.append("no PDF written")
        if not (d / "dup.png").exists() or (d / "dup.png").read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            o.problems.append("no PNG written")
        qr = None
        if escpos:
            if (d / "dup.bin").exists():
                ch = oracle.check_escpos(d / "dup.bin", sale)
                checks.append(ch)
                qr = ch.qr
            else:
                o.problems.append("no ESC/POS file written")
        for ch in checks:
            o.problems += ch.problems
            if ch.reprint_no is not None and ch.reprint_no != o.reprint_no:
                o.problems.append(f"slip says reprint {ch.reprint_no}, the command said {o.reprint_no}")
        if o.code:
            v = self.run(["verify", o.code, "--audit", str(self.audit)], cwd=d)
            o.calls.append(v)
            self._crash(o, v)
            if v.rc != 0 or "GENUINE" not in v.out or "NOT GENUINE" in v.out:
                o.problems.append(f"verify of a fresh code exited {v.rc}: {v.out.strip()[:120]}")
            mm = re.search(r"txn (\S+), reprint (\d+)", v.out)
            if mm and (mm.group(1) != o.reprinted or int(mm.group(2)) != o.reprint_no):
                o.problems.append(f"verify names {mm.group(1)} reprint {mm.group(2)}")
            if escpos and "UNCONFIRMED" not in v.out.upper():
                o.problems.append("verify does not say the one-way print is unconfirmed")
        if qr:
            self.qrs.append((qr, sale.txn_id))
            o.problems += oracle.check_qr(qr, sale)
            if s.sid % 4 == 0:  # the offline check of the QR payload with the public key
                v2 = self.run(["verify", qr, "--public-key", str(self.pem)], cwd=d)
                o.calls.append(v2)
                self._crash(o, v2)
                if v2.rc != 0 or "GENUINE" not in v2.out or "NOT GENUINE" in v2.out:
                    o.problems.append(
                        f"verify of the slip's QR payload exited {v2.rc}: {v2.out.strip()[:120]}"
                    )

    def sessions(self, ss: list[Session], workers: int = 2) -> list[Outcome]:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(self.session, ss))

    # printers that do not print ---------------------------------------------------------------------------
    def printer_session(
        self, s: Session, sale_rrn: str, mode: str, profile: str | None, expect: int
    ) -> Outcome:
        """Reprint by RRN (the clerk's look-up) to a fake network printer; ``expect`` is the exit the docs give."""
        o = Outcome(s, outputs=f"tcp printer ({mode}, profile {profile or 'default'})")
        t0 = time.perf_counter()
        d = self.work / f"s{s.sid:03d}"
        d.mkdir(exist_ok=True)
        fp = FakePrinter(mode)
        assert self.w.path is not None
        argv = ["reprint", "--rrn", sale_rrn, "--journal", str(self.w.path), "--tz", s.zone]
        argv += ["--operator", "clerk9", "--reason", f"customer lost the slip (session {s.sid})"]
        argv += [
            "--printer",
            f"tcp://127.0.0.1:{fp.port}",
            "--printer-timeout",
            "2",
            "--audit",
            str(self.audit),
        ]
        if profile:
            argv += ["--profile", profile]
        try:
            c = self.run_reprint(argv, cwd=d)
        finally:
            fp.close()
        (d / "printer.bin").write_bytes(bytes(fp.data))
        o.calls.append(c)
        self._crash(o, c)
        o.verdict = "RRN"
        text = c.out + c.err
        m = re.search(r"reprint (\d+) of (\S+)", text)
        code = re.search(r"verification code ([A-Z0-9]{5}-[A-Z0-9]{5})", text)
        if m and c.rc in (0, 1):
            o.reprint_no, o.reprinted = int(m.group(1)), m.group(2)
            o.code = code.group(1) if code else None
        if c.rc != expect:
            o.problems.append(
                f"printer {mode} (profile {profile or 'default'}): reprint exited {c.rc}, docs say {expect}: "
                f"{(c.err.strip().splitlines() or c.out.strip().splitlines() or [''])[-1][:160]}"
            )
        if c.rc == 0 and mode != "drops":
            o.problems.append(f"printer {mode}: reported printed")
        if mode == "paper_out" and fp.data and len(fp.data) > 200:
            o.problems.append(
                f"printer paper_out: {len(fp.data)} bytes of the slip were sent to a printer out of paper"
            )
        sale = self.w.by_id.get(o.reprinted or "")
        if sale is not None and fp.data and profile is None:
            ch = oracle.check_text(
                __import__("cleanroom6.escpos", fromlist=["decode"]).decode(bytes(fp.data)).text,
                sale,
                "escpos(tcp)",
            )
            o.problems += ch.problems
        if o.code:
            v = self.run(["verify", o.code, "--audit", str(self.audit)], cwd=d)
            o.calls.append(v)
            self._crash(o, v)
            if c.rc == 1 and "UNCONFIRMED" not in v.out.upper():
                o.problems.append("verify of an unconfirmed reprint does not say UNCONFIRMED")
        o.seconds = time.perf_counter() - t0
        return o

    # the audit log, once per world ----------------------------------------------------------------------
    def audit_checks(self, n_reprints: int, n_unconfirmed: int) -> tuple[list[Call], list[str]]:
        calls, probs = [], []
        if not self.audit.exists():
            return calls, probs
        v = self.run(["audit", "verify", "--audit", str(self.audit)])
        calls.append(v)
        if v.rc != 0:
            probs.append(f"audit verify of the untouched log exited {v.rc}: {(v.out + v.err).strip()[:160]}")
        p = self.run(["audit", "pending", "--audit", str(self.audit)])
        calls.append(p)
        want = 1 if n_unconfirmed else 0
        if p.rc != want:
            probs.append(
                f"audit pending exited {p.rc} with {n_unconfirmed} unconfirmed reprints (docs: {want})"
            )
        lst = self.run(["audit", "list", "--audit", str(self.audit), "--out", str(self.work / "log.csv")])
        calls.append(lst)
        logtext = (
            lst.out
            + lst.err
            + (
                (self.work / "log.csv").read_text(errors="replace")
                if (self.work / "log.csv").exists()
                else ""
            )
        )
        for cust in self._customers_in(logtext):
            probs.append(f"full card number {cust.pan[:6]}…{cust.pan[-4:]} in the exported audit log")
        # a forged short code, and a real slip's QR payload with its amount raised: never GENUINE
        fv = self.run(["verify", "ABCDE-FGHJK", "--audit", str(self.audit)])
        calls.append(fv)
        if fv.rc != 1 or "NOT GENUINE" not in fv.out:
            probs.append(f"verify of a made-up code exited {fv.rc}: {(fv.out + fv.err).strip()[:160]}")
        if self.qrs:
            qr, _txn = self.qrs[0]
            parts = qr.split("|")
            parts[5] = str(int(parts[5]) * 10)
            forged = "|".join(parts)
            for extra in (["--public-key", str(self.pem)], ["--audit", str(self.audit)]):
                qv = self.run(["verify", forged, *extra])
                calls.append(qv)
                if qv.rc != 1 or "NOT GENUINE" not in qv.out:
                    probs.append(
                        f"verify of a slip's QR payload with its amount x10 ({' '.join(extra[:1])}) exited {qv.rc}: "
                        f"{(qv.out + qv.err).strip()[:160]}"
                    )
        # tamper: change one digit of one stored amount-like value in a copy, keep the head
        t = self.work / "tampered"
        t.mkdir(exist_ok=True)
        for f in self.work.glob("receiptkit-audit.sqlite*"):
            if f.is_file() and not f.name.endswith(".lock"):
                shutil.copy(f, t / f.name)
        # the last row deleted (truncation), the signed head kept: never intact
        cut = self.work / "truncated"
        cut.mkdir(exist_ok=True)
        for f in self.work.glob("receiptkit-audit.sqlite*"):
            if f.is_file() and not f.name.endswith(".lock"):
                shutil.copy(f, cut / f.name)
        gone = _truncate(cut / "receiptkit-audit.sqlite")
        if gone:
            cv = self.run(["audit", "verify", "--audit", str(cut / "receiptkit-audit.sqlite")])
            calls.append(cv)
            if cv.rc != 1:
                probs.append(
                    f"audit verify of a log with {gone} exited {cv.rc}: {(cv.out + cv.err).strip()[:160]}"
                )
        changed = _tamper(t / "receiptkit-audit.sqlite")
        if changed:
            tv = self.run(["audit", "verify", "--audit", str(t / "receiptkit-audit.sqlite")])
            calls.append(tv)
            if tv.rc != 1:
                probs.append(
                    f"audit verify of a log with {changed} exited {tv.rc}: {(tv.out + tv.err).strip()[:160]}"
                )
        return calls, probs


def _truncate(db: Path) -> str:
    """Delete the last row of the table with the most rows."""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        best = max(
            tables, key=lambda tb: con.execute(f'select count(*) from "{tb}"').fetchone()[0], default=None
        )
        if best is None:
            return ""
        last = con.execute(f'select max(rowid) from "{best}"').fetchone()[0]
        if last is None:
            return ""
        con.execute(f'delete from "{best}" where rowid = ?', (last,))
        con.commit()
        return f"its last row deleted ({best} row {last})"
    finally:
        con.close()


def _tamper(db: Path) -> str:
    """Edit one cell of the table with the most rows: a value holding ``3000``-like amounts or a txn id."""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        best = max(
            tables, key=lambda tb: con.execute(f'select count(*) from "{tb}"').fetchone()[0], default=None
        )
        if best is None:
            return ""
        cols = [r[1] for r in con.execute(f'pragma table_info("{best}")')]
        for rowid, *vals in con.execute(f'select rowid, * from "{best}" order by rowid'):
            for col, val in zip(cols, vals, strict=True):
                if isinstance(val, str) and re.search(r'"amount_minor": ?\d', val):
                    new = re.sub(
                        r'("amount_minor": ?)(\d)',
                        lambda m: m.group(1) + str((int(m.group(2)) + 1) % 10),
                        val,
                        count=1,
                    )
                    con.execute(f'update "{best}" set "{col}" = ? where rowid = ?', (new, rowid))
                    con.commit()
                    return f"an amount edited in {best}.{col} row {rowid}"
                if isinstance(val, str) and re.fullmatch(r"T\d{7}", val):
                    con.execute(
                        f'update "{best}" set "{col}" = ? where rowid = ?',
                        (val[:-1] + str((int(val[-1]) + 1) % 10), rowid),
                    )
                    con.commit()
                    return f"a txn id edited in {best}.{col} row {rowid}"
        return ""
    finally:
        con.close()


class FakePrinter:
    """A network receipt printer on 127.0.0.1 that answers as told (docs/slips.md, Printers; FIELD-NOTES:
    DLE EOT n real-time status, GS ( H fn 48 process ID answered once printed).

    modes: ``silent`` (takes the bytes, never answers), ``drops`` (answers every status as ready but never
    prints: no process-ID answer), ``paper_out`` (status: offline, paper end).
    """

    READY: ClassVar[dict[int, int]] = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
    PAPER_OUT: ClassVar[dict[int, int]] = {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72}

    def __init__(self, mode: str) -> None:
        import socket
        import threading

        self.mode = mode
        self.data = bytearray()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:

        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.5)
            pos = len(self.data)
            with conn:
                while not self.stop:
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    self.data += chunk
                    if self.mode == "silent":
                        continue
                    table = self.PAPER_OUT if self.mode == "paper_out" else self.READY
                    while True:
                        k = self.data.find(b"\x10\x04", pos)
                        if k < 0 or k + 2 >= len(self.data):
                            pos = max(pos, len(self.data) - 2) if k < 0 else k
                            break
                        n = self.data[k + 2]
                        pos = k + 3
                        if n in table:
                            try:
                                conn.sendall(bytes([table[n]]))
                            except OSError:
                                break

    def close(self) -> None:
        self.stop = True
        self.thread.join(timeout=3)
        self.sock.close()
