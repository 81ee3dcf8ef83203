"""read_proofs: sniffing, every public sample, and property tests (bytes never crash a reader)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receiptkit import ProofError, read_proofs, rejected
from receiptkit.readers import bank_csv, camt, mt940, ofx, screenshot_json, sms, wallet_cn
from receiptkit.readers.proofs import sniff_format
from receiptkit.schema import PROOF_COLUMNS

# Sample files that cannot give proofs, and why (each must raise ProofError naming the file).
KNOWN_UNREADABLE = {
    "camt053/oca__test-camt053-no-ntry.xml": "statement without entries",
    "ofx/oca__test_ofx_wrong.ofx": "deliberately broken (stray comment close)",
    "ofx/ofxparse__error_message.ofx": "server error response",
    "ofx/ofxparse__signon_fail.ofx": "signon error response",
    "ofx/ofxparse__signon_success.ofx": "signon only, no statement",
    "ofx/ofxparse__signon_success_no_message.ofx": "signon only, no statement",
    "ofx/ofxparse__bank_small.ofx": "empty <OFX></OFX>",
    "ofx/ofxparse__account_listing_aggregation.ofx": "account list, no transactions",
    "ofx/ofxparse__fail_nice__date_missing.ofx": "deliberately broken: no DTPOSTED",
    "ofx/ofxparse__fail_nice__decimal_error.ofx": "deliberately broken date/amount",
    "ofx/ofxparse__fidelity-savings.ofx": "TRNAMT 115.8331 USD: 4 decimals, not exact in cents",
    "ofx/ofxparse__investment_401k.ofx": "investment positions only",
    "ofx/ofxparse__multiple_accounts.ofx": "two account statements with balances only, no STMTTRN",
    "ofx/ofxparse__multiple_accounts2.ofx": "two account statements with balances only, no STMTTRN",
    "ofx/ofxparse__td_ameritrade.ofx": "investment transactions only",
    "ofx/ofxparse__tiaacref.ofx": "investment transactions only",
    "ofx/ofxparse__vanguard.ofx": "investment transactions only",
    "ofx/ofxparse__vanguard401k.ofx": "investment transactions only",
    "mt940/ASNB__mt940.txt": "mt-940 cannot parse its :61: lines",
    "mt940/ASNB__mt940_with_spaces_for_entry_date.txt": "mt-940 cannot parse its :61: lines",
    "mt940/self-provided__invalid_statement.sta": "not MT940",
    "mt940/self-provided__empty_non_swift.sta": "empty non-SWIFT block",
    "paypal/oca__paypal_empty_activity.csv": "header only, no transactions",
    "bank_cn_abc/example-abc_debit-records.csv": "hand-edited: line 4 has 7 of 9 cells (short rows are refused)",
}
# MT940 fragments from parser unit tests (a single tag, no :61: line): ProofError expected too.
FRAGMENT_PREFIXES = ("mt940/betterplace__", "mt940/cmxl__", "mt940/self-provided__")


def _sample_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*") if p.is_file() and p.name != "PROVENANCE.md")


def test_every_sample_reads_or_raises_a_located_proof_error(samples):
    read, refused = [], []
    for path in _sample_files(samples):
        key = path.relative_to(samples).as_posix()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                frame = read_proofs(path)
            except ProofError as exc:
                assert exc.file == str(path), key
                assert exc.row is not None, key
                refused.append(key)
                continue
        assert len(frame) > 0, key
        assert list(frame.columns[: len(PROOF_COLUMNS)]) == list(PROOF_COLUMNS), key
        assert (frame["amount_minor"] >= 0).all(), key
        assert frame["proof_id"].is_unique, key
        assert set(frame["direction"]) <= {"debit", "credit"}, key
        read.append(key)
    unexpected = [k for k in refused if k not in KNOWN_UNREADABLE and not k.startswith(FRAGMENT_PREFIXES)]
    assert not unexpected, unexpected
    wrongly_listed = [k for k in read if k in KNOWN_UNREADABLE]
    assert not wrongly_listed, wrongly_listed
    assert len(read) >= 70


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wechat_bill.csv", "wallet"),
        ("alipay_bill.csv", "wallet"),
        ("cmb_credit.csv", "bank"),
        ("icbc_credit.csv", "bank"),
        ("statement.ofx", "ofx"),
        ("statement.sta", "mt940"),
        ("camt053.xml", "camt"),
        ("screenshot.json", "json"),
        ("sms.txt", "sms"),
    ],
)
def test_sniffing(fixtures, name, expected):
    assert sniff_format(fixtures / "proofs" / name)[0] == expected


def test_unknown_format_and_missing_file(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert info.value.file == str(path) and info.value.row == 1
    with pytest.raises(ProofError):
        read_proofs(tmp_path / "missing.csv")


READERS = [
    lambda d: wallet_cn.read(d, format="wechat", name="f.csv"),
    lambda d: wallet_cn.read(d, format="alipay", name="f.csv"),
    lambda d: bank_csv.read(d, format="icbc", name="f.csv"),
    lambda d: bank_csv.read(d, format="cmb_credit", name="f.csv"),
    lambda d: ofx.read(d, name="f.ofx"),
    lambda d: mt940.read(d, name="f.sta"),
    lambda d: camt.read(d, name="f.xml"),
    lambda d: screenshot_json.read(d, name="f.json"),
    lambda d: sms.read(d, name="f.txt", ref="2026-12-01"),
]
HEADERS = [
    "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n",
    "交易日期,记账日期,摘要,交易场所,交易金额(收入),交易金额(支出),交易币种\n",
    "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><STMTRS><CURDEF>USD<STMTTRN><TRNAMT>",
    ":20:X\n:25:Y\n:60F:C260101EUR1,00\n:61:",
    '[{"amount": ',
]


def _check(reader, data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader(data)
        except ProofError as exc:
            assert exc.file is not None
            assert exc.row is not None or exc.column is not None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(READERS))), st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_proof_error(index, data):
    _check(READERS[index], data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(READERS))), st.sampled_from(HEADERS), st.text(max_size=200))
def test_header_plus_arbitrary_text_only_raises_proof_error(index, header, text):
    _check(READERS[index], (header + text).encode("utf-8"))


def test_an_open_binary_file_reads_like_its_path(fixtures):
    path = fixtures / "proofs" / "wechat_bill.csv"
    with path.open("rb") as handle:
        from_handle = read_proofs(handle)
    from_path = read_proofs(path)
    assert from_handle.drop(columns="raw").equals(from_path.drop(columns="raw"))
    assert from_handle["proof_id"].iloc[0].startswith("wechat_bill:")


@pytest.mark.parametrize(
    ("folder", "marker"),
    [
        ("mt940", rb"(?m)^:61:"),
        ("ofx", rb"(?i)<STMTTRN>"),
        ("camt053", rb"<(?:\w+:)?Ntry[\s>]"),
        ("camt054", rb"<(?:\w+:)?Ntry[\s>]"),
    ],
)
def test_statement_samples_keep_every_entry(samples, folder, marker):
    """A statement read is never missing an entry: one proof per :61: line, <STMTTRN> or <Ntry>."""
    import re

    checked = 0
    for path in sorted((samples / folder).glob("*")):
        if path.name == "PROVENANCE.md":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                frame = read_proofs(path)
            except ProofError as exc:
                assert exc.row is not None, path.name
                continue
        assert len(frame) == len(re.findall(marker, path.read_bytes())), path.name
        checked += 1
    assert checked > 0


def test_docs_list_every_format_with_its_header_signature():
    """docs/proofs.md, journal.md and closing.md name every spec, layout and preset with its identifying headers."""
    from receiptkit.readers import journal, paypal, settlement, stripe

    docs = Path(__file__).resolve().parents[2] / "docs"
    proofs_doc = (docs / "proofs.md").read_text(encoding="utf-8")
    signatures = [(s.name, s.header) for s in [*wallet_cn.SPECS.values(), *bank_csv.SPECS.values()]]
    signatures += [(s.name, s.header) for s in (stripe.SPEC, stripe.PAYMENTS, stripe.APPLICATION_FEES)]
    signatures += [(layout.name, layout.header) for layout in paypal.LAYOUTS.values()]
    sniff_table = proofs_doc.split("## Recognising a file", 1)[1].split("\n## ", 1)[0]
    for name, header in signatures:
        row = next((line for line in sniff_table.splitlines() if f"| `{name}` |" in line), None)
        assert row is not None, f"{name} missing from the sniff table of docs/proofs.md"
        assert all(h in row for h in header), f"{name}: header names missing from its docs row"
    journal_doc = (docs / "journal.md").read_text(encoding="utf-8")
    for preset in journal.PRESETS.values():
        assert f"### `{preset.name}`" in journal_doc, preset.name
        assert all(n in journal_doc for n in preset.identify), preset.name
    closing_doc = (docs / "closing.md").read_text(encoding="utf-8")
    for spec in settlement.SPECS.values():
        assert f"| `{spec.name}` |" in closing_doc, spec.name
    assert "## Refusals: what each one means" in proofs_doc and "### Refusals" in journal_doc


_STRIPE_HEADER = (
    '"balance_transaction_id","created_utc","available_on_utc","currency","gross","fee","net",'
    '"reporting_category","description"\n'
)
_BOC_HEADER = (
    "中国银行交易流水明细单\n记账日期,记账时间,币别,金额,余额,交易名称,渠道,网点名称,附言,对方账户名,"
    "对方卡号/账号,对方开户行,借记卡号\n"
)
_WECHAT_HEAD = (
    "微信支付账单明细\n"
    + "\n".join(["x"] * 14)
    + "\n----------------------微信支付账单明细列表--------------------\n"
    + "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n"
)
_OFX2 = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" '
    'OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0'
    "</CODE><SEVERITY>INFO</SEVERITY></STATUS><STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM><BANKID>1</BANKID>"
    "<ACCTID>1</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST><DTSTART>20230101</DTSTART>"
    "<DTEND>20261201</DTEND>\n<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20231203125742[+1:CET]</DTPOSTED>"
    "<TRNAMT>{amount}</TRNAMT><FITID>F1</FITID><NAME>Shop</NAME></STMTTRN>\n</BANKTRANLIST></STMTRS></STMTTRNRS>"
    "</BANKMSGSRSV1>\n</OFX>\n"
)
# Clean-room intake finding A: each of these was read as 5.00 (a charge became a refund, a credit a debit).
_TRAILING_MINUS = {
    "stripe": (
        "balance.csv",
        _STRIPE_HEADER
        + '"txn_0","2026-11-10 09:00:00","2026-11-12 00:00:00","usd","7.25","0.00","7.25","charge","y"\n'
        '"txn_1","2026-11-11 10:31:08","2026-11-13 00:00:00","usd","5-","0.00","5-","charge","x"\n',
        3,
        "gross",
        "5-",
    ),
    "boc_debit": (
        "boc.csv",
        _BOC_HEADER
        + '2026-04-08,05:19:24,人民币,-658.64,"3,240.28",网上快捷支付,银企对接,-,x,x,Z200******010N,-,3167\n'
        '2026-04-09,05:19:24,人民币,5-,"3,240.28",网上快捷支付,银企对接,-,x,x,Z200******010N,-,3167\n',
        4,
        "金额",
        "5-",
    ),
    "wechat": (
        "微信支付账单(20260101-20260131).csv",
        _WECHAT_HEAD + "2026-01-15 14:30:25,商户消费,罗森,/,支出,¥5-,零钱,支付成功,4200000001\t,123\t,/\n",
        18,
        "金额(元)",
        "¥5-",
    ),
    "ofx2": ("s.ofx", _OFX2.replace("{amount}", "5-"), None, "TRNAMT", "5-"),
}


@pytest.mark.parametrize("case", sorted(_TRAILING_MINUS))
def test_a_sign_after_the_amount_is_refused_by_every_reader(tmp_path, case):
    name, text, row, column, value = _TRAILING_MINUS[case]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(ProofError, match="sign after the amount") as caught:
        read_proofs(path)
    assert (caught.value.file, caught.value.column, caught.value.value) == (str(path), column, value)
    if row is not None:
        assert caught.value.row == row
    if case in ("stripe", "boc_debit"):  # two rows: the good one stays, the bad one is reported
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = read_proofs(path, strict=False)
        assert len(frame) == 1 and 500 not in frame["amount_minor"].tolist()
        assert rejected(frame)["row"].tolist() == [row]


ZONE_FILES = [
    "alipay_bill.csv",
    "wechat_bill.csv",
    "sms.txt",
    "statement.ofx",
    "paypal_activity.csv",
    "canonical",
]


def _zone_source(fixtures, file, tmp_path):
    if file != "canonical":
        return fixtures / "proofs" / file
    path = tmp_path / "proofs.csv"
    read_proofs(fixtures / "proofs" / "alipay_bill.csv").drop(columns=["raw"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("file", ZONE_FILES)
@pytest.mark.parametrize(("tz", "hours"), [("UTC+8", 8), ("+8", 8), ("GMT-5", -5), ("+05:30", 5.5)])
def test_tz_written_as_an_offset_means_that_offset_in_every_proof_reader(fixtures, tmp_path, file, tz, hours):
    """read_journal and the CLI read 'UTC+8' as +08:00 (zone_text); read_proofs handed the text to pandas,
    which failed with a bare ValueError ("invalid literal for int()") or ZoneInfoNotFoundError ('GMT-5')."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SMS fixture has a line that is no bank message
        proofs = read_proofs(_zone_source(fixtures, file, tmp_path), tz=tz, strict=False)
    timed = proofs["ts"].dropna()
    assert len(timed) and (timed.map(lambda t: t.utcoffset()) == pd.Timedelta(hours=hours)).all()


@pytest.mark.parametrize("file", ZONE_FILES)
@pytest.mark.parametrize("tz", ["Asia/Shanghaii", "", " ", "UTC+25", "Hong_Kong"])
def test_an_unknown_tz_is_a_proof_error_naming_tz_in_every_proof_reader(fixtures, tmp_path, file, tz):
    """'Asia/Shanghaii' was a bare ZoneInfoNotFoundError from the canonical reader, '' read as the default zone
    by the wallet readers and an IndexError from the canonical one."""
    source = _zone_source(fixtures, file, tmp_path)
    with pytest.raises(ProofError) as info:
        read_proofs(source, tz=tz)
    assert info.value.file is None  # the option is wrong, not the file
    assert f"tz={tz!r} is not a time zone" in str(info.value) and "Asia/" in str(info.value)


def test_an_unknown_tz_for_a_proofs_frame_is_a_proof_error(fixtures):
    frame = read_proofs(fixtures / "proofs" / "alipay_bill.csv")
    with pytest.raises(ProofError, match="tz='GMT-5x' is not a time zone"):
        read_proofs(frame, tz="GMT-5x")
    assert read_proofs(frame, tz="UTC+8")["ts"].iloc[0].utcoffset().total_seconds() == 8 * 3600
