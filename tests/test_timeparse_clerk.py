"""parse_time_window: time as a clerk types it (hours, periods, ranges, about, 昨天, time alone)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receiptkit.errors import TimeParseError
from receiptkit.timeparse import ABOUT_MARGIN_S, PERIODS, parse_time, parse_time_window

TZ = "Asia/Shanghai"
REF = "2026-11-20"


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


# expected values written by hand: (start, end or None, precision)
PHRASES = [
    ("14点", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("14点-15点", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("下午两点左右", "2026-11-20 13:30", "2026-11-20 14:30", "hour"),
    ("上午", "2026-11-20 00:00", "2026-11-20 12:00", "hour"),
    ("下午", "2026-11-20 12:00", "2026-11-21 00:00", "hour"),
    ("晚上9点半", "2026-11-20 21:20", "2026-11-20 21:40", "minute"),  # a half said: round, as 左右
    ("昨天 14:32", "2026-11-19 14:32", None, "minute"),
    ("今天 8:05", "2026-11-20 08:05", None, "minute"),
    ("11月3日 上午8点", "2026-11-03 08:00", "2026-11-03 09:00", "hour"),
    ("下午2:32", "2026-11-20 14:32", None, "minute"),
    ("凌晨1点", "2026-11-20 01:00", "2026-11-20 02:00", "hour"),
    ("中午12点", "2026-11-20 12:00", "2026-11-20 13:00", "hour"),
    ("12点半", "2026-11-20 12:20", "2026-11-20 12:40", "minute"),
    ("下午两点一刻", "2026-11-20 14:05", "2026-11-20 14:25", "minute"),
    ("14:32", "2026-11-20 14:32", None, "minute"),
    ("14:32:05", "2026-11-20 14:32:05", None, "second"),
    ("14:32左右", "2026-11-20 14:22", "2026-11-20 14:42", "minute"),
    ("大约14点", "2026-11-20 13:30", "2026-11-20 14:30", "hour"),
    ("下午2点-3点", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("14:20-14:40", "2026-11-20 14:20", "2026-11-20 14:40", "minute"),
    ("十四点三十二分", "2026-11-20 14:32", None, "minute"),
    ("晚上九点", "2026-11-20 21:00", "2026-11-20 22:00", "hour"),
    ("中午1点", "2026-11-20 13:00", "2026-11-20 14:00", "hour"),
    ("傍晚6点", "2026-11-20 18:00", "2026-11-20 19:00", "hour"),
    ("0点半", "2026-11-20 00:20", "2026-11-20 00:40", "minute"),
    ("前天 下午", "2026-11-18 12:00", "2026-11-19 00:00", "hour"),
    ("11月3日", "2026-11-03 00:00", None, "day"),
    ("昨天", "2026-11-19 00:00", None, "day"),
    ("2026-11-03 下午2点", "2026-11-03 14:00", "2026-11-03 15:00", "hour"),
    ("2026年11月3日 晚上9点半", "2026-11-03 21:20", "2026-11-03 21:40", "minute"),
    ("12月31日 10:00", "2025-12-31 10:00", None, "minute"),  # never after the reference day
    ("２０２６－１１－２０　１４：３２", "2026-11-20 14:32", None, "minute"),  # full-width, as before
    # "X点多": some time in the hour after X o'clock (the field guide reads 两点多 as 14:00-14:59)
    ("下午两点多", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("中午十二点多", "2026-11-20 12:00", "2026-11-20 13:00", "hour"),
    ("下午2点多", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("14点多", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("昨天晚上八点多", "2026-11-19 20:00", "2026-11-19 21:00", "hour"),
    ("下午两点多左右", "2026-11-20 13:30", "2026-11-20 15:30", "hour"),  # about the hour, widened
    ("下午两点到三点多", "2026-11-20 14:00", "2026-11-20 16:00", "hour"),
    # a range is read as a whole: a spoken hour 1-11 has two readings, but a range ends after it starts on the
    # same day and 12点 is noon, so the other end may leave only one
    ("11点-12点", "2026-11-20 11:00", "2026-11-20 12:00", "hour"),  # 23:00-12:00 would cross midnight
    ("12点-1点", "2026-11-20 12:00", "2026-11-20 13:00", "hour"),  # 12:00-01:00 would too
    ("11点-1点", "2026-11-20 11:00", "2026-11-20 13:00", "hour"),
    ("10点-14点", "2026-11-20 10:00", "2026-11-20 14:00", "hour"),  # 22:00-14:00 would too
    ("11点到12点多", "2026-11-20 11:00", "2026-11-20 13:00", "hour"),
    ("14点-3点", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),  # the 24-hour end decides: not 03:00
    # a 12-hour clock, as foreign cards' apps and receipts write it: 12 AM is midnight, 12 PM noon
    ("2:32 PM", "2026-11-20 14:32", None, "minute"),
    ("2:32pm", "2026-11-20 14:32", None, "minute"),
    ("2 p.m.", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("2 AM", "2026-11-20 02:00", "2026-11-20 03:00", "hour"),
    ("12:05 am", "2026-11-20 00:05", None, "minute"),
    ("12 PM", "2026-11-20 12:00", "2026-11-20 13:00", "hour"),
    ("11:59:30 PM", "2026-11-20 23:59:30", None, "second"),
    ("昨天 9:15 pm", "2026-11-19 21:15", None, "minute"),
    ("2026-11-03 2:32 PM", "2026-11-03 14:32", None, "minute"),
    ("2:32 PM左右", "2026-11-20 14:22", "2026-11-20 14:42", "minute"),
    # the day's end closes a range: 24点, 24:00, 晚上12点 (alone they are refused: midnight of which day?)
    ("11月10日 22点-24点", "2026-11-10 22:00", "2026-11-11 00:00", "hour"),
    ("晚上10点到12点", "2026-11-20 22:00", "2026-11-21 00:00", "hour"),
    ("23:30-24:00", "2026-11-20 23:30", "2026-11-21 00:00", "minute"),
    ("20点-二十四点", "2026-11-20 20:00", "2026-11-21 00:00", "hour"),
    # 上午 before a range does not make its end 上午12点 (midnight or noon?): after 10:00, 12点 is noon
    ("上午10点到12点", "2026-11-20 10:00", "2026-11-20 12:00", "hour"),
    ("上午11:30-12:15", "2026-11-20 11:30", "2026-11-20 12:15", "minute"),
    # month/day as shop staff write it (field guide 5: 1/24), month first as parse_time reads it, never after ref
    ("11/3 下午2点", "2026-11-03 14:00", "2026-11-03 15:00", "hour"),
    ("11/3下午两点多", "2026-11-03 14:00", "2026-11-03 15:00", "hour"),
    ("12/31 10:00", "2025-12-31 10:00", None, "minute"),
    # 之间 ("between") closes a range
    ("下午2点到3点之间", "2026-11-20 14:00", "2026-11-20 15:00", "hour"),
    ("14:00到14:30之间", "2026-11-20 14:00", "2026-11-20 14:30", "minute"),
]


@pytest.mark.parametrize(("text", "start", "end", "precision"), PHRASES)
def test_every_phrase(text: str, start: str, end: str | None, precision: str) -> None:
    window = parse_time_window(text, TZ, ref=REF)
    assert window.start == _t(start)
    assert window.end == (None if end is None else _t(end))
    assert window.precision == precision


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("两点一刻", "02:15 or 14:15"),  # spoken 1-11 点 without 上午/下午: two readings, never a guess
        ("两点零五分", "02:05 or 14:05"),
        ("8点", "08:00 or 20:00"),
        ("2点多", "02:00 or 14:00"),  # 多 needs 上午/下午 like any spoken hour 1-11
        ("两点多", "02:00 or 14:00"),
        ("下午两点多多", "not a date or time"),
        ("上午12:05", "上午12点"),  # midnight or noon
        ("晚上12点", "晚上12点"),
        ("晚上1点", "晚上1点"),
        ("上午14点", "上午14点"),
        ("14点-13点", "ends before it starts"),
        # both readings of both ends make a range: refused, each reading named
        ("10点-11点", "10:00-11:00, 10:00-23:00, 22:00-23:00"),
        ("8点-10点", "08:00-10:00"),
        ("两点到三点", "14:00-15:00"),
        ("9点-10点半", "21:00-22:30"),
        ("明天 14:32", "not a date or time"),
        ("下午2:32半", "not a date or time"),
        ("14:32 到店", "not a date or time"),
        ("25:00", "not a time of day"),
        ("14:61", "not"),
        ("2月30日 14:00", "not a valid date"),
        ("13:00 PM", "not an hour of a 12-hour clock"),
        ("22点-24点半", "24点 ends the day"),
        ("22:00-24:30", "24点 ends the day"),
        ("10点-24点", "10:00-24:00, 22:00-24:00"),  # 10点 is still 10:00 or 22:00
        ("11/31 14:00", "not a valid date"),
        ("0:30 AM", "not an hour of a 12-hour clock"),
        ("2点到3点之间", "02:00-03:00"),  # 之间 reads a range; its hours still need 上午/下午
        ("下午2点之间", "not a date or time"),  # between one time and what?
    ],
)
def test_what_is_not_fully_understood_is_refused_naming_the_text(text: str, words: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time_window(text, TZ, ref=REF)
    assert info.value.value == text
    assert words in info.value.reason


@pytest.mark.parametrize("text", ["14:32", "14点", "下午", "今天 8:05", "昨天 14:32", "11月3日 上午8点"])
def test_texts_without_a_full_date_need_a_reference(text: str) -> None:
    with pytest.raises(TimeParseError, match=r"reference date|no year"):
        parse_time_window(text, TZ)


def test_a_reference_time_is_now_nothing_after_it() -> None:
    now = _t("2026-11-20 10:00")
    with pytest.raises(TimeParseError, match="later than now"):
        parse_time_window("14:32", TZ, ref=now)  # not moved to yesterday: refused
    with pytest.raises(TimeParseError, match="later than now"):
        parse_time_window("2026-11-21", TZ, ref=now)
    assert parse_time_window("9:00", TZ, ref=now).start == _t("2026-11-20 09:00")
    morning = parse_time_window("上午", TZ, ref=now)  # a window reaching past now ends at now
    assert (morning.start, morning.end) == (_t("2026-11-20 00:00"), now)
    assert parse_time_window("昨天 14:32", TZ, ref=now).start == _t("2026-11-19 14:32")
    # a reference date (no time of day) gives the day, and nothing is cut
    assert parse_time_window("14:32", TZ, ref=dt.date(2026, 11, 20)).start == _t("2026-11-20 14:32")


@pytest.mark.parametrize("text", ["下午2:32", "14:32", "11月3日 上午8点", "昨天 14:32", "下午 2026-11-20"])
def test_parse_time_no_longer_reads_part_of_a_text(text: str) -> None:
    # before: "下午2:32" became 02:32, "14:32" 1 January, "11月3日 上午8点" 2008-11-03, all silently
    with pytest.raises(TimeParseError):
        parse_time(text, TZ, ref=REF)


@pytest.mark.parametrize(
    "text",
    ["11月112:05 AM", "11月112:05", "2026-11-112:32 PM", "2026-11-112:32", "11月1112:05", "2026-11-0314:32"],
)
def test_a_day_glued_to_its_time_is_refused(text: str) -> None:
    # "11月112:05 AM" is 11月1日 12:05 AM (00:05) or 11月11日 2:05 AM: before, the day took two digits and
    # the rest was read as the time, silently (11-11 02:05); a day is now ended by 日/号 or what is not a digit
    with pytest.raises(TimeParseError) as info:
        parse_time_window(text, TZ, ref=REF)
    assert info.value.value == text
    with pytest.raises(TimeParseError):
        parse_time(text, TZ, ref=REF)
    # with the day ended, each is read
    assert parse_time_window("11月1日12:05 AM", TZ, ref=REF).start == _t("2026-11-01 00:05")
    assert parse_time_window("11月11 2:05 AM", TZ, ref=REF).start == _t("2026-11-11 02:05")
    assert parse_time("11月1日12:05", TZ, ref=REF).ts == _t("2026-11-01 12:05")


# ------------------------------------------------------------------ properties

_CN = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    if n < 10:
        return "两" if n == 2 else _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + ("" if ones == 0 else _CN[ones])


@st.composite
def clerk_texts(draw: st.DrawFn) -> tuple[str, dt.date, int]:
    """A text as a clerk types it, the day it names and the second of that day it states."""
    ref = dt.date(2026, 11, 20)
    back = draw(st.integers(0, 2))
    day = ref - dt.timedelta(days=back)
    date_text = draw(
        st.sampled_from(
            [["今天", "", f"{day.month}月{day.day}日 ", f"{day:%Y-%m-%d} "], ["昨天 "], ["前天 "]][back]
        )
    )
    hour = draw(st.integers(0, 23))
    form = draw(st.sampled_from(["colon", "spoken", "period"]))
    minute = draw(st.integers(0, 59))
    if form == "colon":
        clock, stated = f"{hour}:{minute:02d}", hour * 3600 + minute * 60
    else:
        if form == "period" or 1 <= hour <= 11 or hour == 12:
            names = [p for p, (a, b) in PERIODS.items() if a <= hour < b]
            period = draw(st.sampled_from(names)) if names else ""
        else:
            period = ""
        if 1 <= hour <= 11 and not period:
            period = "上午"
        shown = hour
        if period in ("下午", "晚上", "傍晚") and hour > 12 and draw(st.booleans()):
            shown = hour - 12
        if period == "中午" and hour in (13, 14) and draw(st.booleans()):
            shown = hour - 12
        number = draw(st.sampled_from([str(shown), _cn(shown)]))
        tail, extra = draw(st.sampled_from([("", 0), ("半", 1800), ("一刻", 900), ("三刻", 2700), ("整", 0)]))
        clock, stated = f"{period}{number}点{tail}", hour * 3600 + extra
    about = draw(st.sampled_from(["", "左右", "大约"]))
    text = f"{about}{date_text}{clock}" if about == "大约" else f"{date_text}{clock}{about}"
    return text.strip(), day, stated


@settings(max_examples=300, deadline=None)
@given(clerk_texts())
def test_any_accepted_text_gives_a_window_containing_the_stated_time(case: tuple[str, dt.date, int]) -> None:
    text, day, stated = case
    try:
        window = parse_time_window(text, TZ, ref="2026-11-20")
    except TimeParseError as exc:
        assert "could be" in exc.reason or "not a time of day" in exc.reason, (text, exc.reason)
        return
    when = pd.Timestamp(day, tz=TZ) + pd.Timedelta(seconds=stated)
    end = window.end if window.end is not None else window.start + pd.Timedelta(seconds=59)
    assert window.start <= when <= end, (text, window)
    if window.end is not None:
        assert window.end - window.start <= pd.Timedelta(hours=24) + pd.Timedelta(
            seconds=2 * ABOUT_MARGIN_S["hour"]
        )


@settings(max_examples=200, deadline=None)
@given(clerk_texts(), st.integers(0, 3 * 86400 - 1))
def test_nothing_in_the_future_when_ref_is_now(case: tuple[str, dt.date, int], offset: int) -> None:
    text, _, _ = case
    now = _t("2026-11-18 00:00") + pd.Timedelta(seconds=offset)
    try:
        window = parse_time_window(text, TZ, ref=now)
    except TimeParseError:
        return
    assert window.start <= now
    assert window.end is None or window.end <= now


@st.composite
def twelve_hour_texts(draw: st.DrawFn) -> tuple[str, dt.date, int, str]:
    """A 12-hour time as a card's app or a receipt writes it (any case, dots, full width, spacing, a day
    first, about), the day, the second of the day it states and its precision."""
    ref = dt.date(2026, 11, 20)
    back = draw(st.integers(0, 2))
    day = ref - dt.timedelta(days=back)
    date_text = draw(
        st.sampled_from(
            [["", "今天 ", f"{day.month}月{day.day}日 ", f"{day:%Y-%m-%d} "], ["昨天 "], ["前天 "]][back]
        )
    )
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    shown = hour % 12 or 12  # 00:xx is 12:xx AM, 12:xx is 12:xx PM
    letter = "a" if hour < 12 else "p"
    marker = draw(st.sampled_from(["{}m", "{}.m.", "{}.m", "{}m."]))
    marker = marker.format(letter)
    marker = draw(st.sampled_from([marker, marker.upper(), marker.capitalize()]))
    if draw(st.booleans()):  # full width, as a Chinese input method types it
        marker = "".join(chr(ord(c) + 0xFEE0) for c in marker)
    form = draw(st.sampled_from(["hour", "minute", "second"]))
    clock = {
        "hour": f"{shown}",
        "minute": f"{shown}:{minute:02d}",
        "second": f"{shown}:{minute:02d}:{second:02d}",
    }[form]
    if form != "hour" and draw(st.booleans()):
        clock = f"{shown:02d}{clock[len(str(shown)) :]}"  # 02:32 PM
    stated = hour * 3600 + (minute * 60 if form != "hour" else 0) + (second if form == "second" else 0)
    gap = draw(st.sampled_from(["", " ", "\u3000"]))  # none, a space, a full-width space
    text = f"{date_text}{clock}{gap}{marker}"
    about = draw(st.sampled_from(["", "左右", "大约"]))
    text = f"{about}{text}" if about == "大约" else f"{text}{about}"
    return text.strip(), day, stated, form


@settings(max_examples=300, deadline=None)
@given(twelve_hour_texts())
def test_a_twelve_hour_time_is_read_as_the_time_it_states(case: tuple[str, dt.date, int, str]) -> None:
    text, day, stated, form = case
    window = parse_time_window(text, TZ, ref="2026-11-20")  # every such text is a time: never refused
    when = pd.Timestamp(day, tz=TZ) + pd.Timedelta(seconds=stated)
    end = window.end if window.end is not None else window.start + pd.Timedelta(seconds=59)
    assert window.start <= when <= end, (text, window)
    assert end - window.start < pd.Timedelta(hours=2), (text, window)  # never both AM and PM
    assert window.precision == form, (text, window)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([0, *range(13, 100)]), st.integers(0, 59), st.sampled_from(["AM", "pm", "p.m.", "ａｍ"])
)
def test_an_hour_no_12_hour_clock_has_is_refused_naming_the_text(hour: int, minute: int, marker: str) -> None:
    for text in (f"{hour}:{minute:02d} {marker}", f"{hour}{marker}", f"昨天 {hour}:{minute:02d}{marker}"):
        with pytest.raises(TimeParseError) as info:
            parse_time_window(text, TZ, ref="2026-11-20")
        assert info.value.value == text


@pytest.mark.parametrize("said", ["下午2点半", "下午两点半", "14点半", "十四点半"])
def test_a_half_said_is_a_round_time_and_digits_typed_are_the_minute(said):
    """Newcomer 19, G4: "11月7日下午2点半" was the minute 14:30, and a sale at 14:38 was UNMATCHED ("not paid
    here"). A half or a quarter said is as round as 左右 (±10 min); "14:30" typed is the minute written."""
    window = parse_time_window(f"11月7日{said}", TZ, ref=REF)
    assert (window.start, window.end) == (_t("2026-11-07 14:20"), _t("2026-11-07 14:40"))
    typed = parse_time_window("11月7日下午2:30", TZ, ref=REF)
    assert (typed.start, typed.end) == (_t("2026-11-07 14:30"), None)
