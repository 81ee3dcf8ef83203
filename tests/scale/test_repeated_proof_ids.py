"""match_dask refuses a proof_id held by two proofs, in one partition or in two, as validate_proofs does."""

from __future__ import annotations

import dask
import dask.dataframe as dd
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.scale import match_dask


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_transactions=1500, n_proofs=90, seed=4)


def _with_copy(data) -> tuple[pd.DataFrame, str]:
    proofs = pd.concat([data.proofs, data.proofs.iloc[[2]]], ignore_index=True)  # row 3 again, as row 91
    return proofs, str(data.proofs["proof_id"].iloc[2])


def test_one_partition(data) -> None:
    proofs, shared = _with_copy(data)
    with dask.config.set(scheduler="synchronous"), pytest.raises(rk.SchemaError) as caught:
        match_dask(proofs, data.journal, partition_rows=500)
    assert caught.value.value == shared and caught.value.row == 3
    assert "is given to 2 proofs: rows 3 and 91" in str(caught.value)


def test_two_partitions_rows_counted_in_the_whole_batch(data) -> None:
    proofs, shared = _with_copy(data)
    parts = dd.from_pandas(proofs, npartitions=3, sort=False)
    assert parts.npartitions == 3
    with dask.config.set(scheduler="synchronous"), pytest.raises(rk.SchemaError) as caught:
        match_dask(parts, data.journal, partition_rows=500)
    assert caught.value.value == shared and caught.value.row == 3
    assert "is given to 2 proofs: rows 3 and 91" in str(caught.value)


def test_distinct_ids_in_several_partitions_are_matched(data) -> None:
    parts = dd.from_pandas(data.proofs, npartitions=3, sort=False)
    with dask.config.set(scheduler="synchronous"):
        result = match_dask(parts, data.journal, partition_rows=500).compute()
    assert len(result) == len(data.proofs)
