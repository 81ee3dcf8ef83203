"""The reports say in which zone their times are, which time is the terminal's and which is true, and hold
amounts as numbers in Excel (newcomer 19, G10).

Before: the matched sheet showed proof P0000164's ``time`` 2026-11-14 10:37 beside ``txn_time`` 2026-11-14
02:37:21 (terminal 13000001, clock 8 hours slow), both text without a zone, and nothing in the workbook or the
page said which zone or that ``txn_time`` is the terminal's uncorrected clock; every amount was a text cell,
so an accountant's SUM was 0.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.money import format_minor
from receiptkit.reports import SHEETS

TZ = "Asia/Shanghai"
PROOF_TIME = f"proof time ({TZ})"
LOGGED = f"sale time as logged ({TZ})"
CORRECTED = f"sale time corrected ({TZ})"


def _records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def book(rec, tmp_path_factory):
    return openpyxl.load_workbook(rec.write(tmp_path_factory.mktemp("times") / "report.xlsx"))


def _stamp(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_localize(TZ)


def test_time_columns_name_their_zone_and_which_clock(book):
    header = [c.value for c in next(book["matched"].iter_rows())]
    assert {PROOF_TIME, LOGGED, CORRECTED} <= set(header)
    assert "time" not in header and "txn_time" not in header
    ambiguous = [c.value for c in next(book["ambiguous"].iter_rows())]
    assert {PROOF_TIME, f"candidate time as logged ({TZ})", f"candidate time corrected ({TZ})"} <= set(
        ambiguous
    )
    assert PROOF_TIME in [c.value for c in next(book["unmatched"].iter_rows())]


def test_the_corrected_time_is_the_logged_time_less_the_clock_offset(book, rec):
    offsets = rec.clock_offsets["offset_s"]
    far = 0
    for record in _records(book["matched"]):
        logged, corrected = _stamp(record[LOGGED].value), _stamp(record[CORRECTED].value)
        offset = int(record["clock_offset_s"].value)
        assert corrected == logged - pd.Timedelta(seconds=offset), record["proof_id"].value
        proof = record[PROOF_TIME].value
        if abs(offset) > 3600 and len(proof) >= 16:  # the 8-hour terminal: the corrected time is the proof's
            far += 1
            assert abs(corrected - _stamp(proof[:16])) < pd.Timedelta(minutes=5)
            assert abs(logged - _stamp(proof[:16])) > pd.Timedelta(hours=7)
    assert far  # the dataset has a terminal 8 hours off
    journal = rec.journal.drop_duplicates("txn_id").set_index("txn_id")
    for record in _records(book["ambiguous"]):
        txn = record["candidate_txn_id"].value
        if not txn:
            continue
        terminal = str(journal.loc[txn, "terminal_id"])
        logged = _stamp(record[f"candidate time as logged ({TZ})"].value)
        corrected = record[f"candidate time corrected ({TZ})"].value
        if " or " not in corrected and terminal in offsets.index and not rk.clock_offsets(rec.result).attrs:
            assert _stamp(corrected) == logged - pd.Timedelta(seconds=int(offsets[terminal])), txn


def test_the_workbook_and_the_page_say_the_zone(book, rec, tmp_path):
    assert book.sheetnames == [*SHEETS, "about"]
    about = {r[0]: r[1] for r in book["about"].iter_rows(min_row=2, values_only=True)}
    assert about["times shown in"].startswith(TZ)
    assert "terminal" in about["sale time as logged"] and "clock_offset_s" in about["sale time corrected"]
    page = rec.write(tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"times shown in</dt><dd>{TZ}" in page
    assert f"<th>{LOGGED}</th>" in page and f"<th>{CORRECTED}</th>" in page
    with rec.write(tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert {PROOF_TIME, LOGGED, CORRECTED} <= set(header)


def test_another_zone_is_named_as_given(rec, dataset, tmp_path):
    utc = rk.reports.Reconciliation(result=rec.result, proofs=rec.proofs, journal=dataset.journal, tz="UTC")
    book = openpyxl.load_workbook(utc.write(tmp_path / "utc.xlsx"))
    header = [c.value for c in next(book["matched"].iter_rows())]
    assert {"proof time (UTC)", "sale time as logged (UTC)", "sale time corrected (UTC)"} <= set(header)


def test_amounts_are_numeric_cells_in_the_currency_format(book, rec):
    checked = 0
    for sheet, pairs in (
        ("matched", (("amount", "currency"), ("txn_amount", "txn_currency"))),
        ("unmatched", (("amount", "currency"),)),
        ("ambiguous", (("candidate_amount", "candidate_currency"),)),
        ("summary", (("amount", "currency"),)),
    ):
        for record in _records(book[sheet]):
            for amount, currency in pairs:
                cell, code = record[amount], record[currency].value
                if cell.value is None:
                    continue
                assert cell.data_type == "n", (sheet, cell.coordinate, cell.value)
                assert code in cell.number_format and "#,##0.00" in cell.number_format, cell.number_format
                checked += 1
    assert checked > 100
    # exact: the number is the decimal of the integer minor units (written from a Decimal, 2 decimals)
    for record in _records(book["matched"]):
        minor, code = record["amount_minor"].value, record["currency"].value
        assert Decimal(str(record["amount"].value)).quantize(Decimal("0.01")) == Decimal(
            format_minor(minor, code)
        )
    summary = _records(book["summary"])
    for record in summary:
        if record["currency"].value:
            assert round(record["amount"].value * 100) == record["amount_minor"].value


def test_tables_keep_their_short_names_and_exact_text(rec):
    """The frames (tables(), rows()) keep their names (the files label them) and amounts as exact text."""
    matched = rec.tables()["matched"]
    assert {"time", "txn_time", "txn_time_corrected", "amount"} <= set(matched.columns)
    assert matched["amount"].map(type).eq(str).all()
    assert {"txn_time", "txn_time_corrected"} <= set(rec.rows().columns)
