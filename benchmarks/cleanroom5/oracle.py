"""The one-fit oracle and the naive baseline of clean room 5.

A careful clerk holds what the proof shows (amount and currency, time at the precision given, merchant text,
last 4, numbers shown) and the journal, and knows each terminal's true clock (a merchant can check its own
devices). The proof is *identifiable* when exactly one journal row fits and it is the true one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .proofs import Proof
from .world import REF_RATE, World

FX_BAND = (0.985, 1.05)  # billed / (amount x reference rate): issuers' 1-3 % fee, rate-date drift, DCC markup


class Oracle:
    """Candidate rows per proof from the clerk's evidence, one fit, and a clerk-level one-to-one pass."""

    def __init__(self, world: World) -> None:
        j = world.journal.merge(world.truth[["txn_id", "shop", "true_ts"]], on="txn_id")
        j = j[(j.status == "approved") & (j.txn_type == "sale")].reset_index(drop=True)
        self.txn = j.txn_id.to_numpy(dtype=object)
        self.amount = j.amount_minor.to_numpy(dtype=np.int64)
        self.cur = j.currency.to_numpy(dtype=object)
        self.l4 = j.card_last4.fillna("").to_numpy(dtype=object)
        self.shop = j["shop"].to_numpy(dtype=object)
        self.t = (
            ((j.true_ts - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds())
            .round()
            .astype("int64")
            .to_numpy()
        )
        self.wallet = j.wallet_txn_id.fillna("").to_numpy(dtype=object)
        self.local_day = pd.to_datetime(j.ts.map(lambda s: s[:10])).dt.date.to_numpy(dtype=object)

    def candidates(self, ev: dict[str, Any]) -> np.ndarray:
        if ev.get("wallet"):
            m = self.wallet == ev["wallet"]
        elif ev.get("fx_from"):
            rate = REF_RATE[(ev["fx_from"], ev["cur"])]
            ratio = ev["amount"] / np.maximum(self.amount * rate, 1)
            m = (self.cur == ev["fx_from"]) & (ratio >= FX_BAND[0]) & (ratio <= FX_BAND[1])
        else:
            m = (self.amount == ev["amount"]) & (self.cur == ev["cur"])
        if ev.get("wallet"):
            m &= (self.amount == ev["amount"]) & (self.cur == ev["cur"])
        lo, hi = int(ev["lo"].timestamp()), int(ev["hi"].timestamp())
        m &= (self.t >= lo) & (self.t <= hi)
        if ev.get("scope") is not None:
            m &= np.isin(self.shop, list(ev["scope"]))
        idx = np.flatnonzero(m)
        if ev.get("l4") and len(idx):
            agree = idx[self.l4[idx] == ev["l4"]]
            nocard = idx[self.l4[idx] == ""]
            idx = agree if len(agree) else nocard
        return idx

    def judge(self, proofs: list[Proof]) -> dict[str, dict[str, Any]]:
        """pid -> {fits, named, identifiable, reason}; one round of one-to-one over identifiable proofs."""
        cands = {p.pid: self.candidates(p.ev) for p in proofs}
        named = {pid: int(c[0]) for pid, c in cands.items() if len(c) == 1}
        taken: dict[int, str] = {}
        for p in proofs:
            if not p.hostile and p.pid in named and self.txn[named[p.pid]] == p.truth:
                taken[named[p.pid]] = p.pid
        out: dict[str, dict[str, Any]] = {}
        for p in proofs:
            c = cands[p.pid]
            if len(c) > 1:
                c2 = np.array([i for i in c if i not in taken or taken[i] == p.pid], dtype=np.int64)
                if len(c2) >= 1:
                    c = c2
            fits = [str(self.txn[i]) for i in c]
            ident = (not p.hostile) and len(fits) == 1 and fits[0] == p.truth
            if p.hostile:
                reason = (
                    ("clerk fooled: fits only " + fits[0])
                    if len(fits) == 1
                    else (
                        "clerk can tell: fits no row" if not fits else f"clerk can tell: {len(fits)} rows fit"
                    )
                )
                if p.ev.get("wallet") and p.ev.get("number_date") and p.ev["number_date"] != p.ev["day"]:
                    reason = "clerk can tell: the number's date is not the date shown"
                if p.ev.get("scope") == frozenset():
                    reason = "clerk can tell: the text names another shop"
            elif ident:
                reason = "one row fits: the truth"
            elif not fits:
                reason = "no row fits the evidence"
            elif len(fits) == 1:
                reason = f"one row fits, not the truth ({fits[0]})"
            else:
                reason = f"{len(fits)} rows fit"
            out[p.pid] = {
                "fits": fits,
                "identifiable": ident,
                "reason": reason,
                "fooled": p.hostile and len(fits) == 1,
            }
        return out

    def naive(self, p: Proof) -> str | None:
        """Amount + currency + the day shown (the terminal's logged day) + last 4 when shown; one row or none."""
        m = (self.amount == p.ev["amount"]) & (self.cur == p.ev["cur"]) & (self.local_day == p.ev["day"])
        if p.ev.get("l4"):
            m &= self.l4 == p.ev["l4"]
        idx = np.flatnonzero(m)
        return str(self.txn[idx[0]]) if len(idx) == 1 else None
