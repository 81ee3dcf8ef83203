"""What the journal says was given back of a sale: the refunds that surely point at it.

A duplicate is evidence of a payment: a copy of a refunded sale without a mark could claim money that was
given back (newcomer 18, finding F6). :func:`refund_state` reads the journal's own link, a refund's
``original_txn_id`` (the column the matcher's ``refunded_later`` flag reads too), and never guesses: a
refund is counted only when

- it is an approved ``refund`` row whose ``original_txn_id`` is the sale's ``txn_id``;
- the sale's ``txn_id`` is on no other row of the journal that is not the same sale (two different rows
  sharing a txn_id: the refund may be the other one's);
- it is in the sale's currency (a refund in another currency cannot be weighed against the sale, and is
  not counted).

A refund with no ``original_txn_id`` (a terminal's "unreferenced refund") is linked to no sale: nothing is
said rather than the wrong sale marked. A refund logged twice (one ``txn_id`` on two rows) counts once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["Refund", "RefundState", "refund_state"]

_SAME_SALE = ("terminal_id", "ts", "amount_minor", "currency", "txn_type")


@dataclass(frozen=True)
class Refund:
    """One approved refund of a sale: its ``txn_id``, time and amount (minor units of the sale's currency)."""

    txn_id: str
    ts: pd.Timestamp | None
    amount_minor: int


@dataclass(frozen=True)
class RefundState:
    """The refunds of one sale: ``full`` when they give back at least the sale's amount, else partly."""

    txn_id: str
    sale_minor: int
    currency: str
    refunds: tuple[Refund, ...]

    @property
    def amount_minor(self) -> int:
        """The amount given back, in minor units of :attr:`currency`."""
        return sum(r.amount_minor for r in self.refunds)

    @property
    def full(self) -> bool:
        """Whether the refunds give back the whole sale."""
        return self.amount_minor >= self.sale_minor

    def _money(self, minor: int) -> str:
        from receiptkit.money import format_minor

        return format_minor(minor, self.currency)

    def _last(self, fmt: str, zone: Any = None) -> str:
        times = [r.ts for r in self.refunds if r.ts is not None]
        if not times:
            return ""
        last = max(times)
        if zone is not None and last.tzinfo is not None:
            last = last.tz_convert(zone)
        return last.strftime(fmt)

    def slip_line(self, zone: Any = None) -> str:
        """The line the duplicate prints: ``REFUNDED 已退款 HKD 120.00 2026-11-02 (T00000021R)``.

        Partly: ``PARTLY REFUNDED 部分退款 HKD 20.00 of 120.00 2026-11-02 (...)``. The date is the last refund's,
        in ``zone`` (the slip's; default the refund's own).
        """
        ids = ", ".join(r.txn_id for r in self.refunds)
        when = self._last("%Y-%m-%d", zone)
        when = f" {when}" if when else ""
        if self.full:
            return f"REFUNDED 已退款 {self.currency} {self._money(self.amount_minor)}{when} ({ids})"
        return (
            f"PARTLY REFUNDED 部分退款 {self.currency} {self._money(self.amount_minor)} of "
            f"{self._money(self.sale_minor)}{when} ({ids})"
        )

    def text(self, zone: Any = None) -> str:
        """In words for the clerk: ``refunded in full: HKD 120.00 by T00000021R on 2026-11-02 10:15``."""
        parts = []
        for r in self.refunds:
            when = ""
            if r.ts is not None:
                ts = r.ts.tz_convert(zone) if zone is not None and r.ts.tzinfo is not None else r.ts
                when = f" on {ts:%Y-%m-%d %H:%M}"
            parts.append(f"{self.currency} {self._money(r.amount_minor)} by {r.txn_id}{when}")
        how = (
            "refunded in full"
            if self.full
            else f"partly refunded ({self.currency} {self._money(self.amount_minor)} of "
            f"{self._money(self.sale_minor)})"
        )
        return f"{self.txn_id} was {how}: " + "; ".join(parts)

    def details(self) -> dict[str, Any]:
        """The audit-log fields: ``refund`` (``full``/``partial``), amount, currency and each refund's id and time."""
        return {
            "refund": "full" if self.full else "partial",
            "refund_minor": self.amount_minor,
            "refund_currency": self.currency,
            "refund_txn_ids": [r.txn_id for r in self.refunds],
            "refund_ts": [None if r.ts is None else r.ts.isoformat() for r in self.refunds],
        }


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _same_sale(a: pd.Series, b: pd.Series) -> bool:
    """Two rows of one txn_id that are one sale logged twice (same terminal, time, amount, currency, type)."""
    for name in _SAME_SALE:
        x, y = a.get(name), b.get(name)
        if (x is None or pd.isna(x)) != (y is None or pd.isna(y)):
            return False
        if x is not None and not pd.isna(x) and x != y:
            return False
    return True


def refund_state(row: Mapping[str, Any] | pd.Series, journal: pd.DataFrame | None) -> RefundState | None:
    """The refunds the journal surely links to the sale ``row`` (see the module), or ``None`` (none, or unsure).

    ``row`` is a canonical journal row of a sale (or a completion); a refund or void row itself, a row
    without ``txn_id``/``amount_minor``/``currency``, or no ``journal`` (or one without ``original_txn_id``)
    gives ``None``.
    """
    sale = row if isinstance(row, pd.Series) else pd.Series(dict(row))
    if journal is None or "original_txn_id" not in journal.columns or sale.empty:
        return None
    txn_id = _text(sale.get("txn_id"))
    currency = _text(sale.get("currency"))
    amount = sale.get("amount_minor")
    if txn_id is None or currency is None or amount is None or pd.isna(amount):
        return None
    if _text(sale.get("txn_type")) in ("refund", "void"):
        return None
    ids = journal["txn_id"].astype("string").str.strip()
    same_id = journal[(ids == txn_id).fillna(False).to_numpy(dtype=bool)]
    if any(not _same_sale(other, sale) for _, other in same_id.iterrows()):
        return None  # the txn_id names two different rows: the refund may be the other one's
    originals = journal["original_txn_id"].astype("string").str.strip()
    hit = (
        (originals == txn_id).fillna(False)
        & (journal["txn_type"].astype("string") == "refund").fillna(False)
        & (journal["status"].astype("string") == "approved").fillna(False)
        & (journal["currency"].astype("string") == currency).fillna(False)
    )
    for column in (
        "terminal_id",
        "merchant_id",
    ):  # a refund on another terminal or merchant is another sale's
        mine = _text(sale.get(column))
        if mine is not None and column in journal.columns:
            theirs = journal[column].astype("string").str.strip()
            hit &= (theirs.isna() | (theirs == mine)).fillna(True)
    found = journal[hit.to_numpy(dtype=bool)]
    if found.empty:
        return None
    sale_ts = sale.get("ts")
    if sale_ts is not None and not pd.isna(sale_ts) and "ts" in found.columns:
        before = found["ts"].notna() & (found["ts"] < pd.Timestamp(sale_ts))
        if before.any():
            return None  # a refund logged before its sale: a txn_id reused, unsure which sale it refunds
    voided = (
        set(journal.loc[(journal["txn_type"].astype("string") == "void").fillna(False).to_numpy(dtype=bool),
                        "original_txn_id"].astype("string").str.strip().dropna())
    )  # fmt: skip
    found = found[
        ~found["txn_id"].astype("string").str.strip().isin(voided).fillna(False).to_numpy(dtype=bool)
    ]
    if found.empty:
        return None
    refunds: dict[str, Refund] = {}
    for _, refund in found.iterrows():
        refund_id = _text(refund.get("txn_id")) or "?"
        if refund_id in refunds:  # a refund logged twice counts once
            continue
        ts = refund.get("ts")
        refunds[refund_id] = Refund(
            refund_id, None if ts is None or pd.isna(ts) else pd.Timestamp(ts), int(refund["amount_minor"])
        )
    ordered = sorted(
        refunds.values(), key=lambda r: (r.ts is None, r.ts or pd.Timestamp(0, tz="UTC"), r.txn_id)
    )
    return RefundState(txn_id, int(amount), currency, tuple(ordered))
