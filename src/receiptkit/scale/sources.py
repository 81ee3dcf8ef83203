"""Inputs of :func:`~receiptkit.scale.match_dask` as lists of lazy pandas partitions.

A journal comes as a folder of date-partitioned Parquet files (read one file
per task), a dask DataFrame, or a pandas DataFrame; proofs as a Parquet file
or folder, a dask DataFrame or a pandas DataFrame. Every journal partition
gets a ``_row`` column: a number that orders the rows as the whole journal
does, so that a slice keeps the rows in the journal's order.

Transactions logged in the same second on the same terminal (a journal
duplicate) must share a partition: Parquet folders are by date, a pandas
journal is split by date here, and a dask journal is shuffled by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from dask import delayed
from dask.delayed import Delayed

from receiptkit.scale.parquet import journal_files

__all__ = ["JournalSource", "ProofSource", "journal_source", "proof_source"]

ROW = "_row"
PART_SHIFT = 32  # _row = partition number << 32 | position in the partition


def _with_rows(frame: pd.DataFrame, number: int) -> pd.DataFrame:
    out = frame.reset_index(drop=True)
    out[ROW] = (np.int64(number) << np.int64(PART_SHIFT)) + np.arange(len(out), dtype=np.int64)
    return out


def _project(frame: pd.DataFrame, columns: Sequence[str] | None) -> pd.DataFrame:
    if columns is None:
        return frame
    return frame[[c for c in columns if c in frame.columns]]


def _read_file(path: str, number: int, columns: Sequence[str] | None) -> pd.DataFrame:
    wanted = None if columns is None else [c for c in columns if c != ROW]
    return _project(_with_rows(pd.read_parquet(path, columns=wanted), number), columns)


@dataclass
class JournalSource:
    """The journal's partitions, each a lazy pandas frame with a ``_row`` column."""

    _parts: list[Any]  # file paths, or Delayed frames that already carry _row
    meta: pd.DataFrame

    def __len__(self) -> int:
        return len(self._parts)

    def part(self, number: int, columns: Sequence[str] | None = None) -> Delayed:
        """Partition ``number``, only ``columns`` (and ``_row``) when given."""
        item = self._parts[number]
        wanted = None if columns is None else [*columns, ROW]
        if isinstance(item, str):
            return delayed(_read_file, pure=True)(item, number, wanted)
        return delayed(_project, pure=True)(item, wanted)


@dataclass
class ProofSource:
    """The proofs' partitions, each a lazy pandas frame, in the proofs' order."""

    parts: list[Delayed]


def _day_key(frame: pd.DataFrame) -> pd.Series:
    ts = frame["ts"]
    return ts.dt.tz_convert(ts.dt.tz).dt.strftime("%Y-%m-%d")


def journal_source(journal: Any) -> JournalSource:
    """Wrap a journal folder (str or Path), a dask DataFrame or a pandas DataFrame."""
    import dask.dataframe as dd

    if isinstance(journal, str | Path):
        files = journal_files(journal)
        meta = pd.read_parquet(files[0]).iloc[:0]
        return JournalSource([str(f) for f in files], meta)
    if isinstance(journal, pd.DataFrame):
        frame = journal.reset_index(drop=True)
        frame[ROW] = np.arange(len(frame), dtype=np.int64)
        days = _day_key(frame) if len(frame) else pd.Series([], dtype=object)
        parts = [delayed(rows, pure=True) for _, rows in frame.groupby(days, sort=True)]
        if not parts:
            parts = [delayed(frame, pure=True)]
        return JournalSource(parts, journal.iloc[:0])
    if isinstance(journal, dd.DataFrame):
        meta = journal._meta
        numbered = journal.map_partitions(_number_partition, meta=meta.assign(**{ROW: np.int64(0)}))
        shuffled = numbered.shuffle(numbered["ts"].dt.strftime("%Y-%m-%d"), shuffle_method="tasks")
        return JournalSource(list(shuffled.to_delayed()), meta)
    raise TypeError(f"journal must be a Parquet folder, a dask or a pandas DataFrame, not {type(journal)!r}")


def _number_partition(frame: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
    number = 0 if partition_info is None else int(partition_info["number"])
    return _with_rows(frame, number)


def proof_source(proofs: Any, *, rows_per_part: int = 200_000) -> ProofSource:
    """Wrap proofs given as a Parquet path, a dask DataFrame or a pandas DataFrame."""
    import dask.dataframe as dd

    if isinstance(proofs, str | Path):
        return ProofSource(list(dd.read_parquet(str(proofs)).to_delayed()))
    if isinstance(proofs, pd.DataFrame):
        frame = proofs.reset_index(drop=True)
        starts = range(0, max(len(frame), 1), rows_per_part)
        return ProofSource([delayed(frame.iloc[s : s + rows_per_part], pure=True) for s in starts])
    if isinstance(proofs, dd.DataFrame):
        return ProofSource(list(proofs.to_delayed()))
    raise TypeError(f"proofs must be a Parquet path, a dask or a pandas DataFrame, not {type(proofs)!r}")
