"""Per-terminal clock offsets, estimated from the proofs themselves.

A terminal whose clock is minutes fast, or set to the wrong time zone, logs
every transaction at the wrong time. For each terminal, the differences
between its logged times and the times on precise proofs (wallet records to
the second, SMS to the minute) that share an amount pile up at the true
offset, while chance pairs spread out evenly. The peak of that histogram,
when it stands clearly above the rest, is the terminal's offset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy

__all__ = ["estimate_clock_offsets"]

_BIN_S = 60


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
    wide = policy.max_clock_skew_s
    pairs, counts = index.exact_pairs(
        proofs.side[precise],
        proofs.cur_code[precise],
        proofs.amount[precise],
        proofs.core_lo[precise] - wide,
        proofs.core_hi[precise] + wide,
    )
    if not len(pairs):
        return pd.DataFrame(columns, index=pd.Index([], name="terminal_id"))
    owner = precise[pairs.proof]
    diff = index.ts_s[pairs.txn] - proofs.core_lo[owner]
    weight = 1.0 / np.maximum(counts[pairs.proof], 1)
    proof4 = proofs.last4[owner]
    txn4 = index.last4[pairs.txn]
    has4 = (
        pd.notna(pd.Series(proof4, dtype=object)).to_numpy()
        & pd.notna(pd.Series(txn4, dtype=object)).to_numpy()
    )
    weight = np.where(has4 & (proof4 == txn4), weight * 3.0, np.where(has4, weight * 0.05, weight))
    wallet = proofs.wallet[owner]
    txn_wallet = index.ids("wallet_txn_id")[pairs.txn]
    keyed = pd.notna(pd.Series(wallet, dtype=object)).to_numpy() & (wallet == txn_wallet)
    weight = np.where(keyed, 20.0, weight)
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
