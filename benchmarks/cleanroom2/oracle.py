"""The oracle: which journal rows a careful clerk holding the proof's evidence could not rule out.

Written from what the evidence allows, never from the matcher. The clerk:

- compares the amount exactly in the payment's currency; a bill in another currency (a foreign card)
  against the public reference rate, allowing 1.5 % below and 4 % above it (fees and rate-date drift,
  field guide 3.2);
- keeps approved rows of the right kind (a sale for money out, a refund for money back);
- keeps the channels the text allows (``财付通-``/``微信`` → WeChat, ``支付宝`` → Alipay, a card
  message → card or UnionPay QR; nothing said → any);
- compares the last 4 (or a 3-digit tail) with rows that carry a card; a wallet row has none, which
  rules nothing out;
- reads the merchant text: a shop sign with its branch names one outlet, a brand names its outlets,
  the operator's legal entity (Chinese or English) names all its outlets, a platform or no merchant
  names none; a branch or brand that is not in this journal rules every row out;
- compares a full wallet number exactly and a masked one by its visible digits;
- knows each terminal's clock (a merchant can check its own devices), so the time window is compared
  with the true time of each row: for a minute ``[m - 2 min, m + 3 min]``, for a second ``±60 s``, for
  an hour or a spoken range the window as said, for a day the day, for a posting date only the four
  days before it, for a push with no date at all the five minutes before the phone received it.

A proof is *identifiable* when exactly one row survives (and it is the true one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .proofs import Evidence, Proof
from .world import FX_REFERENCE, World


class Oracle:
    """Vectorised consistency checks of proofs against the journal's true rows."""

    def __init__(self, world: World, journal: pd.DataFrame) -> None:
        self.j = journal
        self.amount = journal.amount_minor.to_numpy(dtype=np.int64)
        self.ok = (journal.status == "approved").to_numpy()
        self.kind = journal.txn_type.to_numpy(dtype=object)
        self.channel = journal.channel.to_numpy(dtype=object)
        self.last4 = journal.card_last4.fillna("").to_numpy(dtype=object)
        self.wallet = journal.wallet_txn_id.fillna("").to_numpy(dtype=object)
        self.true_ns = journal.true_ts.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy()
        self.txn = journal.txn_id.to_numpy(dtype=object)
        names = journal.merchant_name.to_numpy(dtype=object)
        self.names = names
        self.known = world.branches + world.elsewhere
        order = np.argsort(self.amount, kind="stable")
        self.order = order
        self.sorted_amount = self.amount[order]

    def merchant_rows(self, text: str | None) -> np.ndarray | None:
        """Rows the merchant text allows (None: the text names no shop identity)."""
        if not text:
            return None
        flat = text.replace("（", "(").replace("）", ")")
        for b in self.known:  # a sign with its branch, with or without brackets
            if b.sign in flat or f"{b.brand}{b.branch}" in flat:
                return self.names == b.sign
        for b in self.known:
            if b.brand in flat or b.legal[:6] in flat or b.english in flat.upper():
                same = {x.sign for x in self.known if x.brand == b.brand}
                return np.isin(self.names, list(same))
        return None

    def consistent(self, ev: Evidence) -> list[str]:
        """Txn ids of the rows the evidence cannot rule out."""
        if ev.fx:
            rate = float(FX_REFERENCE[ev.currency])
            lo, hi = ev.amount / (rate * 1.04), ev.amount / (rate * 0.985)
            a, b = np.searchsorted(self.sorted_amount, [np.floor(lo), np.ceil(hi)], side="left")
            idx = self.order[a : b + 1]
            idx = idx[(self.amount[idx] >= lo) & (self.amount[idx] <= hi)]
        else:
            a0 = np.searchsorted(self.sorted_amount, ev.amount, side="left")
            a1 = np.searchsorted(self.sorted_amount, ev.amount, side="right")
            idx = self.order[a0:a1]
        idx = idx[self.ok[idx]]
        want = "refund" if ev.direction == "credit" else "sale"
        idx = idx[self.kind[idx] == want]
        if ev.channels is not None:
            idx = idx[np.isin(self.channel[idx], list(ev.channels))]
        if ev.last4:
            l4 = self.last4[idx]
            idx = idx[(l4 == "") | (l4 == ev.last4)]
        if ev.tail3:
            l4 = self.last4[idx]
            idx = idx[(l4 == "") | np.array([x.endswith(ev.tail3) for x in l4], dtype=bool)]
        m = self.merchant_rows(ev.merchant)
        if m is not None:
            idx = idx[m[idx]]
        if ev.wallet_id:
            idx = idx[self.wallet[idx] == ev.wallet_id]
        if ev.wallet_suffix:
            idx = idx[np.array([w.endswith(ev.wallet_suffix) for w in self.wallet[idx]], dtype=bool)]
        if ev.start is not None:
            s, e = ev.start.value, ev.end.value
            t = self.true_ns[idx]
            idx = idx[(t >= s) & (t <= e)]
        return [str(x) for x in self.txn[idx]]

    def judge(self, proofs: list[Proof]) -> pd.DataFrame:
        """One row per proof: truth, identifiable, the rows a clerk could not rule out."""
        rows = []
        for p in proofs:
            cands = self.consistent(p.ev)
            rows.append(
                {
                    "pid": p.pid,
                    "category": p.category,
                    "truth": p.truth,
                    "n_consistent": len(cands),
                    "identifiable": p.truth is not None and cands == [p.truth],
                    "truth_consistent": p.truth is None or p.truth in cands,
                    # a payment elsewhere that the evidence cannot tell from one sale here
                    "indistinguishable": p.truth is None and len(cands) == 1,
                    "consistent": cands[:20],
                }
            )
        return pd.DataFrame(rows)
