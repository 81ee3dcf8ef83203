"""Per-terminal clock offsets, estimated from the proofs themselves.

A terminal whose clock is minutes fast, or set to the wrong time zone, logs
every transaction at the wrong time. For each terminal, the differences
between its logged times and the times on precise proofs (wallet records to
the second, SMS to the minute) that share an amount pile up at the true
offset, while chance pairs spread out evenly. The peak of that histogram,
when it stands clearly above the rest, is the terminal's offset.

In a busy journal an amount recurs thousands of times within the hours a
clock may be off; such a proof votes only through the transactions that share
its card's last 4 or its wallet number (the others would each carry a weight
of about 1/thousands).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pandas as pd

from receiptkit.matching.clocks import ClockSegment, card_clock_key, with_since
from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex, Pairs, _expand
from receiptkit.matching.policy import MatchPolicy

__all__ = [
    "anchor_pairs",
    "card_anchor_pairs",
    "clock_segments",
    "estimate_clock_offsets",
    "far_clock_offsets",
    "far_offsets_from_anchors",
    "offsets_from_votes",
    "segments_from_anchors",
    "skew_counts",
    "skew_sample",
    "skew_votes",
    "two_clocks",
]

_BIN_S = 60
_SPLIT_S = 3 * _BIN_S  # a terminal's card sales keep a clock of their own only this far from its other rows'


def skew_sample(proof_ids: pd.Series, precise: np.ndarray, policy: MatchPolicy) -> np.ndarray:
    """Positions of the proofs that vote on clock offsets, as :mod:`.skew` picks them.

    ``precise`` marks proofs to the second or minute, in a journal currency
    and not failed; at most ``policy.skew_sample`` of them vote, chosen by a
    hash of ``proof_id`` so the choice does not depend on row order.
    """
    positions = np.flatnonzero(precise)
    if len(positions) <= policy.skew_sample:
        return positions
    hashes = pd.util.hash_pandas_object(proof_ids.iloc[positions], index=False).to_numpy()
    order = np.argsort(hashes, kind="stable")
    return np.sort(positions[order[: policy.skew_sample]])


def _vote_pairs(
    index: JournalIndex, sample: ProofArrays, policy: MatchPolicy, counts: np.ndarray | None
) -> tuple[Pairs, np.ndarray, np.ndarray]:
    """The voting pairs of a slice as ``skew._vote_pairs`` lists them for the whole journal.

    ``counts`` (journal-wide, one row per voter: same-amount transactions in
    the skew range, and those of the voter's card) decide whether a voter's
    same-amount transactions are listed or only its card's, and what its vote
    is divided by. Returns the pairs, the divisors, and which pairs share the
    voter's wallet number; with ``counts=None`` only this slice's counts.
    """
    wide = policy.max_clock_skew_s
    lo, hi = sample.core_lo - wide, sample.core_hi + wide
    group = index.amount_groups(sample.side, sample.cur_code, sample.amount)
    ranges = [index.hypothesis_ranges(group, 0, has4, lo, hi) for has4 in (0, 1)]
    a4, b4 = index.last4_ranges(group, 0, sample.codes4(), lo, hi)
    local = np.stack([sum(b - a for a, b in ranges), b4 - a4], axis=1).astype(np.int64)
    if counts is None:
        return Pairs.empty(), local, np.zeros(0, dtype=bool)
    sparse = counts[:, 0] <= policy.expand_cap * 4
    # a dense voter votes only through its card's transactions: one vote spread over them
    divisor = np.where(sparse, counts[:, 0], np.maximum(counts[:, 1], 1) * policy.skew_vote_last4_agree)
    parts = []
    for a, b in ranges:
        owner, position = _expand(np.where(sparse, a, 0), np.where(sparse, b, 0))
        parts.append(Pairs(owner, index.hypothesis_rows(position), np.zeros(len(owner), dtype=np.int8)))
    owner, position = _expand(np.where(sparse, 0, a4), np.where(sparse, 0, b4))
    parts.append(Pairs(owner, index.last4_rows(position), np.zeros(len(owner), dtype=np.int8)))
    query, rows = index.lookup("wallet_txn_id", sample.wallet)
    near = (
        (lo[query] <= index.ts_s[rows])
        & (index.ts_s[rows] <= hi[query])
        & (index.side[rows] == sample.side[query])
    )
    parts.append(Pairs(query[near], rows[near], np.full(int(near.sum()), 2, dtype=np.int8)))
    pairs = Pairs.concat(parts)
    size = np.int64(max(len(index), 1))
    keyed = np.isin(pairs.proof * size + pairs.txn, query[near] * size + rows[near])
    return pairs, divisor, keyed


def skew_counts(index: JournalIndex, sample: ProofArrays, policy: MatchPolicy) -> np.ndarray:
    """Per voting proof, this slice's same-amount transactions in the skew range, and its card's.

    An array of shape (voters, 2). The slice's index must carry no clock
    offsets. Summed over slices that together hold the journal, these decide
    how each vote is spread (:func:`skew_votes`).
    """
    return _vote_pairs(index, sample, policy, None)[1]


def skew_votes(
    index: JournalIndex, sample: ProofArrays, counts: np.ndarray, policy: MatchPolicy
) -> pd.DataFrame:
    """The clock-offset votes of one slice: weight per (terminal_id, time difference in seconds).

    ``counts`` are the journal-wide :func:`skew_counts`. The weights are those
    of :func:`~receiptkit.matching.skew.estimate_clock_offsets`; votes of
    slices add up.
    """
    pairs, divisor, keyed = _vote_pairs(index, sample, policy, counts)
    diff = index.ts_s[pairs.txn] - sample.core_lo[pairs.proof]
    weight = 1.0 / np.maximum(divisor[pairs.proof], 1)
    proof4 = sample.codes4()[pairs.proof]
    txn4 = index.last4_code[pairs.txn]
    has4 = (proof4 >= 0) & (txn4 >= 0)
    weight = np.where(
        has4 & (proof4 == txn4),
        weight * policy.skew_vote_last4_agree,
        np.where(has4, weight * policy.skew_vote_last4_differs, weight),
    )
    weight = np.where(keyed, policy.skew_vote_same_wallet, weight)  # the same wallet number
    code = index.terminal_code[pairs.txn]
    known = code >= 0
    frame = pd.DataFrame(
        {
            "terminal_id": index.terminals[code[known]].astype(str) if known.any() else np.empty(0, object),
            "card": index.card_sale[
                pairs.txn[known]
            ],  # a card sale: the terminal's own clock (field guide 6)
            "diff": diff[known].astype(np.int64),
            "weight": weight[known].astype(float),
            "pairs": np.ones(int(known.sum()), dtype=np.int64),  # how many (proof, transaction) pairs voted
        }
    )
    return frame.groupby(["terminal_id", "card", "diff"], as_index=False, sort=True)[
        ["weight", "pairs"]
    ].sum()


def offsets_from_votes(
    votes: Iterable[pd.DataFrame], policy: MatchPolicy, terminals: Iterable[object] | None = None
) -> pd.DataFrame:
    """Clock offsets from the votes of all slices, as ``estimate_clock_offsets`` returns them.

    One row per terminal, from all its votes. A terminal whose card sales and
    other rows each show a clear peak of their own, more than
    ``_SPLIT_S`` apart, has two: its other rows under its id and its card sales
    under :func:`~receiptkit.matching.clocks.card_clock_key` (an aggregator's
    terminal logs a QR payment at the channel's time and a card sale at its
    own clock's: field guide 6). Each of the two clocks must rest on at least twice ``min_skew_votes``
    pairs: each is a hypothesis held by one kind of row's votes alone (amount and card last 4 for card
    sales, amount and second for wallet records), which payments made elsewhere can share with strangers'
    sales here at one shift; with one offset for the terminal, its other rows' votes outweighed them
    (tests/matching/test_card_clock.py).

    ``terminals``: every terminal id of the journal (default: those that voted). A terminal whose card
    sales' key is another terminal's id (terminals ``"T1"`` and ``"T1 card"``) keeps one clock for all its
    rows: ``"T1 card"`` is that other terminal's offset (:func:`~receiptkit.matching.clocks.card_clocks`).
    """
    frames = [v for v in votes if len(v)]
    columns = {
        "offset_s": pd.Series(dtype="int64"),
        "votes": pd.Series(dtype=float),
        "used": pd.Series(dtype=bool),
    }
    if not frames:
        return pd.DataFrame(columns, index=pd.Index([], name="terminal_id"))
    frames = [v if "pairs" in v.columns else v.assign(pairs=1) for v in frames]
    frames = [v if "card" in v.columns else v.assign(card=False) for v in frames]
    total = (
        pd.concat(frames)
        .groupby(["terminal_id", "card", "diff"], as_index=False, sort=True)[["weight", "pairs"]]
        .sum()
    )
    terminal, t = np.unique(total["terminal_id"].astype(str).to_numpy(dtype=object), return_inverse=True)
    n = len(terminal)
    card = total["card"].to_numpy(dtype=bool)
    diff = total["diff"].to_numpy(dtype=np.int64)
    weight = total["weight"].to_numpy(dtype=float)
    pairs = total["pairs"].to_numpy(dtype=np.int64)
    # three clocks per terminal, read at once: all its rows; and, where it has both, its card sales and the rest
    both = np.zeros(n, dtype=bool)
    both[np.intersect1d(t[card], t[~card])] = True
    split_rows = both[t]
    view = np.concatenate([t, np.where(card, n + t, 2 * n + t)[split_rows]])
    taken = np.concatenate([np.arange(len(t)), np.flatnonzero(split_rows)])  # rows keep the total's order
    clocks, g = np.unique(view, return_inverse=True)
    offset, peak, used, near_pairs = _peaks(g, diff[taken], weight[taken], pairs[taken], len(clocks), policy)
    at = np.full(3 * n, -1, dtype=np.int64)
    at[clocks] = np.arange(len(clocks))
    c, o = at[n : 2 * n], at[2 * n :]  # the card sales' and the other rows' clocks (-1: none)
    cs, os_ = np.maximum(c, 0), np.maximum(o, 0)
    split = (
        both
        & used[cs]
        & used[os_]
        & (np.minimum(near_pairs[cs], near_pairs[os_]) >= 2 * policy.min_skew_votes)
        & (np.abs(offset[cs] - offset[os_]) > _SPLIT_S)
    )
    names_known = {str(x) for x in terminal} | {str(x) for x in (() if terminals is None else terminals)}
    split &= np.array([card_clock_key(str(x)) not in names_known for x in terminal], dtype=bool)
    pooled = at[:n]
    # per terminal in order: its card sales' clock first where it has two, then its own
    names = np.array([*(card_clock_key(str(x)) for x in terminal[split]), *map(str, terminal)], dtype=object)
    which = np.concatenate([c[split], np.where(split, o, pooled)])
    order = np.lexsort(
        (np.r_[np.zeros(int(split.sum())), np.ones(n)], np.r_[np.flatnonzero(split), np.arange(n)])
    )
    return pd.DataFrame(
        {
            "terminal_id": names[order],
            "offset_s": offset[which[order]],
            "votes": [round(float(v), 2) for v in peak[which[order]]],
            "used": used[which[order]],
        }
    ).set_index("terminal_id")


def _peaks(
    g: np.ndarray, diff: np.ndarray, weight: np.ndarray, pairs: np.ndarray, n: int, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per clock ``0..n-1`` (``g`` of each vote): its offset, the weight at its peak, whether the peak is clear
    enough to apply, and how many (proof, transaction) pairs voted near it (vectorised over all clocks).

    The votes are histogrammed in minute bins, smoothed over each bin and its two neighbours; the peak is the
    highest smoothed bin (the earliest of equals), the second the highest more than three bins from it, and
    the offset the weighted median of the votes within a bin of the peak.
    """
    bins = np.floor_divide(diff, _BIN_S)
    hist = pd.DataFrame({"g": g, "bin": bins, "w": weight}).groupby(["g", "bin"], sort=True)["w"].sum()
    hg = hist.index.get_level_values(0).to_numpy(dtype=np.int64)
    hb = hist.index.get_level_values(1).to_numpy(dtype=np.int64)
    hw = hist.to_numpy(dtype=float)
    low, span = int(hb.min()) - 1, int(hb.max() - hb.min()) + 3  # every bin and its neighbours, per clock
    hkey = hg * span + (hb - low)  # ascending: the histogram is sorted by clock, then bin
    key = np.unique(np.concatenate([hkey, hkey + 1, hkey - 1]))
    sg, sb = key // span, key % span + low

    def at(k: np.ndarray) -> np.ndarray:
        pos = np.minimum(np.searchsorted(hkey, k), len(hkey) - 1)
        return np.where(hkey[pos] == k, hw[pos], 0.0)

    smooth = (at(key) + at(key - 1)) + at(key + 1)
    starts = np.flatnonzero(np.r_[True, sg[1:] != sg[:-1]])
    top = np.maximum.reduceat(smooth, starts)
    highest = np.flatnonzero(smooth == top[sg])
    peak_bin = np.zeros(n, dtype=np.int64)
    first = np.unique(sg[highest], return_index=True)[1]
    peak_bin[sg[highest[first]]] = sb[highest[first]]
    far = (sb < peak_bin[sg] - 3) | (sb > peak_bin[sg] + 3)
    second = np.maximum.reduceat(np.where(far, smooth, 0.0), starts)
    peak = np.zeros(n)
    peak[sg[starts]] = top
    rest = np.zeros(n)
    rest[sg[starts]] = second
    near = np.flatnonzero((bins >= peak_bin[g] - 1) & (bins <= peak_bin[g] + 1))
    # weight alone is not enough: one proof whose card agrees weighs skew_vote_last4_agree (3) by itself,
    # and a payment made elsewhere that shares amount and card with a stranger's sale minutes away would
    # move the terminal's clock onto itself and be matched by the move (tests/matching/test_clock_hostile.py)
    near_pairs = np.bincount(g[near], weights=pairs[near], minlength=n).round().astype(np.int64)
    # the weighted median of the votes near the peak (by difference; equal ones in their order)
    near = near[np.lexsort((diff[near], g[near]))]
    cumulative = pd.Series(weight[near]).groupby(g[near]).cumsum().to_numpy()
    half = np.zeros(n)
    last = np.r_[g[near][1:] != g[near][:-1], True]  # each clock's last vote: its cumulative is the whole
    half[g[near][last]] = cumulative[last] / 2.0
    reached = np.flatnonzero(cumulative >= half[g[near]])
    chosen = np.unique(g[near[reached]], return_index=True)[1]
    offset = np.zeros(n, dtype=np.int64)
    offset[g[near[reached[chosen]]]] = diff[near[reached[chosen]]]
    used = (
        (peak >= policy.min_skew_votes)
        & (near_pairs >= policy.min_skew_votes)
        & (peak >= policy.skew_peak_ratio * rest)
    )
    return offset, peak, used, near_pairs


def estimate_clock_offsets(index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy) -> pd.DataFrame:
    """Estimate each terminal's clock offset (seconds ahead of true time).

    Returns a frame indexed by terminal_id with ``offset_s``, ``votes`` (the
    weight of evidence at the peak) and ``used`` (whether the peak was clear
    enough to be applied). The index must carry no offsets when called.

    It is the one-slice case of the combinable steps a distributed run uses:
    :func:`skew_counts` and :func:`skew_votes` per slice of the journal, then
    :func:`offsets_from_votes` over all of them.
    """
    precise = (proofs.precision < 2) & (proofs.cur_code >= 0) & ~proofs.not_paid
    precise &= proofs.core_hi - proofs.core_lo <= 59  # a window [ts, ts_end] says nothing of a clock
    voters = skew_sample(proofs.frame["proof_id"], precise, policy)
    if not len(voters) or not len(index.terminals):
        return offsets_from_votes([], policy)
    sample = proofs.take(voters)
    counts = skew_counts(index, sample, policy)
    return offsets_from_votes([skew_votes(index, sample, counts, policy)], policy, index.terminal_names)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cumulative = np.cumsum(weights)
    return float(values[np.searchsorted(cumulative, cumulative[-1] / 2.0)])


_FAR_SPAN_S = 600  # anchored differences of one far offset agree within this span (phone clocks, minutes)


def anchor_pairs(index: JournalIndex, proofs: ProofArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proofs tied to one journal row by a full number: (proof position, row, kind) per pair.

    A timed proof (second or minute, paid) whose full wallet number (16+
    characters), order number (10+) or RRN (12+) names exactly one row of its
    side, amount and currency, on a known terminal, was paid there whatever the
    row's time says. ``kind`` is 0 wallet number, 1 order number, 2 RRN (the
    first that names the row).
    """
    from receiptkit.matching.evidence import FULL_ID, is_masked

    e = np.empty(0, dtype=np.int64)
    timed = (proofs.precision < 2) & (proofs.core_hi - proofs.core_lo <= 59) & ~proofs.not_paid
    if not len(index) or not timed.any():
        return e, e.copy(), e.copy()
    found_q, found_r, found_k = [], [], []
    for kind, (column, values, shortest) in enumerate(
        (
            ("wallet_txn_id", proofs.wallet, FULL_ID),
            ("order_no", proofs.order, 10),
            ("rrn", proofs.reference, 12),
        )
    ):
        masked = is_masked(values)
        asked = np.array(
            [
                v if (ok and not hidden and v is not None and len(str(v)) >= shortest) else None
                for v, ok, hidden in zip(values, timed, masked, strict=True)
            ],
            dtype=object,
        )
        query, rows = index.lookup(column, asked)
        if not len(rows):
            continue
        ok = (
            (index.side[rows] == proofs.side[query])
            & (index.amount[rows] == proofs.amount[query])
            & (index.currency_code[rows] == proofs.cur_code[query])
            & (index.terminal_code[rows] >= 0)
        )
        found_q.append(query[ok])
        found_r.append(rows[ok])
        found_k.append(np.full(int(ok.sum()), kind, dtype=np.int64))
    if not found_q:
        return e, e.copy(), e.copy()
    pairs = pd.DataFrame(
        {"q": np.concatenate(found_q), "r": np.concatenate(found_r), "k": np.concatenate(found_k)}
    ).drop_duplicates(["q", "r"])
    pairs = pairs[pairs.groupby("q")["r"].transform("nunique") == 1].drop_duplicates("q")
    return pairs["q"].to_numpy(np.int64), pairs["r"].to_numpy(np.int64), pairs["k"].to_numpy(np.int64)


def far_clock_offsets(
    index: JournalIndex,
    proofs: ProofArrays,
    policy: MatchPolicy,
    anchors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Offsets far beyond ``max_clock_skew_s``: a terminal clock that lost its date.

    A terminal whose battery ran down logs its sales at a default date or a
    year off (field guide 6: "a rarer tail of days-to-years offsets (battery
    loss)"). No histogram of same-amount pairs can find that: the range is
    too wide. A proof whose full wallet number, order number or RRN names
    exactly one journal row of its side, amount and currency was paid there,
    whatever the row's time says, and the difference between the two times is
    the terminal's offset (:func:`anchor_pairs`). A terminal gets a far offset
    when at least ``min_skew_votes`` such proofs (to the second or minute)
    agree within ten minutes, the agreeing ones are at least twice the others
    of that terminal, and the offset is beyond ``max_clock_skew_s`` (nearer
    ones are the histogram's). The index must carry no offsets when called.

    Returns a frame indexed by terminal_id with ``offset_s``, ``votes`` (the
    agreeing proofs) and ``used``.
    """
    columns = {
        "offset_s": pd.Series(dtype="int64"),
        "votes": pd.Series(dtype=float),
        "used": pd.Series(dtype=bool),
    }
    empty = pd.DataFrame(columns, index=pd.Index([], name="terminal_id"))
    q, r, _ = anchor_pairs(index, proofs) if anchors is None else anchors
    if not len(q):
        return empty
    diff = index.ts_s[r] - proofs.core_lo[q]
    return far_offsets_from_anchors(index.terminals[index.terminal_code[r]].astype(str), diff, policy)


def far_offsets_from_anchors(
    terminal_ids: np.ndarray, diffs: np.ndarray, policy: MatchPolicy
) -> pd.DataFrame:
    """Far offsets from anchored pairs: per pair its terminal id and logged minus proof time (seconds).

    The combinable step of :func:`far_clock_offsets` (a distributed run finds
    the rows of the proofs' full numbers per partition, then calls this once
    on all of them). Each proof must appear at most once.
    """
    rows = []
    terminal_ids = np.asarray(terminal_ids, dtype=object)
    diffs = np.asarray(diffs, dtype=np.int64)
    for terminal in sorted(set(terminal_ids.tolist())):
        d = np.sort(diffs[terminal_ids == terminal])
        # the largest run of differences within _FAR_SPAN_S
        ends = np.searchsorted(d, d + _FAR_SPAN_S, side="right")
        best = int(np.argmax(ends - np.arange(len(d))))
        run = d[best : ends[best]]
        offset = int(np.median(run))
        votes, others = len(run), len(d) - len(run)
        used = votes >= policy.min_skew_votes and votes >= 2 * others
        if abs(offset) > policy.max_clock_skew_s:
            rows.append((str(terminal), offset, float(votes), bool(used)))
    if not rows:
        return pd.DataFrame(
            {
                "offset_s": pd.Series(dtype="int64"),
                "votes": pd.Series(dtype=float),
                "used": pd.Series(dtype=bool),
            },
            index=pd.Index([], name="terminal_id"),
        )
    return pd.DataFrame(rows, columns=["terminal_id", "offset_s", "votes", "used"]).set_index("terminal_id")


_ANCHOR_KINDS = (
    "wallet number",
    "order number",
    "RRN",
    "card payment",
)  # anchor kinds, as explain names them
_CARD_KIND = 3


def card_anchor_pairs(
    index: JournalIndex, proofs: ProofArrays, skip: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proofs tied to one journal row by amount and card: (proof position, row, kind 3) per pair.

    A timed card proof (second or minute, paid, the card's full last 4) whose
    side, currency, amount and last 4 are those of exactly one approved row of
    the whole journal, at any date. Weaker than a full number (a payment made
    elsewhere may share them with a stranger's sale), so such pairs only help
    cut a terminal's clock into pieces (:func:`segments_from_anchors`: a piece
    needs several that agree, in a row), never give a terminal one far
    offset. ``skip``: proofs already anchored by a full number. The index
    must carry no offsets when called.
    """
    e = np.empty(0, dtype=np.int64)
    codes = proofs.codes4()
    timed = (proofs.precision < 2) & (proofs.core_hi - proofs.core_lo <= 59) & ~proofs.not_paid & (codes >= 0)
    if skip is not None and len(skip):
        timed[skip] = False
    asked = np.flatnonzero(timed)
    if not len(index) or not len(asked):
        return e, e.copy(), e.copy()
    group = index.amount_groups(proofs.side[asked], proofs.cur_code[asked], proofs.amount[asked])
    lo = np.full(len(asked), int(index.ts_s.min()))
    hi = np.full(len(asked), int(index.ts_s.max()))
    a, b = index.last4_ranges(group, 0, codes[asked], lo, hi)
    one = (b - a == 1) & (group >= 0)
    rows = index.last4_rows(a[one])
    known = index.terminal_code[rows] >= 0
    q = asked[one][known]
    return q, rows[known], np.full(len(q), _CARD_KIND, dtype=np.int64)


def segments_from_anchors(
    terminal_ids: np.ndarray,
    diffs: np.ndarray,
    true_s: np.ndarray,
    policy: MatchPolicy,
    kinds: np.ndarray | None = None,
) -> dict[str, tuple[ClockSegment, ...]]:
    """Terminals whose clock jumped: anchored pairs that fall in two or more pieces of true time.

    Per pair: its terminal id, logged minus proof time (seconds), the proof's
    true time (UTC seconds) and the kind of number that anchored it
    (:func:`anchor_pairs`). Per terminal, the pairs in true-time order are cut
    where two neighbours differ by more than ``clock_tolerance_s``; a run of
    at least ``min_skew_votes`` is a piece, and shorter runs between two
    pieces of the same offset are anchors that disagree within it. A piece
    is kept when its agreeing anchors are at least ``min_skew_votes`` and at
    least twice the disagreeing ones inside it; a terminal gets segments only
    when two or more pieces of different offsets are kept and no piece fails
    (a terminal of one piece keeps the one offset :func:`far_clock_offsets`
    or the histogram gives it, exactly as before).
    """
    terminal_ids = np.asarray(terminal_ids, dtype=object)
    diffs = np.asarray(diffs, dtype=np.int64)
    true_s = np.asarray(true_s, dtype=np.int64)
    kinds = np.zeros(len(diffs), dtype=np.int64) if kinds is None else np.asarray(kinds, dtype=np.int64)
    out: dict[str, tuple[ClockSegment, ...]] = {}
    for terminal in sorted(set(terminal_ids.tolist())):
        mine = np.flatnonzero(terminal_ids == terminal)
        order = mine[np.lexsort((diffs[mine], true_s[mine]))]
        pieces = _pieces(diffs[order], true_s[order], kinds[order], policy)
        if len(pieces) >= 2:
            out[str(terminal)] = pieces
    return out


def _pieces(d: np.ndarray, t: np.ndarray, k: np.ndarray, policy: MatchPolicy) -> tuple[ClockSegment, ...]:
    tol = policy.clock_tolerance_s
    need = policy.min_skew_votes
    bounds = np.concatenate([[0], np.flatnonzero(np.abs(np.diff(d)) > tol) + 1, [len(d)]])
    runs = [(int(a), int(b)) for a, b in pairwise(bounds.tolist()) if b - a >= need]
    if len(runs) < 2:
        return ()
    merged: list[list[int]] = []  # [start, stop) of each piece, from its first to its last long run
    for a, b in runs:
        offset = float(np.median(d[a:b]))
        if merged and abs(offset - float(np.median(d[merged[-1][0] : merged[-1][1]]))) <= tol:
            merged[-1][1] = b  # the same offset again: what lay between disagrees within the piece
        else:
            merged.append([a, b])
    if len(merged) < 2:
        return ()
    pieces = []
    for a, b in merged:
        inside = d[a:b]
        centre = float(np.median(inside[np.abs(inside - np.median(inside)) <= tol]))
        agree = np.abs(inside - centre) <= tol
        n_agree, n_other = int(agree.sum()), int((~agree).sum())
        if n_agree < need or n_agree < 2 * n_other:
            return ()  # a piece the anchors do not settle: no segments (the terminal stays as before)
        times = t[a:b][agree]
        counts = np.bincount(k[a:b][agree], minlength=len(_ANCHOR_KINDS))
        pieces.append(
            ClockSegment(
                offset_s=round(float(np.median(inside[agree]))),
                first_s=int(times.min()),
                last_s=int(times.max()),
                anchors=n_agree,
                learned_from=tuple((_ANCHOR_KINDS[j], int(c)) for j, c in enumerate(counts) if c),
            )
        )
    return tuple(pieces)


def clock_segments(
    index: JournalIndex,
    proofs: ProofArrays,
    policy: MatchPolicy,
    anchors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> dict[str, tuple[ClockSegment, ...]]:
    """The segments of terminals whose clock jumped, learned from the proofs' full numbers and cards.

    :func:`segments_from_anchors` on :func:`anchor_pairs` and
    :func:`card_anchor_pairs` (a card terminal's proofs rarely carry a full
    number: its SMS carry the card's last 4), each segment's
    ``since_s`` read from the journal (:func:`~.clocks.with_since`). A piece
    held by card payments must also be borne out by the terminal's other
    timed proofs (:func:`_borne_out`): amount and card are what a payment
    made elsewhere can share with a sale here. The index must carry no
    offsets when called.
    """
    q, r, k = anchor_pairs(index, proofs) if anchors is None else anchors
    cq, cr, ck = card_anchor_pairs(index, proofs, skip=q)
    q, r, k = np.concatenate([q, cq]), np.concatenate([r, cr]), np.concatenate([k, ck])
    if not len(q):
        return {}
    true = proofs.core_lo[q]
    terminals = index.terminals[index.terminal_code[r]].astype(str)
    diff = index.ts_s[r] - true
    found = segments_from_anchors(terminals, diff, true, policy, kinds=k)
    card = index.card_sale[r]
    out = {}
    for terminal, pieces in found.items():
        code = int(np.flatnonzero(index.terminals == terminal)[0])
        mine = np.flatnonzero(terminals == terminal)
        if two_clocks(card[mine], diff[mine], true[mine], policy):
            continue  # its card sales' clock and its QR rows' clock, not a clock that jumped
        for _ in range(len(mine)):
            weak = _weakest_unborne(
                index, proofs, policy, code, pieces, q[mine], diff[mine], true[mine], k[mine]
            )
            if weak is None:
                break
            # the piece's card anchors are coincidences as far as the evidence goes: learn without them
            piece = pieces[weak]
            drop = (
                (k[mine] == _CARD_KIND)
                & (true[mine] >= piece.first_s)
                & (true[mine] <= piece.last_s)
                & (np.abs(diff[mine] - piece.offset_s) <= policy.clock_tolerance_s)
            )
            mine = mine[~drop]
            pieces = segments_from_anchors(
                terminals[mine], diff[mine], true[mine], policy, kinds=k[mine]
            ).get(terminal, ())
            if not pieces:
                break
        if not pieces:
            continue
        rows = np.flatnonzero(index.terminal_code == code)
        out[terminal] = with_since(index.ts_s[rows], pieces)
    return out


def two_clocks(card: np.ndarray, diffs: np.ndarray, true_s: np.ndarray, policy: MatchPolicy) -> bool:
    """Whether one terminal's anchored pairs are two clocks running side by side rather than one that jumped.

    Field guide 6: an aggregator's trans_time is "the channel's payment time" for WeChat, Alipay and
    UnionPay QR and "the current time" for bank cards, so a terminal's QR rows carry the wallet's clock
    and its card sales (``card``: the anchor's row is a card sale) the terminal's own. Taken in true-time
    order the two kinds of anchor can fall in runs (wallet numbers, then RRNs, then wallet numbers) that
    :func:`segments_from_anchors` reads as a clock set forward and back. They are two clocks when
    each kind alone keeps one offset (no pieces of its own; at least ``min_skew_votes`` anchors, at least
    twice as many agreeing with its median as not), the two offsets are more than ``clock_tolerance_s``
    apart, and the agreeing anchors of each kind span times the other's span too: one clock cannot show
    two offsets at once. A clock that jumped on both kinds of row shows pieces in one kind alone, or the
    kinds' spans do not overlap; it keeps its segments.
    """
    tol = policy.clock_tolerance_s
    spans, centres = [], []
    for mine in (card, ~card):
        d, t = diffs[mine], true_s[mine]
        if len(d) < policy.min_skew_votes:
            return False
        kind = np.array(["one"] * len(d), dtype=object)
        if segments_from_anchors(kind, d, t, policy):
            return False  # this kind of row alone shows a clock that jumped
        centre = float(np.median(d))
        agree = np.abs(d - centre) <= tol
        if int(agree.sum()) < policy.min_skew_votes or int(agree.sum()) < 2 * int((~agree).sum()):
            return False
        spans.append((int(t[agree].min()), int(t[agree].max())))
        centres.append(float(np.median(d[agree])))
    if abs(centres[0] - centres[1]) <= tol:
        return False
    (a0, a1), (b0, b1) = spans
    return max(a0, b0) < min(a1, b1)


def _weakest_unborne(
    index: JournalIndex,
    proofs: ProofArrays,
    policy: MatchPolicy,
    code: int,
    pieces: tuple[ClockSegment, ...],
    q: np.ndarray,
    diff: np.ndarray,
    true: np.ndarray,
    kinds: np.ndarray,
) -> int | None:
    """The piece (position) least borne out by the terminal's other proofs, or ``None`` when all are."""
    worst, worst_ratio = None, np.inf
    for i in range(len(pieces)):
        ratio = _borne_out(index, proofs, policy, code, pieces, i, q, diff, true, kinds)
        if ratio is not None and ratio < worst_ratio:
            worst, worst_ratio = i, ratio
    return worst


def _borne_out(
    index: JournalIndex,
    proofs: ProofArrays,
    policy: MatchPolicy,
    code: int,
    pieces: tuple[ClockSegment, ...],
    i: int,
    q: np.ndarray,
    diff: np.ndarray,
    true: np.ndarray,
    kinds: np.ndarray,
) -> float | None:
    """``None`` when piece ``i`` of terminal ``code`` is borne out; else how far it is (lower: worse).

    A piece with at least ``min_skew_votes`` anchors by a full number (wallet
    number, order number, RRN) stands: a payment made elsewhere cannot name
    a row here. A piece held by card payments (amount and last 4 naming one
    row of the journal, which a payment made elsewhere can share with a
    stranger's sale here) must be borne out where it would apply, between
    the previous piece's last anchor and the next piece's first: every other
    timed, paid proof there (its own card anchors left out) is explained by
    an offset when the terminal logged a row of its side, currency and amount
    (and, both known, its card last 4) in its window moved by that offset.
    Proofs that only the piece's offset explains, with its card anchors,
    must be at least ``skew_peak_ratio`` times those that only a
    neighbouring piece's offset explains; and a piece between two pieces of
    one offset (a clock that went off and came back: two changes, which one
    cluster of coincidences can fake) needs at least one proof besides its
    card anchors that only its offset explains.
    """
    tol = policy.clock_tolerance_s
    piece = pieces[i]
    inside = (true >= piece.first_s) & (true <= piece.last_s) & (np.abs(diff - piece.offset_s) <= tol)
    if int((inside & (kinds != _CARD_KIND)).sum()) >= policy.min_skew_votes:
        return None
    cards = q[inside & (kinds == _CARD_KIND)]
    lo = pieces[i - 1].last_s if i > 0 else np.iinfo(np.int64).min
    hi = pieces[i + 1].first_s if i + 1 < len(pieces) else np.iinfo(np.int64).max
    neighbours = [pieces[j].offset_s for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
    timed = (proofs.precision < 2) & (proofs.core_hi - proofs.core_lo <= 59) & ~proofs.not_paid
    timed &= (proofs.cur_code >= 0) & (proofs.core_lo > lo) & (proofs.core_lo < hi)
    timed[cards] = False
    asked = np.flatnonzero(timed)
    mine = _explained(index, proofs, asked, code, piece.offset_s, tol)
    theirs = np.zeros(len(asked), dtype=bool)
    for offset in neighbours:
        theirs |= _explained(index, proofs, asked, code, offset, tol)
    for_mine, for_theirs = int((mine & ~theirs).sum()), int((theirs & ~mine).sum())
    support = len(cards) + for_mine
    came_back = len(neighbours) == 2 and abs(neighbours[0] - neighbours[1]) <= tol
    if support >= policy.skew_peak_ratio * for_theirs and (for_mine >= 1 or not came_back):
        return None
    return support / max(policy.skew_peak_ratio * for_theirs, 1.0) - (
        0.5 if came_back and not for_mine else 0.0
    )


def _explained(
    index: JournalIndex, proofs: ProofArrays, asked: np.ndarray, code: int, offset: int, tol: int
) -> np.ndarray:
    """Per asked proof: terminal ``code`` logged an approved row of its side, currency and amount in its
    window moved by ``offset`` (within ``tol``), whose card last 4 does not differ from the proof's."""
    found = np.zeros(len(asked), dtype=bool)
    if not len(asked):
        return found
    group = index.amount_groups(proofs.side[asked], proofs.cur_code[asked], proofs.amount[asked])
    lo = proofs.core_lo[asked] + offset - tol
    hi = proofs.core_hi[asked] + offset + tol
    last4 = proofs.codes4()[asked]
    for has4 in (0, 1):
        a, b = index.hypothesis_ranges(group, 0, has4, lo, hi)
        owner, position = _expand(a, b)
        rows = index.hypothesis_rows(position)
        ok = index.terminal_code[rows] == code
        if has4:
            ok &= (last4[owner] < 0) | (index.last4_code[rows] == last4[owner])
        found[owner[ok]] = True
    return found
