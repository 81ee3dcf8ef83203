"""Chinese bank statement exports: CMB credit (year-less dates), ICBC (preamble card, trailer)."""

from __future__ import annotations

import datetime as dt
import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit import ProofError, read_proofs, rejected
from receiptkit.readers.bank_csv import make_spec, read

from . import writers as w


def test_cmb_credit_year_from_title_and_sign(fixtures):
    frame = read_proofs(fixtures / "proofs" / "cmb_credit.csv")
    assert rk.rejected(frame).empty
    assert list(frame["date"]) == [
        pd.Timestamp("2025-12-30"),  # repayment without 交易日: posting date, year before the title's
        pd.Timestamp("2025-12-31"),
        pd.Timestamp("2026-01-03"),
        pd.Timestamp("2026-01-05"),
    ]
    assert list(frame["amount_minor"]) == [10000, 12850, 2850, 200000]
    assert list(frame["direction"]) == ["credit", "debit", "credit", "debit"]
    assert frame["ts"].isna().all() and set(frame["ts_precision"]) == {"day"}
    assert frame.iloc[1]["raw"]["posting_date"] == "2026-01-02"
    assert set(frame["card_last4"]) == {"1234"}


def test_icbc_card_from_preamble_and_trailer_skipped(fixtures):
    frame = read_proofs(fixtures / "proofs" / "icbc_credit.csv")
    assert len(frame) == 2
    assert list(frame["source_row"]) == [8, 9]
    assert list(frame["amount_minor"]) == [12850, 3000]
    assert list(frame["direction"]) == ["debit", "credit"]
    assert list(frame["card_last4"]) == ["4321", "4321"]
    assert frame.iloc[0]["merchant_text"] == "财付通-示例便利店"
    assert frame.iloc[0]["date"] == pd.Timestamp("2026-11-20")


def test_generic_mapping(tmp_path):
    path = tmp_path / "mybank.csv"
    path.write_text("Date,Amount,Payee\n2026-11-20,-12.50,Shop\n2026-11-21,3.00,Refund\n", encoding="utf-8")
    spec = make_spec("mybank", {"date": "Date", "amount": "Amount", "merchant_text": "Payee"}, currency="EUR")
    frame = read(path, spec=spec)
    assert list(frame["amount_minor"]) == [1250, 300]
    assert list(frame["direction"]) == ["debit", "credit"]
    assert list(frame["currency"]) == ["EUR", "EUR"]


def test_ccb_xls_has_times(samples):
    frame = read_proofs(samples / "bank_cn_ccb" / "example-ccb-交易明细_xxxx_2025xxxx_2025xxxx.xls")
    assert frame.iloc[0]["ts"] == pd.Timestamp("2025-01-01 18:53:19", tz="Asia/Shanghai")
    assert frame.iloc[0]["amount_minor"] == 6700 and frame.iloc[0]["direction"] == "debit"
    assert frame.iloc[0]["source_row"] == 7


def test_full_card_numbers_never_reach_the_frame(tmp_path):
    path = tmp_path / "bocom.csv"
    path.write_text(
        "序号,交易日期,交易时间,交易类型,借贷,交易金额,余额,对方账号,对方户名,交易地点,摘要\n"
        "1,2026-11-20,14:32:07,消费,借 Dr,128.50,1.00,4111111111111111,卡 4111111111111111,店,\n",
        encoding="utf-8",
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = read_proofs(path)
    flat = repr(frame.to_dict("records"))
    assert "4111111111111111" not in flat
    assert frame.iloc[0]["raw"]["对方账号"].endswith("1111")


def test_cmb_credit_card_column_named_kahao_housiwei(samples):
    """CMB exports name the card column 卡号末四位 or 卡号后四位: both read the same."""
    path = samples / "bank_cn_cmb" / "example-cmb-credit-records.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert "卡号末四位" in text
    other = read_proofs(text.replace("卡号末四位", "卡号后四位").encode(), name="cmb.csv")
    plain = read_proofs(path)
    assert list(other["card_last4"]) == list(plain["card_last4"]) and other["card_last4"].notna().all()
    assert list(other["amount_minor"]) == list(plain["amount_minor"])


def test_abc_sample_short_row_is_refused_by_line_and_the_others_read(samples):
    """The ABC example's line 4 has 7 of its header's 9 cells: refused, never read as if 交易渠道 were empty.

    The file also ends without a line break inside line 6, whose last cell (交易附言) is free text:
    nothing shows that it is whole, so that row is reported as possibly cut, not read.
    """
    path = samples / "bank_cn_abc" / "example-abc_debit-records.csv"
    assert not path.read_bytes().endswith(b"\n")
    with pytest.raises(ProofError) as info:
        read_proofs(path)
    assert (info.value.file, info.value.row, info.value.column) == (str(path), 4, "交易渠道")
    with pytest.warns(UserWarning, match="2 row"):
        frame = read_proofs(path, strict=False)
    assert frame["source_row"].tolist() == [2, 3, 5]
    assert frame["amount_minor"].tolist() == [1000000, 1000, 1]
    report = rejected(frame)
    assert report["row"].tolist() == [4, 6]
    assert "end it with a line break" in report["reason"].iloc[1] and report["column"].iloc[1] == "交易附言"
    fixed = path.read_bytes() + b"\n"  # the user's fix when the file is complete
    with pytest.warns(UserWarning, match="1 row"):
        frame = read_proofs(fixed, name=path.name, strict=False)
    assert frame["source_row"].tolist() == [2, 3, 5, 6] and rejected(frame)["row"].tolist() == [4]


@pytest.mark.parametrize(
    ("folder", "rows"),
    [("bank_cn_boc", (14, 17)), ("bank_hk_hsbc", (11, 10))],
)
def test_samples_without_a_final_line_break_read_whole_when_their_last_cell_has_a_fixed_shape(
    samples, folder, rows
):
    """BOC and HSBC HK exports end without a line break; their last cell (a currency code, CREDIT/DEBIT,
    a card's last 4) shows that the last row is whole (``complete_tail``)."""
    paths = sorted((samples / folder).glob("*.csv"))
    for path, count in zip(paths, rows, strict=True):
        assert not path.read_bytes().rstrip(b" ").endswith(b"\n"), path
        frame = read_proofs(path)
        assert len(frame) == count and rejected(frame).empty, path
        data = path.read_bytes().rstrip(b" ")
        cut = data[:-1]  # the last cell one character short: CN, DEBI, 316, HK
        with pytest.raises(ProofError, match="end it with a line break") as info:
            read_proofs(cut, name=path.name)
        assert info.value.row == data.count(b"\n") + 1, path


_ALIPAY_HEAD = "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注\n"


def test_a_separator_too_many_in_one_row_is_an_error_naming_the_line():
    # found by the fuzz oracle: "工,商银行储蓄卡(1162)" pushed every later cell one column right and the
    # empty 备注 off the end; the order number was read as "交易成功" without an error
    rows = [
        "2026-01-01 10:00:00,餐饮美食,店A,,商品,支出,28.14,工商银行储蓄卡(8265),交易成功,T1,M1,",
        "2026-01-01 11:00:00,餐饮美食,店B,,商品,支出,3.40,工,商银行储蓄卡(1162),交易成功,T2,M2,",
        "2026-01-01 12:00:00,餐饮美食,店C,,商品,收入,32.23,工商银行储蓄卡(3439),交易成功,T3,M3,",
    ]
    data = (_ALIPAY_HEAD + "\n".join(rows) + "\n").encode("gb18030")
    with pytest.raises(rk.ProofError) as info:
        read_proofs(data, name="a.csv")
    assert info.value.row == 3 and info.value.file == "a.csv"


def test_rows_that_all_end_with_a_delimiter_are_read():
    # ICBC and JD end every row with a delimiter: one cell wider than the header, as the file's usual width
    rows = [
        "2026-01-01 10:00:00,餐饮美食,店A,,商品,支出,28.14,工商银行储蓄卡(8265),交易成功,T1,M1,,",
        "2026-01-01 11:00:00,餐饮美食,店B,,商品,支出,3.40,工商银行储蓄卡(1162),交易成功,T2,M2,,",
    ]
    frame = read_proofs((_ALIPAY_HEAD + "\n".join(rows) + "\n").encode("gb18030"), name="a.csv")
    assert list(frame["wallet_txn_id"]) == ["T1", "T2"] and list(frame["card_last4"]) == ["8265", "1162"]


@pytest.mark.parametrize("layout", ["debit", "credit"])
def test_hsbc_hk_date_impossible_as_dd_mm_is_refused_not_read_month_first(tmp_path, layout):
    """Clean-room intake finding B: 01/13/2025 after a row dated 24/03/2025 was read as 13 January."""
    if layout == "debit":
        text = (
            "Date,Description,Billing amount,Billing currency,Balance,Balance currency\n"
            '24/03/2025,"POS PURCHASE A","-1.00"\t,HKD,"3,612.17"\t,HKD\n'
            '01/13/2025,"POS PURCHASE B","-208.30"\t,HKD,"3,612.17"\t,HKD\n'
        )
        column = "Date"
    else:
        text = (
            "Transaction date,Post date,Description,Billing amount,Billing currency,Transaction status,"
            "Merchant name,Country / region,Area / district,Credit / Debit\n"
            '24/03/2025,24/03/2025,"SALES: A","-1.00"\t,HKD,POSTED,"A",HK,HKG,DEBIT\n'
            '01/13/2025,24/03/2025,"SALES: B","-558.20"\t,HKD,POSTED,"B",HK,HKG,DEBIT\n'
        )
        column = "Transaction date"
    path = tmp_path / "hsbc.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProofError, match="never read in another order") as caught:
        read_proofs(path)
    assert (caught.value.row, caught.value.column, caught.value.value) == (3, column, "01/13/2025")
    with pytest.warns(UserWarning):
        frame = read_proofs(path, strict=False)
    assert list(frame["date"]) == [pd.Timestamp("2025-03-24")]
    assert rejected(frame)["row"].tolist() == [3]


_HSBC_CREDIT_HEAD = (
    "Transaction date,Post date,Description,Billing amount,Billing currency,Transaction status,"
    "Merchant name,Country / region,Area / district,Credit / Debit\n"
)


@pytest.mark.parametrize(
    ("cell", "side", "says"),
    [
        ('"(798.88)"\t', "CREDIT", "debit"),  # an accountant's negative on a credit line
        ('"798.88"\t', "DEBIT", "credit"),  # the minus lost on a debit line
        ('"-798.88"\t', "CREDIT", "debit"),
    ],
)
def test_hsbc_hk_credit_sign_against_its_credit_debit_column_is_refused(cell, side, says):
    """Clean room 10 (seed 5, session 18): ``(798.88)`` on a CREDIT line was read as a credit of 798.88, the
    column taken over the amount's own sign without a word. The export writes debits negative and credits
    positive (the public sample); a row where the two disagree is damage or an edit, never read one way."""
    text = (
        _HSBC_CREDIT_HEAD
        + '24/03/2025,24/03/2025,"SALES: A","-1.00"\t,HKD,POSTED,"A",HK,HKG,DEBIT\n'
        + f'25/03/2025,25/03/2025,"RETURN: B",{cell},HKD,POSTED,"B",HK,HKG,{side}\n'
        + '26/03/2025,26/03/2025,"PAYMENT - THANK YOU","5.00"\t,HKD,POSTED,,,,CREDIT\n'
    )
    with pytest.raises(ProofError, match=f"sign says {says} but 'Credit / Debit' says '{side}'") as caught:
        read_proofs(text.encode(), name="hsbc.csv")
    assert (caught.value.row, caught.value.column, caught.value.value) == (
        3,
        "Billing amount",
        cell.strip().strip('"'),
    )
    with pytest.warns(UserWarning):
        frame = read_proofs(text.encode(), name="hsbc.csv", strict=False)
    assert frame["amount_minor"].tolist() == [100, 500]
    assert frame["direction"].tolist() == ["debit", "credit"]
    assert rejected(frame)["row"].tolist() == [3]


def test_a_layout_of_unsigned_amounts_beside_a_dr_cr_column_is_read_by_the_column(tmp_path):
    """The review's second read (session 19): a user's layout with every amount positive and a DR/CR column
    (make_spec's default sign) had every debit row refused by the sign check; a file without a negative amount
    writes its amounts unsigned, and the column alone says the direction."""
    from receiptkit.readers.bank_csv import Col

    path = tmp_path / "b.csv"
    path.write_text(
        "Date,Amount,Type,Payee\n2026-11-07 14:38,100.00,DR,SHOP\n2026-11-08 09:00,5.00,CR,BACK\n"
    )
    spec = make_spec(
        "b",
        {
            "ts": "Date",
            "amount": "Amount",
            "direction": Col("Type", values={"DR": "debit", "CR": "credit"}),
            "merchant_text": "Payee",
        },
    )
    frame = read_proofs(path, spec=spec)
    assert frame["direction"].tolist() == ["debit", "credit"]
    assert frame["amount_minor"].tolist() == [10000, 500]


def test_a_summary_row_followed_by_data_rows_is_refused_at_its_line(samples):
    """A 合计 row pasted after the first row of an ICBC export ended the table there: the other rows were
    left out without a word (issue #18, hostile rows on the public sample). Now the summary row is named."""
    path = samples / "bank_cn_icbc" / "example-icbc-debit-v1-records.csv"
    whole = read_proofs(path)
    first = int(whole["source_row"].iloc[0])
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(first, "合计,,,12.34")
    with pytest.raises(ProofError, match="data rows follow it") as caught:
        read_proofs("\n".join(lines).encode("utf-8"), name=path.name)
    assert caught.value.row == first + 1


def test_a_byte_order_mark_inside_the_file_is_invisible(samples):
    """A BOM at the start of a later line (two exports joined) made the csv module miss the opening quote:
    the Stripe id was read as '"txn_…"' with its quotes."""
    path = samples / "stripe" / "hledger__stripe-balance-change-from-activity.csv"
    whole = read_proofs(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    row = int(whole["source_row"].iloc[-1])
    lines[row - 1] = "\ufeff" + lines[row - 1]
    again = read_proofs("\n".join(lines).encode("utf-8"), name=path.name)
    pd.testing.assert_frame_equal(
        again.drop(columns=["raw", "source"]), whole.drop(columns=["raw", "source"])
    )


@pytest.mark.parametrize(
    ("folder", "file", "column"),
    [
        ("bank_cn_boc", "example-boc-credit-records.csv", "币种"),
        ("bank_hk_hsbc", "example-hsbchk-credit-records.csv", "Billing currency"),
    ],
)
def test_a_layout_whose_currency_column_is_missing_is_refused(samples, folder, file, column):
    """Without its currency column a BOC credit export read a USD charge as CNY, and HSBC a CNY spend as
    HKD (issue #18: a whole column dropped from the public samples). Now refused at the header line."""
    import csv
    import io

    path = samples / folder / file
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if column in line)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    position = next(csv.reader([lines[header]])).index(column)
    for record in csv.reader(lines[header:]):
        writer.writerow(record[:position] + record[position + 1 :])
    damaged = "\n".join(lines[:header]) + ("\n" if header else "") + out.getvalue()
    with pytest.raises(ProofError, match="currency column") as caught:
        read_proofs(damaged.encode("utf-8"), name=file)
    assert caught.value.row == header + 1


def test_ccb_reads_its_currency_from_bibie_as_well_as_bizhong():
    """CCB's CSV download names the currency column 币别 (beside 钞汇), its .xls 币种: with the missing
    currency column refused, both must be read."""
    text = (
        "中国建设银行个人活期账户交易明细\n账号:,6217000000001234\n"
        "序号,摘要,币别,钞汇,交易日期,交易时间,记账日,支出,收入,账户余额,交易地点,对方账号,对方户名\n"
        "1,消费,人民币,钞,20260101,12:00:00,20260101,12.50,,100.00,示例店,,\n"
    )
    frame = read_proofs(text.encode("utf-8"), name="ccb.csv", format="bank")
    assert frame[["amount_minor", "currency", "direction"]].values.tolist() == [[1250, "CNY", "debit"]]


# --- a date column joined with a time column (issue #18 fuzzing, session 14) ---------------------

#: sample, time column (its date is in the column before it in the layout's combine), line
TIME_CELLS = [
    ("bank_cn_boc/example-boc-debit-records.csv", "记账时间", 3),
    ("bank_cn_bocom/example-bocom_debit-records.csv", "交易时间", 2),
]
_DAYS = st.dates(dt.date(1971, 1, 1), dt.date(2198, 12, 31))
_TIMES = st.times().map(lambda t: t.replace(microsecond=0))
NOT_A_TIME_OF_DAY = st.one_of(
    _DAYS.map(lambda d: d.isoformat()),  # the date again, or another one
    _DAYS.map(lambda d: d.strftime("%Y%m%d")),
    st.builds(dt.datetime.combine, _DAYS, _TIMES).map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S")),
    st.builds(dt.datetime.combine, _DAYS, _TIMES).map(lambda t: t.strftime("%Y-%m-%d %I:%M %p")),
    st.tuples(_TIMES, _TIMES).map(lambda p: f"{p[0]:%H:%M:%S} {p[1]:%H:%M:%S}"),
)


@settings(max_examples=40, deadline=None)
@given(cell=st.sampled_from(TIME_CELLS), written=NOT_A_TIME_OF_DAY)
def test_a_time_cell_holding_more_than_a_time_of_day_is_refused_naming_it(samples, cell, written):
    """BOC debit (记账日期 + 记账时间) and BOCOM debit (交易日期 + 交易时间) join the two cells for the
    time parser, which read a date in the time cell as part of the instant: '2025-08-22' + '2026-01-15'
    was 2025-08-23 19:26, + '0001-01-01 00:00:00' was 09:00 that day, + '2026-01-15 2:32 PM' the next
    day at 13:32. The time cell is refused by its own column and value."""
    path, column, line = cell
    damaged = w.with_cell((samples / path).read_bytes(), line, column, written)
    with pytest.raises(ProofError) as info:
        read_proofs(damaged, name="s.csv")
    assert (info.value.row, info.value.column, info.value.value) == (line, column, written)


@settings(max_examples=20, deadline=None)
@given(cell=st.sampled_from(TIME_CELLS), time=_TIMES, compact=st.booleans())
def test_a_time_of_day_in_the_time_cell_is_read_on_the_date_beside_it(samples, cell, time, compact):
    path, column, line = cell
    data = (samples / path).read_bytes()
    written = time.strftime("%H%M%S" if compact else "%H:%M:%S")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = read_proofs(data, name="s.csv")
        frame = read_proofs(w.with_cell(data, line, column, written), name="s.csv")
    row = frame[frame["source_row"] == line].iloc[0]
    day = base[base["source_row"] == line].iloc[0]["date"]
    assert row["ts"] == pd.Timestamp(dt.datetime.combine(day.date(), time), tz="Asia/Shanghai")
    assert row["ts_precision"] == "second"


@settings(max_examples=30, deadline=None)
@given(
    cell=st.sampled_from(TIME_CELLS),
    time=_TIMES.filter(lambda t: (t.hour, t.minute) != (0, 0)),
    seconds=st.booleans(),
)
def test_a_date_cell_holding_a_clock_time_is_refused_naming_it(samples, cell, time, seconds):
    """The date cell of the pair is read with the time cell beside it: '2025-08-22 14:32:00' + '17:57:17'
    read as 17:57:17 and '2025-08-22 24:00:00' as a valid time, the date cell's clock dropped
    without a word. A date cell with a clock time other than midnight is refused by its column."""
    path, column, line = cell
    data = (samples / path).read_bytes()
    date_column = {"记账时间": "记账日期", "交易时间": "交易日期"}[column]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        day = read_proofs(data, name="s.csv").set_index("source_row").loc[line, "date"]
    written = f"{day:%Y-%m-%d} {time:%H:%M:%S}" if seconds else f"{day:%Y-%m-%d} {time:%H:%M}"
    with pytest.raises(ProofError) as info:
        read_proofs(w.with_cell(data, line, date_column, written), name="s.csv")
    assert (info.value.row, info.value.column, info.value.value) == (line, date_column, written)


@pytest.mark.parametrize("midnight", ["00:00:00", "00:00"])
def test_a_date_cell_at_midnight_is_a_date(samples, midnight):
    """A workbook's date cell shown with its time (midnight) is still a date: read as before."""
    path = samples / "bank_cn_boc" / "example-boc-debit-records.csv"
    data = path.read_bytes()
    base = read_proofs(data, name="s.csv")
    frame = read_proofs(w.with_cell(data, 3, "记账日期", f"2025-08-22 {midnight}"), name="s.csv")
    pd.testing.assert_series_equal(frame["ts"], base["ts"])
