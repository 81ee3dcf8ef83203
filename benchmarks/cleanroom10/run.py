"""Run the accountant's month for one seed: read, damage, pandas conventions, match/reconcile and reports."""

from __future__ import annotations

import json
import random
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

import receiptkit as rk

from . import compare, conventions, damage, gen

LINE_COLS = ["right", "lost", "typed", "typed_unnamed", "SILENT", "crash"]
DAMAGE_COLS = ["same", "lossy", "typed", "typed_file", "over_refusal", "typed_elsewhere", "typed_unnamed", "SILENT",
               "crash"]  # fmt: skip
BAD = {"SILENT", "crash", "typed_unnamed", "over_refusal", "typed_elsewhere", "lossy"}
AMOUNT_CASES = {"max", "beyond_max", "u64", "sci", "one_decimal", "parens", "fullwidth", "spaces", "nbsp",
                "nbsp_lead", "nbsp_group", "thousands", "reserialise"}  # fmt: skip
EXT = {"journal_parquet": "parquet", "canonical_proofs_parquet": "parquet", "wechat_xlsx": "xlsx"}


def _err(e: BaseException | None) -> str:
    if e is None:
        return ""
    loc = {k: getattr(e, k, None) for k in ("file", "row", "column")}
    return f"{type(e).__name__}: {str(e)[:400]} {loc}"


class Run:
    def __init__(self, seed: int, keep: Path) -> None:
        self.seed = seed
        self.keep = keep
        self.findings: list[dict[str, Any]] = []
        self.line_table: dict[str, Counter[str]] = {}
        self.conv_table: dict[str, dict[str, str]] = {}
        self.damage_table: dict[str, Counter[str]] = defaultdict(Counter)
        self.damage_by_fmt: dict[str, Counter[str]] = defaultdict(Counter)
        self.match_info: dict[str, Any] = {}

    # -----------------------------------------------------------------------------------------------------
    def finding(self, fmt: str, check: str, outcome: str, detail: str, data: bytes | None, w: gen.Written,
                call: str, extra: dict[str, Any] | None = None) -> None:  # fmt: skip
        d = self.keep / f"seed{self.seed}"
        d.mkdir(parents=True, exist_ok=True)
        stem = f"{fmt}__{check}"
        path = None
        if data is not None:
            ext = EXT.get(fmt, Path(w.name).suffix.lstrip(".") or "csv")
            path = d / f"{stem}.{ext}"
            path.write_bytes(data)
        rec = {
            "seed": self.seed, "format": fmt, "check": check, "outcome": outcome, "detail": detail,
            "reproducer": str(path) if path else None, "call": call.replace("PATH", str(path)), **(extra or {}),
        }  # fmt: skip
        (d / f"{stem}.case.json").write_text(json.dumps(rec, ensure_ascii=False, indent=1, default=str))
        self.findings.append(rec)

    def call_text(self, w: gen.Written, strict: bool = True, case: damage.Case | None = None) -> str:
        fn = {"proofs": "read_proofs", "journal": "read_journal", "settlement": "read_settlement"}[w.reader]
        src = "open('PATH', 'rb')" if case is not None and case.mode == "bytes" else "'PATH'"
        kw = "".join(f", {k}={v!r}" for k, v in (case.kwargs or {}).items()) if case is not None else ""
        return f"receiptkit.{fn}({src}{'' if strict else ', strict=False'}{kw})"

    # -----------------------------------------------------------------------------------------------------
    def baseline(self, fmt: str, w: gen.Written) -> pd.DataFrame | None:
        o = compare.read(w)
        c: Counter[str] = Counter()
        if o.status != "frame":
            c[o.status if o.status != compare.TYPED_FILE else "typed"] += len(w.lines)
            self.line_table[fmt] = c
            self.finding(fmt, "read", o.status, _err(o.error), w.data, w, self.call_text(w))
            return None
        assert o.frame is not None
        sc = compare.score_lines(w, o.frame)
        for v, _r in sc:
            c[v] += 1
        self.line_table[fmt] = c
        bad = [(v, {k: s for k, s in r.items() if s != "ok"}) for v, r in sc if v != "right"]
        if bad:
            self.finding(fmt, "read", bad[0][0], json.dumps(bad[:5], ensure_ascii=False), w.data, w,
                         self.call_text(w), {"lines_bad": len(bad)})  # fmt: skip
        money_cols = (
            ("gross_minor", "fee_minor", "net_minor") if w.reader == "settlement" else ("amount_minor",)
        )
        conv = conventions.check_frame(o.frame, fmt, money_cols)
        s = compare.money_sums_exact(o.frame, w.lines, w.reader)
        conv["money_sums_exact"] = "ok" if s is None else s
        self.conv_table[fmt] = conv
        for k, v in conv.items():
            if v != "ok":
                self.finding(fmt, f"pandas_{k}", "convention", v, w.data, w, self.call_text(w))
        return o.frame

    # -----------------------------------------------------------------------------------------------------
    def damages(self, fmt: str, w: gen.Written, rng: random.Random) -> None:
        try:
            cases = damage.cases_for(w, rng)
        except Exception as e:
            self.findings.append({"seed": self.seed, "format": fmt, "check": "bench", "outcome": "bench_error",
                                  "detail": repr(e)})  # fmt: skip
            return
        for case in cases:
            strict = case.expect != "lenient"
            o = compare.read(w, case.data, strict=strict, mode=case.mode, kwargs=case.kwargs)
            out, detail = self.classify(w, case, o)
            self.damage_table[case.name][out] += 1
            self.damage_by_fmt[fmt][out] += 1
            if out in BAD:
                self.finding(fmt, case.name, out, detail, case.data, w, self.call_text(w, strict, case),
                             {"expect": case.expect, "target_row": case.target_row})  # fmt: skip

    def classify(self, w: gen.Written, case: damage.Case, o: compare.Outcome) -> tuple[str, str]:
        if o.status == compare.CRASH:
            return "crash", _err(o.error)
        if o.status == compare.UNNAMED:
            return "typed_unnamed", _err(o.error)
        if o.status == compare.TYPED_FILE:
            if case.expect == "frame":
                return "over_refusal", _err(o.error)
            if case.name in AMOUNT_CASES:  # a bad cell must be named by its row
                return "typed_elsewhere", _err(o.error) + f" (damaged line {case.target_row})"
            return "typed_file", ""
        if o.status == compare.TYPED:
            if case.expect == "frame":
                return "over_refusal", _err(o.error)
            row = getattr(o.error, "row", None)
            if (
                case.name in AMOUNT_CASES
                and case.target_row is not None
                and row not in (None, case.target_row)
            ):
                return "typed_elsewhere", _err(o.error) + f" (damaged line {case.target_row})"
            return "typed", ""
        assert o.frame is not None
        sc = compare.score_lines(w, o.frame, case.lines)
        verdicts = Counter(v for v, _ in sc)
        bad = [{k: s for k, s in r.items() if s != "ok"} for v, r in sc if v != "right"]
        if case.expect == "lenient":
            rej = rk.rejected(o.frame)
            rows = set(int(r) for r in rej["row"].dropna()) if len(rej) else set()
            if verdicts.get("SILENT") or verdicts.get("lost"):
                return "SILENT", json.dumps(bad[:3], ensure_ascii=False)
            if case.target_row not in rows:
                return "SILENT", f"row {case.target_row} left out but rejected lists rows {sorted(rows)}"
            return "same", ""
        if verdicts.get("SILENT"):
            return "SILENT", f"read without error (expected {case.expect}): " + json.dumps(
                bad[:3], ensure_ascii=False
            )
        if verdicts.get("lost"):
            return "lossy", json.dumps(bad[:3], ensure_ascii=False)
        return "same", ""

    # -----------------------------------------------------------------------------------------------------
    def match_and_reports(self, files: dict[str, gen.Written]) -> None:
        w = files["wechat"]
        jw = files["_journal_for_wechat"]
        proofs = compare.read(w).frame
        journal = compare.read(jw).frame
        if proofs is None or journal is None:
            self.match_info["error"] = "inputs not read"
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = rk.match(proofs, journal)
            except Exception as e:
                self.finding("match", "match", "crash", _err(e), None, w, "rk.match(proofs, journal)")
                return
        conv = conventions.check_frame(res, "match", ())
        self.conv_table["match()"] = conv
        for k, v in conv.items():
            if v != "ok":
                self.finding("match", f"pandas_{k}", "convention", v, None, w, "rk.match(proofs, journal)")
        # correctness: proof i is journal T{i+1}
        src = proofs.sort_values("source_row")["proof_id"].tolist()
        want = {pid: f"T{i + 1:08d}" for i, pid in enumerate(src)}
        st = Counter(res["status"])
        wrong = [(p, t, want.get(p)) for p, s, t in zip(res["proof_id"], res["status"], res["txn_id"], strict=False)
                 if s == "matched" and t != want.get(p)]  # fmt: skip
        self.match_info = {"status": dict(st), "wrong_matches": len(wrong)}
        if wrong:
            self.finding(
                "match", "wrong_match", "SILENT", repr(wrong[:5]), None, w, "rk.match(proofs, journal)"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                rec = rk.reconcile(proofs, journal)
            except Exception as e:
                self.finding(
                    "reconcile", "reconcile", "crash", _err(e), None, w, "rk.reconcile(proofs, journal)"
                )
                return
        for name, frame, money in (("reconcile.result", rec.result, ()),
                                   ("reconcile.summary", rec.summary, ("amount_minor",))):  # fmt: skip
            conv = conventions.check_frame(frame, name, money)
            self.conv_table[name] = conv
            for k, v in conv.items():
                if v != "ok":
                    self.finding(
                        name, f"pandas_{k}", "convention", v, None, w, f"rk.reconcile(proofs, journal).{name}"
                    )
        # summary money exact against the oracle
        s = rec.summary
        try:
            s = s[s["proofs"] > 0]  # verdicts without proofs are listed with empty currency and 0
            got = {
                (c, d): int(v)
                for (c, d), v in s.groupby(["currency", "direction"])["amount_minor"].sum().items()
            }
            wantsum: dict[tuple[str, str], int] = {}
            for x in w.lines:
                wantsum[(x.currency, x.direction)] = wantsum.get((x.currency, x.direction), 0) + x.minor
            if got != wantsum:
                self.finding("reconcile.summary", "summary_sums", "SILENT", f"{got} != {wantsum}", None, w,
                             "rk.reconcile(proofs, journal).summary")  # fmt: skip
        except Exception as e:
            self.finding("reconcile.summary", "summary_sums", "crash", _err(e), None, w, "summary")
        d = self.keep / f"seed{self.seed}" / "reports"
        d.mkdir(parents=True, exist_ok=True)
        checks = {"csv": conventions.hostile_cells_csv, "xlsx": conventions.hostile_cells_xlsx,
                  "html": conventions.hostile_html}  # fmt: skip
        self.match_info["reports"] = {}
        for ext, fn in checks.items():
            p = d / f"report.{ext}"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    rec.write(str(p))
                bad = fn(p)
            except Exception as e:
                self.finding(
                    "reports", f"write_{ext}", "crash", _err(e), None, w, f"rec.write('report.{ext}')"
                )
                self.match_info["reports"][ext] = "crash"
                continue
            self.match_info["reports"][ext] = len(bad)
            if bad:
                self.finding("reports", f"unsafe_{ext}", "SILENT", repr(bad[:5]), p.read_bytes(), w,
                             f"rec.write('report.{ext}')")  # fmt: skip
        # the proofs file itself read in an accountant's spreadsheet: the canonical CSV round trip of hostile text
        for name, frame in (("rows()", None),):
            try:
                rows = rec.rows()
                conv = conventions.check_frame(rows, name, ())
                self.conv_table["reconcile.rows()"] = conv
                for k, v in conv.items():
                    if v != "ok":
                        self.finding(
                            "reconcile.rows()", f"pandas_{k}", "convention", v, None, w, "rec.rows()"
                        )
            except Exception as e:
                self.finding("reconcile.rows()", "rows", "crash", _err(e), None, w, "rec.rows()")
            del frame

    # -----------------------------------------------------------------------------------------------------
    def go(self, only: list[str] | None = None) -> None:
        t0 = time.time()
        files = gen.month(self.seed)
        d = self.keep / f"seed{self.seed}" / "month"
        d.mkdir(parents=True, exist_ok=True)
        for fmt, w in files.items():
            (d / f"{fmt}__{w.name}").write_bytes(w.data)
        rng = random.Random(self.seed * 31 + 7)
        for fmt, w in files.items():
            if fmt.startswith("_") or (only and fmt not in only):
                continue
            self.baseline(fmt, w)
            self.damages(fmt, w, rng)
        if not only or "match" in only:
            self.match_and_reports(files)
        self.seconds = time.time() - t0


def table(rows: dict[str, Counter[str]], cols: list[str], title: str) -> str:
    w0 = max([len(title)] + [len(k) for k in rows]) + 1
    out = [title.ljust(w0) + " ".join(f"{c:>8}"[-max(8, len(c)) :] for c in cols)]
    tot: Counter[str] = Counter()
    for k, c in rows.items():
        out.append(k.ljust(w0) + " ".join(f"{c.get(col, 0):>{max(8, len(col))}}" for col in cols))
        tot.update(c)
    out.append("TOTAL".ljust(w0) + " ".join(f"{tot.get(col, 0):>{max(8, len(col))}}" for col in cols))
    return "\n".join(out)


def report(runs: list[Run]) -> str:
    lines: dict[str, Counter[str]] = defaultdict(Counter)
    dmg: dict[str, Counter[str]] = defaultdict(Counter)
    dmgf: dict[str, Counter[str]] = defaultdict(Counter)
    conv: dict[str, Counter[str]] = defaultdict(Counter)
    for r in runs:
        for k, c in r.line_table.items():
            lines[k].update(c)
        for k, c in r.damage_table.items():
            dmg[k].update(c)
        for k, c in r.damage_by_fmt.items():
            dmgf[k].update(c)
        for k, cc in r.conv_table.items():
            for ck, v in cc.items():
                conv[k]["ok" if v == "ok" else "FAIL"] += 1
                if v != "ok":
                    conv[k][ck] += 1
    out = [f"seeds {[r.seed for r in runs]}: {sum(r.seconds for r in runs):.0f} s", ""]
    out.append(table(lines, LINE_COLS, "lines read, per format"))
    out.append("")
    out.append(table(dmgf, DAMAGE_COLS, "damaged files, per format"))
    out.append("")
    out.append(table(dmg, DAMAGE_COLS, "damaged files, per damage"))
    out.append("")
    ccols = sorted({c for v in conv.values() for c in v} - {"ok", "FAIL"})
    out.append(table(conv, ["ok", "FAIL", *ccols], "pandas conventions"))
    out.append("")
    for r in runs:
        out.append(f"seed {r.seed} match/reconcile: {r.match_info}")
    out.append("")
    fs = [f for r in runs for f in r.findings]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in fs:
        groups[(f["check"], f["outcome"])].append(f)
    out.append(f"findings by check: {len(groups)} groups")
    for (check, outcome), g in sorted(groups.items(), key=lambda kv: (kv[0][1] != "SILENT", kv[0])):
        fmts = sorted({f["format"] for f in g})
        out.append(f"* {check} / {outcome}: {len(g)} ({', '.join(fmts)})")
        out.append(f"    e.g. {str(g[0].get('detail'))[:240]}")
        if g[0].get("reproducer"):
            out.append(f"    reproducer: {g[0]['reproducer']}")
    out.append("")
    out.append(f"findings: {len(fs)}")
    for f in fs:
        out.append(
            f"- seed {f['seed']} {f['format']} / {f['check']}: {f['outcome']}: {str(f.get('detail'))[:300]}"
        )
        if f.get("reproducer"):
            out.append(f"    reproducer: {f['reproducer']}  ({f.get('call')})")
    return "\n".join(out)
