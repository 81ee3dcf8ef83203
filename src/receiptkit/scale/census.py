"""What each partition tells the planner, computed where the partition lives.

Every function here takes one pandas partition and returns a small result
the driver combines: journal-wide counts, the proofs' search windows and
reference numbers, the journal rows that share a reference number with a
proof, and the clock-offset votes. None of them decides a match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.matching.comparators import alias_hits
from receiptkit.matching.evidence import ProofArrays, present
from receiptkit.matching.fxlearn import fx_teachers
from receiptkit.matching.index import CREDIT_TYPES, DEBIT_TYPES, JournalIndex, card_sale_rows, last4_codes
from receiptkit.matching.latin import latin_texts
from receiptkit.matching.partial import JournalStats, precise_proofs, skew_counts, skew_votes
from receiptkit.matching.policy import MatchPolicy
from receiptkit.scale.sources import PART_SHIFT, ROW
from receiptkit.schema import validate_proofs

__all__ = [
    "KEY_COLUMNS",
    "JournalCensus",
    "ProofCensus",
    "census_journal",
    "census_proofs",
    "clock_rows",
    "journal_with_hash",
    "learn_journal",
    "probe_journal",
    "vote_journal",
]

# proof field -> journal column searched at any amount (as the matcher's reference-key search)
KEY_COLUMNS = (("wallet", "wallet_txn_id"), ("order", "order_no"), ("reference", "rrn"))
CENSUS_COLUMNS = [
    "card_last4",
    "merchant_name",
    "terminal_id",
    "currency",
    "amount_minor",
    "ts",
    "original_txn_id",
    "channel",  # the channel comparator's shares of card and wallet rows (matching.channel)
]


@dataclass
class JournalCensus:
    """Counts of one journal partition."""

    stats: JournalStats
    bucket_days: pd.DataFrame  # currency, amount_minor, day (UTC days since epoch), rows
    originals: np.ndarray  # original_txn_id values that voids/refunds point at
    rows: int
    id_hash: np.ndarray | None = None  # a 64-bit hash of each row's txn_id
    content_hash: np.ndarray | None = (
        None  # a 64-bit hash of the row's census columns (what tells two sales apart)
    )
    origin_counts: np.ndarray | None = None  # rows per partition of the input (the high bits of ``_row``)


def seconds(ts: pd.Series) -> np.ndarray:
    """UTC seconds of a timezone-aware column."""
    return ts.dt.tz_convert("UTC").dt.as_unit("s").astype("int64").to_numpy()


def census_journal(part: pd.DataFrame) -> JournalCensus:
    """Journal-wide counts, amount-by-day counts and referenced originals of one partition."""
    day = seconds(part["ts"]) // 86400 if len(part) else np.empty(0, dtype=np.int64)
    buckets = (
        pd.DataFrame(
            {"currency": part["currency"].astype(str), "amount_minor": part["amount_minor"], "day": day}
        )
        .groupby(["currency", "amount_minor", "day"], as_index=False, sort=True)
        .size()
        .rename(columns={"size": "rows"})
    )
    originals = part["original_txn_id"].dropna().astype(str).unique()
    id_hash = content_hash = origin_counts = None
    if "txn_id" in part.columns:
        id_hash = pd.util.hash_pandas_object(part["txn_id"].astype(str), index=False).to_numpy()
        content = [c for c in part.columns if c not in (ROW, "txn_id")]
        content_hash = pd.util.hash_pandas_object(part[content], index=False).to_numpy()
    if ROW in part.columns:
        origin_counts = np.bincount(part[ROW].to_numpy(dtype=np.int64) >> PART_SHIFT)
    return JournalCensus(
        JournalStats.of(part),
        buckets,
        np.asarray(originals, dtype=object),
        len(part),
        id_hash=id_hash,
        content_hash=content_hash,
        origin_counts=origin_counts,
    )


def journal_with_hash(part: pd.DataFrame, hashes: np.ndarray) -> pd.DataFrame:
    """The rows of a journal partition whose ``txn_id`` hashes to one of ``hashes`` (sorted), every column,
    with ``_row`` (where each row sits in the input)."""
    mine = pd.util.hash_pandas_object(part["txn_id"].astype(str), index=False).to_numpy()
    return part.iloc[np.flatnonzero(np.isin(mine, hashes))].reset_index(drop=True)


@dataclass
class ProofCensus:
    """The proofs of one partition reduced to what the planner needs."""

    rows: int
    side: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    lo: np.ndarray  # search window, UTC seconds of corrected terminal time
    hi: np.ndarray
    rate_lo: np.ndarray  # where the matcher counts the base rate of the proof's amount
    rate_hi: np.ndarray
    keys: dict[str, np.ndarray]  # wallet / order / reference values (None where empty)
    sample: pd.DataFrame  # proofs that may vote on clock offsets, best hashes first, <= skew_sample
    sample_hash: np.ndarray
    sample_position: np.ndarray  # position within the partition
    meta: pd.DataFrame  # the partition's columns and dtypes, no rows
    learners: pd.DataFrame | None = None  # proofs that may teach a merchant alias (text and a strong number)
    learner_position: np.ndarray | None = None  # their positions within the partition
    timed: pd.DataFrame | None = None  # proofs to the second or minute, paid: what clock pieces are read from
    fx: pd.DataFrame | None = None  # proofs that may teach an FX rate (matching.fxlearn.fx_teachers)
    latin: int = 0  # proofs that may teach a Latin name (a card, matching.latin.latin_texts)
    id_hash: np.ndarray | None = None  # a 64-bit hash of each proof_id: ids repeated across partitions


def empty_index(journal_meta: pd.DataFrame) -> JournalIndex:
    """An index of no transactions: it carries the journal's time zone for proof windows."""
    return JournalIndex(journal_meta.iloc[:0], _counts_only=True)


def census_proofs(
    part: pd.DataFrame, journal_meta: pd.DataFrame, currencies: list[str], policy: MatchPolicy
) -> ProofCensus:
    """Search windows, reference numbers and clock-vote candidates of one proofs partition."""
    frame = validate_proofs(part).reset_index(drop=True)
    arrays = ProofArrays.build(frame, empty_index(journal_meta), policy)
    precise = np.flatnonzero(precise_proofs(arrays, currencies))
    hashes = pd.util.hash_pandas_object(frame["proof_id"].iloc[precise], index=False).to_numpy()
    best = np.argsort(hashes, kind="stable")[: policy.skew_sample]
    strong = present(arrays.wallet) | present(arrays.order) | present(arrays.reference)
    learners = np.flatnonzero(present(arrays.merchant) & strong)  # as learn_aliases asks (alias_hits)
    return ProofCensus(
        rows=len(frame),
        side=arrays.side,
        amount=arrays.amount,
        currency=arrays.currency.astype(object),
        lo=arrays.lo,
        hi=arrays.hi,
        rate_lo=arrays.rate_lo,
        rate_hi=arrays.rate_hi,
        keys={field: getattr(arrays, field) for field, _ in KEY_COLUMNS},
        sample=frame.iloc[precise[best]].reset_index(drop=True),
        sample_hash=hashes[best],
        sample_position=precise[best],
        meta=part.iloc[:0],
        learners=frame.iloc[learners].reset_index(drop=True),
        learner_position=learners,
        timed=frame.iloc[np.flatnonzero(_timed(arrays))].reset_index(drop=True),
        fx=frame.iloc[np.flatnonzero(fx_teachers(frame, currencies))].reset_index(drop=True),
        latin=_latin_lines(frame, arrays),
        id_hash=pd.util.hash_pandas_object(frame["proof_id"], index=False).to_numpy(),
    )


def proofs_with_hash(part: pd.DataFrame, hashes: np.ndarray) -> pd.DataFrame:
    """``proof_id``, ``source`` and ``source_row`` of a partition's proofs whose id hashes to one of ``hashes``
    (sorted), with ``position``: the proof's place in the partition."""
    frame = validate_proofs(part).reset_index(drop=True)
    mine = pd.util.hash_pandas_object(frame["proof_id"], index=False).to_numpy()
    at = np.flatnonzero(np.isin(mine, hashes))
    out = frame.iloc[at][["proof_id", "source", "source_row"]].reset_index(drop=True)
    out["position"] = at
    return out


def _latin_lines(frame: pd.DataFrame, arrays: ProofArrays) -> int:
    """How many proofs show a card and a Latin-only text naming someone (those that may vote for a Latin name)."""
    texts = frame["merchant_text"].astype(object)
    card = (arrays.codes4() >= 0) & texts.notna().to_numpy()
    if not card.any():
        return 0
    return int(latin_texts(texts[card].to_numpy()).sum())


def fx_rows(part: pd.DataFrame, last4: frozenset[int]) -> pd.DataFrame:
    """The rows of one journal partition an FX rate is learned from: those of a card last 4 a foreign line shows
    (with their ``_row``); :func:`~receiptkit.matching.fxlearn.learn_fx_rate_sources` reads no others."""
    if not len(part) or not last4:
        return part.iloc[:0]
    codes = last4_codes(part["card_last4"]).astype(np.int64)
    return part[np.isin(codes, list(last4))]


def _timed(arrays: ProofArrays) -> np.ndarray:
    """Proofs to the second or minute (a window of at most a minute), paid: anchors and evidence of clocks."""
    return (arrays.precision < 2) & (arrays.core_hi - arrays.core_lo <= 59) & ~arrays.not_paid


def clock_rows(
    part: pd.DataFrame,
    keys: Mapping[str, frozenset[str]],
    cards: pd.MultiIndex,
    terminals: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The rows of one journal partition that clock learning reads (with their ``_row``).

    Rows holding a proof's full number (``keys``), rows of an amount and card last 4 a timed proof
    carries (``cards``: every row that can make a card anchor unique or not), and every row of
    ``terminals`` (those whose clock may have jumped: the pieces are tested on all their rows).
    """
    if not len(part):
        return part
    near = np.zeros(len(part), dtype=bool)
    for _, column in KEY_COLUMNS:
        values = part[column].astype(object)
        near |= values.isin(keys[column]).to_numpy() & values.notna().to_numpy()
    if len(cards):
        pairs = pd.MultiIndex.from_arrays(
            [part["amount_minor"].to_numpy(dtype=np.int64), part["card_last4"].astype(object).to_numpy()]
        )
        near |= pairs.isin(cards)
    if terminals:
        near |= part["terminal_id"].astype(object).isin(terminals).to_numpy()
    return part[near]


def raw_side(frame: pd.DataFrame) -> np.ndarray:
    """0 for approved debits, 1 for approved credits, -1 otherwise (as the index, before duplicates)."""
    txn_type = frame["txn_type"].astype(str).to_numpy()
    approved = frame["status"].astype(str).to_numpy() == "approved"
    side = np.full(len(frame), -1, dtype=np.int8)
    side[approved & np.isin(txn_type, DEBIT_TYPES)] = 0
    side[approved & np.isin(txn_type, CREDIT_TYPES)] = 1
    return side


def _sample_slice(part: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """The rows a clock vote can reach: a voter's currency and amount, or its wallet number."""
    wanted = pd.MultiIndex.from_arrays([sample["currency"].astype(str), sample["amount_minor"]])
    have = pd.MultiIndex.from_arrays([part["currency"].astype(str), part["amount_minor"]])
    wallets = sample["wallet_txn_id"].dropna().astype(str)
    same_wallet = part["wallet_txn_id"].astype(object).isin(set(wallets)).to_numpy()
    return part[have.isin(wanted) | same_wallet]


def _vote_inputs(
    part: pd.DataFrame, sample: pd.DataFrame, policy: MatchPolicy
) -> tuple[JournalIndex, ProofArrays]:
    index = JournalIndex(
        _sample_slice(part, sample).drop(columns=["_row"], errors="ignore"), _counts_only=True
    )
    return index, ProofArrays.build(sample, index, policy)


@dataclass
class JournalProbe:
    """One journal partition seen from the proofs: clock-vote counts, key hits, originals."""

    skew_counts: np.ndarray
    key_hits: pd.DataFrame  # column, value, currency, amount_minor, ts_s, terminal_id, side
    originals: pd.DataFrame  # txn_id, currency, amount_minor, ts_s, terminal_id


def probe_journal(
    part: pd.DataFrame,
    sample: pd.DataFrame,
    keys: Mapping[str, frozenset[str]],
    originals: frozenset[str],
    policy: MatchPolicy,
) -> JournalProbe:
    """Clock-vote counts, rows sharing a reference number with a proof, and referenced originals."""
    if len(sample):
        index, arrays = _vote_inputs(part, sample, policy)
        counts = skew_counts(index, arrays, policy)
    else:
        counts = np.zeros(0, dtype=np.int64)
    side = raw_side(part)
    base = {
        "currency": part["currency"].astype(str).to_numpy(),
        "amount_minor": part["amount_minor"].to_numpy(dtype=np.int64),
        "ts_s": seconds(part["ts"]) if len(part) else np.empty(0, dtype=np.int64),
        "terminal_id": part["terminal_id"].astype(object).to_numpy(),
        "card": card_sale_rows(part),  # a card sale: its terminal's card clock, where it has one
    }
    hits = []
    for _, column in KEY_COLUMNS:
        values = part[column].astype(object)
        found = values.isin(keys[column]).to_numpy() & values.notna().to_numpy()
        if found.any():
            hit = {name: array[found] for name, array in base.items()}
            hit.update(column=column, value=values.to_numpy()[found], side=side[found])
            hits.append(pd.DataFrame(hit))
    key_hits = (
        pd.concat(hits, ignore_index=True)
        if hits
        else pd.DataFrame(columns=[*base, "column", "value", "side"])
    )
    ids = part["txn_id"].astype(str)
    is_original = ids.isin(originals).to_numpy()
    found_originals = pd.DataFrame(
        {"txn_id": ids.to_numpy()[is_original]} | {k: v[is_original] for k, v in base.items()}
    )
    return JournalProbe(counts, key_hits, found_originals)


def vote_journal(
    part: pd.DataFrame, sample: pd.DataFrame, counts: np.ndarray, policy: MatchPolicy
) -> pd.DataFrame:
    """The clock-offset votes of one journal partition (journal-wide ``counts`` given)."""
    index, arrays = _vote_inputs(part, sample, policy)
    return skew_votes(index, arrays, counts, policy)


_ALIAS_KEYS = (("wallet_txn_id", "wallet_txn_id"), ("order_no", "order_no"), ("rrn", "reference"))


def learn_journal(
    part: pd.DataFrame,
    learners: pd.DataFrame,
    offsets: Mapping[str, float],
    policy: MatchPolicy,
    segments: Mapping[str, Any] | None = None,
    terminals: Iterable[object] = (),
) -> pd.DataFrame:
    """The rows of one journal partition that a learner's strong number leads to (``alias_hits``).

    ``r`` is the journal-wide row number (the source's ``_row``), so the driver
    can tell one transaction from two across partitions
    (:func:`~receiptkit.matching.comparators.aliases_from_hits`). ``terminals``:
    every terminal id of the journal (which offsets keys are card sales' clocks,
    :func:`~receiptkit.matching.clocks.card_clocks`).
    """
    empty = pd.DataFrame({"q": np.empty(0, np.int64), "r": np.empty(0, np.int64), "merchant": []})
    if not len(learners) or not len(part):
        return empty
    wanted: set[str] = set()
    for _, field in _ALIAS_KEYS:
        wanted.update(learners[field].dropna().astype(str))
    near = np.zeros(len(part), dtype=bool)  # only rows holding a learner's number can be hit
    for column in ("wallet_txn_id", "order_no", "rrn", "auth_code"):
        near |= part[column].astype(object).isin(wanted).to_numpy()
    if not near.any():
        return empty
    rows = part[near]
    index = JournalIndex(rows.drop(columns=["_row"], errors="ignore").reset_index(drop=True))
    index.terminal_names = index.terminal_names | frozenset(str(t) for t in terminals)
    index.clock_offsets = None  # sort again, with the offsets read against every terminal of the journal
    index.set_clock_offsets(offsets, segments or {})
    hits = alias_hits(index, ProofArrays.build(learners, index, policy), policy)
    hits["r"] = rows["_row"].to_numpy()[hits["r"].to_numpy()] if "_row" in rows.columns else hits["r"]
    return hits
