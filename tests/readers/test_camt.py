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


def _camt(version: str, entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
<BkToCstmrStmt><Stmt><Id>S1</Id>
{entries}
</Stmt></BkToCstmrStmt></Document>
""".encode()


_PARTIES_V02 = """<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd><BookgDt><Dt>2026-11-20</Dt></BookgDt>
<NtryDtls><TxDtls><RltdPties>
<Dbtr><Nm>{debtor}</Nm></Dbtr><Cdtr><Nm>{creditor}</Nm></Cdtr>
</RltdPties><RmtInf><Ustrd>Order 77</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
_PARTIES_V08 = """<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd><BookgDt><Dt>2026-11-20</Dt></BookgDt>
<NtryDtls><TxDtls><RltdPties>
<Dbtr><Pty><Nm>{debtor}</Nm></Pty></Dbtr><Cdtr><Pty><Nm>{creditor}</Nm></Pty></Cdtr>
</RltdPties></TxDtls></NtryDtls></Ntry>"""


@pytest.mark.parametrize(
    ("version", "template"), [("02", _PARTIES_V02), ("08", _PARTIES_V08), ("10", _PARTIES_V08)]
)
def test_counterparty_is_the_other_side_of_the_entry(version, template):
    entries = template.format(amount="30.00", mark="CRDT", debtor="Sample Mall", creditor="Account Owner")
    entries += template.format(amount="12.00", mark="DBIT", debtor="Account Owner", creditor="Sample Store")
    frame = read_proofs(_camt(version, entries), name="c.xml")
    assert list(frame["direction"]) == ["credit", "debit"]
    # money received: the debtor paid it (a refund from the mall); money paid: the creditor got it
    assert list(frame["merchant_text"]) == ["Sample Mall", "Sample Store"]
