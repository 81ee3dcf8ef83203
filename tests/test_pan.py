"""Card numbers: detection, masking, never more digits than allowed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from receiptkit.pan import find_full_pans, last4_of, looks_like_card, luhn_ok, mask_pan, mask_pans_in_text

VISA_TEST = "4111111111111111"
UNIONPAY_TEST = "6222021234567890128"  # 19 digits, Luhn-valid


def test_luhn_and_card_shape() -> None:
    assert luhn_ok(VISA_TEST) and looks_like_card(VISA_TEST)
    assert not luhn_ok("4111111111111112")
    assert luhn_ok(UNIONPAY_TEST) and looks_like_card(UNIONPAY_TEST)
    assert not looks_like_card("1111111111111117")  # no card-network prefix


def test_mask_keeps_at_most_first6_last4() -> None:
    assert mask_pan(VISA_TEST) == "411111******1111"
    assert mask_pan(VISA_TEST, keep_first=0) == "************1111"
    assert mask_pan(VISA_TEST, keep_first=8, keep_last=6) == "411111******1111"  # clamped to 6 + 4
    assert mask_pan("411111******1111", keep_first=6) == "411111******1111"  # never reveals more


def test_full_pans_found_in_free_text_and_masked() -> None:
    text = f"card {VISA_TEST} paid; ref 401500000001; 卡号{UNIONPAY_TEST}"
    assert find_full_pans(text, strict=True) == [VISA_TEST, UNIONPAY_TEST]
    assert "401500000001" in find_full_pans(text)  # in a card column every 12-19 digit run counts
    masked = mask_pans_in_text(text)
    assert VISA_TEST not in masked and UNIONPAY_TEST not in masked
    assert "401500000001" in masked  # a 12-digit reference is not a card
    assert masked.count("1111") >= 1 and "0128" in masked


def test_last4_from_masked_forms() -> None:
    assert last4_of("6222 **** **** 0128") == "0128"
    assert last4_of("尾号4821") == "4821"
    assert last4_of(None) is None


@given(st.text(alphabet="0123456789", min_size=13, max_size=19))
def test_masking_never_leaves_a_full_card_number(digits: str) -> None:
    assert find_full_pans(mask_pans_in_text(f"x {digits} y"), strict=True) == []


def test_digits_of_any_script_and_separators_are_found() -> None:
    full_width = "".join(chr(0xFF10 + int(d)) for d in UNIONPAY_TEST)
    arabic = "".join(chr(0x0660 + int(d)) for d in VISA_TEST)
    assert find_full_pans(f"卡号{full_width}", strict=True) == [UNIONPAY_TEST]
    assert find_full_pans(f"card {arabic}.", strict=True) == [VISA_TEST]
    assert find_full_pans("4111-1111-1111-1111 and 4111 1111  1111 1111", strict=True) == [VISA_TEST] * 2
    assert mask_pans_in_text(f"x{full_width}y") == "x622202*********0128y"
    assert find_full_pans(f"{VISA_TEST}x", strict=True) == [VISA_TEST]  # a letter next to it hides nothing
    assert find_full_pans("order 12345678901234567890123", strict=True) == []  # 23 digits: not a card


def test_expiry_dates_are_removed_from_free_text() -> None:
    from receiptkit.pan import mask_expiry

    assert mask_expiry("VISA EXP 12/28 ok") == "VISA EXP **/** ok"
    assert mask_expiry("Exp: 12/2028") == "Exp: **/**"
    assert mask_expiry("valid thru 12-28") == "valid thru **/**"
    assert mask_expiry("有效期 12/28，有效期至2028年12月") == "有效期 **/**，有效期至**/**"
    assert mask_expiry("有效期１２/２８") == "有效期**/**"
    assert mask_expiry("expenses 12/28 lunch") == "expenses 12/28 lunch"  # not an expiry word
    assert mask_pans_in_text(f"{VISA_TEST} EXP 12/28") == "411111******1111 EXP **/**"
