"""Clean room 8: run every output path of receiptkit on one planted scenario and collect what came out.

Only the public API (README, docs) and the ``receiptkit`` command are used.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import time
import traceback
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import gen, oracle

PATHS = [
    "reader/journal csv",
    "reader/journal frame",
    "reader/wechat bill",
    "reader/sms text",
    "reader/screenshot json",
    "reader/ofx statement",
    "reader/mt940 statement",
    "reader/proof() counter",
    "matcher frame (+explain, find)",
    "report csv",
    "report xlsx",
    "report html",
    "report tables()/rows()",
    "closing pack",
    "reprint pdf",
    "reprint png (ocr)",
    "reprint escpos",
    "slip text()",
    "audit sqlite dump",
    "audit rows()/export",
    "cli stdout/stderr",
    "cli files",
    "python warnings",
    "logging records",
    "exception messages",
]

# which planted inputs each path is fed (prefixes of Plant.where)
FEEDS = {
    "reader/journal csv": ("journal:",),
    "reader/journal frame": ("frame:",),
    "reader/wechat bill": ("wechat:", "file name"),
    "reader/sms text": ("sms:",),
    "reader/screenshot json": ("json:",),
    "reader/ofx statement": ("ofx:",),
    "reader/mt940 statement": ("mt940:",),
    "reader/proof() counter": ("counter:",),
    "matcher frame (+explain, find)": (
        "journal:",
        "wechat:",
        "file name",
        "sms:",
        "json:",
        "ofx:",
        "mt940:",
        "counter:",
    ),
    "report csv": ("journal:", "wechat:", "file name", "sms:", "json:", "ofx:", "mt940:"),
    "report xlsx": ("journal:", "wechat:", "file name", "sms:", "json:", "ofx:", "mt940:"),
    "report html": ("journal:", "wechat:", "file name", "sms:", "json:", "ofx:", "mt940:"),
    "report tables()/rows()": ("journal:", "wechat:", "file name", "sms:", "json:", "ofx:", "mt940:"),
    "closing pack": ("journal:", "close:"),
    "reprint pdf": ("reprint:", "slipjournal:"),
    "reprint png (ocr)": ("reprint:", "slipjournal:"),
    "reprint escpos": ("reprint:", "slipjournal:", "slip:"),
    "slip text()": ("slip:", "slipjournal:"),
    "audit sqlite dump": ("reprint:", "close:", "slipjournal:"),
    "audit rows()/export": ("reprint:", "close:", "slipjournal:"),
    "cli stdout/stderr": ("journal:", "wechat:", "file name", "sms:", "cli:"),
    "cli files": ("journal:", "wechat:", "file name", "sms:", "cli:"),
    "python warnings": ("",),
    "logging records": ("",),
    "exception messages": ("error:",),
}

SLIP_PATHS = {"reprint pdf", "reprint png (ocr)", "reprint escpos", "slip text()"}


@dataclass
class Output:
    path: str
    label: str
    text: str
    kind: str = "text"  # text | csv | xlsx | html
    file: Path | None = None
    slip: bool = False


@dataclass
class Crash:
    path: str
    label: str
    error: str
    trace: str


@dataclass
class Silent:
    path: str
    where: str
    planted: str
    read: str


@dataclass
class Run:
    sc: gen.Scenario
    work: Path
    outputs: list[Output] = field(default_factory=list)
    crashes: list[Crash] = field(default_factory=list)
    silent: list[Silent] = field(default_factory=list)
    over_shown: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    calls: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, path: str, label: str, text: str, **kw: Any) -> None:
        self.outputs.append(Output(path, label, text, **kw))

    def add_frame(self, path: str, label: str, frame: Any) -> None:
        if frame is None:
            return
        try:
            self.add(path, label, oracle.frame_text(frame))
        except Exception as exc:
            self.add(path, label, f"<frame not readable: {exc}> {frame!r}")

    def add_file(self, path: str, f: Path, *, slip: bool = False) -> None:
        suffix = f.suffix.lower()
        kind = {".csv": "csv", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}.get(suffix, "text")
        try:
            text = oracle.file_text(f)
        except Exception as exc:
            text = f"<unreadable {exc}>"
        self.add(path, f"{f.name}", text + "\n" + f.name, kind=kind, file=f, slip=slip)

    def call(self, path: str, label: str, fn: Callable[..., Any], *a: Any, **k: Any) -> Any:
        """Run one API call; capture warnings, log records and the exception (typed or a crash)."""
        import receiptkit as rk

        self.calls[path].append(label)
        t0 = time.perf_counter()
        with capture() as cap:
            try:
                return fn(*a, **k)
            except rk.ReceiptkitError as exc:
                self.add("exception messages", f"{path}: {label}: {type(exc).__name__}", exc_text(exc))
                return exc
            except Exception as exc:
                self.add("exception messages", f"{path}: {label}: {type(exc).__name__}", exc_text(exc))
                self.crashes.append(
                    Crash(path, label, f"{type(exc).__name__}: {exc}", traceback.format_exc())
                )
                return exc
            finally:
                self.timings[path] += time.perf_counter() - t0
                for w in cap.warnings:
                    self.add("python warnings", f"{path}: {label}: {w.category.__name__}", str(w.message))
                for r in cap.records:
                    self.add("logging records", f"{path}: {label}: {r.name}", _record_text(r))
                self._warned = [w.category.__name__ for w in cap.warnings]


def exc_text(exc: BaseException) -> str:
    parts = [str(exc), repr(exc)]
    for k, v in vars(exc).items():
        parts.append(f"{k}={v!r}")
    parts.extend(repr(a) for a in exc.args)
    note = getattr(exc, "__notes__", None)
    if note:
        parts.extend(note)
    return "\n".join(parts)


def _record_text(r: logging.LogRecord) -> str:
    try:
        msg = r.getMessage()
    except Exception:
        msg = f"{r.msg} {r.args}"
    extra = r.exc_text or ""
    if r.exc_info and not extra:
        extra = "".join(traceback.format_exception(*r.exc_info))
    return f"{msg}\n{r.msg!r} {r.args!r}\n{extra}"


@dataclass
class _Cap:
    warnings: list[warnings.WarningMessage] = field(default_factory=list)
    records: list[logging.LogRecord] = field(default_factory=list)


class _Handler(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@contextlib.contextmanager
def capture() -> Iterator[_Cap]:
    cap = _Cap()
    root = logging.getLogger()
    handler = _Handler(cap.records)
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # loggers that do not propagate: attach to them too
    extra = [
        lg
        for lg in logging.Logger.manager.loggerDict.values()
        if isinstance(lg, logging.Logger) and not lg.propagate
    ]
    for lg in extra:
        lg.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            cap.warnings = w  # the live list: Run.call reads it before this context ends
            yield cap
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for lg in extra:
            lg.removeHandler(handler)


# --------------------------------------------------------------------------------------------------- the paths


def run_all(sc: gen.Scenario, work: Path, *, ocr: bool = True, cli: bool = True) -> Run:
    import pandas as pd

    import receiptkit as rk

    run = Run(sc, work)
    key_hex = "hex:" + secrets.token_hex(32)
    keyfile = work / "merchant.key"
    keyfile.write_text(key_hex + "\n")
    os.chmod(keyfile, 0o600)
    os.environ["RECEIPTKIT_KEY"] = key_hex
    key = rk.load_key()

    # ----------------------------------------------------------- readers
    jpath = "reader/journal csv"
    journal = run.call(jpath, "read_journal(journal.csv)", rk.read_journal, sc.files["journal"])
    if isinstance(journal, BaseException):
        run.notes.append(f"journal not read: {journal}")
        journal = run.call(
            jpath, "read_journal(strict=False)", rk.read_journal, sc.files["journal"], strict=False
        )
    warned = list(run._warned)
    run.add_frame(jpath, "journal frame", journal)
    if not isinstance(journal, BaseException):
        _silent_journal(run, journal, warned)

    # a canonical frame built by POS software, full numbers in the card, name, order and label columns
    frame_rows = []
    for i, r in enumerate(sc.journal_rows[:8]):
        p = sc.plant("frame:pan_masked", form=sc.rng.choice(["plain", "spaced", "fullwidth", "dashed"]))
        q = sc.plant("frame:merchant_name")
        o = sc.plant("frame:order_no", form="plain")
        lab = sc.plant("frame:app_label", form="chinese_glued")
        frame_rows.append(
            {
                "txn_id": f"F{sc.seed}{i:04d}",
                "ts": pd.Timestamp(f"{r['交易日期']} {r['交易时间']}", tz="Asia/Shanghai"),
                "amount_minor": round(float(r["交易金额"]) * 100),
                "currency": "CNY",
                "txn_type": "sale",
                "status": "approved",
                "channel": "card",
                "pan_masked": p.text,
                "merchant_name": f"店{q.text}",
                "order_no": o.text,
                "app_label": lab.text,
                "terminal_id": "87654321",
            }
        )
    fr = pd.DataFrame(frame_rows)
    jf = run.call("reader/journal frame", "read_journal(frame)", rk.read_journal, fr)
    run.add_frame("reader/journal frame", "journal from frame", jf)

    wpath = "reader/wechat bill"
    wechat = run.call(wpath, "read_proofs(wechat)", rk.read_proofs, sc.files["wechat"])
    run.add_frame(wpath, "wechat proofs", wechat)
    if not isinstance(wechat, BaseException):
        _silent_wechat(run, wechat, list(run._warned))
    sms = run.call(
        "reader/sms text", "read_proofs(sms, format=sms)", rk.read_proofs, sc.files["sms"], format="sms"
    )
    if isinstance(sms, BaseException):
        sms = run.call(
            "reader/sms text",
            "read_proofs(sms, strict=False)",
            rk.read_proofs,
            sc.files["sms"],
            format="sms",
            strict=False,
        )
    run.add_frame("reader/sms text", "sms proofs", sms)
    js = run.call(
        "reader/screenshot json", "read_proofs(json)", rk.read_proofs, sc.files["json"], format="json"
    )
    run.add_frame("reader/screenshot json", "json proofs", js)
    bank_parts: list[Any] = []

    for fmt in ("ofx", "mt940"):
        pf = run.call(f"reader/{fmt} statement", f"read_proofs({fmt})", rk.read_proofs, sc.files[fmt])
        if isinstance(pf, BaseException):
            pf = run.call(
                f"reader/{fmt} statement",
                f"read_proofs({fmt}, strict=False)",
                rk.read_proofs,
                sc.files[fmt],
                strict=False,
            )
        run.add_frame(f"reader/{fmt} statement", f"{fmt} proofs", pf)
        bank_parts.append(pf)

    counter = []
    for r in sc.journal_rows[:3]:
        m = sc.plant("counter:merchant")
        ref = sc.plant("counter:reference", form=sc.rng.choice(["plain", "spaced", "fullwidth"]))
        pr = run.call(
            "reader/proof() counter",
            "proof(merchant=PAN, reference=PAN)",
            rk.proof,
            amount=r["交易金额"],
            time=f"{r['交易日期']} {r['交易时间'][:5]}",
            last4=r["_last4"] or None,
            merchant=m.text,
            reference=ref.text,
        )
        if not isinstance(pr, BaseException):
            counter.append(pr)
            run.add_frame("reader/proof() counter", "proof()", pr)

    proofs_parts = [p for p in (wechat, sms, js, *bank_parts) if isinstance(p, pd.DataFrame)]
    proofs = pd.concat(proofs_parts, ignore_index=True) if proofs_parts else None

    # ----------------------------------------------------------- matcher and reports
    mpath = "matcher frame (+explain, find)"
    if proofs is not None and isinstance(journal, pd.DataFrame):
        res = run.call(mpath, "match(proofs, journal)", rk.match, proofs, journal)
        run.add_frame(mpath, "match result", res)
        if isinstance(res, pd.DataFrame):
            for pid in list(res["proof_id"])[:: max(1, len(res) // 8)]:
                ex = run.call(mpath, "explain", rk.explain, res, pid)
                if not isinstance(ex, BaseException):
                    run.add(mpath, f"explain {pid}", _any_text(ex))
        idx = run.call(mpath, "JournalIndex", rk.JournalIndex, journal)
        for r in sc.journal_rows[: len(counter)]:
            if not isinstance(idx, BaseException):
                m = sc.plant("counter:find merchant")
                f = run.call(
                    mpath,
                    "find(merchant=PAN)",
                    rk.find,
                    idx,
                    amount=r["交易金额"],
                    time=f"{r['交易日期']} {r['交易时间'][:5]}",
                    last4=r["_last4"] or None,
                    merchant=m.text,
                    tz="Asia/Shanghai",
                )
                run.add(mpath, "find result", _any_text(f))
        rec = run.call("report tables()/rows()", "reconcile", rk.reconcile, proofs, journal)
        if not isinstance(rec, BaseException):
            rdir = work / "report"
            rdir.mkdir(exist_ok=True)
            run.call("report csv", "write csv", rec.write, rdir / "report.csv")
            run.call("report xlsx", "write xlsx", rec.write, rdir / "report.xlsx")
            run.call("report html", "to_html", rec.to_html, rdir / "report.html", plots=False)
            for kind, name in (
                ("report csv", "report.csv"),
                ("report xlsx", "report.xlsx"),
                ("report html", "report.html"),
            ):
                if (rdir / name).exists():
                    run.add_file(kind, rdir / name)
            tabs = run.call("report tables()/rows()", "tables", rec.tables)
            if isinstance(tabs, dict):
                for n, t in tabs.items():
                    run.add_frame("report tables()/rows()", f"table {n}", t)
            run.add_frame(
                "report tables()/rows()", "rows", run.call("report tables()/rows()", "rows", rec.rows)
            )
            run.add("report tables()/rows()", "repr(rec)", _any_text(rec))

    # ----------------------------------------------------------- reprints and slips
    audit_path = work / "audit" / "receiptkit-audit.sqlite"
    audit_path.parent.mkdir(exist_ok=True)
    pdir = work / "reprint"
    pdir.mkdir(exist_ok=True)
    if isinstance(journal, pd.DataFrame):
        # rows whose journal text carries a card number or an expiry (slots 1, 2, 5 of the generator)
        picks = [i for i in range(len(sc.journal_rows)) if i % 6 in (1, 2, 5)][:5]
        for n, i in enumerate(picks):
            txn = sc.journal_rows[i]["交易流水号"]
            for p in sc.plants:
                if (
                    p.where.startswith("journal:")
                    and p.where != "journal:卡号"
                    and p.text in _row_text(sc.journal_rows[i])
                ):
                    p2 = gen.Plant(
                        p.pid + "s", p.pan, p.brand, p.form, "slipjournal:" + p.where, p.text, p.expiry
                    )
                    sc.plants.append(p2)
            if n == 0:  # the README's Series (txn_id as its name) given to reprint: a typed error expected
                run.call(
                    "reprint pdf",
                    "reprint(journal.set_index('txn_id').loc[txn])",
                    rk.reprint,
                    journal.set_index("txn_id").loc[txn],
                    journal=journal,
                    operator="clerk7",
                    reason="lost",
                    pdf=pdir / "readme_row.pdf",
                    audit=str(audit_path),
                    key=key,
                    **_start_log(audit_path),
                )
            row = journal[journal["txn_id"] == txn].iloc[0]
            reason_p = sc.plant("reprint:reason", expiry=True)
            rem_p = sc.plant("reprint:remarks")
            rem_e = sc.expiry_plant("reprint:remarks")
            op = sc.payload("formula", "reprint:operator") if n == 0 else None
            bin_path = pdir / f"dup{n}.bin"
            rec_ = run.call(
                "reprint pdf",
                "reprint(pdf, png, printer=file:)",
                rk.reprint,
                row,
                journal=journal,
                operator=op.text if op else "clerk7",
                reason=f"顾客遗失 {reason_p.text}",
                pdf=pdir / f"dup{n}.pdf",
                png=pdir / f"dup{n}.png",
                printer=f"file:{bin_path}",
                audit=str(audit_path),
                key=key,
                remarks=[rem_p.text, rem_e.text],
                **_start_log(audit_path),
            )
            run.add("reprint pdf", "ReprintRecord", _any_text(rec_))
            for suffix, path in ((".pdf", "reprint pdf"), (".bin", "reprint escpos")):
                f = pdir / f"dup{n}{suffix}"
                if f.exists():
                    run.add_file(path, f, slip=True)
                    _default_last4(run, path, f, sc.journal_rows[i])
            # a Slip built directly: status note and remarks in free text, first6last4
            sp = sc.plant("slip:status_note", expiry=True)
            sr = sc.plant("slip:remarks")
            slip = run.call(
                "slip text()",
                "Slip.from_transaction",
                rk.Slip.from_transaction,
                row,
                status_note=f"注意 {sp.text}",
                remarks=[sr.text],
                pan_digits="first6last4",
            )
            if not isinstance(slip, BaseException):
                run.add(
                    "slip text()",
                    "slip.text()",
                    _any_text(run.call("slip text()", "text", slip.text)),
                    slip=True,
                )
                esc = run.call("reprint escpos", "to_escpos", slip.to_escpos)
                if isinstance(esc, (bytes, bytearray)):
                    d = oracle.decode_escpos(bytes(esc))
                    (pdir / f"slip{n}.escpos").write_bytes(esc)
                    run.add(
                        "reprint escpos",
                        f"slip{n}.escpos decoded",
                        d.text + "\n" + "\n".join(d.qr + d.barcodes),
                        slip=True,
                    )
                esc2 = run.call("reprint escpos", "to_escpos(raster)", slip.to_escpos, chinese="raster")
                if isinstance(esc2, (bytes, bytearray)):
                    d = oracle.decode_escpos(bytes(esc2))
                    run.add(
                        "reprint escpos",
                        f"slip{n} raster decoded",
                        d.text + "\n" + "\n".join(d.qr + d.barcodes),
                        slip=True,
                    )
                run.call("reprint pdf", "slip.to_pdf", slip.to_pdf, pdir / f"slip{n}.pdf")
                if (pdir / f"slip{n}.pdf").exists():
                    run.add_file("reprint pdf", pdir / f"slip{n}.pdf", slip=True)
                if n < 2:
                    run.call("reprint png (ocr)", "slip.to_png", slip.to_png, pdir / f"slip{n}.png")
        # a hand-made row with a full number in pan_masked must be refused, typed
        hp = sc.plant("error:Slip pan_masked", form="plain")
        bad = dict(journal.iloc[0])
        bad["pan_masked"] = hp.text
        run.call("exception messages", "Slip(pan_masked=full)", rk.Slip.from_transaction, bad)
        if ocr:
            _ocr(run, sorted(pdir.glob("*.png"))[:3])

    # ----------------------------------------------------------- closing pack
    if isinstance(journal, pd.DataFrame):
        cp = sc.plant("close:reason", expiry=True)
        pack = work / "pack"
        res = run.call(
            "closing pack",
            "close_terminal(force)",
            rk.close_terminal,
            gen.TERMINAL,
            journal,
            out=pack,
            operator="li",
            force=True,
            reason=f"合同终止 {cp.text}",
            key=key,
            audit=str(audit_path),
            now=pd.Timestamp("2026-11-30T18:00:00+08:00"),
        )
        run.add("closing pack", "ClosingPack", _any_text(res))
        if pack.exists():
            for f in sorted(pack.rglob("*")):
                if f.is_file():
                    run.add_file("closing pack", f, slip=f.suffix == ".pdf")

    # ----------------------------------------------------------- audit
    if audit_path.exists():
        run.add("audit sqlite dump", "sqlite3 .dump", oracle.sqlite_dump(audit_path))
        for extra in audit_path.parent.glob("*"):
            if extra != audit_path and extra.is_file():
                run.add_file("audit sqlite dump", extra)
        log = run.call("audit rows()/export", "AuditLog", rk.AuditLog, str(audit_path), key=key, create=False)
        if not isinstance(log, BaseException):
            run.add_frame("audit rows()/export", "rows()", run.call("audit rows()/export", "rows", log.rows))
            ad = work / "auditx"
            ad.mkdir(exist_ok=True)
            run.call("audit rows()/export", "export xlsx", log.export, ad / "audit.xlsx")
            run.call("audit rows()/export", "export csv", log.export, ad / "audit.csv")
            run.call("audit rows()/export", "export_log", log.export_log, ad / "backup.jsonl")
            for f in sorted(ad.glob("*")):
                run.add_file("audit rows()/export", f)

    # ----------------------------------------------------------- bad input naming a value
    _errors(run, sc, work)

    # ----------------------------------------------------------- the command line
    if cli:
        _cli(run, sc, work, keyfile)
    return run


def _start_log(audit_path: Path) -> dict[str, bool]:
    """``rk.reprint``'s ``new_audit_log=True`` exactly when the log does not exist yet: the first reprint ever
    starts it; a missing log is refused otherwise (docs/reprint.md, session 18)."""
    return {} if audit_path.exists() else {"new_audit_log": True}


def _default_last4(run: Run, path: str, f: Path, r: dict[str, str]) -> None:
    """A duplicate made without ``pan_digits`` shows the last 4 only: the card's first 6 next to stars is
    more than the default (README: "card masked to the last 4")."""
    import re

    card = next((p for p in run.sc.plants if p.where == "journal:卡号" and p.text == r["卡号"]), None)
    if card is None:
        return
    text = oracle.squeeze(run.outputs[-1].text)
    if re.search(re.escape(card.pan[:6]) + r"\*+" + re.escape(card.pan[-4:]), text):
        run.over_shown.append((path, f.name, card.pan))


def _row_text(r: dict[str, str]) -> str:
    return " ".join(r.values())


def _any_text(obj: Any) -> str:
    parts = [repr(obj)]
    with contextlib.suppress(Exception):
        parts.append(str(obj))
    for m in ("_repr_html_", "to_string"):
        f = getattr(obj, m, None)
        if callable(f):
            with contextlib.suppress(Exception):
                parts.append(str(f()))
    d = getattr(obj, "__dict__", None)
    if isinstance(d, dict):
        parts.append(repr(d)[:200000])
    return "\n".join(parts)


def _silent_journal(run: Run, journal: Any, warned: list[str]) -> None:
    by = journal.set_index("txn_id")
    for r in run.sc.journal_rows:
        if r["交易流水号"] not in by.index:
            continue
        got = by.loc[r["交易流水号"]]["merchant_name"]
        planted = r["商户名称"]
        # card numbers are masked and expiry dates become **/** by design (docs/proofs.md): not silent changes
        has_pan = any(p.text in planted for p in run.sc.plants if p.pan or p.expiry)
        if not has_pan and str(got) != planted:
            run.silent.append(Silent("reader/journal csv", "journal:商户名称", planted, str(got)))


def _silent_wechat(run: Run, proofs: Any, warned: list[str]) -> None:
    for pl in run.sc.payloads:
        if not pl.where.startswith("wechat:"):
            continue
        hits = [
            json.dumps(v, ensure_ascii=False)
            for v in proofs["raw"]
            if pl.tok in json.dumps(v, ensure_ascii=False)
        ]
        if not hits:
            run.silent.append(Silent("reader/wechat bill", pl.where, pl.text, "<not found in raw>"))
        elif not any(json.dumps(pl.text, ensure_ascii=False)[1:-1] in h for h in hits):
            run.silent.append(Silent("reader/wechat bill", pl.where, pl.text, hits[0][:300]))


def _ocr(run: Run, pngs: list[Path]) -> None:
    import io

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            from rapidocr import RapidOCR
    except Exception:
        run.notes.append("PNG: rapidocr not importable, not read")
        return
    try:
        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            engine = RapidOCR()
            for f in pngs:
                res = engine(str(f))
                txts = getattr(res, "txts", None) or ()
                run.add("reprint png (ocr)", f.name, "\n".join(txts), slip=True)
    except Exception as exc:
        run.notes.append(f"PNG OCR failed: {exc}")


def _errors(run: Run, sc: gen.Scenario, work: Path) -> None:
    """Bad input whose value is (or holds) a card number: the error names it, masked."""
    import receiptkit as rk

    edir = work / "errors"
    edir.mkdir(exist_ok=True)
    src = sc.files["journal"].read_text(encoding="utf-8").splitlines()
    header = src[0].split(",")
    line = src[1].split(",")
    cases = [
        ("交易金额", "amount"),
        ("交易类型", "type"),
        ("币种", "currency"),
        ("交易日期", "date"),
        ("交易时间", "time"),
        ("交易状态", "status"),
        ("商户名称", "control char"),
    ]
    for col, what in cases:
        p = sc.plant(
            f"error:journal {col}", form=sc.rng.choice(["plain", "spaced", "fullwidth", "chinese_glued"])
        )
        cells = list(line)
        k = header.index(col)
        value = p.text if what != "control char" else f"店\x1b{p.text}"
        cells[k] = '"' + value.replace('"', '""') + '"'
        f = edir / f"bad_{what.replace(' ', '_')}.csv"
        f.write_text("\n".join([src[0], ",".join(cells), src[2]]) + "\n", encoding="utf-8")
        run.call("exception messages", f"read_journal bad {what}", rk.read_journal, f)
        rej = run.call(
            "exception messages", f"read_journal bad {what} strict=False", rk.read_journal, f, strict=False
        )
        if not isinstance(rej, BaseException):
            run.add_frame(
                "exception messages",
                f"rejected({what})",
                run.call("exception messages", "rejected", rk.rejected, rej),
            )
            run.add_frame("exception messages", f"frame({what})", rej)
    p = sc.plant("error:tz=", form="plain")
    run.call("exception messages", "read_journal(tz=PAN)", rk.read_journal, sc.files["journal"], tz=p.text)
    p = sc.plant("error:missing file name", form="plain")
    run.call(
        "exception messages", "read_proofs(missing PAN file)", rk.read_proofs, edir / f"账单{p.text}.csv"
    )
    for arg in ("amount", "last4", "time", "wallet_txn_id", "reference"):
        p = sc.plant(f"error:proof({arg}=)", form=sc.rng.choice(["plain", "spaced", "fullwidth"]))
        kw: dict[str, Any] = {"amount": "12.00", "time": "2026-11-12 10:00"}
        kw[arg] = p.text if arg != "time" else f"2026-11-12 {p.text}"
        res = run.call("exception messages", f"proof({arg}=PAN)", rk.proof, **kw)
        if not isinstance(res, BaseException):
            run.add_frame("exception messages", f"proof({arg}=PAN) frame", res)
    # a WeChat bill cell that is no amount
    wb = sc.files["wechat"].read_bytes().decode("utf-8-sig").splitlines()
    hdr_i = next(i for i, ln in enumerate(wb) if ln.startswith("交易时间"))
    cells = wb[hdr_i + 1].split(",")
    p = sc.plant("error:wechat 金额(元)", form=sc.rng.choice(["plain", "fullwidth"]))
    cells[5] = f"¥{p.text}"
    f = edir / "bad_wechat.csv"
    f.write_text("\ufeff" + "\r\n".join([*wb[: hdr_i + 1], ",".join(cells)]) + "\r\n", encoding="utf-8")
    run.call("exception messages", "read_proofs(wechat bad amount)", rk.read_proofs, f)
    rej = run.call(
        "exception messages", "read_proofs(wechat bad amount, strict=False)", rk.read_proofs, f, strict=False
    )
    if not isinstance(rej, BaseException):
        run.add_frame(
            "exception messages",
            "rejected(wechat)",
            run.call("exception messages", "rejected", rk.rejected, rej),
        )


def _cli(run: Run, sc: gen.Scenario, work: Path, keyfile: Path) -> None:
    cdir = work / "cli"
    cdir.mkdir(exist_ok=True)
    for name in ("journal", "wechat", "sms"):
        shutil.copy(sc.files[name], cdir / sc.files[name].name)
    env = dict(os.environ)
    env.pop("RECEIPTKIT_KEY", None)
    env["RECEIPTKIT_KEY_FILE"] = str(keyfile)
    env["COLUMNS"] = "200"
    r0 = sc.journal_rows[0]
    r1 = sc.journal_rows[1]
    m1 = sc.plant("cli:find --merchant")
    f1 = sc.plant("cli:find --ref", form="spaced")
    l1 = sc.plant("cli:find --last4", form="plain")
    a1 = sc.plant("cli:find --amount", form="plain")
    rr = sc.plant("cli:reprint --reason", expiry=True)
    rm = sc.plant("cli:reprint --merchant", form="fullwidth")
    cr = sc.plant("cli:close-terminal --reason")
    op = sc.payload("formula", "cli:reprint --operator")
    t0 = f"{r0['交易日期']} {r0['交易时间'][:5]}"
    audit = "cli-audit.sqlite"
    j = sc.files["journal"].name
    cmds = [
        [
            "reconcile",
            "--journal",
            j,
            "--proofs",
            sc.files["wechat"].name,
            sc.files["sms"].name,
            "--out",
            "rep.csv",
            "--out",
            "rep.html",
            "--out",
            "rep.xlsx",
            "--no-plots",
        ],
        [
            "find",
            "--journal",
            j,
            "--amount",
            r0["交易金额"],
            "--time",
            t0,
            "--last4",
            r0["_last4"],
            "--merchant",
            m1.text,
            "--ref",
            f1.text,
        ],
        ["find", "--journal", j, "--amount", r0["交易金额"], "--time", t0, "--last4", l1.text],
        ["find", "--journal", j, "--amount", a1.text, "--time", t0],
        ["find", "--journal", j, "--proof", sc.files["sms"].name],
        [
            "reprint",
            r0["交易流水号"],
            "--journal",
            j,
            "--amount",
            r0["交易金额"],
            "--time",
            t0,
            "--last4",
            r0["_last4"],
            "--currency",
            "CNY",
            "--merchant",
            rm.text,
            "--operator",
            op.text,
            "--reason",
            f"lost {rr.text}",
            "--pdf",
            "cli-dup.pdf",
            "--audit",
            audit,
        ],
        [
            "reprint",
            r1["交易流水号"],
            "--journal",
            j,
            "--operator",
            "clerk",
            "--reason",
            f"lost {rr.text}",
            "--pdf",
            "cli-dup1.pdf",
            "--audit",
            audit,
        ],
        [
            "close-terminal",
            gen.TERMINAL,
            "--journal",
            j,
            "--out",
            "cli-pack",
            "--force",
            "--reason",
            cr.text,
            "--operator",
            "li",
            "--audit",
            audit,
            "--at",
            "2026-11-30T18:00+08:00",
        ],
        ["audit", "list", "--audit", audit],
        ["audit", "list", "--audit", audit, "--out", "cli-audit.xlsx"],
        ["audit", "export", "cli-backup.jsonl", "--audit", audit],
    ]
    for cmd in cmds:
        if cmd[0] == "reprint" and not (cdir / audit).exists():
            cmd = [*cmd, "--new-audit-log"]  # the first reprint ever starts the log (docs/cli.md, session 18)
        t = time.perf_counter()
        try:
            res = subprocess.run(
                [sys.executable, "-m", "receiptkit", *cmd],
                cwd=cdir,
                env=env,
                capture_output=True,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired:
            run.crashes.append(Crash("cli stdout/stderr", " ".join(cmd[:2]), "timeout", ""))
            continue
        run.timings["cli stdout/stderr"] += time.perf_counter() - t
        out = res.stdout.decode("utf-8", "replace")
        err = res.stderr.decode("utf-8", "replace")
        label = "receiptkit " + " ".join(cmd[:2])
        run.calls["cli stdout/stderr"].append(label)
        run.add("cli stdout/stderr", f"{label} (exit {res.returncode})", out + "\n" + err)
        if res.returncode == 3 or "Traceback" in err:
            run.crashes.append(Crash("cli stdout/stderr", label, f"exit {res.returncode}: {err[-400:]}", err))
    inputs = {sc.files[n].name for n in ("journal", "wechat", "sms")}
    for f in sorted(cdir.rglob("*")):
        if f.is_file() and f.name not in inputs:
            run.add_file("cli files", f, slip=f.suffix == ".pdf")
