"""MT940 via the mt-940 package."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs


def test_own_statement(fixtures):
    frame = read_proofs(fixtures / "proofs" / "statement.sta")
    assert list(frame["amount_minor"]) == [12850, 3000]
    assert list(frame["direction"]) == ["debit", "credit"]
    assert list(frame["source_row"]) == [5, 7]
    assert frame.iloc[0]["date"] == pd.Timestamp("2026-11-20") and frame.iloc[0]["ts_precision"] == "day"
    assert "SAMPLE STORE" in frame.iloc[0]["merchant_text"]


def test_broken_statement_names_a_line(samples):
    with pytest.raises(ProofError) as info:
        read_proofs(samples / "mt940" / "ASNB__mt940.txt")
    assert info.value.row is not None and info.value.file.endswith("ASNB__mt940.txt")
