"""The journal, indexed once for fast candidate search (blocking).

:class:`JournalIndex` turns the canonical journal into sorted numpy arrays:
transactions by (currency, amount, corrected time) for the exact-amount search,
by (currency, time) for foreign-currency bank lines and window counts, and
hash maps for the reference keys (wallet transaction number, merchant order
number, RRN, auth code). Building it is one sort; each search is a binary
search. The same index serves one proof at the counter (:func:`find`) and a
month of proofs in bulk (:func:`match`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from receiptkit.errors import SchemaError
from receiptkit.schema import JOURNAL_REQUIRED

__all__ = ["CREDIT_TYPES", "DEBIT_TYPES", "JournalIndex", "Pairs"]

DEBIT_TYPES = ("sale", "completion")
CREDIT_TYPES = ("refund", "void")
_SHIFT = np.int64(1) << np.int64(33)


@dataclass
class Pairs:
    """Candidate (proof, transaction) pairs found by a search, as parallel arrays."""

    proof: np.ndarray  # position in the proofs frame
    txn: np.ndarray  # position in the journal
    route: np.ndarray  # 0 exact amount, 1 foreign currency, 2 reference key

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


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _expand(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [start, stop) per owner, the (owner, position) of every element."""
    counts = np.maximum(stops - starts, 0)
    total = int(counts.sum())
    owners = np.repeat(np.arange(len(starts), dtype=np.int64), counts)
    if total == 0:
        return owners, np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return owners, np.arange(total, dtype=np.int64) + offsets


class JournalIndex:
    """A canonical journal prepared for repeated searches.

    Build it once (``JournalIndex(journal)``) and reuse it for every proof at
    the counter. ``clock_offsets`` maps terminal ids to how many seconds the
    terminal's clock is ahead of true time (as estimated by :func:`match`,
    available in ``result.attrs["clock_offsets"]``); times are corrected by
    them before searching.
    """

    def __init__(self, journal: pd.DataFrame, *, clock_offsets: Mapping[str, float] | None = None) -> None:
        missing = [c for c in JOURNAL_REQUIRED if c not in journal.columns]
        if missing:
            raise SchemaError(f"journal is missing required column(s): {', '.join(missing)}")
        self.journal = journal.reset_index(drop=True)
        j = self.journal
        ts = j["ts"]
        if getattr(ts.dt, "tz", None) is None:
            raise SchemaError("journal ts must be timezone-aware", column="ts")
        self.tz = ts.dt.tz
        self.ts_s = ts.dt.tz_convert("UTC").dt.as_unit("s").astype("int64").to_numpy()
        self.amount = j["amount_minor"].to_numpy(dtype=np.int64)
        self.currency_code, self.currencies = _codes(j["currency"])
        txn_type = j["txn_type"].astype(str).to_numpy()
        status = j["status"].astype(str).to_numpy()
        approved = status == "approved"
        self.side = np.full(len(j), -1, dtype=np.int8)
        self.side[approved & np.isin(txn_type, DEBIT_TYPES)] = 0
        self.side[approved & np.isin(txn_type, CREDIT_TYPES)] = 1
        self.failed_side = np.full(len(j), -1, dtype=np.int8)
        self.failed_side[~approved & np.isin(txn_type, DEBIT_TYPES)] = 0
        self.failed_side[~approved & np.isin(txn_type, CREDIT_TYPES)] = 1
        self.terminal_code, self.terminals = _codes(j["terminal_id"])
        self.merchant_code, self.merchants = _codes(j["merchant_name"])
        self.last4 = j["card_last4"].astype(object).where(j["card_last4"].notna(), None).to_numpy()
        self.txn_id = j["txn_id"].astype(str).to_numpy()
        self._ids = {
            column: j[column].astype(object).where(j[column].notna(), None).to_numpy()
            for column in ("wallet_txn_id", "order_no", "rrn", "auth_code", "stan")
        }
        self.local_date = ts.dt.tz_convert(self.tz).dt.tz_localize(None).dt.normalize().to_numpy()
        self._key_maps: dict[str, dict[str, np.ndarray]] = {}
        self._duplicates = self._find_duplicates()
        self._build_stats()
        self._later = self._later_events()
        self.set_clock_offsets(clock_offsets or {})
        for column in ("wallet_txn_id", "order_no", "rrn"):
            self.key_map(column)  # built now, so the first counter lookup is as fast as the next

    # ------------------------------------------------------------------ stats
    def _build_stats(self) -> None:
        known = pd.Series(self.last4[self.last4 != None])  # noqa: E711
        n_known = max(len(known), 1)
        self.last4_freq = (known.value_counts() / n_known).to_dict()
        counts = np.bincount(self.merchant_code[self.merchant_code >= 0], minlength=len(self.merchants))
        self.merchant_share = counts / max(counts.sum(), 1)
        tcounts = np.bincount(self.terminal_code[self.terminal_code >= 0], minlength=len(self.terminals))
        self.terminal_share = tcounts / max(tcounts.sum(), 1)

    def _later_events(self) -> dict[int, list[tuple[str, str]]]:
        """Map an original transaction's row to the voids/refunds that point at it."""
        j = self.journal
        later: dict[int, list[tuple[str, str]]] = {}
        has_original = j["original_txn_id"].notna() & (self.side == 1)
        if not has_original.any():
            return later
        position = pd.Series(np.arange(len(j)), index=j["txn_id"].astype(str))
        position = position[~position.index.duplicated()]
        for _, row in j[has_original].iterrows():
            original = position.get(str(row["original_txn_id"]))
            if original is not None:
                later.setdefault(int(original), []).append((str(row["txn_type"]), str(row["txn_id"])))
        return later

    def _find_duplicates(self) -> dict[int, list[int]]:
        """The same transaction logged twice: same terminal, time, amount and reference.

        Later copies (by txn_id) are taken out of the search, so that one
        payment does not look like two candidates; matches flag them.
        """
        j = self.journal
        reference = j["rrn"].fillna(j["wallet_txn_id"]).fillna(j["auth_code"]).fillna(j["stan"])
        key = pd.DataFrame(
            {
                "terminal": self.terminal_code,
                "ts": self.ts_s,
                "amount": self.amount,
                "cur": self.currency_code,
                "side": self.side,
                "ref": reference.astype(object).where(reference.notna(), None),
                "txn": self.txn_id,
            }
        )
        key = key[(key["side"] >= 0) & key["ref"].notna()]
        dup = key.duplicated(["terminal", "ts", "amount", "cur", "side", "ref"], keep=False)
        groups: dict[int, list[int]] = {}
        if not dup.any():
            return groups
        for _, group in (
            key[dup].sort_values("txn").groupby(["terminal", "ts", "amount", "cur", "side", "ref"])
        ):
            rows = group.index.to_list()
            groups[rows[0]] = rows[1:]
            self.side[rows[1:]] = -1
        return groups

    def duplicates_of(self, row: int) -> list[str]:
        """txn_ids of later copies of the transaction at ``row``."""
        return [str(self.txn_id[r]) for r in self._duplicates.get(int(row), [])]

    def later_events(self, row: int) -> list[tuple[str, str]]:
        """Voids and refunds recorded against the transaction at ``row``."""
        return self._later.get(int(row), [])

    def key_map(self, column: str) -> dict[str, np.ndarray]:
        """Rows by value of a reference column (built on first use)."""
        if column not in self._key_maps:
            values = pd.Series(self._ids[column], dtype=object)
            present = values.notna().to_numpy()
            rows = np.flatnonzero(present)
            keys = values.to_numpy()[present]
            mapping: dict[str, np.ndarray] = dict(
                zip(keys, rows[:, None], strict=True)
            )  # C-level for unique keys
            repeated = pd.Series(keys).duplicated(keep=False).to_numpy()
            if repeated.any():
                for key, group in pd.Series(rows[repeated]).groupby(keys[repeated]):
                    mapping[key] = group.to_numpy()
            self._key_maps[column] = mapping
        return self._key_maps[column]

    def ids(self, column: str) -> np.ndarray:
        """The reference column as an object array (None where empty)."""
        return self._ids[column]

    # ------------------------------------------------------------ clock skew
    def set_clock_offsets(self, offsets: Mapping[str, float]) -> None:
        """Use these per-terminal clock offsets (seconds ahead of true time)."""
        wanted = {str(k): float(v) for k, v in offsets.items()}
        if getattr(self, "clock_offsets", None) == wanted:
            return  # already sorted for these offsets: a counter lookup must not re-sort the journal
        self.clock_offsets = wanted
        per_terminal = np.zeros(len(self.terminals) + 1)
        for code, terminal in enumerate(self.terminals):
            per_terminal[code] = self.clock_offsets.get(str(terminal), 0.0)
        self.offset_s = np.rint(per_terminal[self.terminal_code]).astype(np.int64)
        self.ts_adj = self.ts_s - self.offset_s
        self._sort()

    def _sort(self) -> None:
        self._base = int(self.ts_adj.min()) - 10**7 if len(self.ts_adj) else 0
        rel = self.ts_adj - self._base
        self._by_amount: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._by_time: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._by_cur_time: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._failed: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for side in (0, 1):
            rows = np.flatnonzero(self.side == side)
            self._by_amount[side] = self._amount_sorted(rows, rel)
            order = rows[np.argsort(rel[rows], kind="stable")]
            self._by_time[side] = (order, rel[order])
            ct = self.currency_code[rows] * _SHIFT + rel[rows]
            corder = np.argsort(ct, kind="stable")
            self._by_cur_time[side] = (rows[corder], ct[corder])
            failed = np.flatnonzero(self.failed_side == side)
            self._failed[side] = self._amount_sorted(failed, rel)

    def _amount_sorted(self, rows: np.ndarray, rel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        akey = self.currency_code[rows] * (np.int64(1) << np.int64(44)) + self.amount[rows]
        uniques, inverse = np.unique(akey, return_inverse=True)
        composite = inverse.astype(np.int64) * _SHIFT + rel[rows]
        order = np.argsort(composite, kind="stable")
        return rows[order], composite[order], uniques

    def currency_codes_of(self, currencies: np.ndarray) -> np.ndarray:
        """Journal currency code of each given ISO code (-1 when the journal has none)."""
        lookup = {c: i for i, c in enumerate(self.currencies)}
        return np.array([lookup.get(c, -1) for c in currencies], dtype=np.int64)

    # -------------------------------------------------------------- searches
    def amount_ranges(
        self,
        side: np.ndarray,
        cur: np.ndarray,
        amount: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        *,
        failed=False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each query, the [start, stop) range of same-amount rows in [lo, hi].

        Returns (starts, stops, sorted_rows_by_side) where sorted rows differ
        per side; ranges index into the side's sorted array, and the caller
        gets rows through :meth:`rows_in`.
        """
        starts = np.zeros(len(side), dtype=np.int64)
        stops = np.zeros(len(side), dtype=np.int64)
        tables = self._failed if failed else self._by_amount
        for s in (0, 1):
            mask = side == s
            if not mask.any():
                continue
            _rows, composite, uniques = tables[s]
            akey = cur[mask] * (np.int64(1) << np.int64(44)) + amount[mask]
            rank = np.searchsorted(uniques, akey)
            found = (rank < len(uniques)) & (cur[mask] >= 0)
            found[found] = uniques[rank[found]] == akey[found]
            lo_key = rank * _SHIFT + (lo[mask] - self._base)
            hi_key = rank * _SHIFT + (hi[mask] - self._base)
            a = np.searchsorted(composite, lo_key, side="left")
            b = np.searchsorted(composite, hi_key, side="right")
            a[~found] = 0
            b[~found] = 0
            starts[mask] = a
            stops[mask] = b
        return starts, stops, np.empty(0)

    def exact_pairs(
        self, side: np.ndarray, cur: np.ndarray, amount: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[Pairs, np.ndarray]:
        """Same-currency, same-amount transactions in each query's window.

        Returns the pairs and, per query, how many there are (the base rate
        of that amount in that window).
        """
        counts = np.zeros(len(side), dtype=np.int64)
        parts = []
        for s in (0, 1):
            mask = np.flatnonzero(side == s)
            if not len(mask):
                continue
            starts, stops, _ = self.amount_ranges(side[mask], cur[mask], amount[mask], lo[mask], hi[mask])
            counts[mask] = stops - starts
            owner, position = _expand(starts, stops)
            rows = self._by_amount[s][0][position]
            parts.append(Pairs(mask[owner], rows, np.zeros(len(rows), dtype=np.int8)))
        return Pairs.concat(parts), counts

    def failed_counts(
        self, side: np.ndarray, cur: np.ndarray, amount: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """How many declined or reversed attempts of that amount fall in each window."""
        starts, stops, _ = self.amount_ranges(side, cur, amount, lo, hi, failed=True)
        return stops - starts

    def window_counts(self, side: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """How many approved transactions of the side fall in each window (any amount)."""
        counts = np.zeros(len(side), dtype=np.int64)
        for s in (0, 1):
            mask = side == s
            if not mask.any():
                continue
            _, rel = self._by_time[s]
            a = np.searchsorted(rel, lo[mask] - self._base, side="left")
            b = np.searchsorted(rel, hi[mask] - self._base, side="right")
            counts[mask] = b - a
        return counts

    def currency_window_rows(
        self, side: np.ndarray, cur: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(query, row) of every approved transaction of currency ``cur`` in each window."""
        owners_all, rows_all = [], []
        for s in (0, 1):
            mask = np.flatnonzero((side == s) & (cur >= 0))
            if not len(mask):
                continue
            rows, keys = self._by_cur_time[s]
            a = np.searchsorted(keys, cur[mask] * _SHIFT + (lo[mask] - self._base), side="left")
            b = np.searchsorted(keys, cur[mask] * _SHIFT + (hi[mask] - self._base), side="right")
            owner, position = _expand(a, b)
            owners_all.append(mask[owner])
            rows_all.append(rows[position])
        if not owners_all:
            e = np.empty(0, dtype=np.int64)
            return e, e.copy()
        return np.concatenate(owners_all), np.concatenate(rows_all)
