"""The matcher's journal-wide quantities, computed per partition and combined.

:func:`~receiptkit.matching.match` reads three things from the *whole*
journal and proofs rather than from a proof's own window:

- the u probabilities of the card's last 4, the merchant name and the
  terminal (their shares of the journal), the shares of card and wallet
  rows (the channel of a foreign card's line, :mod:`.channel`), and the list
  of currencies;
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from receiptkit.matching.absence import NUMBER_COLUMNS
from receiptkit.matching.channel import channel_codes, channel_counts
from receiptkit.matching.clocks import ClockSegment
from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex, last4_codes
from receiptkit.matching.skew import offsets_from_votes, skew_counts, skew_sample, skew_votes

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
    channels: np.ndarray | None = (
        None  # rows per (shows a card, channel class): matching.channel.channel_counts
    )
    span: tuple[int, int] | None = None  # first and last logged time, UTC seconds (candidates.journal_span)
    # the kinds of full number the journal records at all (NUMBER_COLUMNS holding a value: matching.absence
    # _numbers_found); None: not counted (each slice's index reads its own rows)
    numbers: frozenset[str] | None = None

    @classmethod
    def of(cls, journal: pd.DataFrame) -> JournalStats:
        """The counts of one partition."""

        def counts(column: str) -> pd.Series:
            values = journal[column].dropna().astype(str)
            return values.value_counts().astype("int64")

        codes = last4_codes(journal["card_last4"]).astype(np.int64)
        last4 = np.bincount(codes[codes >= 0], minlength=10000).astype(np.int64)
        shows_card = codes >= 0
        channels = (
            channel_counts(channel_codes(journal["channel"], shows_card), shows_card)
            if "channel" in journal.columns
            else None  # not counted: each slice's index uses its own rows
        )
        span = None
        if len(journal):
            logged = journal["ts"].dt.tz_convert("UTC").dt.as_unit("s").astype("int64")
            span = (int(logged.min()), int(logged.max()))
        columns = [c for c in NUMBER_COLUMNS if c in journal.columns]  # none read: not counted (None)
        numbers = frozenset(c for c in columns if journal[c].notna().any()) if columns else None
        return cls(
            last4, counts("merchant_name"), counts("terminal_id"), counts("currency"), channels, span, numbers
        )

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
        channels = [p.channels for p in parts if p.channels is not None]
        together = np.sum(channels, axis=0) if channels and len(channels) == len(parts) else None
        spans = [p.span for p in parts if p.span is not None]
        span = (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None
        recorded = [p.numbers for p in parts if p.numbers is not None]
        numbers = frozenset().union(*recorded) if parts and len(recorded) == len(parts) else None
        return cls(
            last4, total("merchants"), total("terminals"), total("currencies"), together, span, numbers
        )


def index_with_stats(
    journal: pd.DataFrame,
    stats: JournalStats,
    clock_offsets: Mapping[str, float] | None = None,
    clock_segments: Mapping[str, Sequence[ClockSegment]] | None = None,
) -> JournalIndex:
    """A :class:`JournalIndex` of a slice of the journal that weighs evidence as the whole would.

    The slice's own last-4, merchant and terminal frequencies and currency
    list are replaced by the journal-wide ones in ``stats``, so the u
    probabilities, the merchant-text comparisons and the "no transaction in
    that currency" test are those of the whole journal. ``clock_segments``:
    the pieces of terminals whose clock jumped; each row is placed by its own
    logged time, so a slice places its rows as the whole journal does.
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
    if stats.channels is not None:
        index.channel_counts = stats.channels  # the channel comparator's shares (matching.channel)
    if stats.span is not None:
        index.journal_span_s = stats.span  # the days a date's or an hour's rate is read on (candidates)
    if stats.numbers is not None:
        index.recorded_numbers = stats.numbers  # whether a full number not here counts (matching.absence)
    index.terminal_names = index.terminal_names | frozenset(str(t) for t in stats.terminals.index)
    index.clock_offsets = None  # the currency codes changed: sort again, with the offsets
    index.set_clock_offsets(clock_offsets or {}, clock_segments or {})
    return index


def _codes_in(values: pd.Series, uniques: np.ndarray) -> np.ndarray:
    codes = pd.Index(uniques).get_indexer(values.astype(object).where(values.notna(), None))
    return codes.astype(np.int64)


# ----------------------------------------------------------------- clock skew


def precise_proofs(arrays: ProofArrays, currencies: Iterable[str]) -> np.ndarray:
    """Which proofs may vote on clock offsets (second/minute precision, known currency, paid)."""
    known = np.isin(arrays.currency.astype(str), np.array(list(currencies), dtype=str))
    return (arrays.precision < 2) & (arrays.core_hi - arrays.core_lo <= 59) & known & ~arrays.not_paid
