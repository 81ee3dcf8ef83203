"""Card SMS / notification text."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, read_proofs
from receiptkit.readers import sms
from receiptkit.readers.sms import parse_sms


def test_chinese_credit_card_sms():
    row = parse_sms("您尾号1234的信用卡11月20日14:32消费人民币128.50元,商户:XX便利店", ref="2026-12-01")
    assert row["card_last4"] == "1234" and row["amount_minor"] == 12850 and row["currency"] == "CNY"
    assert row["merchant_text"] == "XX便利店" and row["direction"] == "debit"
    assert (
        row["ts"] == pd.Timestamp("2026-11-20 14:32", tz="Asia/Shanghai") and row["ts_precision"] == "minute"
    )


def test_year_less_date_resolves_to_the_past():
    row = parse_sms("您尾号1234的信用卡12月20日14:32消费人民币1.00元", ref="2026-11-01")
    assert row["ts"].year == 2025


def test_english_and_refund():
    row = parse_sms(
        "Your card ending 9876 was charged HKD 88.00 at SAMPLE CAFE on 21 Nov 12:01.",
        ref="2026-12-01",
        tz="Asia/Hong_Kong",
    )
    assert (row["card_last4"], row["amount_minor"], row["currency"]) == ("9876", 8800, "HKD")
    assert row["merchant_text"] == "SAMPLE CAFE"
    refund = parse_sms("【工商银行】您尾号4321卡11月22日09:05网上退款入账人民币30.00元", ref="2026-12-01")
    assert refund["direction"] == "credit"


def test_file_of_messages_names_the_bad_line(fixtures):
    path = fixtures / "proofs" / "sms.txt"
    with pytest.raises(ProofError) as info:
        read_proofs(path, format="sms", ref="2026-12-01")
    assert info.value.row == 5 and info.value.file == str(path)
    with pytest.warns(UserWarning):
        frame = read_proofs(path, format="sms", ref="2026-12-01", strict=False)
    assert list(frame["source_row"]) == [1, 2, 4]
    assert list(frame["kind"]) == ["sms"] * 3


def test_an_ordinary_csv_is_not_claimed_as_sms():
    data = (
        b"date,description,amount,status\n2024-01-02,Coffee,$5.00,pending\n2024-01-03,Book,$7.00,completed\n"
    )
    assert not sms.sniff(data.decode())
    with pytest.raises(ProofError) as info:
        read_proofs(data, name="x.csv", strict=False)
    assert "format not recognised" in info.value.reason and info.value.row == 1


def test_ending_must_be_a_word_on_the_same_line_and_not_a_date():
    assert not sms.sniff("Status pending 2024 charged $5.00")
    assert not sms.sniff("Order status: pending\n2024 charged $5.00")
    assert not sms.sniff("Card ending 2024-01-03 charged $5.00")
    assert sms.sniff("Your card ending 9876 was charged HKD 88.00 at SAMPLE CAFE on 21 Nov 12:01.")


@pytest.mark.parametrize("amount", ["0x588.98", "155.,09", "9 .16", "35.62-", "12.5e3", "1_000.00"])
def test_amount_running_on_into_other_characters_is_refused(amount):
    # found by the fuzz oracle: "人民币0x588.98元" read as 0.00, "155.,09" as 155.00, "9 .16" as 9.00
    with pytest.raises(ProofError) as info:
        parse_sms(
            f"您尾号1234的信用卡2026年11月20日14:32消费人民币{amount}元,商户:XX便利店", ref="2026-12-01"
        )
    assert info.value.column == "amount"


_MESSAGE = "您尾号1234的信用卡2026年11月20日14:32消费人民币128.50元,商户:示例便利店"


@pytest.mark.parametrize("cut", ["店", "便利", "元,商户:", "128.50元"])
def test_a_file_without_a_final_line_break_cut_inside_its_last_message_is_refused(cut):
    """A message list cut inside its last message ("商户:示例便利" for "示例便利店") was read with the
    merchant shortened or lost (issue #18, the strict fuzz oracle): refused, naming that message's line."""
    first = _MESSAGE + "。\n"
    last = _MESSAGE[: _MESSAGE.index(cut) + len(cut)] if cut != "店" else _MESSAGE[:-1]
    with pytest.raises(ProofError, match="the file ends inside this message") as caught:
        read_proofs((first + last).encode(), name="m.txt", format="sms")
    assert caught.value.row == 2 and caught.value.file == "m.txt"
    rejected = read_proofs((first + last).encode(), name="m.txt", format="sms", strict=False)
    assert len(rejected) == 1 and [r["row"] for r in rejected.attrs["rejected"]] == [2]


@pytest.mark.parametrize("end", ["\n", "\r\n", "。", "。【招商银行】", "。\n\n  "])
def test_a_last_message_that_ends_a_line_or_with_a_closing_mark_is_read(end):
    frame = read_proofs((_MESSAGE + end).encode(), name="m.txt", format="sms")
    assert frame["amount_minor"].tolist() == [12850] and frame["merchant_text"].tolist() == ["示例便利店"]


@pytest.mark.parametrize("amount", ["128.50.元", "128.50,元", "0.01.元"])
def test_an_amount_with_a_mark_before_its_unit_is_refused(amount):
    """ "人民币0.01.元" was read as 0.01 (a digit after the mark may be lost): refused."""
    with pytest.raises(ProofError, match="runs on"):
        parse_sms(f"您尾号1234的信用卡2026年11月20日14:32消费人民币{amount},商户:X。")


@pytest.mark.parametrize("key", ["body", "t"])
def test_a_captured_message_naming_a_key_twice_is_refused_by_its_number(key):
    """'{"body": "…28.00元…", "body": "…1.00元…"}' was read as 1.00 (json keeps the last value without a
    word; issue #18 fuzzing). The message is refused by its number; the others read."""
    first = '{"body": "【招商银行】您账户1234于03月28日09:38在罗森快捷支付28.00元。", "t": 1774661880000}'
    body = "【招商银行】您账户1234于03月28日10:05在全家快捷支付12.50元。"
    doubled = {
        "body": f'{{"body": "{body}", "body": "{body.replace("12.50", "1.00")}", "t": 1774661880000}}',
        "t": f'{{"body": "{body}", "t": 1774661880000, "t": 1774748280000}}',
    }[key]
    data = f"[{first},\n{doubled}]".encode()
    with pytest.raises(ProofError) as info:
        read_proofs(data, name="m.json", format="sms")
    assert info.value.row == 2 and repr(key) in str(info.value)
    with pytest.warns(UserWarning):
        frame = read_proofs(data, name="m.json", format="sms", strict=False)
    assert frame["amount_minor"].tolist() == [2800]
