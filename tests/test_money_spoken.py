"""Amounts said in Chinese at the counter, read exactly or refused with what to type (newcomer 18 F8, 19 G15).

Before: ``五百一十二块五`` and ``一百二十八块五`` were blamed on "a space inside the amount" (there is none), ``五百``
and ``两百块`` got a bare "not an amount", ``1288-`` was told to write the sign in front and then refused for it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import receiptkit as rk
from receiptkit.errors import AmountError, ProofError
from receiptkit.money import Money, parse_amount
from receiptkit.spokenamount import read_spoken


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("五百一十二块五", 51250),
        ("一百二十八块五", 12850),
        ("一百二十八块五毛", 12850),
        ("五百", 50000),
        ("两百块", 20000),
        ("两百块钱", 20000),
        ("一千二百八十八元整", 128800),
        ("壹仟贰佰捌拾捌元整", 128800),
        ("一千零五十元", 105000),
        ("十五块", 1500),
        ("一百二", 12000),  # said: a last digit after 百 without 零 is tens
        ("一百零二", 10200),
        ("两万三", 2300000),
        ("五毛", 50),
        ("两毛", 20),
        ("五毛三", 53),
        ("三块零五", 305),
        ("三块五角五分", 355),
        ("3块5毛2", 352),
        ("12元3角4分", 1234),
        ("128块五", 12850),
        ("人民币五百元", 50000),
        ("¥一百二十八块五", 12850),
        ("1288元钱", 128800),
    ],
)
def test_spoken_amounts_are_read_exactly(text: str, minor: int) -> None:
    assert parse_amount(text, "CNY") == Money(minor, "CNY")


def test_the_reading_is_decimal_never_float() -> None:
    value, unit = read_spoken("五百一十二块五", "五百一十二块五")
    assert isinstance(value, Decimal) and value == Decimal("512.5") and unit == "块"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("三块五五", "五五 is not one digit of jiao"),
        ("一二八", "digits in a row with no unit between"),
        ("五百三千", "千 said after a smaller or the same unit"),
        ("五分三", "something after 分"),
        ("百", "百 with no digit before it"),
    ],
)
def test_ambiguous_spoken_amounts_are_refused_saying_what_to_type(text: str, words: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(text, "CNY")
    assert words in info.value.reason and "type it in digits with a decimal point" in info.value.reason
    assert text in str(info.value)  # the text is quoted
    assert "space" not in info.value.reason


def test_digits_after_kuai_other_than_one_are_refused_saying_what_to_type() -> None:
    with pytest.raises(AmountError) as info:
        parse_amount("3块55", "CNY")
    assert "type the amount with a decimal point" in info.value.reason and "3块55" in str(info.value)


def test_a_subunit_of_a_currency_without_one_is_refused() -> None:
    with pytest.raises(AmountError, match="JPY has no such subunit"):
        parse_amount("五毛", "JPY")


def test_kuai_said_in_chinese_is_the_unit_of_the_currency_given() -> None:
    assert parse_amount("五百块", "HKD") == Money(50000, "HKD")
    with pytest.raises(AmountError, match="amount is in CNY, expected HKD"):
        parse_amount("五百元", "HKD")


def test_a_card_number_before_a_spoken_unit_is_refused_masked_in_any_digits() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "6217000010012345677")
    for text in (f"{wide}块5毛", "6217000010012345677块55"):
        with pytest.raises(AmountError) as info:
            parse_amount(text, "CNY")
        assert "6217000010012345677" not in str(info.value) and wide not in str(info.value)
        assert "621700*********5677" in str(info.value)


def test_a_currency_word_inside_the_digits_is_not_blamed_on_a_space() -> None:
    with pytest.raises(AmountError) as info:
        parse_amount("12¥50", "CNY")
    assert (
        "inside the amount, not before or after it" in info.value.reason and "space" not in info.value.reason
    )


def test_a_typed_sign_after_the_amount_says_type_it_without_a_sign() -> None:
    with pytest.raises(ProofError) as info:
        rk.proof(amount="1288-", currency="CNY", time="2026-11-01 14:46")
    assert info.value.reason == "a sign after the amount: type the amount paid without a sign ('1288')"
    assert rk.proof(amount="1288", currency="CNY", time="2026-11-01 14:46")["amount_minor"].iloc[0] == 128800


@pytest.mark.parametrize(
    ("said", "minor"),
    [
        ("三千五万", 3_500_000_000),
        ("一千二万", 1_200_000_000),
        ("一百二万", 120_000_000),
        ("三千零五万", 3_005_000_000),
    ],
)
def test_a_shortened_section_before_wan_is_the_next_unit_down(said: str, minor: int) -> None:
    """Review 20 §3: 三千五万 was 30,050,000.00 (the 五 taken as units before 万); it is 3500万."""
    assert parse_amount(said, "CNY").minor == minor


@pytest.mark.parametrize("said", ["1 2 8块五", "1 288块5毛", "4111 1111 1111 1111块五"])
def test_a_space_between_digits_of_a_spoken_amount_is_refused(said: str) -> None:
    """Review 20, §9: '1 2 8块五' was 128.50 (the digit path refuses a space that is no thousands separator)."""
    with pytest.raises(AmountError) as caught:
        parse_amount(said, "CNY")
    assert "1111 1111" not in str(caught.value)
