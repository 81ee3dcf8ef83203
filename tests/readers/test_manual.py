"""Counter input: receiptkit.proof()."""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit import ProofError, proof
from receiptkit.schema import FullPanWarning


def test_minute_precision_and_exact_amount():
    frame = proof(amount="128.50", time="2026-11-20 14:32", last4="1234")
    row = frame.iloc[0]
    assert row["amount_minor"] == 12850 and row["currency"] == "CNY"
    assert row["ts"] == pd.Timestamp("2026-11-20 14:32", tz="Asia/Shanghai")
    assert row["ts_precision"] == "minute"
    assert row["card_last4"] == "1234" and row["kind"] == "manual" and row["direction"] == "debit"


def test_date_only_and_stable_id():
    one = proof(amount="12", time="2026-11-20", tz="Asia/Hong_Kong", currency="HKD")
    two = proof(amount="12", time="2026-11-20", tz="Asia/Hong_Kong", currency="HKD")
    assert one.iloc[0]["ts_precision"] == "day" and pd.isna(one.iloc[0]["ts"])
    assert one.iloc[0]["date"] == pd.Timestamp("2026-11-20")
    assert one.iloc[0]["proof_id"] == two.iloc[0]["proof_id"]


def test_year_less_time_is_never_in_the_future():
    frame = proof(amount="1.00", time="12月31日 10:00", ref="2026-11-20")
    assert frame.iloc[0]["ts"].year == 2025


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"amount": "12.345"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"amount": "1", "last4": "ab"}, "last4"),
    ],
)
def test_bad_input_names_the_field(kwargs, column):
    with pytest.raises(ProofError) as info:
        proof(time="2026-11-20 14:32", **kwargs)
    assert info.value.column == column


def test_time_as_a_clerk_types_it_keeps_its_window():
    frame = proof(amount="88.00", time="11月3日 上午8点", ref="2026-11-20")
    row = frame.iloc[0]
    assert row["ts_precision"] == "hour"
    assert row["ts"] == pd.Timestamp("2026-11-03 08:00", tz="Asia/Shanghai")
    assert row["ts_end"] == pd.Timestamp("2026-11-03 09:00", tz="Asia/Shanghai")
    point = proof(amount="88.00", time="下午2:32", ref="2026-11-20").iloc[0]
    assert point["ts"] == pd.Timestamp("2026-11-20 14:32", tz="Asia/Shanghai") and pd.isna(point["ts_end"])


@pytest.mark.parametrize(
    ("time", "words"),
    [("两点一刻", "02:15 or 14:15"), ("14:32", "later than now"), ("下午2:32 左右吧", "not a date or time")],
)
def test_a_time_not_fully_understood_or_in_the_future_is_a_proof_error(time, words):
    now = pd.Timestamp("2026-11-20 10:00", tz="Asia/Shanghai")
    with pytest.raises(ProofError) as info:
        proof(amount="88.00", time=time, ref=now)
    assert (info.value.column, info.value.value) == ("time", time)
    assert words in info.value.reason


@pytest.mark.parametrize(
    "time", ["0001-01-01 10:00", "9999-12-31 10:00", "0001-01-01", "9999-12-31 下午2点", "1969-12-31 23:00"]
)
def test_years_outside_the_readable_range_are_a_proof_error_naming_the_text(time):
    """Clean-room intake finding L: 0001 and 9999 raised pandas' OutOfBoundsDatetime."""
    with pytest.raises(ProofError, match="outside 1970-2199") as info:
        proof(amount="12.00", time=time, last4="1234")
    assert (info.value.column, info.value.value) == ("time", time)


def test_a_slash_date_is_read_in_the_order_of_the_zones_territory():
    """A Hong Kong clerk's "3/11" is 3 November; it was read as 11 March whatever the zone."""
    hk = proof(amount="88.00", time="3/11 14:32", tz="Asia/Hong_Kong", currency="HKD", ref="2026-11-20")
    assert hk.iloc[0]["ts"] == pd.Timestamp("2026-11-03 14:32", tz="Asia/Hong_Kong")
    cn = proof(amount="88.00", time="3/11 14:32", ref="2026-11-20")  # Asia/Shanghai, month first
    assert cn.iloc[0]["ts"] == pd.Timestamp("2026-03-11 14:32", tz="Asia/Shanghai")
    forced = proof(amount="88.00", time="3/11 14:32", tz="UTC", dayfirst=True, ref="2026-11-20")
    assert forced.iloc[0]["ts"] == pd.Timestamp("2026-11-03 14:32", tz="UTC")


def test_a_slash_date_read_both_ways_in_a_zone_without_an_order_is_a_proof_error():
    with pytest.raises(ProofError) as info:
        proof(amount="88.00", time="3/11 14:32", tz="UTC", ref="2026-11-20")
    assert (info.value.column, info.value.value) == ("time", "3/11 14:32")
    assert "11月3日" in info.value.reason and "dayfirst" in info.value.reason


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Hong_Kong"])
@pytest.mark.parametrize("time", ["26/3/11", "11/3/26", "3/11/26 14:32", "261120"])
def test_a_typed_date_with_a_two_digit_year_is_a_proof_error(time, zone):
    """Hong Kong read "26/3/11" as 26 March 2011; a mainland clerk writes 2026-03-11 year first."""
    with pytest.raises(ProofError) as info:
        proof(amount="128.50", time=time, tz=zone, ref="2026-11-20")
    assert (info.value.column, info.value.value) == ("time", time)
    assert time in str(info.value) and "year in full" in info.value.reason


@pytest.mark.parametrize(
    ("typed", "last4"),
    [
        ("1234", "1234"),
        ("１２３４", "1234"),
        (" 0128 ", "0128"),
        ("**** 1234", "1234"),
        ("6222 **** **** 0128", "0128"),
    ],
)
def test_last4_is_four_digits_ascii_or_full_width_or_a_masked_number(typed, last4):
    assert (
        proof(amount="1.00", time="2026-11-20 10:00", last4=typed, ref="2026-11-21").at[0, "card_last4"]
        == last4
    )


@pytest.mark.parametrize(
    "typed", ["12345", "123", "12a4", "12-34", "尾号12345", "尾号1234abc", "1234 5678", "٠١٢٣", ""]
)
def test_last4_that_is_not_exactly_four_digits_is_refused(typed):
    """Before, "12345" was read as 2345 and "12-34" as 1234: another card than the one the customer said."""
    with pytest.raises(ProofError) as info:
        proof(amount="1.00", time="2026-11-20 10:00", last4=typed, ref="2026-11-21")
    assert info.value.column == "last4" and "four digits" in info.value.reason


@pytest.mark.parametrize(
    "pan", ["6225880112345674", "6225 8801 1234 5678", "６２２５８８０１１２３４５６７４", "622588011234567x"]
)
def test_a_whole_card_number_typed_as_last4_is_refused_and_never_quoted(pan):
    """A full card number (Luhn or not) was taken as its last 4, and kept whole in raw and in the proof id."""
    with pytest.raises(ProofError) as info:
        proof(amount="1.00", time="2026-11-20 10:00", last4=pan, ref="2026-11-21")
    digits = "".join(c for c in pan if c.isdigit())
    assert info.value.column == "last4"
    for shown in (str(info.value), repr(info.value.value), info.value.reason):
        assert "622588" not in shown and "６２２５" not in shown and "88011234" not in shown, shown
        assert digits[:-4] not in shown.replace("*", ""), shown


def _id(**kwargs) -> str:
    return str(proof(**{"amount": "128.50", "ref": "2026-11-20", **kwargs}).iloc[0]["proof_id"])


def test_the_proof_id_is_of_what_was_resolved_not_of_the_text():
    """The same text "3/11 14:32" in Hong Kong (3 November) and Shanghai (11 March) had one proof id."""
    hong_kong, shanghai = (
        _id(time="3/11 14:32", tz="Asia/Hong_Kong"),
        _id(time="3/11 14:32", tz="Asia/Shanghai"),
    )
    assert hong_kong != shanghai
    # the same wall-clock time in another zone is another instant
    assert _id(time="2026-11-03 14:32", tz="Europe/London") != _id(
        time="2026-11-03 14:32", tz="Asia/Hong_Kong"
    )
    # "14:32" typed on two days (the reference day) is two payments
    assert _id(time="14:32") != _id(time="14:32", ref="2026-11-19")
    # evidence the text left out of the id: the wallet number, the terminal
    assert _id(time="2026-11-18 14:32", wallet_txn_id="4200001") != _id(
        time="2026-11-18 14:32", wallet_txn_id="4200002"
    )
    assert _id(time="2026-11-18 14:32", terminal_id="T1") != _id(time="2026-11-18 14:32", terminal_id="T2")


def test_the_proof_id_is_deterministic_and_the_same_for_the_same_payment():
    assert _id(time="3/11 14:32", tz="Asia/Hong_Kong") == _id(time="3/11 14:32", tz="Asia/Hong_Kong")
    # one instant and zone typed two ways, one card typed two ways: one proof
    assert _id(time="3/11 14:32", tz="Asia/Hong_Kong") == _id(time="2026-11-03 14:32", tz="Asia/Hong_Kong")
    assert _id(time="3/11 14:32", tz="Asia/Hong_Kong") == _id(
        time="3/11 14:32", tz="Asia/Hong_Kong", dayfirst=True
    )
    assert _id(time="2026-11-18 14:32", last4="１２３４") == _id(time="2026-11-18 14:32", last4="**** 1234")
    assert _id(time="2026-11-18 14:32", amount="128.5") == _id(time="2026-11-18 14:32", amount="¥128.50")
    # a day: the date and the zone
    assert _id(time="2026-11-03", tz="Asia/Hong_Kong") != _id(time="2026-11-03", tz="Europe/London")
    assert _id(time="2026-11-03", tz="Asia/Hong_Kong") == _id(time="11月3日", tz="Asia/Hong_Kong")


def test_the_proof_id_holds_no_card_number():
    # the typed reference is masked in the proof (a card number in it): the id is made of the masked one
    with pytest.warns(FullPanWarning):
        one = proof(amount="1.00", time="2026-11-18 14:32", reference="6225880112345674", ref="2026-11-20")
    two = proof(amount="1.00", time="2026-11-18 14:32", reference="622588******5674", ref="2026-11-20")
    assert one.iloc[0]["proof_id"] == two.iloc[0]["proof_id"]


@pytest.mark.parametrize(
    "typed",
    [
        "尾号1234",
        "卡尾号1234",
        "卡号后四位：1234",
        "信用卡尾号 1234",
        "ending in 1234",
        "Last 4: 1234",
        "尾号 **** 1234",
    ],
)
def test_the_words_that_name_the_last_4_are_left_out(typed: str) -> None:
    """Staff type what the card SMS says (field guide 1.1: 尾号1234): the words only say "the last digits".
    Refusing them (as a first fix of --last4 did) refused 36 of clean room 2's counter proofs at intake."""
    assert (
        proof(amount="1.00", time="2026-11-20 10:00", last4=typed, ref="2026-11-21").at[0, "card_last4"]
        == "1234"
    )


@pytest.mark.parametrize(("tz", "hours"), [("UTC+8", 8), ("+8", 8), ("GMT-5", -5)])
def test_a_zone_written_as_an_offset_means_that_offset_at_the_counter(tz, hours):
    """proof(tz='UTC+8') failed in pandas with a bare ValueError; the CLI's --tz reads it as +08:00."""
    row = proof(amount="12.00", time="2026-11-18 08:11", tz=tz).iloc[0]
    assert row["ts"].utcoffset() == pd.Timedelta(hours=hours)
    assert row["ts"].tz_localize(None) == pd.Timestamp("2026-11-18 08:11")


@pytest.mark.parametrize("tz", ["Asia/Shanghaii", "", "UTC+25"])
def test_an_unknown_zone_at_the_counter_is_a_proof_error_naming_tz(tz):
    with pytest.raises(ProofError) as info:
        proof(amount="12.00", time="2026-11-18 08:11", tz=tz)
    assert info.value.column == "tz" and f"tz={tz!r} is not a time zone" in str(info.value)


@pytest.mark.parametrize(
    "typed",
    ["4111111111111111", "4111 1111 1111 1111", "6222-0212-3456-7894", "６２２２０２１２３４５６７８９４"],
)
@pytest.mark.parametrize("field", ["wallet_txn_id", "order_no"])
def test_a_card_number_typed_as_a_wallet_or_order_number_is_refused_never_kept_whole(typed, field):
    """A wallet's 交易单号 is 28-40 digits (field guide 4); a card number there was kept whole as a join key and
    shown whole in find's proof and reprint lines."""

    with pytest.raises(ProofError) as caught:
        proof(amount="368.00", time="2026-11-18 08:11", tz="Asia/Shanghai", **{field: typed})
    text = str(caught.value)
    assert caught.value.column == field and "card number" in text
    digits = "".join(c for c in typed if c.isdigit())
    assert digits not in text.replace(" ", "").replace("-", "") and "1111 1111" not in text


@pytest.mark.parametrize(
    "typed", ["4200002971202611183306432119", "2026111822001425671428085816", "4111111111111112"]
)
def test_a_wallet_number_that_is_no_card_is_kept_as_typed(typed):
    found = proof(amount="368.00", time="2026-11-18 08:11", tz="Asia/Shanghai", wallet_txn_id=typed)
    assert found["wallet_txn_id"].iloc[0] == typed


@pytest.mark.parametrize("code", ["XYZ", "", "XAU"])
def test_an_unknown_currency_at_the_counter_names_the_currency_not_the_amount(code):
    """proof(currency='XYZ') was read as 2 decimals of XYZ; a wrong code blamed column 'amount'."""
    with pytest.raises(ProofError) as info:
        proof(amount="12.34", time="2026-11-18 08:11", currency=code)
    assert (info.value.column, info.value.value) == ("currency", code)
    assert proof(amount="12.34", time="2026-11-18", currency="rmb").iloc[0]["currency"] == "CNY"


def test_a_control_character_typed_at_the_counter_names_the_field():
    with pytest.raises(ProofError) as info:
        proof(amount="12.00", time="2026-11-18 08:11", merchant="示例\x00便利店")
    assert info.value.column == "merchant_text" and "U+0000" in str(info.value)  # the CLI names --merchant


@pytest.mark.parametrize("typed", ["-368", "-368.00", "(368.00)", "¥-368"])
def test_a_negative_amount_at_the_counter_names_the_amount(typed):
    """'-368' reached the schema and was refused as 'amount_minor must not be negative (the sign lives in
    txn_type / direction)' (value -36800): the library's column, not what the clerk typed."""
    with pytest.raises(ProofError) as info:
        proof(amount=typed, time="2026-11-18 08:11")
    assert (info.value.column, info.value.value) == ("amount", typed)
    assert "negative" in info.value.reason and "amount_minor" not in str(info.value)
