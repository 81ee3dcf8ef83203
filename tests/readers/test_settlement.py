"""Settlement readers: the UnionPay-style detail, the WeChat Pay and Alipay merchant bills, validation."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.readers.settlement import (
    SETTLEMENT_COLUMNS,
    SETTLEMENT_EXTRA,
    RejectedSettlementWarning,
    SettlementError,
    SettlementSpec,
    parse_rate,
    read_settlement,
    sniff,
    validate_settlement,
)
from receiptkit.readers.table import Col


@pytest.fixture
def folder(fixtures):
    return fixtures / "settlement"


def _csv(tmp_path, text: str, name: str = "结算明细.csv", encoding: str = "gbk"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


UNIONPAY_HEADER = "结算日期,商户号,终端号,批次号,笔数,交易金额,手续费,结算金额\n"


def test_unionpay_detail_lines(folder):
    frame = read_settlement(folder / "unionpay_settlement_gbk.csv")
    assert list(frame.columns) == list(SETTLEMENT_COLUMNS + SETTLEMENT_EXTRA)
    assert frame.attrs["format"] == "unionpay_settlement"
    assert list(frame["batch_no"]) == ["000001", "000002", "000003", "000099"]
    assert list(frame["gross_minor"]) == [33000, 86800, 100000, 7700]
    # the third line writes its fee as -6.00: the sign that makes net = gross - fee is taken
    assert list(frame["fee_minor"]) == [198, 650, 600, 46]
    assert list(frame["net_minor"]) == [32802, 86150, 99400, 7654]
    assert (frame["net_minor"] == frame["gross_minor"] - frame["fee_minor"]).all()
    assert list(frame["count"]) == [5, 3, 1, 1]
    assert set(frame["currency"]) == {"CNY"}
    assert set(frame["terminal_id"]) == {"12345678"} and set(frame["merchant_id"]) == {"898310048161234"}
    assert list(frame["settlement_date"].dt.strftime("%Y-%m-%d")) == [
        "2026-11-02",
        "2026-11-03",
        "2026-11-04",
        "2026-11-04",
    ]
    # lines 1-3 are the preamble and header; the 合计 trailer is not a line
    assert list(frame["source_row"]) == [4, 5, 6, 7]
    assert frame["line_id"].is_unique and frame.at[0, "line_id"] == "unionpay_settlement_gbk:4"
    assert frame["gross_minor"].dtype == "int64" and frame["count"].dtype == "Int64"


@pytest.mark.parametrize("name", ["unionpay_settlement_gbk.csv"])
def test_an_upload_reads_as_its_file_does(folder, name):
    # clean room 10 (session 18): a settlement CSV handed over as a binary file object was refused with "no header
    # row with the columns 批次号, 手续费" (telling the layout had read the object to its end)
    import io

    path = folder / name
    from_path = read_settlement(path)
    with open(path, "rb") as handle:
        uploaded = read_settlement(handle)
    assert uploaded.drop(columns="source", errors="ignore").equals(
        from_path.drop(columns="source", errors="ignore")
    )
    assert len(read_settlement(io.BytesIO(path.read_bytes()))) == len(from_path)


def test_wechat_merchant_bill_summed_per_day(folder):
    frame = read_settlement(folder / "wechat_merchant_bill.csv")
    assert frame.attrs["format"] == "wechat_merchant"
    assert len(frame) == 2
    day1, day2 = frame.iloc[0], frame.iloc[1]
    # 128.50 + 36.00 sold, 28.50 refunded; the CLOSED order counts nothing
    assert day1["gross_minor"] == 12850 + 3600 - 2850
    # fees 0.77000 + 0.22000, the refund gives 0.17 back (written -0.17000)
    assert day1["fee_minor"] == 77 + 22 - 17
    assert day1["net_minor"] == day1["gross_minor"] - day1["fee_minor"]
    assert day1["count"] == 3 and day1["channel"] == "wechat" and day1["fee_rate"] == "0.006"
    assert day1["terminal_id"] == "12345678" and day1["merchant_id"] == "1601960001"
    assert pd.isna(day1["batch_no"]) and day1["trade_date"] == day1["settlement_date"]
    assert day2["gross_minor"] == 105000 and day2["fee_minor"] == 630 and day2["count"] == 1
    assert day1["source_row"] == 2  # the first bill row of the day


def test_alipay_merchant_bill_fee_signs_and_account(folder):
    frame = read_settlement(folder / "alipay_merchant_bill_gbk.csv")
    assert frame.attrs["format"] == "alipay_merchant"
    day1 = frame.iloc[0]
    assert day1["gross_minor"] == 8800 + 1250 - 2000
    # 服务费 is written -0.53 / -0.08 on trades and 0.12 on the refund: charged 0.61, given back 0.12
    assert day1["fee_minor"] == 53 + 8 - 12
    assert day1["merchant_id"] == "20881234567890120156"  # from the #账号 preamble line
    assert day1["channel"] == "alipay" and day1["count"] == 3
    assert frame.iloc[1]["gross_minor"] == 4500


def test_sniff_names_each_layout(folder, tmp_path):
    assert sniff(folder / "unionpay_settlement_gbk.csv") == "unionpay_settlement"
    assert sniff(folder / "wechat_merchant_bill.csv") == "wechat_merchant"
    assert sniff(folder / "alipay_merchant_bill_gbk.csv") == "alipay_merchant"
    other = _csv(tmp_path, "日期,金额\n2026-11-02,1.00\n")
    assert sniff(other) is None
    with pytest.raises(SettlementError, match="not recognised") as info:
        read_settlement(other)
    assert info.value.file == str(other)


def test_xlsx_settlement(tmp_path):
    path = tmp_path / "settle.xlsx"
    pd.DataFrame(
        {
            "清算日期": ["2026-11-02"],
            "终端编号": ["12345678"],
            "批次号": ["000001"],
            "交易笔数": ["2"],
            "交易金额": [128.5],
            "手续费": [0.77],
            "清算金额": [127.73],
        }
    ).to_excel(path, index=False)
    frame = read_settlement(path)
    assert frame.at[0, "gross_minor"] == 12850 and frame.at[0, "fee_minor"] == 77
    assert frame.at[0, "net_minor"] == 12773 and frame.at[0, "count"] == 2
    assert frame.at[0, "source_row"] == 2


def test_fee_derived_when_missing(tmp_path):
    path = _csv(tmp_path, "结算日期,批次号,手续费,交易金额,结算金额\n2026-11-02,000001,,100.00,99.40\n")
    frame = read_settlement(path)
    assert frame.at[0, "fee_minor"] == 60


def test_inconsistent_line_names_file_row_column_value(tmp_path):
    path = _csv(
        tmp_path,
        "标题\n"
        + UNIONPAY_HEADER
        + "2026-11-02,1,2,000001,1,100.00,0.60,99.40\n2026-11-03,1,2,000002,1,100.00,0.60,90.00\n",
    )
    with pytest.raises(SettlementError) as info:
        read_settlement(path)
    error = info.value
    assert (
        error.file == str(path) and error.row == 4 and error.column == "结算金额" and error.value == "90.00"
    )
    assert "结算金额" in str(error) and "row 4" in str(error)


@pytest.mark.parametrize(
    ("cell", "column", "reason"),
    [
        ("abc", "交易金额", "amount"),
        ("1.234", "交易金额", "decimals"),
        ("2026-13-45", "结算日期", ""),
    ],
)
def test_bad_cells(tmp_path, cell, column, reason):
    good = ["2026-11-02", "1", "2", "000001", "1", "100.00", "0.60", "99.40"]
    bad = list(good)
    bad[UNIONPAY_HEADER.strip().split(",").index(column)] = cell
    path = _csv(tmp_path, UNIONPAY_HEADER + ",".join(good) + "\n" + ",".join(bad) + "\n")
    with pytest.raises(SettlementError) as info:
        read_settlement(path)
    assert info.value.row == 3 and info.value.column == column and info.value.value == cell
    assert reason in str(info.value)


def test_bad_count_and_non_strict_report(tmp_path):
    path = _csv(
        tmp_path,
        UNIONPAY_HEADER
        + "2026-11-02,1,2,000001,x,100.00,0.60,99.40\n"
        + "2026-11-03,1,2,000002,3,200.00,1.20,198.80\n",
    )
    with pytest.raises(SettlementError, match="not a count") as info:
        read_settlement(path)
    assert info.value.row == 2 and info.value.column == "笔数"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = read_settlement(path, strict=False)
    assert list(frame["batch_no"]) == ["000002"]
    rejected = rk.rejected(frame)
    assert list(rejected["row"]) == [2] and list(rejected["column"]) == ["笔数"]
    assert any("rejected" in str(w.message) for w in caught)


def test_missing_required_column(tmp_path):
    path = _csv(tmp_path, "结算日期,批次号,手续费\n2026-11-02,000001,0.60\n")
    with pytest.raises(SettlementError, match="交易金额") as info:
        read_settlement(path)
    assert info.value.row == 1


def test_wechat_bill_with_sub_fen_fee_is_an_error(folder, tmp_path):
    text = (folder / "wechat_merchant_bill.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "wx.csv"
    path.write_text(text.replace("`0.22000", "`0.00600"), encoding="utf-8")
    with pytest.raises(SettlementError) as info:
        read_settlement(path, format="wechat_merchant")
    assert info.value.row == 3 and info.value.column == "手续费" and info.value.value == "0.00600"


def test_declared_spec(tmp_path):
    spec = SettlementSpec(
        name="my_acquirer",
        description="an English settlement report",
        header=("Settled", "Batch", "Gross", "Fee"),
        fields={
            "settlement_date": Col("Settled", kind="time"),
            "batch_no": Col("Batch"),
            "gross": Col("Gross", kind="amount"),
            "fee": Col("Fee", kind="amount"),
            "channel": Col("Tender"),
        },
        currency="HKD",
        tz="Asia/Hong_Kong",
    )
    path = _csv(
        tmp_path, "Settled,Batch,Gross,Fee,Tender\n02/11/2026,7,$120.00,$1.80,Visa card\n", encoding="utf-8"
    )
    with pytest.raises(SettlementError, match="channel"):
        read_settlement(path, format=spec)
    path.write_text("Settled,Batch,Gross,Fee,Tender\n2026-11-02,7,$120.00,$1.80,card\n", encoding="utf-8")
    frame = read_settlement(path, format=spec)
    assert frame.at[0, "currency"] == "HKD" and frame.at[0, "net_minor"] == 11820
    assert frame.at[0, "channel"] == "card"


def test_validate_hand_built_frame():
    frame = validate_settlement(
        pd.DataFrame(
            {
                "settlement_date": ["2026-11-02", "2026-11-03"],
                "terminal_id": ["12345678", "12345678"],
                "batch_no": ["000001", "000002"],
                "gross_minor": [10000, 20000],
                "net_minor": [9940, 19880],
                "currency": ["cny", "CNY"],
                "fee_rate": ["0.60%", None],
            }
        )
    )
    assert list(frame["fee_minor"]) == [60, 120]
    assert list(frame["line_id"]) == ["line:1", "line:2"]
    assert frame.at[0, "fee_rate"] == "0.006" and pd.isna(frame.at[1, "fee_rate"])
    assert list(frame["currency"]) == ["CNY", "CNY"]


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"gross_minor": [100.5]}, "gross_minor"),
        ({"net_minor": [1]}, "net_minor"),
        ({"count": [-1]}, "count"),
        ({"currency": ["yuan"]}, "currency"),
        ({"channel": ["cash"]}, "channel"),
        ({"fee_rate": ["lots"]}, "fee_rate"),
        ({"settlement_date": [None]}, "settlement_date"),
    ],
)
def test_validate_rejects(change, column):
    base = {
        "settlement_date": ["2026-11-02"],
        "gross_minor": [100],
        "fee_minor": [1],
        "net_minor": [99],
        "currency": ["CNY"],
        "source": ["acq.csv"],
        "source_row": [7],
    }
    base.update(change)
    with pytest.raises(SettlementError) as info:
        validate_settlement(pd.DataFrame(base))
    assert info.value.column == column
    if column != "gross_minor":
        assert info.value.row == 7 and info.value.file == "acq.csv"


def test_validate_does_not_modify_input():
    frame = pd.DataFrame(
        {"settlement_date": ["2026-11-02"], "gross_minor": [100], "fee_minor": [1], "currency": ["cny"]}
    )
    before = frame.copy()
    validate_settlement(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_parse_rate():
    assert str(parse_rate("0.38%")) == "0.0038"
    assert parse_rate("1.5") is None and parse_rate("") is None


def test_wechat_merchant_bill_direct_merchant_is_the_merchant_number(folder, tmp_path):
    """特约商户号 "0" marks a direct merchant: merchant_id is 商户号, never "0"."""
    text = (folder / "wechat_merchant_bill.csv").read_text(encoding="utf-8-sig")
    direct = text.replace("`1601960001,", "`0,")
    assert direct != text
    path = tmp_path / "wechat_direct.csv"
    path.write_text(direct, encoding="utf-8-sig")
    frame = read_settlement(path)
    assert set(frame["merchant_id"]) == {"1601959334"}


# --------------------------------------------------------------------------- WeChat Pay fund flow (资金账单)


def test_wechat_fund_flow_bill_summed_per_booking_day(folder):
    """资金账单 (layout from WeChat Pay's bill documentation): 交易/退款 rows into gross, fee rows into fee."""
    frame = read_settlement(folder / "wechat_fund_flow.csv")
    assert frame.attrs["format"] == "wechat_fund_flow"
    assert sniff(folder / "wechat_fund_flow.csv") == "wechat_fund_flow"
    assert len(frame) == 2
    day1, day2 = frame.iloc[0], frame.iloc[1]
    # 128.50 + 36.00 in, the 28.50 refund out; the 100.00 withdrawal is not trade
    assert day1["gross_minor"] == 12850 + 3600 - 2850
    # fees 0.77 + 0.22 deducted, 0.17 given back with the refund
    assert day1["fee_minor"] == 77 + 22 - 17
    assert day1["net_minor"] == day1["gross_minor"] - day1["fee_minor"]
    assert day1["count"] == 3 and day1["channel"] == "wechat"
    assert (day2["gross_minor"], day2["fee_minor"], day2["count"]) == (105000, 630, 1)
    assert day1["source_row"] == 2 and day2["source_row"] == 9
    assert str(day1["settlement_date"].date()) == "2026-11-02"


def test_fund_flow_and_trade_bill_of_the_same_day_agree(folder):
    """The same four payments seen from the trade bill (交易账单) and from the balance (资金账单)."""
    columns = ["settlement_date", "gross_minor", "fee_minor", "net_minor", "count"]
    trade = read_settlement(folder / "wechat_merchant_bill.csv")[columns]
    fund = read_settlement(folder / "wechat_fund_flow.csv")[columns]
    pd.testing.assert_frame_equal(trade, fund)


def test_fund_flow_unknown_direction_names_the_cell(folder, tmp_path):
    text = (folder / "wechat_fund_flow.csv").read_text(encoding="utf-8")
    path = _csv(tmp_path, text.replace("`收入,`36.00", "`入账,`36.00"), "资金账单.csv", "utf-8")
    with pytest.raises(SettlementError) as info:
        read_settlement(path)
    assert (info.value.row, info.value.column, info.value.value) == (4, "收支类型", "入账")


def test_tab_separated_wechat_bills_are_sniffed_and_read(folder, tmp_path):
    """WeChat Pay bills saved tab-separated (as spreadsheets export them) read like the CSV."""
    for name in ("wechat_fund_flow.csv", "wechat_merchant_bill.csv"):
        text = (folder / name).read_text(encoding="utf-8-sig")
        path = _csv(tmp_path, text.replace(",", "\t"), name.replace(".csv", ".txt"), "utf-8")
        assert sniff(path) == sniff(folder / name)
        columns = ["settlement_date", "gross_minor", "fee_minor", "count", "source_row"]
        pd.testing.assert_frame_equal(read_settlement(path)[columns], read_settlement(folder / name)[columns])
    journal = rk.read_journal(tmp_path / "wechat_merchant_bill.txt")
    expected = rk.read_journal(folder / "wechat_merchant_bill.csv")
    assert journal["txn_id"].tolist() == expected["txn_id"].tolist()
    assert journal["amount_minor"].tolist() == expected["amount_minor"].tolist()


def test_fund_flow_row_written_twice_is_refused_not_summed(folder, tmp_path):
    """Found by the fuzz oracle: a repeated row (same 资金流水单号) was summed, doubling the day's gross."""
    lines = (folder / "wechat_fund_flow.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(4, lines[3])  # the 36.00 payment (line 4) again on line 5
    path = _csv(tmp_path, "\n".join(lines) + "\n", "资金账单.csv", "utf-8")
    with pytest.raises(SettlementError) as info:
        read_settlement(path)
    assert (info.value.row, info.value.column) == (5, "资金流水单号")
    assert info.value.value == "1900009231202611020000000003" and "line 4" in info.value.reason
    with pytest.warns(RejectedSettlementWarning):
        frame = read_settlement(path, strict=False)
    # the repeat is rejected and listed; the day reads as without it
    assert frame.iloc[0]["gross_minor"] == 12850 + 3600 - 2850 and frame.iloc[0]["count"] == 3
    assert rk.rejected(frame)["row"].tolist() == [5]


@pytest.mark.parametrize("amount", ["-36.00", "36.00-"])
def test_fund_flow_signed_amount_contradicting_its_direction_is_refused(folder, tmp_path, amount):
    """收支金额 is unsigned beside 收入/支出: a sign was dropped by abs() and read as 36.00 income."""
    text = (folder / "wechat_fund_flow.csv").read_text(encoding="utf-8")
    path = _csv(tmp_path, text.replace("`收入,`36.00", f"`收入,`{amount}"), "资金账单.csv", "utf-8")
    with pytest.raises(SettlementError) as info:
        read_settlement(path)
    assert (info.value.row, info.value.column, info.value.value) == (4, "收支金额(元)", amount)


def test_fund_flow_rows_left_out_are_listed_not_dropped_silently(folder, tmp_path):
    """Found by the fuzz oracle: a 业务类型 swapped with another cell made its row vanish without a trace.
    Rows a bill does not sum (a withdrawal, an unknown type) are listed in attrs["skipped"]."""
    frame = read_settlement(folder / "wechat_fund_flow.csv")
    left_out = rk.skipped(frame)
    assert left_out[["row", "column", "value"]].values.tolist() == [[8, "业务类型", "提现"]]
    text = (folder / "wechat_fund_flow.csv").read_text(encoding="utf-8")
    damaged = text.replace("`交易,`交易,`收入,`36.00", "`交易,`ORD1102002,`收入,`36.00")
    assert damaged != text
    frame = read_settlement(_csv(tmp_path, damaged, "资金账单.csv", "utf-8"))
    assert rk.skipped(frame)["row"].tolist() == [4, 8]
    assert rk.skipped(frame)["value"].tolist()[0] == "ORD1102002"


@pytest.mark.parametrize("tz", ["Asia/Shanghaii", "", "GMT+99"])
def test_an_unknown_zone_is_a_settlement_error_naming_tz(folder, tz):
    from receiptkit.errors import SettlementError

    with pytest.raises(SettlementError) as info:
        rk.read_settlement(folder / "wechat_merchant_bill.csv", tz=tz)
    assert info.value.file is None and f"tz={tz!r} is not a time zone" in str(info.value)


def test_a_zone_written_as_an_offset_is_read_as_the_readers_read_it(folder):
    frame = rk.read_settlement(folder / "wechat_merchant_bill.csv", tz="UTC+8")
    pd.testing.assert_frame_equal(
        frame, rk.read_settlement(folder / "wechat_merchant_bill.csv", tz="Asia/Shanghai")
    )


def test_an_unknown_currency_option_is_a_settlement_error_naming_it(folder):
    from receiptkit.errors import SettlementError

    with pytest.raises(SettlementError, match="currency='XYZ' is not a currency"):
        rk.read_settlement(folder / "wechat_merchant_bill.csv", currency="XYZ")


@pytest.mark.parametrize("code", ["XYZ", "RMB", "XAU"])
def test_validate_refuses_a_currency_outside_iso_4217(code):
    """'XYZ' passed (three letters) and the batch was reconciled as XYZ with 2 decimals."""
    base = {
        "settlement_date": ["2026-11-02"],
        "gross_minor": [100],
        "fee_minor": [1],
        "net_minor": [99],
        "currency": [code],
        "source": ["acq.csv"],
        "source_row": [7],
    }
    with pytest.raises(SettlementError) as info:
        validate_settlement(pd.DataFrame(base))
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        "acq.csv",
        7,
        "currency",
        code,
    )


@pytest.mark.parametrize(
    ("name", "encoding", "line", "column", "value"),
    [
        ("wechat_merchant_bill.csv", "utf-8-sig", 2, "微信订单号", "4200001234202611021201050001"),
        ("alipay_merchant_bill_gbk.csv", "gb18030", 6, "支付宝交易号", "2026110222001419931441931972"),
    ],
)
def test_wallet_trade_bill_row_written_twice_is_refused_not_summed(
    folder, tmp_path, name, encoding, line, column, value
):
    """Clean room 9 (F1): a WeChat trade bill row written twice was summed (gross 23,005.86 for 22,969.86)
    with nothing rejected, while read_journal refused the file. A row equal in every cell to an earlier one
    is refused at the repeat's line, naming the row's order number; strict=False rejects and lists it."""
    lines = (folder / name).read_text(encoding=encoding).splitlines()
    lines.insert(line, lines[line - 1])  # line `line` again on line `line + 1`
    path = _csv(tmp_path, "\n".join(lines) + "\n", name, encoding)
    with pytest.raises(SettlementError) as info:
        read_settlement(path)
    assert (info.value.row, info.value.column) == (line + 1, column)
    assert info.value.value.strip() == value and f"line {line}" in info.value.reason
    with pytest.warns(RejectedSettlementWarning):
        frame = read_settlement(path, strict=False)
    clean = read_settlement(folder / name)
    assert frame["gross_minor"].tolist() == clean["gross_minor"].tolist()
    assert frame["count"].tolist() == clean["count"].tolist()
    assert rk.rejected(frame)["row"].tolist() == [line + 1]
