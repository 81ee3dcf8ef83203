"""read_journal against pandas' own readers: the three speed targets of issue #18.

Writes a generated journal (``make_dataset``) as a canonical CSV and Parquet file, then times
``rk.read_journal`` of each against ``pandas.read_csv(dtype=str)`` / ``pandas.read_parquet`` of the same
file (best of ``--repeat`` runs), and ``rk.read_journal`` of a ``--frame-rows`` DataFrame (the generated
rows repeated, each with its own ``txn_id``). Prints each
target with met / not met:

- CSV: within 3x of ``pandas.read_csv(dtype=str)``;
- Parquet: within 3x of ``pandas.read_parquet``;
- a 1,000,000-row DataFrame in under 5 s.

    python benchmarks/bench_intake.py --rows 200000 --frame-rows 1000000
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import receiptkit as rk
from receiptkit.datasets import make_dataset

RATIO_TARGET = 3.0
FRAME_SECONDS_TARGET = 5.0


def _best(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
        times.append(time.perf_counter() - started)
    return min(times)


def _frame_of(journal: pd.DataFrame, rows: int) -> pd.DataFrame:
    """``rows`` rows of the generated journal, repeated as needed, each with its own txn_id.

    (Generating a million rows with ``make_dataset`` takes minutes; the reader sees the same kinds of rows.)
    """
    copies = -(-rows // len(journal))
    frame = pd.concat([journal] * copies, ignore_index=True).iloc[:rows].copy()
    frame["txn_id"] = pd.Series([f"T{i:09d}" for i in range(rows)], dtype=journal["txn_id"].dtype)
    return frame


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the CSV and Parquet files")
    parser.add_argument("--frame-rows", type=int, default=1_000_000, help="rows of the DataFrame (0: skip)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    journal = make_dataset(n_transactions=args.rows, n_proofs=10, seed=7).journal
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "journal.csv"
        parquet_path = Path(folder) / "journal.parquet"
        journal.to_csv(csv_path, index=False)
        journal.to_parquet(parquet_path, index=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = rk.read_journal(csv_path)
        assert len(back) == len(journal) and back["amount_minor"].sum() == journal["amount_minor"].sum()
        rows = []
        for label, ours, theirs in (
            ("csv", lambda: rk.read_journal(csv_path), lambda: pd.read_csv(csv_path, dtype=str)),
            ("parquet", lambda: rk.read_journal(parquet_path), lambda: pd.read_parquet(parquet_path)),
        ):
            rows.append((label, _best(ours, args.repeat), _best(theirs, args.repeat)))
    frame_seconds = None
    if args.frame_rows:
        frame = _frame_of(journal, args.frame_rows)
        frame_seconds = _best(lambda: rk.read_journal(frame), args.repeat)
        started = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rk.read_journal(frame)
        frame_cpu = (
            time.process_time() - started
        )  # this process's CPU time: what other users' load does not add
        frame_rows = len(frame)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"read_journal, best of {args.repeat}; pandas {pd.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load:.2f}"
    )
    for label, mine, base in rows:
        ratio = mine / base
        print(
            f"  {label:8s} {len(journal):>9,} rows  receiptkit {mine:6.2f} s  pandas {base:6.2f} s  "
            f"ratio {ratio:4.1f}x (target {RATIO_TARGET:.0f}x): {_verdict(ratio <= RATIO_TARGET)}"
        )
    if frame_seconds is not None:
        print(
            f"  frame    {frame_rows:>9,} rows  receiptkit {frame_seconds:6.2f} s  "
            f"(target under {FRAME_SECONDS_TARGET:.0f} s): {_verdict(frame_seconds < FRAME_SECONDS_TARGET)}; "
            f"CPU time of one read {frame_cpu:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
