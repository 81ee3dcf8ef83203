"""styled_explanation(): the waterfall styled for Jupyter."""

from __future__ import annotations

import receiptkit as rk
from receiptkit.reports import styled_explanation


def test_styled_explanation_colours_weights_by_sign(rec):
    # an ambiguous proof whose runner-up is listed (with many counted rivals none may be)
    ambiguous = rec.result.loc[rec.result["status"] == "ambiguous", "proof_id"]
    tables = (rk.explain(rec.result, p) for p in ambiguous)
    table = next(t for t in tables if "runner_up_bits" in t.columns)
    proof_id = table.attrs["proof_id"]
    html = styled_explanation(table).to_html()
    assert f"Evidence for proof {proof_id}" in html
    bits = table["best_bits"].dropna()
    if (bits > 0).any():
        assert "rgba(46, 125, 50" in html
    if (table["runner_up_bits"].dropna() < 0).any():
        assert "rgba(198, 40, 40" in html
    assert "font-weight: bold" in html
    first = bits[bits != 0].iloc[0]
    assert f"{first:+.2f}" in html


def test_notebook_html_escapes_merchant_names_and_ids(dataset):
    """A <script> in a merchant name or the journal shows as text in the notebook, never runs (issue #18 item 11)."""
    proofs = dataset.proofs.copy()
    journal = dataset.journal.copy()
    proofs["merchant_text"] = "<script>alert('proof')</script>"
    journal["merchant_name"] = '<img src=x onerror="alert(1)">'
    rec = rk.reconcile(proofs, journal, policy=rk.MatchPolicy(fx_rates=dataset.fx_rates))
    matched = rec.result.loc[rec.result["status"] == "matched", "proof_id"].iloc[0]
    html = rec.explain(matched)._repr_html_()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;proof&#x27;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
    assert "&lt;img src=x" in html
    table = rk.explain(rec.result, matched)
    first = table["best_bits"].dropna()
    assert f"{first[first != 0].iloc[0]:+.2f}" in html  # the weights are still formatted
