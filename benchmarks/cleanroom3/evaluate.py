"""Run receiptkit and the naive baseline on one generated batch, score both against the world's truth."""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

from .oracle import Oracle
from .proofs import Generator, read_all
from .world import build_world


def naive(proofs: pd.DataFrame, journal: pd.DataFrame) -> dict[str, str | None]:
    """Exact amount + same day + last 4 when the proof has one: matched when exactly one approved row fits."""
    j = journal[(journal["status"] == "approved") & journal["txn_type"].isin(["sale", "refund"])].copy()
    j["day"] = pd.to_datetime(j["ts"]).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d")
    j["dir"] = j["txn_type"].map({"sale": "debit", "refund": "credit"})
    groups = {k: g for k, g in j.groupby(["dir", "amount_minor", "currency", "day"])}
    out: dict[str, str | None] = {}
    for r in proofs.itertuples(index=False):
        day = pd.Timestamp(r.date).strftime("%Y-%m-%d")
        g = groups.get((r.direction, int(r.amount_minor), r.currency, day))
        if g is None:
            out[r.proof_id] = None
            continue
        l4 = r.card_last4 if isinstance(r.card_last4, str) and r.card_last4 else None
        if l4:
            g = g[g["card_last4"] == l4]
        out[r.proof_id] = g["txn_id"].iloc[0] if len(g) == 1 else None
    return out


COLS = [
    "n",
    "refused",
    "ident",
    "matched",
    "ambig",
    "unmatched",
    "correct",
    "wrong_row",
    "elsewhere_matched",
    "prec",
    "recall",
    "naive_m",
    "naive_prec",
    "naive_recall",
    "naive_false",
]


def _table(head: list, rows: list, markdown: bool) -> list[str]:
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return out + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def fmt(r: list) -> str:
        return "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    return [fmt(head)] + [fmt(r) for r in rows]


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}" if b else "-"


def run(
    seed: int,
    n_proofs: int,
    n_txns: int,
    markdown: bool = False,
    keep: str | None = None,
    elsewhere: float = 0.06,
    fx: str | None = None,
) -> str:
    import receiptkit as rk

    t0 = time.perf_counter()
    world = build_world(seed, n_txns)
    gen = Generator(world, seed)
    specs = gen.batch(n_proofs, elsewhere)
    oracle = Oracle(world.txns)
    for s in specs:
        fit = oracle.fitting(s.ev)
        s.extra["fit"] = fit
        s.extra["ident"] = s.here and len(fit) == 1 and fit[0] in s.truth
        s.extra["fooled"] = (not s.here) and len(fit) == 1
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(keep) if keep else Path(tmp)
        jpath = d / "journal.csv"
        d.mkdir(parents=True, exist_ok=True)
        world.journal_frame().to_csv(jpath, index=False)
        journal = rk.read_journal(str(jpath))
        proofs, problems = read_all(rk, specs, d / "proofs")
    t1 = time.perf_counter()
    policy = None
    if fx:  # "CNY:HKD=1.087": (journal currency, proof currency) = proof units per journal unit
        from decimal import Decimal

        pair, rate = fx.split("=")
        a, b = pair.split(":")
        policy = rk.MatchPolicy(fx_rates={(a, b): Decimal(rate)})
    result = rk.match(proofs, journal, policy=policy)
    t2 = time.perf_counter()
    base = naive(proofs, journal)
    # at the counter: each counter proof through find, on an index that knows the month's clock offsets
    t3 = time.perf_counter()
    index = rk.JournalIndex(journal, clock_offsets=rk.clock_offsets(result))
    found: dict[str, tuple[str, str | None]] = {}
    for s in specs:
        if s.form.startswith("counter") and s.proof_id:
            one = proofs[proofs["proof_id"] == s.proof_id]
            v = rk.find(index, one, policy=policy).attrs.get("verdict", {})
            found[s.proof_id] = (
                v.get("status"),
                v.get("txn_id") if isinstance(v.get("txn_id"), str) else None,
            )
    t4 = time.perf_counter()
    res = {r.proof_id: r for r in result.itertuples(index=False)}

    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wrong: list[str] = []
    fstats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in specs:
        keys = ["ALL", "form " + s.form.split(":")[0], "form " + s.form] + [
            "tag " + t for t in sorted(s.tags)
        ]
        refused = id(s) in problems
        r = res.get(s.proof_id) if not refused else None
        status = r.status if r is not None else None
        txn = r.txn_id if r is not None and isinstance(r.txn_id, str) else None
        nb = base.get(s.proof_id) if not refused else None
        for k in keys:
            st = stats[k]
            st["n"] += 1
            st["ident"] += s.extra["ident"]
            st["fooled"] += s.extra["fooled"]
            if refused:
                st["refused"] += 1
                continue
            st[{"matched": "matched", "ambiguous": "ambig"}.get(status, "unmatched")] += 1
            if status == "matched":
                if txn in s.truth:
                    st["correct"] += 1
                    st["ident_hit"] += s.extra["ident"]
                elif s.here:
                    st["wrong_row"] += 1
                else:
                    st["elsewhere_matched"] += 1
                    st["else_tellable"] += not s.extra["fooled"]
            if nb is not None:
                st["naive_m"] += 1
                if nb in s.truth:
                    st["naive_ok"] += 1
                    st["naive_ident_hit"] += s.extra["ident"]
                else:
                    st["naive_false"] += 1
        if s.proof_id in found:
            fs, ft = found[s.proof_id]
            fk = ["find ALL counter", "find " + s.form] + [
                "find tag " + t for t in sorted(s.tags) if t.startswith("else")
            ]
            for k in fk:
                st = fstats[k]
                st["n"] += 1
                st["ident"] += s.extra["ident"]
                st[{"matched": "matched", "ambiguous": "ambig"}.get(fs, "unmatched")] += 1
                if fs == "matched":
                    if ft in s.truth:
                        st["correct"] += 1
                        st["ident_hit"] += s.extra["ident"]
                    elif s.here:
                        st["wrong_row"] += 1
                    else:
                        st["elsewhere_matched"] += 1
            if fs == "matched" and ft not in s.truth and len(wrong) < 20:
                wrong.append(
                    f"- [find {s.form}] truth={sorted(s.truth) or 'elsewhere'} got={ft} :: {s.payload}"
                )
        if not refused and status == "matched" and txn not in s.truth and len(wrong) < 20:
            text = s.payload.get("body") if isinstance(s.payload, dict) and "body" in s.payload else s.payload
            wrong.append(
                f"- [{s.form}] {'(clerk fooled too: one row here fits) ' if s.extra['fooled'] else ''}{sorted(s.tags)} truth={sorted(s.truth) or 'elsewhere'} got={txn} ({r.confidence:.3f}; {r.reason}) :: {text}"
            )
    rows = []
    order = sorted(stats, key=lambda k: (k != "ALL", not k.startswith("form"), k))
    for k in order:
        st = stats[k]
        rows.append(
            [
                k,
                st["n"],
                st["refused"],
                f"{st['ident']}" + (f" (fooled {st['fooled']})" if st["fooled"] else ""),
                st["matched"],
                st["ambig"],
                st["unmatched"],
                st["correct"],
                st["wrong_row"],
                f"{st['elsewhere_matched']}"
                + (f" ({st['else_tellable']} tellable)" if st["elsewhere_matched"] else ""),
                _pct(st["correct"], st["matched"]),
                _pct(st["ident_hit"], st["ident"]),
                st["naive_m"],
                _pct(st["naive_ok"], st["naive_m"]),
                _pct(st["naive_ident_hit"], st["ident"]),
                st["naive_false"],
            ]
        )
    head = ["category", *COLS]
    lines = [
        f"clean room 3, seed {seed}: {len(journal)} journal rows, {len(specs)} proofs ({len(proofs)} read, {len(problems)} refused); "
        f"generate+read {t1 - t0:.1f} s, match {t2 - t1:.1f} s"
        + (f"; policy fx_rates {fx}" if fx else "; no fx_rates given"),
        "ident = proofs a careful clerk could single out (one-fit oracle); fooled = made elsewhere but exactly one row here fits;",
        "prec = correct / matched; recall = identifiable proofs matched to their sale / identifiable; wrong_row = (a) a payment here matched",
        "to another row; elsewhere_matched = (b) a payment made elsewhere matched (tellable: the clerk's oracle finds no fitting row); naive = amount + day + last 4, matched when one row.",
        "",
    ]
    lines += _table(head, rows, markdown)
    if fstats:
        lines.append("")
        lines.append(
            f"counter proofs one at a time through rk.find (JournalIndex with the offsets match learned; {t4 - t3:.1f} s):"
        )
        fh = [
            "category",
            "n",
            "ident",
            "matched",
            "ambig",
            "unmatched",
            "correct",
            "wrong_row",
            "elsewhere_matched",
            "prec",
            "recall",
        ]
        frows = []
        for k in sorted(fstats):
            st = fstats[k]
            frows.append(
                [
                    k,
                    st["n"],
                    st["ident"],
                    st["matched"],
                    st["ambig"],
                    st["unmatched"],
                    st["correct"],
                    st["wrong_row"],
                    st["elsewhere_matched"],
                    _pct(st["correct"], st["matched"]),
                    _pct(st["ident_hit"], st["ident"]),
                ]
            )
        lines += _table(fh, frows, markdown)
    if problems:
        lines.append("")
        lines.append("refused at intake (first 8):")
        seen = 0
        for s in specs:
            if id(s) in problems and seen < 8:
                seen += 1
                text = (
                    s.payload.get("body")
                    if isinstance(s.payload, dict) and "body" in s.payload
                    else s.payload
                )
                lines.append(f"- [{s.form}] {problems[id(s)]} :: {text}")
    misread = [s for s in specs if "misread_amount" in s.extra]
    if misread:
        lines.append(f"read with another amount: {len(misread)}")
        for s in misread[:5]:
            lines.append(f"- [{s.form}] {s.extra['misread_amount']} vs {s.ev['amount']} :: {s.payload}")
    if wrong:
        lines.append("")
        lines.append("wrong matches (first 20):")
        lines += wrong
    return "\n".join(lines)
