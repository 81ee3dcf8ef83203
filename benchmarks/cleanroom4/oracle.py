"""The careful clerk: which journal rows fit all the evidence a proof shows, and whether the proof itself
shows that it is hostile. Written from the field guide, independently of the matcher.

A journal row fits a proof when it is an approved sale of the same amount, of a channel the proof can
come from, whose true time (the journal time less the terminal's clock offset, which a clerk learns from
the month's proofs) falls in the proof's window, whose card and wallet number do not contradict the
proof's, and whose shop is the one the proof names (a proof naming another shop or a person fits none).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from .proofs import Proof
from .world import World, embedded_date

SLACK = {"second": 120, "minute": 60}


@dataclass
class Verdict:
    fits: list[int]
    identifiable: bool
    could_tell: bool
    why: str


class Oracle:
    def __init__(self, world: World) -> None:
        j = world.journal
        t = world.truth
        self.ok = [(a == "sale" and b == "approved") for a, b in zip(j["txn_type"], j["status"], strict=True)]
        self.clock = [ts - timedelta(seconds=int(c)) for ts, c in zip(j["ts"], t["clock_s"], strict=True)]
        self.channel = j["channel"].astype(str).tolist()
        self.last4 = [None if pd.isna(v) else str(v) for v in j["card_last4"]]
        self.wallet = [None if pd.isna(v) else str(v) for v in j["wallet_txn_id"]]
        self.shop = t["shop"].astype(int).tolist()
        self.by_amount = world.by_amount
        self.by_wallet = {w: i for i, w in enumerate(self.wallet) if w}

    def _time_ok(self, p: Proof, i: int) -> bool:
        ct = self.clock[i]
        if p.precision == "day" or p.ts is None:
            return ct.date() == p.date
        d = (ct - p.ts).total_seconds()
        if p.precision == "second":
            return abs(d) <= SLACK["second"]
        if p.precision == "minute":
            return -SLACK["minute"] <= d < 60 + SLACK["minute"]
        if p.precision == "hour":
            return -60 <= d <= 3600 + 60
        if p.precision == "about":
            return -1800 - 60 <= d <= 1800 + 60
        raise ValueError(p.precision)

    def fits(self, p: Proof) -> list[int]:
        kind = p.merchant[0]
        if kind in ("other", "person"):
            return []
        out = []
        for i in self.by_amount.get(p.amount, []):
            if not self.ok[i]:
                continue
            if p.channels is not None and self.channel[i] not in p.channels:
                continue
            if kind == "shop" and self.shop[i] != int(p.merchant[1]):
                continue
            if not self._time_ok(p, i):
                continue
            l4 = self.last4[i]
            if l4 is not None and ((p.last4 and l4 != p.last4) or (p.tail3 and not l4.endswith(p.tail3))):
                continue
            w = self.wallet[i]
            if w is not None and ((p.number and w != p.number) or (p.suffix and not w.endswith(p.suffix))):
                continue
            out.append(i)
        return out

    def judge(self, proofs: list[Proof]) -> dict[str, Verdict]:
        numbers = Counter(p.number for p in proofs if p.number)
        out: dict[str, Verdict] = {}
        for p in proofs:
            f = self.fits(p)
            reasons = []
            if p.number:
                e = embedded_date(p.number)
                if e is not None and e != p.date:
                    reasons.append("number's date is not the shown date")
                if numbers[p.number] > 1:
                    reasons.append("number presented twice")
                owner = self.by_wallet.get(p.number)
                if owner is not None and owner not in f:
                    reasons.append("number of another sale")
            if p.merchant[0] in ("other", "person"):
                reasons.append(f"payee is not the shop ({p.merchant[1]})")
            if not f and not reasons:
                reasons.append("fits no sale")
            identifiable = (not p.hostile) and len(f) == 1 and f[0] == p.truth
            out[p.pid] = Verdict(f, identifiable, bool(reasons), "; ".join(reasons))
        return out
