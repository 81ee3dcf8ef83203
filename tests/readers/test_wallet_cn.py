"""WeChat / Alipay personal bills read into proofs (own fixtures in the real layouts)."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit import ProofError, read_proofs
from receiptkit.readers.proofbase import RejectedRowsWarning, payment_state


def test_wechat_bill_with_bom_crlf_and_preamble(fixtures):
    frame = read_proofs(fixtures / "proofs" / "wechat_bill.csv")
    assert len(frame) == 4
    first = frame.iloc[0]
    assert first["proof_id"] == "wechat_bill:18"
    assert first["source_row"] == 18
    assert first["kind"] == "wallet"
    assert first["amount_minor"] == 12850 and first["currency"] == "CNY"
    assert first["direction"] == "debit"
    assert first["card_last4"] == "1234"
    assert first["wallet_txn_id"] == "4200001234202611201234567890"
    assert first["order_no"] == "POS20261120001"
    assert first["merchant_text"] == "示例便利店(中山路店)"
    assert first["ts"] == pd.Timestamp("2026-11-20 14:32:07", tz="Asia/Shanghai")
    assert first["ts_precision"] == "second"
    assert first["raw"]["商品"] == "饮料"
    assert list(frame["direction"]) == ["debit", "credit", "debit", "debit"]
    assert list(frame["payment_state"]) == ["success", "refunded", "success", "closed"]
    assert frame.iloc[1]["amount_minor"] == 3000  # "¥30.0": one decimal
    assert frame.iloc[2]["raw"].get("neutral") is True  # "/" direction kept, flagged


def test_alipay_gbk_padded_cells_and_neutral_refund(fixtures):
    frame = read_proofs(fixtures / "proofs" / "alipay_bill.csv")
    assert list(frame["source_row"]) == [18, 19, 20]
    assert list(frame["amount_minor"]) == [7900, 2000, 2000]
    assert list(frame["direction"]) == ["debit", "credit", "debit"]
    assert list(frame["payment_state"]) == ["success", "refunded", "pending"]
    assert frame.iloc[0]["card_last4"] == "7449"
    assert frame.iloc[0]["order_no"] == "SHOP20261120777"
    assert frame.iloc[0]["merchant_text"] == "示例咖啡馆"
    assert frame.iloc[1]["raw"]["neutral"] is True


def test_tz_argument_overrides_the_default(fixtures):
    frame = read_proofs(fixtures / "proofs" / "wechat_bill.csv", tz="UTC")
    assert frame.iloc[0]["ts"] == pd.Timestamp("2026-11-20 14:32:07", tz="UTC")


def test_bad_amount_strict_names_file_line_column(tmp_path, fixtures):
    text = (fixtures / "proofs" / "wechat_bill.csv").read_bytes().replace("¥128.50".encode(), b"abc")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(text)
    with pytest.raises(ProofError) as info:
        read_proofs(bad)
    assert info.value.file == str(bad) and info.value.row == 18 and info.value.column == "金额(元)"
    assert info.value.value == "abc"


def test_bad_amount_lenient_reports_rejected_rows(tmp_path, fixtures):
    text = (fixtures / "proofs" / "wechat_bill.csv").read_bytes().replace("¥128.50".encode(), b"abc")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(text)
    with pytest.warns(RejectedRowsWarning):
        frame = read_proofs(bad, strict=False)
    assert len(frame) == 3
    rejected = rk.rejected(frame)
    assert list(rejected["row"]) == [18] and list(rejected["column"]) == ["金额(元)"]


def test_wechat_samples_csv_and_xlsx_agree(samples):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        csv = read_proofs(samples / "wechat_personal" / "example-wechat-records.csv")
        xlsx = read_proofs(samples / "wechat_personal" / "example-wechat-records.xlsx")
    assert len(csv) == len(xlsx) > 20
    assert list(csv["amount_minor"]) == list(xlsx["amount_minor"])
    assert csv.iloc[0]["card_last4"] == "1234"


def test_jd_partial_refund_note(samples):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = read_proofs(samples / "jd_personal" / "example-jd-records.csv")
    row = frame[frame["amount_minor"] == 13177].iloc[0]
    assert row["payment_state"] == "partially_refunded" and row["direction"] == "debit"
    assert row["raw"]["金额"] == "131.77(已退款89.84)"


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("支付成功", "success"),
        ("已全额退款", "refunded"),
        ("交易关闭", "closed"),
        ("支付失败", "failed"),
        ("等待确认收货", "pending"),
        ("已退款￥742.00", "refunded"),
        ("部分退款", "partially_refunded"),
        ("对方已退还", "refunded"),
    ],
)
def test_payment_state(text, state):
    assert payment_state(text) == state


def _wechat_rows(tmp_path, rows: list[str]):
    head = (
        "微信支付账单明细,,,,,,,,,,\n"
        "----------------------微信支付账单明细列表--------------------,,,,,,,,,,\n"
        "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n"
    )
    path = tmp_path / "wechat.csv"
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    return read_proofs(path)


def test_wechat_partial_refund_and_returned_transfer(tmp_path):
    frame = _wechat_rows(
        tmp_path,
        [
            "2026-11-20 14:32:07,商户消费,示例餐厅,午餐,支出,¥100.00,零钱,已退款(￥39.93),4200000000000000000000000001,A1,/",
            "2026-11-20 15:00:00,商户消费,示例书店,书,支出,¥50.00,零钱,已退款(￥50.00),4200000000000000000000000002,A2,/",
            "2026-11-20 16:00:00,转账,张三,/,支出,¥20.00,零钱,对方已退还,1000050001202611200000000003,/,/",
            "2026-11-20 17:00:00,商户消费,示例超市,/,支出,¥8.00,零钱,支付成功,4200000000000000000000000004,A4,/",
        ],
    )
    assert list(frame["payment_state"]) == ["partially_refunded", "refunded", "refunded", "success"]
    assert frame.iloc[0]["raw"]["refunded_minor"] == 3993
    assert frame.iloc[1]["raw"]["refunded_minor"] == 5000
    assert frame.iloc[2]["raw"]["returned_transfer"] is True
    assert "returned_transfer" not in frame.iloc[3]["raw"]


def test_wechat_sample_refund_row_names_its_full_amount(samples):
    frame = read_proofs(samples / "wechat_personal" / "trim21__微信支付账单(20200830-20200906).csv")
    row = frame[frame["raw"].map(lambda r: r.get("当前状态") == "已退款￥742.00")].iloc[0]
    assert row["payment_state"] == "refunded" and row["raw"]["refunded_minor"] == 74200


def test_tab_separated_bill_reads_like_the_csv(fixtures):
    """A tab-separated export is read, not reported as missing columns that are present."""
    import csv
    import io

    rows = list(
        csv.reader(io.StringIO((fixtures / "proofs" / "wechat_bill.csv").read_text(encoding="utf-8-sig")))
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for row in rows:
        writer.writerow([cell.strip() for cell in row])
    tabbed = read_proofs(out.getvalue().encode(), name="wechat.tsv")
    plain = read_proofs(fixtures / "proofs" / "wechat_bill.csv")
    columns = [
        "source_row",
        "amount_minor",
        "direction",
        "wallet_txn_id",
        "order_no",
        "card_last4",
        "payment_state",
    ]
    pd.testing.assert_frame_equal(tabbed[columns], plain[columns])


def test_wechat_xlsx_with_the_header_row_moved(samples, tmp_path):
    """WeChat's 2026 export starts its data on row 19 (not 18): the header is found by its names."""
    import openpyxl

    source = samples / "wechat_personal" / "example-wechat-records.xlsx"
    rows = list(openpyxl.load_workbook(source).active.iter_rows(values_only=True))
    book = openpyxl.Workbook()
    book.active.append(["微信支付账单流水文件"])  # one more line above the header
    for row in rows:
        book.active.append(list(row))
    moved = tmp_path / "微信支付账单流水文件(20260401-20260430).xlsx"
    book.save(moved)
    before, after = read_proofs(source), read_proofs(moved)
    assert list(after["source_row"]) == [r + 1 for r in before["source_row"]]
    columns = ["ts", "amount_minor", "direction", "merchant_text", "wallet_txn_id"]
    pd.testing.assert_frame_equal(after[columns], before[columns])


def test_alipay_times_without_seconds_have_minute_precision(samples):
    """Alipay's export dropped the seconds in 2023-02: such proofs are read to the minute, not to :00."""
    import re

    text = (samples / "alipay_personal" / "example-alipay-records.csv").read_bytes().decode("gb18030")
    cut = re.sub(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}):\d{2}", r"\1", text)
    frame = read_proofs(cut.encode("gb18030"), name="alipay.csv")
    assert set(frame["ts_precision"]) == {"minute"}
    assert (frame["ts"].dt.second == 0).all()


def test_xlsx_date_time_cells_keep_the_precision_their_format_shows(tmp_path):
    """A 交易时间 cell stored as an Excel date-time and shown "yyyy-mm-dd hh:mm" is read to the minute, not as :00."""
    import datetime as dt

    import openpyxl

    header = [
        "交易时间",
        "交易类型",
        "交易对方",
        "商品",
        "收/支",
        "金额(元)",
        "支付方式",
        "当前状态",
        "交易单号",
        "商户单号",
        "备注",
    ]
    for number_format, precision in (("yyyy-mm-dd hh:mm", "minute"), ("yyyy-mm-dd hh:mm:ss", "second")):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["微信支付账单明细"])
        sheet.append(header)
        sheet.append(
            [
                dt.datetime(2025, 3, 1, 12, 45),
                "商户消费",
                "米线店",
                "/",
                "支出",
                28.16,
                "零钱",
                "支付成功",
                "4200001",
                "/",
                "/",
            ]
        )
        sheet.cell(row=3, column=1).number_format = number_format
        path = tmp_path / f"微信支付账单流水文件_{precision}.xlsx"
        book.save(path)
        frame = read_proofs(path)
        assert frame["ts_precision"].tolist() == [precision]
        assert frame["ts"].iloc[0] == pd.Timestamp("2025-03-01 12:45", tz="Asia/Shanghai")
        assert frame["amount_minor"].tolist() == [2816]


@pytest.mark.parametrize(
    ("cell", "minor"),
    [
        ("１０．２０", 1020),
        ("10.20(已退款5.00)", 1020),
        ("10.20（全额退款）", 1020),
        ("1 23.45", None),
        ("10.20x", None),
    ],
)
def test_jd_amount_is_the_whole_cell_before_its_note(samples, cell, minor):
    """The JD amount was the cell's leading ASCII digits: "1 23.45" read as 1.00 and "１０．２０" as 10.00
    (issue #18, hostile cells on the public sample). Now the whole cell before a bracketed note is parsed."""
    path = samples / "jd_personal" / "example-jd-records.csv"
    text = path.read_text(encoding="utf-8")
    assert ",10.20," in text
    data = text.replace(",10.20,", f",{cell},", 1).encode("utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if minor is None:
            with pytest.raises(ProofError) as caught:
                read_proofs(data, name=path.name)
            assert caught.value.row == 23 and caught.value.column == "金额"
            return
        frame = read_proofs(data, name=path.name)
    assert frame["amount_minor"].iloc[0] == minor


@pytest.mark.parametrize("cell", ["¥-28.16", "-¥28.16", "-28.16", "(28.16)"])
def test_a_sign_in_an_unsigned_wallet_amount_is_refused(samples, cell):
    """WeChat writes 金额(元) unsigned (收/支 says which way): "¥-28.16" was read as 28.16 with the sign
    dropped (issue #18, hostile cells on the public sample)."""
    path = samples / "wechat_personal" / "example-wechat-records.csv"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("¥28.16")].count("\n") + 1
    with pytest.raises(
        ProofError, match="minus sign in an amount column this layout writes unsigned"
    ) as caught:
        read_proofs(text.replace("¥28.16", cell, 1).encode("utf-8"), name=path.name)
    assert caught.value.row == line


def test_a_time_of_day_alone_in_a_workbook_time_cell_is_refused_not_a_crash(samples, tmp_path):
    """A WeChat xlsx whose 交易时间 cell holds a time of day alone (a cell formatted hh:mm) raised an untyped
    TypeError from isoformat(sep=...)."""
    import datetime as dt

    import openpyxl

    book = openpyxl.load_workbook(samples / "wechat_personal" / "example-wechat-records.xlsx")
    sheet = book.worksheets[0]
    header = next(r[0].row for r in sheet.iter_rows(max_row=40) if "交易时间" in [c.value for c in r])
    column = [c.value for c in sheet[header]].index("交易时间") + 1
    sheet.cell(header + 1, column).value = dt.time(12, 0)
    path = tmp_path / "wechat.xlsx"
    book.save(path)
    with pytest.raises(ProofError) as caught:
        read_proofs(path)
    assert caught.value.row == header + 1


@pytest.mark.parametrize(
    "path",
    [
        "wechat_personal/example-wechat-records.xlsx",
        "bank_cn_ccb/example-ccb-交易明细_xxxx_2025xxxx_2025xxxx.xls",
        "bank_cn_citic/example-citic-credit-records.xls",
    ],
)
def test_workbook_bytes_read_as_the_workbook_file(samples, path):
    """A workbook uploaded as bytes (no path, no suffix) is recognised by its content and read like the file."""
    file = samples / path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_path = read_proofs(file)
        from_bytes = read_proofs(file.read_bytes())
    named = ["proof_id", "source"]
    pd.testing.assert_frame_equal(from_path.drop(columns=named), from_bytes.drop(columns=named))
    assert len(from_bytes) > 3


def test_a_zip_that_is_no_workbook_is_not_read_as_one():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "交易时间,金额\n")
    with pytest.raises(ProofError):
        read_proofs(buffer.getvalue())


def _header_only(source, target):
    """``source`` cut after its table header (its preamble kept), written to ``target`` in its own encoding."""
    data = source.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    lines = text.splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if re.match(r"\s*(交易时间|交易日)", line))
    target.write_bytes("".join(lines[: header + 1]).encode(encoding))
    return target, header + 1


@pytest.mark.parametrize("file", ["wechat_bill.csv", "alipay_bill.csv", "cmb_credit.csv", "icbc_credit.csv"])
@pytest.mark.parametrize("strict", [True, False])
def test_a_header_only_export_is_refused_at_its_header_as_every_proof_reader_does(
    fixtures, tmp_path, file, strict
):
    """A WeChat/Alipay bill or bank statement with its header and no rows read as an empty frame, with nothing
    saying whether the file had no rows or its rows were dropped; PayPal, Stripe, OFX, MT940, CAMT, SMS and JSON
    refuse a file with no transactions. Now every proof export does, at the header line."""
    path, header_line = _header_only(fixtures / "proofs" / file, tmp_path / file)
    with pytest.raises(ProofError) as info:
        read_proofs(path, strict=strict)
    assert info.value.reason == "no transactions in the file (header only)"
    assert (info.value.file, info.value.row) == (str(path), header_line)


def test_an_export_whose_rows_are_all_rejected_is_empty_with_its_rejected_rows(fixtures, tmp_path):
    """Rows dropped are never mistaken for a file without rows: strict=False lists each with a warning."""
    lines = (
        (fixtures / "proofs" / "wechat_bill.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    )
    header = next(i for i, line in enumerate(lines) if line.startswith("交易时间"))
    bad = [line.replace("¥", "¥x", 1) for line in lines[header + 1 :]]
    path = tmp_path / "wechat.csv"
    path.write_text("".join(lines[: header + 1] + bad), encoding="utf-8")
    with pytest.warns(RejectedRowsWarning):
        frame = read_proofs(path, strict=False)
    assert len(frame) == 0 and len(rk.rejected(frame)) == len(bad)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f"])
def test_a_control_character_in_a_bill_cell_is_a_proof_error_at_its_line(fixtures, tmp_path, char):
    """'示例便利\\x00店' was read into merchant_text and raw as it was."""
    text = (fixtures / "proofs" / "wechat_bill.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "wechat.csv"
    path.write_text(text.replace("示例便利店(中山路店)", f"示例便利{char}店(中山路店)"), encoding="utf-8")
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert (info.value.file, info.value.row, info.value.column) == (str(path), 18, "merchant_text")
    assert info.value.value == f"示例便利{char}店(中山路店)" and f"U+{ord(char):04X}" in str(info.value)
