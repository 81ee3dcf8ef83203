"""summarise(): proofs and exact amounts per verdict and currency."""

from __future__ import annotations

import pandas as pd

from receiptkit.money import format_minor
from receiptkit.reports import STATUSES, status_counts, summarise


def test_summary_counts_and_amounts_add_up_per_currency(rec):
    summary = rec.summary
    assert summary["proofs"].sum() == len(rec.result)
    assert list(dict.fromkeys(summary["status"])) == list(STATUSES)
    joined = rec.result[["proof_id", "status"]].merge(rec.proofs, on="proof_id")
    for row in summary.itertuples():
        part = joined[
            (joined["status"] == row.status)
            & (joined["currency"] == row.currency)
            & (joined["direction"] == row.direction)
        ]
        assert row.proofs == len(part)
        assert row.amount_minor == int(part["amount_minor"].sum())
        assert row.amount == format_minor(int(part["amount_minor"].sum()), row.currency)
    assert summary["amount_minor"].dtype == "int64"
    assert set(summary["direction"]) == set(rec.proofs["direction"])  # refunds never added to payments


def test_a_status_without_proofs_still_shows_with_zero(rec):
    only_matched = rec.result[rec.result["status"] == "matched"]
    summary = summarise(only_matched, rec.proofs)
    assert set(summary["status"]) == set(STATUSES)
    none = summary[summary["status"] != "matched"]
    assert (none["proofs"] == 0).all() and (none["amount"] == "").all()
    assert status_counts(only_matched) == {"matched": len(only_matched), "ambiguous": 0, "unmatched": 0}


def test_summary_does_not_touch_its_inputs(rec):
    before = rec.result.copy()
    summarise(rec.result, rec.proofs)
    pd.testing.assert_frame_equal(rec.result, before)
