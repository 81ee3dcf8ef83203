"""A journal as a folder of Parquet files, one sub-folder per local date."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.datasets import make_dataset
from receiptkit.errors import SchemaError
from receiptkit.scale import (
    journal_files,
    load_journal_parquet,
    read_journal_parquet,
    write_journal_parquet,
)


@pytest.fixture(scope="module")
def journal() -> pd.DataFrame:
    return make_dataset(n_transactions=400, n_proofs=10, seed=2, days=3).journal


def test_one_folder_per_local_date_and_a_lossless_round_trip(journal, tmp_path):
    files = write_journal_parquet(journal, tmp_path / "j")
    local_days = sorted(journal["ts"].dt.strftime("%Y-%m-%d").unique())
    assert [f.parent.name for f in files] == [f"date={d}" for d in local_days]
    back = read_journal_parquet(tmp_path / "j").compute().reset_index(drop=True)
    expected = journal.sort_values("ts", kind="stable").reset_index(drop=True)
    assert str(back["ts"].dtype) == str(journal["ts"].dtype)  # the journal's zone survives
    pd.testing.assert_frame_equal(back, expected, check_dtype=True)


def test_the_folder_loads_into_one_pandas_frame_with_arrow_strings(journal, tmp_path):
    write_journal_parquet(journal, tmp_path / "j", rows_per_file=70)
    back = load_journal_parquet(tmp_path / "j")
    expected = journal.sort_values("ts", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected, check_dtype=True)
    picked = load_journal_parquet(tmp_path / "j", columns=["txn_id", "ts"])
    assert list(picked.columns) == ["txn_id", "ts"]
    assert picked["txn_id"].tolist() == expected["txn_id"].tolist()


def test_busy_days_split_into_several_files_in_order(journal, tmp_path):
    files = write_journal_parquet(journal, tmp_path / "j", rows_per_file=50)
    assert journal_files(tmp_path / "j") == files
    assert len(files) > journal["ts"].dt.date.nunique()
    rows = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert rows["txn_id"].tolist() == journal.sort_values("ts", kind="stable")["txn_id"].tolist()


def test_rewriting_replaces_a_day_and_naive_times_are_refused(journal, tmp_path):
    write_journal_parquet(journal, tmp_path / "j", rows_per_file=20)
    write_journal_parquet(journal, tmp_path / "j")
    assert len(journal_files(tmp_path / "j")) == journal["ts"].dt.date.nunique()
    naive = journal.assign(ts=journal["ts"].dt.tz_localize(None))
    with pytest.raises(SchemaError, match="timezone-aware"):
        write_journal_parquet(naive, tmp_path / "n")
    with pytest.raises(FileNotFoundError):
        journal_files(tmp_path / "missing")
