"""A small reconciliation on generated data, with hostile text planted in the proofs."""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk

HOSTILE = ('=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "=1+1")
FULL_PAN = "6222021234567890128"  # a Luhn-valid 19-digit UnionPay number


@pytest.fixture(scope="session")
def dataset():
    return rk.make_dataset(n_transactions=1200, n_proofs=90, seed=11)


@pytest.fixture(scope="session")
def hostile_proofs(dataset) -> pd.DataFrame:
    """The generated proofs, five of them with merchant text a spreadsheet would run."""
    proofs = dataset.proofs.copy()
    proofs["merchant_text"] = proofs["merchant_text"].astype(object)
    for position, text in enumerate(HOSTILE):
        proofs.iloc[position * 7, proofs.columns.get_loc("merchant_text")] = text
    return proofs


@pytest.fixture(scope="session")
def rec(dataset, hostile_proofs):
    return rk.reconcile(hostile_proofs, dataset.journal, policy=rk.MatchPolicy(fx_rates=dataset.fx_rates))
