"""read_journal: presets on fixture files in the real layouts, and the rules every reader shares."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import receiptkit
import receiptkit as rk
from receiptkit.errors import JournalError
from receiptkit.readers.journal import PRESETS, RejectedRowsWarning, read_journal, sniff
from receiptkit.schema import JOURNAL_COLUMNS, FullPanWarning

from . import writers as w

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "journal"
STRIPE = "stripe/hledger__stripe-balance-change-from-activity.csv"


def _read(path: Path | str, **kwargs: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FullPanWarning)
        return read_journal(path, **kwargs)


def _no_full_pan(frame: pd.DataFrame) -> None:
    for column in frame.columns:
        if frame[column].dtype == "string":
            text = " ".join(frame[column].dropna())
            assert not re.search(r"(?<![\d*])6222021234567890123(?!\d)", text), column


# --------------------------------------------------------------------------- presets


def test_every_preset_is_listed_with_a_description() -> None:
    assert {
        "canonical",
        "unionpay_terminal",
        "wechat_merchant",
        "alipay_merchant",
        "square",
        "stripe_balance",
    } <= set(PRESETS)
    for name, preset in PRESETS.items():
        assert preset.name == name
        assert preset.description and "\n" not in preset.description
        assert preset.identify


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("unionpay_terminal_gbk.csv", "unionpay_terminal"),
        ("wechat_merchant.csv", "wechat_merchant"),
        ("alipay_merchant_gbk.csv", "alipay_merchant"),
        ("square_transactions.csv", "square"),
    ],
)
def test_sniffing_recognises_each_fixture(file: str, expected: str) -> None:
    assert sniff(FIX / file) == expected
    assert _read(FIX / file).attrs["preset"] == expected


def test_unionpay_terminal_gbk_with_title_split_date_and_total_row() -> None:
    with pytest.warns(FullPanWarning, match="pan_masked"):
        journal = read_journal(FIX / "unionpay_terminal_gbk.csv")
    assert list(journal.columns[: len(JOURNAL_COLUMNS)]) == list(JOURNAL_COLUMNS)
    assert len(journal) == 8  # the 合计 row is not a transaction
    assert journal["amount_minor"].tolist() == [123450, 12850, 12850, 2500, 50000, 48000, 3600, 5000]
    assert journal["txn_type"].tolist() == [
        "sale",
        "sale",
        "void",
        "refund",  # "-25.00" on a 消费 row: the sign rule
        "preauth",
        "completion",
        "sale",
        "refund",
    ]
    assert journal["status"].tolist()[-1] == "reversed"
    assert journal["channel"].tolist()[6] == "wechat"  # 微信消费 implies the channel
    assert set(journal["channel"].drop(index=6)) == {"card"}
    assert journal["currency"].unique().tolist() == ["CNY"]
    assert str(journal.loc[0, "ts"]) == "2026-01-15 09:30:15+08:00"
    assert journal.loc[0, "txn_id"] == "12345678/000012/000101"  # terminal/batch/stan
    # 12-digit RRN and 15-digit merchant number are ids, not card numbers
    assert journal.loc[0, "rrn"] == "401512345601"
    assert journal.loc[0, "merchant_id"] == "898310048161234"
    # the full PAN on line 5 is masked, last4 filled
    assert journal.loc[1, "pan_masked"] == "622202*********0123"
    assert journal.loc[1, "card_last4"] == "0123"
    assert journal["source_row"].tolist() == list(range(4, 12))
    _no_full_pan(journal)


def test_wechat_merchant_bill_backticks_trailer_and_refund_row() -> None:
    journal = _read(FIX / "wechat_merchant.csv")
    assert len(journal) == 3  # summary header and row after the data are not read
    sale, other, refund = (journal.iloc[i] for i in range(3))
    assert sale["txn_id"] == "4200001234202601151234567890"  # backtick stripped
    assert sale["order_no"] == "ORD20260115001"
    assert sale["merchant_id"] == "1601960001"  # the sub-merchant (特约商户号)
    assert sale["terminal_id"] == "POS-01"
    assert (sale["amount_minor"], sale["channel"], sale["txn_type"]) == (12850, "wechat", "sale")
    assert other["amount_minor"] == 3600
    assert refund["txn_type"] == "refund"
    assert refund["status"] == "approved"
    assert refund["amount_minor"] == 2850  # 退款金额, not the order amount
    assert refund["txn_id"] == "50300001234202601151234567890"  # 微信退款单号
    assert refund["original_txn_id"] == "4200001234202601151234567890"
    assert str(refund["ts"]) == "2026-01-15 18:45:10+08:00"


def test_alipay_merchant_bill_gbk_hash_lines_and_refund() -> None:
    raw = (FIX / "alipay_merchant_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK
    journal = _read(FIX / "alipay_merchant_gbk.csv")
    assert len(journal) == 3  # '#' trailer lines skipped
    assert journal["wallet_txn_id"].tolist()[:2] == [
        "2026011522001419931441931972",
        "2026011522001419931441931973",
    ]
    assert journal["order_no"].tolist()[0] == "ORD20260115101"  # trailing tab stripped
    assert journal["merchant_id"].unique().tolist() == ["20881234567890120156"]  # from '#账号：[...]'
    assert journal["merchant_name"].tolist()[0] == "传奇广场店"
    assert str(journal.loc[0, "ts"]) == "2026-01-15 12:10:05+08:00"  # 完成时间
    refund = journal.iloc[2]
    assert (refund["txn_type"], refund["amount_minor"]) == ("refund", 2000)  # "-20.00"
    assert refund["txn_id"] == "2026011521001004RF01"
    assert refund["original_txn_id"] == "2026011522001419931441931972"
    assert journal["channel"].unique().tolist() == ["alipay"]


def test_square_zones_per_row_dollar_forms_and_refunds() -> None:
    journal = _read(FIX / "square_transactions.csv")
    assert journal["amount_minor"].tolist() == [800, 123450, 800, 500, 350]
    assert journal["currency"].unique().tolist() == ["USD"]
    assert journal["txn_type"].tolist() == ["sale", "sale", "refund", "refund", "sale"]
    # Eastern 09:30:15 = 14:30:15 UTC; Pacific 14:00 = 22:00 UTC
    assert str(journal.loc[0, "ts"]) == "2026-01-15 14:30:15+00:00"
    assert str(journal.loc[3, "ts"]) == "2026-01-15 22:00:00+00:00"
    assert journal.loc[2, "txn_id"] == "aX7Kq2Lr9Tn3bWcY1/refund"
    assert journal.loc[2, "original_txn_id"] == "aX7Kq2Lr9Tn3bWcY1"
    assert journal["txn_id"].is_unique
    assert journal["card_last4"].tolist()[:3] == ["4821", "5100", "4821"]
    assert journal["channel"].tolist() == ["card", "card", "card", "other", "other"]
    assert journal.loc[0, "card_scheme"] == "Visa"
    with_tz = _read(FIX / "square_transactions.csv", tz="America/New_York")
    assert str(with_tz.loc[0, "ts"]) == "2026-01-15 09:30:15-05:00"


def test_stripe_balance_real_sample(samples: Path) -> None:
    journal = _read(samples / STRIPE)
    assert journal.attrs["preset"] == "stripe_balance"
    assert journal["txn_id"].tolist() == ["txn_14G11HjubSIHf9IKrvJdwN", "txn_14G11HjHgubIH9ZvbPgYO7"]
    assert journal["amount_minor"].tolist() == [1200, 77]
    assert journal["txn_type"].tolist() == ["sale", "refund"]
    assert journal["currency"].tolist() == ["USD", "USD"]  # written "usd"
    assert str(journal.loc[0, "ts"]) == "2020-01-23 08:26:29+00:00"
    # created_utc is UTC whatever tz says; tz only sets the result's zone
    local = _read(samples / STRIPE, tz="Asia/Shanghai")
    assert str(local.loc[0, "ts"]) == "2020-01-23 16:26:29+08:00"


def test_stripe_payouts_are_reported_as_skipped_not_read(tmp_path: Path) -> None:
    path = tmp_path / "balance.csv"
    path.write_text(
        "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,description\n"
        "txn_A,2026-01-02 10:00:00,2026-01-05 00:00:00,eur,10.00,-0.50,9.50,charge,\n"
        "txn_B,2026-01-06 10:00:00,2026-01-06 00:00:00,eur,-9.50,0.00,-9.50,payout,STRIPE PAYOUT\n",
        encoding="utf-8",
    )
    journal = _read(path)
    assert journal["txn_id"].tolist() == ["txn_A"]
    assert journal.loc[0, "currency"] == "EUR"
    skipped = rk.skipped(journal)
    assert skipped[["row", "column", "value"]].values.tolist() == [[3, "reporting_category", "payout"]]
    assert rk.rejected(journal).empty


# --------------------------------------------------------------------------- mapping, sources


MAPPING = {
    "交易时间": "ts",
    "金额": "amount",
    "卡号": "pan_masked",
    "终端号": "terminal_id",
    "商户号": "merchant_id",
    "参考号": "rrn",
    "凭证号": "stan",
    "批次号": "batch_no",
    "授权码": "auth_code",
    "交易类型": "txn_type",
    "状态": "status",
    "支付方式": "channel",
}
GENERIC = (
    "交易时间,金额,卡号,终端号,商户号,参考号,凭证号,批次号,授权码,交易类型,状态,支付方式\n"
    "2026年1月15日 14:30:25,¥128.50,6222 0212 3456 7890 123,T01,M01,401500000001,000001,000001,A1,消费,成功,刷卡\n"
    "2026/01/15 14:31:00,128.5元,,T01,M01,401500000002,000002,000001,,消费撤销,交易成功,银行卡\n"
    '2026-01-15 14:32:00,"1,234.50",,T01,M01,401500000003,000003,000001,,扫码支付,失败,微信\n'
    "2026-01-15 14:33:00,-25.00,,T01,M01,401500000004,000004,000001,,,已冲正,云闪付\n"
)


def test_generic_mapping_chinese_headers_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "pos.csv"
    path.write_bytes(GENERIC.encode("utf-8-sig"))
    with pytest.warns(FullPanWarning):
        journal = read_journal(path, mapping=MAPPING, tz="Asia/Shanghai", currency="CNY")
    assert journal["amount_minor"].tolist() == [12850, 12850, 123450, 2500]
    assert journal["txn_type"].tolist() == ["sale", "void", "sale", "refund"]
    assert journal["status"].tolist() == ["approved", "approved", "declined", "reversed"]
    assert journal["channel"].tolist() == ["card", "card", "wechat", "unionpay_qr"]
    assert journal.loc[0, "pan_masked"] == "622202*********0123"
    assert journal.loc[0, "card_last4"] == "0123"
    assert str(journal.loc[0, "ts"]) == "2026-01-15 14:30:25+08:00"
    assert journal.loc[0, "txn_id"] == "T01/000001/000001"
    _no_full_pan(journal)


def test_gbk_generic_file_reads_like_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pos_gbk.csv"
    path.write_bytes(GENERIC.replace("¥", "￥").encode("gb18030"))
    journal = _read(path, mapping=MAPPING, tz="Asia/Shanghai", currency="CNY")
    assert journal["amount_minor"].tolist() == [12850, 12850, 123450, 2500]


def test_currency_from_the_amount_text_when_no_currency_is_known() -> None:
    frame = pd.DataFrame({"t": ["2026-01-15 10:00", "2026-01-15 10:01"], "a": ["¥128.50", "$3.00"]})
    journal = read_journal(frame, mapping={"t": "ts", "a": "amount"}, tz="Asia/Shanghai")
    assert journal["currency"].tolist() == ["CNY", "USD"]
    assert journal["amount_minor"].tolist() == [12850, 300]
    with pytest.raises(JournalError, match="no currency") as info:
        read_journal(frame.assign(a=["1.00", "2.00"]), mapping={"t": "ts", "a": "amount"}, tz="UTC")
    assert (info.value.row, info.value.column, info.value.value) == (1, "a", "1.00")


def test_mapping_with_a_preset_renames_one_column(tmp_path: Path) -> None:
    text = (
        (FIX / "unionpay_terminal_gbk.csv").read_bytes().decode("gbk").replace(",交易金额,", ",消费金额(元),")
    )
    path = tmp_path / "renamed.csv"
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(JournalError, match="交易金额"):
        _read(path, preset="unionpay_terminal")
    journal = _read(
        path, preset="unionpay_terminal", mapping={"终端号": "terminal_id", "消费金额(元)": "amount"}
    )
    assert journal["amount_minor"].tolist()[:2] == [123450, 12850]
    assert journal["channel"].tolist()[0] == "card"  # the preset's defaults still apply


CANONICAL = pd.DataFrame(
    {
        "txn_id": ["a1", "a2"],
        "ts": pd.to_datetime(["2026-01-15 06:30:00", "2026-01-15 07:00:00"]).tz_localize("UTC"),
        "amount_minor": [12850, 500],
        "currency": ["CNY", "CNY"],
        "txn_type": ["sale", "refund"],
        "status": ["approved", "approved"],
        "channel": ["card", "wechat"],
        "card_last4": ["0123", None],
    }
)


def _check_canonical(journal: pd.DataFrame) -> None:
    assert journal["txn_id"].tolist() == ["a1", "a2"]
    assert journal["amount_minor"].tolist() == [12850, 500]
    assert journal["amount_minor"].dtype == "int64"
    assert journal["ts"].iloc[0] == pd.Timestamp("2026-01-15 14:30:00+08:00")
    assert journal["txn_type"].tolist() == ["sale", "refund"]
    assert journal.loc[0, "card_last4"] == "0123"


def test_dataframe_canonical_and_not_modified() -> None:
    before = CANONICAL.copy()
    journal = read_journal(CANONICAL, tz="Asia/Shanghai")
    _check_canonical(journal)
    assert journal.attrs["preset"] == "canonical"
    assert str(journal["ts"].dt.tz) == "Asia/Shanghai"
    pd.testing.assert_frame_equal(CANONICAL, before)


def test_dataframe_with_mapping_and_float_amounts() -> None:
    frame = pd.DataFrame({"When": ["2026-01-15T14:30:00+08:00"], "Total": [128.5], "Ref": ["r1"]})
    journal = read_journal(frame, mapping={"When": "ts", "Total": "amount", "Ref": "txn_id"}, currency="HKD")
    assert (journal.loc[0, "amount_minor"], journal.loc[0, "currency"]) == (12850, "HKD")
    assert journal.loc[0, "ts"] == pd.Timestamp("2026-01-15 06:30:00Z")


def test_canonical_csv_and_parquet(tmp_path: Path) -> None:
    csv_path = tmp_path / "journal.csv"
    CANONICAL.to_csv(csv_path, index=False)
    _check_canonical(read_journal(csv_path, tz="Asia/Shanghai"))
    parquet = tmp_path / "journal.parquet"
    CANONICAL.to_parquet(parquet)
    journal = read_journal(parquet, tz="Asia/Shanghai")
    _check_canonical(journal)
    assert journal["source"].iloc[0] == str(parquet)


def test_canonical_parquet_uploaded_as_bytes_or_a_file_object(tmp_path: Path) -> None:
    # clean room 10 (session 18): a Parquet journal handed over as an upload (bytes, a binary file object) was
    # refused as 'format not recognised', though the same file read from its path
    parquet = tmp_path / "journal.parquet"
    CANONICAL.to_parquet(parquet)
    from_path = read_journal(parquet, tz="Asia/Shanghai")
    data = parquet.read_bytes()
    for given in (data, io.BytesIO(data)):
        journal = read_journal(given, tz="Asia/Shanghai")
        _check_canonical(journal)
        assert journal.drop(columns="source").equals(from_path.drop(columns="source"))
    with open(parquet, "rb") as handle:
        assert read_journal(handle, tz="Asia/Shanghai")["source"].iloc[0] == str(parquet)
    with pytest.raises(JournalError, match="Parquet") as info:
        read_journal(data[: len(data) // 2], tz="Asia/Shanghai")  # a cut upload: refused, never half read
    assert "BytesIO" not in str(info.value)


def test_sqlite3_query() -> None:
    import sqlite3

    con = sqlite3.connect(":memory:")
    frame = CANONICAL.assign(ts=CANONICAL["ts"].astype(str))
    frame.to_sql("journal", con, index=False)
    journal = read_journal("SELECT * FROM journal ORDER BY txn_id", con=con, tz="Asia/Shanghai")
    _check_canonical(journal)
    assert journal["source"].iloc[0].startswith("<sql: SELECT")
    with pytest.raises(JournalError, match="SQL query failed"):
        read_journal("SELECT * FROM nowhere", con=con)


def test_sqlalchemy_engine_with_chinese_columns() -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine("sqlite://")
    pd.DataFrame(
        {
            "交易时间": ["2026-01-15 14:30:25"],
            "金额": ["128.50"],
            "参考号": ["401512345678"],
            "交易类型": ["退货"],
        }
    ).to_sql("pos", engine, index=False)
    journal = read_journal(
        "SELECT * FROM pos",
        con=engine,
        mapping={"交易时间": "ts", "金额": "amount", "参考号": "rrn", "交易类型": "txn_type"},
        tz="Asia/Shanghai",
        currency="CNY",
    )
    assert journal.loc[0, ["txn_id", "txn_type"]].tolist() == ["401512345678", "refund"]
    assert journal.loc[0, "amount_minor"] == 12850


def test_xlsx_written_with_openpyxl(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["POS 交易明细"])
    sheet.append(["终端号", "参考号", "凭证号", "批次号", "交易类型", "交易时间", "交易金额", "卡号"])
    sheet.append(
        ["T9", "401500000009", "000009", "000002", "消费", dt.datetime(2026, 1, 15, 9, 0, 5), 128.5, None]
    )
    sheet.append(["T9", "401500000010", "000010", "000002", "退货", "2026-01-15 10:00:00", "0.1", None])
    path = tmp_path / "pos.xlsx"
    book.save(path)
    assert sniff(path) == "unionpay_terminal"
    journal = read_journal(path)
    assert journal["amount_minor"].tolist() == [12850, 10]
    assert str(journal.loc[0, "ts"]) == "2026-01-15 09:00:05+08:00"
    assert journal["source_row"].tolist() == [3, 4]  # spreadsheet rows
    assert journal["txn_type"].tolist() == ["sale", "refund"]


# --------------------------------------------------------------------------- time zones


def test_naive_times_need_tz_or_preset_zone(tmp_path: Path) -> None:
    path = tmp_path / "naive.csv"
    path.write_text("when,total\n2026-01-15 14:30:00,12.00\n", encoding="utf-8")
    mapping = {"when": "ts", "total": "amount"}
    with pytest.raises(JournalError, match=r"tz=") as info:
        read_journal(path, mapping=mapping, currency="EUR")
    assert info.value.row == 2 and info.value.column == "when"
    journal = read_journal(path, mapping=mapping, currency="EUR", tz="Europe/Berlin")
    assert str(journal.loc[0, "ts"]) == "2026-01-15 14:30:00+01:00"


def test_tz_overrides_preset_zone_for_naive_times() -> None:
    journal = _read(FIX / "unionpay_terminal_gbk.csv", tz="Europe/London")
    assert str(journal.loc[0, "ts"]) == "2026-01-15 09:30:15+00:00"


def test_aware_times_are_converted(tmp_path: Path) -> None:
    path = tmp_path / "aware.csv"
    path.write_text(
        "when,total\n2026-01-15T06:30:00Z,12.00\n2026-01-15 14:30:00+08:00,13.00\n", encoding="utf-8"
    )
    journal = read_journal(
        path, mapping={"when": "ts", "total": "amount"}, currency="CNY", tz="Asia/Shanghai"
    )
    assert [str(t) for t in journal["ts"]] == ["2026-01-15 14:30:00+08:00"] * 2


# --------------------------------------------------------------------------- bad input


def test_wrong_encoding_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="cannot be decoded as utf-8") as info:
        read_journal(FIX / "alipay_merchant_gbk.csv", encoding="utf-8")
    assert info.value.file.endswith("alipay_merchant_gbk.csv")
    assert info.value.row == 1
    path = tmp_path / "utf16.csv"
    path.write_bytes("交易时间,金额\n".encode("utf-16"))
    with pytest.raises(JournalError, match="cannot be decoded"):
        read_journal(path, mapping={"交易时间": "ts", "金额": "amount"})


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "no_amount.csv"
    path.write_text(
        "终端号,参考号,交易类型,交易时间\nT1,401500000001,消费,2026-01-15 10:00:00\n", encoding="utf-8"
    )
    with pytest.raises(JournalError, match="missing required column") as info:
        read_journal(path, preset="unionpay_terminal")
    assert info.value.column == "交易金额"
    with pytest.raises(JournalError, match="missing required column") as info:
        read_journal(path, mapping={"交易时间": "ts", "金额": "amount"})
    assert info.value.column == "金额"


BAD = (
    "交易时间,金额,参考号\n"
    "2026-01-15 10:00:00,12.00,401500000001\n"
    "2026-01-15 10:05:00,12,34,401500000002\n"
    "2026-01-15 10:06:00,abc,401500000003\n"
    "2026-13-45 99:00:00,5.00,401500000004\n"
    "2026-01-15 10:08:00,7.00,401500000001\n"
    "2026-01-15 10:09:00,8.00,401500000006\n"
)
BAD_MAP = {"交易时间": "ts", "金额": "amount", "参考号": "rrn"}


def test_unparseable_amount_strict_names_row_column_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD.replace("12,34,", "12.00,"), encoding="utf-8")
    with pytest.raises(JournalError) as info:
        read_journal(path, mapping=BAD_MAP, tz="Asia/Shanghai", currency="CNY")
    error = info.value
    assert (error.row, error.column, error.value) == (4, "金额", "abc")
    assert "bad.csv" in str(error) and "row 4" in str(error) and "'金额'" in str(error)


def test_unparseable_time_strict(tmp_path: Path) -> None:
    path = tmp_path / "bad_time.csv"
    path.write_text("交易时间,金额\n2026-01-15 10:00:00,1.00\nyesterday-ish,2.00\n", encoding="utf-8")
    with pytest.raises(JournalError) as info:
        read_journal(path, mapping={"交易时间": "ts", "金额": "amount"}, tz="Asia/Shanghai", currency="CNY")
    assert (info.value.row, info.value.column, info.value.value) == (3, "交易时间", "yesterday-ish")


def test_row_with_too_many_cells_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(JournalError, match="row 3") as info:
        read_journal(path, mapping=BAD_MAP, tz="Asia/Shanghai", currency="CNY", strict=False)
    assert info.value.row == 3


def test_duplicate_txn_id_strict_names_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        "交易时间,金额,参考号\n2026-01-15 10:00:00,1.00,R1\n2026-01-15 10:01:00,2.00,R2\n2026-01-15 10:02:00,3.00,R1\n",
        encoding="utf-8",
    )
    with pytest.raises(JournalError, match="rows 2 and 4") as info:
        read_journal(path, mapping=BAD_MAP, tz="Asia/Shanghai", currency="CNY")
    assert info.value.row == 4 and info.value.value == "R1"


def test_non_strict_report_keeps_every_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD.replace("12,34,", "12.00,"), encoding="utf-8")
    with pytest.warns(RejectedRowsWarning, match="3 row"):
        journal = read_journal(path, mapping=BAD_MAP, tz="Asia/Shanghai", currency="CNY", strict=False)
    report = rk.rejected(journal)
    assert list(report.columns) == ["file", "row", "column", "value", "reason"]
    assert report["row"].tolist() == [4, 5, 6]
    assert report["column"].tolist() == ["金额", "交易时间", "参考号"]
    assert report["value"].tolist()[0] == "abc"
    assert "duplicate txn_id: rows 2 and 6" in report["reason"].tolist()[2]
    assert journal["source_row"].tolist() == [2, 3, 7]
    assert len(journal) + report["row"].nunique() == 6  # nothing silently dropped


def test_unknown_type_word_is_a_problem_naming_the_column(tmp_path: Path) -> None:
    path = tmp_path / "types.csv"
    path.write_text("交易时间,金额,交易类型\n2026-01-15 10:00:00,1.00,积分兑换\n", encoding="utf-8")
    with pytest.raises(JournalError, match="unknown value for txn_type") as info:
        read_journal(
            path,
            mapping={"交易时间": "ts", "金额": "amount", "交易类型": "txn_type"},
            tz="UTC",
            currency="CNY",
        )
    assert (info.value.row, info.value.column, info.value.value) == (2, "交易类型", "积分兑换")


def test_full_pan_never_in_error_or_report(tmp_path: Path) -> None:
    path = tmp_path / "pan.csv"
    path.write_text("交易时间,金额,卡号\n2026-01-15 10:00:00,1.00,6222021234567890123\n", encoding="utf-8")
    mapping = {
        "交易时间": "ts",
        "金额": "amount",
        "卡号": "txn_type",
    }  # a wrong mapping: the PAN is a bad cell
    with pytest.raises(JournalError, match="unknown value for txn_type") as info:
        read_journal(path, mapping=mapping, tz="UTC", currency="CNY")
    assert "6222021234567890123" not in str(info.value)
    assert info.value.value == "622202*********0123"
    with pytest.warns(RejectedRowsWarning):
        journal = read_journal(path, mapping=mapping, tz="UTC", currency="CNY", strict=False)
    assert rk.rejected(journal)["value"].tolist() == ["622202*********0123"]
    # mapped to last4, only the last four digits are kept
    journal = read_journal(
        path, mapping={"交易时间": "ts", "金额": "amount", "卡号": "card_last4"}, tz="UTC", currency="CNY"
    )
    assert journal.loc[0, "card_last4"] == "0123"
    _no_full_pan(journal)


def test_unrecognised_format_lists_presets_and_suggests_mapping(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(JournalError, match="mapping=") as info:
        read_journal(path)
    for name in PRESETS:
        assert name in str(info.value)
    with pytest.raises(JournalError, match="unknown preset 'nope'"):
        read_journal(path, preset="nope")
    with pytest.raises(JournalError, match="not a journal column"):
        read_journal(path, mapping={"a": "when"})


def test_register_a_preset_in_a_dozen_lines(tmp_path: Path) -> None:
    from receiptkit.readers.journal import JournalPreset, register_preset
    from receiptkit.readers.table import Col

    preset = JournalPreset(
        name="test_berlin_pos",
        description="A made-up Berlin POS export",
        identify=("Beleg", "Zeit", "Betrag"),
        fields={
            "txn_id": Col("Beleg"),
            "ts": Col("Zeit", kind="time"),
            "amount_minor": Col("Betrag", kind="amount"),
        },
        tz="Europe/Berlin",
        currency="EUR",
        defaults={"channel": "card"},
    )
    register_preset(preset)
    try:
        with pytest.raises(ValueError, match="exists"):
            register_preset(preset)
        path = tmp_path / "kasse.csv"
        path.write_text('Beleg,Zeit,Betrag\nB1,2026-01-15 10:00,"1,00 €"\n', encoding="utf-8")
        with pytest.raises(JournalError, match="not an amount") as info:
            read_journal(path)  # "1,00 €" is not 100 euros
        assert (info.value.row, info.value.column) == (2, "Betrag")
        path.write_text("Beleg,Zeit,Betrag\nB1,2026-01-15 10:00,€12.30\n", encoding="utf-8")
        journal = read_journal(path)
        assert journal.loc[0, ["txn_id", "currency", "channel"]].tolist() == ["B1", "EUR", "card"]
        assert str(journal.loc[0, "ts"]) == "2026-01-15 10:00:00+01:00"
    finally:
        del PRESETS["test_berlin_pos"]


def test_public_export() -> None:
    assert receiptkit.read_journal is read_journal


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234.50", 123450),
        ("12,345,678.00", 1234567800),
        ("1,00", None),
        ("12,34", None),
        ("1,2345.00", None),
    ],
)
def test_commas_count_only_as_thousands_separators(tmp_path: Path, cell: str, expected: int | None) -> None:
    # A column of plain amounts takes a vectorised path; it must agree with
    # parse_amount: "1,00" is not one hundred, it is an error naming the cell.
    path = tmp_path / "commas.csv"
    rows = "".join(
        f'2026-01-15 10:0{i}:00,"{amount}",40150000000{i}\n' for i, amount in enumerate(["5.00", cell])
    )
    path.write_text("交易时间,金额,参考号\n" + rows, encoding="utf-8")
    if expected is None:
        with pytest.raises(JournalError) as info:
            read_journal(path, mapping=BAD_MAP, tz="Asia/Shanghai", currency="CNY")
        assert (info.value.row, info.value.column, info.value.value) == (3, "金额", cell)
    else:
        frame = read_journal(path, mapping=BAD_MAP, tz="Asia/Shanghai", currency="CNY")
        assert frame["amount_minor"].tolist() == [500, expected]


def test_header_only_export_is_an_empty_journal(tmp_path: Path) -> None:
    lines = (FIX / "unionpay_terminal_gbk.csv").read_bytes().decode("gb18030").splitlines()
    header = next(i for i, line in enumerate(lines) if line.count(",") > 5)
    path = tmp_path / "empty.csv"
    path.write_bytes(("\n".join(lines[: header + 1]) + "\n").encode("gb18030"))
    frame = read_journal(path, preset="unionpay_terminal")
    assert len(frame) == 0
    assert list(frame.columns[: len(JOURNAL_COLUMNS)]) == list(JOURNAL_COLUMNS)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_canonical_file_keeps_optional_columns(tmp_path: Path, suffix: str) -> None:
    # A rebuilt journal saved and read back keeps its after-loss marks, sources and conflicts.
    from receiptkit.datasets import make_dataset

    journal = make_dataset(n_transactions=120, n_proofs=5, seed=4).journal.copy()
    journal["after_loss"] = [i % 7 == 0 for i in range(len(journal))]
    journal["sources"] = "terminal;acquirer"
    journal["merge_conflict"] = None
    journal.loc[journal.index[5], "merge_conflict"] = "conflict-1"
    path = tmp_path / f"rebuilt{suffix}"
    journal.to_csv(path, index=False) if suffix == ".csv" else journal.to_parquet(path)
    back = read_journal(path)
    assert back["after_loss"].tolist() == journal["after_loss"].tolist()
    assert back["sources"].eq("terminal;acquirer").all()
    assert back["merge_conflict"].dropna().tolist() == ["conflict-1"]


def test_wechat_merchant_bill_direct_merchant_is_the_merchant_number(tmp_path) -> None:
    """A direct merchant's bill writes 特约商户号 "0": the merchant is 商户号, never "0"."""
    text = (FIX / "wechat_merchant.csv").read_text(encoding="utf-8-sig")
    direct = text.replace("`1601960001,", "`0,")
    assert direct != text
    path = tmp_path / "wechat_direct.csv"
    path.write_text(direct, encoding="utf-8-sig")
    journal = _read(path)
    assert set(journal["merchant_id"]) == {"1601959334"}


def test_tab_separated_merchant_bill_is_sniffed_and_read() -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO((FIX / "wechat_merchant.csv").read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    tabbed = receiptkit.read_journal(io.BytesIO(out.getvalue().encode()))
    plain = _read(FIX / "wechat_merchant.csv")
    assert list(tabbed["amount_minor"]) == list(plain["amount_minor"]) == [12850, 3600, 2850]
    assert list(tabbed["txn_id"]) == list(plain["txn_id"])


def test_errors_name_the_file_a_binary_object_was_opened_from(tmp_path):
    path = tmp_path / "till.csv"
    path.write_text(
        "txn_id,ts,amount_minor,currency\nT1,2026-11-20 14:32:07+08:00,12x50,CNY\n", encoding="utf-8"
    )
    with open(path, "rb") as handle, pytest.raises(JournalError) as info:
        read_journal(handle)
    assert info.value.file == str(path) and info.value.row == 2


@pytest.mark.parametrize(
    ("data", "column", "value"),
    [
        (
            b"txn_id,ts,amount_minor,currency,order_no\nT1,2026-01-15T14:30:25+08:00,1234,CNY,ORDER-12345\n"
            b"T2,2026-01-15T14:31:25+08:00,3561,CNY,ORDER-678",
            "order_no",
            "ORDER-678",
        ),
        (
            b"txn_id,ts,order_no,currency,amount_minor\nT1,2026-01-15T14:30:25+08:00,A,CNY,1234\n"
            b"T2,2026-01-15T14:31:25+08:00,B,CNY,356",
            "amount_minor",
            "356",
        ),
    ],
)
def test_a_journal_cut_inside_its_last_cell_is_refused_at_that_row(tmp_path, data, column, value) -> None:
    """Clean-room intake finding J: 3561 cut to 356 (no final line break) was read as 3.56."""
    path = tmp_path / "journal.csv"
    path.write_bytes(data)
    with pytest.raises(JournalError, match="end it with a line break") as info:
        read_journal(path)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        str(path),
        3,
        column,
        value,
    )
    with pytest.warns(RejectedRowsWarning):
        frame = read_journal(path, strict=False)
    assert frame["txn_id"].tolist() == ["T1"] and rk.rejected(frame)["row"].tolist() == [3]
    path.write_bytes(data + b"\n")  # complete after all: the user ends it with a line break
    assert read_journal(path)["txn_id"].tolist() == ["T1", "T2"]


@pytest.mark.parametrize("index", [[1, 0, 2], [10, 11, 12], ["x", "y", "z"]])
def test_a_frame_with_its_own_index_is_read_row_by_row(index: list[object]) -> None:
    """A sorted or filtered frame keeps its labels: each row's id, time, amount and text stay together."""
    frame = pd.DataFrame(
        {
            "txn_id": ["a", "b", "c"],
            "ts": pd.to_datetime(
                ["2026-01-01 10:00:00+08:00", "2026-01-01 11:00:00+08:00", "2026-01-01 12:00:00+08:00"]
            ),
            "amount_minor": [100, 200, 300],
            "currency": ["CNY", "CNY", "HKD"],
            "txn_type": ["sale", "refund", "sale"],
            "status": ["approved"] * 3,
            "channel": ["card"] * 3,
            "merchant_name": ["甲", "乙", "丙"],
        },
        index=index,
    )
    journal = read_journal(frame)
    assert journal["txn_id"].tolist() == ["a", "b", "c"]
    assert journal["amount_minor"].tolist() == [100, 200, 300]
    assert journal["ts"].dt.hour.tolist() == [10, 11, 12]
    assert journal["merchant_name"].tolist() == ["甲", "乙", "丙"]
    assert journal["currency"].tolist() == ["CNY", "CNY", "HKD"]
    assert journal["txn_type"].tolist() == ["sale", "refund", "sale"]


@pytest.mark.parametrize("written", ["2026-01-15", "2026-01-15 09:30:15", "09:30:15 09:30:15", "20260116"])
def test_a_time_cell_holding_more_than_a_time_of_day_is_refused_naming_it(written: str) -> None:
    """unionpay_terminal joins 交易日期 and 交易时间 for the time parser: '20260115' + '2026-01-15' was read
    as 2026-01-16 19:26 (issue #18 fuzzing). The 交易时间 cell is refused by its own column and value."""
    data = w.with_cell((FIX / "unionpay_terminal_gbk.csv").read_bytes(), 4, "交易时间", written, "gb18030")
    with pytest.raises(JournalError) as info:
        read_journal(data, preset="unionpay_terminal")
    assert (info.value.row, info.value.column, info.value.value) == (4, "交易时间", written)


@pytest.mark.parametrize("written", ["2026-01-15 24:00:00", "2026-01-15 14:32:00", "2026-01-16 9:30"])
def test_a_date_cell_holding_a_clock_time_is_refused_naming_it(written: str) -> None:
    """unionpay_terminal: 交易日期 '2026-01-15 24:00:00' beside 交易时间 '093015' read as 09:30:15, the
    date cell's impossible clock dropped without a word (issue #18 fuzzing)."""
    data = w.with_cell((FIX / "unionpay_terminal_gbk.csv").read_bytes(), 4, "交易日期", written, "gb18030")
    with pytest.raises(JournalError) as info:
        read_journal(data, preset="unionpay_terminal")
    assert (info.value.row, info.value.column, info.value.value) == (4, "交易日期", written)


@pytest.mark.parametrize("tz", ["UTC+8", "GMT+8", "+8", "+08:00", "UTC+08:00"])
def test_a_zone_written_as_an_offset_reads_as_that_offset(tz: str) -> None:
    """``UTC+8`` / ``GMT+8`` / ``+8`` mean 8 hours ahead, as resolve_tz reads them (pandas cannot read them)."""
    journal = read_journal(CANONICAL, tz=tz)
    shanghai = read_journal(CANONICAL, tz="Asia/Shanghai")
    assert str(journal["ts"].dt.tz) == "UTC+08:00"
    assert (journal["ts"] == shanghai["ts"]).all()
    assert journal["ts"].iloc[0].utcoffset() == pd.Timedelta(hours=8)


def test_a_zone_behind_utc_is_read_with_the_sign_as_written() -> None:
    journal = read_journal(CANONICAL, tz="GMT-5")
    assert journal["ts"].iloc[0].utcoffset() == pd.Timedelta(hours=-5)


@pytest.mark.parametrize("tz", ["Hong_Kong", "HKT", "UTC+25", "nowhere/at all"])
def test_an_unknown_zone_is_a_typed_error_naming_tz_not_the_file(tz: str) -> None:
    with pytest.raises(JournalError) as error:
        read_journal(CANONICAL, tz=tz)
    assert error.value.file is None  # the option is wrong, not the journal
    assert "tz=" in str(error.value) and repr(tz) in str(error.value) and "Asia/" in str(error.value)


@pytest.mark.parametrize("code", ["XYZ", "", "dollars"])
def test_an_unknown_currency_option_is_refused_naming_the_option_not_a_cell(code: str) -> None:
    """read_journal(currency='XYZ') blamed the first amount cell ('unknown currency', value '$8.00')."""
    with pytest.raises(JournalError) as info:
        read_journal(FIX / "square_transactions.csv", currency=code)
    assert info.value.file is None and f"currency={code!r} is not a currency" in str(info.value)


def test_an_unknown_currency_cell_is_refused_naming_file_row_and_value(tmp_path: Path) -> None:
    """A canonical journal whose currency cell is 'XYZ' was read as XYZ with 2 decimals."""
    from receiptkit.datasets import make_dataset

    journal = make_dataset(n_transactions=4, n_proofs=1, seed=2).journal.copy()
    journal["currency"] = journal["currency"].astype(object)
    journal.loc[journal.index[2], "currency"] = "XYZ"
    path = tmp_path / "journal.csv"
    journal.to_csv(path, index=False)
    with pytest.raises(JournalError) as info:
        read_journal(path)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        str(path),
        4,
        "currency",
        "XYZ",
    )


def test_a_control_character_in_a_journal_cell_is_refused_at_its_line(tmp_path: Path) -> None:
    """'海底\\x00捞火锅' was kept in merchant_name; refused, the error names the file's line (not the frame's row)."""
    from receiptkit.datasets import make_dataset

    journal = make_dataset(n_transactions=4, n_proofs=1, seed=2).journal.copy()
    journal["merchant_name"] = journal["merchant_name"].astype(object)
    journal.loc[journal.index[2], "merchant_name"] = "海底\x00捞火锅"
    path = tmp_path / "journal.csv"
    journal.to_csv(path, index=False)
    with pytest.raises(JournalError) as info:
        read_journal(path)
    where = (info.value.file, info.value.row, info.value.column, info.value.value)
    assert where == (str(path), 4, "merchant_name", "海底\x00捞火锅") and "U+0000" in str(info.value)


def test_a_canonical_proofs_file_is_never_read_as_a_journal(tmp_path: Path) -> None:
    """A proofs.csv has ts and amount_minor, the canonical journal's identifying columns: given as a journal it
    was read as one (every proof a 'sale', approved), or, with one date-only proof, refused at an empty time."""
    from receiptkit.datasets import make_dataset

    proofs = make_dataset(n_transactions=20, n_proofs=6, seed=3).proofs.drop(columns=["raw"])
    timed = proofs[proofs["ts"].notna()]
    for frame, name in ((timed, "timed.csv"), (proofs, "proofs.csv")):
        path = tmp_path / name
        frame.to_csv(path, index=False)
        with pytest.raises(JournalError) as info:
            read_journal(path)
        assert (info.value.file, info.value.row) == (str(path), 1)
        assert "a proofs file" in info.value.reason and "not a terminal journal" in info.value.reason
    with pytest.raises(JournalError, match="a proofs file"):
        read_journal(timed)


def test_a_card_number_in_the_amount_column_is_refused_naming_the_cell_not_the_digits() -> None:
    """Clean room 8: a full-width 13-digit card in 交易金额 was read as 4,220,458,973,377.00 CNY."""
    csv = (
        "商户号,商户名称,终端号,批次号,凭证号,参考号,授权码,交易日期,交易时间,卡号,发卡行,交易类型,交易金额,交易状态\n"
        "898310048161234,云膳,12345678,000012,000101,401512345601,123456,20260115,093015,622202******0123,"
        "工商银行,消费,12.50,成功\n"
        "898310048161234,云膳,12345678,000012,000102,401512345602,123456,20260115,093015,622202******0123,"
        "工商银行,消费,４２２０４５８９７３３７７,成功\n"
    )
    with pytest.raises(
        rk.JournalError, match="row 3, column '交易金额': a card number, not an amount"
    ) as caught:
        rk.read_journal(csv.encode("utf-8"))
    assert "4220458973377" not in str(caught.value)
