"""CAMT.053/054 through defusedxml; XML bombs and external entities refused."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs, rejected
from receiptkit.readers import camt
from receiptkit.readers.proofbase import RejectedRowsWarning


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


# --------------------------------------------------------------------------- CAMT.052 (issue #18)

_CAMT052 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.{version}">
<BkToCstmrAcctRpt><GrpHdr><MsgId>R1</MsgId><CreDtTm>2026-11-20T15:00:00+01:00</CreDtTm></GrpHdr>
<Rpt><Id>R1-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">128.50</Amt><CdtDbtInd>DBIT</CdtDbtInd>{booked}
<BookgDt><DtTm>2026-11-20T14:32:07+01:00</DtTm></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>
<AcctSvcrRef>REF-052-1</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Cdtr>{creditor}</Cdtr></RltdPties></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">9.90</Amt><CdtDbtInd>DBIT</CdtDbtInd>{pending}
<ValDt><Dt>2026-11-21</Dt></ValDt>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs><RmtInf><Ustrd>Card 20.11 Kiosk</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Rpt></BkToCstmrAcctRpt></Document>
"""


@pytest.mark.parametrize(
    ("version", "booked", "pending", "creditor"),
    [
        ("02", "<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>", "<Nm>Sample Store</Nm>"),
        ("08", "<Sts><Cd>BOOK</Cd></Sts>", "<Sts><Cd>PDNG</Cd></Sts>", "<Pty><Nm>Sample Store</Nm></Pty>"),
    ],
)
def test_camt052_intraday_report_with_a_pending_entry(version, booked, pending, creditor):
    """The intraday account report: entries read as in CAMT.053, the not-yet-booked one marked pending."""
    data = _CAMT052.format(version=version, booked=booked, pending=pending, creditor=creditor).encode()
    assert camt.sniff(data.decode())
    frame = read_proofs(data, name="camt052.xml")
    assert list(frame["amount_minor"]) == [12850, 990]
    assert list(frame["direction"]) == ["debit", "debit"]
    assert frame.iloc[0]["ts"] == pd.Timestamp("2026-11-20T14:32:07+01:00")
    assert frame.iloc[0]["ts_precision"] == "second"
    assert frame.iloc[0]["merchant_text"] == "Sample Store" and frame.iloc[0]["reference"] == "REF-052-1"
    assert frame.iloc[1]["ts_precision"] == "day" and frame.iloc[1]["date"] == pd.Timestamp("2026-11-21")
    assert frame.iloc[1]["merchant_text"] == "Card 20.11 Kiosk" and frame.iloc[1]["reference"] == "E2E-2"
    assert list(frame["payment_state"]) == ["success", "pending"]
    assert [r["status"] for r in frame["raw"]] == ["BOOK", "PDNG"]
    assert list(frame["source_row"]) == [5, 9]


def test_camt052_entry_without_amount_names_its_line():
    data = _CAMT052.format(version="08", booked="", pending="", creditor="<Pty><Nm>S</Nm></Pty>")
    data = data.replace('<Amt Ccy="EUR">9.90</Amt>', "")
    with pytest.raises(ProofError) as info:
        read_proofs(data.encode(), name="camt052.xml")
    assert (info.value.row, info.value.column) == (9, "Amt")


def test_date_is_the_booking_day_as_written_not_the_utc_day():
    # found by the fuzz oracle: 00:30 at +08:00 is booked on 1 January; the UTC day is 31 December
    entry = (
        '<Ntry><Amt Ccy="CNY">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
        "<BookgDt><DtTm>2026-01-01T00:30:00+08:00</DtTm></BookgDt></Ntry>"
    )
    frame = read_proofs(_camt("02", entry), name="c.xml")
    assert frame.iloc[0]["date"] == pd.Timestamp("2026-01-01")
    assert frame.iloc[0]["ts"] == pd.Timestamp("2025-12-31 16:30:00", tz="UTC")


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (r"(<Amt[^>]*>)[^<]+", r"\g<1>1,23.45"),
        (r"<CdtDbtInd>(?:CRDT|DBIT)</CdtDbtInd>", "<CdtDbtInd>CRDIT</CdtDbtInd>"),
    ],
)
def test_a_bad_element_of_an_entry_is_named_by_its_own_line(samples, pattern, replacement):
    """Refusals named the <Ntry> line, two to six lines above the bad element (issue #18)."""
    import re

    path = samples / "camt053" / "oca__test-camt053-txdtls.xml"
    text = path.read_text(encoding="utf-8")
    start = text.index("<Ntry>")
    found = re.compile(pattern).search(text, start)
    assert found is not None
    damaged = text[: found.start()] + found.expand(replacement) + text[found.end() :]
    with pytest.raises(ProofError) as caught:
        read_proofs(damaged.encode("utf-8"), name=path.name)
    assert caught.value.row == text[: found.start()].count("\n") + 1


@pytest.mark.parametrize("written", ["-754.25", "(754.25)", "-0.01"])
def test_a_signed_amt_is_a_bad_row_named_by_its_element_not_the_whole_file(samples, written):
    """CAMT writes <Amt> unsigned, the direction in <CdtDbtInd>. A signed '-754.25' on the public OCA
    camt.053 sample was refused for the whole file, even with strict=False, by the frame check at the
    <Ntry> line ('amount_minor must not be negative', value -75425). It is a bad row at <Amt>'s line."""
    text = (samples / "camt053" / "oca__test-camt053.xml").read_text(encoding="utf-8")
    cell = '<Amt Ccy="EUR">754.25</Amt>'
    line = text[: text.index(cell)].count("\n") + 1
    damaged = text.replace(cell, f'<Amt Ccy="EUR">{written}</Amt>').encode("utf-8")
    with pytest.raises(ProofError) as caught:
        read_proofs(damaged, name="c.xml")
    assert (caught.value.row, caught.value.column, caught.value.value) == (line, "Amt", written)
    with pytest.warns(RejectedRowsWarning):
        frame = read_proofs(damaged, name="c.xml", strict=False)
    assert len(frame) == 2 and rejected(frame)["row"].tolist() == [line]


@pytest.mark.parametrize(
    ("amount", "currency"), [("1,234", "EUR"), ("1,234", "KWD"), ("12,50", "EUR"), ("1,234.50", "EUR")]
)
def test_a_comma_in_an_amount_is_refused_never_read_as_a_separator(amount, currency):
    # clean room 10 (session 18): <Amt>1,234</Amt> was read as 1,234.00 (and 1,234.000 KWD): a decimal comma
    # read as a thousands separator, a thousand times the amount. ISO 20022 amounts are plain decimals.
    entry = (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
        "<BookgDt><Dt>2026-11-20</Dt></BookgDt></Ntry>"
    )
    with pytest.raises(ProofError, match="comma") as info:
        camt.read(_camt("02", entry), name="s.xml")
    assert info.value.column == "Amt" and info.value.row is not None
    plain = entry.replace(amount, "1234.50" if currency == "EUR" else "1234.500")
    assert camt.read(_camt("02", plain), name="s.xml")["amount_minor"].tolist() == [
        123450 if currency == "EUR" else 1234500
    ]
