"""Clock helpers of :func:`~receiptkit.terminals.merge.merge_journals`: RRN links held to one settlement day
(to the RRN pairs' own clock, or with few pairs to the clock other evidence shows), and an offset that
follows a drifting clock.

Field guide 6: field 37 (the RRN) is unique only within one settlement day, and the POS centre
identifies a transaction by RRN + message type + time + date; terminal clocks are off by minutes to
days and drift (weak clock batteries, failed network sync).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["LOCAL_ANCHORS", "RRN_DAY_NS", "local_offsets", "rrn_candidates"]

RRN_DAY_NS = 3_600 * 1_000_000_000
"""How far (ns) an RRN pair's time difference may stray from the one most RRN pairs share, before the
local check: an RRN that recurs on another settlement day is hours to days off it."""
_DAY_NS = 86_400 * 1_000_000_000
_STRAIGHT_NS = (
    1_000_000_000  # a drift curve may bend by a second (clocks written to the second) and still be straight
)
LOCAL_ANCHORS = 9
"""Key-linked pairs (nearest in time) whose median time difference is the clock difference at a moment."""


def _differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    return (a.notna() & b.notna() & (a != b)).fillna(False).to_numpy(dtype=bool)


def rolling_median(deltas: np.ndarray, k: int = LOCAL_ANCHORS) -> np.ndarray:
    """The centred rolling median of ``deltas`` (already in time order) over ``k`` values."""
    return pd.Series(deltas, dtype="float64").rolling(k, center=True, min_periods=1).median().to_numpy()


def rrn_candidates(
    left: pd.Series,
    right: pd.Series,
    merged: pd.DataFrame,
    new: pd.DataFrame,
    *,
    tolerance_ns: int,
    min_pairs: int,
    clear_mode: object,
    clock: Callable[[np.ndarray], np.ndarray | None] | None = None,
) -> pd.DataFrame:
    """The RRN pairs (``k``, ``_m``, ``_f``, ``clocked``) that may be one transaction.

    ``left``/``right``: the key per row of the merged rows and the new source (empty where the row is
    taken or has none). A value may recur in either source (another settlement day): every pair of rows
    sharing it is a candidate, unless both carry a terminal and the terminals differ. The clock
    difference most candidates share (in hour-wide bins, so a slow drift stays in one) is found;
    candidates more than an hour from it, or more than ``tolerance_ns`` from the median of their
    :data:`LOCAL_ANCHORS` neighbours in time (a drifting clock moves that median), are dropped; a row
    left with more than one candidate links by none of them.

    With too few candidates to show a clock (fewer than ``min_pairs``, or no clear mode), only values
    unique on both sides link, held to the clock the merge knows from other evidence: ``clock`` gives
    the new source's clock difference (ns) at the merged rows' times, or ``None`` when nothing but these
    RRNs shows it (it is only called then). A candidate more than an hour from that clock is not one
    transaction (an RRN that recurs on another settlement day: field guide 6). With no clock known, those
    within an hour of the candidates' median difference link, and the column ``clocked`` is False for
    the ones whose difference is more than ``tolerance_ns`` from zero: they rest on the RRN alone, with
    nothing to check them (the caller lists them). Every other pair returned is ``clocked``.
    """
    cand = (
        pd.DataFrame({"k": left, "_m": np.arange(len(left))})
        .dropna(subset=["k"])
        .merge(pd.DataFrame({"k": right, "_f": np.arange(len(right))}).dropna(subset=["k"]), on="k")
    )
    if cand.empty:
        return cand.assign(clocked=pd.Series(dtype=bool))
    m_idx, f_idx = cand["_m"].to_numpy(), cand["_f"].to_numpy()
    tm = merged["terminal_id"].iloc[m_idx].reset_index(drop=True)
    tf = new["terminal_id"].iloc[f_idx].reset_index(drop=True)
    cand = cand[~_differs(tm, tf)].reset_index(drop=True)
    if cand.empty:
        return cand.assign(clocked=pd.Series(dtype=bool))
    delta = (
        new["_ns"].to_numpy()[cand["_f"].to_numpy()] - merged["_ns"].to_numpy()[cand["_m"].to_numpy()]
    ).astype(np.float64)
    mode = None
    if len(cand) >= min_pairs:
        mode, _support = clear_mode(delta, RRN_DAY_NS, min_pairs)  # type: ignore[operator]
    if mode is None:
        unique = ~cand["_m"].duplicated(keep=False) & ~cand["_f"].duplicated(keep=False)
        unique &= cand["k"].map(left.value_counts()).eq(1) & cand["k"].map(right.value_counts()).eq(1)
        cand, delta = cand[unique.to_numpy()].reset_index(drop=True), delta[unique.to_numpy()]
        if cand.empty:
            return cand.assign(clocked=pd.Series(dtype=bool))
        known = None if clock is None else clock(merged["_ns"].to_numpy()[cand["_m"].to_numpy()])
        if known is not None:  # the clock other evidence shows: a pair far off it is another day's RRN
            keep = np.abs(delta - known) <= RRN_DAY_NS
            return cand[keep].reset_index(drop=True).assign(clocked=True)
        keep = np.abs(delta - float(np.median(delta))) <= RRN_DAY_NS
        # nothing else shows the clock: a pair is checked by nothing unless its times agree as they are
        return cand[keep].reset_index(drop=True).assign(clocked=np.abs(delta[keep]) <= max(tolerance_ns, 1))
    near = np.abs(delta - mode) <= RRN_DAY_NS
    cand, delta = cand[near].reset_index(drop=True), delta[near]
    order = np.argsort(merged["_ns"].to_numpy()[cand["_m"].to_numpy()], kind="stable")
    local = np.empty(len(delta))
    local[order] = rolling_median(delta[order])
    cand = cand[np.abs(delta - local) <= max(tolerance_ns, 1)].reset_index(drop=True)
    once = ~cand["_m"].duplicated(keep=False) & ~cand["_f"].duplicated(keep=False)
    return cand[once.to_numpy()].reset_index(drop=True).assign(clocked=True)


def local_offsets(
    anchor_ns: np.ndarray, anchor_delta: np.ndarray, query_ns: np.ndarray, *, min_pairs: int, offset: float
) -> tuple[np.ndarray, float]:
    """The clock difference at each of ``query_ns`` (times on the merged rows' clock), and its spread.

    ``anchor_ns``/``anchor_delta``: key-linked pairs (merged time, new minus merged). The difference at a
    moment is interpolated between the rolling medians (:data:`LOCAL_ANCHORS` pairs) of the anchors on
    either side, so a clock that drifts, or is reset once, is followed; before the first anchor and after
    the last, the nearest one's, carried on by the curve's least-squares slope when the anchors span a
    day or more (an export that covers days the acquirer's detail does not) and the curve is a straight line
    (within a tenth of its change over the anchors, plus a second): a step (a clock reset once) is carried on
    flat. With fewer than ``min_pairs`` anchors it is ``offset`` everywhere.
    The spread is the scaled median absolute deviation of the anchors from that curve.
    """
    if len(anchor_ns) < max(min_pairs, 1):
        spread = 0.0
        if len(anchor_delta):
            spread = 1.4826 * float(np.median(np.abs(anchor_delta - offset)))
        return np.full(len(query_ns), offset, dtype=np.float64), spread
    order = np.argsort(anchor_ns, kind="stable")
    xs = anchor_ns[order].astype(np.float64)
    curve = rolling_median(anchor_delta[order].astype(np.float64))
    spread = 1.4826 * float(np.median(np.abs(anchor_delta[order] - curve)))
    query = query_ns.astype(np.float64)
    out = np.interp(query, xs, curve)
    if xs[-1] - xs[0] >= _DAY_NS:  # a drift goes on beyond the anchors: the curve's slope carries it
        days = (xs - xs[0]) / _DAY_NS
        fit = np.polyfit(days, curve, 1)
        slope = float(fit[0]) / _DAY_NS
        # ... when the curve is a straight line: a clock reset once (a step) is no drift, and its slope carried
        # on for weeks would move every row there by hours; such a curve is carried on flat
        bend = float(np.max(np.abs(curve - np.polyval(fit, days))))
        if bend <= 0.1 * abs(slope) * (xs[-1] - xs[0]) + _STRAIGHT_NS:
            before, after = query < xs[0], query > xs[-1]
            out[before] = curve[0] + slope * (query[before] - xs[0])
            out[after] = curve[-1] + slope * (query[after] - xs[-1])
    return out, spread
