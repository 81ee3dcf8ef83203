"""A journal on disk as a folder of Parquet files, one folder per local date.

Layout (hive style, readable by dask, pyarrow, DuckDB or Spark)::

    journal/
      date=2026-11-01/part-0.parquet
      date=2026-11-02/part-0.parquet
      ...

The date is the calendar day of ``ts`` in the journal's own time zone, so a
transaction logged twice (same terminal and second) always sits in one file.
Column types, the time zone of ``ts`` included, round-trip through the
pandas metadata Parquet keeps.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from receiptkit.errors import SchemaError
from receiptkit.schema import STRING

__all__ = ["journal_files", "load_journal_parquet", "read_journal_parquet", "write_journal_parquet"]

_PREFIX = "date="


def write_journal_parquet(
    journal: pd.DataFrame, folder: str | Path, *, rows_per_file: int | None = None
) -> list[Path]:
    """Write a canonical journal to ``folder`` as one sub-folder of Parquet files per local date.

    Rows keep their order within a date. ``rows_per_file`` splits a busy day
    into several files (``part-0.parquet``, ``part-1.parquet``, ...). An
    existing ``date=`` sub-folder is replaced; returns the files written.
    """
    folder = Path(folder)
    ts = journal["ts"]
    if getattr(ts.dt, "tz", None) is None:
        raise SchemaError("journal ts must be timezone-aware to be partitioned by local date", column="ts")
    days = ts.dt.tz_convert(ts.dt.tz).dt.strftime("%Y-%m-%d")
    written: list[Path] = []
    for day, rows in journal.groupby(days, sort=True):
        target = folder / f"{_PREFIX}{day}"
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("part-*.parquet"):
            old.unlink()
        size = rows_per_file or max(len(rows), 1)
        for k, start in enumerate(range(0, len(rows), size)):
            path = target / f"part-{k}.parquet"
            rows.iloc[start : start + size].reset_index(drop=True).to_parquet(path, index=False)
            written.append(path)
    return written


def journal_files(folder: str | Path) -> list[Path]:
    """The Parquet files of a date-partitioned journal folder, in date then part order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no journal folder at {folder}")

    def key(path: Path) -> tuple[str, int]:
        return (path.parent.name, int(path.stem.split("-")[-1]) if path.stem.split("-")[-1].isdigit() else 0)

    files = sorted(folder.glob(f"{_PREFIX}*/*.parquet"), key=key)
    if not files:
        raise FileNotFoundError(f"no {_PREFIX}YYYY-MM-DD/*.parquet files in {folder}")
    return files


def read_journal_parquet(folder: str | Path, *, columns: list[str] | None = None):
    """The journal folder as a dask DataFrame, one partition per file, in date order.

    Nothing is read until the frame is computed.
    """
    import dask.dataframe as dd
    from dask import delayed

    files = journal_files(folder)
    meta = _read_file(files[0], columns).iloc[:0]
    parts = [delayed(_read_file)(path, columns) for path in files]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def load_journal_parquet(folder: str | Path, *, columns: list[str] | None = None) -> pd.DataFrame:
    """The whole journal folder as one pandas DataFrame, for :func:`receiptkit.match` on one machine.

    Reads the files with pyarrow and converts once, text straight into the
    schema's Arrow-backed string dtype, so the peak is close to the frame's
    own size (``pd.concat`` of ``pd.read_parquet`` frames holds it two or
    three times over).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(path, columns=columns) for path in journal_files(folder)]
    table = pa.concat_tables(tables, promote_options="default")
    del tables
    text = {pa.string(): STRING, pa.large_string(): STRING}
    return table.to_pandas(types_mapper=text.get, self_destruct=True)


def _read_file(path: Path, columns: list[str] | None) -> pd.DataFrame:
    """One Parquet file with its text columns in the schema's string dtype (Arrow-backed)."""
    frame = pd.read_parquet(path, columns=columns)
    text = [
        c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype) and frame[c].dtype != STRING
    ]
    return frame.astype(dict.fromkeys(text, STRING)) if text else frame
