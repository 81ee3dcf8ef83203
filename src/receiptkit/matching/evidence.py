"""Evidence: one comparator per field, each giving a level and a match weight.

Fellegi-Sunter style: for every (proof, candidate) pair and every field, the
comparator names an agreement level and its weight ``ln(m / u)``, where ``m``
is how often the true transaction shows that level and ``u`` how often a
random transaction in the window does. The u values come from the journal
itself (how many approved 25.00 sales fall in the window, how common a card's
last four digits are, how much of the journal a merchant name covers), so a
coffee chain's hundredth 25.00 sale is weak evidence and a unique 1,288.00
dinner is strong.

Everything is vectorised over pairs with numeric codes (card last 4 as
integers, merchant texts as table lookups); reference numbers are compared
as Arrow strings only for the pairs where the proof carries one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from receiptkit.matching.comparators import MerchantTable, ReferenceComparator
from receiptkit.matching.index import JournalIndex, Pairs, arrow_strings, last4_codes
from receiptkit.matching.policy import MatchPolicy

__all__ = ["FIELDS", "Evidence", "MerchantTable", "ProofArrays", "local_midnight", "score", "time_evidence"]

FIELDS = (
    "amount",
    "time",
    "card_last4",
    "wallet_txn_id",
    "order_no",
    "reference",
    "merchant",
    "terminal_id",
    "channel",
    "payment_state",
)
"""The evidence fields, one comparator each (:func:`receiptkit.matching.comparators.comparators`)."""
PRECISION_CODE = {"second": 0, "minute": 1, "day": 2, "hour": 3}
RANGE_CODE = 3  # an hour, or any window [ts, ts_end]: weighed with m_time_range
_LN10 = float(np.log(10.0))
FULL_ID = 16  # a wallet / order number this long is complete: a shorter one may be a visible suffix
RATE_DAYS = 7  # a date, an hour or a range: its amount's rate is counted on the dates a week before and after


def _obj(series: pd.Series) -> np.ndarray:
    """A column as Python objects, None where empty."""
    try:
        return series.to_numpy(dtype=object, na_value=None)
    except (TypeError, ValueError):
        return series.astype(object).where(series.notna(), None).to_numpy()


@dataclass
class ProofArrays:
    """The proofs frame as arrays, with each proof's search window."""

    frame: pd.DataFrame
    side: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    cur_code: np.ndarray
    precision: np.ndarray
    t: np.ndarray  # seconds UTC (second/minute proofs), else 0
    day: np.ndarray  # datetime64[D] local date of the proof
    lo: np.ndarray
    hi: np.ndarray
    core_lo: np.ndarray  # the proof's own interval (time point or minute)
    core_hi: np.ndarray
    rate_lo: np.ndarray  # where the base rate of the proof's amount is counted
    rate_hi: np.ndarray
    last4: np.ndarray
    wallet: np.ndarray
    order: np.ndarray
    reference: np.ndarray
    terminal: np.ndarray
    merchant: np.ndarray
    not_paid: np.ndarray  # the proof itself shows a failed/closed/refunded payment
    last4_code: np.ndarray | None = None  # card last 4 as 0-9999, -1 when not given
    terminal_code: np.ndarray | None = None  # journal terminal code, -1 when not given or unknown
    partial: np.ndarray | None = None  # may carry a visible suffix of a number, or names a terminal (cached)
    txn_date: np.ndarray | None = (
        None  # a date-only proof whose date is the payment's (交易日), not a posting date
    )
    tail_code: np.ndarray | None = None  # a 3-digit card tail (尾号245) as 0-999 where no last 4, else -1
    refunded: np.ndarray | None = None  # a paid and later fully refunded payment (已全额退款): of not_paid

    def hard_not_paid(self) -> np.ndarray:
        """Proofs never matched: a failed, closed or cancelled payment (a refunded one is matched only to a
        sale the journal shows refunded or voided, :mod:`.guards`)."""
        if self.refunded is None:
            return self.not_paid
        return self.not_paid & ~self.refunded

    @classmethod
    def build(cls, proofs: pd.DataFrame, index: JournalIndex, policy: MatchPolicy) -> ProofArrays:
        frame = proofs.reset_index(drop=True)
        n = len(frame)
        side = np.where(frame["direction"].astype(str).to_numpy() == "credit", 1, 0).astype(np.int8)
        amount = frame["amount_minor"].to_numpy(dtype=np.int64)
        currency = frame["currency"].astype(str).to_numpy()
        precision = frame["ts_precision"].astype(str).map(PRECISION_CODE).fillna(2).to_numpy(dtype=np.int8)
        has_ts = frame["ts"].notna().to_numpy()
        precision[~has_ts] = 2
        t = np.zeros(n, dtype=np.int64)
        if has_ts.any():
            ts = frame["ts"].dt.tz_convert("UTC").dt.as_unit("s")
            t[has_ts] = ts[has_ts].astype("int64").to_numpy()
        # local calendar day of each proof, in the journal's zone
        day = frame["date"].to_numpy(dtype="datetime64[D]")
        if has_ts.any():
            local = frame["ts"].dt.tz_convert(index.tz).dt.tz_localize(None)
            day = np.where(has_ts, local.to_numpy(dtype="datetime64[D]"), day)
        tol = policy.clock_tolerance_s
        core_lo = t.copy()
        core_hi = t + np.where(precision == 1, 59, np.where(precision == RANGE_CODE, 3599, 0))
        if "ts_end" in frame.columns:  # a window [ts, ts_end]: the transaction anywhere inside it agrees
            end = frame["ts_end"]
            ranged = end.notna().to_numpy() & has_ts
            if ranged.any():
                end_s = pd.to_datetime(end[ranged], utc=True).dt.as_unit("s").astype("int64").to_numpy()
                core_hi[ranged] = np.maximum(end_s, t[ranged])
                precision[ranged & (core_hi - t > 59)] = RANGE_CODE
        txn_date = transaction_dated(frame, precision, side)
        first_day = np.where(
            txn_date, day, np.busday_offset(day, -policy.bank_post_lag_days, roll="backward")
        ).astype("datetime64[D]")
        # a journal in several zones is indexed in UTC: a day runs from its midnight in the zone furthest ahead
        # to the next in the zone furthest behind, and each row's own local day decides (index.day_adj)
        behind, ahead = getattr(index, "zone_spread_s", (0, 0))
        lo_day = local_midnight(first_day, index.tz) - tol - ahead
        hi_day = local_midnight(day + np.timedelta64(1, "D"), index.tz) - 1 + tol - behind
        is_day = precision == 2
        lo = np.where(is_day, lo_day, core_lo - tol)
        hi = np.where(is_day, hi_day, core_hi + tol)
        core_lo = np.where(is_day, lo_day + tol, core_lo)
        core_hi = np.where(is_day, hi_day - tol, core_hi)
        wide = np.where(is_day, 0, max(int(policy.rate_window_s), 0))
        # dates, hours and ranges count their rate on the dates around (candidates._range_base_rate)
        wide = np.where(is_day | (precision == RANGE_CODE), (RATE_DAYS + 1) * 86400, wide)
        state = (
            frame["payment_state"] if "payment_state" in frame.columns else pd.Series(None, index=frame.index)
        )
        not_paid = state.astype(object).isin(["failed", "closed", "refunded", "cancelled"]).to_numpy() & (
            side == 0
        )
        refunded = state.astype(object).isin(["refunded"]).to_numpy() & (side == 0)
        terminal = _obj(frame["terminal_id"])
        codes = {str(t): k for k, t in enumerate(index.terminals)}
        terminal_code = np.array(
            [codes.get(str(v), -1) if v is not None else -1 for v in terminal], dtype=np.int64
        )
        return cls(
            frame=frame,
            side=side,
            amount=amount,
            currency=currency,
            cur_code=index.currency_codes_of(currency),
            precision=precision,
            t=t,
            day=day,
            lo=lo,
            hi=hi,
            core_lo=core_lo,
            core_hi=core_hi,
            rate_lo=lo - wide,
            rate_hi=hi + wide,
            last4=_obj(frame["card_last4"]),
            wallet=_obj(frame["wallet_txn_id"]),
            order=_obj(frame["order_no"]),
            reference=_obj(frame["reference"]),
            terminal=terminal,
            merchant=_obj(frame["merchant_text"]),
            not_paid=not_paid,
            last4_code=last4_codes(frame["card_last4"]),
            terminal_code=terminal_code,
            txn_date=txn_date,
            tail_code=card_tail_codes(frame),
            refunded=refunded,
        )

    def __len__(self) -> int:
        return len(self.side)

    def take(self, rows: np.ndarray) -> ProofArrays:
        """The same arrays for some proofs (a chunk)."""
        if len(rows) == len(self) and np.array_equal(rows, np.arange(len(self))):
            return self
        fields = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "frame":
                fields[name] = value.iloc[rows].reset_index(drop=True)
            elif value is None:
                fields[name] = None
            else:
                fields[name] = value[rows]
        out = ProofArrays(**fields)
        at = np.asarray(rows)
        at = np.flatnonzero(at) if at.dtype == bool else at
        root, root_rows = getattr(self, "_rk_root", None) or (self, None)
        object.__setattr__(out, "_rk_root", (root, at if root_rows is None else root_rows[at]))
        return out

    def per_proof(self, name: str, compute: Callable[[ProofArrays], np.ndarray]) -> np.ndarray:
        """``compute(proofs)``, an array of one value per proof read from that proof alone, computed once.

        It is computed on the proofs this object was taken from (:meth:`take`: a chunk, a sample) and
        sliced, so that chunks, samples and the whole batch share one computation.
        """
        root, rows = getattr(self, "_rk_root", None) or (self, None)
        cache = root.__dict__.setdefault("_rk_per_proof", {})
        if name not in cache:
            cache[name] = compute(root)
        return cache[name] if rows is None else cache[name][rows]

    def codes4(self) -> np.ndarray:
        return self.last4_code if self.last4_code is not None else last4_codes(pd.Series(self.last4))

    def tails(self) -> np.ndarray:
        """3-digit card tails as 0-999 (-1 where none, or where the last 4 is known)."""
        return self.tail_code if self.tail_code is not None else np.full(len(self), -1, dtype=np.int16)


def card_tail_codes(frame: pd.DataFrame) -> np.ndarray:
    """The 3-digit card tail a reader kept in ``raw["card_tail"]`` (SMS ``尾号245``), where ``card_last4`` is empty.

    A tail is the end of the card number: 245 fits a card ending 1245, not one ending 3456.
    """
    out = np.full(len(frame), -1, dtype=np.int16)
    if "raw" not in frame.columns or not len(frame):
        return out
    rows = frame["card_last4"].isna().to_numpy() & frame["raw"].notna().to_numpy()
    if "kind" in frame.columns:
        rows &= frame["kind"].astype(object).isin(["sms", "issuer_app"]).to_numpy()
    raws = frame["raw"].to_numpy(dtype=object)
    for k in np.flatnonzero(rows):
        raw = raws[k]
        tail = raw.get("card_tail") if isinstance(raw, dict) else None
        if isinstance(tail, str) and len(tail) == 3 and tail.isdigit():
            out[k] = int(tail)
    return out


_REALTIME_KINDS = ("sms", "issuer_app", "wallet", "manual")


def transaction_dated(frame: pd.DataFrame, precision: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Date-only payment proofs whose date is the day of the payment itself, not a posting date.

    A bank SMS, an issuer app's push and a wallet's record are sent when the
    card is charged (field guide 1.2: debit cards are debited in real time,
    the SMS carries the balance; the capture time falls in the minute of the
    text), so their date, even without a time (BOC credit SMS, Alipay's
    ``11月08日`` push), is the payment's. So is a day typed at the counter
    (``manual``: the customer says the day they paid, and the clerk looks the
    sale up by that date and the amount, field guide 5): it is the local day
    in the shop's zone, never a posting date reaching back business days.
    A statement line whose ``raw`` holds
    a ``posting_date`` other than its ``date`` carries its 交易日 (the reader
    sets ``date`` to the 交易日 and keeps the 记账日). Refunds are left out:
    the card sees a refund a day or more after the shop (field guide 4.3).
    Any other date-only proof may be a posting date and keeps the
    ``bank_post_lag_days`` window.
    """
    n = len(frame)
    day_only = (precision == 2) & (side == 0)
    if not day_only.any():
        return np.zeros(n, dtype=bool)
    kind = frame["kind"].astype(object).to_numpy()
    out = day_only & np.isin(kind, _REALTIME_KINDS)
    rows = np.flatnonzero(day_only & ~out & (kind == "bank_statement"))
    if len(rows) and "raw" in frame.columns:
        raws = frame["raw"].to_numpy(dtype=object)[rows]
        posted = pd.to_datetime(
            pd.Series([r.get("posting_date") if isinstance(r, dict) else None for r in raws], dtype=object),
            errors="coerce",
            format="mixed",
        )
        dated = frame["date"].to_numpy(dtype="datetime64[D]")[rows]
        known = posted.notna().to_numpy()
        differs = np.zeros(len(rows), dtype=bool)
        differs[known] = posted[known].to_numpy(dtype="datetime64[D]") != dated[known]
        out[rows[differs]] = True
    return out


def local_midnight(days: np.ndarray, tz: object) -> np.ndarray:
    """Local midnight of each day in zone ``tz``, as seconds UTC (computed once per distinct day)."""
    distinct, inverse = np.unique(np.asarray(days).astype("datetime64[D]"), return_inverse=True)
    stamps = pd.DatetimeIndex(distinct.astype("datetime64[s]")).tz_localize(
        tz, ambiguous="NaT", nonexistent="shift_forward"
    )
    return stamps.tz_convert("UTC").as_unit("s").asi8[inverse.reshape(-1)]


@dataclass
class Evidence:
    """Levels and weights (natural log) per field for every candidate pair."""

    pairs: Pairs
    levels: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    score: np.ndarray  # log posterior numerator
    base: np.ndarray  # base-rate term (prior and amount frequency)
    n_same: np.ndarray  # per pair: transactions sharing the amount in the window


class _NoLevels:
    """Stands in for a level array when only the weights are wanted (bulk weighing)."""

    def __setitem__(self, key: object, value: object) -> None:
        pass

    def __getitem__(self, key: object) -> _NoLevels:
        return self


_NO_LEVELS = _NoLevels()


def _levels(n: int, fill: str, wanted: bool) -> np.ndarray:
    return np.full(n, fill, dtype=object) if wanted else _NO_LEVELS  # type: ignore[return-value]


MIN_BASE = 0.01  # the smallest expected count of chance same-amount transactions in a window


def _ln(x: np.ndarray | float) -> np.ndarray:
    return np.log(np.maximum(x, 1e-300))


_TIME_NAMES = np.array(
    ["same", "near", "window", "lag 0d", "lag 1d", "lag 2d", "lag 3d", "edge", "outside"], dtype=object
)


def time_evidence(
    proofs: ProofArrays,
    p: np.ndarray,
    ts: np.ndarray,
    txn_day: np.ndarray,
    policy: MatchPolicy,
    with_levels: bool = True,
    local_s: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Level and weight of the time of candidates at ``ts`` (corrected seconds UTC, local day ``txn_day``;
    ``local_s``, when given, their times in their own zones).

    Second and minute proofs: ``same`` (<= 60 s from the proof's interval),
    ``near`` (<= 180 s), ``window``; u is the share of the window the level
    covers. Hours and windows ``[ts, ts_end]``: ``inside`` (<= 60 s from the
    window), ``near``, ``window``, weighed with ``m_time_range``. Day proofs:
    ``lag Nd`` business days from the transaction's local date to the
    statement date, ``edge`` within the clock tolerance of the window, else
    ``outside``.
    """
    n_pairs = len(p)
    level = _levels(n_pairs, "outside", with_levels)
    weight = np.full(n_pairs, float(np.log(policy.m_time_outside)))
    dist = np.maximum(np.maximum(proofs.core_lo[p] - ts, ts - proofs.core_hi[p]), 0)
    window = (proofs.hi[p] - proofs.lo[p]).astype(float)
    core = (proofs.core_hi[p] - proofs.core_lo[p]).astype(float)
    precision = proofs.precision[p]
    tol = policy.clock_tolerance_s
    for code, ms, first in (
        (0, policy.m_time_second, "same"),
        (1, policy.m_time_minute, "same"),
        (RANGE_CODE, policy.m_time_range, "inside"),
    ):
        sel = np.flatnonzero(precision == code)
        if not len(sel):
            continue
        previous = np.zeros(len(sel))
        assigned = np.zeros(len(sel), dtype=bool)
        for bound, name, m_level in zip((60, 180, tol), (first, "near", "window"), ms, strict=True):
            length = np.minimum(core[sel] + 2 * bound + 1, window[sel])
            u = np.maximum(length - previous, 1) / window[sel]
            hit = (dist[sel] <= bound) & ~assigned
            level[sel[hit]] = name
            weight[sel[hit]] = np.log(m_level) - _ln(u[hit])
            assigned |= hit
            previous = length
    sel = np.flatnonzero(precision == 2)
    if len(sel):
        days = policy.bank_post_lag_days + 1
        day_txn = txn_day[sel].astype("datetime64[D]")
        day_proof = proofs.day[p[sel]]
        lag = np.busday_count(np.busday_offset(day_txn, 0, roll="forward"), day_proof)
        lag = np.where(day_txn == day_proof, 0, lag)
        in_core = dist[sel] == 0
        m_day = np.array(
            policy.m_time_day[:days] + (policy.m_time_day[-1],) * max(0, days - len(policy.m_time_day))
        )
        ok = in_core & (lag >= 0) & (lag < days)
        w = np.full(len(sel), float(np.log(policy.m_time_outside)))
        w[ok] = np.log(m_day[lag[ok]]) + np.log(days)
        lv = _levels(len(sel), "outside", with_levels)
        if with_levels:
            lv[ok] = np.array([f"lag {k}d" for k in range(days)], dtype=object)[lag[ok]]
        if proofs.txn_date is not None:  # the payment's own day: the window is that day (u = 1)
            same = proofs.txn_date[p[sel]] & in_core
            w[same] = np.log(policy.m_time_txn_day)
            lv[same] = "same day"
        # a journal in several zones widens the window to every zone's day (ProofArrays.build): inside it, a
        # sale whose own local day is after the proof's date or before its first day is outside (one zone:
        # the window is those days, so never)
        first = np.where(
            proofs.txn_date[p[sel]] if proofs.txn_date is not None else False,
            day_proof,
            np.busday_offset(day_proof, -policy.bank_post_lag_days, roll="backward"),
        ).astype("datetime64[D]")
        other_day = in_core & ((day_txn > day_proof) | (day_txn < first))
        if local_s is not None and other_day.any():
            # measured on the sale's own clock: within the clock tolerance of the proof's days it is at the edge,
            # as at a one-zone window's end (a Shanghai sale at 00:01 beside London rows)
            own = local_s[sel]
            start = first.astype("datetime64[s]").astype(np.int64)
            end = (day_proof + np.timedelta64(1, "D")).astype("datetime64[s]").astype(np.int64) - 1
            other_day &= (own < start - tol) | (own > end + tol)
        near = ~ok & (dist[sel] <= tol) & ~other_day
        lv[near] = "edge"
        w[near] = 0.0
        if proofs.txn_date is not None:
            w[other_day] = float(np.log(policy.m_time_outside))
            lv[other_day] = "outside"
        level[sel] = lv
        weight[sel] = w
    return level, weight


def last4_weights(
    index: JournalIndex, proof4: np.ndarray, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray]:
    """Per proof: weight of a candidate whose last 4 agrees, and of one whose last 4 differs."""
    freq = np.maximum(index.last4_frequency()[np.maximum(proof4, 0)], 1e-4)
    agree = np.log(policy.m_last4) - _ln(freq)
    differs = np.log(1 - policy.m_last4) - _ln(1 - freq)
    has = proof4 >= 0
    return np.where(has, agree, 0.0), np.where(has, differs, 0.0)


def score(
    index: JournalIndex,
    proofs: ProofArrays,
    pairs: Pairs,
    *,
    n_exact: np.ndarray,
    n_fx: np.ndarray,
    n_window: np.ndarray,
    base_exact: np.ndarray,
    policy: MatchPolicy,
    merchant_table: MerchantTable | None = None,
    with_levels: bool = True,
) -> Evidence:
    """Compare every candidate pair field by field and add up the weights.

    ``with_levels=False`` skips naming the levels (bulk weighing needs only
    the weights; :func:`explain` weighs the pairs it shows again).
    """
    from receiptkit.matching.comparators import AmountComparator, PairContext, comparators

    ctx = PairContext(
        index,
        proofs,
        pairs,
        policy,
        with_levels,
        {"n_exact": n_exact, "n_fx": n_fx, "n_window": n_window, "base_exact": base_exact},
        merchant_table,
    )
    levels: dict[str, np.ndarray] = {}
    weights: dict[str, np.ndarray] = {}
    base = n_same = None
    for comparator in comparators(policy):
        levels[comparator.field], weights[comparator.field] = comparator.compare(ctx)
        if isinstance(comparator, AmountComparator):
            # the base rate: how many such transactions the window holds by chance (the amount's u)
            base, n_same = comparator.base_rate(ctx, MIN_BASE)
    assert base is not None and n_same is not None  # comparators() always has the AmountComparator
    total = base + sum(weights[f] for f in FIELDS)
    return Evidence(pairs, levels, weights, total, base, n_same)


def present(values: np.ndarray) -> np.ndarray:
    """Which entries of an object array are given (not None)."""
    return ~pd.isna(np.asarray(values, dtype=object))


def _present_positions(values: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.flatnonzero(present(values)[p]) if len(p) else np.empty(0, dtype=np.int64)


_MASK_WORDS = re.compile(r"^(?:尾号|尾数|末四位|末4位|后四位|后4位|ending(?:in|with)?)\s*[:：]?\s*", re.I)
_MASK_RUN = re.compile(r"[*•·…]+|\.{2,}")


@lru_cache(maxsize=65536)
def visible_id(text: str) -> tuple[str, str, bool]:
    """A wallet or order number as people see it: (visible prefix, visible suffix, masked).

    ``"*73310942"``, ``"…73310942"``, ``"****0942"`` and ``"尾号0942"`` are
    masked: only the digits around the mask are known. An unmasked number is
    returned whole as its "suffix" (``masked`` False). Full-width forms and
    spaces are normalised.

    >>> visible_id("尾号0942"), visible_id("4200**0942"), visible_id("4200000942")
    (('', '0942', True), ('4200', '0942', True), ('', '4200000942', False))
    """
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    words = _MASK_WORDS.match(cleaned)
    if words:
        rest = _MASK_RUN.sub("", cleaned[words.end() :])
        return "", rest, True
    runs = list(_MASK_RUN.finditer(cleaned))
    if not runs:
        return "", cleaned, False
    return cleaned[: runs[0].start()], cleaned[runs[-1].end() :], True


_MAYBE_MASKED = "[*•·…．.尾末后eE]"  # a superset of what visible_id reads as masked (checked exactly after)


def whole_ids(values: np.ndarray) -> np.ndarray:
    """Each given number as :func:`visible_id` writes an unmasked one (NFKC, no spaces); None where it is
    missing, empty or masked (vectorised: a batch holds many)."""
    values = np.asarray(values, dtype=object)
    out = np.full(len(values), None, dtype=object)
    given = np.flatnonzero(present(values))
    if not len(given):
        return out
    given = given[~is_masked(values[given])]
    if not len(given):
        return out
    text = pc.utf8_normalize(arrow_strings(values[given].astype(str)), "NFKC")
    text = pc.replace_substring_regex(text, r"\s+", "")
    cleaned = np.asarray(text.to_pylist(), dtype=object)
    shown = cleaned != ""
    out[given[shown]] = cleaned[shown]
    return out


def is_masked(values: np.ndarray) -> np.ndarray:
    """Which given numbers are masked (only part of them visible)."""
    values = np.asarray(values, dtype=object)
    out = np.zeros(len(values), dtype=bool)
    given = np.flatnonzero(present(values))
    if not len(given):
        return out
    # only a text holding a mask character, a dot or a mask word (after NFKC) can be masked
    text = pc.utf8_normalize(arrow_strings(values[given].astype(str)), "NFKC")
    maybe = np.flatnonzero(
        np.asarray(pc.match_substring_regex(text, _MAYBE_MASKED).to_numpy(zero_copy_only=False), dtype=bool)
    )
    out[given[maybe]] = [visible_id(str(v))[2] for v in values[given[maybe]]]
    return out


_CARD_MASK = re.compile(r"[0-9]{6}\*+[0-9]{4}")


def _card_masked_elsewhere(value: str, full: str) -> bool:
    """``value`` is written as validation masks a card-like identifier (first 6, stars, last 4, 13-19
    characters: :data:`receiptkit.schema.CARD_CHECKED_IDS`), and the journal's ``full`` number of the same
    length is no card: had it been the proof's number it would have been masked too. So they differ, and the
    10 visible digits (the first 6 often shared by a shop's order numbers) must not agree.
    """
    if not (13 <= len(value) <= 19 and len(full) == len(value) and _CARD_MASK.fullmatch(value)):
        return False
    from receiptkit.pan import card_like_cells

    return full.isdigit() and not bool(card_like_cells([full])[0])


def _id_evidence(
    index: JournalIndex,
    column: str,
    proof_values: np.ndarray,
    p: np.ndarray,
    j: np.ndarray,
    policy: MatchPolicy,
    with_levels: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    level = _levels(len(p), "missing", with_levels)
    weight = np.zeros(len(p))
    sel = _present_positions(proof_values, p)
    if not len(sel):
        return level, weight
    theirs = index.column(column).take(pa.array(j[sel], type=pa.int64()))
    ours = arrow_strings(proof_values[p[sel]])
    known = np.asarray(pc.is_valid(theirs).to_numpy(zero_copy_only=False), dtype=bool)
    exact = np.asarray(pc.fill_null(pc.equal(ours, theirs), False).to_numpy(zero_copy_only=False), dtype=bool)
    ours_len = np.asarray(pc.utf8_length(ours).to_numpy(zero_copy_only=False), dtype=np.int64)
    theirs_len = np.asarray(
        pc.fill_null(pc.utf8_length(theirs), 0).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    suffix = np.zeros(len(sel), dtype=bool)
    for length in np.unique(ours_len[(ours_len >= 4) & (ours_len < theirs_len) & ~exact]):
        rows = np.flatnonzero((ours_len == length) & (ours_len < theirs_len) & ~exact)
        end = pc.utf8_slice_codeunits(theirs.take(pa.array(rows)), -int(length))
        hit = pc.fill_null(pc.equal(end, ours.take(pa.array(rows))), False)
        suffix[rows] = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    strength = np.log(policy.m_id_agree) + np.minimum(ours_len, 12) * _LN10
    lv = _levels(len(sel), "missing", with_levels)
    w = np.zeros(len(sel))
    lv[known] = "differs"
    w[known] = np.log(policy.m_id_differs)
    if with_levels:
        lv[suffix] = np.array([f"suffix {k}" for k in ours_len[suffix]], dtype=object)
    w[suffix | exact] = strength[suffix | exact]
    lv[exact] = "exact"
    masked = np.flatnonzero(is_masked(proof_values[p[sel]]))
    if len(masked):  # a masked number: its visible digits agree or weigh against, never contradict
        their_text = theirs.take(pa.array(masked)).to_pylist()
        for k, value, full in zip(masked, proof_values[p[sel[masked]]], their_text, strict=True):
            head, tail, _ = visible_id(str(value))
            seen = len(head) + len(tail)
            if full is None or seen < 4:
                lv[k], w[k] = "missing", 0.0
            elif _card_masked_elsewhere(str(value), full):
                lv[k], w[k] = "masked differs", np.log(policy.m_id_masked_differs)
            elif len(full) >= seen and full.startswith(head) and full.endswith(tail):
                if _CARD_MASK.fullmatch(full) and _CARD_MASK.fullmatch(str(value)):
                    # both numbers masked as card-like (validation keeps first 6 + last 4 of each): two
                    # different numbers read alike, and the first 6 are what a shop's numbers share
                    seen = len(tail)
                lv[k], w[k] = f"suffix {seen}", np.log(policy.m_id_agree) + min(seen, 12) * _LN10
            else:
                lv[k], w[k] = "masked differs", np.log(policy.m_id_masked_differs)
    level[sel], weight[sel] = lv, w
    return level, weight


def _reference_evidence(
    index: JournalIndex,
    refs: np.ndarray,
    p: np.ndarray,
    j: np.ndarray,
    comparator: ReferenceComparator,
    with_levels: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    level = _levels(len(p), "missing", with_levels)
    weight = np.zeros(len(p))
    sel = _present_positions(refs, p)
    if not len(sel):
        return level, weight
    rows = pa.array(j[sel], type=pa.int64())
    ours = arrow_strings(refs[p[sel]])

    def equal(a: pa.Array, b: pa.Array) -> np.ndarray:
        return np.asarray(pc.fill_null(pc.equal(a, b), False).to_numpy(zero_copy_only=False), dtype=bool)

    rrn = index.column("rrn").take(rows)
    auth = index.column("auth_code").take(rows)
    stan = pc.utf8_ltrim(index.column("stan").take(rows), "0")
    ours_stan = pc.utf8_ltrim(ours, "0")
    is_rrn = equal(ours, rrn)
    is_auth = equal(ours, auth) & ~is_rrn
    nonempty = np.asarray(
        pc.fill_null(pc.greater(pc.utf8_length(ours_stan), 0), False).to_numpy(zero_copy_only=False)
    )
    is_stan = equal(ours_stan, stan) & nonempty & ~is_rrn & ~is_auth
    has_ref = np.asarray(
        pc.or_(pc.is_valid(rrn), pc.is_valid(auth)).to_numpy(zero_copy_only=False), dtype=bool
    )
    differs = has_ref & ~is_rrn & ~is_auth & ~is_stan
    lv = _levels(len(sel), "missing", with_levels)
    w = np.zeros(len(sel))
    for name, hit in (("rrn", is_rrn), ("auth_code", is_auth), ("stan", is_stan), ("differs", differs)):
        lv[hit], w[hit] = name, comparator.weight(name)
    level[sel], weight[sel] = lv, w
    return level, weight
