"""The matcher's journal-wide quantities, computed per partition and combined.

:func:`~receiptkit.matching.match` reads three things from the *whole*
journal and proofs rather than from a proof's own window:

- the u probabilities of the card's last 4, the merchant name and the
  terminal (their shares of the journal), and the list of currencies;
- the clock offsets, voted by a sample of precise proofs (:mod:`.skew`).

A distributed run (:mod:`receiptkit.scale`) matches a slice of the journal
at a time, so it computes these first, from partial results that add up
(:class:`JournalStats`, :func:`skew_counts` and :func:`skew_votes`), and
builds each slice's :class:`JournalIndex` with them
(:func:`index_with_stats`). With the same journal-wide quantities and every
transaction a proof can reach, ``match`` on a slice gives the same verdicts
as on the whole journal. ``tests/scale`` holds the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex, Pairs, _expand, last4_codes
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.skew import _BIN_S, _weighted_median

__all__ = [
    "JournalStats",
    "index_with_stats",
    "offsets_from_votes",
    "skew_counts",
    "skew_sample",
    "skew_votes",
]


@dataclass(frozen=True)
class JournalStats:
    """Counts over a journal that add up across its partitions."""

    last4: np.ndarray  # rows per card last 4, code 0-9999 (as JournalIndex reads them)
    merchants: pd.Series  # rows per merchant_name
    terminals: pd.Series  # rows per terminal_id
    currencies: pd.Series  # rows per currency

    @classmethod
    def of(cls, journal: pd.DataFrame) -> JournalStats:
        """The counts of one partition."""

        def counts(column: str) -> pd.Series:
            values = journal[column].dropna().astype(str)
            return values.value_counts().astype("int64")

        codes = last4_codes(journal["card_last4"]).astype(np.int64)
        last4 = np.bincount(codes[codes >= 0], minlength=10000).astype(np.int64)
        return cls(last4, counts("merchant_name"), counts("terminal_id"), counts("currency"))

    @classmethod
    def combine(cls, parts: Iterable[JournalStats]) -> JournalStats:
        """The counts of the partitions together."""
        parts = list(parts)

        def total(name: str) -> pd.Series:
            series = [getattr(p, name) for p in parts if len(getattr(p, name))]
            if not series:
                return pd.Series(dtype="int64")
            return pd.concat(series).groupby(level=0).sum().astype("int64")

        last4 = np.sum([p.last4 for p in parts], axis=0) if parts else np.zeros(10000, np.int64)
        return cls(last4, total("merchants"), total("terminals"), total("currencies"))


def index_with_stats(
    journal: pd.DataFrame, stats: JournalStats, clock_offsets: Mapping[str, float] | None = None
) -> JournalIndex:
    """A :class:`JournalIndex` of a slice of the journal that weighs evidence as the whole would.

    The slice's own last-4, merchant and terminal frequencies and currency
    list are replaced by the journal-wide ones in ``stats``, so the u
    probabilities, the merchant-text comparisons and the "no transaction in
    that currency" test are those of the whole journal.
    """
    index = JournalIndex(journal)
    n_known = max(int(stats.last4.sum()), 1)
    index.last4_freq = {f"{code:04d}": stats.last4[code] / n_known for code in np.flatnonzero(stats.last4)}
    merchants = np.array(sorted(stats.merchants.index), dtype=object)
    counts = stats.merchants.reindex(merchants).to_numpy(dtype=np.int64)
    index.merchants = merchants
    index.merchant_code = _codes_in(index.journal["merchant_name"], merchants)
    index.merchant_share = counts / max(counts.sum(), 1)
    terminal_total = max(int(stats.terminals.sum()), 1)
    share = stats.terminals.reindex([str(t) for t in index.terminals]).fillna(0).to_numpy(dtype=np.int64)
    index.terminal_share = share / terminal_total
    currencies = np.array(sorted(stats.currencies.index), dtype=object)
    index.currencies = currencies
    index.currency_code = _codes_in(index.journal["currency"], currencies)
    index.clock_offsets = None  # the currency codes changed: sort again, with the offsets
    index.set_clock_offsets(clock_offsets or {})
    return index


def _codes_in(values: pd.Series, uniques: np.ndarray) -> np.ndarray:
    codes = pd.Index(uniques).get_indexer(values.astype(object).where(values.notna(), None))
    return codes.astype(np.int64)


# ----------------------------------------------------------------- clock skew


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


def precise_proofs(arrays: ProofArrays, currencies: Iterable[str]) -> np.ndarray:
    """Which proofs may vote on clock offsets (second/minute precision, known currency, paid)."""
    known = np.isin(arrays.currency.astype(str), np.array(list(currencies), dtype=str))
    return (arrays.precision < 2) & known & ~arrays.not_paid


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
    divisor = np.where(sparse, counts[:, 0], np.maximum(counts[:, 1], 1) * 3)
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
    weight = np.where(has4 & (proof4 == txn4), weight * 3.0, np.where(has4, weight * 0.05, weight))
    weight = np.where(keyed, 20.0, weight)  # the same wallet number
    code = index.terminal_code[pairs.txn]
    known = code >= 0
    frame = pd.DataFrame(
        {
            "terminal_id": index.terminals[code[known]].astype(str) if known.any() else np.empty(0, object),
            "diff": diff[known].astype(np.int64),
            "weight": weight[known].astype(float),
        }
    )
    return frame.groupby(["terminal_id", "diff"], as_index=False, sort=True)["weight"].sum()


def offsets_from_votes(votes: Iterable[pd.DataFrame], policy: MatchPolicy) -> pd.DataFrame:
    """Clock offsets from the votes of all slices, as ``estimate_clock_offsets`` returns them."""
    frames = [v for v in votes if len(v)]
    columns = {
        "offset_s": pd.Series(dtype="int64"),
        "votes": pd.Series(dtype=float),
        "used": pd.Series(dtype=bool),
    }
    if not frames:
        return pd.DataFrame(columns, index=pd.Index([], name="terminal_id"))
    total = pd.concat(frames).groupby(["terminal_id", "diff"], as_index=False, sort=True)["weight"].sum()
    total["bin"] = np.floor_divide(total["diff"].to_numpy(), _BIN_S)
    rows = []
    for terminal, group in total.groupby("terminal_id", sort=True):
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
        rows.append((str(terminal), round(offset), round(peak, 2), bool(used)))
    return pd.DataFrame(rows, columns=["terminal_id", "offset_s", "votes", "used"]).set_index("terminal_id")
