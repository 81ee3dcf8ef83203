"""Amounts, digits, dates and row shapes at the edges: read exactly or refused by name, never wrapped.

Issue #18 items 1, 3 (generic tables) and 10: every case here was silently
wrong or an untyped crash before.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import AmountError, JournalError, ProofError
from receiptkit.money import MAX_MINOR, ensure_sum_fits
from receiptkit.reports.summary import summarise

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "proofs"
WECHAT = (FIXTURES / "wechat_bill.csv").read_bytes()
PAYPAL = (FIXTURES / "paypal_activity.csv").read_bytes()
CANONICAL_HEADER = "proof_id,kind,ts,date,amount_minor,currency,direction\n"


def _journal_csv(amounts: list[str]) -> bytes:
    rows = [f"2026-01-15 14:{i // 60:02d}:{i % 60:02d},{a},R{i}" for i, a in enumerate(amounts)]
    return ("时间,金额,参考号\n" + "\n".join(rows) + "\n").encode()


def _journal(data: bytes | pd.DataFrame, **kw: object) -> pd.DataFrame:
    mapping = {"时间": "ts", "金额": "amount", "参考号": "rrn"}
    return rk.read_journal(data, mapping=mapping, tz="Asia/Shanghai", currency="CNY", **kw)


# --------------------------------------------------------------------------- amounts beyond the maximum


@pytest.mark.parametrize(
    "amount",
    [
        "¥184467440737095387.66",  # 2**64 - 12850 fen: used to read as 128.50 (a refund in a journal)
        "-¥184467440737095387.66",
        "92233720368547758.08",  # 2**63 fen
        "18446744073709551616",
        "10000000000000.01",  # MAX_MINOR + 1 fen
        "1" + "0" * 40,
    ],
)
def test_wechat_amount_beyond_the_maximum_is_refused_by_cell(amount: str) -> None:
    data = WECHAT.replace("¥128.50".encode(), amount.encode())
    with pytest.raises(ProofError) as caught:
        rk.read_proofs(data, name="bill.csv")
    error = caught.value
    assert (error.file, error.row, error.column) == ("bill.csv", 18, "金额(元)")
    assert "maximum" in error.reason and error.value == amount


def test_wechat_amount_at_the_maximum_reads_exactly() -> None:
    data = WECHAT.replace("¥128.50".encode(), '"¥10,000,000,000,000.00"'.encode())
    frame = rk.read_proofs(data, name="bill.csv")
    assert frame["amount_minor"].tolist()[0] == MAX_MINOR == 10**15


def test_huge_amount_among_many_plain_rows_is_named_not_wrapped() -> None:
    """The vectorised path (many plain rows) must hand the huge cell to the checked path."""
    amounts = ["12.50"] * 200
    amounts[137] = "184467440737095387.66"
    with pytest.raises(JournalError) as caught:
        _journal(_journal_csv(amounts))
    assert caught.value.row == 139 and caught.value.column == "金额"  # header is line 1
    assert "maximum" in caught.value.reason
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lenient = _journal(_journal_csv(amounts), strict=False)
    assert len(lenient) == 199 and set(lenient["amount_minor"]) == {1250}
    rejected = rk.rejected(lenient)
    assert list(pd.DataFrame(rejected)["row"]) == [139]


def test_journal_amount_minor_beyond_the_maximum_is_refused() -> None:
    for text in ("9223372036854775808", "18446744073709538766", "1000000000000001"):
        frame = pd.DataFrame({"t": ["2026-01-15 14:30:25"], "m": [text]})
        with pytest.raises(JournalError, match="maximum") as caught:
            rk.read_journal(
                frame, mapping={"t": "ts", "m": "amount_minor"}, tz="Asia/Shanghai", currency="CNY"
            )
        assert caught.value.row == 1 and caught.value.column == "m"


@pytest.mark.parametrize("text", ["9223372036854775808", "18446744073709551617", "1000000000000001"])
def test_canonical_proofs_amount_beyond_the_maximum(text: str) -> None:
    data = (CANONICAL_HEADER + f"p1,bank_statement,2026-02-03 10:00:00+08:00,,{text},CNY,debit\n").encode()
    with pytest.raises(ProofError, match="maximum") as caught:
        rk.read_proofs(data, name="c.csv")
    assert (caught.value.row, caught.value.column) == (2, "amount_minor")


def test_paypal_amount_beyond_the_maximum() -> None:
    data = PAYPAL.replace(b'"-12.75","0.00","-12.75"', b'"-92233720368547758.08","0.00","-12.75"')
    with pytest.raises(ProofError, match="maximum") as caught:
        rk.read_proofs(data, name="p.csv")
    assert (caught.value.row, caught.value.column) == (2, "Gross")


# --------------------------------------------------------------------------- digits of other scripts


@pytest.mark.parametrize(("written", "minor"), [("１２８.５０", 12850), ("١٢٨.٥٠", 12850), ("١٢٨٫٥٠", 12850)])
def test_full_width_and_arabic_indic_digits_read_exactly(written: str, minor: int) -> None:
    data = WECHAT.replace("¥128.50".encode(), f"¥{written}".encode())
    assert rk.read_proofs(data, name="bill.csv")["amount_minor"].iloc[0] == minor
    journal = _journal(_journal_csv([written, "1.00"] * 40))
    assert journal["amount_minor"].iloc[0] == minor and journal["amount_minor"].iloc[1] == 100


def test_foreign_digits_in_amount_minor_and_canonical_proofs() -> None:
    frame = pd.DataFrame({"t": ["2026-01-15 14:30:25"], "m": ["１２８５０"]})
    journal = rk.read_journal(
        frame, mapping={"t": "ts", "m": "amount_minor"}, tz="Asia/Shanghai", currency="CNY"
    )
    assert journal["amount_minor"].tolist() == [12850]
    data = (CANONICAL_HEADER + "p1,bank_statement,2026-02-03 10:00:00+08:00,,١٢٨٥٠,CNY,debit\n").encode()
    assert rk.read_proofs(data, name="c.csv")["amount_minor"].tolist() == [12850]


def test_digits_that_are_not_a_number_are_refused_typed() -> None:
    data = WECHAT.replace("¥128.50".encode(), "¥١٢٨.٥٠.١".encode())
    with pytest.raises(ProofError, match="not an amount"):
        rk.read_proofs(data, name="bill.csv")


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    "when",
    [
        "2026-01-15 14:30:25+24:00",
        "2026-01-15T14:30:25+25:00",
        "2026-01-15 14:30:25 -2400",
        "Jan 15 2026 14:30 +25:00",
    ],
)
def test_offsets_of_a_day_or_more_are_typed_errors(when: str) -> None:
    frame = pd.DataFrame({"时间": [when], "金额": ["1.00"], "参考号": ["R1"]})
    with pytest.raises(JournalError, match="offset") as caught:
        _journal(frame)
    assert (caught.value.row, caught.value.column) == (1, "时间")


@pytest.mark.parametrize(
    ("ts", "date", "column", "reason"),
    [
        ("", "2026-13-45", "date", "not a time"),
        ("2026-02-30 10:00:00+08:00", "", "ts", "not a time"),
        ("2026-02-03 10:00:00+24:00", "", "ts", "not a time"),
        ("9999-02-03 10:00:00+08:00", "", "ts", "out of range"),
        ("0001-02-03 10:00:00+08:00", "", "ts", "out of range"),
        ("", "9999-12-31", "date", "out of range"),
    ],
)
def test_bad_dates_in_a_canonical_proofs_csv_name_the_cell(
    ts: str, date: str, column: str, reason: str
) -> None:
    data = (CANONICAL_HEADER + "p0,bank_statement,2026-02-03 09:00:00+08:00,,100,CNY,debit\n").encode()
    data += f"p1,bank_statement,{ts},{date},100,CNY,debit\n".encode()
    with pytest.raises(ProofError, match=reason) as caught:
        rk.read_proofs(data, name="c.csv")
    assert (caught.value.row, caught.value.column) == (3, column)


def test_canonical_proofs_times_still_read_in_one_pass() -> None:
    rows = "".join(
        f"p{i},bank_statement,2026-02-03 10:{i:02d}:00+08:00,,{100 + i},CNY,debit\n" for i in range(50)
    )
    rows += "q,bank_statement,,2026-02-04,5,CNY,credit\n"
    frame = rk.read_proofs((CANONICAL_HEADER + rows).encode(), name="c.csv")
    assert frame["ts"].iloc[3] == pd.Timestamp("2026-02-03 02:03:00", tz="UTC")
    assert frame["date"].iloc[50] == pd.Timestamp("2026-02-04") and pd.isna(frame["ts"].iloc[50])


@pytest.mark.parametrize("when", ["9999-12-31 14:30:25", "0001-01-01 00:00:00"])
def test_far_years_are_typed_errors(when: str) -> None:
    with pytest.raises(JournalError, match="outside"):
        _journal(pd.DataFrame({"时间": [when], "金额": ["1.00"], "参考号": ["R1"]}))
    with pytest.raises(ProofError, match="outside"):
        rk.read_proofs(WECHAT.replace(b"2026-11-20 14:32:07", when.encode()), name="bill.csv")


def test_far_year_in_a_long_uniform_column_is_not_taken_by_the_fast_path() -> None:
    times = [f"2026-01-15 10:{i // 60:02d}:{i % 60:02d}" for i in range(100)]
    times[70] = "2200-01-15 10:01:10"
    frame = pd.DataFrame({"时间": times, "金额": ["1.00"] * 100, "参考号": [f"R{i}" for i in range(100)]})
    with pytest.raises(JournalError, match="outside") as caught:
        _journal(frame)
    assert caught.value.row == 71


def test_paypal_empty_date_is_a_typed_error() -> None:
    data = PAYPAL.replace(b'"03/07/2026"', b'""')
    with pytest.raises(ProofError, match="empty date") as caught:
        rk.read_proofs(data, name="p.csv")
    assert (caught.value.row, caught.value.column) == (2, "Date")


def test_empty_date_next_to_a_time_never_gets_a_default_day() -> None:
    header = "交易日期,交易时间,终端号,参考号,交易类型,交易金额\n"
    good = "2026-01-15,14:30:25,T1,R1,消费,10.00\n"
    data = (header + good + ",14:31:00,T1,R2,消费,20.00\n").encode()
    with pytest.raises(JournalError) as caught:
        rk.read_journal(data, preset="unionpay_terminal")
    assert caught.value.row == 3


def test_a_journal_date_without_a_time_is_not_midnight() -> None:
    frame = pd.DataFrame(
        {"时间": ["2026-01-15 10:00:00", "2026-01-15"], "金额": ["1.00", "2.00"], "参考号": ["a", "b"]}
    )
    with pytest.raises(JournalError, match="without a time of day") as caught:
        _journal(frame)
    assert caught.value.row == 2


# --------------------------------------------------------------------------- row shapes


def test_a_row_with_more_cells_than_the_header_is_not_shifted() -> None:
    data = b"\xe6\x97\xb6\xe9\x97\xb4,\xe9\x87\x91\xe9\xa2\x9d,\xe5\x8f\x82\xe8\x80\x83\xe5\x8f\xb7\n2026-01-15 14:30:25,12,34,R1\n"
    with pytest.raises(JournalError, match="4 cells but the header has 3") as caught:
        _journal(data)
    assert caught.value.row == 2


def test_a_truncated_last_row_is_refused() -> None:
    full = _journal_csv(["12.34", "35.61"])
    assert _journal(full)["amount_minor"].tolist() == [1234, 3561]
    cut = full[: full.rindex(b"35.61") + 4]  # "35.6", then the file ends: no R1, no line break
    with pytest.raises(JournalError, match="the file ends inside this row: it may be cut") as caught:
        _journal(cut)
    assert caught.value.row == 3


def test_a_short_row_is_refused_naming_its_line_and_first_missing_column() -> None:
    """A row with fewer cells than the header is never padded: a lost cell would shift the others."""
    data = "时间,金额,参考号,备注\n2026-01-15 14:30:25,12.34,R1\n2026-01-15 14:30:26,1.00,R2,x\n".encode()
    with pytest.raises(JournalError) as info:
        _journal(data)
    assert (info.value.row, info.value.column) == (2, "备注")
    assert "3 cells but the header has 4 columns" in info.value.reason
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = _journal(data, strict=False)
    assert frame["amount_minor"].tolist() == [100]
    rejected = rk.rejected(frame)
    assert rejected[["row", "column"]].values.tolist() == [[2, "备注"]]


def test_a_middle_cell_lost_is_not_read_shifted() -> None:
    """ "12.34" lost from the middle: without the refusal R1 would be read as the amount's neighbour."""
    data = "时间,金额,参考号,备注\n2026-01-15 14:30:25,R1,ok\n".encode()
    with pytest.raises(JournalError) as info:
        _journal(data)
    assert info.value.row == 2 and info.value.column == "备注"


def test_empty_names_after_the_last_header_name_are_not_columns() -> None:
    """PayPal's Spanish statement ends its header with six empty names and its rows with none."""
    data = "时间,金额,参考号,,,\n2026-01-15 14:30:25,12.34,R1\n".encode()
    assert _journal(data)["amount_minor"].tolist() == [1234]


def test_short_rows_are_found_by_the_vectorised_path_too() -> None:
    """Files above 64 KiB take pandas' C parser, which pads short rows with "": counted by separators."""
    rows = [f"2026-01-15 14:{i // 60 % 60:02d}:{i % 60:02d},1.00,R{i}," for i in range(3000)]
    rows[1234] = "2026-01-15 15:00:00,2.00,R1234"  # no 备注 cell at all
    data = ("时间,金额,参考号,备注\n" + "\n".join(rows) + "\n").encode()
    assert len(data) > 1 << 16
    with pytest.raises(JournalError) as info:
        _journal(data)
    assert (info.value.row, info.value.column) == (1236, "备注")


# --------------------------------------------------------------------------- totals


def test_totals_that_do_not_fit_int64_are_refused_not_wrapped() -> None:
    ensure_sum_fits(pd.Series([MAX_MINOR] * 9000).to_numpy())
    with pytest.raises(AmountError, match="64-bit"):
        ensure_sum_fits(pd.Series([MAX_MINOR] * 9224).to_numpy())
    proofs = pd.DataFrame(
        {
            "proof_id": [f"p{i}" for i in range(9224)],
            "amount_minor": [MAX_MINOR] * 9224,
            "currency": "CNY",
            "direction": "debit",
        }
    )
    result = pd.DataFrame({"proof_id": proofs["proof_id"], "status": "unmatched"})
    with pytest.raises(AmountError, match="reconciliation total"):
        summarise(result, proofs)
    small = summarise(result.head(9000), proofs.head(9000))
    total = small.loc[small["status"] == "unmatched", "amount_minor"].iloc[0]
    assert total == 9000 * MAX_MINOR


# --------------------------------------------------------------------------- the vectorised table path


def _both_paths(data: bytes, **options: object):
    from receiptkit.readers import table

    fast = table.read_table(data, name="t.csv", **options)
    saved = table._FAST_CSV_CHARS
    table._FAST_CSV_CHARS = 10**12
    try:
        slow = table.read_table(data, name="t.csv", **options)
    finally:
        table._FAST_CSV_CHARS = saved
    return fast, slow


def test_the_vectorised_csv_path_gives_the_row_by_row_table() -> None:
    rows = []
    for i in range(3000):
        rows.append(f" 2026-01-15 14:{i // 60 % 60:02d}:{i % 60:02d} ,`{i}.50,R{i}\t,-")
        if i % 500 == 7:
            rows += ["", "# a comment line", ",,,"]
        if i % 700 == 3:
            rows.append(f"2026-01-15 10:00:00,1.00,S{i}")  # a row leaving out its last cell
    text = (
        "Title line,,,\nexported 2026-01-16\n时间,金额,参考号,备注\n"
        + "\r\n".join(rows)
        + "\n合计,123,,\nafter\n"
    )
    fast, slow = _both_paths(text.encode(), header=("时间", "金额"), stop_at="^合计")
    assert len(text) > 65536
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.lines.tolist() == slow.lines.tolist()
    assert (
        (fast.header_line, fast.preamble)
        == (slow.header_line, slow.preamble)
        == (3, ["Title line", "exported 2026-01-16"])
    )


def test_the_vectorised_csv_path_leaves_hard_cases_to_the_named_errors() -> None:
    body = "".join(f"2026-01-15 10:00:00,1.00,R{i}\n" for i in range(4000))
    wide = ("时间,金额,参考号\n" + body + "2026-01-15 10:00:00,1.00,R,extra\n").encode()
    with pytest.raises(rk.errors.ReceiptkitError, match="4 cells but the header has 3"):
        _both_paths(wide, header=("时间", "金额"))
    quoted = ("时间,金额,参考号\n" + body + '2026-01-15 10:00:00,"1,000.00",R\n').encode()
    fast, slow = _both_paths(quoted, header=("时间", "金额"))
    assert fast.frame["金额"].iloc[-1] == "1,000.00"
    pd.testing.assert_frame_equal(fast.frame, slow.frame)


@pytest.mark.parametrize("zone", ["[+25:XYZ]", "[-30]", "[99:ABC]"])
def test_ofx_zone_offsets_of_a_day_or_more_are_typed_errors(zone: str) -> None:
    text = (FIXTURES / "statement.ofx").read_text(encoding="utf-8")
    damaged = text.replace("20261120143207[+8:CST]", f"20261120143207{zone}", 1)
    assert damaged != text
    with pytest.raises(ProofError, match="offset") as caught:
        rk.read_proofs(damaged.encode(), name="s.ofx")
    assert caught.value.column == "DTPOSTED" and caught.value.row is not None
