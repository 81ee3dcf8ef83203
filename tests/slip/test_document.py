"""The slip document: template choice, fields, duplicate marking, privacy, layout."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.schema import validate_journal
from receiptkit.slip import DUPLICATE_BANNER, DUPLICATE_REMARK, Slip
from receiptkit.slip.document import cell_width, display_pan, row_text, wrap_cells

from .conftest import PRINTED_AT, VERIFICATION

ALL = ["UP-0001", "UP-0002", "UP-0003", "EM-0001", "EM-0002", "WX-0001", "AL-0001"]

# what each template must show, as display strings of the fixture rows
EXPECTED = {
    "UP-0001": [
        "银联POS签购单",
        "持卡人存根 CARDHOLDER COPY",
        "上海喆堃便利店有限公司",
        "898310048161234",
        "10086123",
        "操作员号(OPERATOR NO.)",
        "中国工商银行",
        "银联商务",
        "0123 /I",
        "消费/SALE",
        "000123",
        "000456",
        "A1B2C3",
        "412212345678",
        "2024/05/01 14:32:05",
        "RMB 128.50",
        DUPLICATE_REMARK,
        "打印时间(PRINTED AT)",
        "2024/06/01 10:00:00",
    ],
    "EM-0001": [
        "CARD RECEIPT",
        "Harbour Books Ltd",
        "12 Queen's Road, Hong Kong",
        "MID:",
        "4412000099887766",
        "T0098812",
        "VISA",
        "4821",
        "CHIP",
        "SALE",
        "HKD 456.00",
        "2024/05/03",
        "11:05:41",
        "093412",
        "413011223344",
        "000031/004512",
        "A0000000031010",
        "VISA CREDIT",
        "VERIFIED BY PIN",
        "PRINTED AT",
    ],
    "WX-0001": [
        "扫码支付凭证",
        "杭州西湖龙井茶庄",
        "￥88.00",
        "支付时间",
        "2024/05/04 16:20:11",
        "交易单号",
        "4200002164202405041234567890",
        "商户单号",
        "RK20240504162011001",
        "支付方式",
        "微信支付",
        "打印时间",
    ],
    "AL-0001": ["支付宝", "￥156.00", "2024050422001412345678901234", "RK20240504170245002"],
}


def make(journal: pd.DataFrame, txn_id: str, **kwargs) -> Slip:
    kwargs.setdefault("printed_at", PRINTED_AT)
    return Slip.from_transaction(journal.loc[txn_id], **kwargs)


@pytest.mark.parametrize(
    ("txn_id", "template"),
    [
        ("UP-0001", "unionpay"),
        ("EM-0001", "card"),
        ("EM-0002", "card"),
        ("WX-0001", "wallet"),
        ("AL-0001", "wallet"),
    ],
)
def test_template_follows_channel_scheme_and_currency(journal, txn_id, template):
    assert make(journal, txn_id).template == template


@pytest.mark.parametrize("width", ["80mm", "58mm"])
@pytest.mark.parametrize("txn_id", sorted(EXPECTED))
def test_every_field_is_on_the_slip(journal, txn_id, width):
    text = make(journal, txn_id, width=width).text()
    flat = text.replace("\n  ", "")  # stacked values continue on the next line
    for value in EXPECTED[txn_id]:
        assert value in flat, (value, text)


@pytest.mark.parametrize("width", ["80mm", "58mm"])
@pytest.mark.parametrize("txn_id", ALL)
def test_every_row_fits_the_paper_counting_cjk_as_two(journal, txn_id, width):
    slip = make(journal, txn_id, width=width, verification=VERIFICATION, reprint_no=3)
    assert slip.cols == {"80mm": 48, "58mm": 32}[width]
    for row in slip.rows():
        if row.kind == "text":
            limit = slip.cols // 2 if row.double else slip.cols
            assert cell_width(row_text(row, slip.cols)) <= limit, row


@pytest.mark.parametrize("txn_id", ALL)
def test_duplicate_marking_is_fixed(journal, txn_id):
    slip = make(journal, txn_id)
    text = slip.text()
    assert text.count(DUPLICATE_BANNER) == 2
    first_line = text.strip().splitlines()[0].strip()
    assert first_line == DUPLICATE_BANNER  # the top of the slip
    amount_at = next(i for i, r in enumerate(slip.rows()) if r.double and r.align == "right")
    banner_rows = [i for i, r in enumerate(slip.rows()) if r.left == DUPLICATE_BANNER]
    assert amount_at - banner_rows[-1] <= 2  # the second banner is next to the total
    assert DUPLICATE_REMARK in text
    assert "2024/06/01 10:00:00" in text  # printed at, separate from the original time
    assert "SIGN" not in text.upper().replace("NO SIGNATURE REQUIRED", "")


def test_unionpay_remark_comes_first_in_beizhu(journal):
    text = make(journal, "UP-0001").text()
    assert text.index("备注(REFERENCE):") < text.index(DUPLICATE_REMARK)


def test_refund_prints_original_reference_and_date(journal):
    text = make(journal, "UP-0002", original=journal.loc["UP-0001"]).text()
    assert "原参考号(ORIG REF):412212345678" in text
    assert "原交易日期(ORIG DATE):2024/05/01" in text
    assert "RMB -128.50" in text
    assert "退货/REFUND" in text


def test_void_prints_original_voucher(journal):
    text = make(journal, "UP-0003", original=journal.loc["UP-0001"]).text()
    assert "原凭证号(ORIG VOUCHER):000456" in text
    assert "撤销/VOID" in text


def test_void_without_original_row_names_the_original_txn(journal):
    assert "原交易号(ORIG TXN):UP-0001" in make(journal, "UP-0003").text()


def test_declined_row_is_marked_even_without_a_note(journal):
    slip = make(journal, "EM-0002")
    assert any(r.left.strip() == "DECLINED" and r.double for r in slip.rows())


def test_status_note_reprint_verification_and_extra_remarks(journal):
    slip = make(
        journal,
        "UP-0001",
        status_note="DECLINED",
        reprint_no=2,
        verification=VERIFICATION,
        remarks=["数据来自收单机构记录 / data from acquirer records"],
    )
    text = slip.text()
    assert "DECLINED" in text
    assert (
        "重打印次数(REPRINT):" in text and text.split("重打印次数(REPRINT):")[1].split("\n")[0].strip() == "2"
    )
    assert "7KQ2-9XZD" in text
    assert "数据来自收单机构记录/datafromacquirerrecords" in "".join(text.split())  # wrapped at 48 columns
    assert any(getattr(b, "payload", None) == VERIFICATION[1] for b in slip.blocks)


def test_language_can_be_switched(journal):
    english = make(journal, "UP-0001", lang="en").text()
    assert "MERCHANT NAME:" in english and "商户名称" not in english
    chinese = make(journal, "EM-0001", lang="zh").text()
    assert "商户编号:" in chinese and "MID" not in chinese


def test_copy_banner(journal):
    assert "商户存根 MERCHANT COPY" in make(journal, "UP-0001", copy="merchant").text()
    assert "顾客存根" in make(journal, "WX-0001").text()
    with pytest.raises(ValueError):
        make(journal, "UP-0001", copy="nobody")


def test_bad_template_and_width_are_refused(journal):
    with pytest.raises(ValueError, match="unknown template"):
        make(journal, "UP-0001", template="receipt")
    with pytest.raises(ValueError, match="width"):
        make(journal, "UP-0001", width="110mm")


# ----------------------------------------------------------------------------- privacy


def test_pan_is_last4_by_default(journal):
    text = make(journal, "UP-0001").text()
    assert "0123" in text and "622202" not in text


def test_first6last4_on_request(journal):
    text = make(journal, "UP-0001", pan_digits="first6last4").text()
    assert "622202*********" in text.replace(" ", "") or "622202" in text
    assert "0123" in text


def test_never_more_digits_than_the_journal_had(journal):
    # the journal shows only the last 4: first6last4 cannot invent the first 6
    text = make(journal, "EM-0001", pan_digits="first6last4").text()
    pan_line = next(line for line in text.splitlines() if "4821" in line and "*" in line)
    assert sum(c.isdigit() for c in pan_line) == 4


def test_pan_digits_only_last4_or_first6last4(journal):
    with pytest.raises(ValueError):
        make(journal, "UP-0001", pan_digits="all")


def test_a_full_card_number_never_reaches_the_slip(journal):
    full = "6222021234567890123"
    row = journal.loc["UP-0001"].copy()
    row["pan_masked"] = full  # bypassing validation on purpose
    with pytest.raises(ValueError, match="full card number"):
        Slip.from_transaction(row, printed_at=PRINTED_AT)
    with pytest.raises(ValueError):
        display_pan("6222021234", None)


def test_full_pan_in_the_journal_is_masked_by_validation_then_last4_printed():
    frame = pd.DataFrame(
        [
            {
                "txn_id": "T1",
                "ts": "2024-05-01 10:00:00",
                "amount_minor": 100,
                "currency": "CNY",
                "txn_type": "sale",
                "status": "approved",
                "channel": "card",
                "pan_masked": "6222 0212 3456 7890 123",
                "card_scheme": "UnionPay",
            }
        ]
    )
    with pytest.warns(UserWarning):
        row = validate_journal(frame, tz="Asia/Shanghai").iloc[0]
    slip = Slip.from_transaction(row, printed_at=PRINTED_AT, pan_digits="first6last4")
    text = slip.text() + slip.to_pdf().decode("latin-1") + slip.to_escpos().decode("latin-1")
    assert "6222021234567890123" not in text.replace(" ", "")
    assert "1234567890" not in text
    assert "0123" in slip.text()


def test_card_number_in_free_text_is_masked(journal):
    row = journal.loc["EM-0001"].copy()
    row["merchant_name"] = "Shop 4111 1111 1111 1111"
    text = Slip.from_transaction(row, printed_at=PRINTED_AT, remarks=["card 4111111111111111"]).text()
    assert "4111111111111111" not in text.replace(" ", "")


def test_no_expiry_date_even_if_the_row_has_one(journal):
    row = journal.loc["EM-0001"].copy()
    row["expiry"] = "12/27"
    row["card_expiry"] = "1227"
    slip = Slip.from_transaction(row, printed_at=PRINTED_AT)
    assert "12/27" not in slip.text() and "1227" not in slip.text()
    assert "EXP" not in slip.text().upper()
    assert not any("exp" in key for key in slip.fields)


@pytest.mark.parametrize(
    "text", ["EXP 12/28", "有效期 12/28", "Valid thru 12-28", "卡 ****0123 有效期至2028年12月"]
)
def test_an_expiry_date_in_free_text_never_reaches_the_slip(journal, text):
    """A merchant name, a remark or a status note with an expiry date but no full card number printed the
    date: free text was checked for expiry dates only when it also held a full card number."""
    row = journal.loc["EM-0001"].copy()
    row["merchant_name"] = f"Harbour Books {text}"
    slip = Slip.from_transaction(row, printed_at=PRINTED_AT, remarks=[f"note {text}"], status_note=text)
    printed = slip.text() + slip.to_escpos().decode("gb18030", "replace")
    for date in ("12/28", "12-28", "2028年12月"):
        assert date not in printed
    assert "**/**" in slip.text()


@pytest.mark.parametrize(
    ("change", "why"),
    [({"currency": None}, "currency"), ({"currency": ""}, "currency"), ({"amount_minor": -12850}, "amount")],
)
def test_a_row_without_its_currency_or_with_a_negative_amount_makes_no_slip(journal, change, why):
    """A row without a currency was printed as RMB/￥ (CNY assumed), and a negative amount as 'RMB --128.50'
    on a refund or as a negative sale: the duplicate must show the sale's own currency and amount."""
    row = journal.loc["UP-0002"].to_dict()  # a refund
    row.update(change)
    with pytest.raises(ValueError, match=why):
        Slip.from_transaction(row, printed_at=PRINTED_AT)


def test_control_characters_cannot_inject_printer_commands(journal):
    row = journal.loc["EM-0001"].copy()
    row["merchant_name"] = "Harbour\x1b@\x1dV\x00Books"
    slip = Slip.from_transaction(row, printed_at=PRINTED_AT)
    assert "HarbourBooks" in slip.text().replace("@", "").replace("V", "")
    data = slip.to_escpos()
    assert b"Harbour\x1b" not in data and b"\x1dV\x00Books" not in data


# ----------------------------------------------------------------------------- helpers


def test_cell_width_and_wrap():
    assert cell_width("ABC") == 3
    assert cell_width("重打印") == 6
    assert cell_width("￥") == 2
    pieces = wrap_cells("上海喆堃便利店有限公司 Shanghai branch", 10)
    assert all(cell_width(p) <= 10 for p in pieces)
    assert "".join(pieces).replace(" ", "") == "上海喆堃便利店有限公司Shanghaibranch"


def test_slip_is_a_jupyter_image(journal):
    png = make(journal, "WX-0001")._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("zone", "shown", "label"),
    [
        ("Asia/Shanghai", "2024/05/01 14:32:05", None),  # a region's zone: local time, as the original slip
        ("UTC", "2024/05/01 06:32:05 UTC", "UTC"),  # a journal of 'Z' times read without tz=
        ("+08:00", "2024/05/01 14:32:05 UTC+08:00", "UTC+08:00"),
    ],
)
def test_a_time_not_in_a_regions_zone_says_its_offset_on_the_slip(journal, zone, shown, label):
    """A journal read from times written with Z and no tz= holds UTC: its duplicate printed 06:32:05 for a
    14:32:05 sale in Shanghai, with nothing on the slip to say so."""
    row = journal.loc["UP-0001"].copy()
    row["ts"] = pd.Timestamp(row["ts"]).tz_convert(zone)
    text = Slip.from_transaction(row, printed_at=PRINTED_AT).text()
    assert shown in text
    if label is None:
        assert "UTC" not in text
    else:
        assert text.count(label) >= 2  # the sale's time and the printed-at time


def test_a_full_card_number_in_pan_masked_is_a_typed_error_that_does_not_quote_it() -> None:
    """Clean room 8: a bare ValueError; now a SchemaError (a ReceiptkitError and still a ValueError)."""
    import receiptkit as rk
    from receiptkit.slip.document import display_pan

    with pytest.raises(rk.SchemaError, match="full card number") as caught:
        display_pan("6222021234567890128", None, "last4")
    assert isinstance(caught.value, ValueError) and caught.value.column == "pan_masked"
    assert "6222021234567890128" not in str(caught.value)
