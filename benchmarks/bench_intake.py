"""read_journal of a canonical CSV and Parquet file against pandas' own readers (issue #18, "Speed").

Writes a generated journal (``make_dataset``) as a canonical CSV and Parquet file, then times
``rk.read_journal`` of each against ``pandas.read_csv(dtype=str)`` / ``pandas.read_parquet`` of the same
file, best of ``--repeat`` runs, and prints the ratios. The target is within 3x.

    python benchmarks/bench_intake.py --rows 200000
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import receiptkit as rk
from receiptkit.datasets import make_dataset


def _best(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mine = _best(ours, args.repeat)
            base = _best(theirs, args.repeat)
            rows.append((label, mine, base))
    print(f"read_journal, {args.rows:,} canonical rows, best of {args.repeat}")
    for label, mine, base in rows:
        print(
            f"  {label:8s} receiptkit {mine:7.2f} s   pandas {base:6.2f} s   ratio {mine / base:5.1f}x (target 3x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
