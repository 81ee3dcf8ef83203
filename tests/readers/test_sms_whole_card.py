"""A whole card number shown as the paying card is evidence: its last 4 are the card (newcomer 19, G7).

An SMS that writes the customer's card as a whole number (``您的信用卡6217 0000 1001 2345 677``) was read with no
card, then matched on time alone to a sale on another card. The number is still masked (first 6 + last 4); only
its last 4 are kept as ``card_last4``, and only where the message labels it as the customer's own card. A whole
number elsewhere (a ``卡号`` after the payee, no label) is not read as the card, and ``raw`` says it was not compared.
"""

from __future__ import annotations

import pytest

from receiptkit.errors import ProofError
from receiptkit.readers.sms import parse_sms

REF = "2026-11-20"
SMS = "您的信用卡6217 0000 1001 2345 677于2026年11月18日08:11消费人民币368.00元"


def test_a_whole_number_labelled_as_the_customers_card_gives_its_last4():
    row = parse_sms(SMS, ref=REF)
    assert row["card_last4"] == "5677"
    assert row["raw"]["card_from"] == "whole card number (masked): its last 4"
    assert "6217 0000 1001" not in str(row) and "62170000100" not in str(row)
    assert "621700*********5677" in row["raw"]["text"]


@pytest.mark.parametrize(
    "text",
    [
        "您的招商银行信用卡6217000010012345677于11月18日08:11消费368.00元",
        "您的借记卡６２１７ ００００ １００１ ２３４５ ６７７于11月18日08:11消费368.00元",
        "交易卡号:6217-0000-1001-2345-677，11月18日08:11消费368.00元",
        "Your card 6217 0000 1001 2345 677 was charged CNY 368.00 on 2026-11-18 08:11.",
    ],
)
def test_other_wordings_of_the_customers_whole_card(text):
    row = parse_sms(text, ref=REF)
    assert row["card_last4"] == "5677"
    assert "0000 1001" not in str(row) and "００００" not in str(row)


def test_a_whole_number_not_labelled_as_the_paying_card_is_not_the_card_and_says_so():
    row = parse_sms("12月03日22:44在罗森快捷支付27.78元 卡号6222 0238 7403 5693 725", ref="2026-12-05")
    assert row["card_last4"] is None
    assert row["raw"]["card_not_compared"] == (
        "the message holds a whole card number ending 3725 that it does not name as the paying card: "
        "the card was not compared"
    )


def test_two_whole_numbers_each_named_as_the_card_are_refused():
    text = "您的信用卡6217000010012345677于11月18日08:11消费368.00元，您的借记卡4111111111111111"
    with pytest.raises(ProofError) as info:
        parse_sms(text, ref=REF)
    assert "which card paid is unclear" in info.value.reason
    assert "6217000010012345677" not in str(info.value) and "4111111111111111" not in str(info.value)


def test_a_named_tail_and_a_whole_card_number_agreeing_is_read():
    row = parse_sms("您尾号5677的信用卡6217000010012345677于11月18日08:11消费368.00元", ref=REF)
    assert row["card_last4"] == "5677"


@pytest.mark.parametrize(
    "text",
    [  # newcomer 20, H6: a grouped number whose check digit fails (a typed slip, an account number)
        "您的信用卡6258 0712 3456 7788于2026年12月07日13:05消费人民币56.00元",
        "您的借记卡账户6222 0212 3456 7788，于12月07日13:05消费人民币56.00元",
        "您的信用卡6258-0712-3456-7788于2026年12月07日13:05消费人民币56.00元",
    ],
)
def test_a_grouped_number_as_the_card_is_never_read_by_its_first_group(text):
    """It was read as card ****6258 (its first four digits) and a stranger's sale on ****6258 was printed."""
    row = parse_sms(text, ref="2026-12-08")
    assert row["card_last4"] == "7788"
    assert "0712 3456" not in str(row) and "0212 3456" not in str(row)


@pytest.mark.parametrize(
    "text",
    [  # review 20 §7: the payee's card, after 您 and words naming the other side of a transfer
        "您的账户向对方账户6222021234567894转账人民币56.00元，2026年12月07日13:05",
        "您向张三的账户6222021234567894转账人民币56.00元，2026年12月07日13:05",
        "您已成功向收款人银行卡6222021234567894转账人民币56.00元，2026年12月07日13:05",
        "您给李四的卡6222021234567894转账人民币56.00元，2026年12月07日13:05",
    ],
)
def test_the_payees_whole_card_is_not_the_customers(text):
    row = parse_sms(text, ref="2026-12-08")
    assert row["card_last4"] is None
    assert "ending 7894" in row["raw"]["card_not_compared"]
