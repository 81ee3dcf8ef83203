"""What the journal says was given back of a sale: the refunds that surely point at it, or that it cannot say.

A duplicate is evidence of a payment: a copy of a refunded sale without a mark could claim money that was
given back (newcomer 18, finding F6). :func:`refund_state` reads the journal's own link, a refund's
``original_txn_id`` (the column the matcher's ``refunded_later`` flag reads too), and never guesses. It gives
one of three answers:

- ``None``: no approved refund names the sale (or nothing can be read: no journal, no ``original_txn_id``
  column, a row that is no sale);
- :class:`RefundState` (``status`` ``"full"`` or ``"partial"``): every approved refund naming the sale is
  surely its own and they can be added up;
- :class:`RefundUnsure` (``status`` ``"unsure"``): an approved refund names the sale but what was given back
  cannot be said, with the ``reasons``. Never a guess either way: not the sale as unrefunded (an ordinary
  SALE duplicate) and not a REFUNDED amount that may be wrong.

A refund *names* the sale when it is an approved ``refund`` row whose ``original_txn_id`` is the sale's
``txn_id`` and no approved ``void`` of the refund (``original_txn_id`` the refund's ``txn_id``, on its terminal
and merchant, logged after it) undoes it. The state is ``unsure`` when such a refund

- is in another currency than the sale (it cannot be weighed against the sale: both currencies are named);
- is on another terminal or merchant than the sale (when both rows name theirs), or logged before the sale;
- shares its own ``txn_id`` with another row that differs (one refund logged twice with different fields, or
  two refunds given one id: the journal cannot tell);
- names a ``txn_id`` that is on another, different sale of the journal (which one it gives back is not known);
- is voided by a void that cannot be its own (another terminal or merchant, or logged before it);

or when the refunds add up to more than the sale (the journal contradicts itself). A refund logged twice
alike (every journal column the same) is one refund: it counts once and says so (:attr:`Refund.copies`).

A refund with no ``original_txn_id`` (a terminal's "unreferenced refund") names no sale: nothing is said rather
than the wrong sale marked; a declined refund gave nothing back.

Times are as the terminal logged them (the journal's ``ts``, never less a clock offset learned by ``reconcile``),
as the slip prints the sale's: in the sale's zone, labelled as the slip labels the sale's time
(:func:`receiptkit.timeparse.zone_label`: nothing in a region's zone, ``UTC`` / ``UTC+08:00`` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

__all__ = ["Refund", "RefundState", "RefundStatus", "RefundUnsure", "refund_state"]

RefundStatus = Literal["full", "partial", "unsure"]
"""What :func:`refund_state` says of a sale the journal names refunds of."""

_SAME_SALE = ("terminal_id", "ts", "amount_minor", "currency", "txn_type")
_NOT_SALES = ("refund", "void")  # the txn_types that are never a sale a refund gives back


@dataclass(frozen=True)
class Refund:
    """One approved refund naming a sale: its ``txn_id``, time (as the terminal logged it), amount in minor units
    of its own ``currency``, and ``copies``: how many alike rows of the journal log it (counted once)."""

    txn_id: str
    ts: pd.Timestamp | None
    amount_minor: int
    currency: str
    copies: int = 1


def _money(minor: int, currency: str) -> str:
    from receiptkit.money import format_minor

    return format_minor(minor, currency)


def _in_zone(ts: pd.Timestamp, zone: Any) -> pd.Timestamp:
    if zone is not None and ts.tzinfo is not None:
        return ts.tz_convert(zone)
    return ts


def _stamp(ts: pd.Timestamp, fmt: str) -> str:
    """``ts`` in ``fmt``, labelled as the slip labels the sale's time (:func:`receiptkit.timeparse.zone_label`:
    nothing in a region's zone, else ``UTC`` / ``UTC+08:00``)."""
    from receiptkit.timeparse import zone_label

    label = zone_label(ts) if ts.tzinfo is not None else ""
    return f"{ts.strftime(fmt)} {label}" if label else ts.strftime(fmt)


_SLIP_TIME = "%Y/%m/%d %H:%M"  # the slip's own date order (its sale time reads 2026/11/01 09:39:10)
_TEXT_TIME = "%Y-%m-%d %H:%M"  # find's (its table reads 2026-11-01 09:39:10)
_AS_LOGGED = "times as the terminal logged them"


def _refund_words(r: Refund, zone: Any) -> str:
    when = "" if r.ts is None else f" on {_stamp(_in_zone(r.ts, zone), _TEXT_TIME)}"
    twice = f" (logged {r.copies} times alike, counted once)" if r.copies > 1 else ""
    return f"{r.currency} {_money(r.amount_minor, r.currency)} by {r.txn_id}{when}{twice}"


def _zone_of(sale_ts: pd.Timestamp | None, zone: Any) -> Any:
    if zone is not None:
        return zone
    return None if sale_ts is None else sale_ts.tzinfo


@dataclass(frozen=True)
class RefundState:
    """The refunds of one sale, each surely its own: ``full`` when they give back the sale's amount, else partly.

    ``status`` is ``"full"`` or ``"partial"``; ``amount_minor`` is their sum in minor units of :attr:`currency`
    (the sale's, which every refund here is in), never more than ``sale_minor``.
    """

    txn_id: str
    sale_minor: int
    currency: str
    refunds: tuple[Refund, ...]
    sale_ts: pd.Timestamp | None = None

    @property
    def amount_minor(self) -> int:
        """The amount given back, in minor units of :attr:`currency`."""
        return sum(r.amount_minor for r in self.refunds)

    @property
    def full(self) -> bool:
        """Whether the refunds give back the whole sale."""
        return self.amount_minor >= self.sale_minor

    @property
    def status(self) -> RefundStatus:
        """``"full"`` or ``"partial"``."""
        return "full" if self.full else "partial"

    def _last(self, zone: Any = None) -> str:
        times = [r.ts for r in self.refunds if r.ts is not None]
        if not times:
            return ""
        return _stamp(_in_zone(max(times), _zone_of(self.sale_ts, zone)), _SLIP_TIME)

    def slip_line(self, zone: Any = None) -> str:
        """The line the duplicate prints: ``REFUNDED 已退款 HKD 120.00 2026/11/02 10:15 (T00000021R)``.

        Partly: ``PARTLY REFUNDED 部分退款 HKD 20.00 of 120.00 2026/11/02 10:15 (...)``. The time is the last
        refund's as the terminal logged it (never less a clock offset, as the slip prints the sale's), in
        ``zone`` (default the sale's), labelled as the slip labels the sale's time (``2026/11/02 02:15 UTC``
        for a journal kept in UTC; nothing in a region's zone).
        """
        ids = ", ".join(r.txn_id for r in self.refunds)
        when = self._last(zone)
        when = f" {when}" if when else ""
        money = _money(self.amount_minor, self.currency)
        if self.full:
            return f"REFUNDED 已退款 {self.currency} {money}{when} ({ids})"
        return (
            f"PARTLY REFUNDED 部分退款 {self.currency} {money} of "
            f"{_money(self.sale_minor, self.currency)}{when} ({ids})"
        )

    def text(self, zone: Any = None) -> str:
        """In words for the clerk: ``T00000021 was refunded in full: HKD 120.00 by T00000021R on 2026-11-02 10:15
        (times as the terminal logged them)``, in ``zone`` (default the sale's), labelled as on the slip."""
        zone = _zone_of(self.sale_ts, zone)
        how = (
            "refunded in full"
            if self.full
            else f"partly refunded ({self.currency} {_money(self.amount_minor, self.currency)} of "
            f"{_money(self.sale_minor, self.currency)})"
        )
        timed = f" ({_AS_LOGGED})" if any(r.ts is not None for r in self.refunds) else ""
        return f"{self.txn_id} was {how}: " + "; ".join(_refund_words(r, zone) for r in self.refunds) + timed

    def details(self) -> dict[str, Any]:
        """The audit-log fields: ``refund`` (``full``/``partial``), amount, currency and each refund's id and time."""
        return {
            "refund": self.status,
            "refund_minor": self.amount_minor,
            "refund_currency": self.currency,
            "refund_txn_ids": [r.txn_id for r in self.refunds],
            "refund_ts": [None if r.ts is None else r.ts.isoformat() for r in self.refunds],
            **(
                {"refund_copies": [r.copies for r in self.refunds]}
                if any(r.copies > 1 for r in self.refunds)
                else {}
            ),
        }


@dataclass(frozen=True)
class RefundUnsure:
    """Approved refunds name the sale but the journal cannot say what was given back (``status`` ``"unsure"``).

    ``refunds`` are the rows that name it, each in its own currency and never added up; ``reasons`` say why
    each cannot be weighed (in words for the clerk: the currencies, terminals, times or rows involved). A
    duplicate is refused (rule ``refund_unsure``) unless overridden with the reason; the slip then says
    ``REFUND UNSURE 退款未明`` with the refunds as logged, never a REFUNDED or PARTLY REFUNDED amount.
    """

    txn_id: str
    sale_minor: int
    currency: str
    refunds: tuple[Refund, ...]
    reasons: tuple[str, ...]
    sale_ts: pd.Timestamp | None = None

    @property
    def status(self) -> RefundStatus:
        """Always ``"unsure"``."""
        return "unsure"

    def slip_line(self, zone: Any = None) -> str:
        """The line the duplicate prints: ``REFUND UNSURE 退款未明: S1R USD 15.00 2026/11/02 10:15; not known what
        was given back`` (each refund in its own currency, at its time as the terminal logged it, in ``zone``,
        default the sale's, labelled as :meth:`RefundState.slip_line`)."""
        zone = _zone_of(self.sale_ts, zone)
        each = [
            f"{r.txn_id} {r.currency} {_money(r.amount_minor, r.currency)}"
            + ("" if r.ts is None else f" {_stamp(_in_zone(r.ts, zone), _SLIP_TIME)}")
            for r in self.refunds
        ]
        return f"REFUND UNSURE 退款未明: {', '.join(each)}; not known what was given back"

    def text(self, zone: Any = None) -> str:
        """In words for the clerk: ``the journal names refunds of S1 (HKD 120.00) but cannot say what was given
        back: <reasons>`` (the reasons' times as the terminal logged them, in each row's own zone)."""
        return (
            f"the journal names refunds of {self.txn_id} "
            f"({self.currency} {_money(self.sale_minor, self.currency)}) but cannot say what was given back: "
            + "; ".join(self.reasons)
        )

    def details(self) -> dict[str, Any]:
        """The audit-log fields: ``refund`` ``unsure``, the reasons, and each refund's id, time, amount, currency."""
        return {
            "refund": self.status,
            "refund_reasons": list(self.reasons),
            "refund_txn_ids": [r.txn_id for r in self.refunds],
            "refund_ts": [None if r.ts is None else r.ts.isoformat() for r in self.refunds],
            "refund_amounts_minor": [r.amount_minor for r in self.refunds],
            "refund_currencies": [r.currency for r in self.refunds],
        }


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, list | tuple | dict) and bool(pd.isna(value)))


def _same_sale(a: pd.Series, b: pd.Series) -> bool:
    """Two rows of one txn_id that are one sale logged twice (same terminal, time, amount, currency, type)."""
    for name in _SAME_SALE:
        x, y = a.get(name), b.get(name)
        if _missing(x) != _missing(y):
            return False
        if not _missing(x) and x != y:
            return False
    return True


def _alike(a: pd.Series, b: pd.Series) -> bool:
    """Two rows alike in every canonical journal column (one line logged twice)."""
    from receiptkit.schema import JOURNAL_COLUMNS

    for name in JOURNAL_COLUMNS:
        x, y = a.get(name), b.get(name)
        if _missing(x) and _missing(y):
            continue
        if _missing(x) or _missing(y) or _text(x) != _text(y):
            return False
    return True


def _ts(value: Any) -> pd.Timestamp | None:
    return None if _missing(value) else pd.Timestamp(value)


def _where(row: pd.Series) -> str:
    parts = [
        f"{label} {_text(row.get(column))}"
        for column, label in (("terminal_id", "terminal"), ("merchant_id", "merchant"))
        if _text(row.get(column)) is not None
    ]
    ts = _ts(row.get("ts"))
    if ts is not None:
        parts.append(f"logged {_stamp(ts, _TEXT_TIME)}")
    return ", ".join(parts)


def _not_own(earlier: pd.Series, later: pd.Series) -> str | None:
    """Why ``later`` (a refund or void) cannot be of ``earlier`` (the row it names): another terminal or merchant
    (when both name theirs), or logged before it; ``None`` when it can."""
    for column, label in (("terminal_id", "terminal"), ("merchant_id", "merchant")):
        mine, theirs = _text(earlier.get(column)), _text(later.get(column))
        if mine is not None and theirs is not None and mine != theirs:
            return f"is on {label} {theirs}, {_text(earlier.get('txn_id'))} on {label} {mine}"
    when, then = _ts(earlier.get("ts")), _ts(later.get("ts"))
    if when is not None and then is not None and then < when:
        return f"is logged at {then:%Y-%m-%d %H:%M}, before {_text(earlier.get('txn_id'))} at {when:%Y-%m-%d %H:%M}"
    return None


def refund_state(
    row: Mapping[str, Any] | pd.Series, journal: pd.DataFrame | None
) -> RefundState | RefundUnsure | None:
    """What the journal says was refunded of the sale ``row`` (see the module): ``None`` when no approved refund
    names it, a :class:`RefundState` (``full``/``partial``) when every refund naming it is surely its own and
    they add up, else a :class:`RefundUnsure` with the reasons.

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
    if txn_id is None or currency is None or _missing(amount):
        return None
    if _text(sale.get("txn_type")) in _NOT_SALES:
        return None
    kinds = journal["txn_type"].astype("string")
    approved = (journal["status"].astype("string") == "approved").fillna(False)
    originals = journal["original_txn_id"].astype("string").str.strip()
    ids = journal["txn_id"].astype("string").str.strip()
    naming = ((originals == txn_id).fillna(False) & (kinds == "refund").fillna(False) & approved).to_numpy(
        dtype=bool
    )
    if not naming.any():
        return None
    sale_ts = _ts(sale.get("ts"))
    reasons: list[str] = []
    same_id = journal[(ids == txn_id).fillna(False).to_numpy(dtype=bool)]
    others = [
        other
        for _, other in same_id.iterrows()
        if _text(other.get("txn_type")) not in _NOT_SALES and not _same_sale(other, sale)
    ]
    if (
        others
    ):  # a txn_id is one transaction of the journal: which of these the refunds give back is not known
        reasons.append(
            f"{txn_id} is on {len(others) + 1} different sales of the journal ("
            + "; ".join(_where(r) for r in [sale, *others])
            + "): which one the refunds give back is not known"
        )
    voids = journal[((kinds == "void").fillna(False) & approved).to_numpy(dtype=bool)]
    void_of = voids["original_txn_id"].astype("string").str.strip()
    refunds: list[Refund] = []
    by_id: dict[str, list[pd.Series]] = {}
    for _, refund in journal[naming].iterrows():
        by_id.setdefault(_text(refund.get("txn_id")) or "?", []).append(refund)
    for refund_id, rows in by_id.items():
        first = rows[0]
        differ = [r for r in rows[1:] if not _alike(r, first)]
        undone = False
        for _, void in voids[(void_of == refund_id).fillna(False).to_numpy(dtype=bool)].iterrows():
            why = _not_own(first, void)
            if why is None:
                undone = True
            else:
                reasons.append(f"void {_text(void.get('txn_id'))} names refund {refund_id} but {why}")
        if undone and not differ:
            continue  # voided afterwards on its terminal: it gave nothing back
        if differ:
            reasons.append(
                f"refund {refund_id} is on {len(rows)} rows of the journal that differ ("
                + "; ".join(
                    f"{_text(r.get('currency'))} {_money(int(r['amount_minor']), str(r.get('currency')))}, "
                    + _where(r)
                    for r in rows
                )
                + "): one refund logged twice or two refunds given one id, the journal cannot tell"
            )
        refund_currency = _text(first.get("currency")) or "?"
        refunds.append(
            Refund(refund_id, _ts(first.get("ts")), int(first["amount_minor"]), refund_currency, len(rows))
        )
        why = _not_own(sale, first)
        if why is not None:
            reasons.append(f"refund {refund_id} names {txn_id} but {why}")
        if refund_currency != currency:
            reasons.append(
                f"refund {refund_id} is in {refund_currency}, the sale {txn_id} in {currency}: "
                f"{refund_currency} {_money(int(first['amount_minor']), refund_currency)} cannot be weighed "
                f"against {currency} {_money(int(amount), currency)}"
            )
    if not refunds:
        return None  # every refund naming it was voided afterwards
    refunds.sort(key=lambda r: (r.ts is None, r.ts or pd.Timestamp(0, tz="UTC"), r.txn_id))
    if not reasons:
        total = sum(r.amount_minor for r in refunds)
        if total > int(amount):
            reasons.append(
                f"the refunds of {txn_id} add up to {currency} {_money(total, currency)}, more than the sale's "
                f"{currency} {_money(int(amount), currency)}: the journal contradicts itself"
            )
    if reasons:
        return RefundUnsure(txn_id, int(amount), currency, tuple(refunds), tuple(reasons), sale_ts)
    return RefundState(txn_id, int(amount), currency, tuple(refunds), sale_ts)
