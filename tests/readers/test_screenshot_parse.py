"""The screenshot reader's rules on recognised lines (no OCR engine needed): layouts, labels, confidence."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.errors import ProofError
from receiptkit.readers.ocr import OcrLine
from receiptkit.readers.screenshot import reading_frame, reading_note
from receiptkit.readers.screenshot_parse import parse_lines
from receiptkit.schema import PROOF_COLUMNS

TZ = "Asia/Shanghai"
REF = pd.Timestamp("2026-12-01").date()


def line(
    text: str, x: int, y: int, *, h: int = 40, score: float = 0.99, scores=None, right: int | None = None
):
    width = 24 * len(text)
    x0 = x if right is None else right - width
    return OcrLine(text, score, (x0, y, x0 + width, y + h), tuple(scores) if scores else ())


def screen(*items, value_x: int = 300, start: int = 600, align: str = "left"):
    """Header lines (str or (text, height)) then (label, value) rows, one every 80 px."""
    lines = [line("14:35", 40, 10, h=30), line("账单详情", 300, 80)]
    y = 200
    for item in items:
        if isinstance(item, str):
            lines.append(line(item, 250, y))
            y += 80
        elif isinstance(item, tuple) and isinstance(item[1], int):
            lines.append(line(item[0], 220, y, h=item[1]))
            y += item[1] + 40
    y = max(y, start)
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
            label, value = item
            lines.append(line(label, 40, y))
            if value:
                if align == "right":
                    lines.append(line(value, 0, y, right=1040))
                else:
                    lines.append(line(value, value_x, y))
            y += 80
    return lines


def frame(lines, **kwargs):
    return reading_frame(parse_lines(lines, tz=TZ, ref_date=REF, **kwargs), name="shot.png", tz=TZ).iloc[0]


WECHAT = screen(
    "星巴克",
    ("-128.50", 90),
    ("当前状态", "支付成功"),
    ("支付时间", "2026年11月20日 14:32:05"),
    ("商品", "星巴克消费"),
    ("商户全称", "上海星巴克咖啡经营有限公司"),
    ("收单机构", "财付通支付科技有限公司"),
    ("支付方式", "招商银行信用卡(4821)"),
    ("交易单号", "4200001234202611201234567890"),
    ("商户单号", "POS20261120001"),
)


def test_wechat_detail_fields():
    row = frame(WECHAT)
    assert row["kind"] == "wallet" and row["raw"]["layout"] == "wechat"
    assert row["amount_minor"] == 12850 and row["currency"] == "CNY" and row["direction"] == "debit"
    assert row["ts"] == pd.Timestamp("2026-11-20 14:32:05", tz=TZ) and row["ts_precision"] == "second"
    assert row["merchant_text"] == "上海星巴克咖啡经营有限公司"  # 商户全称 is preferred to 商品
    assert row["card_last4"] == "4821"
    assert row["wallet_txn_id"] == "4200001234202611201234567890"
    assert row["order_no"] == "POS20261120001"
    assert row["payment_state"] == "success"
    assert row["raw"]["fields"]["wallet_txn_id"]["label"] == "交易单号"
    assert row["proof_id"] == "shot:1" and row["source"] == "shot.png"
    assert list(row.index[: len(PROOF_COLUMNS)]) == list(PROOF_COLUMNS)


def test_label_and_value_merged_into_one_box():
    lines = [
        line("-128.50", 220, 200, h=90),
        line("支付时间2026年11月20日14:32:05", 40, 400),
        line("交易单号4200001234202611201234567890", 40, 480),
        line("支付方式招商银行信用卡（4821）", 40, 560),
    ]
    row = frame(lines)
    assert row["ts"] == pd.Timestamp("2026-11-20 14:32:05", tz=TZ)
    assert row["wallet_txn_id"] == "4200001234202611201234567890" and row["card_last4"] == "4821"


def test_alipay_english_with_status_line_and_wrapped_numbers():
    r = 1040  # values are right-aligned; two of them wrap onto a second line
    lines = [
        line("Bill Details", 300, 80),
        line("-83.71", 380, 200, h=90),
        line("Refunded", 400, 330),
        line("Payment Time", 40, 450),
        line("2025-07-18 02:49:52", 0, 450, right=r),
        line("Payment Method", 40, 530),
        line("Bank of China Debit Card(6", 0, 530, right=r),
        line("083)", 0, 572, right=r),
        line("Payee Full Name", 40, 650),
        line("百胜餐饮(上海)有限公司", 0, 650, right=r),
        line("Order No.", 40, 730),
        line("20250718220077763170669", 0, 730, right=r),
        line("07439", 0, 772, right=r),
        line("Merchant Order No.", 40, 850),
        line("M20250718AAAXUA97", 0, 850, right=r),
        line("Questions about this order?", 40, 980),
    ]
    row = frame(lines)
    assert row["raw"]["layout"] == "alipay"
    assert row["wallet_txn_id"] == "2025071822007776317066907439"
    assert row["card_last4"] == "6083"
    assert row["order_no"] == "M20250718AAAXUA97"
    assert row["payment_state"] == "refunded"


def test_unionpay_payment_card():
    row = frame(
        screen(
            ("-18,805.97", 90),
            "交易成功",
            ("交易类型", "消费"),
            ("交易时间", "2025-02-13 22:11:38"),
            ("商户名称", "百胜餐饮(上海)有限公司"),
            ("付款卡", "招商银行信用卡(8595)"),
            ("订单编号", "52449390926685878400"),
        )
    )
    assert row["raw"]["layout"] == "unionpay" and row["kind"] == "wallet"
    assert row["amount_minor"] == 1880597 and row["card_last4"] == "8595"
    assert row["wallet_txn_id"] == "52449390926685878400" and row["payment_state"] == "success"


def test_bank_app_yearless_minute_time_and_posting_date_not_taken():
    lines = screen(
        ("CNY 979.31", 90),
        ("入账日期", "2026-11-23"),
        ("交易时间", "11-22 21:17"),
        ("交易描述", "金拱门(中国)有限公司"),
        ("卡号", "尾号8114"),
        ("交易状态", "已入账"),
        ("参考号", "856280232883"),
    )
    row = frame(lines)
    assert row["kind"] == "issuer_app" and row["raw"]["layout"] == "bank"
    assert row["ts"] == pd.Timestamp("2026-11-22 21:17", tz=TZ) and row["ts_precision"] == "minute"
    assert row["raw"]["year_inferred"] is True
    assert row["card_last4"] == "8114" and row["reference"] == "856280232883"
    assert pd.isna(row["wallet_txn_id"]) and row["payment_state"] == "success"


def test_bank_app_labels_above_values():
    lines = [line("Transaction Details", 200, 80), line("-809.25", 300, 200, h=90)]
    y = 400
    for label, value in (("Date", "28 Jun 18:46"), ("Card", "Card ending 6143"), ("Status", "Posted")):
        lines += [line(label, 40, y), line(value, 40, y + 45)]
        y += 130
    row = frame(lines)
    assert row["ts"] == pd.Timestamp("2026-06-28 18:46", tz=TZ)
    assert row["card_last4"] == "6143" and row["payment_state"] == "success"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("已全额退款", "refunded"),
        ("交易关闭", "closed"),
        ("支付失败", "failed"),
        ("部分退款", "partially_refunded"),
    ],
)
def test_refunded_closed_failed_are_marked(status, state):
    lines = [i if i.text != "支付成功" else line(status, 300, i.box[1]) for i in WECHAT]
    row = frame(lines)
    assert row["payment_state"] == state and row["direction"] == "debit"


def test_credit_screens():
    plus = [i if i.text != "-128.50" else line("+128.50", 220, i.box[1], h=90) for i in WECHAT]
    assert frame(plus)["direction"] == "credit"
    refund = screen(
        ("¥128.50", 90), ("交易时间", "2026-11-20 14:32"), ("交易类型", "退货"), ("卡号", "尾号8114")
    )
    assert frame(refund)["direction"] == "credit"


def test_low_confidence_field_left_empty_with_the_reason():
    lines = []
    for item in WECHAT:
        if item.text == "4200001234202611201234567890":
            scores = [0.99] * len(item.text)
            scores[7] = 0.31  # one doubtful digit
            item = OcrLine(item.text, 0.97, item.box, tuple(scores))
        lines.append(item)
    row = frame(lines)
    assert pd.isna(row["wallet_txn_id"])
    assert "0.31" in row["raw"]["unread"]["wallet_txn_id"]
    assert row["amount_minor"] == 12850 and row["order_no"] == "POS20261120001"  # the rest is still read


def test_low_confidence_amount_is_an_error_naming_the_amount():
    lines = [
        i if i.text != "-128.50" else line("-128.50", 220, i.box[1], h=90, scores=[0.99, 0.4, 1, 1, 1, 1, 1])
        for i in WECHAT
    ]
    with pytest.raises(ProofError) as info:
        frame(lines)
    assert info.value.column == "amount" and "confidence" in str(info.value) and info.value.file == "shot.png"


def test_a_number_of_the_wrong_shape_is_left_empty():
    lines = [
        i if i.text != "4200001234202611201234567890" else line("42000012342O2611201234567890", 300, i.box[1])
        for i in WECHAT
    ]
    row = frame(lines)
    assert pd.isna(row["wallet_txn_id"]) and "shape" in row["raw"]["unread"]["wallet_txn_id"]


def test_partial_transaction_number_kept_as_shown():
    lines = [
        i if i.text != "4200001234202611201234567890" else line("4200001234...7890", 300, i.box[1])
        for i in WECHAT
    ]
    assert frame(lines)["wallet_txn_id"] == "4200001234…7890"


def test_not_a_payment_says_what_is_missing():
    lines = [line("Meeting notes", 40, 100), line("Bring the slides", 40, 180), line("Room 12", 40, 260)]
    with pytest.raises(ProofError) as info:
        frame(lines)
    assert "no amount and no payment time found" in str(info.value)
    with pytest.raises(ProofError, match="no text found"):
        frame([])


def test_payment_time_missing():
    lines = [i for i in WECHAT if "2026年" not in i.text]
    with pytest.raises(ProofError) as info:
        frame(lines)
    assert info.value.column == "time" and "no payment time found" in str(info.value)


def test_two_headline_amounts_are_not_guessed():
    lines = [*WECHAT, line("-218.50", 220, 2000, h=90)]
    with pytest.raises(ProofError, match="several amounts"):
        frame(lines)


def test_an_english_word_starting_like_a_label_is_no_label():
    row = frame(
        screen(("Cardiff Bakery", 40), ("-12.50", 90), ("Date", "20 Nov 2026 14:32"), ("Card", "**** 4821"))
    )
    assert row["card_last4"] == "4821"
    assert "Cardiff" not in str(row["raw"]["fields"].get("card", {}))


def test_full_card_numbers_are_masked_in_raw():
    lines = [*WECHAT, line("卡号 6225880137706868", 40, 2000)]
    row = frame(lines)
    assert "6225880137706868" not in str(row["raw"])


def test_a_value_at_the_cut_bottom_edge_is_not_read():
    # the screenshot ends right under the transaction number: its second line may have been cut off
    last = next(i for i in WECHAT if i.text == "4200001234202611201234567890")
    lines = [i for i in WECHAT if i.box[1] <= last.box[1]]
    reading = parse_lines(lines, tz=TZ, ref_date=REF, image_height=last.box[3] + 20)
    assert "wallet_txn_id" not in reading.fields and "bottom edge" in reading.unread["wallet_txn_id"]
    assert reading.fields["card_last4"] == "4821"  # rows above it are read
    whole = parse_lines(lines, tz=TZ, ref_date=REF, image_height=last.box[3] + 200)
    assert whole.fields["wallet_txn_id"] == "4200001234202611201234567890"


def test_status_phrase_from_a_closed_list_needs_less_confidence_than_free_text():
    weak = [0.99, 0.99, 0.35, 0.99]
    phrase = [i if i.text != "支付成功" else line("支付成功", 300, i.box[1], scores=weak) for i in WECHAT]
    assert frame(phrase)["payment_state"] == "success"
    free = [
        i if i.text != "支付成功" else line("已成功支付", 300, i.box[1], scores=[*weak, 0.99]) for i in WECHAT
    ]
    row = frame(free)
    assert row["payment_state"] == "unknown" and "confidence" in row["raw"]["unread"]["status"]


def test_reading_note_for_the_counter():
    lines = [i for i in WECHAT if i.text != "POS20261120001"]
    reading = parse_lines(lines, tz=TZ, ref_date=REF)
    reading.unread["order_no"] = "not read with confidence (weakest character 0.31 < 0.60)"
    proof = reading_frame(
        reading, name="s.png", extra_raw={"cues": {"file_name_time": "2026-11-21T09:01:02"}}
    )
    note = reading_note(proof)
    assert note.startswith("read as WeChat Pay 账单详情; left empty: order_no (not read with confidence")
    assert "file cues (weak, never the payment time): file_name_time 2026-11-21T09:01:02" in note


def test_struck_original_price_under_the_headline_is_not_the_amount():
    lines = [*WECHAT, line("¥130.50", 240, 400, h=32)]  # smaller than the -128.50 headline
    assert frame(lines)["amount_minor"] == 12850


def test_transaction_number_cut_by_the_right_edge_is_not_read():
    """A crop that cuts the 28-digit number at the right edge leaves 22 digits: never read as the number."""
    cut = [
        i if i.text != "4200001234202611201234567890" else line("4200001234202611201234", 300, i.box[1])
        for i in WECHAT
    ]
    number = next(i for i in cut if i.text == "4200001234202611201234")
    reading = parse_lines(cut, tz=TZ, ref_date=REF, image_width=number.box[2] + 3)
    assert "wallet_txn_id" not in reading.fields
    assert "right edge" in reading.unread["wallet_txn_id"]
    assert reading.fields["order_no"] == "POS20261120001"  # shorter numbers are away from the edge
    whole = parse_lines(WECHAT, tz=TZ, ref_date=REF, image_width=1080)
    assert whole.fields["wallet_txn_id"] == "4200001234202611201234567890"


def test_alipay_more_expander_is_not_part_of_the_merchant():
    shots = [
        screen(("-58.00", 90), ("交易成功", 40), ("创建时间", "2026-11-20 14:32:05"), ("收款方全称", text))
        for text in ("金陵饭店股份有限公司更多√", "金陵饭店股份有限公司 更多 >", "金陵饭店股份有限公司更多")
    ]
    for shot in shots:
        assert frame([*shot, line("支付宝", 300, 140)])["merchant_text"] == "金陵饭店股份有限公司"


def test_card_last4_read_before_a_chevron_and_raw_says_why_when_not():
    lines = [
        i if i.text != "招商银行信用卡(4821)" else line("工商银行储蓄卡(5822)>", 300, i.box[1])
        for i in WECHAT
    ]
    assert frame(lines)["card_last4"] == "5822"
    change = [i if i.text != "招商银行信用卡(4821)" else line("零钱", 300, i.box[1]) for i in WECHAT]
    row = frame(change)
    assert pd.isna(row["card_last4"]) and "零钱" in row["raw"]["unread"]["card_last4"]


def test_foreign_layout_is_refused_without_claiming_a_wechat_guess():
    lines = [
        line("Payment successful", 200, 100),
        line("₹710", 300, 200, h=90),
        line("05:55 PM on 11 Feb 2025", 200, 330),
        line("Paid to Sharma Stores", 200, 410),
        line("UPI transaction ID 503912345678", 200, 490),
    ]
    with pytest.raises(ProofError) as info:
        frame(lines)
    message = str(info.value)
    assert "wechat" not in message.lower() and "no known app layout" in message
