"""Evidence: one comparator per field, each giving a level and a match weight.

Fellegi-Sunter style: for every (proof, candidate) pair and every field, the
comparator names an agreement level and its weight ``ln(m / u)``, where ``m``
is how often the true transaction shows that level and ``u`` how often a
random transaction in the window does. The u values come from the journal
itself (how many approved 25.00 sales fall in the window, how common a card's
last four digits are, how much of the journal a merchant name covers), so a
coffee chain's hundredth 25.00 sale is weak evidence and a unique 1,288.00
dinner is strong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from receiptkit.matching.index import JournalIndex, Pairs
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.text import merchant_similarity

__all__ = ["FIELDS", "Evidence", "ProofArrays", "score"]

FIELDS = ("amount", "time", "card_last4", "wallet_txn_id", "order_no", "reference", "merchant", "terminal_id")
PRECISION_CODE = {"second": 0, "minute": 1, "day": 2}
_LN10 = float(np.log(10.0))


def _obj(series: pd.Series) -> np.ndarray:
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
    last4: np.ndarray
    wallet: np.ndarray
    order: np.ndarray
    reference: np.ndarray
    terminal: np.ndarray
    merchant: np.ndarray
    not_paid: np.ndarray  # the proof itself shows a failed/closed payment

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
        core_hi = t + np.where(precision == 1, 59, 0)
        first_day = np.busday_offset(day, -policy.bank_post_lag_days, roll="backward")
        lo_day = _local_midnight(first_day, index.tz) - tol
        hi_day = _local_midnight(day + np.timedelta64(1, "D"), index.tz) - 1 + tol
        is_day = precision == 2
        lo = np.where(is_day, lo_day, core_lo - tol)
        hi = np.where(is_day, hi_day, core_hi + tol)
        core_lo = np.where(is_day, lo_day + tol, core_lo)
        core_hi = np.where(is_day, hi_day - tol, core_hi)
        state = (
            frame["payment_state"] if "payment_state" in frame.columns else pd.Series(None, index=frame.index)
        )
        not_paid = state.astype(object).isin(["failed", "closed", "refunded", "cancelled"]).to_numpy() & (
            side == 0
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
            last4=_obj(frame["card_last4"]),
            wallet=_obj(frame["wallet_txn_id"]),
            order=_obj(frame["order_no"]),
            reference=_obj(frame["reference"]),
            terminal=_obj(frame["terminal_id"]),
            merchant=_obj(frame["merchant_text"]),
            not_paid=not_paid,
        )

    def __len__(self) -> int:
        return len(self.side)


def _local_midnight(days: np.ndarray, tz: object) -> np.ndarray:
    stamps = pd.DatetimeIndex(days.astype("datetime64[s]")).tz_localize(
        tz, ambiguous="NaT", nonexistent="shift_forward"
    )
    return stamps.tz_convert("UTC").as_unit("s").asi8


@dataclass
class Evidence:
    """Levels and weights (natural log) per field for every candidate pair."""

    pairs: Pairs
    levels: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    score: np.ndarray  # log posterior numerator
    base: np.ndarray  # base-rate term (prior and amount frequency)
    n_same: np.ndarray  # per pair: transactions sharing the amount in the window


def _ln(x: np.ndarray | float) -> np.ndarray:
    return np.log(np.maximum(x, 1e-300))


def score(
    index: JournalIndex,
    proofs: ProofArrays,
    pairs: Pairs,
    *,
    n_exact: np.ndarray,
    n_fx: np.ndarray,
    n_window: np.ndarray,
    policy: MatchPolicy,
) -> Evidence:
    """Compare every candidate pair field by field and add up the weights."""
    p, j = pairs.proof, pairs.txn
    levels: dict[str, np.ndarray] = {}
    weights: dict[str, np.ndarray] = {}
    n_pairs = len(p)

    # --- amount (and the base rate: how many such transactions the window holds)
    exact = (index.amount[j] == proofs.amount[p]) & (index.currency_code[j] == proofs.cur_code[p])
    fx = (pairs.route == 1) & ~exact
    amount_level = np.where(exact, "exact", np.where(fx, "fx", "differs")).astype(object)
    n_same = np.where(exact, n_exact[p], np.where(fx, n_fx[p], np.maximum(n_window[p] - n_exact[p], 1)))
    n_same = np.maximum(n_same, 1)
    m = np.where(exact, policy.m_amount, np.where(fx, policy.m_amount_fx, 1 - policy.m_amount))
    base = np.log(1 - policy.prior_absent) - _ln(n_same.astype(float))
    levels["amount"] = amount_level
    weights["amount"] = _ln(m)  # the u part is in the base rate term

    # --- time, by precision
    ts = index.ts_adj[j]
    precision = proofs.precision[p]
    time_level = np.full(n_pairs, "outside", dtype=object)
    time_weight = np.full(n_pairs, float(np.log(policy.m_time_outside)))
    dist = np.maximum(np.maximum(proofs.core_lo[p] - ts, ts - proofs.core_hi[p]), 0)
    window = (proofs.hi[p] - proofs.lo[p]).astype(float)
    core = (proofs.core_hi[p] - proofs.core_lo[p]).astype(float)
    tol = policy.clock_tolerance_s
    for code, ms in ((0, policy.m_time_second), (1, policy.m_time_minute)):
        sel = precision == code
        if not sel.any():
            continue
        bounds = (60, 180, tol)
        names = ("same", "near", "window")
        previous = np.zeros(sel.sum())
        for bound, name, m_level in zip(bounds, names, ms, strict=True):
            length = np.minimum(core[sel] + 2 * bound + 1, window[sel])
            u = np.maximum(length - previous, 1) / window[sel]
            hit = sel.copy()
            hit[sel] = (dist[sel] <= bound) & (time_level[sel] == "outside")
            idx_sel = np.flatnonzero(sel)
            local_hit = hit[sel]
            time_level[idx_sel[local_hit]] = name
            time_weight[idx_sel[local_hit]] = np.log(m_level) - _ln(u[local_hit])
            previous = length
    sel = precision == 2
    if sel.any():
        txn_day = index.local_date[j[sel]].astype("datetime64[D]")
        lag = np.busday_count(np.busday_offset(txn_day, 0, roll="forward"), proofs.day[p[sel]])
        lag = np.where(txn_day == proofs.day[p[sel]], 0, lag)
        in_core = dist[sel] == 0
        days = policy.bank_post_lag_days + 1
        ms = np.array(
            policy.m_time_day[:days] + (policy.m_time_day[-1],) * max(0, days - len(policy.m_time_day))
        )
        ok = in_core & (lag >= 0) & (lag < days)
        weight = np.full(sel.sum(), float(np.log(policy.m_time_outside)))
        weight[ok] = np.log(ms[lag[ok]]) + np.log(days)
        level = np.full(sel.sum(), "outside", dtype=object)
        level[ok] = np.array([f"lag {k}d" for k in range(days)], dtype=object)[lag[ok]]
        near = ~ok & (dist[sel] <= tol)
        level[near] = "edge"
        weight[near] = 0.0
        time_level[sel] = level
        time_weight[sel] = weight
    levels["time"] = time_level
    weights["time"] = time_weight

    # --- card last 4
    proof4 = proofs.last4[p]
    txn4 = index.last4[j]
    both = _present(proof4) & _present(txn4)
    agree = both & (proof4 == txn4)
    freq_map = pd.Series(index.last4_freq, dtype=float)
    freq = pd.Series(proof4, dtype=object).map(freq_map).fillna(0.0).to_numpy(dtype=float)
    freq = np.maximum(freq, 1e-4)
    levels["card_last4"] = np.where(agree, "agree", np.where(both, "differs", "missing")).astype(object)
    weights["card_last4"] = np.where(
        agree,
        np.log(policy.m_last4) - _ln(freq),
        np.where(both, np.log(1 - policy.m_last4) - _ln(1 - freq), 0.0),
    )

    # --- reference numbers
    for field, column in (("wallet_txn_id", "wallet_txn_id"), ("order_no", "order_no")):
        proof_ids = proofs.wallet[p] if field == "wallet_txn_id" else proofs.order[p]
        txn_ids = index.ids(column)[j]
        level, weight = _id_evidence(proof_ids, txn_ids, policy)
        levels[field] = level
        weights[field] = weight
    levels["reference"], weights["reference"] = _reference_evidence(index, proofs.reference[p], j, policy)

    # --- merchant text
    levels["merchant"], weights["merchant"] = _merchant_evidence(index, proofs.merchant[p], j, policy)

    # --- terminal id seen in the proof
    proof_t = proofs.terminal[p]
    txn_t = index.terminals[np.maximum(index.terminal_code[j], 0)] if len(index.terminals) else np.array([])
    has = _present(proof_t) & (index.terminal_code[j] >= 0)
    same = has & (proof_t == txn_t) if len(txn_t) else has
    share = (
        index.terminal_share[np.maximum(index.terminal_code[j], 0)]
        if len(index.terminals)
        else np.ones(n_pairs)
    )
    levels["terminal_id"] = np.where(same, "agree", np.where(has, "differs", "missing")).astype(object)
    weights["terminal_id"] = np.where(same, np.log(0.99) - _ln(share), np.where(has, np.log(0.01), 0.0))

    total = base + sum(weights[f] for f in FIELDS)
    return Evidence(pairs, levels, weights, total, base, n_same)


def _present(values: np.ndarray) -> np.ndarray:
    return pd.notna(pd.Series(values, dtype=object)).to_numpy()


def _id_evidence(
    proof_ids: np.ndarray, txn_ids: np.ndarray, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray]:
    level = np.full(len(proof_ids), "missing", dtype=object)
    weight = np.zeros(len(proof_ids))
    for k in np.flatnonzero(_present(proof_ids) & _present(txn_ids)):
        a, b = str(proof_ids[k]), str(txn_ids[k])
        if a == b:
            level[k] = "exact"
            weight[k] = np.log(policy.m_id_agree) + min(len(a), 12) * _LN10
        elif 4 <= len(a) < len(b) and b.endswith(a):
            level[k] = f"suffix {len(a)}"
            weight[k] = np.log(policy.m_id_agree) + min(len(a), 12) * _LN10
        else:
            level[k] = "differs"
            weight[k] = np.log(policy.m_id_differs)
    return level, weight


def _reference_evidence(
    index: JournalIndex, refs: np.ndarray, rows: np.ndarray, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray]:
    level = np.full(len(refs), "missing", dtype=object)
    weight = np.zeros(len(refs))
    rrn, auth, stan = index.ids("rrn"), index.ids("auth_code"), index.ids("stan")
    for k in np.flatnonzero(_present(refs)):
        ref, row = str(refs[k]), rows[k]
        if rrn[row] is not None and ref == rrn[row]:
            level[k], weight[k] = "rrn", np.log(policy.m_id_agree) + 10 * _LN10
        elif auth[row] is not None and ref == auth[row]:
            level[k], weight[k] = "auth_code", np.log(0.95) + 5 * _LN10
        elif stan[row] is not None and ref.lstrip("0") == str(stan[row]).lstrip("0") and ref.lstrip("0"):
            level[k], weight[k] = "stan", np.log(0.9) + 3 * _LN10
        elif rrn[row] is not None or auth[row] is not None:
            level[k], weight[k] = "differs", np.log(policy.m_reference_unmatched)
    return level, weight


def _merchant_evidence(
    index: JournalIndex, texts: np.ndarray, rows: np.ndarray, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray]:
    level = np.full(len(texts), "missing", dtype=object)
    weight = np.zeros(len(texts))
    codes = index.merchant_code[rows]
    usable = _present(texts) & (codes >= 0)
    if not usable.any():
        return level, weight
    text_codes, distinct = pd.factorize(pd.Series(texts[usable], dtype=object))
    names = [str(name) for name in index.merchants]
    lv_table = np.empty((len(distinct), len(names)), dtype=np.int8)
    w_table = np.empty((len(distinct), 3))
    for t, text in enumerate(distinct):
        scores = np.array([merchant_similarity(str(text), name) for name in names])
        lv = np.where(scores >= policy.merchant_strong, 0, np.where(scores >= policy.merchant_partial, 1, 2))
        # u: the share of the journal whose merchant sits at each level for this text
        u = np.array([index.merchant_share[lv == q].sum() for q in range(3)])
        lv_table[t] = lv
        w_table[t] = np.log(np.array(policy.m_merchant)) - _ln(np.maximum(u, 0.01))
    lv = lv_table[text_codes, codes[usable]]
    level[usable] = np.array(["strong", "partial", "none"], dtype=object)[lv]
    weight[usable] = w_table[text_codes, lv]
    return level, weight
