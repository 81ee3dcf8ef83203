"""Blocking: the candidate transactions of each proof, listed or counted.

A proof's *hypotheses* are the transactions that could be its payment: the
approved transactions of its side with its amount (or, for a bank line in
another currency, an amount within the FX tolerance) inside its time window,
plus declined or reversed attempts of that amount that were not retried (a
proof of a payment that failed must not take a stranger's sale), plus any
transaction sharing a full reference number with it.

When a window holds few hypotheses (at most ``policy.expand_cap``) every one
is listed as a (proof, transaction) pair and weighed field by field. A bank
line dated only by day in a busy shop can hold tens of thousands; then only
the ones that can stand out are listed (same card last 4, a reference number,
auth code or STAN) and the others are *counted* per time band with one binary
search each: their probability mass is added to the posterior as a bound
from above (every field at the best weight such a transaction can have), so
counting instead of listing can only make a verdict more careful, never a
match more likely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from receiptkit.matching.channel import card_lines_of
from receiptkit.matching.comparators import ChannelComparator, Last4Comparator, TimeComparator
from receiptkit.matching.evidence import (
    FULL_ID,
    MIN_BASE,
    RANGE_CODE,
    RATE_DAYS,
    MerchantTable,
    ProofArrays,
    is_masked,
    local_midnight,
    present,
)
from receiptkit.matching.index import JournalIndex, Pairs, _expand, arrow_strings
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.text import parse_merchant

__all__ = ["Candidates", "gather"]

_FORCE_EXPAND = 40  # proofs carrying a partial number or a terminal id are listed up to this many caps


@dataclass
class Candidates:
    """The candidate pairs of a chunk of proofs and what was only counted."""

    pairs: Pairs
    n_exact: np.ndarray  # per proof: same-amount hypotheses in the window (approved and failed)
    base_exact: np.ndarray  # per proof: same-amount hypotheses expected in the window by chance
    n_fx: np.ndarray  # per proof: foreign-currency hypotheses in the window
    n_window: np.ndarray  # per proof: approved transactions of the side in the window (any amount)
    n_failed: np.ndarray  # per proof: declined attempts (not retried) among the hypotheses
    n_counted: np.ndarray  # per proof: hypotheses counted, not listed
    rest: np.ndarray  # per proof: log of the bound on the counted hypotheses' mass (-inf if none)

    @property
    def counts(self) -> dict[str, np.ndarray]:
        return {
            "n_exact": self.n_exact,
            "n_fx": self.n_fx,
            "n_window": self.n_window,
            "base_exact": self.base_exact,
        }


@dataclass
class _Blocks:
    """(proof, amount group, route) blocks: each a run of the hypotheses table per class."""

    proof: np.ndarray
    group: np.ndarray
    route: np.ndarray  # 0 exact amount, 1 foreign currency


def _blocks(index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy) -> _Blocks:
    n = len(proofs)
    group = index.amount_groups(proofs.side, proofs.cur_code, proofs.amount)
    have = np.flatnonzero(group >= 0)
    owners, groups, routes = [have], [group[have]], [np.zeros(len(have), dtype=np.int8)]
    for owner, g in index.fx_amount_groups(proofs.side, proofs.currency, proofs.amount, policy):
        # of the hundreds of amounts a converted amount may be, a few were paid in the proof's window: a block
        # without a hypothesis there lists, counts and bounds nothing, and is left out
        some = index.group_counts(g, proofs.lo[owner], proofs.hi[owner]) > 0
        owner, g = owner[some], g[some]
        owners.append(owner)
        groups.append(g)
        routes.append(np.ones(len(g), dtype=np.int8))
    del n
    owner, group, route = np.concatenate(owners), np.concatenate(groups), np.concatenate(routes)
    # by amount group and time: the searches of the hypotheses table then come in (nearly) sorted order
    order = np.lexsort((owner, proofs.lo[owner], group))
    return _Blocks(owner[order], group[order], route[order])


def _segments(
    index: JournalIndex, proofs: ProofArrays, rows: np.ndarray, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time bands of each proof's window in which the time weight is constant.

    Returns (start, stop) inclusive, shape (len(rows), S), and the weight of
    each band. Second and minute proofs: five bands (window, near, same, near,
    window); day proofs: the edge before, each local day of the window, the
    edge after.
    """
    lo, hi = proofs.lo[rows], proofs.hi[rows]
    c_lo, c_hi = proofs.core_lo[rows], proofs.core_hi[rows]
    k = len(rows)
    day = proofs.precision[rows] == 2
    days_back = np.busday_offset(proofs.day[rows], -policy.bank_post_lag_days, roll="backward")
    if proofs.txn_date is not None:  # a payment's own date: that day only
        days_back = np.where(proofs.txn_date[rows], proofs.day[rows], days_back).astype("datetime64[D]")
    spans = (proofs.day[rows] - days_back).astype(np.int64)
    n_days = int(spans[day].max()) + 1 if day.any() else 1
    width = max(2 + n_days, 5)
    start = np.tile(lo[:, None], (1, width))
    stop = np.tile(lo[:, None] - 1, (1, width))  # empty by default
    precise = np.flatnonzero(~day)
    if len(precise):
        a, b = c_lo[precise], c_hi[precise]
        bounds = [lo[precise], a - 180, a - 60, b + 61, b + 181, hi[precise] + 1]
        edges = np.stack([np.clip(e, lo[precise], hi[precise] + 1) for e in bounds], axis=1)
        edges = np.maximum.accumulate(edges, axis=1)
        start[precise, :5] = edges[:, :-1]
        stop[precise, :5] = edges[:, 1:] - 1
    daily = np.flatnonzero(day)
    if len(daily):
        first = c_lo[daily]
        last = c_hi[daily]
        start[daily, 0], stop[daily, 0] = lo[daily], first - 1
        for d in range(n_days):
            day_d = days_back[daily] + np.timedelta64(d, "D")
            midnight = _midnights(index, day_d)
            next_midnight = _midnights(index, day_d + np.timedelta64(1, "D"))
            s = np.maximum(midnight, first)
            e = np.minimum(next_midnight - 1, last)
            start[daily, 1 + d] = s
            stop[daily, 1 + d] = np.where(s <= e, e, s - 1)
        start[daily, 1 + n_days] = last + 1
        stop[daily, 1 + n_days] = hi[daily]
    # the weight of each band, from a time inside it
    owner = np.repeat(np.arange(k), width)
    t = start.reshape(-1)
    local_day = (t + _utc_offset(index, t)) // 86400
    _, weight = TimeComparator(policy).weigh(proofs, rows[owner], t, local_day)
    return start, stop, weight.reshape(k, width)


def _midnights(index: JournalIndex, days: np.ndarray) -> np.ndarray:
    """Local midnight (seconds UTC) of each day, in the journal's zone."""
    return local_midnight(days, index.tz)


def _utc_offset(index: JournalIndex, t: np.ndarray) -> np.ndarray:
    """The zone's UTC offset (seconds) at each time, looked up per quarter hour."""
    quarter = t // 900 * 900
    distinct, inverse = np.unique(quarter, return_inverse=True)
    stamps = pd.DatetimeIndex(distinct.astype("datetime64[s]"), tz="UTC").tz_convert(index.tz)
    offset = stamps.tz_localize(None).as_unit("s").asi8 - distinct
    return offset[inverse.reshape(-1)]


def gather(
    index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy, merchant_table: MerchantTable
) -> Candidates:
    """List (or count) every proof's hypotheses."""
    n = len(proofs)
    blocks = _blocks(index, proofs, policy)
    lo, hi = proofs.lo[blocks.proof], proofs.hi[blocks.proof]
    # runs of the hypotheses table: (block, failed, last 4 known)
    classes = ((0, 0), (0, 1), (1, 0), (1, 1))
    found = index.hypothesis_classes(blocks.group, lo, hi, classes)
    runs = [(failed, has4, a, b) for (failed, has4), (a, b) in zip(classes, found, strict=True)]
    size = sum(b - a for _, _, a, b in runs)
    n_exact = np.bincount(blocks.proof[blocks.route == 0], weights=size[blocks.route == 0], minlength=n)
    n_fx = np.bincount(blocks.proof[blocks.route == 1], weights=size[blocks.route == 1], minlength=n)
    n_failed = np.zeros(n)
    for failed, _, a, b in runs:
        if failed:
            n_failed += np.bincount(blocks.proof, weights=b - a, minlength=n)
    base_exact = _base_rate(index, proofs, blocks, n_exact)
    total = (n_exact + n_fx).astype(np.int64)
    partial = _has_partial_number(proofs)
    cap = np.where(partial, policy.expand_cap * _FORCE_EXPAND, policy.expand_cap)
    dense = total > cap
    listed = ~dense[blocks.proof]

    parts: list[Pairs] = []
    for failed, _, a, b in runs:  # sparse proofs: every hypothesis
        owner, position = _expand(a[listed], b[listed])
        rows = index.hypothesis_rows(position)
        block = np.flatnonzero(listed)[owner]
        route = np.where(failed, 3, blocks.route[block]).astype(np.int8)
        parts.append(Pairs(blocks.proof[block], rows, route))
    dense_blocks = np.flatnonzero(~listed)
    proof4 = proofs.codes4()
    if len(dense_blocks):  # dense proofs: the same card's hypotheses
        b_proof = blocks.proof[dense_blocks]
        for failed in (0, 1):
            a, b = index.last4_ranges(
                blocks.group[dense_blocks], failed, proof4[b_proof], lo[dense_blocks], hi[dense_blocks]
            )
            owner, position = _expand(a, b)
            block = dense_blocks[owner]
            route = np.where(failed, 3, blocks.route[block]).astype(np.int8)
            parts.append(Pairs(blocks.proof[block], index.last4_rows(position), route))
    parts.append(_reference_pairs(index, proofs, policy, dense, blocks))
    pairs = Pairs.concat(parts)
    rest, n_counted = _counted_mass(
        index, proofs, policy, merchant_table, blocks, dense, pairs, (base_exact, n_fx)
    )
    n_window = index.window_counts(proofs.side, proofs.lo, proofs.hi)
    return Candidates(
        pairs=pairs,
        n_exact=n_exact.astype(np.int64),
        base_exact=base_exact,
        n_fx=n_fx.astype(np.int64),
        n_window=n_window,
        n_failed=n_failed.astype(np.int64),
        n_counted=n_counted,
        rest=rest,
    )


def _base_rate(index: JournalIndex, proofs: ProofArrays, blocks: _Blocks, n_exact: np.ndarray) -> np.ndarray:
    """Per proof: how many same-amount hypotheses its window holds by chance (the base rate).

    A timed proof's window is a few minutes and holds the true transaction
    itself, so its count says little about how often the amount is paid; the
    rate is the larger of the count over the window widened by
    ``rate_window_s`` (scaled to the window) and the window's count without
    one (its other hypotheses). A date's window holds its own sale too: its
    rate is read on the dates around (:func:`_range_base_rate`), unless its
    text names a chain without the branch (:func:`chain_without_branch`),
    whose other branches take the same amounts: there the date's own count
    stays, the careful value.
    """
    n = len(proofs)
    out = n_exact.astype(float)
    exact = blocks.route == 0
    timed = proofs.precision[blocks.proof[exact]] != 2  # second, minute, hour or a window
    dated = ~timed & ~chain_without_branch(proofs)[blocks.proof[exact]]
    if dated.any():  # a date: the same dates around (its own sale is in its window)
        out = _range_base_rate(
            index, proofs, blocks.proof[exact][dated], blocks.group[exact][dated], n_exact, out
        )
    if not timed.any():
        return out
    b_proof = blocks.proof[exact][timed]
    lo, hi = proofs.rate_lo[b_proof], proofs.rate_hi[b_proof]
    wide = np.zeros(n)
    for a, b in index.hypothesis_classes(blocks.group[exact][timed], lo, hi):
        wide += np.bincount(b_proof, weights=b - a, minlength=n)
    rows = np.unique(b_proof)
    share = (proofs.hi[rows] - proofs.lo[rows] + 1) / (proofs.rate_hi[rows] - proofs.rate_lo[rows] + 1)
    out[rows] = np.maximum(wide[rows] * share, np.maximum(n_exact[rows] - 1, 0))
    ranged = proofs.precision[b_proof] == RANGE_CODE
    if ranged.any():
        out = _range_base_rate(
            index, proofs, b_proof[ranged], blocks.group[exact][timed][ranged], n_exact, out
        )
    return out


def chain_without_branch(proofs: ProofArrays) -> np.ndarray:
    """Proofs whose merchant text names a brand without its branch, or a legal entity (computed once).

    Such a text is what a payment at any branch of the chain shows (a chain's
    branches share its sign and often one legal entity, field guide 2.1.2 and
    2.4), so a payment at a branch this journal does not hold fits it as well
    as one here: the amount's rate on this journal's dates does not bound how
    often the chain took that amount that day.
    """

    def compute(every: ProofArrays) -> np.ndarray:
        out = np.zeros(len(every), dtype=bool)
        seen: dict[str, bool] = {}
        for k, text in enumerate(every.merchant):
            if not isinstance(text, str) or not text.strip():
                continue
            if text not in seen:
                name = parse_merchant(text)
                seen[text] = name.kind == "legal" or (name.kind == "shop" and name.branch is None)
            out[k] = seen[text]
        return out

    return proofs.per_proof("chain_without_branch", compute)


def journal_span(index: JournalIndex) -> tuple[int, int]:
    """The first and last logged time of the whole journal (UTC seconds): the days its rates can be read on.

    A slice of the journal (:mod:`receiptkit.scale`) carries the whole journal's span (``journal_span_s``,
    from :class:`~receiptkit.matching.partial.JournalStats`), so a slice counts the same days as the whole.
    Logged, not corrected, times: the span is known before the clock offsets are.
    """
    given = getattr(index, "journal_span_s", None)
    if given is not None:
        return int(given[0]), int(given[1])
    return int(index.ts_s.min()), int(index.ts_s.max())


def _range_base_rate(
    index: JournalIndex,
    proofs: ProofArrays,
    b_proof: np.ndarray,
    group: np.ndarray,
    n_exact: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """The base rate of hours, ranges and dates: the same hours (or dates) of the days around, averaged.

    An hour's window is an hour or more, so the window widened by
    ``rate_window_s`` is not much wider, and the proof's own sale, counted in
    it, makes every lone sale look common: a 42.43 sold once in three hours
    reads as 0.37 expected by chance. How often an amount is paid at that
    hour is what a clerk knows from other days: the window's count on each
    day the journal covers (:func:`journal_span`) within a week before and after (today included),
    averaged over those days; at least the window's own count without one.
    A journal of one day gives the window's count itself, the careful value.
    A date-only proof (a statement line's 交易日, an SMS without a time, a
    posting date and the business days before it) is the same: its window
    holds its own sale, so a lone 452.00 dinner on the date read as one such
    sale expected by chance, and the posterior stopped at the prior of
    absence whatever else agreed. Its rate is the count over the same span of
    dates shifted by one to seven days either way, averaged.
    """
    n = len(proofs)
    rows = np.unique(b_proof)
    if not len(index):
        return out
    first, last = journal_span(index)
    total = np.zeros(n)
    covered = np.zeros(n)
    lo0, hi0 = proofs.lo[b_proof], proofs.hi[b_proof]
    for k in range(-RATE_DAYS, RATE_DAYS + 1):
        lo, hi = lo0 + k * 86400, hi0 + k * 86400
        inside = (lo >= first - 86400) & (hi <= last + 86400)  # a day the journal covers (partly)
        count = np.zeros(len(b_proof))
        for a, b in index.hypothesis_classes(group, lo, hi):
            count += b - a
        total += np.bincount(b_proof, weights=np.where(inside, count, 0.0), minlength=n)
        day_seen = np.zeros(n, dtype=bool)
        day_seen[b_proof[inside]] = True
        covered += day_seen
    rate = total[rows] / np.maximum(covered[rows], 1)
    out[rows] = np.maximum(rate, np.maximum(n_exact[rows] - 1, 0))
    return out


def _has_partial_number(proofs: ProofArrays) -> np.ndarray:
    """Proofs whose wallet/order number may be a visible suffix, or that name a terminal."""
    if proofs.partial is not None:
        return proofs.partial
    out = np.zeros(len(proofs), dtype=bool)
    for values in (proofs.wallet, proofs.order):
        given = np.flatnonzero(present(values))
        length = pc.utf8_length(arrow_strings(values[given].astype(str))).to_numpy(zero_copy_only=False)
        out[given] |= np.asarray(length, dtype=np.int64) < FULL_ID
        out |= is_masked(values)
    out |= present(proofs.terminal)
    proofs.partial = out
    return out


def _reference_pairs(
    index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy, dense: np.ndarray, blocks: _Blocks
) -> Pairs:
    """Transactions sharing a reference number with a proof.

    Full wallet numbers, order numbers and RRNs are searched at any amount
    within ``max_clock_skew_s`` and a few days (route 2). Auth codes and
    STANs, and wallet/order numbers of counted proofs, are searched among the
    proof's hypotheses (same amount, in the window).
    """
    wide = policy.max_clock_skew_s + (policy.bank_post_lag_days + 3) * 86400
    parts = []
    for values, column in (
        (proofs.wallet, "wallet_txn_id"),
        (proofs.order, "order_no"),
        (proofs.reference, "rrn"),
    ):
        if column != "rrn" and (hidden := is_masked(values)).any():
            # a masked number ("*73310942", or first 6 + last 4 as validation masks a card-like one) is no
            # full key: its visible digits weigh among the proof's hypotheses, as a visible suffix does
            values = np.where(hidden, None, values)  # type: ignore[call-overload]  # None: object array
        query, rows = index.lookup(column, values)
        if not len(rows):
            continue
        near = (proofs.lo[query] - wide <= index.ts_adj[rows]) & (
            index.ts_adj[rows] <= proofs.hi[query] + wide
        )
        ok = near & (index.side[rows] == proofs.side[query])
        parts.append(Pairs(query[ok], rows[ok], np.full(int(ok.sum()), 2, dtype=np.int8)))
    if dense.any():
        hyp_group = index.row_group
        for column in ("auth_code", "stan"):
            asked = np.where(dense, proofs.reference, None)  # type: ignore[call-overload]  # None: object array
            query, rows = index.lookup(column, asked)
            if not len(rows):
                continue
            in_window = (proofs.lo[query] <= index.ts_adj[rows]) & (index.ts_adj[rows] <= proofs.hi[query])
            same = _in_blocks(blocks, query, hyp_group[rows]) & in_window
            failed = index.side[rows] < 0
            route = np.where(failed, 3, 0).astype(np.int8)
            parts.append(Pairs(query[same], rows[same], route[same]))
    return Pairs.concat(parts)


def _in_blocks(blocks: _Blocks, proof: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Whether each (proof, group) is one of the blocks."""
    if not len(proof):
        return np.zeros(0, dtype=bool)
    key_blocks = blocks.proof.astype(np.int64) * (1 << 31) + blocks.group
    key = proof.astype(np.int64) * (1 << 31) + np.maximum(group, 0)
    ordered = np.sort(key_blocks)
    at = np.searchsorted(ordered, key)
    return (group >= 0) & (at < len(ordered)) & (ordered[np.minimum(at, len(ordered) - 1)] == key)


def _counted_mass(
    index: JournalIndex,
    proofs: ProofArrays,
    policy: MatchPolicy,
    merchant_table: MerchantTable,
    blocks: _Blocks,
    dense: np.ndarray,
    pairs: Pairs,
    per_route: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Per proof: log of the upper bound on the mass of hypotheses counted but not listed."""
    n = len(proofs)
    rest = np.full(n, -np.inf)
    n_counted = np.zeros(n, dtype=np.int64)
    dense_rows = np.flatnonzero(dense)
    if not len(dense_rows):
        return rest, n_counted
    position = np.full(n, -1, dtype=np.int64)
    position[dense_rows] = np.arange(len(dense_rows))
    start, stop, w_time = _segments(index, proofs, dense_rows, policy)
    width = start.shape[1]
    proof4 = proofs.codes4()
    _, w_differs = Last4Comparator(policy).per_proof(index, proof4)
    # counts per (dense proof, band, class): class = failed * 2 + last 4 known
    counts = np.zeros((len(dense_rows), width, 4))
    in_dense = np.flatnonzero(dense[blocks.proof])
    at = position[blocks.proof[in_dense]]
    group = blocks.group[in_dense]
    for s in range(width):
        for klass, (a, b) in enumerate(index.hypothesis_classes(group, start[at, s], stop[at, s])):
            counts[:, s, klass] += np.bincount(at, weights=b - a, minlength=len(dense_rows))
    # listed hypotheses of dense proofs leave the count
    rows_all = pairs.txn
    mine = dense[pairs.proof] & _in_blocks(blocks, pairs.proof, index.row_group[rows_all])
    mine &= (proofs.lo[pairs.proof] <= index.ts_adj[rows_all]) & (
        index.ts_adj[rows_all] <= proofs.hi[pairs.proof]
    )
    if mine.any():
        p, rows = pairs.proof[mine], pairs.txn[mine]
        at = position[p]
        ts = index.ts_adj[rows]
        band = ((ts[:, None] >= start[at]) & (ts[:, None] <= stop[at])).argmax(axis=1)
        inside = (ts >= start[at, band]) & (ts <= stop[at, band])
        klass = (index.side[rows] < 0).astype(np.int64) * 2 + (index.last4_code[rows] >= 0)
        np.add.at(counts, (at[inside], band[inside], klass[inside]), -1)
    counts = np.maximum(counts, 0)
    # the best weight a counted hypothesis can have, field by field
    rows = dense_rows
    has4 = proof4[rows] >= 0
    w4_known = np.where(has4, w_differs[rows], 0.0)  # same card ones are listed: the rest differ
    # a 3-digit tail lists no card: any counted one may end in it, so it may have the agreement's weight
    w_tail, _ = Last4Comparator(policy).tail_weights(index, proofs.tails()[rows])
    w4_known = np.where(has4, w4_known, np.maximum(w_tail, 0.0))
    merchant = merchant_table.best()[rows]
    if (index.merchant_code < 0).any():
        merchant = np.maximum(merchant, 0.0)
    partial = _has_partial_number(proofs)[rows]
    terminal = np.where(partial, 30.0, 0.0)  # partial numbers not listed: assume they could agree
    amount_w = np.log(max(policy.m_amount, policy.m_amount_fx))
    # the smallest base-rate count of the proof's routes: the largest prior a counted one can have
    n_exact, n_fx = per_route[0][rows], per_route[1][rows]
    n_same = np.where((n_exact > 0) & (n_fx > 0), np.minimum(n_exact, n_fx), np.maximum(n_exact, n_fx))
    n_same = np.maximum(n_same, MIN_BASE).astype(float)
    base = np.log(1 - policy.prior_absent) - np.log(n_same) + amount_w + merchant + terminal
    # a card statement line (matching.channel): the best channel weight of the journal's rows of each class
    line = card_lines_of(proofs)[rows]
    w_channel = ChannelComparator(policy).class_bounds(index)
    mass = np.zeros(len(rows))
    for klass in range(4):
        w4 = w4_known if klass % 2 else 0.0
        w_ch = np.where(line, w_channel[klass % 2], 0.0)
        mass += (counts[:, :, klass] * np.exp(w_time)).sum(axis=1) * np.exp(w4 + w_ch)
    with np.errstate(divide="ignore"):
        rest[rows] = np.log(mass) + base
    n_counted[rows] = counts.sum(axis=(1, 2)).astype(np.int64)
    return rest, n_counted
