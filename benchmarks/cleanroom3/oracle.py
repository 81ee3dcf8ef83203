"""The one-fit oracle: could a careful clerk holding only this proof's evidence and the journal single out a sale?

Written from the world's truth, independently of receiptkit. The clerk:
- reads the journal rows of the proof's direction (sales for a payment, refunds for a refund), approved only;
- knows each terminal's clock error as the month shows it (the batch holds wallet proofs with full numbers on every
  terminal), so a row's time is compared after that correction, with 2 minutes' slack on each side;
- keeps a row when nothing the proof carries contradicts it: amount (exact; for a card billed in HKD without the
  original amount, any CNY amount the HKD could convert from at 0.92 +-1.5 % with 0-2 % fees), the time window the
  proof states, card last 4 (a 3-digit tail as a suffix; a row without a card number does not contradict), the
  channel the text names (财付通- is WeChat Pay, a bank SMS without a wallet prefix is a card sale), a wallet number
  (full or its visible suffix), the merchant when the text names it (a branch, a brand, a legal entity; another shop
  keeps no row);
- "identifiable": exactly one row fits, and it is the payment.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import timedelta

from .world import Txn

SLACK = timedelta(minutes=2)


class Oracle:
    def __init__(self, txns: list[Txn]):
        self.rows: dict[tuple[str, int], list[Txn]] = {}
        self.sorted_sales: list[tuple[int, Txn]] = []
        for t in txns:
            if t.status != "approved" or t.txn_type not in ("sale", "refund"):
                continue
            d = "debit" if t.txn_type == "sale" else "credit"
            self.rows.setdefault((d, t.amount_minor), []).append(t)
            if d == "debit":
                self.sorted_sales.append((t.amount_minor, t))
        self.sorted_sales.sort(key=lambda x: x[0])
        self.keys = [a for a, _ in self.sorted_sales]

    def candidates(self, ev: dict) -> list[Txn]:
        if ev.get("fx"):
            hkd = ev["amount"]
            lo = int(hkd * 0.92 * 0.985)
            hi = int(hkd * 0.92 * 1.005) + 1
            return [t for _, t in self.sorted_sales[bisect_left(self.keys, lo) : bisect_right(self.keys, hi)]]
        return self.rows.get((ev["direction"], ev["amount"]), [])

    @staticmethod
    def fits(t: Txn, ev: dict) -> bool:
        lo, hi = ev["window"]
        # the clerk corrects the terminal's clock as the month shows it: that is the true time
        if not (lo - SLACK <= t.true_ts <= hi + SLACK):
            return False
        l4 = ev.get("last4")
        if l4 and t.card_last4 and t.card_last4 != l4:
            return False
        tail = ev.get("tail3")
        if tail and t.card_last4 and not t.card_last4.endswith(tail):
            return False
        ch = ev.get("channels")
        if ch and t.channel not in ch:
            return False
        wid = ev.get("wallet_id")
        if wid and t.wallet_txn_id != wid:
            return False
        suf = ev.get("wallet_suffix")
        if suf and not t.wallet_txn_id.endswith(suf):
            return False
        scope = ev.get("scope")
        return not (scope is not None and t.merchant.mid not in scope)

    def fitting(self, ev: dict) -> list[str]:
        return [t.txn_id for t in self.candidates(ev) if self.fits(t, ev)]
