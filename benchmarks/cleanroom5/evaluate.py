"""Run clean room 5: write the journal and the proof files, read them through the public readers, match them
(files in one `rk.match` batch; counter input one at a time through `rk.find` on a `JournalIndex`), and score
every proof against the generator's truth and the oracle."""

from __future__ import annotations

import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import receiptkit as rk

from .oracle import Oracle
from .proofs import Proof, generate, write_files
from .world import SHOPS, World, build_world

FORMATS = {
    "sms": "sms",
    "screens": "json",
    "hsbc_credit": "hsbc_hk_credit",
    "hsbc_debit": "hsbc_hk_debit",
    "bocom_credit": "bocom_credit",
}


@dataclass
class Outcome:
    """What the library did with one proof."""

    status: str  # matched / ambiguous / unmatched / refused / crash
    txn_id: str | None = None
    reason: str = ""
    confidence: float | None = None
    intake: str = "ok"  # ok, or the fields read differently from the text


@dataclass
class Run:
    seed: int
    world: World
    proofs: list[Proof]
    outcomes: dict[str, Outcome]
    oracle: dict[str, dict[str, Any]]
    naive: dict[str, str | None]
    findings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    learned: dict[str, Any] = field(default_factory=dict)


def _row_of(channel: str, k: int) -> int:
    """The 1-based ``source_row`` the docs give the k-th (0-based) proof of a file."""
    return k + 1 if channel == "sms" else k + 2


def _intake(p: Proof, r: pd.Series) -> str:
    bad = []
    ev = p.ev
    want_amount = ev["amount"]
    if int(r.amount_minor) != want_amount:
        bad.append(f"amount {r.amount_minor}!={want_amount}")
    if str(r.currency) != ev["cur"]:
        bad.append(f"currency {r.currency}!={ev['cur']}")
    if ev.get("l4") and p.channel != "counter" and str(r.card_last4) != ev["l4"]:
        bad.append(f"last4 {r.card_last4}!={ev['l4']}")
    if pd.notna(r.date) and pd.Timestamp(r.date).date() != ev["day"]:
        bad.append(f"date {pd.Timestamp(r.date).date()}!={ev['day']}")
    if p.channel == "sms" and pd.notna(r.ts):
        shown = ev["lo"] + pd.Timedelta(seconds=60)
        if abs((pd.Timestamp(r.ts) - pd.Timestamp(shown)).total_seconds()) > 59:
            bad.append(f"time {pd.Timestamp(r.ts)}!={pd.Timestamp(shown).tz_convert('Asia/Shanghai')}")
    return "; ".join(bad) or "ok"


def aliases() -> dict[str, list[str]]:
    """What a merchant would declare: each journal shop's descriptor name and legal entity."""
    return {s.name: [s.latin, s.legal] for s in SHOPS.values() if s.in_journal}


def run(seed: int, n_proofs: int, n_txns: int, workdir: Path, declare_aliases: bool = False) -> Run:
    t0 = time.perf_counter()
    world = build_world(seed, n_txns)
    proofs = generate(world, seed, n_proofs)
    timings = {"generate": time.perf_counter() - t0}
    findings: list[str] = []
    workdir.mkdir(parents=True, exist_ok=True)
    # journal: canonical CSV and Parquet, read back with the documented reader
    t1 = time.perf_counter()
    jcsv, jpq = workdir / "journal.csv", workdir / "journal.parquet"
    world.journal.to_csv(jcsv, index=False)
    world.journal.to_parquet(jpq, index=False)
    journal = rk.read_journal(jpq)
    jc = rk.read_journal(jcsv)
    if not (
        jc.txn_id.tolist() == journal.txn_id.tolist()
        and (jc.ts == journal.ts).all()
        and (jc.amount_minor == journal.amount_minor).all()
    ):
        findings.append("read_journal: the CSV and the Parquet copy of the same journal read differently")
    timings["read journal"] = time.perf_counter() - t1
    # proof files
    t2 = time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    files = write_files(proofs, workdir)
    frames = []
    pid_of: dict[str, str] = {}
    for ch, (path, ps) in files.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fr = rk.read_proofs(path, format=FORMATS[ch], strict=False)
        except rk.ReceiptkitError as e:  # the whole file refused
            findings.append(f"read_proofs({path.name}, format={FORMATS[ch]!r}) refused the file: {e}")
            for p in ps:
                outcomes[p.pid] = Outcome("refused", reason=str(e)[:160])
            continue
        except Exception as e:
            findings.append(f"read_proofs({path.name}) CRASHED: {type(e).__name__}: {e}")
            for p in ps:
                outcomes[p.pid] = Outcome("crash", reason=f"{type(e).__name__}: {e}"[:160])
            continue
        by_row = {int(r): i for i, r in enumerate(fr.source_row)}
        rej = rk.rejected(fr)
        rej_by_row = {int(r.row): str(r.reason) for r in rej.itertuples()} if len(rej) else {}
        keep = []
        for k, p in enumerate(ps):
            row = _row_of(ch, k)
            if row in by_row:
                r = fr.iloc[by_row[row]]
                pid_of[str(r.proof_id)] = p.pid
                p.read = {"proof_id": str(r.proof_id)}
                outcomes[p.pid] = Outcome("pending", intake=_intake(p, r))
                keep.append(by_row[row])
            else:
                outcomes[p.pid] = Outcome(
                    "refused", reason=rej_by_row.get(row, "row not read, not rejected")[:160]
                )
        frames.append(fr.iloc[keep])
    timings["read proofs"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    batch = pd.concat(frames, ignore_index=True)
    result = None
    try:
        target = rk.JournalIndex(journal, merchant_aliases=aliases()) if declare_aliases else journal
        result = rk.match(batch, target)
    except Exception as e:
        findings.append(
            f"rk.match raised on {len(batch)} proofs read by the documented readers: "
            f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"
        )
        for pid in pid_of.values():
            outcomes[pid] = Outcome("crash", reason=f"match: {type(e).__name__}")
    if result is not None:
        for r in result.itertuples():
            pid = pid_of[str(r.proof_id)]
            o = outcomes[pid]
            o.status, o.reason = str(r.status), str(r.reason)
            o.txn_id = None if pd.isna(r.txn_id) else str(r.txn_id)
            o.confidence = None if pd.isna(r.confidence) else float(r.confidence)
    timings["match"] = time.perf_counter() - t3
    learned = {}
    if result is not None:
        learned = {
            "merchant_aliases": result.attrs.get("merchant_aliases"),
            "fx_rates_learned": result.attrs.get("fx_rates_learned"),
        }
    # counter input, one at a time, through the documented counter path
    t4 = time.perf_counter()
    offsets = rk.clock_offsets(result) if result is not None else None
    index = rk.JournalIndex(
        journal, clock_offsets=offsets, merchant_aliases=aliases() if declare_aliases else None
    )
    for p in proofs:
        if p.channel != "counter":
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ranked = rk.find(index, **p.payload)
            v = ranked.attrs["verdict"]
            tx = v.get("txn_id")
            outcomes[p.pid] = Outcome(
                str(v.get("status")),
                None if tx is None or pd.isna(tx) else str(tx),
                str(v.get("reason", "")),
                v.get("confidence"),
            )
        except rk.ReceiptkitError as e:
            outcomes[p.pid] = Outcome("refused", reason=f"{p.payload['time']!r}: {e}"[:200])
        except Exception as e:
            outcomes[p.pid] = Outcome("crash", reason=f"{p.payload['time']!r}: {type(e).__name__}: {e}"[:200])
    timings["find"] = time.perf_counter() - t4
    t5 = time.perf_counter()
    orc = Oracle(world)
    judged = orc.judge(proofs)
    naive = {p.pid: orc.naive(p) for p in proofs}
    timings["oracle"] = time.perf_counter() - t5
    return Run(seed, world, proofs, outcomes, judged, naive, findings, timings, learned)


# ---- reporting ----------------------------------------------------------------------------------------
HEAD = (
    "category",
    "n",
    "ident",
    "match",
    "ambig",
    "unm",
    "refus",
    "crash",
    "right",
    "wrongG",
    "wrongH",
    "prec%",
    "rec%",
    "fooled",
    "nv.m",
    "nv.wr",
    "nv.prec%",
    "nv.rec%",
    "intake!",
)


def _stats(run: Run, ps: list[Proof]) -> tuple[object, ...]:
    c: Counter[str] = Counter()
    for p in ps:
        o, j = run.outcomes[p.pid], run.oracle[p.pid]
        c["n"] += 1
        c["ident"] += j["identifiable"]
        c[o.status] += 1
        c["fooled"] += j["fooled"]
        if o.status == "matched":
            if p.hostile:
                c["wrongH"] += 1
            elif o.txn_id == p.truth:
                c["right"] += 1
                c["right_ident"] += j["identifiable"]
            else:
                c["wrongG"] += 1
        nv = run.naive[p.pid]
        if nv is not None:
            c["nv.m"] += 1
            if (not p.hostile) and nv == p.truth:
                c["nv.right"] += 1
                c["nv.right_ident"] += j["identifiable"]
            else:
                c["nv.wr"] += 1
        if o.intake != "ok":
            c["intake"] += 1

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f}" if b else "-"

    return (
        c["n"],
        c["ident"],
        c["matched"],
        c["ambiguous"],
        c["unmatched"],
        c["refused"],
        c["crash"],
        c["right"],
        c["wrongG"],
        c["wrongH"],
        pct(c["right"], c["matched"]),
        pct(c["right_ident"], c["ident"]),
        c["fooled"],
        c["nv.m"],
        c["nv.wr"],
        pct(c["nv.right"], c["nv.m"]),
        pct(c["nv.right_ident"], c["ident"]),
        c["intake"],
    )


def table(run: Run, key: str = "cat") -> str:
    groups: dict[str, list[Proof]] = {}
    for p in run.proofs:
        if key == "cat":
            k = p.cat
        else:  # the terminal situation of the true row (genuine proofs only)
            if p.hostile:
                continue
            tr = run.world.truth.set_index("txn_id").at[p.truth, "situation"] if p.truth else "none"
            k = f"terminal:{tr}"
        groups.setdefault(k, []).append(p)
    rows = [(k, *_stats(run, ps)) for k, ps in sorted(groups.items())]
    if key == "cat":
        gen = [p for p in run.proofs if not p.hostile]
        hos = [p for p in run.proofs if p.hostile]
        rows += [
            ("ALL genuine", *_stats(run, gen)),
            ("ALL hostile", *_stats(run, hos)),
            ("ALL", *_stats(run, run.proofs)),
        ]
    widths = [max(len(str(r[i])) for r in [HEAD, *rows]) for i in range(len(HEAD))]
    lines = [
        "  ".join(
            str(v).rjust(w) if i else str(v).ljust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [HEAD, *rows]
    ]
    return "\n".join(lines)


def wrong_matches(run: Run) -> list[str]:
    out = []
    for p in run.proofs:
        o = run.outcomes[p.pid]
        if o.status == "matched" and (p.hostile or o.txn_id != p.truth):
            j = run.oracle[p.pid]
            what = p.payload.get("body") if isinstance(p.payload, dict) and "body" in p.payload else p.payload
            if p.ev.get("number_sale"):
                own = o.txn_id == p.ev["number_sale"]
                j = dict(
                    j,
                    reason=j["reason"]
                    + (
                        "; matched to the sale its number belongs to (the real payment, "
                        "shown with an edited time/date)"
                        if own
                        else "; matched to the sale it was edited to fit"
                    ),
                )
            out.append(
                f"{p.pid} [{p.cat}] matched {o.txn_id} ({o.confidence}); truth {p.truth}"
                f"{' (hostile: ' + p.note + ')' if p.hostile else ''}; oracle: {j['reason']}; fits "
                f"{j['fits'][:4]}\n      proof: {what}\n      reason: {o.reason[:200]}"
            )
    return out


def problems(run: Run) -> list[str]:
    """Refusals, crashes and intake differences, grouped."""
    c: Counter[str] = Counter()
    ex: dict[str, str] = {}
    for p in run.proofs:
        o = run.outcomes[p.pid]
        if o.status in ("refused", "crash"):
            k = f"{o.status} [{p.cat}] {o.reason.split(':')[-1].strip()[:90]}"
        elif o.intake != "ok":
            k = f"read differently [{p.cat}] {o.intake.split(' ')[0]}"
        else:
            continue
        c[k] += 1
        pl = p.payload.get("body") if isinstance(p.payload, dict) and "body" in p.payload else p.payload
        ex.setdefault(k, f"{o.reason or o.intake} | {pl}")
    return [f"{n:4d} x {k}\n        e.g. {ex[k][:300]}" for k, n in c.most_common()]


def shops_line() -> str:
    return ", ".join(
        f"{s.name} ({s.currency}{'' if s.in_journal else ', elsewhere'})" for s in SHOPS.values()
    )
