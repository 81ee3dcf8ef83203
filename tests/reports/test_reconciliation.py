"""reconcile(): the same verdicts as match(), the counts, writing by suffix."""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import ReceiptkitError
from receiptkit.reports import Explanation, write_report


def test_reconcile_gives_exactly_the_verdicts_of_match(rec, dataset, hostile_proofs):
    direct = rk.match(hostile_proofs, dataset.journal, policy=rk.MatchPolicy(fx_rates=dataset.fx_rates))
    columns = ["proof_id", "txn_id", "status", "confidence", "n_candidates", "reason"]
    pd.testing.assert_frame_equal(rec.result[columns], direct[columns])
    assert rec.counts == {
        s: int((direct["status"] == s).sum()) for s in ("matched", "ambiguous", "unmatched")
    }
    assert "clock_offsets" in rec.result.attrs and not rec.clock_offsets.empty


def test_reconcile_accepts_a_journal_index(dataset):
    index = rk.JournalIndex(dataset.journal)
    small = dataset.proofs.head(15)
    rec = rk.reconcile(small, index, policy=rk.MatchPolicy(fx_rates=dataset.fx_rates))
    assert len(rec.journal) == len(dataset.journal)
    assert sum(rec.counts.values()) == 15


def test_explain_is_a_dataframe_that_renders_styled(rec):
    proof_id = rec.result.loc[rec.result["status"] == "ambiguous", "proof_id"].iloc[0]
    table = rec.explain(proof_id)
    assert isinstance(table, Explanation) and isinstance(table, pd.DataFrame)
    pd.testing.assert_frame_equal(pd.DataFrame(table), rk.explain(rec.result, proof_id))
    html = table._repr_html_()
    assert "<table" in html and "background-color" in html and proof_id in html
    assert type(table.head(2)) is pd.DataFrame  # derived frames are plain


def test_repr_and_notebook_view_show_the_counts(rec):
    counts = rec.counts
    assert f"matched {counts['matched']}" in repr(rec)
    assert f"ambiguous <b>{counts['ambiguous']}</b>" in rec._repr_html_()


def test_write_report_refuses_an_unknown_suffix_and_names_the_file(rec, tmp_path):
    with pytest.raises(ReceiptkitError) as caught:
        write_report(rec, tmp_path / "report.pdf")
    assert "report.pdf" in str(caught.value) and ".xlsx" in str(caught.value)


def test_write_report_names_a_folder_it_cannot_write(rec, tmp_path):
    with pytest.raises(ReceiptkitError) as caught:
        rec.write(tmp_path / "missing" / "report.csv")
    assert "missing" in str(caught.value)
