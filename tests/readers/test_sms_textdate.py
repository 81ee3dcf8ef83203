"""Card SMS: the date and time written in the message are the payment's; the capture time only bounds them.

Clean room 5: ``Your HSBC Visa card ending 1234 was charged HKD 128.50 at KAM KEE CAFE (CAUSEWAY BAY) on
21/11/2026 14:32`` captured on 27 November was read as 26/27 November, without an error: the reader did not
know ``21/11/2026`` (nor ``Nov 21``) and took the capture day. A numeric date is read in the order the zone's
territory writes it (timeparse, CLDR through Babel; ``dayfirst=`` overrides; refused where no order is in
force). A text date after the capture time, or more than :data:`~receiptkit.readers.sms.MAX_ARRIVAL_DAYS`
days before it, is refused naming both.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from receiptkit import read_proofs
from receiptkit.errors import ProofError
from receiptkit.readers import sms
from receiptkit.readers.sms import parse_sms

HK = "Asia/Hong_Kong"
SH = "Asia/Shanghai"
HSBC = "Your HSBC Visa card ending 1234 was charged HKD 128.50 at KAM KEE CAFE (CAUSEWAY BAY) on {when}"


def _at(text: str, zone: str = HK) -> pd.Timestamp:
    return pd.Timestamp(text, tz=zone)


def _json(*messages: tuple[str, pd.Timestamp]) -> bytes:
    return json.dumps(
        [{"body": body, "t": int(captured.timestamp() * 1000)} for body, captured in messages],
        ensure_ascii=False,
    ).encode()


@pytest.mark.parametrize(
    "when",
    [
        "21/11/2026 14:32",
        "21 Nov 14:32",
        "21NOV 14:32",
        "Nov 21 14:32",
        "2026-11-21 14:32",
        "November 21, 2026 14:32",
    ],
)
@pytest.mark.parametrize(
    "captured", ["2026-11-21 14:32:40", "2026-11-27 10:00"]
)  # the same minute, 6 days later
def test_the_date_and_time_in_an_english_text_are_the_payments(when: str, captured: str) -> None:
    row = parse_sms(HSBC.format(when=when), tz=HK, captured=_at(captured))
    assert (row["ts"], row["ts_precision"]) == (_at("2026-11-21 14:32"), "minute")
    assert row["date"] == pd.Timestamp("2026-11-21")
    assert "date_from" not in row["raw"]
    assert (row["amount_minor"], row["currency"], row["card_last4"]) == (12850, "HKD", "1234")


@pytest.mark.parametrize("when", ["21/11/2026.", "21 Nov.", "Nov 21.", "2026-11-21."])
def test_a_date_without_a_time_is_the_payments_day(when: str) -> None:
    row = parse_sms(HSBC.format(when=when), tz=HK, captured=_at("2026-11-27 10:00"))
    assert (row["ts_precision"], row["date"]) == ("day", pd.Timestamp("2026-11-21"))
    assert pd.isna(row["ts"])


def test_a_json_capture_days_later_keeps_the_texts_date() -> None:
    # the documented way captured SMS are fed: a JSON document with the capture time t (ms)
    data = _json((HSBC.format(when="21/11/2026 14:32"), _at("2026-11-27 10:00")))
    frame = read_proofs(data, name="hsbc.json", format="sms", tz=HK)
    assert frame.ts[0] == _at("2026-11-21 14:32")
    assert frame.raw[0]["captured_at"] == "2026-11-27T10:00:00+08:00"


def test_a_text_file_without_capture_times_reads_the_texts_date() -> None:
    text = HSBC.format(when="21/11/2026 14:32") + "\n"
    frame = read_proofs(text.encode(), name="hsbc.txt", format="sms", tz=HK)
    assert frame.ts[0] == _at("2026-11-21 14:32")


@pytest.mark.parametrize(
    ("zone", "dayfirst", "captured", "expected"),
    [
        (
            HK,
            None,
            "2026-11-05 09:00",
            "2026-11-03 14:32",
        ),  # Hong Kong writes day first (CLDR zh_Hant_HK d/M/y)
        (SH, None, "2026-03-12 09:00", "2026-03-11 14:32"),  # Shanghai month first (zh_Hans_CN y/M/d)
        (SH, True, "2026-11-05 09:00", "2026-11-03 14:32"),  # dayfirst= says the order
        (HK, False, "2026-03-12 09:00", "2026-03-11 14:32"),
    ],
)
def test_a_numeric_date_read_both_ways_follows_the_order_in_force(
    zone: str, dayfirst: bool | None, captured: str, expected: str
) -> None:
    row = parse_sms(HSBC.format(when="03/11 14:32"), tz=zone, captured=_at(captured, zone), dayfirst=dayfirst)
    assert row["ts"] == _at(expected, zone)
    dated = parse_sms(HSBC.format(when="03/11/2026 14:32"), tz=zone, ref=captured[:10], dayfirst=dayfirst)
    assert dated["ts"] == _at(expected, zone)


@pytest.mark.parametrize(
    ("zone", "when", "words"),
    [
        ("UTC", "03/11/2026 14:32", "could be"),  # no territory, no order: never guessed
        # possible only day first, Shanghai writes month first, and the capture day rules 21 November out
        (SH, "21/11/2026 14:32", "not a month/day date"),
        (HK, "21/11/26 14:32", "year in full"),  # 2021-11-26 or 2026-11-21
        (HK, "31/11/2026 14:32", "not a date"),
    ],
)
def test_a_numeric_date_that_cannot_be_read_safely_is_refused(zone: str, when: str, words: str) -> None:
    with pytest.raises(ProofError) as info:
        parse_sms(HSBC.format(when=when), tz=zone, captured=_at("2026-12-27 10:00", zone))
    assert info.value.column == "date"
    assert words in info.value.reason


@pytest.mark.parametrize(
    ("text", "captured", "expected", "precision"),
    [
        # 招商银行: the same minute, and 6 days later (a year-less date takes the capture's year)
        (
            "【招商银行】您账户1234于11月21日14:32在财付通-滴滴出行快捷支付27.78元",
            "2026-11-21 14:32:30",
            "2026-11-21 14:32",
            "minute",
        ),
        (
            "【招商银行】您账户1234于11月21日14:32在财付通-滴滴出行快捷支付27.78元",
            "2026-11-27 10:00",
            "2026-11-21 14:32",
            "minute",
        ),
        # 工商银行: BOCOM-like one minute late
        (
            "尾号1234卡11月21日14:32支出(消费支付宝-北京三快在线科技有限公司)45元，余额1,333.22元。【工商银行】",
            "2026-11-21 14:33:10",
            "2026-11-21 14:32",
            "minute",
        ),
        (
            "尾号1234卡11月21日14:32支出(消费支付宝-北京三快在线科技有限公司)45元，余额1,333.22元。【工商银行】",
            "2026-11-24 08:00",
            "2026-11-21 14:32",
            "minute",
        ),
        # no time in the text (中国银行): the day only, never the capture's clock
        (
            "您的信用卡1234于2026年11月21日，在钱袋宝支付消费RMB138.20元。【中国银行】",
            "2026-11-27 10:00",
            "2026-11-21",
            "day",
        ),
        (
            "您的信用卡1234于2026年11月21日，在钱袋宝支付消费RMB138.20元。【中国银行】",
            "2026-11-21 18:00",
            "2026-11-21",
            "day",
        ),
    ],
)
def test_a_chinese_texts_date_and_time_are_the_payments(
    text: str, captured: str, expected: str, precision: str
) -> None:
    row = parse_sms(text, tz=SH, captured=_at(captured, SH))
    assert row["ts_precision"] == precision
    assert row["date"] == pd.Timestamp(expected[:10])
    if precision != "day":
        assert row["ts"] == _at(expected, SH)


@pytest.mark.parametrize(
    ("text", "zone", "captured", "shown"),
    [
        # after the message arrived: impossible, one of the two is wrong (a misread date, a wrong capture clock)
        (HSBC.format(when="21/11/2026 14:32"), HK, "2026-11-20 10:00", "2026-11-21 14:32"),
        (HSBC.format(when="21 Nov 14:32"), HK, "2026-11-21 10:00", "2026-11-21 14:32"),
        (HSBC.format(when="21/11/2026."), HK, "2026-11-20 23:00", "2026-11-21"),
        (
            "【招商银行】您账户1234于11月21日14:32在财付通-滴滴出行快捷支付27.78元",
            SH,
            "2026-11-21 10:00",
            "2026-11-21 14:32",
        ),
        # more days before it than a message is ever late (a date in the text that is not the payment's?)
        (HSBC.format(when="21/11/2026 14:32"), HK, "2026-12-05 10:00", "2026-11-21 14:32"),
        (
            "您的信用卡1234于2026年10月01日，在钱袋宝支付消费RMB138.20元。【中国银行】",
            SH,
            "2026-11-27 10:00",
            "2026-10-01",
        ),
        # Shanghai reads 03/11 as 11 March: eight months before a capture on 20 November is refused, not
        # kept (3 November, the other order, is more than a week before it too)
        (HSBC.format(when="03/11 14:32"), SH, "2026-11-20 09:00", "2026-03-11 14:32"),
    ],
)
def test_a_text_date_the_capture_time_rules_out_is_refused_naming_both(
    text: str, zone: str, captured: str, shown: str
) -> None:
    with pytest.raises(ProofError) as info:
        parse_sms(text, tz=zone, captured=_at(captured, zone))
    assert info.value.column == "date"
    assert shown in str(info.value.value)
    assert _at(captured, zone).strftime("%Y-%m-%d %H:%M") in str(info.value.value)


def test_in_a_file_the_refusal_names_the_file_and_the_message() -> None:
    good = (HSBC.format(when="20/11/2026 09:15"), _at("2026-11-20 09:15:20"))
    bad = (HSBC.format(when="21/11/2026 14:32"), _at("2026-11-20 10:00"))
    with pytest.raises(ProofError) as info:
        read_proofs(_json(good, bad), name="hsbc.json", format="sms", tz=HK)
    assert (info.value.file, info.value.row, info.value.column) == ("hsbc.json", 2, "date")
    assert "2026-11-21 14:32" in str(info.value) and "2026-11-20 10:00" in str(info.value)
    with pytest.warns(UserWarning):
        frame = read_proofs(_json(good, bad), name="hsbc.json", format="sms", tz=HK, strict=False)
    assert list(frame.ts) == [_at("2026-11-20 09:15")]


def test_the_bound_is_a_week() -> None:
    assert sms.MAX_ARRIVAL_DAYS == 7
    text = HSBC.format(when="21/11/2026 14:32")
    assert parse_sms(text, tz=HK, captured=_at("2026-11-28 14:32"))["ts"] == _at("2026-11-21 14:32")
    with pytest.raises(ProofError):
        parse_sms(text, tz=HK, captured=_at("2026-11-28 14:33"))


def test_read_proofs_passes_the_order_on() -> None:
    text = (HSBC.format(when="03/11/2026 14:32") + "\n").encode()
    assert read_proofs(text, name="m.txt", format="sms", tz=SH).ts[0] == _at("2026-03-11 14:32", SH)
    assert read_proofs(text, name="m.txt", format="sms", tz=SH, dayfirst=True).ts[0] == _at(
        "2026-11-03 14:32", SH
    )
    assert read_proofs(text, name="m.txt", format="sms", tz=HK).ts[0] == _at("2026-11-03 14:32")


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("2:32PM", "14:32"),
        ("2:32 pm", "14:32"),
        ("2:32 p.m.", "14:32"),
        ("12:05 AM", "00:05"),
        ("12:05PM", "12:05"),
    ],
)
def test_a_12_hour_clock_in_an_english_text_is_read_with_its_am_pm(clock: str, expected: str) -> None:
    # before, "2:32PM" was read as 02:32: twelve hours off, silently
    row = parse_sms(HSBC.format(when=f"21/11/2026 {clock}"), tz=HK, captured=_at("2026-11-21 23:59"))
    assert row["ts"] == _at(f"2026-11-21 {expected}")


def test_a_24_hour_clock_with_pm_is_refused() -> None:
    with pytest.raises(ProofError) as info:
        parse_sms(HSBC.format(when="21/11/2026 13:05 PM"), tz=HK, captured=_at("2026-11-21 23:59"))
    assert info.value.column == "time"


@pytest.mark.parametrize(
    ("zone", "when", "captured", "expected"),
    [
        # a Hong Kong card's day-first date read with the Shanghai default: the capture day decides
        (SH, "04/11/2026 20:09", "2026-11-04 20:10", "2026-11-04 20:09"),
        (SH, "21/11/2026 14:32", "2026-11-27 10:00", "2026-11-21 14:32"),  # possible only day first
        (SH, "03/11 14:32", "2026-11-05 09:00", "2026-11-03 14:32"),
        (HK, "11/03/2026 14:32", "2026-11-03 14:40", "2026-11-03 14:32"),  # month first, in Hong Kong
    ],
)
def test_the_capture_day_decides_the_order_of_a_numeric_date(
    zone: str, when: str, captured: str, expected: str
) -> None:
    """A card message arrives within minutes (field guide 1.2): of the two orders, the one that gives a date
    on or up to a week before the capture day is the date, when only one does."""
    row = parse_sms(HSBC.format(when=when), tz=zone, captured=_at(captured, zone))
    assert row["ts"] == _at(expected, zone)
    assert row["raw"]["order_from"] == "capture time"


def test_the_capture_day_does_not_decide_when_both_orders_or_neither_fit() -> None:
    # 11/11 reads the same both ways: no note
    row = parse_sms(HSBC.format(when="11/11/2026 14:32"), tz=SH, captured=_at("2026-11-11 14:40", SH))
    assert row["ts"] == _at("2026-11-11 14:32", SH) and "order_from" not in row["raw"]
    # neither 4 November nor 11 April is within a week before 20 December: refused, naming both values
    with pytest.raises(ProofError) as info:
        parse_sms(HSBC.format(when="04/11/2026 14:32"), tz=SH, captured=_at("2026-12-20 10:00", SH))
    assert info.value.column == "date"
    # dayfirst= given by the caller is kept, whatever the capture day
    with pytest.raises(ProofError):
        parse_sms(
            HSBC.format(when="04/11/2026 20:09"), tz=SH, captured=_at("2026-11-04 20:10", SH), dayfirst=False
        )
