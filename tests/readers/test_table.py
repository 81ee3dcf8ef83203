"""read_table: a file cut inside its last row; the amount cells every table reader reads."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import receiptkit as rk
from receiptkit.readers.table import CUT_ROW_REASON, UnreadSheetsWarning, read_table

from . import writers as w

HEADER = ("when", "amount", "id")


def _read(text: str, **options):
    return read_table(text.encode("utf-8"), header=HEADER, name="t.csv", **options)


@pytest.mark.parametrize(
    ("tail", "column", "value"),
    [("3561,ID-9", "id", "ID-9"), ("356", "amount", "356"), ("", "when", "2026-01-02")],
)
def test_the_last_row_of_a_file_without_a_final_line_break_is_reported_as_cut(tail, column, value):
    """Clean-room intake finding J: `...,B,CNY,356` (was 3561) was read as 3.56."""
    text = "when,amount,id\n2026-01-01,1234,ID-1\n2026-01-02" + ("," + tail if tail else "")
    raw = _read(text)
    assert len(raw.frame) == 2  # the row stays in the table, reported: strict readers raise, others reject it
    problem = raw.short_rows[-1]
    assert (problem.row, problem.column, problem.value) == (3, column, value)
    assert problem.reason.startswith(CUT_ROW_REASON)
    assert len(raw.short_rows) == 1  # a short cut row is reported once, as cut


@pytest.mark.parametrize("end", ["\n", "\r\n", "\n  ", "\n\n"])
def test_a_file_ending_with_a_line_break_is_whole(end):
    raw = _read("when,amount,id\n2026-01-01,1234,ID-1\n2026-01-02,3561,ID-9" + end)
    assert raw.short_rows == () and raw.frame["id"].tolist() == ["ID-1", "ID-9"]


def test_a_footer_or_comment_after_the_rows_is_what_was_cut_not_a_row():
    footer = _read("when,amount,id\n2026-01-01,1234,ID-1\n合计,1234,\n导出时间 2026-01-0", stop_at="^合计")
    assert footer.short_rows == () and footer.frame["id"].tolist() == ["ID-1"]
    comment = _read("when,amount,id\n2026-01-01,1234,ID-1\n# exported by", skip_prefixes=("#",))
    assert comment.short_rows == () and comment.frame["id"].tolist() == ["ID-1"]


def test_complete_tail_accepts_a_last_cell_of_the_declared_shape_only():
    whole = "when,amount,id\n2026-01-01,1234,CNY\n2026-01-02,3561,USD "  # spaces after the cell: part of it
    assert _read(whole, complete_tail="[A-Z]{3}").short_rows == ()
    cut = _read(whole.rstrip()[:-1], complete_tail="[A-Z]{3}")
    assert [(p.row, p.column, p.value) for p in cut.short_rows] == [(3, "id", "US")]
    assert _read(whole).short_rows[-1].row == 3  # without the declaration the row is not trusted


def test_the_fast_path_and_the_row_path_agree_on_a_large_file():
    rows = "".join(f"2026-01-01,{i},ID-{i}\n" for i in range(5000))
    raw = _read("when,amount,id\n" + rows + "2026-01-02,3561,ID-9")
    assert len(raw.frame) == 5001 and [p.row for p in raw.short_rows] == [5002]
    assert _read("when,amount,id\n" + rows).short_rows == ()


@pytest.mark.parametrize("cell", [".50", "12.", "-.50", "¥.50", "１２．", "12.元"])
def test_an_export_amount_with_a_decimal_mark_missing_a_digit_is_refused(cell):
    """ ".01" (a lost "0" of "0.01", or "1" of "1.01") was read as 0.01 by the bank readers (issue #18)."""
    import receiptkit as rk
    from receiptkit.errors import ProofError

    text = "记账日期,货币,交易金额,联机余额,交易摘要,对手信息\n20260101,人民币,-12.00,1000.00,消费,A\n"
    text += f"20260102,人民币,{cell},1000.00,消费,B\n"
    with pytest.raises(ProofError, match="decimal mark without a digit") as caught:
        rk.read_proofs(text.encode("utf-8"), name="b.csv")
    assert (caught.value.row, caught.value.file) == (3, "b.csv")


_ALIPAY_HEADER = (
    "交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,"
)
_ALIPAY_ROWS = [
    "2025-09-06 14:18:50,退款,湖北良品铺子电子商务有限公司,/,商品,收入,231.29,交通银行信用卡(1952),退款成功,"
    "4200961214726813989091514666\t,B25643414B68214D58E0\t,,",
    "2026-09-01 08:23:15,餐饮美食,罗森(莘庄店),/,商品,支出,820.95,交通银行信用卡(7193),交易成功,"
    "4200171130679180078930011356\t,B59E9045E4BB149C1B0B\t,,",
]


@pytest.mark.parametrize("damaged", [0, 1])
def test_a_row_that_lost_a_cell_where_every_row_ends_with_a_separator_is_named_by_its_own_line(damaged):
    """Clean-room intake seed 4 (alipay missing_cell): the error named the good row 26 (13 cells, like the
    header line) as having a separator too many, for a cell lost on line 27 (12 cells)."""
    import receiptkit as rk
    from receiptkit.errors import ProofError

    rows = list(_ALIPAY_ROWS)
    cells = rows[damaged].split(",")
    del cells[2]  # 交易对方 lost: every cell after it shifted left
    rows[damaged] = ",".join(cells)
    text = "\n".join(["支付宝交易明细", _ALIPAY_HEADER, *rows]) + "\n"
    with pytest.raises(ProofError, match="header line and most rows have 13") as caught:
        rk.read_proofs(text.encode("gb18030"), name="alipay.csv")
    assert caught.value.row == 3 + damaged  # the file line of the damaged row (line 1 is the title)
    whole = "\n".join(["支付宝交易明细", _ALIPAY_HEADER, *_ALIPAY_ROWS]) + "\n"
    assert rk.read_proofs(whole.encode("gb18030"), name="alipay.csv")["amount_minor"].tolist() == [
        23129,
        82095,
    ]


# --- a currency mark in an amount cell (issue #18 fuzzing, session 14) ---------------------------


#: sample, amount column, its line, the row's currency (public samples in ../shared/samples)
AMOUNT_CELLS = [
    ("wechat_personal/example-wechat-records.csv", "金额(元)", 18, "CNY"),
    ("bank_hk_hsbc/example-hsbchk-debit-records.csv", "Billing amount", 2, "HKD"),
    ("paypal/oca__paypal_activity_en.csv", "Gross", 2, "USD"),
    ("stripe/hledger__stripe-balance-change-from-activity.csv", "gross", 2, "USD"),
]
#: the currency each mark names, as receiptkit.money.parse_amount reads it
MARKS = {"$": "USD", "US$": "USD", "HK$": "HKD", "€": "EUR", "£": "GBP", "¥": "CNY", "￥": "CNY"}
MARKS |= {"RMB": "CNY", "CNY": "CNY", "元": "CNY"}


def _mark_agrees(mark: str, currency: str) -> bool:
    named = MARKS[mark]
    return (
        named == currency or (mark == "$" and currency.endswith("D")) or (mark == "¥" and currency == "JPY")
    )


@settings(max_examples=60, deadline=None)
@given(
    cell=st.sampled_from(AMOUNT_CELLS),
    mark=st.sampled_from(sorted(MARKS)),
    after=st.booleans(),
)
def test_a_currency_mark_in_an_amount_cell_is_the_rows_currency_or_refused(samples, cell, mark, after):
    """A mark naming another currency than the row's ('€128.50' in a USD row, 'CNY128.50' in an HKD
    statement, '$128.50' in a WeChat bill) was stripped by the vectorised amount path and the amount
    read in the row's currency without a word. It is refused naming the cell; a mark that agrees reads."""
    path, column, line, currency = cell
    data = (samples / path).read_bytes()
    written = f"128.50{mark}" if after else f"{mark}128.50"
    damaged = w.with_cell(data, line, column, written)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = rk.read_proofs(data, name="s.csv")
        if not _mark_agrees(mark, currency):
            with pytest.raises(rk.ProofError) as info:
                rk.read_proofs(damaged, name="s.csv")
            assert (info.value.row, info.value.column) == (line, column), str(info.value)
            return
        frame = rk.read_proofs(damaged, name="s.csv")
    row = frame[frame["source_row"] == line].iloc[0]
    assert (row["amount_minor"], row["currency"]) == (12850, currency)
    keep = ["amount_minor", "currency", "direction", "ts", "date"]
    others, before = frame[frame["source_row"] != line], base[base["source_row"] != line]
    pd.testing.assert_frame_equal(others[keep].reset_index(drop=True), before[keep].reset_index(drop=True))


def test_a_journal_amount_in_another_currency_than_its_row_is_refused(samples):
    """The same on the journal side: Stripe's balance report read as a journal (gross '€12.00' in a usd row)."""
    path = samples / "stripe" / "hledger__stripe-balance-change-from-activity.csv"
    damaged = w.with_cell(path.read_bytes(), 2, "gross", "€12.00")
    with pytest.raises(rk.JournalError) as info:
        rk.read_journal(damaged)
    assert (info.value.row, info.value.column, info.value.value) == (2, "gross", "€12.00")


@pytest.mark.parametrize(
    ("path", "column", "line", "written"),
    [
        ("wechat_personal/example-wechat-records.csv", "金额(元)", 18, "¥0,028.16"),
        ("stripe/hledger__stripe-balance-change-from-activity.csv", "gross", 2, "0,012"),
        ("bank_cn_cmb/example-cmb-debit-records.csv", "交易金额", 2, "000,001.00"),
        ("paypal/oca__paypal_statement_es.csv", "Bruto", 2, "0.049"),
    ],
)
def test_a_thousands_group_led_by_a_zero_is_refused_by_cell(samples, path, column, line, written):
    """'0,012' read as 12.00 USD, '000,001.00' as 1.00, a Spanish '0.049' as 49,00 EUR (issue #18)."""
    damaged = w.with_cell((samples / path).read_bytes(), line, column, written)
    with pytest.raises(rk.ProofError) as info:
        rk.read_proofs(damaged, name="s.csv")
    assert (info.value.row, info.value.column, info.value.value) == (line, column, written)


def test_a_workbook_with_another_sheet_holding_the_table_says_which_was_not_read(samples):
    """The public WeChat .xlsx sample holds the bill on two sheets ('example-wechat-records' and
    'Sheet1'); only the first sheet was read, without a word. A bank export split over sheets
    (an .xls sheet holds 65,536 rows) would lose every row after the first sheet the same way."""
    path = samples / "wechat_personal" / "example-wechat-records.xlsx"
    with pytest.warns(UnreadSheetsWarning, match=r"'Sheet1'") as caught:
        frame = rk.read_proofs(path)
    assert len(frame) == 27 and str(path) in str(caught[0].message)


def test_a_second_sheet_without_the_table_is_not_reported(samples, tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(samples / "wechat_personal" / "example-wechat-records.xlsx")
    del book["Sheet1"]
    book.create_sheet("说明").append(["导出说明", "本表仅供参考"])
    path = tmp_path / "bill.xlsx"
    book.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreadSheetsWarning)
        assert len(rk.read_proofs(path)) == 27


def test_a_journal_workbook_with_the_table_on_two_sheets_says_so(tmp_path):
    import openpyxl

    rows = [
        ["交易时间", "终端号", "交易金额", "参考号"],
        ["2026-01-15 09:30:15", "12345678", "128.50", "401512345601"],
    ]
    book = openpyxl.Workbook()
    for title in ("一月", "二月"):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    del book["Sheet"]
    path = tmp_path / "pos.xlsx"
    book.save(path)
    mapping = {"交易时间": "ts", "终端号": "terminal_id", "交易金额": "amount", "参考号": "rrn"}
    with pytest.warns(UnreadSheetsWarning, match="'二月'"):
        rk.read_journal(path, mapping=mapping, tz="Asia/Shanghai", currency="CNY")


def test_a_formula_guard_lost_with_the_padding_is_warned_naming_the_line():
    """Clean room 8: '\\t=1+1' in a shop name or WeChat 备注 read back '=1+1' with no word."""
    from receiptkit.readers.table import TextChangedWarning, read_table

    text = 'a,b,c\n1,"\t=1+1 shop",x\n2,-5.00,"\r@cmd"\n3,"\t-12.50",y\n'
    with pytest.warns(TextChangedWarning, match="line 2: 2 cell"):
        table = read_table(text.encode(), header=["a", "b", "c"])
    assert table.frame["b"].iloc[0] == "=1+1 shop"


def test_padding_without_formula_text_is_not_warned():
    import warnings

    from receiptkit.readers.table import read_table

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_table(b"a,b\r\n1,\t-12.50\r\n2,4200001234\t\r\n", header=["a", "b"])


def test_the_guard_warning_masks_a_card_in_the_file_name_and_sees_spaces_too():
    from receiptkit.readers.table import TextChangedWarning, read_table

    with pytest.warns(TextChangedWarning) as caught:
        read_table(b'a,b\n1,"  =1+1"\n', header=["a", "b"], name="bill_4111111111111111.csv")
    assert "4111111111111111" not in str(caught[0].message) and "1111" in str(caught[0].message)
