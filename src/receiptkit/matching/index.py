"""The journal, indexed once for fast candidate search (blocking).

:class:`JournalIndex` turns the canonical journal into compact numeric arrays
(no Python object per row, so ten million rows fit) and a few sorted tables:

- the *hypotheses* table: every approved transaction, and every declined or
  reversed attempt that was not retried, grouped by (side, currency, amount,
  approved or failed, card last 4 known or not) and sorted by time within a
  group. One binary search gives how many candidates of an amount a window
  holds, and how many of them fall into each time band;
- the same rows grouped by the card's last 4, to list the few candidates that
  share the proof's card without walking the whole window;
- approved transactions by time, for window counts of any amount;
- reference numbers (wallet, order, RRN, auth code, STAN) for exact lookups.

Building it is a few sorts; each search is a binary search. The same index
serves one proof at the counter (:func:`find`) and a month of proofs in bulk
(:func:`match`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from receiptkit.errors import SchemaError
from receiptkit.matching.clocks import ClockSegment, card_clocks, clock_inputs, place_rows
from receiptkit.schema import (
    JOURNAL_REQUIRED,
    STATUSES,
    TXN_TYPES,
    _is_settled,
    validate_journal,
)

__all__ = ["CREDIT_TYPES", "DEBIT_TYPES", "KEY_COLUMNS", "JournalIndex", "Pairs"]

DEBIT_TYPES = ("sale", "completion")
CREDIT_TYPES = ("refund", "void")
KEY_COLUMNS = ("wallet_txn_id", "order_no", "rrn", "auth_code", "stan")
_SHIFT = np.int64(1) << np.int64(33)  # seconds inside a group key (about 270 years)
_AMOUNT_BITS = 42
_RETRY_S = 600  # a declined attempt followed by an approved one of the same card within this is retried
_BULK_LOOKUP = 256  # more queries than this: one hash join instead of binary searches
#: A row logged after its terminal's offset was learned is doubted only when the offset moves it this far.
BEYOND_MIN_S = 60


@dataclass
class Pairs:
    """Candidate (proof, transaction) pairs found by a search, as parallel arrays.

    ``route``: 0 same amount, 1 foreign currency, 2 reference key, 3 a failed
    attempt (a rival hypothesis that is never matched).
    """

    proof: np.ndarray  # position in the proofs frame
    txn: np.ndarray  # position in the journal
    route: np.ndarray

    @staticmethod
    def empty() -> Pairs:
        e = np.empty(0, dtype=np.int64)
        return Pairs(e, e.copy(), np.empty(0, dtype=np.int8))

    @staticmethod
    def concat(parts: list[Pairs]) -> Pairs:
        parts = [p for p in parts if len(p.proof)]
        if not parts:
            return Pairs.empty()
        proof = np.concatenate([p.proof for p in parts])
        txn = np.concatenate([p.txn for p in parts])
        route = np.concatenate([p.route for p in parts])
        # one row per (proof, txn): keep the most specific route (lowest number)
        order = np.lexsort((route, txn, proof))
        proof, txn, route = proof[order], txn[order], route[order]
        keep = np.ones(len(proof), dtype=bool)
        keep[1:] = (proof[1:] != proof[:-1]) | (txn[1:] != txn[:-1])
        return Pairs(proof[keep], txn[keep], route[keep])

    def __len__(self) -> int:
        return len(self.proof)


def arrow_strings(values: pd.Series | np.ndarray | list) -> pa.Array:
    """Any column of text as one Arrow string array (nulls where empty)."""
    if isinstance(values, pd.Series):
        values = values.array
    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array([None if v is None or v != v else str(v) for v in values], type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for empty) and the sorted distinct values of a low-cardinality column."""
    encoded = pc.dictionary_encode(arrow_strings(values))
    dictionary = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    indices = np.where(np.isnan(indices), -1, indices) if indices.dtype.kind == "f" else indices
    codes = np.asarray(indices, dtype=np.int64)
    if not len(dictionary):
        return codes, dictionary
    order = np.argsort(dictionary.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.where(codes >= 0, rank[np.maximum(codes, 0)], -1), dictionary[order]


def card_sale_rows(journal: pd.DataFrame) -> np.ndarray:
    """Per row: whether the journal's ``channel`` says card (the rows a terminal's own clock stamps)."""
    if "channel" not in journal.columns or not len(journal):
        return np.zeros(len(journal), dtype=bool)
    codes, values = _codes(journal["channel"])
    card = np.array([str(v).strip().lower() == "card" for v in values], dtype=bool)
    return card[np.maximum(codes, 0)] & (codes >= 0) if len(values) else np.zeros(len(journal), dtype=bool)


def last4_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Card last 4 as integers 0-9999 (-1 where empty or not four digits)."""
    text = arrow_strings(values)
    ok = pc.fill_null(pc.match_substring_regex(text, r"^\d{4}$"), False)
    numbers = pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.int64())
    return np.asarray(pc.fill_null(numbers, -1).to_numpy(zero_copy_only=False), dtype=np.int16)


def _search(
    table: np.ndarray, keys: np.ndarray, side: str = "left", order: np.ndarray | None = None
) -> np.ndarray:
    """``np.searchsorted(table, keys, side)``, the keys searched in sorted order.

    numpy narrows each binary search with the previous result when the keys
    come sorted, so a bulk search of many queries against a large sorted table
    runs about twice as fast (and walks the table's memory in order). ``order``:
    an argsort of these keys or of keys in nearly the same order (the window's
    other end), to sort once for both ends.
    """
    if len(keys) < 64:
        return np.searchsorted(table, keys, side=side)  # type: ignore[call-overload]
    if order is None:
        if not (keys[1:] < keys[:-1]).any():  # already sorted (blocks come by amount group and time)
            return np.searchsorted(table, keys, side=side)  # type: ignore[call-overload]
        order = np.argsort(keys)
    out = np.empty(len(keys), dtype=np.intp)
    out[order] = np.searchsorted(table, keys[order], side=side)  # type: ignore[call-overload]
    return out


def _both_ends(table: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``searchsorted`` of window starts (left) and ends (right), sorted once."""
    order = None
    if len(low) >= 64 and (low[1:] < low[:-1]).any():
        order = np.argsort(low)
    return _search(table, low, "left", order), _search(table, high, "right", order)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the bits of a uint64 key."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def _group_starts(keys: list[np.ndarray], order: np.ndarray) -> np.ndarray:
    """In ``order``, where a run of equal keys starts."""
    start = np.zeros(len(order), dtype=bool)
    if not len(order):
        return start
    start[0] = True
    for key in keys:
        k = key[order]
        start[1:] |= k[1:] != k[:-1]
    return start


def _key_hash(keys: list[np.ndarray]) -> np.ndarray:
    h = np.zeros(len(keys[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for key in keys:
            h = _mix(h ^ key.astype(np.int64).view(np.uint64))
    return h


def _expand(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [start, stop) per owner, the (owner, position) of every element."""
    counts = np.maximum(stops - starts, 0)
    total = int(counts.sum())
    owners = np.repeat(np.arange(len(starts), dtype=np.int64), counts)
    if total == 0:
        return owners, np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return owners, np.arange(total, dtype=np.int64) + offsets


class _SortedKeys:
    """One reference column sorted for binary search by value (built on first use)."""

    def __init__(self, values: pa.Array) -> None:
        valid = pc.is_valid(values)
        rows = np.flatnonzero(np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool))
        present = values.take(pa.array(rows))
        order = np.asarray(pc.sort_indices(present).to_numpy(zero_copy_only=False), dtype=np.int64)
        self.rows = rows[order]
        self.values = present.take(pa.array(order)).to_pylist()

    def find(self, value: str) -> np.ndarray:
        a = bisect.bisect_left(self.values, value)
        b = bisect.bisect_right(self.values, value, lo=a)
        return self.rows[a:b]


def _aware_times(ts: pd.Series) -> tuple[pd.Series, np.ndarray | None]:
    """The journal's ``ts`` as a timezone-aware column.

    A column of one zone is returned as is (offsets ``None``). A column of
    aware Timestamps in several zones (object dtype: an international chain)
    becomes one UTC column, with each row's own UTC offset in seconds, so that
    a transaction's local day stays the day its terminal logged. Naive times,
    empty times or values that are not times are a :class:`SchemaError`.
    """
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        if ts.isna().any():
            raise SchemaError("empty time", column="ts", row=int(np.argmax(ts.isna().to_numpy())) + 1)
        return ts, None
    if pd.api.types.is_datetime64_dtype(ts.dtype):
        raise SchemaError("journal ts must be timezone-aware", column="ts")
    arrow = ts.dtype.pyarrow_dtype if isinstance(ts.dtype, pd.ArrowDtype) else None
    if arrow is not None and pa.types.is_timestamp(arrow) and arrow.tz is not None:
        # an Arrow timestamp column with its zone (Parquet, ArrowDtype): one zone, typed as such; read cell by
        # cell it took about 10 s per million rows
        if ts.isna().any():
            raise SchemaError("empty time", column="ts", row=int(np.argmax(ts.isna().to_numpy())) + 1)
        typed = pd.Series(
            ts.array.__arrow_array__().to_pandas().array, index=ts.index
        )  # by position, not label
        if isinstance(typed.dtype, pd.DatetimeTZDtype):
            return typed, None
    values = ts.to_numpy(dtype=object)
    offsets = np.zeros(len(values), dtype=np.int64)
    stamps = []
    zones: set[str] = set()
    for k, value in enumerate(values):
        try:
            stamp = None if value is None or value is pd.NA else pd.Timestamp(value)
        except (TypeError, ValueError):
            stamp = None
        if stamp is None or pd.isna(stamp):
            raise SchemaError("not a time", column="ts", row=k + 1, value=value)
        if stamp.tzinfo is None:
            raise SchemaError("journal ts must be timezone-aware", column="ts", row=k + 1, value=value)
        offsets[k] = int(stamp.utcoffset().total_seconds())
        zones.add(str(stamp.tzinfo))
        stamps.append(stamp.tz_convert("UTC"))
    if len(zones) == 1 and stamps:
        # one zone held as objects (a frame built row by row, or from Arrow): that zone, as a typed column would
        # be, so that a day is the shop's local day (it was read in UTC: a day-only proof was 8 hours off); one
        # zone only if it gives every value its own offset (two zones may print alike: "CST", +08:00 and -06:00)
        zone = values[0].tzinfo if isinstance(values[0], pd.Timestamp) else pd.Timestamp(values[0]).tzinfo
        utc = pd.DatetimeIndex(stamps, tz="UTC")
        in_zone = utc.tz_convert(zone)
        walls = in_zone.tz_localize(None).as_unit("s").asi8 - utc.tz_localize(None).as_unit("s").asi8
        if np.array_equal(walls, offsets):
            return pd.Series(in_zone, index=ts.index).dt.as_unit("ns"), None
    utc = pd.Series(
        pd.DatetimeIndex(stamps, tz="UTC") if stamps else pd.DatetimeIndex([], tz="UTC"), index=ts.index
    )
    return utc.dt.as_unit("ns"), offsets


class JournalIndex:
    """A canonical journal prepared for repeated searches.

    Build it once (``JournalIndex(journal)``) and reuse it for every proof at
    the counter. ``clock_offsets`` maps terminal ids to how many seconds the
    terminal's clock is ahead of true time, or is the frame
    :func:`receiptkit.clock_offsets` gives of a :func:`match` result (with the
    pieces of terminals whose clock jumped); times are corrected by them
    before searching. ``clock_segments`` maps terminals whose clock
    jumped to their pieces (:class:`~receiptkit.matching.clocks.ClockSegment`,
    as :func:`receiptkit.load_learned` gives them in ``Learned.clock_segments``);
    they win over the terminal's one offset, which fits one piece only.
    """

    # what a distributed run gives a slice's index of the whole journal (.partial); unset otherwise, read
    # with getattr: its channel counts (matching.channel.journal_channel_counts) and logged span in UTC
    # seconds (matching.candidates.journal_span), the kinds of full number the whole journal records
    # (matching.absence._numbers_found)
    channel_counts: np.ndarray
    journal_span_s: tuple[int, int]
    recorded_numbers: frozenset[str]

    def __init__(
        self,
        journal: pd.DataFrame,
        *,
        clock_offsets: Mapping[str, float] | pd.DataFrame | None = None,
        merchant_aliases: Mapping[str, Iterable[str]] | None = None,
        clock_segments: Mapping[str, Sequence[ClockSegment]] | None = None,
        _counts_only: bool = False,
    ) -> None:
        # _counts_only: a distributed run's slice read only for counts and clock votes (receiptkit.scale), never
        # for a verdict or a text: it is not validated (the task that gives verdicts validates its rows)
        missing = [c for c in JOURNAL_REQUIRED if c not in journal.columns]
        if missing:
            raise SchemaError(f"journal is missing required column(s): {', '.join(missing)}")
        settled = _counts_only or _is_settled(
            journal
        )  # read_journal's or validate_journal's, untouched since
        self.journal = journal.reset_index(drop=True)
        ts, offsets = _aware_times(self.journal["ts"])
        if ts is not self.journal["ts"]:
            # read cell by cell (objects, Arrow): the typed column, in their one zone or (several zones) in UTC
            # with each row's own offset kept; validate_journal does not read the objects again (1M rows: 10 s)
            self.journal["ts"] = ts
        if not settled:
            # any other frame, canonical names or not, is made canonical (typed errors naming row and column,
            # card numbers masked) or refused: a column never validated is never trusted
            self.journal = validate_journal(self.journal)
            ts = self.journal["ts"]
        elif not pd.api.types.is_integer_dtype(self.journal["amount_minor"].dtype) or (
            len(self.journal) and int(self.journal["amount_minor"].min()) < 0
        ):  # written in place since it was validated
            self.journal = validate_journal(self.journal)
            ts = self.journal["ts"]
        j = self.journal
        self.tz = ts.dt.tz
        self.ts_s = ts.dt.tz_convert("UTC").dt.as_unit("s").astype("int64").to_numpy()
        if offsets is None:
            local = ts.dt.tz_localize(None).dt.as_unit("s").astype("int64").to_numpy()
            offsets = local - self.ts_s
        self.utc_offset_s = offsets  # the zone's offset at each transaction
        # how far the rows' own zones are from the index's zone (several zones: UTC), for day windows
        own = ts.dt.tz_localize(None).dt.as_unit("s").astype("int64").to_numpy() - self.ts_s
        spread = offsets - own
        self.zone_spread_s = (int(spread.min()), int(spread.max())) if len(spread) else (0, 0)
        self.amount = j["amount_minor"].to_numpy(dtype=np.int64)
        self.currency_code, self.currencies = _codes(j["currency"])
        type_code, types = _codes(j["txn_type"])
        status_code, statuses = _codes(j["status"])
        for column, found, allowed in (("txn_type", types, TXN_TYPES), ("status", statuses, STATUSES)):
            unknown = [str(v) for v in found if v not in allowed]
            if unknown:  # "Approved" or "SALE" read as neither would drop the row silently
                raise SchemaError(f"must be one of {', '.join(allowed)}", column=column, value=unknown[0])
        debit = np.isin(types, DEBIT_TYPES)[np.maximum(type_code, 0)] & (type_code >= 0)
        credit = np.isin(types, CREDIT_TYPES)[np.maximum(type_code, 0)] & (type_code >= 0)
        approved = (statuses == "approved")[np.maximum(status_code, 0)] & (status_code >= 0)
        self.side = np.full(len(j), -1, dtype=np.int8)
        self.side[approved & debit] = 0
        self.side[approved & credit] = 1
        self.failed_side = np.full(len(j), -1, dtype=np.int8)
        self.failed_side[~approved & debit] = 0
        self.failed_side[~approved & credit] = 1
        self.terminal_code, self.terminals = _codes(j["terminal_id"])
        # every terminal id of the journal (a slice's index is told the whole journal's: partial.index_with_stats);
        # a key "<X> card" is X's card sales' clock only where no terminal is named so (clocks.card_clocks)
        self.terminal_names: frozenset[str] = frozenset(str(t) for t in self.terminals)
        # card sales: stamped by the terminal's own clock, QR rows by the channel's on an aggregator's terminal
        self.card_sale = card_sale_rows(j)
        self.merchant_code, self.merchants = _codes(j["merchant_name"])
        self.last4_code = last4_codes(j["card_last4"])
        self._txn_ids = arrow_strings(j["txn_id"])
        self._arrow: dict[str, pa.Array] = {}
        self._sorted_keys: dict[str, _SortedKeys] = {}
        self._objects: dict[str, np.ndarray] = {}
        self.txn_rank = self._rank(self._txn_ids)
        self._duplicates = self._find_duplicates()
        self.retried = self._retried_attempts()
        self._build_stats()
        self._later_rows, self._later_owner = self._later_events()
        self.clock_offsets: dict[str, float] | None = None
        self.clock_segments: dict[str, tuple[ClockSegment, ...]] = {}
        self.set_clock_offsets(*clock_inputs(clock_offsets, clock_segments))
        # offsets known before any proof is seen (kept by an earlier run): match() falls back on them
        self.kept_clock_offsets = dict(cast("dict[str, float]", self.clock_offsets))  # set just above
        self.kept_clock_segments = dict(self.clock_segments)
        self.merchant_aliases: dict[str, set[str]] = {}
        self.add_merchant_aliases(merchant_aliases or {})

    def add_merchant_aliases(self, aliases: Mapping[str, Iterable[str]]) -> None:
        """Declare other names of the journal's merchants (a legal entity, a platform's descriptor).

        Keys are journal ``merchant_name`` values or ``terminal_id`` values
        (the aliases then go to every merchant name logged on that terminal);
        keys the journal does not hold are ignored. See
        :class:`~receiptkit.matching.comparators.MerchantComparator`.
        """
        from receiptkit.matching.comparators import resolve_aliases

        for name, keys in resolve_aliases(self, aliases).items():
            self.merchant_aliases.setdefault(name, set()).update(keys)

    # ------------------------------------------------------------ row values
    @staticmethod
    def _rank(values: pa.Array) -> np.ndarray:
        """Each row's place in txn_id order: ties are broken by txn_id, never by position."""
        order = np.asarray(pc.sort_indices(values).to_numpy(zero_copy_only=False), dtype=np.int64)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    def column(self, name: str) -> pa.Array:
        """A journal text column as an Arrow string array (cached)."""
        if name not in self._arrow:
            values = self.journal[name] if name in self.journal.columns else pd.Series([None] * len(self))
            self._arrow[name] = arrow_strings(values)
        return self._arrow[name]

    def values(self, name: str, rows: np.ndarray) -> np.ndarray:
        """A text column at some rows, as Python strings (None where empty)."""
        if not len(rows):
            return np.empty(0, dtype=object)
        return np.asarray(self.column(name).take(pa.array(rows, type=pa.int64())).to_pylist(), dtype=object)

    def txn_ids(self, rows: np.ndarray) -> np.ndarray:
        """txn_id of some rows."""
        if not len(rows):
            return np.empty(0, dtype=object)
        return np.asarray(self._txn_ids.take(pa.array(rows, type=pa.int64())).to_pylist(), dtype=object)

    @property
    def txn_id(self) -> np.ndarray:
        """Every txn_id as an object array (materialised on first use; prefer :meth:`txn_ids`)."""
        if "txn_id" not in self._objects:
            self._objects["txn_id"] = np.asarray(self._txn_ids.to_pylist(), dtype=object)
        return self._objects["txn_id"]

    @property
    def last4(self) -> np.ndarray:
        """Every card last 4 as an object array (None where empty; prefer ``last4_code``)."""
        if "last4" not in self._objects:
            text = np.char.zfill(np.maximum(self.last4_code, 0).astype(str), 4).astype(object)
            text[self.last4_code < 0] = None
            self._objects["last4"] = text
        return self._objects["last4"]

    @property
    def local_date(self) -> np.ndarray:
        """Each transaction's local calendar day (datetime64[D]) as logged."""
        return ((self.ts_s + self.utc_offset_s) // 86400).astype("datetime64[D]")

    def ids(self, column: str) -> np.ndarray:
        """A reference column as an object array (None where empty; materialised on first use)."""
        if column not in self._objects:
            self._objects[column] = np.asarray(self.column(column).to_pylist(), dtype=object)
        return self._objects[column]

    def __len__(self) -> int:
        return len(self.amount)

    # ------------------------------------------------------------- lookups
    def _key_values(self, column: str) -> pa.Array:
        values = self.column(column)
        if column == "stan":  # 凭证号 is compared without leading zeros
            values = pc.utf8_ltrim(values, "0")
            values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        return values

    def lookup(self, column: str, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose ``column`` equals each query: (query position, row) pairs.

        STAN is compared without leading zeros. A few queries use binary
        searches on the column sorted once; many use one hash join.
        """
        keys = arrow_strings(np.asarray(queries, dtype=object))
        if column == "stan":
            keys = pc.utf8_ltrim(keys, "0")
        valid = np.asarray(
            pc.fill_null(pc.greater(pc.utf8_length(keys), 0), False).to_numpy(zero_copy_only=False)
        )
        present = np.flatnonzero(valid)
        e = np.empty(0, dtype=np.int64)
        if not len(present):
            return e, e.copy()
        if len(present) <= _BULK_LOOKUP:
            if column not in self._sorted_keys:
                self._sorted_keys[column] = _SortedKeys(self._key_values(column))
            table = self._sorted_keys[column]
            values = keys.take(pa.array(present)).to_pylist()
            found = [table.find(v) for v in values]
            sizes = np.array([len(f) for f in found], dtype=np.int64)
            if not sizes.sum():
                return e, e.copy()
            return np.repeat(present, sizes), np.concatenate(found).astype(np.int64)
        right = pa.table({"key": keys.take(pa.array(present)), "query": pa.array(present, type=pa.int64())})
        left = pa.table(
            {"key": self._key_values(column), "row": pa.array(np.arange(len(self)), type=pa.int64())}
        )
        joined = left.join(right, "key", join_type="inner")
        query = np.asarray(joined["query"].to_numpy(), dtype=np.int64)
        rows = np.asarray(joined["row"].to_numpy(), dtype=np.int64)
        order = np.lexsort((rows, query))
        return query[order], rows[order]

    def key_map(self, column: str) -> dict[str, np.ndarray]:
        """Rows by value of a reference column (for small journals; prefer :meth:`lookup`)."""
        values = self.ids(column)
        mapping: dict[str, list[int]] = {}
        for row, value in enumerate(values):
            if value is not None:
                mapping.setdefault(value, []).append(row)
        return {k: np.array(v, dtype=np.int64) for k, v in mapping.items()}

    # ------------------------------------------------------------------ stats
    def _build_stats(self) -> None:
        counts = np.bincount(self.last4_code[self.last4_code >= 0].astype(np.int64), minlength=10000)
        n_known = max(int(counts.sum()), 1)
        present = np.flatnonzero(counts)
        self.last4_freq = {f"{code:04d}": counts[code] / n_known for code in present}
        counts = np.bincount(self.merchant_code[self.merchant_code >= 0], minlength=len(self.merchants))
        self.merchant_share = counts / max(counts.sum(), 1)
        tcounts = np.bincount(self.terminal_code[self.terminal_code >= 0], minlength=len(self.terminals))
        self.terminal_share = tcounts / max(tcounts.sum(), 1)

    def last4_frequency(self) -> np.ndarray:
        """Share of the journal's known last 4 per code 0-9999 (from ``last4_freq``)."""
        key = id(self.last4_freq)
        cached = getattr(self, "_freq_cache", None)
        if cached is None or cached[0] != key:
            table = np.zeros(10000)
            for text, share in self.last4_freq.items():
                if isinstance(text, str) and len(text) == 4 and text.isdigit():
                    table[int(text)] = share
            self._freq_cache = (key, table)
        return self._freq_cache[1]

    def _later_events(self) -> tuple[np.ndarray, np.ndarray]:
        """Voids/refunds pointing at an original: (row of the later event, row of the original), by original."""
        has_original = self.journal["original_txn_id"].notna().to_numpy() & (self.side == 1)
        e = np.empty(0, dtype=np.int64)
        if not has_original.any():
            return e, e.copy()
        later = np.flatnonzero(has_original)
        originals = self.journal["original_txn_id"].iloc[later]
        # the few later events are the hash join's build side; the journal's ids probe it
        right = pa.table({"key": arrow_strings(originals), "later": pa.array(later, type=pa.int64())})
        left = pa.table({"key": self._txn_ids, "row": pa.array(np.arange(len(self)), type=pa.int64())})
        joined = left.join(right, "key", join_type="inner")
        later = np.asarray(joined["later"].to_numpy(), dtype=np.int64)
        owner = np.asarray(joined["row"].to_numpy(), dtype=np.int64)
        order = np.lexsort((owner, later))
        later, owner = later[order], owner[order]
        first = np.ones(len(later), dtype=bool)  # a txn_id logged twice: the first row is the original
        first[1:] = later[1:] != later[:-1]
        later, owner = later[first], owner[first]
        order = np.lexsort((self.txn_rank[later], owner))
        return later[order], owner[order]

    def later_events(self, row: int) -> list[tuple[str, str]]:
        """Voids and refunds recorded against the transaction at ``row``."""
        a = np.searchsorted(self._later_owner, row, side="left")
        b = np.searchsorted(self._later_owner, row, side="right")
        rows = self._later_rows[a:b]
        types = self.values("txn_type", rows)
        return [(str(t), str(i)) for t, i in zip(types, self.txn_ids(rows), strict=True)]

    def _find_duplicates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The same transaction logged twice: same terminal, time, amount and reference.

        Later copies (by txn_id, ties by row) are taken out of the search, so
        that one payment does not look like two candidates; matches flag them.
        Returns (rows kept, sorted; where each one's copies start in the third
        array, plus the end; the copies), all array operations: a journal
        written out four times over is as fast as one written once.
        """
        live = np.flatnonzero(self.side >= 0)
        keys = [
            self.terminal_code[live],
            self.ts_s[live],
            self.amount[live],
            self.currency_code[live],
            self.side[live],
        ]
        order = np.argsort(_key_hash(keys))
        start = _group_starts(keys, order)
        group = np.cumsum(start) - 1
        size = np.bincount(group)
        candidates = live[order][size[group] > 1]
        if not len(candidates):
            return np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int64)
        reference = pd.Series(self.values("rrn", candidates))
        for column in ("wallet_txn_id", "auth_code", "stan"):
            reference = reference.fillna(pd.Series(self.values(column, candidates)))
        ref = reference.to_numpy(dtype=object)
        has = pd.notna(ref)
        rows = candidates[has]
        if not len(rows):
            return np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int64)
        # one code per (group, reference): the copies of one transaction share it
        pair = pd.MultiIndex.from_arrays([group[size[group] > 1][has], ref[has].astype(str)])
        code = pair.factorize()[0].astype(np.int64)
        # each code's rows in txn_id order (ties by row): the first is kept, the later ones are its copies
        order = np.lexsort((rows, self.txn_rank[rows], code))
        rows, code = rows[order], code[order]
        first = np.ones(len(code), dtype=bool)
        first[1:] = code[1:] != code[:-1]
        count = np.bincount(code)
        copies = ~first & (count[code] > 1)
        keeper = np.maximum.accumulate(
            np.where(first, np.arange(len(code)), 0)
        )  # position of each code's first
        owner, copy = rows[keeper[copies]], rows[copies]
        self.side[copy] = -1
        # keepers sorted, with their copies grouped after them (in txn_id order): duplicates_of is a search
        order = np.argsort(owner, kind="stable")
        owner, copy = owner[order], copy[order]
        keepers, starts = np.unique(owner, return_index=True)
        return keepers.astype(np.int64), np.append(starts, len(copy)).astype(np.int64), copy.astype(np.int64)

    def duplicates_of(self, row: int) -> list[str]:
        """txn_ids of later copies of the transaction at ``row``."""
        keepers, starts, copies = self._duplicates
        k = int(np.searchsorted(keepers, int(row)))
        if k >= len(keepers) or keepers[k] != int(row):
            return []
        return [str(t) for t in self.txn_ids(copies[starts[k] : starts[k + 1]])]

    @property
    def duplicate_rows(self) -> np.ndarray:
        """Rows of transactions logged more than once (the copy kept; its later copies are out of the search)."""
        return self._duplicates[0]

    def _retried_attempts(self) -> np.ndarray:
        """Declined or reversed attempts followed by an approved one of the same card.

        Same terminal, side, currency and amount, the same known last 4, approved
        within ten minutes after: the customer paid with the retry, so the failed
        attempt is no rival for a proof of that payment.
        """
        retried = np.zeros(len(self), dtype=bool)
        failed = (self.failed_side >= 0) & (self.last4_code >= 0)
        if not failed.any():
            return retried
        # only rows sharing an amount with a failed attempt can be its retry
        rows = np.flatnonzero(
            ((self.failed_side >= 0) | (self.side >= 0))
            & (self.last4_code >= 0)
            & np.isin(self.amount, np.unique(self.amount[failed]))
        )
        side = np.where(self.side[rows] >= 0, self.side[rows], self.failed_side[rows])
        keys = [
            self.terminal_code[rows],
            side,
            self.currency_code[rows],
            self.amount[rows],
            self.last4_code[rows],
        ]
        # by time; within a second failed attempts before approved ones, then txn_id: never the row position
        ts = self.ts_s[rows] - self.ts_s[rows].min()
        bits = max(len(self).bit_length(), 1)
        when = ((ts * 2 + (self.side[rows] >= 0)) << bits) | self.txn_rank[rows]
        order = np.lexsort((when, _key_hash(keys)))
        group = np.cumsum(_group_starts(keys, order)) - 1
        rows = rows[order]
        # for each row, the time of the next approved row of its group
        approved = self.side[rows] >= 0
        next_ok = np.full(len(rows), np.iinfo(np.int64).max)
        positions = np.flatnonzero(approved)
        if len(positions):
            after = np.searchsorted(positions, np.arange(len(rows)), side="right")
            has = after < len(positions)
            nxt = positions[np.minimum(after, len(positions) - 1)]
            ok = has & (group[nxt] == group)
            next_ok[ok] = self.ts_s[rows[nxt[ok]]]
        failed_rows = ~approved
        retried[rows[failed_rows]] = next_ok[failed_rows] - self.ts_s[rows[failed_rows]] <= _RETRY_S
        return retried

    # ------------------------------------------------------------ clock skew
    def set_clock_offsets(
        self,
        offsets: Mapping[str, float],
        segments: Mapping[str, Sequence[ClockSegment]] | None = None,
        learned_through: Mapping[str, int | None] | None = None,
    ) -> None:
        """Use these per-terminal clock offsets (seconds ahead of true time).

        ``segments``: terminals whose clock jumped (:mod:`.clocks`), each a
        list of :class:`~receiptkit.matching.clocks.ClockSegment`; they win
        over the terminal's one offset. ``None`` keeps the segments in use.

        ``learned_through``: terminals whose offsets were learned from this
        journal's rows up to a logged time (UTC seconds; ``None``: none of its
        rows, the journal's rows differ from those learned from:
        :mod:`.journalrows`). A row logged after that, moved by a minute or
        more, may be a sale logged by a clock set right since: its logged time
        is kept as a second place (:func:`~receiptkit.matching.clocks.beyond_doubt`).
        ``None`` keeps those in use; a terminal not named has no limit.
        """
        wanted = {str(k): float(v) for k, v in offsets.items()}
        pieces = (
            self.clock_segments
            if segments is None
            else {str(k): tuple(v) for k, v in segments.items() if len(v)}
        )
        through = (
            getattr(self, "learned_through", {})
            if learned_through is None
            else {str(k): (None if v is None else int(v)) for k, v in learned_through.items()}
        )
        if (
            getattr(self, "clock_offsets", None) == wanted
            and self.clock_segments == pieces
            and getattr(self, "learned_through", {}) == through
        ):
            return  # already sorted for these offsets: a counter lookup must not re-sort the journal
        self.clock_offsets = wanted
        self.clock_segments = pieces
        self.learned_through: dict[str, int | None] = through
        per_terminal = np.zeros(len(self.terminals) + 1)
        per_card = np.zeros(len(self.terminals) + 1)  # a terminal's card sales: their own clock, if given
        cards = {owner: key for key, owner in card_clocks(self.clock_offsets, self.terminal_names).items()}
        for code, terminal in enumerate(self.terminals):
            per_terminal[code] = self.clock_offsets.get(str(terminal), 0.0)
            own = cards.get(str(terminal))
            per_card[code] = per_terminal[code] if own is None else self.clock_offsets[own]
        self.offset_s = np.rint(
            np.where(self.card_sale, per_card[self.terminal_code], per_terminal[self.terminal_code])
        ).astype(np.int64)
        self.offset_unsure = np.zeros(len(self), dtype=bool)
        alt_rows, alt_s = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
        self._doubt_stray_offsets(alt_rows, alt_s)
        for terminal, pieces_of in self.clock_segments.items():
            found: np.ndarray | list[int] = (
                np.flatnonzero(self.terminals == terminal) if len(self.terminals) else []
            )
            if not len(found):
                continue
            rows = np.flatnonzero(self.terminal_code == found[0])
            offset, unsure, where, alt = place_rows(self.ts_s[rows], pieces_of)
            self.offset_s[rows] = offset
            self.offset_unsure[rows] = unsure
            alt_rows.append(rows[where])
            alt_s.append(alt)
        # every possible place of a row whose clock segment is unclear (clocks.clock_doubt)
        self.offset_alt_rows = np.concatenate(alt_rows)
        self.offset_alt_s = np.concatenate(alt_s)
        self._beyond_learned()
        self.ts_adj = self.ts_s - self.offset_s
        self.day_adj = (self.ts_adj + self.utc_offset_s) // 86400  # corrected local day (days since 1970)
        moved = np.flatnonzero(self.offset_s != 0)
        if len(moved) and getattr(self, "zone_spread_s", (0, 0)) == (0, 0):
            # one zone: a corrected time's day is read with the zone's offset at that time, not at the logged one
            # (a terminal hours off across a DST change: 02:30 GMT logged is 00:45 BST, the same day, not the day
            # before); the day windows are the zone's (evidence.local_midnight). Several zones: each row's own
            # offset, the only one known
            stamps = pd.DatetimeIndex(self.ts_adj[moved].astype("datetime64[s]"), tz="UTC").tz_convert(
                self.tz
            )
            self.day_adj[moved] = stamps.tz_localize(None).as_unit("s").asi8 // 86400
        self._sort()

    def _beyond_learned(self) -> None:
        """The rows logged after their terminal's offset was learned, and the other places each may have.

        Each keeps the place its offset gives it. Its other possible places are
        ``beyond_rows`` with ``beyond_alt_s`` (parallel; read by
        :func:`~receiptkit.matching.clocks.beyond_doubt`): its logged time (a
        clock set right since), and the place each other clock kept for its
        terminal gives it (each clock segment's offset, its own and its card
        sales' offset): a piece learned from rows that carry another clock (an
        aggregator's QR rows carry the wallet's time) may be what places it, and
        a later sale's clock is not known to be that piece's. Only places a minute
        or more from the used one count. ``beyond_counts``: rows per terminal, for
        a note.
        """
        self.beyond_rows = np.empty(0, dtype=np.int64)
        self.beyond_alt_s = np.empty(0, dtype=np.int64)
        self.beyond_counts: dict[str, int] = {}
        if not self.learned_through or not len(self):
            return
        found: list[np.ndarray] = []
        alts: list[np.ndarray] = []
        codes = {str(t): k for k, t in enumerate(self.terminals)}
        offsets = self.clock_offsets or {}
        for terminal, through in self.learned_through.items():
            code = codes.get(terminal)
            if code is None:
                continue
            rows = np.flatnonzero(self.terminal_code == code)
            if through is not None:
                rows = rows[self.ts_s[rows] > through]
            if not len(rows):
                continue
            clocks = {0, *(int(p.offset_s) for p in self.clock_segments.get(terminal, ()))}
            for key in (terminal, f"{terminal} card"):
                if key in offsets:
                    clocks.add(round(offsets[key]))
            mine: set[int] = set()
            for alt in sorted(clocks):
                moved = rows[np.abs(self.offset_s[rows] - alt) >= BEYOND_MIN_S]
                if len(moved):
                    found.append(moved)
                    alts.append(np.full(len(moved), alt, dtype=np.int64))
                    mine.update(moved.tolist())
            if mine:
                self.beyond_counts[terminal] = len(mine)
        if found:
            rows_all, alt_all = np.concatenate(found), np.concatenate(alts)
            order = np.lexsort((alt_all, rows_all))
            self.beyond_rows, self.beyond_alt_s = rows_all[order], alt_all[order]

    def _doubt_stray_offsets(self, alt_rows: list[np.ndarray], alt_s: list[np.ndarray]) -> None:
        """Rows that a terminal's one offset would move out of the journal's period: that offset is not theirs.

        An offset given as one number (a mapping, or ``attrs["clock_offsets"]``
        without the pieces) holds for every row of its terminal. When the
        terminal's clock jumped (a battery reset), it fits the rows after the
        jump only: the rows logged before it, by a clock that was right, are
        moved by it out of the period the other terminals' rows span (more than
        a day beyond it), and the proof of such a sale would find a stranger's
        sale of its amount where its own should be. Such a row keeps its logged
        time and is *unsure* (both places kept, as a row near a known clock
        change is: :func:`~receiptkit.matching.clocks.clock_doubt`), so a proof
        near either place is not matched on time. Rows whose logged time is
        itself outside the period (a clock that lost its date) are corrected as
        given. Terminals with pieces are placed by them (the caller's loop).
        """
        if not len(self) or not len(self.terminals):
            return
        small = np.abs(self.offset_s) <= 86400
        if not small.any() or small.all():
            return
        period_lo = int((self.ts_s[small] - self.offset_s[small]).min()) - 86400
        period_hi = int((self.ts_s[small] - self.offset_s[small]).max()) + 86400
        corrected = self.ts_s - self.offset_s
        known = np.asarray(self.terminals, dtype=object)
        names = np.concatenate([known, np.array([None], dtype=object)])[self.terminal_code]  # -1: no terminal
        pieces = np.isin(names, list(self.clock_segments)) if self.clock_segments else False
        stray = (
            ~small
            & ~pieces
            & ((corrected < period_lo) | (corrected > period_hi))
            & (self.ts_s >= period_lo)
            & (self.ts_s <= period_hi)
        )
        if not stray.any():
            return
        rows = np.flatnonzero(stray)
        given = self.offset_s[rows].copy()
        self.offset_s[rows] = 0
        self.offset_unsure[rows] = True
        alt_rows.extend([rows, rows])
        alt_s.extend([np.zeros(len(rows), dtype=np.int64), given])

    def _hypothesis_groups(self) -> tuple[np.ndarray, ...]:
        """The rows that are hypotheses and each one's amount group: what the tables are sorted by besides time.

        They do not depend on clock offsets, so they are computed once (again only when the columns they are
        read from are replaced, as :mod:`.partial` replaces the currency codes).
        """
        sources = (
            self.side,
            self.failed_side,
            self.retried,
            self.currency_code,
            self.amount,
            self.last4_code,
        )
        cached = getattr(self, "_groups_cache", None)
        if cached is not None and all(a is b for a, b in zip(cached[0], sources, strict=True)):
            return cached[1]
        n = len(self)
        hypothesis = (self.side >= 0) | ((self.failed_side >= 0) & ~self.retried)
        rows = np.flatnonzero(hypothesis & (self.currency_code >= 0))
        side = np.where(self.side[rows] >= 0, self.side[rows], self.failed_side[rows]).astype(np.int64)
        failed = (self.side[rows] < 0).astype(np.int64)
        if len(rows) and (self.amount[rows].max() >= (1 << _AMOUNT_BITS) or len(self.currencies) > 255):
            raise SchemaError("amounts or currencies beyond the index's range", column="amount_minor")
        amount_key = ((side << 8 | self.currency_code[rows]) << _AMOUNT_BITS) | self.amount[rows]
        # np.unique(amount_key, return_inverse=True), by hashing: a million rows hold a few thousand amounts, so
        # only the distinct ones are sorted
        first_seen, distinct = pd.factorize(amount_key)
        order = np.argsort(distinct)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        amount_keys = np.asarray(distinct, dtype=np.int64)[order]
        group = rank[first_seen].astype(np.int64)
        has4 = (self.last4_code[rows] >= 0).astype(np.int64)
        # per journal row: the prefix of its key in the hypotheses table and in the last-4 table (-1: not in it)
        prefix = np.full(n, -1, dtype=np.int64)
        prefix[rows] = group << 2 | failed << 1 | has4
        known = rows[has4 == 1]
        prefix4 = np.full(n, -1, dtype=np.int64)
        prefix4[known] = (group[has4 == 1] << 1 | failed[has4 == 1]) << 14 | self.last4_code[known]
        out = (rows, group, amount_keys, prefix, known, prefix4)
        self._groups_cache = (sources, out)
        return out

    def _sort(self) -> None:
        n = len(self)
        self._base = int(self.ts_adj.min()) - 10**7 if n else 0
        rel = self.ts_adj - self._base
        rows, group, self._amount_keys, prefix, known, prefix4 = self._hypothesis_groups()
        self.row_group = np.full(n, -1, dtype=np.int64)  # amount group of each hypothesis row
        self.row_group[rows] = group
        # the tables as last sorted, when the groups are the same: new clock offsets move rows by seconds or
        # minutes, so the last order is nearly sorted already, and a stable sort (a merge sort that finds the
        # runs) puts it right in a fraction of the time of a sort from scratch
        last = getattr(self, "_sorted_by", None)
        again = last is not None and last is prefix
        self._sorted_by = prefix

        def table(members: np.ndarray, key_prefix: np.ndarray | None, before: np.ndarray | None):
            at = before if again and before is not None else members
            key = rel[at] if key_prefix is None else key_prefix[at] * _SHIFT + rel[at]
            order = np.argsort(key, kind="stable" if at is before else "quicksort")
            return at[order], key[order]

        # hypotheses: (amount group, failed, last 4 known) then time
        self._hyp_rows, self._hyp_key = table(rows, prefix, getattr(self, "_hyp_rows", None))
        self._group_time: np.ndarray | None = None  # (amount group, time) of every hypothesis (group_counts)
        # where each run of one (amount group, failed, last 4 known) starts: run c is [_hyp_run[c], _hyp_run[c + 1])
        codes = np.arange(len(self._amount_keys) * 4 + 1, dtype=np.int64)
        self._hyp_run = np.searchsorted(self._hyp_key, codes * _SHIFT)
        # the same rows with a known last 4: (amount group, failed, last 4) then time
        self._l4_rows, self._l4_key = table(known, prefix4, getattr(self, "_l4_rows", None))
        by_time = getattr(self, "_by_time", {})
        self._by_time: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for s in (0, 1):
            approved = np.flatnonzero(self.side == s)
            before = by_time[s][0] if s in by_time else None
            self._by_time[s] = table(approved, None, before)

    def currency_codes_of(self, currencies: np.ndarray) -> np.ndarray:
        """Journal currency code of each given ISO code (-1 when the journal has none)."""
        lookup = {c: i for i, c in enumerate(self.currencies)}
        return np.array([lookup.get(c, -1) for c in currencies], dtype=np.int64)

    # -------------------------------------------------------------- searches
    def fx_amount_groups(
        self, side: np.ndarray, currency: np.ndarray, amount: np.ndarray, policy: object
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per billing rate of ``policy.fx_rates``: the amount groups of the journal's currency an amount in the
        proof's currency may be billed from (the ``fx`` band: ``fx_tolerance`` either way, ``fx_fee_max`` on top).

        Returns one (positions among the given amounts, amount group) pair of arrays per rate that applies; a
        position appears once per group in its band. Candidates are sought in these bands
        (:mod:`.candidates`), and so are a clock doubt's rivals (:mod:`.clocks`).
        """
        from receiptkit.money import exponent

        out = []
        rates = getattr(policy, "fx_rates", None) or {}
        for (journal_cur, proof_cur), rate in rates.items():
            mask = np.flatnonzero(currency == proof_cur)
            code = self.currency_codes_of(np.array([journal_cur]))[0]
            if not len(mask) or code < 0:
                continue
            scale = float(rate) * 10.0 ** (exponent(proof_cur) - exponent(journal_cur))
            tol, fee = float(policy.fx_tolerance), float(policy.fx_fee_max)  # type: ignore[attr-defined]
            value = amount[mask].astype(float)
            low = np.ceil(value / (scale * (1 + tol) * (1 + fee)) - 1e-9).astype(np.int64)
            high = np.floor(value / (scale * (1 - tol)) + 1e-9).astype(np.int64)
            a, b = self.amount_group_range(side[mask], np.full(len(mask), code), low, high)
            owner, group = _expand(a, b)
            out.append((mask[owner], group))
        return out

    def amount_groups(self, side: np.ndarray, cur: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """The index's group of each (side, currency code, amount); -1 when the journal has none."""
        key = ((side.astype(np.int64) << 8 | np.maximum(cur, 0)) << _AMOUNT_BITS) | np.maximum(amount, 0)
        rank = np.searchsorted(self._amount_keys, key)
        found = (rank < len(self._amount_keys)) & (cur >= 0) & (amount >= 0) & (amount < (1 << _AMOUNT_BITS))
        found[found] = self._amount_keys[rank[found]] == key[found]
        return np.where(found, rank, -1)

    def amount_group_range(
        self, side: np.ndarray, cur: np.ndarray, low: np.ndarray, high: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """[first, stop) of the groups of amounts low..high (inclusive) of a side and currency."""
        prefix = (side.astype(np.int64) << 8 | np.maximum(cur, 0)) << _AMOUNT_BITS
        top = (1 << _AMOUNT_BITS) - 1
        a = np.searchsorted(self._amount_keys, prefix | np.clip(low, 0, top), side="left")
        b = np.searchsorted(self._amount_keys, prefix | np.clip(high, 0, top), side="right")
        b = np.where((cur >= 0) & (high >= low), b, a)
        return a, b

    def hypothesis_ranges(
        self, group: np.ndarray, failed: int, has4: int, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """[start, stop) in the hypotheses table of a group and class, times lo..hi (inclusive)."""
        return self.hypothesis_classes(group, lo, hi, ((failed, has4),))[0]

    def hypothesis_classes(
        self,
        group: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        classes: Sequence[tuple[int, int]] = ((0, 0), (0, 1), (1, 0), (1, 1)),
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`hypothesis_ranges` of each (failed, last 4 known) class, for the same windows."""
        group = np.asarray(group, dtype=np.int64)
        base = np.maximum(group, 0) << 2
        low, high = np.maximum(lo - self._base, 0), np.maximum(hi - self._base, -1)
        outside = (low >= _SHIFT) | (high >= _SHIFT)  # beyond any run: always searched
        valid = (group >= 0) & (hi >= lo)
        last = len(self._hyp_run) - 1
        out = []
        for failed, has4 in classes:
            code = base | (failed << 1 | has4)
            # a run without rows (most groups have no declined attempt) is not searched: both ends are where
            # it would start, as a search finds them
            a = self._hyp_run[np.minimum(code, last)]
            searched = (self._hyp_run[np.minimum(code + 1, last)] > a) | outside
            if searched.all():
                key = code * _SHIFT
                a, b = _both_ends(self._hyp_key, key + low, key + high)
            else:
                b = a.copy()
                at = np.flatnonzero(searched)
                if len(at):
                    key = code[at] * _SHIFT
                    a[at], b[at] = _both_ends(self._hyp_key, key + low[at], key + high[at])
            out.append((a, np.where(valid, np.maximum(b, a), a)))
        return out

    def group_counts(self, group: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """How many hypotheses of an amount group, of any class, fall in each window lo..hi (inclusive).

        What the four :meth:`hypothesis_classes` ranges add up to, with one search per end.
        """
        if self._group_time is None:
            # the hypotheses keyed by (group, time): per group, the four classes' sorted runs merged
            group_of, when = np.divmod(self._hyp_key, _SHIFT)
            self._group_time = np.sort((group_of >> 2) * _SHIFT + when, kind="stable")
        group = np.asarray(group, dtype=np.int64)
        key = np.maximum(group, 0) * _SHIFT
        a, b = _both_ends(
            self._group_time, key + np.maximum(lo - self._base, 0), key + np.maximum(hi - self._base, -1)
        )
        return np.where((group >= 0) & (hi >= lo), np.maximum(b - a, 0), 0)

    def hypothesis_rows(self, positions: np.ndarray) -> np.ndarray:
        """Journal rows at positions of the hypotheses table."""
        return self._hyp_rows[positions]

    def last4_ranges(
        self, group: np.ndarray, failed: int, last4: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """[start, stop) in the last-4 table of a group, class and last 4, times lo..hi."""
        key = ((np.maximum(group, 0) << 1 | failed) << 14 | np.maximum(last4, 0).astype(np.int64)) * _SHIFT
        a, b = _both_ends(
            self._l4_key, key + np.maximum(lo - self._base, 0), key + np.maximum(hi - self._base, -1)
        )
        b = np.where((group >= 0) & (last4 >= 0) & (hi >= lo), np.maximum(b, a), a)
        return a, b

    def last4_rows(self, positions: np.ndarray) -> np.ndarray:
        """Journal rows at positions of the last-4 table."""
        return self._l4_rows[positions]

    def exact_pairs(
        self, side: np.ndarray, cur: np.ndarray, amount: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[Pairs, np.ndarray]:
        """Approved same-currency, same-amount transactions in each query's window.

        Returns the pairs and, per query, how many there are.
        """
        group = self.amount_groups(side, cur, amount)
        parts, counts = [], np.zeros(len(side), dtype=np.int64)
        for has4 in (0, 1):
            a, b = self.hypothesis_ranges(group, 0, has4, lo, hi)
            counts += b - a
            owner, position = _expand(a, b)
            rows = self._hyp_rows[position]
            parts.append(Pairs(owner, rows, np.zeros(len(rows), dtype=np.int8)))
        return Pairs.concat(parts), counts

    def failed_counts(
        self, side: np.ndarray, cur: np.ndarray, amount: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """How many declined or reversed attempts (not retried) of that amount fall in each window."""
        group = self.amount_groups(side, cur, amount)
        total = np.zeros(len(side), dtype=np.int64)
        for has4 in (0, 1):
            a, b = self.hypothesis_ranges(group, 1, has4, lo, hi)
            total += b - a
        return total

    def window_counts(self, side: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """How many approved transactions of the side fall in each window (any amount)."""
        counts = np.zeros(len(side), dtype=np.int64)
        for s in (0, 1):
            mask = side == s
            if not mask.any():
                continue
            _, rel = self._by_time[s]
            a, b = _both_ends(rel, lo[mask] - self._base, hi[mask] - self._base)
            counts[mask] = b - a
        return counts
