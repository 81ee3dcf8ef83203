"""OFX through ofxtools, with DTD/entity declarations refused."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs


def test_own_sgml_statement(fixtures):
    frame = read_proofs(fixtures / "proofs" / "statement.ofx")
    assert list(frame["amount_minor"]) == [12850, 3000]
    assert list(frame["direction"]) == ["debit", "credit"]
    assert list(frame["currency"]) == ["CNY", "CNY"]
    assert frame.iloc[0]["ts"] == pd.Timestamp("2026-11-20 14:32:07+08:00")
    assert frame.iloc[1]["ts_precision"] == "day" and frame.iloc[1]["date"] == pd.Timestamp("2026-11-22")
    assert list(frame["source_row"]) == [16, 23]
    assert frame.iloc[0]["reference"] == "F0001" and frame.iloc[0]["merchant_text"] == "SAMPLE STORE"


def test_entity_declaration_refused(tmp_path):
    path = tmp_path / "evil.ofx"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE OFX [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<?OFX OFXHEADER="200" VERSION="220"?>\n<OFX><NAME>&xxe;</NAME></OFX>\n',
        encoding="ascii",
    )
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert info.value.row == 2 and "refused" in str(info.value)


def test_error_response_is_a_proof_error(samples):
    with pytest.raises(ProofError) as info:
        read_proofs(samples / "ofx" / "ofxparse__signon_fail.ofx")
    assert "15500" in str(info.value) and info.value.row is not None


def test_leaf_end_tags_closed_out_of_order_are_tolerated(samples):
    # <CODE>0<SEVERITY>INFO</SEVERITY></CODE>: every leaf closed after its followers, and no OFX header
    frame = read_proofs(samples / "ofx" / "jbms__amex.ofx")
    assert list(frame["amount_minor"]) == [14394, 2805, 1876]
    assert set(frame["direction"]) == {"debit"} and set(frame["currency"]) == {"USD"}
    assert list(frame["source_row"]) == [62, 78, 94]
    assert frame.iloc[0]["merchant_text"] == "PRUNE               NEW YORK"
    assert frame.iloc[0]["date"] == pd.Timestamp("2013-11-24")


def test_blank_lines_before_the_header_and_the_currency_of_the_transaction(samples):
    # twelve blank lines, an empty <CURDEF>, the amount's currency in <CURRENCY><CURSYM>
    frame = read_proofs(samples / "ofx" / "ofxparse__ofx-v102-empty-tags.ofx")
    row = frame.iloc[0]
    assert (row["amount_minor"], row["currency"], row["direction"]) == (1234, "AUD", "credit")
    assert row["merchant_text"] == "CBA:Transfer"


def test_statements_with_balances_only_say_so_at_their_line(samples):
    path = samples / "ofx" / "ofxparse__multiple_accounts.ofx"
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert info.value.file == str(path) and info.value.row == 26
    assert "2 account statement(s) with balances only" in info.value.reason
