"""HSBC Hong Kong current-account lines: the sale's day written in the text (``22MAR``), read honestly.

The public sample (double-entry-generator ``example/hsbchk/debit``) writes a card purchase as
``TRIPLE Z                 HC1234567890123456   22MAR`` on a line dated ``24/03/2025``: the Date column is
the posting date (field guide 3.1: HSBC HK posts T+1, weekend sales on Monday), the text ends with the day
of the sale, without a year; a withdrawal writes ``(22MAR25)``.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit import read_proofs
from receiptkit.readers.bank_csv import hsbc_sale_day
from receiptkit.schema import FullPanWarning

_HEAD = "Date,Description,Billing amount,Billing currency,Balance,Balance currency\n"


def _line(date: str, description: str, amount: str = "-75.50", currency: str = "HKD") -> str:
    return f'{date},{description},"{amount}"\t,{currency},"3,612.17"\t,HKD\n'


def _read(*lines: str) -> pd.DataFrame:
    return read_proofs((_HEAD + "".join(lines)).encode("utf-8"), name="hsbc_debit.csv")


def test_the_sample_card_line_is_dated_on_the_sale_and_keeps_its_posting_date(samples):
    frame = read_proofs(samples / "bank_hk_hsbc" / "example-hsbchk-debit-records.csv")
    card = frame.iloc[0]
    assert card["date"] == pd.Timestamp("2025-03-22")  # a Saturday, posted on Monday 24/03
    assert card["raw"]["posting_date"] == "2025-03-24" and card["raw"]["transaction_day"] == "2025-03-22"
    assert card["merchant_text"] == "TRIPLE Z"  # reference and day are no part of the shop's name
    assert card["raw"]["reference"] == "HC1234567890123456"
    assert card["ts"] is pd.NaT or pd.isna(card["ts"])
    assert card["ts_precision"] == "day"
    withdrawal = frame.iloc[1]
    assert (
        withdrawal["date"] == pd.Timestamp("2025-03-22")
        and withdrawal["merchant_text"] == "MOBILE WITHDRAWAL"
    )
    # lines without a day in their text keep the Date column, which is their posting date
    rest = frame.iloc[2:]
    assert all(r["date"] == pd.Timestamp(r["raw"]["posting_date"]) for _, r in rest.iterrows())
    assert all("transaction_day" not in r for r in rest["raw"])
    assert rest.iloc[1]["merchant_text"] == "POS PURCHASE             SUPERMARKET HK"


@pytest.mark.parametrize(
    ("posted", "text", "expected"),
    [
        ("02/01/2026", "CAFE A                   30DEC", "2025-12-30"),  # the year before the posting date's
        ("31/12/2026", "CAFE A                   31DEC", "2026-12-31"),  # posted the same day
        ("01/03/2024", "CAFE A                   29FEB", "2024-02-29"),  # a leap day that exists
        ("24/03/2025", "CAFE A   (22MAR25)", "2025-03-22"),
    ],
)
def test_the_year_is_the_posting_dates_or_the_one_before(posted, text, expected):
    frame = _read(_line(posted, text))
    assert frame["date"].iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("posted", "text"),
    [
        ("24/03/2025", "CAFE A                   25MAR"),  # 25 March 2024: a year before, not a sale day
        ("03/03/2025", "CAFE A                   31FEB"),  # no such day
        ("01/03/2025", "CAFE A                   29FEB"),  # 2025 is no leap year; 2024-02-29 is a year back
        ("24/03/2025", "CAFE A   (25MAR25)"),  # a written year putting the sale after its posting date
        ("24/03/2025", "CAFE A                   22Mar"),  # not the export's upper-case month
        ("24/03/2025", "CAFE A                   22MARCH"),
        ("24/03/2025", "CAFE A  22MAR HOTEL"),  # not at the end of the text
    ],
)
def test_a_day_that_does_not_fit_leaves_the_posting_date(posted, text):
    frame = _read(_line(posted, text))
    row = frame.iloc[0]
    assert row["date"] == pd.Timestamp(row["raw"]["posting_date"])
    assert "transaction_day" not in row["raw"] and row["merchant_text"] == text


def test_never_a_day_after_the_posting_date():
    posted = pd.Timestamp("2026-01-05")
    for month in ("JAN", "FEB", "JUN", "DEC"):
        for day in (1, 5, 6, 28):
            found = hsbc_sale_day(f"SHOP {day:02d}{month}", posted)
            if found is not None:
                assert found[0] <= posted and (posted - found[0]).days <= 31


def test_an_18_digit_reference_is_not_taken_for_a_card_number_in_the_shops_name():
    # 18 digits with a card network's first digit and a valid Luhn digit: read as a PAN in free text, the
    # reference raised a FullPanWarning and was masked inside merchant_text (clean room 3)
    reference = "664041123456782808"
    assert rk.pan.looks_like_card(reference)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FullPanWarning)
        frame = _read(_line("23/11/2026", f"YIDIANDIAN (XINZHUANG)   {reference}   20NOV", "-17.55"))
    row = frame.iloc[0]
    assert row["merchant_text"] == "YIDIANDIAN (XINZHUANG)"
    # the copy kept in raw is still masked as a card number would be: it cannot be told from one
    assert reference not in str(row["raw"]) and row["raw"]["reference"].startswith("664041")


def test_a_debit_card_line_is_matched_on_its_sale_day_not_on_the_posting_days_sale():
    """Two sales of the same amount, on the Saturday of the sale and on the Monday of the posting:
    with the posting date alone both are lag 0 (a weekend rolls to Monday); the day in the text tells."""
    from tests.matching.conftest import background, journal, row_of, txn

    rows = background(60)
    rows.append(txn("SAT", 7550, "14:02:00", day="2025-03-22", currency="HKD", merchant_name="TRIPLE Z"))
    rows.append(txn("MON", 7550, "10:15:00", day="2025-03-24", currency="HKD", merchant_name="TRIPLE Z"))
    j = journal(*[{**r, "currency": "HKD"} for r in rows])
    frame = _read(_line("24/03/2025", "TRIPLE Z                 HC1234567890123456   22MAR"))
    row = row_of(rk.match(frame, j), frame["proof_id"].iloc[0])
    assert row["status"] == "matched" and row["txn_id"] == "SAT", row["reason"]
    undated = _read(_line("24/03/2025", "TRIPLE Z                 HC1234567890123456"))
    assert row_of(rk.match(undated, j), undated["proof_id"].iloc[0])["status"] != "matched"
