"""A journal written out several times over: the copies are found in seconds and reported, never chosen at random."""

from __future__ import annotations

import time

import pandas as pd

import receiptkit as rk
from receiptkit.datasets import make_dataset


def test_four_identical_copies_of_each_row_are_found_fast_and_reported() -> None:
    data = make_dataset(n_transactions=12000, n_proofs=400, seed=5)
    four = pd.concat([data.journal] * 4, ignore_index=True)
    assert len(four) >= 50_000
    started = time.perf_counter()
    index = rk.JournalIndex(four)
    took = time.perf_counter() - started
    assert took < 30, f"JournalIndex of {len(four)} rows took {took:.1f} s"  # 180 s before (a Python loop)
    once = rk.match(data.proofs, data.journal)
    twice = rk.match(data.proofs, index)
    merged = once.merge(twice, on="proof_id", suffixes=("", "_four"))
    # the same verdicts as on the journal written once: the copies are one transaction, not four rivals
    assert (merged["status"] == merged["status_four"]).all()
    matched = merged[merged["status"] == "matched"]
    assert len(matched) > 100
    assert (matched["txn_id"] == matched["txn_id_four"]).all()
    assert matched["flags_four"].str.contains("journal_duplicate").all()
    assert not matched["flags"].fillna("").str.contains("journal_duplicate").any()
    # the first copy is kept and names its three later copies
    row = int(index.duplicate_rows[0])
    assert index.duplicates_of(row) == [str(four["txn_id"].iloc[row])] * 3


def test_copies_under_their_own_ids_are_kept_in_txn_id_order() -> None:
    data = make_dataset(n_transactions=600, n_proofs=10, seed=2)
    approved = data.journal[data.journal["status"] == "approved"]
    first = approved.iloc[:50]
    copy = first.assign(txn_id=first["txn_id"] + "-a")
    again = first.assign(txn_id=first["txn_id"] + "-b")
    journal = pd.concat([again, first, copy], ignore_index=True)  # the copies logged first
    index = rk.JournalIndex(journal)
    with_ref = first[first[["rrn", "wallet_txn_id", "auth_code", "stan"]].notna().any(axis=1)]
    assert len(with_ref) == 50
    for k, txn_id in enumerate(first["txn_id"]):
        kept = 50 + k  # the original id sorts first
        assert index.duplicates_of(kept) == [f"{txn_id}-a", f"{txn_id}-b"]
        assert index.duplicates_of(k) == []  # a later copy names none
    assert len(index.duplicate_rows) == 50
