"""The one card scanner (``pan._card_spans``): a card written after other digit groups, glued to a code, or
beside a second card is found wherever it starts; dates, amounts and long ids alone are left as written."""

from __future__ import annotations

import re

import pytest

from receiptkit.pan import find_full_pans, mask_pans_in_text, pan_spans


@pytest.mark.parametrize(
    ("text", "pan"),
    [
        ("2026-11-12 4111 1111 1111 1111", "4111111111111111"),
        ("1234 4111 1111 1111 1111", "4111111111111111"),
        ("No.2094111 1111 1111 1111", "4111111111111111"),
        ("No.9494632 6696 7526 5237 849", "4632669675265237849"),
        ("2026-11-12 3709 236010 13225", "370923601013225"),
        ("2026-11-12 ４１１１ １１１１ １１１１ １１１１", "4111111111111111"),
        ("2026-11-12\u200b4111\u200b1111\u200b1111\u200b1111", "4111111111111111"),
    ],
)
def test_a_card_after_other_digit_groups_is_masked(text: str, pan: str) -> None:
    masked = mask_pans_in_text(text)
    assert pan not in "".join(c for c in masked if c.isdigit())
    assert pan[-4:] in masked
    assert pan in find_full_pans(text, strict=True) or any(
        pan in d for d in find_full_pans(text, strict=True)
    )


@pytest.mark.parametrize(
    ("text", "pans"),
    [
        ("3715-759150-43774 3773-490323-08500", ["371575915043774", "377349032308500"]),
        ("4417 6068 4263 3 5143 1881 2066 0832", ["4417606842633", "5143188120660832"]),
        ("4021 8451 0970 3 4995 7177 8141 8227 324", ["4021845109703", "4995717781418227324"]),
    ],
)
def test_two_cards_in_a_row_are_both_masked_leaving_at_most_first6_last4(text: str, pans: list[str]) -> None:
    masked = mask_pans_in_text(text)
    assert all(len(run) <= 6 for run in re.findall(r"[0-9]+", masked)), masked  # a first 6 or a last 4
    digits = re.sub(r"[^0-9]", "", masked)
    for pan in pans:
        assert pan[6:-4] not in digits, masked
    assert masked.endswith(pans[-1][-4:])


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-12 10:00:00 ¥58.00",
        "4200001234202611121234567890",  # a 28-digit wallet id, unbroken: never cut
        "RRN 123456789012 ref 2026-11-12",
        "订单 20261112000123456789",
        "tel 0755-8888 1234",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert mask_pans_in_text(text) == text
    assert pan_spans(text) == []


@pytest.mark.parametrize(
    "name", ["微信支付账单(20260101-20260131).csv", "账单 20261101 20261130", "20261112-20261201"]
)
def test_a_date_range_is_no_card(name: str) -> None:
    assert pan_spans(name) == []


@pytest.mark.parametrize(
    "text",
    [
        # ids, references, phones and dates written one space apart: each of these once had a chance Luhn-valid
        # 13-19 digit window across its groups (started inside the first group, or 12-6 / 6-6 / 15-8 digits)
        "交易单号 4200088257836559813551263466 2026-11-25 13:33:05",  # a WeChat id, then the date
        "2026111222001733022137199355 128 00",  # an Alipay id, then an amount
        "805323404090 507006 626633",  # RRN, voucher number, batch number
        "243842581266 586285 472386",
        "电话 15479416764 2026-11-16",  # a phone number, then a date
        "订单 68663705627531492 2026-11-12",  # an order number (17 digits), then a date
        "525016557912696 11765640",  # merchant id, terminal id
        "RRN 123456789012 000123 000045",
        "13800138000 20261112 143205",
    ],
)
def test_ids_written_beside_other_numbers_are_not_cut_into_a_card(text: str) -> None:
    assert mask_pans_in_text(text) == text
    assert pan_spans(text) == []


def test_a_chance_luhn_window_across_a_card_and_the_amount_after_it_is_no_card() -> None:
    # 4-4-3-2 is no card's grouping: the card alone is masked, the amount stays
    assert mask_pans_in_text("尾号 6222 0212 3456 7890 128 88.00") == "尾号 622202*********0128 88.00"


@pytest.mark.parametrize(
    "text",
    [
        "卡号 4111 - 1111 - 1111 - 1111",  # space, dash, space: three characters between groups
        "6222 – 0212 – 3456 – 7890 – 128",
        "4111·1111·1111·1111",  # a middle dot (typed with a Chinese input method)
        "卡号6222・0212・3456・7890・128",  # katakana middle dot
        "卡号6222･0212･3456･7890･128",  # its half-width form
    ],
)
def test_a_card_grouped_by_three_characters_or_a_middle_dot_is_masked(text: str) -> None:
    masked = mask_pans_in_text(text)
    digits = "".join(c for c in text if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit()), masked
    assert digits[6:-4] not in masked.replace(" ", "")
    assert find_full_pans(text, strict=True)


@pytest.mark.parametrize("text", ["张·三 2026·11·12", "1·2·3", "12:30 - 13:45 - 2026", "v1.2.3 · 2026-11-12"])
def test_middle_dots_in_names_and_dates_are_left_alone(text: str) -> None:
    assert mask_pans_in_text(text) == text


def test_looks_like_card_is_false_for_text_that_is_not_all_digits():
    from receiptkit.pan import card_like_cells, looks_like_card

    assert looks_like_card("2026…63653839") is False and looks_like_card("4200001234…7890") is False
    assert looks_like_card("4111 1111 1111 1111") is False  # grouped text is the scanner's, not a whole cell
    assert list(card_like_cells(["4200001234…7890", "４１１１１１１１１１１１１１１１", None])) == [
        False,
        True,
        False,
    ]
