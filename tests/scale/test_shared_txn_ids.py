"""match_dask refuses two different journal rows under one txn_id, whatever partition or task each falls in,
as validate_journal refuses them in one frame; rows equal in every column stay one transaction logged twice."""

from __future__ import annotations

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.scale import match_dask, write_journal_parquet


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_transactions=1500, n_proofs=60, seed=4)


def _far_apart(journal: pd.DataFrame) -> tuple[int, int]:
    """Two rows logged on different days (so in different partitions and tasks)."""
    days = journal["ts"].dt.strftime("%Y-%m-%d").to_numpy()
    first = 4
    later = int(np.flatnonzero(days != days[first])[-1])
    return first, later


def _one_id_on_two_sales(journal: pd.DataFrame) -> tuple[pd.DataFrame, str, int, int]:
    a, b = _far_apart(journal)
    out = journal.copy()
    shared = str(out["txn_id"].iloc[a])
    out.loc[out.index[b], "txn_id"] = shared  # by hand: validate_journal would refuse it
    return out, shared, a + 1, b + 1


def _refused(proofs, journal) -> rk.SchemaError:
    with dask.config.set(scheduler="synchronous"), pytest.raises(rk.SchemaError) as caught:
        match_dask(proofs, journal, partition_rows=300)
    return caught.value


def test_pandas_journal(data) -> None:
    journal, shared, a, b = _one_id_on_two_sales(data.journal)
    error = _refused(data.proofs, journal)
    assert error.value == shared and error.row == a and error.column == "txn_id"
    assert f"duplicate txn_id: rows {a} and {b} share it but differ in ts" in str(error)


def test_dask_journal_rows_counted_in_the_input_order(data) -> None:
    journal, shared, a, b = _one_id_on_two_sales(data.journal)
    parts = dd.from_pandas(journal, npartitions=4, sort=False)
    assert parts.npartitions == 4
    error = _refused(data.proofs, parts)
    assert error.value == shared and error.row == a
    assert f"rows {a} and {b} share it" in str(error)


def test_parquet_folder_rows_counted_in_file_order(data, tmp_path) -> None:
    write_journal_parquet(data.journal, tmp_path / "j")
    files = sorted((tmp_path / "j").rglob("*.parquet"))
    assert len(files) > 2
    sizes = [len(pd.read_parquet(f)) for f in files]
    k = max(i for i, n in enumerate(sizes) if n >= 3)  # a later day's file with a third row
    assert k > 0
    first, later = pd.read_parquet(files[0]), pd.read_parquet(files[k])
    shared = str(first["txn_id"].iloc[1])
    later.loc[later.index[2], "txn_id"] = shared
    later.to_parquet(files[k], index=False)
    error = _refused(data.proofs, str(tmp_path / "j"))
    assert error.value == shared and error.row == 2
    assert f"rows 2 and {sum(sizes[:k]) + 3} share it" in str(error)


def test_a_row_logged_twice_alike_is_one_transaction(data) -> None:
    journal = pd.concat([data.journal, data.journal.iloc[[7]]], ignore_index=True)
    with dask.config.set(scheduler="synchronous"):
        result = match_dask(data.proofs, journal, partition_rows=300).compute().sort_index()
    expected = rk.match(data.proofs, journal)
    assert (
        result["txn_id"].astype(object).fillna("").tolist()
        == expected["txn_id"].astype(object).fillna("").tolist()
    )
