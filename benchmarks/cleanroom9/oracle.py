"""Oracle of clean room 9: run the documented API and command line on the generated sources, check the truth.

Every check is a row ``(category, check, expected, got, ok)``; counts (wrong links, lost sales, ...) are
checks whose expected value is 0.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import receiptkit as rk
from receiptkit.terminals import activity_totals

from .generate import TZ, Txn, World, terminal_shift

OWN_LABELS = ("acquirer", "terminal", "wechat", "alipay")
PRESETS = ("unionpay_terminal", "unionpay_terminal", "wechat_merchant", "alipay_merchant")
PDF_PAGES = 300
RK = [sys.executable, "-m", "receiptkit"]


@dataclass
class Result:
    checks: list[tuple[str, str, str, str, bool]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def check(self, cat: str, name: str, expected: Any, got: Any, ok: bool | None = None) -> bool:
        if ok is None:
            ok = expected == got
        self.checks.append((cat, name, _short(expected), _short(got), bool(ok)))
        return bool(ok)


def _short(v: Any, n: int = 300) -> str:
    s = str(v)
    return s if len(s) <= n else s[:n] + "..."


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(RK + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def _net(rows: list[Txn]) -> int:
    return sum(
        (t.amount if t.txn_type in ("sale", "completion") else -t.amount)
        for t in rows
        if t.status == "approved" and t.txn_type != "preauth"
    )


def _journal_net(df: pd.DataFrame) -> int:
    ok = df[(df["status"] == "approved") & (df["txn_type"] != "preauth")]
    sign = ok["txn_type"].isin(["sale", "completion"]).map({True: 1, False: -1})
    return int((ok["amount_minor"].astype("int64") * sign).sum())


def _texts_of(folder: Path) -> dict[str, str]:
    """Every output file's text: CSV/JSON as is, xlsx through its XML parts, PDF through its text."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                out[str(p)] = "".join(
                    z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
                )
        elif p.suffix == ".pdf":
            try:
                import pypdf

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pages = pypdf.PdfReader(p).pages
                    step = max(1, len(pages) // PDF_PAGES)  # a long archive: an even sample of its pages
                    out[str(p)] = "".join((pages[i].extract_text() or "") for i in range(0, len(pages), step))
            except Exception as exc:
                out[str(p)] = f"<pdf not read: {exc}>"
        else:
            out[str(p)] = p.read_bytes().decode("utf-8", "replace")
    return out


def run(w: World, src: Path, work: Path, res: Result) -> None:
    uid = {t.uid: t for t in w.txns}
    tA, tB, tC = w.terminals["A"], w.terminals["B"], w.terminals["C"]
    loss = pd.Timestamp(w.loss_at)
    key = work / "merchant.key"
    key.write_text("hex:" + f"{w.seed:02d}" * 32 + "\n")
    env = dict(os.environ, RECEIPTKIT_KEY_FILE=str(key), PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    audit = work / "audit.sqlite"
    pans = sorted({t.pan for t in w.txns if t.pan})

    # ------------------------------------------------------------------ read the sources
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        acq = rk.read_journal(src / "acquirer_detail.csv", preset="unionpay_terminal")
        term = rk.read_journal(src / "terminal_A_export.csv", preset="unionpay_terminal")
        wx = rk.read_journal(src / "wechat_bill.csv", preset="wechat_merchant", strict=False)
        ali = rk.read_journal(src / "alipay_bill.csv", preset="alipay_merchant")
    full_written = sum(
        1
        for ln in (src / "terminal_A_export.csv").read_bytes().decode("gbk").splitlines()
        if re.search(r"(?<![\d*])\d{16,19}(?![\d*])", ln.split(",")[8] if ln.count(",") > 8 else "")
    )
    pan_warn = [str(x.message) for x in caught if type(x.message).__name__ == "FullPanWarning"]
    res.check(
        "read",
        "full card numbers in the export warned (FullPanWarning)",
        True,
        bool(pan_warn) or full_written == 0,
    )
    for label, df in zip(OWN_LABELS, (acq, term, wx, ali), strict=False):
        res.check("read", f"{label}: rows read", len(w.rows[label]), len(df))
    rej = rk.rejected(wx)
    res.check(
        "read",
        "wechat: the repeated row rejected (strict=False)",
        [w.dup_line],
        sorted({int(r) for r in rej["row"]}) if len(rej) else [],
    )

    # ------------------------------------------------------------------ rebuild
    merged = rk.merge_journals([acq, term, wx, ali], sources=list(OWN_LABELS))
    j = merged.journal
    links = merged.links
    rowmap = {(lab, int(line)): u for lab in OWN_LABELS for line, u in w.rows[lab]}
    links = links.assign(
        uid=[
            rowmap.get((str(s), int(r)) if pd.notna(r) else None)
            for s, r in zip(links["source"], links["source_row"], strict=False)
        ]
    )
    res.check("merge", "every input row in links once", sum(len(w.rows[x]) for x in OWN_LABELS), len(links))
    res.check("merge", "input rows without a truth row", 0, int(links["uid"].isna().sum()))
    res.check("merge", "links name only rows of the journal", True, set(links["txn_id"]) <= set(j["txn_id"]))
    res.check("merge", "journal txn_id unique", True, j["txn_id"].is_unique)
    by_row = links.groupby("txn_id")["uid"].agg(lambda s: sorted({int(x) for x in s.dropna()}))
    wrong = {tid: us for tid, us in by_row.items() if len(us) > 1}
    res.check("merge", "wrong links (one row, several sales)", 0, len(wrong))
    res.metrics["wrong_examples"] = [
        (tid, [(uid[u].ts, uid[u].amount, uid[u].channel, uid[u].terminal) for u in us])
        for tid, us in list(wrong.items())[:5]
    ]
    rows_of: dict[int, set[str]] = {}
    for tid, us in by_row.items():
        for u in us:
            rows_of.setdefault(u, set()).add(str(tid))
    conflict_uids = {t.uid for t in w.txns if t.conflict}
    missed = {u: r for u, r in rows_of.items() if len(r) > 1 and u not in conflict_uids}
    res.check("merge", "missed links (one sale, several rows)", 0, len(missed))
    res.metrics["missed_examples"] = [
        (uid[u].ts, uid[u].amount, uid[u].channel, uid[u].txn_type, sorted(r))
        for u, r in list(missed.items())[:5]
    ]
    in_sources = {u for lab in OWN_LABELS for _, u in w.rows[lab]}
    res.check("merge", "lost sales (in a source, not in the journal)", 0, len(in_sources - set(rows_of)))
    invented = set(j["txn_id"]) - set(by_row.index)
    res.check("merge", "invented rows (no input row)", 0, len(invented))
    foreign = {t.uid for t in w.txns if t.foreign}
    res.check(
        "merge",
        "foreign rows merged into ours",
        0,
        sum(1 for us in by_row if len(us) > 1 and set(us) & foreign),
    )
    # the reversal the terminal logged as approved: a conflict, both versions kept
    mc = j.set_index("txn_id")["merge_conflict"]
    for u in conflict_uids:
        r = sorted(rows_of.get(u, set()))
        ids = {str(mc[x]) for x in r if pd.notna(mc[x])}
        res.check(
            "merge",
            "host reversal vs terminal approval: two rows, one conflict id",
            "2 rows, 1 id",
            f"{len(r)} rows, {len(ids)} id",
        )
    other_conf = j[
        j["merge_conflict"].notna()
        & ~j["txn_id"].isin({x for u in conflict_uids for x in rows_of.get(u, set())})
    ]
    res.check("merge", "conflicts where sources agree", 0, len(other_conf))
    off = merged.clock_offsets.set_index("source")
    for lab in ("terminal", "wechat", "alipay"):
        got = (
            float(off.loc[lab, "offset_s"])
            if lab in off.index and pd.notna(off.loc[lab, "offset_s"])
            else None
        )
        exp = w.offsets[lab] + (0.5 if lab == "wechat" else 0.0)
        tol = 2.0
        if lab == "terminal":
            shifts = sorted(terminal_shift(w, uid[u]) for _, u in w.rows["terminal"])
            exp = shifts[len(shifts) // 2]
            tol = max(2.0, (shifts[-1] - shifts[0]) / 2)
        res.check(
            "merge",
            f"clock offset {lab} ({w.offset_kind if lab == 'terminal' else 'server'}, drift {w.drift:+.1f} s/day)",
            exp,
            got,
            got is not None and abs(got - exp) <= tol,
        )
    res.metrics["rows"] = (sum(len(w.rows[x]) for x in OWN_LABELS), len(j))

    # ------------------------------------------------------------------ money per day and currency
    mine = j[~j["terminal_id"].isin([w.foreign_terminal]) & j["merge_conflict"].isna()]
    mine = mine.assign(day=mine["ts"].dt.tz_convert(TZ).dt.strftime("%Y-%m-%d"))
    truth_rows = [t for t in w.txns if not t.foreign and not t.conflict]
    tday: dict[str, list[Txn]] = {}
    for t in truth_rows:
        tday.setdefault(pd.Timestamp(t.ts).tz_convert(TZ).strftime("%Y-%m-%d"), []).append(t)
    bad_days = []
    for d in sorted(set(tday) | set(mine["day"])):
        got = _journal_net(mine[(mine["day"] == d) & (mine["currency"] == "CNY")])
        exp = _net(tday.get(d, []))
        if got != exp:
            bad_days.append((d, exp, got))
    res.check("totals", f"days with a wrong CNY net (of {len(set(tday))})", 0, len(bad_days))
    res.metrics["bad_days"] = bad_days[:5]
    res.check("totals", "whole-period CNY net", _net(truth_rows), _journal_net(mine))

    # ------------------------------------------------------------------ register, after the loss
    reg = rk.Terminals(str(audit), key=key)
    start = pd.Timestamp(w.start)
    reg.add(
        tA,
        operator="li",
        merchant_id=w.merchant,
        model="PAX A920",
        serial_no="0820123456",
        acquirer="银联商务",
        since=start,
    )
    reg.add(
        tC,
        operator="li",
        merchant_id=w.merchant,
        model="PAX A920",
        serial_no="0820123457",
        acquirer="银联商务",
        since=start,
    )
    reg.report_lost(tA, at=loss, operator="li", note="stolen from the counter")
    reg.replace(tA, by=tB, operator="li", at=pd.Timestamp(w.replaced_at), note="spare")
    bd = reg.backdated()
    res.check("register", "late loss report listed as backdated", True, tA in set(bd.astype(str).stack()))
    res.check("register", "A replaced by B", ("replaced", tB), (reg.get(tA).status, reg.get(tA).replaced_by))
    res.check(
        "register",
        "B active, merchant carried over",
        ("active", w.merchant),
        (reg.get(tB).status, reg.get(tB).merchant_id),
    )
    marked = rk.mark_after_loss(j, reg)
    exp_after = {t.uid for t in w.txns if t.terminal == tA and pd.Timestamp(t.ts) > loss}
    got_after = {
        u
        for tid in marked.loc[marked["after_loss"].fillna(False).astype(bool), "txn_id"]
        for u in by_row.get(tid, [])
    }
    res.check("after_loss", "marked rows: missing", 0, len(exp_after - got_after))
    res.check("after_loss", "marked rows: extra", 0, len(got_after - exp_after))
    for name, cut in (("Terminals.cutoffs()", reg.cutoffs()), ("{tid: time}", {tA: loss})):
        other = rk.mark_after_loss(j, cut)["after_loss"].fillna(False).astype(bool)
        res.check(
            "after_loss",
            f"marks with {name} = with the register",
            True,
            bool((other.to_numpy() == marked["after_loss"].fillna(False).astype(bool).to_numpy()).all()),
        )
    act = rk.loss_activity(marked, tA, reg, audit=reg.log)
    got_act = {u for tid in act["txn_id"] for u in by_row.get(str(tid).lstrip("'"), [])}
    res.check("after_loss", f"activity list: missing (of {len(exp_after)})", 0, len(exp_after - got_act))
    res.check("after_loss", "activity list: extra", 0, len(got_act - exp_after))
    res.check("after_loss", "activity list: rows", len(exp_after), len(act))
    bad = []
    for _, r in act.iterrows():
        us = by_row.get(str(r["txn_id"]).lstrip("'"), [])
        if len(us) != 1:
            continue
        t = uid[us[0]]
        mins = (pd.Timestamp(t.ts) - loss).total_seconds() / 60
        if (
            int(r["amount_minor"]) != t.amount
            or str(r["txn_type"]) != t.txn_type
            or str(r["status"]) != t.status
            or abs(float(r["minutes_after_loss"]) - mins) > 0.2
        ):
            bad.append(
                (
                    r["txn_id"],
                    t.amount,
                    r["amount_minor"],
                    t.txn_type,
                    r["txn_type"],
                    round(mins, 1),
                    r["minutes_after_loss"],
                )
            )
    txt_bad = [
        (r["txn_id"], r["amount"], r["amount_minor"])
        for _, r in act.iterrows()
        if str(r["amount"]).replace(",", "")
        != f"{int(r['amount_minor']) // 100}.{int(r['amount_minor']) % 100:02d}"
    ]
    res.check("after_loss", "activity amount text = amount_minor", 0, len(txt_bad))
    res.metrics["amount_text_bad"] = txt_bad[:3]
    res.check("after_loss", "activity rows with a wrong amount/type/status/minutes", 0, len(bad))
    res.metrics["after_loss_bad"] = bad[:5]
    tot = activity_totals(act)
    net_rows = tot[(tot.astype(str).apply(lambda c: c.str.contains("net")).any(axis=1))] if len(tot) else tot
    exp_net = _net([uid[u] for u in exp_after])
    got_net = None
    for _, r in net_rows.iterrows():
        for c in ("amount_minor", "net_minor", "sum_minor"):
            if c in r.index and pd.notna(r[c]):
                got_net = int(r[c])
                break
    res.check("after_loss", "activity totals: net", exp_net, got_net)
    res.metrics["activity_totals"] = tot.to_dict("records")
    outs = work / "outputs"
    outs.mkdir(exist_ok=True)
    rk.write_activity(act, outs / "after-loss.xlsx")
    rk.write_activity(act, outs / "after-loss.csv")
    # the command line: the same list, rebuilt from the files
    srcs = [
        src / "acquirer_detail.csv",
        src / "terminal_A_export.csv",
        src / "wechat_bill_clean.csv",
        src / "alipay_bill.csv",
    ]
    args = [
        "terminal",
        "activity",
        tA,
        "--since-loss",
        "--audit",
        str(audit),
        "--out",
        str(outs / "cli-after-loss.csv"),
    ]
    for p, pre, lab in zip(srcs, PRESETS, OWN_LABELS, strict=False):
        args += ["--journal", str(p), "--preset", pre, "--source", lab]
    cp = _cli(args, env, work)
    res.check("after_loss", "CLI terminal activity exit", 0, cp.returncode, cp.returncode == 0)
    if cp.returncode == 0:
        text = (outs / "cli-after-loss.csv").read_text(encoding="utf-8-sig")
        body = text.split("\n\n")[0]
        cli = pd.read_csv(io.StringIO(body), dtype=str)
        got_cli = {u for tid in cli["txn_id"] for u in by_row.get(str(tid).lstrip("'"), [])}
        res.check("after_loss", "CLI list = truth", sorted(exp_after), sorted(got_cli))
        m = re.search(r"net (-?[\d,]+\.\d\d)", cp.stdout)
        res.check("after_loss", "CLI printed net", rk_yuan(exp_net), m.group(1) if m else cp.stdout[-200:])
    else:
        res.metrics["cli_activity_err"] = cp.stderr[-400:]
    # the CLI on the bill as it arrived (a row written twice): a typed refusal, not a traceback
    args2 = [a if a != str(src / "wechat_bill_clean.csv") else str(src / "wechat_bill.csv") for a in args]
    args2[args2.index("--out") + 1] = str(work / "cli-dup.csv")
    cp = _cli(args2, env, work)
    res.check(
        "errors",
        "CLI activity, bill with a repeated row: exit 2 naming the row",
        f"2, line {w.dup_line}",
        f"{cp.returncode}, {cp.stderr.strip()[-160:]}",
        cp.returncode == 2 and str(w.dup_line) in cp.stderr and "Traceback" not in cp.stderr,
    )

    # ------------------------------------------------------------------ settlement of C
    settle = rk.read_settlement(src / "settlement.csv")
    wxs = rk.read_settlement(src / "wechat_bill_clean.csv")
    als = rk.read_settlement(src / "alipay_bill.csv")
    # WeChat/Alipay day lines of C against the generator's sums
    wl = pd.concat([wxs.assign(ch="wechat"), als.assign(ch="alipay")])
    wl = wl[wl["terminal_id"] == tC]
    mism = []
    for line in w.wallet_lines:
        sel = wl[
            (wl["ch"] == line["channel"])
            & (pd.to_datetime(wl["settlement_date"]).dt.strftime("%Y-%m-%d") == line["day"])
        ]
        got = (int(sel["gross_minor"].sum()), int(sel["fee_minor"].sum()))
        if got != (line["gross"], line["fee"]):
            mism.append((line["day"], line["channel"], (line["gross"], line["fee"]), got))
    res.check(
        "settlement", f"wallet day lines of C: gross/fee wrong (of {len(w.wallet_lines)})", 0, len(mism)
    )
    res.metrics["wallet_line_mism"] = mism[:4]
    # the bill with a row written twice must not count it twice silently
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            dup = rk.read_settlement(src / "wechat_bill.csv")
            dup_gross = int(dup["gross_minor"].sum())
            outcome = (
                "warned"
                if caught
                else ("counted twice" if dup_gross != int(wxs["gross_minor"].sum()) else "same")
            )
        except rk.ReceiptkitError as exc:
            outcome = f"refused: {str(exc)[:80]}"
    res.check(
        "settlement",
        "WeChat bill with a row written twice",
        "refused or warned (not counted twice silently)",
        outcome,
        outcome != "counted twice",
    )
    lines = pd.concat([settle, wxs, als], ignore_index=True)
    lines_c = lines[lines["terminal_id"] == tC].reset_index(drop=True)
    jc = marked[marked["terminal_id"] == tC]
    rec = rk.reconcile_settlement(jc, lines_c, payouts=src / "bank.csv")
    diffs = rec.differences
    res.metrics["differences"] = (
        diffs[["kind", "batch_no", "line_id", "amount_minor", "detail"]].astype(str).to_dict("records")[:12]
    )
    used: set[int] = set()
    for e in w.expected_differences:
        sel = diffs[(diffs["kind"] == e["kind"]) & ~diffs.index.isin(used)]
        if "batch_no" in e:
            sel = sel[sel["batch_no"].astype(str) == e["batch_no"]]
        else:
            sel = sel[sel["amount_minor"].astype(str) == e["amount"]]
        used.update(sel.index[:1])
        res.check(
            "settlement",
            f"reported: {e['kind']} {e.get('batch_no', e.get('amount'))}",
            1,
            len(sel),
            len(sel) >= 1,
        )
    extra = diffs[~diffs.index.isin(used)]
    res.check("settlement", "differences on consistent lines (false alarms)", 0, len(extra))
    res.metrics["false_differences"] = extra["kind"].value_counts().to_dict()

    # ------------------------------------------------------------------ closing
    # A has transactions after its loss: closing it is refused while they are open, nothing written
    outA = work / "closing-A"
    try:
        rk.close_terminal(tA, marked, out=outA, operator="li", key=key, audit=str(audit))
        got = "closed"
    except rk.ReceiptkitError as exc:
        got = f"{type(exc).__name__}: {str(exc)[:90]}"
    res.check(
        "close",
        "A (after-loss rows) refused, nothing written",
        "refused ... after_loss",
        f"{got}; written={outA.exists() and any(outA.iterdir())}",
        "after_loss" in got and not (outA.exists() and any(outA.iterdir())),
    )
    outC = work / "closing-C"
    now = pd.Timestamp(w.close_at)
    try:
        rk.close_terminal(
            tC,
            marked,
            out=outC,
            settlement=lines_c,
            payouts=src / "bank.csv",
            operator="li",
            key=key,
            audit=str(audit),
            now=now,
        )
        got = "closed"
    except rk.ReceiptkitError as exc:
        got = f"{type(exc).__name__}: {str(exc)[:90]}"
    res.check(
        "close",
        "C with an unsettled batch refused",
        "refused ... batch_not_settled",
        got,
        "batch_not_settled" in got,
    )
    pack = rk.close_terminal(
        tC,
        marked,
        out=outC,
        settlement=lines_c,
        payouts=src / "bank.csv",
        operator="li",
        key=key,
        audit=str(audit),
        now=now,
        force=True,
        reason="contract ended",
    )
    crow = [t for t in w.txns if t.terminal == tC]
    res.check(
        "close",
        "vouchers = approved transactions of C",
        sum(t.status == "approved" for t in crow),
        pack.vouchers,
    )
    ext = pd.read_csv(outC / "journal_extract.csv", dtype=str, encoding="utf-8-sig")
    got_c = {u for tid in ext["txn_id"] for u in by_row.get(str(tid).lstrip("'"), [])}
    res.check("close", "extract: C's transactions missing", 0, len({t.uid for t in crow} - got_c))
    res.check("close", "extract: rows of other terminals", 0, len(got_c - {t.uid for t in crow}))
    res.check(
        "close",
        "extract: net",
        _net(crow),
        _journal_net(ext.assign(amount_minor=ext["amount_minor"].astype("int64"))),
    )
    oi = pd.read_csv(outC / "open_items.csv", dtype=str, encoding="utf-8-sig")
    missing_batch = next(e["batch_no"] for e in w.expected_differences if e["kind"] == "batch_not_settled")
    voided = {t.orig_uid for t in crow if t.txn_type == "void"}
    exp_oi = {
        "voided_sale": len(voided),
        "refund_unsettled": sum(
            t.txn_type == "refund"
            and t.status == "approved"
            and t.batch == missing_batch
            and t.channel == "card"
            for t in crow
        ),
    }
    exp_oi = {k: v for k, v in exp_oi.items() if v}
    got_oi = oi["kind"].value_counts().to_dict() if len(oi) else {}
    res.check("close", "open items of C by kind", exp_oi, {k: int(v) for k, v in got_oi.items()})
    cj = json.loads((outC / "closing.json").read_text(encoding="utf-8"))
    res.check(
        "close",
        "closing.json forced + reason",
        (True, "contract ended"),
        (cj.get("forced"), cj.get("reason")),
    )
    res.check("close", "register: C closed", "closed", reg.get(tC).status)
    names = sorted(p.name for p in outC.iterdir())
    need = {
        "closing.json",
        "settlement_summary.csv",
        "settlement_batches.csv",
        "settlement_lines.csv",
        "settlement_differences.csv",
        "payouts.csv",
        "open_items.csv",
        "journal_extract.csv",
        "journal_extract.xlsx",
        "vouchers.pdf",
        "audit_head.json",
        "manifest.json",
    }
    res.check("close", "pack files", sorted(need), sorted(need & set(names)))
    try:
        rk.close_terminal(
            tC,
            marked,
            out=work / "closing-C2",
            operator="li",
            key=key,
            audit=str(audit),
            force=True,
            reason="again",
        )
        got = "closed twice"
    except rk.ReceiptkitError as exc:
        got = type(exc).__name__
    res.check(
        "errors", "closing a closed terminal refused (typed)", "a ReceiptkitError", got, got != "closed twice"
    )

    # ------------------------------------------------------------------ the seal
    rep = rk.verify_pack(outC, key=key, audit=str(audit))
    res.check("seal", "fresh pack intact", True, rep.intact)
    res.check(
        "seal",
        "audit head: signed and extended by the log",
        True,
        "extended" in str(rep.audit_head) and "invalid" not in str(rep.audit_head),
        None,
    )
    res.metrics["audit_head"] = str(rep.audit_head)[:200]
    for name in ("journal_extract.csv", "vouchers.pdf", "open_items.csv"):
        p = outC / name
        data = p.read_bytes()
        pos = len(data) // 2
        p.write_bytes(data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :])
        rep = rk.verify_pack(outC, key=key)
        cp = _cli(["verify-pack", str(outC)], env, work)
        p.write_bytes(data)
        res.check(
            "seal",
            f"one byte of {name} flipped: found",
            (False, name, 1),
            (rep.intact, ",".join(rep.changed), cp.returncode),
            (not rep.intact) and name in rep.changed and cp.returncode == 1,
        )
    man = outC / "manifest.json"
    data = man.read_bytes()
    m = re.search(rb"[0-9a-f]{64}", data)
    if m:
        s = m.start() + 10
        man.write_bytes(data[:s] + (b"0" if data[s : s + 1] != b"0" else b"1") + data[s + 1 :])
        rep = rk.verify_pack(outC, key=key)
        man.write_bytes(data)
        res.check("seal", "a hash in manifest.json edited: found", False, rep.intact)
    (outC / "extra.txt").write_text("x")
    rep = rk.verify_pack(outC, key=key)
    (outC / "extra.txt").unlink()
    res.check("seal", "a file added: found", (False, ["extra.txt"]), (rep.intact, list(rep.added)))
    rep = rk.verify_pack(
        outC, key=work / "other.key" if (work / "other.key").write_text("hex:" + "ab" * 32) else key
    )
    res.check("seal", "another key: not intact", False, rep.intact)
    cp = _cli(["verify-pack", str(outC)], env, work)
    res.check("seal", "CLI verify-pack intact exit 0", 0, cp.returncode)
    cp = _cli(["verify-pack", str(work / "no-such-pack")], env, work)
    res.check("errors", "CLI verify-pack on a missing folder exit 2", 2, cp.returncode)

    # ------------------------------------------------------------------ no full card number anywhere
    merged_text = {
        "merge_journals().journal": j.to_csv(),
        "conflicts": merged.conflicts.to_csv(),
        "links": merged.links.to_csv(),
        "activity": act.to_csv(),
    }
    texts = {**merged_text, **_texts_of(outs), **_texts_of(outC)}
    leaks = sorted(
        {
            (name.split("/")[-1], pan[:6] + ".." + pan[-4:])
            for name, tx in texts.items()
            for pan in pans
            if pan in tx
        }
    )
    res.check("pan", f"full card numbers in outputs ({len(texts)} outputs, {len(pans)} cards)", 0, len(leaks))
    res.metrics["pan_leaks"] = leaks[:5]

    # ------------------------------------------------------------------ typed errors on bad input
    _typed_errors(w, src, work, res, reg, env)


def rk_yuan(minor: int) -> str:
    s = f"{abs(minor) // 100:,}.{abs(minor) % 100:02d}"
    return ("-" if minor < 0 else "") + s


def _typed_errors(
    w: World, src: Path, work: Path, res: Result, reg: rk.Terminals, env: dict[str, str]
) -> None:
    bad = work / "bad"
    bad.mkdir(exist_ok=True)
    # a repeated row, strict: the error names the second line
    try:
        rk.read_journal(src / "wechat_bill.csv", preset="wechat_merchant")
        got = "read"
    except rk.JournalError as exc:
        got = f"JournalError row={exc.row}"
    res.check(
        "errors",
        "bill with a repeated row, strict: JournalError naming it",
        f"JournalError row={w.dup_line}",
        got,
        got.startswith("JournalError") and str(w.dup_line) in got,
    )
    # a row of the terminal export cut short
    lines = (src / "terminal_A_export.csv").read_bytes().decode("gbk").split("\n")
    k = min(6, len(lines) - 2)
    lines[k] = ",".join(lines[k].split(",")[:-3])
    (bad / "export_cut.csv").write_bytes("\n".join(lines).encode("gbk"))
    try:
        rk.read_journal(bad / "export_cut.csv", preset="unionpay_terminal")
        got = "read"
    except rk.JournalError as exc:
        got = f"JournalError row={exc.row}"
    res.check(
        "errors",
        "export row with cells missing: JournalError naming its line",
        f"JournalError row={k + 1}",
        got,
    )
    # a settlement line whose net is not gross - fee
    lines = (src / "settlement.csv").read_bytes().decode("gbk").split("\n")
    cells = lines[3].split(",")
    cells[7] = "1.00"
    lines[3] = ",".join(cells)
    (bad / "settlement_bad.csv").write_bytes("\n".join(lines).encode("gbk"))
    try:
        rk.read_settlement(bad / "settlement_bad.csv")
        got = "read"
    except rk.ReceiptkitError as exc:
        got = f"{type(exc).__name__} row={getattr(exc, 'row', None)} column={getattr(exc, 'column', None)}"
    res.check(
        "errors",
        "settlement net != gross - fee: SettlementError naming line 4, 结算金额",
        "SettlementError row=4 column=结算金额",
        got,
    )
    # register refusals
    cases: list[tuple[str, Any]] = [
        (
            "loss time in the future",
            lambda: reg.report_lost(
                w.terminals["B"], at=pd.Timestamp.now(tz=TZ) + pd.Timedelta(days=2), operator="li"
            ),
        ),
        (
            "loss report on a replaced terminal",
            lambda: reg.report_lost(w.terminals["A"], at=pd.Timestamp(w.loss_at), operator="li"),
        ),
        (
            "naive loss time",
            lambda: reg.report_lost(w.terminals["B"], at=pd.Timestamp("2026-11-25 10:00"), operator="li"),
        ),
        ("unknown terminal", lambda: reg.report_lost("77777777", at=pd.Timestamp(w.loss_at), operator="li")),
    ]
    reg.add(w.foreign_terminal, operator="li", merchant_id=w.foreign_merchant)
    cases.append(
        (
            "replacement by another merchant's terminal",
            lambda: reg.replace(w.terminals["B"], by=w.foreign_terminal, operator="li"),
        )
    )
    for name, fn in cases:
        try:
            fn()
            got = "accepted"
        except rk.ReceiptkitError as exc:
            got = type(exc).__name__
        except Exception as exc:
            got = f"untyped {type(exc).__name__}: {str(exc)[:60]}"
        res.check(
            "errors",
            f"register: {name} refused (typed)",
            "a ReceiptkitError",
            got,
            not got.startswith(("accepted", "untyped")),
        )
    cp = _cli(
        [
            "terminal",
            "report-lost",
            w.terminals["B"],
            "--at",
            "3/11/2026 14:00",
            "--tz",
            "UTC",
            "--operator",
            "li",
            "--audit",
            str(work / "audit.sqlite"),
        ],
        env,
        work,
    )
    res.check("errors", "CLI report-lost, day/month either way under UTC: exit 2", 2, cp.returncode)
    try:
        rk.merge_journals([pd.DataFrame({"x": [1]})], sources=["a"])
        got = "accepted"
    except rk.ReceiptkitError as exc:
        got = type(exc).__name__
    except Exception as exc:
        got = f"untyped {type(exc).__name__}"
    res.check(
        "errors",
        "merge_journals of a non-journal frame refused (typed)",
        "a ReceiptkitError",
        got,
        not got.startswith(("accepted", "untyped")),
    )


def copy_repro(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for p in src.iterdir():
        if p.is_file():
            with contextlib.suppress(OSError):
                shutil.copy2(p, dest / p.name)
