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

import numpy as np
import pandas as pd

from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex, Pairs, _expand
from receiptkit.matching.policy import MatchPolicy

__all__ = ["estimate_clock_offsets"]

_BIN_S = 60


def _vote_pairs(
    index: JournalIndex, sample: ProofArrays, policy: MatchPolicy
) -> tuple[Pairs, np.ndarray, np.ndarray]:
    """Candidate pairs of the voting proofs within the skew range, and what each pair's vote is divided by.

    A proof with few same-amount transactions in the range spreads its vote
    over all of them (same card x3, another card x0.05); one with many votes
    only through those of the same card's last 4, spread over them.
    """
    wide = policy.max_clock_skew_s
    lo, hi = sample.core_lo - wide, sample.core_hi + wide
    group = index.amount_groups(sample.side, sample.cur_code, sample.amount)
    ranges = [index.hypothesis_ranges(group, 0, has4, lo, hi) for has4 in (0, 1)]
    counts = sum(b - a for a, b in ranges)
    sparse = counts <= policy.expand_cap * 4
    parts = []
    for a, b in ranges:
        owner, position = _expand(np.where(sparse, a, 0), np.where(sparse, b, 0))
        parts.append(Pairs(owner, index.hypothesis_rows(position), np.zeros(len(owner), dtype=np.int8)))
    a, b = index.last4_ranges(np.where(sparse, -1, group), 0, sample.codes4(), lo, hi)
    counts = np.where(sparse, counts, np.maximum(b - a, 1) * 3)  # x3 below: one vote per dense proof
    owner, position = _expand(a, b)
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
    return pairs, counts, keyed


def estimate_clock_offsets(index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy) -> pd.DataFrame:
    """Estimate each terminal's clock offset (seconds ahead of true time).

    Returns a frame indexed by terminal_id with ``offset_s``, ``votes`` (the
    weight of evidence at the peak) and ``used`` (whether the peak was clear
    enough to be applied). The index must carry no offsets when called.
    """
    precise = np.flatnonzero((proofs.precision < 2) & (proofs.cur_code >= 0) & ~proofs.not_paid)
    columns = {
        "offset_s": pd.Series(dtype="int64"),
        "votes": pd.Series(dtype=float),
        "used": pd.Series(dtype=bool),
    }
    if not len(precise) or not len(index.terminals):
        return pd.DataFrame(columns, index=pd.Index([], name="terminal_id"))
    if len(precise) > policy.skew_sample:
        ids = proofs.frame["proof_id"].iloc[precise]
        order = np.argsort(pd.util.hash_pandas_object(ids, index=False).to_numpy(), kind="stable")
        precise = np.sort(precise[order[: policy.skew_sample]])
    sample = proofs.take(precise)
    pairs, counts, keyed = _vote_pairs(index, sample, policy)
    if not len(pairs):
        return pd.DataFrame(columns, index=pd.Index([], name="terminal_id"))
    diff = index.ts_s[pairs.txn] - sample.core_lo[pairs.proof]
    weight = 1.0 / np.maximum(counts[pairs.proof], 1)
    proof4 = sample.codes4()[pairs.proof]
    txn4 = index.last4_code[pairs.txn]
    has4 = (proof4 >= 0) & (txn4 >= 0)
    weight = np.where(has4 & (proof4 == txn4), weight * 3.0, np.where(has4, weight * 0.05, weight))
    weight = np.where(keyed, 20.0, weight)  # the same wallet number
    frame = pd.DataFrame(
        {
            "terminal": index.terminal_code[pairs.txn],
            "bin": np.floor_divide(diff, _BIN_S),
            "diff": diff,
            "weight": weight,
        }
    )
    frame = frame[frame["terminal"] >= 0]
    rows = []
    for code, group in frame.groupby("terminal", sort=True):
        hist = group.groupby("bin")["weight"].sum()
        smooth = hist.add(hist.rename(lambda b: b + 1), fill_value=0).add(
            hist.rename(lambda b: b - 1), fill_value=0
        )
        smooth = smooth.sort_index()
        peak_bin = smooth.idxmax()
        peak = float(smooth.max())
        rest = smooth[(smooth.index < peak_bin - 3) | (smooth.index > peak_bin + 3)]
        second = float(rest.max()) if len(rest) else 0.0
        near = group[(group["bin"] >= peak_bin - 1) & (group["bin"] <= peak_bin + 1)]
        offset = _weighted_median(near["diff"].to_numpy(), near["weight"].to_numpy())
        used = peak >= policy.min_skew_votes and peak >= 2.0 * second
        rows.append((str(index.terminals[code]), round(offset), round(peak, 2), bool(used)))
    result = pd.DataFrame(rows, columns=["terminal_id", "offset_s", "votes", "used"]).set_index("terminal_id")
    return result


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cumulative = np.cumsum(weights)
    return float(values[np.searchsorted(cumulative, cumulative[-1] / 2.0)])
