"""Card numbers: detection, masking, never more digits than allowed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receiptkit.pan import (
    find_full_pans,
    last4_of,
    looks_like_card,
    luhn_ok,
    mask_expiry,
    mask_pan,
    mask_pans_deep,
    mask_pans_in_text,
    mask_pans_many,
)

VISA_TEST = "4111111111111111"
UNIONPAY_TEST = "6222021234567890128"  # 19 digits, Luhn-valid


def _full_width(text: str) -> str:
    """ASCII digits, dots, slashes and underscores as their full-width forms (as a Chinese IME types them)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c in "./_" else c for c in text)


def _luhn_card(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body + "0")):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


# the card groupings accepted with a dot, slash or underscore
GROUPINGS = {14: (4, 6, 4), 15: (4, 6, 5), 16: (4, 4, 4, 4), 17: (4, 4, 4, 4, 1), 18: (4, 4, 4, 4, 2)}
GROUPINGS[19] = (4, 4, 4, 4, 3)


@st.composite
def grouped_cards(draw: st.DrawFn) -> str:
    """A Luhn-valid card number with a network prefix in its regular grouping, one dot/slash/underscore
    (ASCII or full-width) between the groups, maybe inside other text."""
    length = draw(st.sampled_from(sorted(GROUPINGS)))
    body = draw(st.sampled_from("23456")) + draw(
        st.text(alphabet="0123456789", min_size=length - 2, max_size=length - 2)
    )
    digits = _luhn_card(body)
    sep = draw(st.sampled_from([".", "/", "_", "．", "／", "＿"]))
    groups, start = [], 0
    for size in GROUPINGS[length]:
        groups.append(digits[start : start + size])
        start += size
    written = sep.join(groups)
    if draw(st.booleans()):
        written = _full_width(written) if sep in "./_" else written
    around = st.text(alphabet="ab 卡号:.,/\n", max_size=6)
    return draw(around) + written + draw(around)


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


def test_mask_pans_many_is_mask_pans_deep_of_each_value() -> None:
    """The one-pass search of many raw cells masks exactly what mask_pans_deep masks, cell by cell."""
    from receiptkit.pan import mask_pans_deep, mask_pans_many

    values = [
        {"text": "尾号1234卡消费45元", "time_text": "14:32"},
        {"text": "卡号 4111 1111 1111 1111 消费", "other": "x"},
        {"a": "６２２２０２１２３４５６７８９０１２８"},  # full-width digits
        "EXP 12/28 and more",
        "plain text",
        None,
        float("nan"),
        ["6222021234567890128"],
        {"nested": {"card": "4111111111111111"}},
        {"amount": 45},
        {"split": "4111 1111\n1111 1111"},  # a line break is no separator: not one number
        {"first": "411111111", "second": "1111111"},  # two cells never join into one number
    ]
    many = mask_pans_many(values)
    deep = [mask_pans_deep(v) for v in values]
    assert repr(many) == repr(deep)
    for before, after, expected in zip(values, many, deep, strict=True):
        assert (after is before) == (expected is before)
    assert "4111111111111111" not in repr(many) and "4111 1111 1111 1111" not in repr(many)


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet="0123456789 -\n４１xEXPexp有效期*", max_size=40),
            st.text(alphabet="0123456789./_．／＿ \n", max_size=40),
            grouped_cards(),
            st.dictionaries(
                st.sampled_from(["a", "b", "c"]),
                st.one_of(st.text(alphabet="0123456789 -\n４xP", max_size=30), grouped_cards()),
            ),
        ),
        max_size=8,
    )
)
def test_mask_pans_many_property(values: list) -> None:
    from receiptkit.pan import mask_pans_deep, mask_pans_many

    assert repr(mask_pans_many(values)) == repr([mask_pans_deep(v) for v in values])


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("EXP12/28", "EXP**/**"),
        ("有效期限09/39", "有效期限**/**"),
        ("有效日期：09/39", "有效日期：**/**"),
        ("expense 12/28", "expense 12/28"),  # not an expiry word
    ],
)
def test_expiry_glued_to_its_word_or_after_a_longer_word_is_masked(text, masked):
    assert mask_expiry(text) == masked
    assert mask_pans_deep(text) == masked


ICBC_DEBIT_TEST = "9558800200000000006"  # 19 digits, ICBC's domestic 9558 prefix, Luhn-valid


def test_a_mainland_banks_own_prefix_is_a_card_in_free_text() -> None:
    """ICBC's 19-digit 牡丹灵通卡 numbers start 9558, outside the networks' 2-6: in an SMS or a note they
    passed unmasked. Only at their own length: a 16-digit number starting 9558 is no such card."""
    assert looks_like_card(ICBC_DEBIT_TEST)
    assert not looks_like_card("9558800200000008")  # Luhn-valid, but 16 digits
    assert not looks_like_card("9558800200000000007")  # Luhn digit wrong
    masked = mask_pans_in_text(f"工行卡{ICBC_DEBIT_TEST}消费")
    assert ICBC_DEBIT_TEST not in masked and masked.endswith("0006消费")
    assert mask_pans_in_text("订单 9558800200000008") == "订单 9558800200000008"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Card Exp Year", True),
        ("exp_month", True),
        ("Card Expiry", True),
        ("有效期", True),
        ("Valid Thru", True),
        ("Export", False),
        ("Expected", False),
        ("Express", False),
        ("Description", False),
    ],
)
def test_expiry_columns_are_named_so(name, expected):
    from receiptkit.pan import is_expiry_column

    assert is_expiry_column(name) is expected


def test_an_error_never_quotes_an_expiry_column_value():
    import receiptkit as rk

    error = rk.ReceiptkitError("cut", file="x.csv", row=4, column="Card Exp Year", value="2031")
    assert error.value == "****" and "2031" not in str(error)
    other = rk.ReceiptkitError("bad", file="x.csv", row=4, column="Amount", value="2031")
    assert other.value == "2031"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("卡号EXP12/28", "卡号EXP**/**"),  # an expiry word right after Chinese text
        ("卡号exp 12/28", "卡号exp **/**"),
        (
            "尾号0123有效期：１２／２８",
            "尾号0123有效期：**/**",
        ),  # full-width slash, as a Chinese IME types it
        ("EXP １２／２０２８", "EXP **/**"),
        ("卡号Express 12/28", "卡号Express 12/28"),  # not an expiry word
    ],
)
def test_expiry_after_chinese_text_or_with_a_full_width_slash_is_masked(text, masked):
    """The expiry word was found only at a word boundary (none between 号 and EXP, both word characters)
    and the date only with an ASCII slash: '卡号EXP12/28' and '有效期：１２／２８' passed unmasked."""
    assert mask_expiry(text) == masked
    assert mask_pans_deep(text) == masked
    assert mask_pans_in_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"{UNIONPAY_TEST} 12/28", "622202*********0128 **/**"),
        ("6222 0212 3456 7890 128 12/28", "622202*********0128 **/**"),
        ("卡 622202******0128 12/2028 消费", "卡 622202******0128 **/** 消费"),
        ("card **** **** **** 0123, 09/27", "card **** **** **** 0123, **/**"),
        ("卡号 ************0123 １２／２８", "卡号 ************0123 **/**"),
        ("order 2026/12/28 paid", "order 2026/12/28 paid"),  # a date, no card beside it
        ("**** 0123 on 2026/12/28", "**** 0123 on 2026/12/28"),
        ("**** 0123 13/28", "**** 0123 13/28"),  # no month 13
    ],
)
def test_a_bare_expiry_date_right_after_a_card_number_is_masked(text, masked):
    """'6222 0212 3456 7890 128 12/28': the card number was masked and the expiry date beside it, written
    without an expiry word (as card data is often copied), was kept."""
    from receiptkit.pan import mask_pans_many

    assert mask_pans_in_text(text) == masked
    assert mask_pans_deep(text) == masked
    assert mask_pans_deep({"raw": [text]}) == ({"raw": [masked]} if masked != text else {"raw": [text]})
    assert mask_pans_many([text, {"note": text}]) == [masked, {"note": masked}]


def test_a_bare_expiry_date_after_a_full_width_masked_card_is_masked():
    text = "６２２２０２＊＊＊＊＊＊０１２８\u3000１２／２８"  # full-width digits, stars, space and slash
    assert mask_pans_in_text(text) == "６２２２０２＊＊＊＊＊＊０１２８\u3000**/**"
    assert mask_pans_deep(text) == mask_pans_in_text(text)


@given(st.text(alphabet="0123456789１２ *＊x-－/／._,\u3000\n", max_size=40))
def test_the_pre_filter_sees_every_bare_expiry_date_beside_a_card(text):
    """mask_pans_deep and mask_pans_many look only at texts the pre-filter picks: it must pick every text
    in which mask_pans_in_text masks a date beside a card."""
    from receiptkit.pan import mask_pans_many

    assert mask_pans_deep(text) == mask_pans_in_text(text)
    assert mask_pans_many([text]) == [mask_pans_in_text(text)]


def test_card_numbers_in_the_keys_of_a_dict_are_masked():
    """mask_pans_deep (used on raw dicts and on what goes into packs and reports) masked values only."""
    from receiptkit.pan import mask_pans_many

    value = {f"card {VISA_TEST}": "x", "n": {"６２２２０２１２３４５６７８９０１２８": 1}}
    expected = {"card 411111******1111": "x", "n": {"622202*********0128": 1}}
    assert mask_pans_deep(value) == expected
    assert mask_pans_many([value, {VISA_TEST: "paid"}]) == [expected, {"411111******1111": "paid"}]
    plain = {"merchant": "老街馄饨"}
    assert mask_pans_deep(plain) is plain and mask_pans_many([plain])[0] is plain


@pytest.mark.parametrize("gap", ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"])
def test_invisible_characters_between_the_groups_do_not_hide_a_card_number(gap):
    """Text copied from a web page or a chat carries zero-width spaces, joiners and soft hyphens: a card
    number with one between its groups ('4111\\u200b1111...') was not found, so it passed unmasked."""
    from receiptkit.pan import mask_pans_many

    text = f"card {gap.join(['4111', '1111', '1111', '1111'])} paid"
    assert find_full_pans(text, strict=True) == [VISA_TEST]
    assert mask_pans_in_text(text) == "card 411111******1111 paid"
    assert mask_pans_deep({"raw": text}) == {"raw": "card 411111******1111 paid"}
    assert mask_pans_many([text]) == ["card 411111******1111 paid"]


# --- card numbers grouped by dots, slashes or underscores ----------------------------------------------------

AMEX_TEST = "378282246310005"  # 15 digits, written 4-6-5
DINERS_TEST = "30569309025904"  # 14 digits, written 4-6-4


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("4111.1111.1111.1111", "411111******1111"),
        ("card 4111/1111/1111/1111 paid", "card 411111******1111 paid"),
        ("4111_1111_1111_1111", "411111******1111"),
        ("卡号6222/0212/3456/7890/128消费", "卡号622202*********0128消费"),
        ("6222.0212.3456.7890.128", "622202*********0128"),
        ("Amex 3782.822463.10005.", "Amex 378282*****0005."),  # 4-6-5, a full stop after it
        ("Diners 3056/930902/5904", "Diners 305693****5904"),  # 4-6-4
        (_full_width("4111.1111.1111.1111"), "411111******1111"),
        (_full_width("卡号6222/0212/3456/7890/128"), "卡号622202*********0128"),
        (_full_width("4111_1111_1111_1111"), "411111******1111"),
        ("4111.1111.1111.1111 12/28", "411111******1111 **/**"),  # and the bare expiry beside it
        ("a 4111.1111.1111.1111.55 b", "a 411111******1111.55 b"),  # a 4-digit grouped card, more after it
    ],
)
def test_a_card_number_grouped_by_dots_slashes_or_underscores_is_masked(text, masked):
    """'4111.1111.1111.1111', '6222/0212/3456/7890/128', '4111_1111_1111_1111' (and their full-width forms)
    passed every masking path unmasked: only spaces, dashes and invisible characters were separators."""
    from receiptkit.pan import mask_pans_many, might_hold_pan

    assert might_hold_pan(text)
    assert mask_pans_in_text(text) == masked
    assert mask_pans_deep(text) == masked
    assert mask_pans_deep({"raw": [text]}) == {"raw": [masked]}
    assert mask_pans_many([text, {"note": text}]) == [masked, {"note": masked}]
    for pan in (VISA_TEST, UNIONPAY_TEST, AMEX_TEST, DINERS_TEST):
        assert pan not in _digits_only(masked)
    assert find_full_pans(text, strict=True) and find_full_pans(text)


def _digits_only(text: str) -> str:
    import unicodedata

    return "".join(str(unicodedata.decimal(c)) for c in text if unicodedata.category(c) == "Nd")


# dates, times, amounts, versions and addresses: never masked, and not even sent past the cheap pre-filters
DOTTED_NOT_CARDS = [
    "2026/11/18 14:32:05",
    "2026.11.18",
    "2026.11.18 14.32.05",
    "192.168.100.200",
    "1.234.567.890,12",
    "1,234,567.89",
    "12/28",
    "12.34",
    "v1.2.3",
    "2026_11_18_143205.csv",
    "价格 12.50/件 2026/11/18",
    _full_width("2026/11/18 14:32"),
    _full_width("192.168.100.200"),
]
# near misses: the card check or the grouping fails
NEAR_MISSES = [
    "2026/1118/1432/0500",  # a card grouping, but Luhn digit wrong
    "4111.1111.1111.1112",  # Luhn digit wrong
    "1111.1111.1111.1117",  # Luhn-valid, but no card-network prefix
    "4111.1111/1111.1111",  # two different separators
    "4111. 1111. 1111. 1111",  # a dot and a space: no one-character separator
    "411.11111.1111.1111",  # not a card grouping
    "41111.111111.11111",
    "4111.111111.111",
    "6222.0212.3456.7890.1234",  # 4-4-4-4-4: 20 digits
    "path/2026/1111/1111/11",
    "tel.0086.2161.2345.67",  # 4-4-4-2: past the pre-filter (4-4-4), not a card grouping
]


@pytest.mark.parametrize("text", DOTTED_NOT_CARDS + NEAR_MISSES)
def test_dates_times_amounts_and_addresses_with_dots_or_slashes_are_left_alone(text):
    """Dots and slashes are everywhere in dates, times, amounts and versions: only a card number's regular
    grouping with one separator throughout, and a number that passes the card check, is masked."""
    from receiptkit.pan import mask_pans_many

    assert mask_pans_in_text(text) == text
    assert mask_pans_deep(text) is text
    assert mask_pans_many([text]) == [text]
    assert find_full_pans(text, strict=True) == []


@pytest.mark.parametrize("text", DOTTED_NOT_CARDS)
def test_the_pre_filters_do_not_send_dates_to_the_slow_path(text):
    from receiptkit.pan import _SENSITIVE_PATTERN, might_hold_pan

    assert not might_hold_pan(text)
    assert not re.search(_SENSITIVE_PATTERN, text)


def test_a_grouped_card_number_in_a_card_column_counts_without_the_card_check():
    """In a card-number column (strict=False) every 12-19 digit run counts; a dotted one in a card grouping too."""
    assert find_full_pans("4111.1111.1111.1112") == ["4111111111111112"]
    assert find_full_pans("4111.1111.1111.1112", strict=True) == []
    assert find_full_pans("2026.11.18") == [] and find_full_pans("192.168.100.200") == []


@given(grouped_cards())
def test_every_card_grouped_by_dots_slashes_or_underscores_is_masked(text):
    from receiptkit.pan import mask_pans_many

    masked = mask_pans_in_text(text)
    assert find_full_pans(masked, strict=True) == []
    assert mask_pans_deep(text) == masked and mask_pans_many([text]) == [masked]
    assert masked != text


def test_a_dotted_card_number_in_a_bank_csv_row_never_reaches_the_frame(tmp_path):
    """A bank CSV row whose counterparty and memo hold '4111.1111.1111.1111': the reader kept it in
    merchant_text and raw, so reports showed it. It is masked, with a FullPanWarning."""
    import warnings

    from receiptkit import read_proofs
    from receiptkit.schema import FullPanWarning

    path = tmp_path / "bocom.csv"
    path.write_text(
        "序号,交易日期,交易时间,交易类型,借贷,交易金额,余额,对方账号,对方户名,交易地点,摘要\n"
        "1,2026-11-20,14:32:07,消费,借 Dr,128.50,1.00,,卡 4111.1111.1111.1111,店,"
        "6222/0212/3456/7890/128 于 2026/11/18 14:32:05\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = read_proofs(path)
    assert any(issubclass(w.category, FullPanWarning) for w in caught)
    flat = repr(frame.to_dict("records"))
    for pan in (VISA_TEST, UNIONPAY_TEST):
        assert pan not in re.sub(r"[./_]", "", flat)
    assert "411111******1111" in frame.iloc[0]["merchant_text"]
    assert frame.iloc[0]["raw"]["对方户名"] == "卡 411111******1111"
    assert frame.iloc[0]["raw"]["摘要"] == "622202*********0128 于 2026/11/18 14:32:05"  # the date is kept
    assert frame.iloc[0]["amount_minor"] == 12850


def test_a_dotted_card_number_in_an_sms_never_reaches_the_frame():
    from receiptkit.readers.sms import parse_sms

    row = parse_sms(
        "您尾号1111的信用卡11月20日14:32消费人民币128.50元,商户:XX便利店 卡号４１１１．１１１１．１１１１．１１１１",
        ref="2026-12-01",
    )
    assert VISA_TEST not in _digits_only(row["merchant_text"]) + "|" + _digits_only(row["raw"]["text"])
    assert row["merchant_text"] == "XX便利店 卡号411111******1111"
    assert row["raw"]["text"].endswith("卡号411111******1111")
    assert row["amount_minor"] == 12850 and row["card_last4"] == "1111"
    # no card-number word before it; a 4-4-4-4 card and two more digits (the 18 digits are no card)
    row = parse_sms(
        "您尾号1111的信用卡11月20日14:32消费人民币128.50元,商户:XX便利店 付款4111.1111.1111.1111.55",
        ref="2026-12-01",
    )
    assert row["merchant_text"] == "XX便利店 付款411111******1111.55" and row["card_last4"] == "1111"


@pytest.mark.parametrize(
    "written",
    ["4111.1111.1111.1111", "4111/1111/1111/1111", "4111_1111_1111_1111", _full_width("4111.1111.1111.1111")],
)
def test_a_journal_column_with_a_dotted_card_number_is_masked_with_a_warning(written):
    """validate_journal / read_journal decide per column, with one pyarrow (RE2) pass, whether to look at
    its cells: that pre-filter missed dotted groupings, so the column kept them and no FullPanWarning came."""
    import warnings

    import pandas as pd

    import receiptkit as rk
    from receiptkit.schema import STRING, FullPanWarning

    journal = rk.make_dataset(n_transactions=5, n_proofs=1, seed=1).journal
    journal["merchant_name"] = pd.Series([f"shop {written}"] * len(journal), dtype=STRING)
    journal["issuer"] = pd.Series(["2026/11/18 14:32:05 1.234.567,89"] * len(journal), dtype=STRING)
    for read in (rk.validate_journal, rk.read_journal):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = read(journal)
        assert set(out["merchant_name"]) == {"shop 411111******1111"}
        assert set(out["issuer"]) == {"2026/11/18 14:32:05 1.234.567,89"}
        pan_warnings = [str(w.message) for w in caught if issubclass(w.category, FullPanWarning)]
        assert len(pan_warnings) == 1 and "merchant_name" in pan_warnings[0]


def test_the_grouped_pre_filter_knows_every_character_that_folds_to_a_dot_slash_or_underscore():
    """The pre-filters read the text as written, _GROUPED_PAN_RE the folded text: a separator that folds to
    '.', '/' or '_' but is unknown to the pre-filter would let a card through mask_pans_deep/many."""
    import sys

    from receiptkit.pan import _GROUP_SEP_RAW, _ascii

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if _ascii(char) in ("./_"):
            assert re.fullmatch(_GROUP_SEP_RAW, char), hex(code)


def test_the_pre_filter_reads_the_same_in_pyarrow_as_in_python():
    import pyarrow as pa
    import pyarrow.compute as pc

    from receiptkit.pan import _SENSITIVE_PATTERN

    texts = [
        "4111.1111.1111.1111",
        _full_width("6222/0212/3456/7890/128"),
        "3782\uff0f822463\uff0f10005",
        "3056\u2024930902\u20245904",
        *DOTTED_NOT_CARDS,
    ]
    found = pc.match_substring_regex(pa.array(texts, type=pa.large_string()), _SENSITIVE_PATTERN).to_pylist()
    assert found == [bool(re.search(_SENSITIVE_PATTERN, t)) for t in texts]
    assert found[:4] == [True] * 4 and not any(found[4:])


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "卡 4111 1111 1111 1111 55.00元",
            "卡 411111******1111 55.00元",
        ),  # an amount one space after the card
        ("card 4111-1111-1111-1111 12", "card 411111******1111 12"),
        ("12 4111 1111 1111 1111", "12 411111******1111"),  # a number one space before it
        # "3456 7890 128 88" passes the Luhn check by chance, but 4-4-3-2 is no card's grouping
        ("尾号 6222 0212 3456 7890 128 88.00", "尾号 622202*********0128 88.00"),
    ],
)
def test_a_grouped_card_with_a_number_beside_it_is_masked_on_every_path(text, masked) -> None:
    """The digits and single spaces ran on into the amount, the run failed the card check as a whole, and the
    card was left whole in every digit."""
    assert mask_pans_in_text(text) == masked
    assert mask_pans_deep({"t": text})["t"] == masked
    assert list(mask_pans_many([text])) == [masked]


def test_an_unbroken_long_number_is_never_cut_into_a_card() -> None:
    wallet = "4200002372202611200000000001 12"  # a WeChat 交易单号 and a number: one group, not a card
    assert mask_pans_in_text(wallet) == wallet


# digits a card number can be written in beyond the decimal digits of a script (category Nd): every character
# Unicode gives a digit value 0-9 (superscripts, subscripts, circled, parenthesized, dingbat, with a full stop)
DIGIT_FORMS = {
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "subscript": "₀₁₂₃₄₅₆₇₈₉",
    "circled": "⓪①②③④⑤⑥⑦⑧⑨",
    "dingbat": "⓿❶❷❸❹❺❻❼❽❾",
    "parenthesized": "0⑴⑵⑶⑷⑸⑹⑺⑻⑼",
    "full stop": "🄀⒈⒉⒊⒋⒌⒍⒎⒏⒐",
    "comma": "🄁🄂🄃🄄🄅🄆🄇🄈🄉🄊",
    "mathematical bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "Arabic-Indic": "٠١٢٣٤٥٦٧٨٩",
    "Devanagari": "०१२३४५६७८९",
}


@pytest.mark.parametrize("form", sorted(DIGIT_FORMS))
@pytest.mark.parametrize("written", ["4111 1111 1111 1111", "4111111111111111", "6222-0212-3456-7890-128"])
def test_a_card_number_in_superscript_circled_or_other_digit_forms_is_masked_on_every_path(form, written):
    """Superscript, subscript, circled and dingbat digits are no decimal digits (category No): the pre-filters
    (might_hold_pan, the pyarrow pattern of mask_pans_many and the frame validators) did not see them, so a full
    card number written '⁴¹¹¹ ¹¹¹¹ ¹¹¹¹ ¹¹¹¹' reached the frame, the raw dict and the reports whole."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from receiptkit.pan import _SENSITIVE_PATTERN, might_hold_pan

    text = f"卡号 {written.translate(str.maketrans('0123456789', DIGIT_FORMS[form]))} paid"
    digits = written.replace(" ", "").replace("-", "")
    masked = f"卡号 {mask_pan(digits)} paid"
    assert might_hold_pan(text)
    assert pc.match_substring_regex(pa.array([text]), _SENSITIVE_PATTERN).to_pylist() == [True]
    assert find_full_pans(text, strict=True) == [digits]
    assert mask_pans_in_text(text) == masked
    assert mask_pans_deep(text) == masked and mask_pans_deep({text: 1}) == {masked: 1}
    assert mask_pans_many([text, {"memo": text}]) == [masked, {"memo": masked}]


def test_a_superscript_card_number_in_a_journal_column_is_masked_with_a_warning():
    import warnings

    import pandas as pd

    import receiptkit as rk
    from receiptkit.schema import STRING, FullPanWarning

    journal = rk.make_dataset(n_transactions=5, n_proofs=1, seed=1).journal
    journal["merchant_name"] = pd.Series(["shop ⁴¹¹¹ ¹¹¹¹ ¹¹¹¹ ¹¹¹¹"] * len(journal), dtype=STRING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = rk.validate_journal(journal)
    assert set(out["merchant_name"]) == {"shop 411111******1111"}
    assert any(issubclass(w.category, FullPanWarning) for w in caught)


def test_every_character_with_a_digit_value_is_a_digit_to_the_pre_filters_and_the_fold():
    """The rule: a card number may be written in any character Unicode gives a digit value 0-9
    (unicodedata.digit: every decimal digit, and the superscript, subscript, circled ... forms)."""
    import sys
    import unicodedata

    from receiptkit.pan import DIGIT_CLASS, _ascii

    digit_class = re.compile(DIGIT_CLASS)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        value = unicodedata.digit(char, None)
        if value is None:
            assert not digit_class.fullmatch(char), hex(code)
        else:
            assert digit_class.fullmatch(char) and _ascii(char) == str(value), hex(code)


@pytest.mark.parametrize(
    "text",
    ["m² 12 ①②③ x³ H₂O", "第①步 第②步 第③步", "⑴ 128.50 ⑵ 36.00", "面积 120m² 单价 ¥1²³", "①②③④⑤⑥⑦⑧⑨⑩⑪⑫"],
)
def test_ordinary_text_with_superscripts_or_circled_numbers_is_left_alone(text):
    assert mask_pans_in_text(text) == text and mask_pans_deep(text) is text
