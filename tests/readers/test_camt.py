"""CAMT.053/054 through defusedxml; XML bombs and external entities refused."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs
from receiptkit.readers import camt


def test_own_camt053_v08(fixtures):
    frame = read_proofs(fixtures / "proofs" / "camt053.xml")
    assert list(frame["amount_minor"]) == [12850, 3000]
    assert list(frame["direction"]) == ["debit", "credit"]
    assert frame.iloc[0]["ts"] == pd.Timestamp("2026-11-20T14:32:07+01:00")
    assert frame.iloc[0]["merchant_text"] == "Sample Store" and frame.iloc[0]["reference"] == "REF-0001"
    assert frame.iloc[1]["ts_precision"] == "day" and frame.iloc[1]["merchant_text"] == "Refund Sample Mall"
    assert list(frame["source_row"]) == [8, 17]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>&lol2;</Ntry></Stmt></BkToCstmrStmt></Document>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>&xxe;</Ntry></Stmt></BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize("payload", [BOMB, XXE])
def test_bombs_and_external_entities_refused(payload):
    with pytest.raises(ProofError) as info:
        camt.read(payload, name="evil.xml")
    assert info.value.file == "evil.xml" and "refused" in str(info.value)


def test_not_well_formed_names_line():
    with pytest.raises(ProofError) as info:
        camt.read(b"<Document>\n<Ntry>\n</Document>", name="x.xml")
    assert info.value.row == 3
