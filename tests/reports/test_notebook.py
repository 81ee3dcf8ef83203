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
