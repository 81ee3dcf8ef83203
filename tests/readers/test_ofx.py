"""OFX through ofxtools, with DTD/entity declarations refused."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _ofx(fixtures) -> bytes:
    return (fixtures / "proofs" / "statement.ofx").read_bytes()


def test_charset_1252_header_over_utf8_bytes_reads_utf8(fixtures):
    data = _ofx(fixtures).replace(b"SAMPLE STORE", "Café Zoë 示例".encode())
    assert b"CHARSET:1252" in data
    frame = read_proofs(data, name="utf8.ofx")
    assert frame.iloc[0]["merchant_text"] == "Café Zoë 示例"
    # real cp1252 bytes (not valid UTF-8) are still read as cp1252
    latin = _ofx(fixtures).replace(b"SAMPLE STORE", "Café €5".encode("cp1252"))
    assert read_proofs(latin, name="cp1252.ofx").iloc[0]["merchant_text"] == "Café €5"


@pytest.mark.parametrize("cut", [-8, -40, -200, -400])
def test_truncated_ofx_is_an_error_naming_the_last_line(fixtures, cut):
    data = _ofx(fixtures).rstrip()[:cut]
    with pytest.raises(ProofError) as info:
        read_proofs(data, format="ofx", name="cut.ofx")
    assert "truncated" in info.value.reason
    assert info.value.row == data.decode().rstrip().count("\n") + 1


def test_currency_is_never_assumed(fixtures):
    data = _ofx(fixtures).replace(b"<CURDEF>CNY", b"")
    with pytest.raises(ProofError) as info:
        read_proofs(data, name="nocur.ofx")
    assert info.value.row == 16 and info.value.column == "CURDEF"
    # a transaction that names its currency needs no CURDEF
    named = data.replace(b"<TRNAMT>-128.50", b"<TRNAMT>-128.50<CURRENCY><CURRATE>1.0<CURSYM>EUR</CURRENCY>")
    with pytest.raises(ProofError) as info:
        read_proofs(named, name="nocur.ofx")
    assert info.value.row == 23  # the second transaction still has none


_OFX1 = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
    "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS>"
    "<CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>1<ACCTTYPE>CHECKING"
    "</BANKACCTFROM><BANKTRANLIST><DTSTART>20230101<DTEND>20261201\n<STMTTRN><TRNTYPE>DEBIT"
    "<DTPOSTED>20260115143025[-5:EST]<TRNAMT>-12.34<FITID>F1<NAME>{name}<MEMO>{memo}</STMTTRN>\n"
    "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
)
_OFX2 = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" '
    'OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0'
    "</CODE><SEVERITY>INFO</SEVERITY></STATUS><STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM><BANKID>1</BANKID>"
    "<ACCTID>1</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST><DTSTART>20230101</DTSTART>"
    "<DTEND>20261201</DTEND>\n<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20260115143025[-5:EST]</DTPOSTED>"
    "<TRNAMT>-12.34</TRNAMT><FITID>F1</FITID><NAME>{name}</NAME><MEMO>{memo}</MEMO></STMTTRN>\n"
    "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
)


@pytest.mark.parametrize("template", [_OFX1, _OFX2], ids=["ofx1", "ofx2"])
@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Corner Books &amp; Co &lt;b&gt;", "Corner Books & Co <b>"),
        ("&quot;Joe&apos;s&quot; Caf&#233; &#xE9;&#X4E2D;", '"Joe\'s" Café é中'),
        ("A &amp;lt; B", "A &lt; B"),  # decoded exactly once
        ("AT&T &copy; &amp", "AT&T &copy; &amp"),  # not a reference OFX knows: kept as written
    ],
)
def test_character_references_are_decoded_exactly_once(tmp_path, template, written, meant):
    """Clean-room intake finding D: NAME/MEMO came back with &amp; and &lt; still in them."""
    path = tmp_path / "s.ofx"
    path.write_text(template.format(name=written, memo=f"POS {written}"), encoding="utf-8")
    frame = read_proofs(path)
    assert frame.iloc[0]["merchant_text"] == meant
    assert frame.iloc[0]["raw"]["MEMO"] == f"POS {meant}"


@pytest.mark.parametrize("reference", ["&#0;", "&#xD800;", "&#1114112;"])
def test_a_numeric_reference_to_no_character_is_refused(tmp_path, reference):
    path = tmp_path / "s.ofx"
    path.write_text(_OFX2.format(name=f"Shop {reference}", memo="POS"), encoding="utf-8")
    with pytest.raises(ProofError, match="numeric reference") as info:
        read_proofs(path)
    assert (info.value.column, info.value.value) == ("NAME", reference)


def test_ofx2_with_a_utf8_byte_order_mark_is_read(tmp_path):
    """Clean-room intake finding P: valid XML after a BOM was refused."""
    path = tmp_path / "s.ofx"
    path.write_bytes(b"\xef\xbb\xbf" + _OFX2.format(name="Caf&#233; 中", memo="POS").encode("utf-8"))
    frame = read_proofs(path)
    assert frame.iloc[0]["merchant_text"] == "Café 中" and frame.iloc[0]["amount_minor"] == 1234
    assert frame.iloc[0]["source_row"] == 4


@pytest.mark.parametrize(("tag", "bad"), [("DTPOSTED", "20110230"), ("TRNAMT", "1,23.45")])
def test_a_bad_element_is_named_by_its_own_line_not_its_transactions(samples, tag, bad):
    """Refusals named the <STMTTRN> line two or three lines above the bad element (issue #18)."""
    path = samples / "ofx" / "ofxparse__checking.ofx"
    text = path.read_text(encoding="latin-1")
    start = text.index(f"<{tag}>") + len(tag) + 2
    end = start + len(text[start:].split("<")[0].rstrip())
    damaged = text[:start] + bad + text[end:]
    with pytest.raises(ProofError) as caught:
        read_proofs(damaged.encode("latin-1"), name=path.name)
    assert caught.value.row == text[:start].count("\n") + 1 and caught.value.column == tag


@settings(max_examples=30, deadline=None)
@given(fraction=st.text("0123456789", min_size=1, max_size=6), zone=st.sampled_from(["", "[-5:EST]", "[+8]"]))
def test_a_dtposted_with_a_fraction_of_a_second_keeps_it(samples, fraction, zone):
    """'20110405120000.123' was read as 12:00:00.000: the fraction OFX writes (milliseconds, some banks
    microseconds) was dropped, the only reader to drop the precision given (issue #18, the public
    ofxparse checking sample)."""
    text = (samples / "ofx" / "ofxparse__checking.ofx").read_text()
    written = f"20110405120000.{fraction}{zone}"
    frame = read_proofs(
        text.replace("<DTPOSTED>20110405120000.000", f"<DTPOSTED>{written}").encode(), name="s.ofx"
    )
    offset = {"": "+00:00", "[-5:EST]": "-05:00", "[+8]": "+08:00"}[zone]
    expected = pd.Timestamp(f"2011-04-05T12:00:00.{fraction}{offset}")
    assert frame.iloc[1]["ts"] == expected and frame.iloc[1]["ts_precision"] == "second"
    assert frame.iloc[0]["ts"] == pd.Timestamp("2011-03-31T12:00:00+00:00")  # '.000' as before


def test_a_dtposted_finer_than_a_microsecond_is_refused(samples):
    text = (samples / "ofx" / "ofxparse__checking.ofx").read_text()
    damaged = text.replace("<DTPOSTED>20110405120000.000", "<DTPOSTED>20110405120000.1234567")
    with pytest.raises(ProofError) as info:
        read_proofs(damaged.encode(), name="s.ofx")
    assert (info.value.row, info.value.column) == (56, "DTPOSTED")
