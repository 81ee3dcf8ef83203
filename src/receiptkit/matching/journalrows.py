"""Which journal rows a kept clock offset was learned from: per terminal, a period and a fingerprint.

A clock offset is learned from the rows a journal held when ``reconcile``
ran. The counter may later see another journal under the same name: a month
that went on (sales logged after the offset was learned, perhaps by a clock
that was set right since), or a new export whose rows differ (a vendor's
export that corrected the times, sales added late). The learned file keeps,
per terminal, the logged time of the last row it was learned from
(``through``), how many rows there were up to then and an order-free digest
of their ``(logged second, amount)`` pairs (:func:`terminal_rows`): what an
offset is learned from and applied to. At the counter
the same is computed on the journal in hand (:func:`rows_up_to`); a terminal
whose rows up to ``through`` are the ones learned from keeps its offset as
known up to ``through``; one whose rows differ has no row known
(:class:`~receiptkit.matching.JournalIndex` ``learned_through``, and
:func:`~receiptkit.matching.clocks.beyond_doubt` for what follows).

The digest is for telling a changed journal apart, not a seal against
someone forging one: the audit log is where evidence is sealed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TerminalRows", "journal_first_rows", "rows_up_to", "terminal_rows"]


@dataclass(frozen=True)
class TerminalRows:
    """One terminal's rows as learned from: the last logged time (UTC seconds), how many, their digest."""

    through_s: int
    rows: int
    digest: str

    def record(self) -> dict[str, object]:
        """The learned file's entry."""
        through = pd.Timestamp(self.through_s, unit="s", tz="UTC").isoformat()
        return {"through": through, "rows": self.rows, "digest": self.digest}

    @classmethod
    def from_record(cls, entry: object) -> TerminalRows:
        """Read a learned file's entry; ``ValueError`` naming what is wrong."""
        if not isinstance(entry, dict):
            raise ValueError("journal rows entry is not a mapping")
        rows, digest, through = entry.get("rows"), entry.get("digest"), entry.get("through")
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
            raise ValueError(f"journal rows: 'rows' is not a count: {rows!r}")
        if (
            not isinstance(digest, str)
            or len(digest) != 16
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise ValueError(f"journal rows: 'digest' is not 16 hex digits: {digest!r}")
        try:
            stamp = pd.Timestamp(str(through))
        except ValueError:
            raise ValueError(f"journal rows: 'through' is not a time: {through!r}") from None
        if not isinstance(through, str) or stamp.tzinfo is None:
            raise ValueError(f"journal rows: 'through' is not a time with its zone: {through!r}")
        return cls(int(stamp.tz_convert("UTC").as_unit("s").value // 10**9), rows, digest)


def _arrays(journal: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Terminal codes (-1: none) and names, the per-row hash of (logged second, amount) and the logged seconds.

    The times and amounts are what a clock offset is learned from and applied to; ids are not hashed
    (Arrow text to Python objects is most of the cost: about 1 s per million rows).
    """
    codes, names = pd.factorize(journal["terminal_id"])
    ts_s = pd.to_datetime(journal["ts"], utc=True).dt.as_unit("s").astype("int64").to_numpy()
    amounts = pd.to_numeric(journal["amount_minor"]).to_numpy(dtype=np.int64)
    times = pd.util.hash_array(ts_s.astype(np.uint64))
    with np.errstate(over="ignore"):
        row_hash = times * np.uint64(0x100000001B3) ^ pd.util.hash_array(amounts.astype(np.uint64))
    return np.asarray(codes), np.asarray(names, dtype=object).astype(str), row_hash, ts_s


def _sums(
    codes: np.ndarray, names: np.ndarray, row_hash: np.ndarray, ts_s: np.ndarray
) -> dict[str, TerminalRows]:
    keep = codes >= 0
    codes, row_hash, ts_s = codes[keep], row_hash[keep], ts_s[keep]
    if not len(codes):
        return {}
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    # an order-free digest: the sum of the row hashes, wrapping at 2**64 (np.add on uint64 wraps)
    sums = np.add.reduceat(row_hash[order], starts, dtype=np.uint64)
    last = np.maximum.reduceat(ts_s[order], starts)
    counts = np.diff(np.r_[starts, len(codes)])
    return {
        str(names[codes[s]]): TerminalRows(int(t), int(c), f"{int(h):016x}")
        for s, t, c, h in zip(starts, last, counts, sums, strict=True)
    }


def terminal_rows(journal: pd.DataFrame) -> dict[str, TerminalRows]:
    """Per terminal id, its rows in ``journal``: the last logged time, how many, their digest."""
    return _sums(*_arrays(journal))


def rows_up_to(journal: pd.DataFrame, through: dict[str, int]) -> dict[str, TerminalRows]:
    """Per terminal of ``through``, its rows logged up to that time (UTC seconds) in ``journal``.

    A terminal with no row up to then is left out.
    """
    if not through:
        return {}
    codes, names, row_hash, ts_s = _arrays(journal)
    per_code = pd.Series(through, dtype="float64").reindex(names).to_numpy()
    limit = np.append(per_code, np.nan)[codes]  # -1 (no terminal) reads the appended NaN
    keep = ~np.isnan(limit) & (ts_s <= np.nan_to_num(limit, nan=-np.inf))
    return _sums(np.where(keep, codes, -1), names, row_hash, ts_s)


def journal_first_rows(journal: pd.DataFrame) -> dict[str, int]:
    """Per terminal id, the logged time (UTC seconds) of its first row in ``journal``."""
    codes, names, _, ts_s = _arrays(journal)
    keep = codes >= 0
    if not keep.any():
        return {}
    first = pd.Series(ts_s[keep]).groupby(codes[keep]).min()
    return {str(names[c]): int(v) for c, v in first.items()}
