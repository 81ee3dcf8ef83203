"""Bulk matching beyond one machine: the pandas matcher run on dask.

- :func:`match_dask`: proofs against a journal (Parquet folder, dask or
  pandas DataFrame), the same verdicts as :func:`receiptkit.match`, as a
  lazy dask DataFrame;
- :func:`plan_dask`: the same run, returning the plan (tasks, offsets,
  journal-wide counts) with the lazy result;
- :func:`write_journal_parquet` / :func:`read_journal_parquet`: a journal as
  a folder of Parquet files, one sub-folder per local date;
  :func:`load_journal_parquet` reads that folder into one pandas frame.

``docs/scale.md`` explains how equality with the single-machine result is
kept, and how to run it on a cluster.
"""

from receiptkit.scale.parquet import (
    journal_files,
    load_journal_parquet,
    read_journal_parquet,
    write_journal_parquet,
)
from receiptkit.scale.runner import RESULT_PARQUET_SCHEMA, MatchPlan, match_dask, plan_dask

__all__ = [
    "RESULT_PARQUET_SCHEMA",
    "MatchPlan",
    "journal_files",
    "load_journal_parquet",
    "match_dask",
    "plan_dask",
    "read_journal_parquet",
    "write_journal_parquet",
]
