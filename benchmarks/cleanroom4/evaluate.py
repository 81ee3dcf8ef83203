"""Run the matcher on one scenario through the public API and score it against the oracle."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import receiptkit as rk

from .oracle import Oracle, Verdict
from .proofs import SHARES, Proof, make_proofs
from .render import read_back
from .world import World, build_world


@dataclass
class Scenario:
    world: World
    proofs: list[Proof]
    verdicts: dict[str, Verdict]
    frame: pd.DataFrame  # the proofs as read back, proof_id = our id
    journal: pd.DataFrame  # read_journal of the world's journal
    timings: dict[str, float] = field(default_factory=dict)


def build(
    seed: int, n_proofs: int, n_txns: int, folder: Path, hostile_share: float | None = None
) -> Scenario:
    t0 = time.perf_counter()
    world = build_world(seed, n_txns)
    proofs = make_proofs(world, n_proofs, seed, hostile_share)
    verdicts = Oracle(world).judge(proofs)
    t1 = time.perf_counter()
    frame = read_back(proofs, folder)
    journal = rk.read_journal(world.journal)
    t2 = time.perf_counter()
    return Scenario(world, proofs, verdicts, frame, journal, {"generate": t1 - t0, "read": t2 - t1})


def run(sc: Scenario) -> pd.DataFrame:
    """One row per proof: category, hostile, the oracle's view and the matcher's verdict."""
    t0 = time.perf_counter()
    result = rk.match(sc.frame, sc.journal)
    sc.timings["match"] = time.perf_counter() - t0
    res = result.set_index("proof_id")
    txn_ids = sc.world.journal["txn_id"].astype(str).tolist()
    clocks = sc.world.truth["clock"].tolist()
    rows = []
    for p in sc.proofs:
        v = sc.verdicts[p.pid]
        r = res.loc[p.pid]
        status = str(r["status"])
        got = None if pd.isna(r["txn_id"]) else str(r["txn_id"])
        truth = txn_ids[p.truth] if p.truth is not None else None
        matched = status == "matched"
        correct = matched and not p.hostile and got == truth
        rows.append(
            dict(
                proof_id=p.pid,
                category=p.category,
                form=p.form,
                hostile=p.hostile,
                identifiable=v.identifiable,
                could_tell=p.hostile and v.could_tell,
                n_fits=len(v.fits),
                why=v.why,
                status=status,
                txn_id=got,
                truth=truth,
                target=txn_ids[p.target] if p.target is not None else None,
                clock=clocks[p.truth] if p.truth is not None else None,
                names=p.merchant[0],
                confidence=float(r["confidence"]) if not pd.isna(r["confidence"]) else None,
                reason=str(r.get("reason", "")),
                matched=matched,
                correct=correct,
                wrong=matched and not correct,
            )
        )
    return pd.DataFrame(rows)


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f} %" if b else "-"


def table(df: pd.DataFrame) -> pd.DataFrame:
    out = []
    order = list(SHARES)
    for cat in [*order, "genuine (all)", "hostile (all)", "all"]:
        if cat == "genuine (all)":
            g = df[~df.hostile]
        elif cat == "hostile (all)":
            g = df[df.hostile]
        elif cat == "all":
            g = df
        else:
            g = df[df.category == cat]
        if g.empty:
            continue
        hostile = bool(g.hostile.all())
        ident = int(g.identifiable.sum())
        out.append(
            {
                "category": cat,
                "hostile": "yes" if hostile else ("no" if not g.hostile.any() else "mixed"),
                "n": len(g),
                "identifiable": ident,
                "clerk could tell": int(g.could_tell.sum()) if g.hostile.any() else "-",
                "matched": int(g.matched.sum()),
                "ambiguous": int((g.status == "ambiguous").sum()),
                "correct": int(g.correct.sum()),
                "wrong": int(g.wrong.sum()),
                "wrong, clerk could tell": int((g.wrong & g.could_tell).sum()) if g.hostile.any() else "-",
                "precision": _pct(int(g.correct.sum()), int(g.matched.sum())),
                "recall": _pct(int((g.correct & g.identifiable).sum()), ident),
            }
        )
    return pd.DataFrame(out)


def tells(df: pd.DataFrame) -> pd.DataFrame:
    """Hostile proofs by what the proof itself shows (a proof may show several things)."""
    h = df[df.hostile]
    out = []
    signs = [
        "payee is not the shop",
        "number's date is not the shown date",
        "number presented twice",
        "number of another sale",
        "fits no sale",
    ]
    for sign in signs:
        g = h[h.why.str.contains(sign, regex=False)]
        out.append({"the proof shows": sign, "n": len(g), "matched": int(g.matched.sum())})
    g = h[~h.could_tell]
    out.append(
        {"the proof shows": "nothing a clerk could catch", "n": len(g), "matched": int(g.matched.sum())}
    )
    return pd.DataFrame(out)


def by_clock(df: pd.DataFrame) -> pd.DataFrame:
    """Genuine proofs by the clock their journal row shows: right, skewed, wrong zone, or the channel's time."""
    g = df[~df.hostile]
    out = []
    for clock in ("ok", "skewed", "wrong_zone", "channel time"):
        c = g[g.clock == clock]
        ident = int(c.identifiable.sum())
        out.append(
            {
                "journal row's clock": clock,
                "genuine": len(c),
                "identifiable": ident,
                "matched": int(c.matched.sum()),
                "wrong": int(c.wrong.sum()),
                "recall": _pct(int((c.correct & c.identifiable).sum()), ident),
            }
        )
    return pd.DataFrame(out)


NAMES = {
    "shop": "the shop and its branch",
    "brand": "the brand or legal entity only",
    "none": "no merchant",
    "other": "another shop",
    "person": "a person or another account",
}


def by_name(df: pd.DataFrame) -> pd.DataFrame:
    """Genuine proofs by what merchant they name (counter input names none)."""
    g = df[~df.hostile]
    out = []
    for key, label in NAMES.items():
        c = g[g.names == key]
        if c.empty:
            continue
        ident = int(c.identifiable.sum())
        out.append(
            {
                "genuine proof names": label,
                "n": len(c),
                "identifiable": ident,
                "matched": int(c.matched.sum()),
                "wrong": int(c.wrong.sum()),
                "recall": _pct(int((c.correct & c.identifiable).sum()), ident),
            }
        )
    return pd.DataFrame(out)


def headline(df: pd.DataFrame) -> list[str]:
    h = df[df.hostile]
    g = df[~df.hostile]
    hm = int(h.matched.sum())
    ht = int((h.matched & h.could_tell).sum())
    return [
        f"hostile proofs matched: {hm} of {len(h)} ({_pct(hm, len(h))}); of those a clerk could tell from the proof: {ht} "
        f"(of {int(h.could_tell.sum())} such proofs)",
        f"precision of matched: {_pct(int(df.correct.sum()), int(df.matched.sum()))} "
        f"({int(df.correct.sum())} correct of {int(df.matched.sum())}; genuine matched to a wrong row: {int(g.wrong.sum())})",
        f"recall of identifiable: {_pct(int((df.correct & df.identifiable).sum()), int(df.identifiable.sum()))} "
        f"({int((df.correct & df.identifiable).sum())} of {int(df.identifiable.sum())})",
    ]


def _markdown(t: pd.DataFrame) -> str:
    """A pipe table (pandas' to_markdown needs tabulate, which the venv may lack); numbers right-aligned."""
    cols = [str(c) for c in t.columns]
    num = [pd.api.types.is_numeric_dtype(t[c]) or t[c].astype(str).str.endswith("%").any() for c in t.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---:" if n else "---" for n in num) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in t.itertuples(index=False)]
    return "\n".join(lines)


def render(df: pd.DataFrame, markdown: bool) -> str:
    parts = [table(df), tells(df), by_clock(df), by_name(df)]
    if markdown:
        return "\n\n".join(_markdown(t) for t in parts)
    return "\n\n".join(t.to_string(index=False) for t in parts)
