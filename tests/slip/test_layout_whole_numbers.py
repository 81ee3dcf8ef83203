"""Clean room 12 F1/F2: numbers are never cut across lines, and characters the font lacks print alike.

F1: a 58 mm total longer than a double-size line (16 columns) was cut mid-number, the first line
reading as a smaller complete amount (``KWD 100000000000`` / ``0.000``), in text, ESC/POS and PDF.
F2: an emoji in a merchant name went out as GB18030 bytes in ESC/POS, an empty box in PNG and U+0000
in the PDF's text layer.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

import receiptkit as rk
from receiptkit.errors import SlipLayoutError
from receiptkit.money import format_minor
from receiptkit.slip import Slip
from receiptkit.slip.document import MISSING_GLYPH, KeyValue, layout, wrap_cells

PRINTED = pd.Timestamp("2026-11-12 09:00:00", tz="Asia/Kuwait")


def journal_row(**changes):
    base = {
        "txn_id": "T1",
        "merchant_id": "KW0098765432",
        "merchant_name": "Alshaya Starbucks Avenues",
        "terminal_id": "10000001",
        "ts": pd.Timestamp("2026-11-12 00:02:57", tz="Asia/Kuwait"),
        "amount_minor": 10**15,
        "currency": "KWD",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
        "pan_masked": "453275******4600",
        "card_scheme": "Visa",
        "auth_code": "123456",
        "rrn": "313301925333",
        "stan": "000178",
        "batch_no": "000012",
    }
    base.update(changes)
    return rk.read_journal(pd.DataFrame([base])).iloc[0]


def slip_of(width="58mm", **changes):
    return Slip.from_transaction(journal_row(**changes), width=width, reprint_no=1, printed_at=PRINTED)


def pdf_text(slip):
    return PdfReader(io.BytesIO(slip.to_pdf())).pages[0].extract_text()


@pytest.mark.parametrize(
    ("changes", "amount"),
    [
        ({}, "KWD 1000000000000.000"),  # the documented maximum, 10^15 fils
        ({"currency": "USD", "txn_type": "refund"}, "USD -10000000000000.00"),
    ],
)
def test_58mm_total_is_whole_on_one_line_in_every_output(changes, amount):
    slip = slip_of(**changes)
    lines = [line.strip() for line in slip.text().splitlines()]
    assert amount in lines  # whole, on its own line (it was "KWD 100000000000" / "0.000")
    number = amount.split()[1]
    assert not any(line and line != amount and line in number for line in lines)
    assert amount.encode("ascii") in slip.to_escpos()
    assert amount in pdf_text(slip)


def test_the_total_still_prints_double_size_when_it_fits():
    slip = slip_of(amount_minor=12345, currency="USD")
    total = [row for row in slip.rows() if "123.45" in row.left]
    assert len(total) == 1 and total[0].double


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    minor=st.integers(min_value=0, max_value=10**15),
    currency=st.sampled_from(["KWD", "USD", "JPY", "CNY", "HKD"]),
    txn_type=st.sampled_from(["sale", "refund"]),
    width=st.sampled_from(["58mm", "80mm"]),
)
@example(minor=10**15, currency="KWD", txn_type="sale", width="58mm")
@example(minor=10**15, currency="USD", txn_type="refund", width="58mm")
@example(minor=10**15 - 1, currency="JPY", txn_type="refund", width="58mm")
def test_no_amount_is_ever_cut_across_lines(minor, currency, txn_type, width):
    slip = slip_of(width=width, amount_minor=minor, currency=currency, txn_type=txn_type)
    number = format_minor(minor, currency)
    signed = ("-" if txn_type == "refund" and minor else "") + number
    total = [block for block in slip.blocks if isinstance(block, KeyValue) and block.double]
    assert len(total) == 1
    pieces = [row.left for row in layout(total, slip.cols)[1:]]  # the rows under the label
    assert any(signed in piece.split() for piece in pieces)  # the number whole on one row
    assert " ".join(pieces) == slip.fields["amount"]  # and nothing else, cut only at the space
    assert slip.fields["amount"] in slip.text().replace("\n", " ").split("  ") or signed in slip.text()


@pytest.mark.parametrize("width", ["58mm", "80mm"])
def test_long_ids_are_never_split_and_a_value_wider_than_the_paper_is_refused(width):
    cols = 32 if width == "58mm" else 48
    fits = "4" * (cols - 4)  # wider than label + value on one line, but fits a line on its own
    slip = slip_of(width=width, channel="wechat", wallet_txn_id=fits, order_no="1" * cols)
    lines = [line.strip() for line in slip.text().splitlines()]
    assert fits in lines and "1" * cols in lines
    with pytest.raises(SlipLayoutError) as caught:
        slip_of(width=width, channel="wechat", order_no="2" * (cols + 1))  # refused when built
    assert caught.value.column == "order_no"
    assert f"{cols} columns" in str(caught.value)


def test_non_stacked_values_too_long_for_their_label_go_whole_and_right_aligned():
    rrn = "3133019253330000123456789012345"  # 31 digits: "RRN: " + 31 > 32 columns, too long for a barcode
    lines = slip_of(width="58mm", rrn=rrn).text().splitlines()
    at = lines.index(" " + rrn)  # whole, right-aligned on its own line (it was cut after "RRN:")
    assert lines[at - 1] == "RRN:"
    assert sum(rrn[:10] in line for line in lines) == 1


def test_wrap_cells_breaks_names_but_never_inside_a_number():
    assert wrap_cells("北京市朝阳区建国路88号", 9) == ["北京市朝", "阳区建国", "路88号"]
    assert wrap_cells("Supercalifragilistic", 8) == ["Supercal", "ifragili", "stic"]
    with pytest.raises(SlipLayoutError):
        wrap_cells("店1234567890", 8, field="merchant_name")


def test_long_merchant_name_still_wraps_at_58mm():
    name = "上海市浦东新区陆家嘴环路1000号恒生银行大厦旗舰店 Flagship Store"
    slip = slip_of(width="58mm", merchant_name=name)
    text = "".join(line.strip() for line in slip.text().splitlines())
    assert "1000号" in text


# --------------------------------------------------------------------------- F2


EMOJI_NAME = "喜茶ＨＥＹＴＥＡ（静安嘉里中心店）🍵"


def test_a_character_the_font_lacks_is_the_same_mark_in_every_output():
    slip = slip_of(width="80mm", merchant_name=EMOJI_NAME, currency="CNY", amount_minor=3200)
    shown = "喜茶ＨＥＹＴＥＡ（静安嘉里中心店）" + MISSING_GLYPH
    assert shown in slip.text() and "🍵" not in slip.text()
    escpos = slip.to_escpos(chinese="native")
    assert shown.encode("gb18030") in escpos
    assert "🍵".encode("gb18030") not in escpos
    text = pdf_text(slip)
    assert shown in text.replace(" ", "") and "\x00" not in text
    # the PNG draws exactly what a name holding the mark itself draws
    same = slip_of(width="80mm", merchant_name=shown, currency="CNY", amount_minor=3200)
    assert slip.to_png() == same.to_png()


def test_reprint_refuses_a_too_wide_id_before_a_reprint_number_is_used(tmp_path, monkeypatch):
    from receiptkit.audit import AuditLog
    from receiptkit.errors import ReceiptkitError
    from receiptkit.reprinting import ReprintPolicy, reprint

    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "3f" * 32)
    row = journal_row(channel="wechat", order_no="9" * 33)  # 33 digits: wider than 58 mm's 32 columns
    audit = tmp_path / "a.sqlite"
    with pytest.raises(ReceiptkitError, match="order_no"):
        reprint(
            row,
            operator="li",
            reason="lost",
            pdf=tmp_path / "d.pdf",
            audit=audit,
            new_audit_log=True,
            policy=ReprintPolicy(width="58mm"),
            override="no_journal",  # a row without its journal: the slip's refusal is what is tested
        )
    assert not (tmp_path / "d.pdf").exists()
    if audit.exists():
        with AuditLog(audit, create=False) as log:
            assert log.rows(event_type="reprint").empty


def test_a_source_file_name_wider_than_the_line_breaks_after_its_separators_in_the_remarks():
    """The review's second read (session 19): a rebuilt journal's remark names its source files; one name wider
    than a 58 mm line (a run holding digits) refused the whole duplicate. In the remarks only, a run wider than
    the line breaks after ``_ - . / , :``; nothing is lost, and any other field still refuses it."""
    from receiptkit.slip.document import cell_width, wrap_cells

    text = "来源/sources: terminal-12345678_journal_2026-11-07.csv, backoffice_2026-11-07.xlsx"
    pieces = wrap_cells(text, 32, field="remarks")
    assert all(cell_width(piece) <= 32 for piece in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    with pytest.raises(SlipLayoutError):
        wrap_cells(text, 32, field="order_no")
    with pytest.raises(SlipLayoutError):  # no separator to break after: still refused, never cut
        wrap_cells("x " + "1" * 40, 32, field="remarks")
