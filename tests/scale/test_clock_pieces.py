"""match_dask learns far offsets and the pieces of jumped clocks as match does: the same verdicts."""

from __future__ import annotations

import dask
import pandas as pd

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.scale import plan_dask

from .conftest import assert_same_result


def test_a_month_with_jumped_and_dead_clocks_gives_matchs_verdicts() -> None:
    data = make_dataset(n_transactions=4000, n_proofs=500, seed=3, scenarios=["clock_jump", "dead_clock"])
    expected = rk.match(data.proofs, data.journal)
    assert set(expected.attrs["clock_segments"]) == {"10000002", "11000002"}  # the case is the hard one
    with dask.config.set(scheduler="sync"):
        planned = plan_dask(data.proofs, data.journal, partition_rows=10**9, min_tasks=4)
        got = planned.result.compute().sort_index()
    assert_same_result(expected, got)
    want = rk.clock_offsets(expected)
    pd.testing.assert_series_equal(planned.clock_offsets["offset_s"], want["offset_s"], check_dtype=False)
    jumped = got[got["terminal_id"] == "10000002"]
    assert jumped["clock_offset_s"].nunique() == 2  # both pieces matched
