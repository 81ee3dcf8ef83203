"""A numeric day/month at the counter is read in the order its zone's territory writes, or refused.

"3/11" is 11 March in Shanghai (month first, field guide 5: shop staff write 1/24) and 3 November in
Hong Kong (day first). Before, parse_time_window read every slash date month first, whatever the zone:
a Hong Kong clerk's "3/11 14:32" silently became 11 March.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receiptkit.errors import TimeParseError
from receiptkit.timeparse import parse_time, parse_time_window, parse_typed_time, zone_dayfirst

REF = "2026-11-20"


def _t(text: str, tz: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


# What CLDR (through Babel 2.18) writes for each zone's territory, checked by hand:
# zh_Hans_CN y/M/d, zh_Hant_HK d/M/y, zh_Hant_MO d/M/y, en_SG d/M/yy, en_GB dd/MM/y, en_US M/d/yy,
# zh_Hant_TW y/M/d, ja_JP y/MM/dd, en_AU d/M/yy.
@pytest.mark.parametrize(
    ("zone", "dayfirst"),
    [
        ("Asia/Shanghai", False),
        ("Asia/Urumqi", False),
        ("PRC", False),  # an alias of Asia/Shanghai
        ("Asia/Hong_Kong", True),
        ("Hongkong", True),  # an alias of Asia/Hong_Kong
        ("Asia/Macau", True),
        ("Asia/Singapore", True),
        ("Europe/London", True),
        ("America/New_York", False),
        ("Asia/Taipei", False),
        ("Asia/Tokyo", False),
        ("Australia/Sydney", True),
    ],
)
def test_the_zone_takes_its_territorys_order_from_cldr(zone: str, dayfirst: bool) -> None:
    assert zone_dayfirst(zone) is dayfirst


@pytest.mark.parametrize(
    "zone", ["UTC", "Etc/UTC", "Etc/GMT-8", "+08:00", dt.UTC, dt.timezone(dt.timedelta(hours=8)), None]
)
def test_a_zone_without_a_territory_has_no_order(zone: object) -> None:
    # Etc/UTC is territory ZZ (unknown) in CLDR: its likely locale en_US must not decide anything
    assert zone_dayfirst(zone) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("3/11 14:32", "2026-11-03 14:32", None, "minute"),
        ("3/11 下午2点", "2026-11-03 14:00", "2026-11-03 15:00", "hour"),
        ("3/11", "2026-11-03 00:00", None, "day"),
        ("24/1 10:00", "2026-01-24 10:00", None, "minute"),
        ("3/11/2026 14:32", "2026-11-03 14:32", None, "minute"),
        # "03/11/26 14:32" was read 2026-11-03 here; a two-digit year is refused since session 14 (below)
        ("3.11.2026", "2026-11-03 00:00", None, "day"),
        ("3-11 14:32", "2026-11-03 14:32", None, "minute"),
    ],
)
def test_hong_kong_reads_day_first(text: str, start: str, end: str | None, precision: str) -> None:
    zone = "Asia/Hong_Kong"
    window = parse_time_window(text, zone, ref=REF)
    assert window.start == _t(start, zone)
    assert window.end == (_t(end, zone) if end else None)
    assert window.precision == precision


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("3/11 14:32", "2026-03-11 14:32"),
        ("11/3 14:32", "2026-11-03 14:32"),
        ("1/24 14:32", "2026-01-24 14:32"),
        ("3/11/2026 14:32", "2026-03-11 14:32"),
        ("3-11 14:32", "2026-03-11 14:32"),
    ],
)
def test_shanghai_reads_month_first(text: str, start: str) -> None:
    assert parse_time_window(text, "Asia/Shanghai", ref=REF).start == _t(start, "Asia/Shanghai")


@pytest.mark.parametrize("zone", ["UTC", "+08:00", "Etc/GMT-8"])
@pytest.mark.parametrize(
    "text", ["3/11", "3/11 14:32", "3/11 下午2点", "3/11/2026 14:32", "3-11 14:32", "3.11.2026"]
)
def test_without_a_territory_a_date_read_both_ways_is_refused_saying_how_to_give_it(
    text: str, zone: str
) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time_window(text, zone, ref=REF)
    assert info.value.value == text
    reason = info.value.reason
    assert "11月3日" in reason and "3月11日" in reason  # both readings, as the clerk would write them
    assert "dayfirst" in reason


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("1/24", "2026-01-24"),
        ("24/1", "2026-01-24"),
        ("5/5 14:32", "2026-05-05 14:32"),
        ("1/24 14:32", "2026-01-24 14:32"),
        ("24/1/2026 14:32", "2026-01-24 14:32"),
        ("1/24/2026", "2026-01-24"),
    ],
)
def test_without_a_territory_a_date_read_one_way_only_is_read_that_way(text: str, start: str) -> None:
    assert parse_time_window(text, "UTC", ref=REF).start == _t(start, "UTC")


@pytest.mark.parametrize(
    ("text", "zone", "dayfirst", "start"),
    [
        ("3/11 14:32", "Asia/Shanghai", True, "2026-11-03 14:32"),
        ("3/11 14:32", "Asia/Hong_Kong", False, "2026-03-11 14:32"),
        ("3/11 14:32", "UTC", True, "2026-11-03 14:32"),
        ("3/11 14:32", "UTC", False, "2026-03-11 14:32"),
        ("3/11/2026 14:32", "UTC", True, "2026-11-03 14:32"),
        ("3-11 14:32", "UTC", True, "2026-11-03 14:32"),
    ],
)
def test_dayfirst_forces_the_order(text: str, zone: str, dayfirst: bool, start: str) -> None:
    assert parse_time_window(text, zone, ref=REF, dayfirst=dayfirst).start == _t(start, zone)


@pytest.mark.parametrize(
    ("text", "zone", "dayfirst", "words"),
    [
        # possible only in the other order than the zone writes: refused, never read the other way round
        ("24/1", "Asia/Shanghai", None, "month first"),
        ("24/1 14:32", "Asia/Shanghai", None, "1月24日"),
        ("1/24 14:32", "Asia/Hong_Kong", None, "day first"),
        ("1/24/2026", "Europe/London", None, "day first"),
        ("13/1 14:32", "America/New_York", None, "month first"),
        ("24/1 14:32", "UTC", False, "month first"),
        ("1/24 14:32", "UTC", True, "day first"),
        ("24-1 14:32", "UTC", False, "month first"),
        # no date in either order
        ("11/31 14:00", "Asia/Shanghai", None, "not a valid date"),
        ("31/11 14:00", "Asia/Hong_Kong", None, "not a valid date"),
        ("13/14", "UTC", None, "not a valid date"),
    ],
)
def test_a_date_not_in_the_order_is_refused_naming_the_text(
    text: str, zone: str, dayfirst: bool | None, words: str
) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time_window(text, zone, ref=REF, dayfirst=dayfirst)
    assert info.value.value == text
    assert words in info.value.reason


def test_the_order_refusal_names_where_the_order_came_from() -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time_window("1/24 14:32", "Asia/Hong_Kong", ref=REF)
    assert "Asia/Hong_Kong" in info.value.reason and "zh_Hant_HK" in info.value.reason
    with pytest.raises(TimeParseError) as info:
        parse_time_window("1/24 14:32", "UTC", ref=REF, dayfirst=True)
    assert "dayfirst=True" in info.value.reason


def test_parse_time_reads_a_year_less_date_day_first_when_asked() -> None:
    # before, parse_time refused every year-less "3/11" with dayfirst=True; now it is read in that order
    assert parse_time("3/11", "UTC", ref=REF, dayfirst=True).ts == _t("2026-11-03", "UTC")
    assert parse_time("3/11", "UTC", ref=REF).ts == _t("2026-03-11", "UTC")
    with pytest.raises(TimeParseError, match="never read in another order"):
        parse_time("24/1", "UTC", ref=REF)  # was "not a valid date": 24 January only day first


# ------------------------------------------------------------------ property

_ZONES = ["Asia/Hong_Kong", "Asia/Shanghai", "Europe/London", "America/New_York", "UTC", "+08:00"]


@settings(max_examples=400, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
    zone=st.sampled_from(_ZONES),
    forced=st.sampled_from([None, True, False]),
    written_dayfirst=st.booleans(),
    form=st.sampled_from(
        [
            "{a}/{b}",
            "{a}/{b} 14:32",
            "{a}/{b} 下午2点",
            "{a}/{b}/2026 14:32",
            "{a}-{b} 14:32",
            "14:32 {a}/{b}",  # after the time: found there too
            "Tue {a}/{b}/2026",
            "{a} {b} 14:32",
        ]
    ),
)
def test_a_date_written_in_the_zones_order_comes_back_or_is_refused_never_another_day(
    day: dt.date, zone: str, forced: bool | None, written_dayfirst: bool, form: str
) -> None:
    order = forced if forced is not None else zone_dayfirst(zone)
    # written in the order in force; a zone with none may be given either order
    dayfirst = order if order is not None else written_dayfirst
    a, b = (day.day, day.month) if dayfirst else (day.month, day.day)
    text = form.format(a=a, b=b)
    try:
        window = parse_time_window(text, zone, ref="2026-12-31", dayfirst=forced)
    except TimeParseError as exc:
        assert exc.value == text
        # only a zone without an order may refuse a date in the order written, and only one read both ways
        assert order is None and day.day <= 12 and day.day != day.month, (text, exc.reason)
        return
    assert window.start.date() == day, (text, zone, forced, window)


@pytest.mark.parametrize(
    ("text", "zone", "dayfirst", "expected"),
    [
        ("3/11/2026 14:00", "Asia/Hong_Kong", None, "2026-11-03 14:00"),
        ("3/11/2026 14:00", "Asia/Shanghai", None, "2026-03-11 14:00"),
        ("3/11/2026 14:00", "UTC", True, "2026-11-03 14:00"),
        ("24/1/2026 14:00", "UTC", None, "2026-01-24 14:00"),
        ("2026-11-03 14:00", "UTC", None, "2026-11-03 14:00"),  # year first: never in question
    ],
)
def test_parse_typed_time_reads_a_typed_date_the_right_way_round(
    text: str, zone: str, dayfirst: bool | None, expected: str
) -> None:
    assert parse_typed_time(text, zone, dayfirst=dayfirst).ts == _t(expected, zone)


@pytest.mark.parametrize(
    ("text", "zone", "words"),
    [("3/11/2026 14:00", "UTC", "could be 11月3日"), ("24/1/2026 14:00", "Asia/Shanghai", "month first")],
)
def test_parse_typed_time_refuses_what_it_would_read_the_wrong_way_round(
    text: str, zone: str, words: str
) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_typed_time(text, zone)
    assert info.value.value == text and words in info.value.reason


# A numeric date after a time or a word ("14:32 3/11", "Tue 3/11/2026") or written with spaces
# ("3 11 14:32") went to dateutil with the zone's order as a mere preference: under UTC it was read
# month first, silently, and against the order in force dateutil swapped ("14:32 1/24" in Hong Kong was
# 24 January, where "1/24 14:32" is refused).
@pytest.mark.parametrize(
    "text", ["14:32 3/11", "2:32 PM 3/11/2026", "on 3/11/2026", "Tue 3/11/2026", "at 14:32 on 3/11/2026"]
)
@pytest.mark.parametrize("parse", [parse_time_window, parse_typed_time])
def test_a_date_after_a_time_or_a_word_is_not_read_month_first_without_an_order(text: str, parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TimeParseError) as info:
        parse(text, "UTC", ref=REF)
    assert info.value.value == text
    assert "11月3日" in info.value.reason and "3月11日" in info.value.reason


@pytest.mark.parametrize(
    ("text", "zone", "start"),
    [
        ("14:32 3/11", "Asia/Hong_Kong", "2026-11-03 14:32"),
        ("14:32 3/11", "Asia/Shanghai", "2026-03-11 14:32"),
        ("2:32 PM 3/11/2026", "Asia/Hong_Kong", "2026-11-03 14:32"),
        ("Tue 3/11/2026", "Asia/Hong_Kong", "2026-11-03"),
        ("Tue 3/11/2026", "Asia/Shanghai", "2026-03-11"),
        ("14:32 1/24", "UTC", "2026-01-24 14:32"),  # one reading only
        ("3 11 14:32", "Asia/Hong_Kong", "2026-11-03 14:32"),
        ("2026 3 11", "Asia/Hong_Kong", "2026-03-11"),  # year first: never in question
    ],
)
def test_a_date_after_a_time_or_a_word_is_read_in_the_zones_order(text: str, zone: str, start: str) -> None:
    assert parse_time_window(text, zone, ref=REF).start == _t(start, zone)


@pytest.mark.parametrize(
    ("text", "zone", "words"),
    [
        ("14:32 1/24", "Asia/Hong_Kong", "day first"),
        ("14:32 13/11/2026", "Asia/Shanghai", "month first"),
        ("13 11 2026", "Asia/Shanghai", "month first"),
        ("3 11 14:32", "UTC", "could be 11月3日"),
        ("11 3 2026", "UTC", "could be 3月11日"),
    ],
)
def test_a_date_after_a_time_or_with_spaces_is_never_read_the_other_way_round(
    text: str, zone: str, words: str
) -> None:
    for parse in (parse_time_window, parse_typed_time):
        with pytest.raises(TimeParseError) as info:
            parse(text, zone, ref=REF)
        assert info.value.value == text
        assert words in info.value.reason


@pytest.mark.parametrize("zone", ["Asia/Hong_Kong", "Asia/Shanghai"])
def test_a_time_written_with_a_dot_is_not_read_as_a_year(zone: str) -> None:
    # "3/11 14.32": dateutil took 14 for the year, 2014, at day precision: a sale twelve years back
    with pytest.raises(TimeParseError) as info:
        parse_time_window("3/11 14.32", zone, ref=REF)
    assert info.value.value == "3/11 14.32" and "14.32" in info.value.reason


@pytest.mark.parametrize(
    "text", ["2026-03-11, 14:32", "on 2026/3/11", "2026-03-11 at 14:32", "Wed 2026-03-11"]
)
@pytest.mark.parametrize("zone", ["Asia/Hong_Kong", "Europe/London", "UTC"])
def test_a_year_first_date_is_year_month_day_in_every_zone(text: str, zone: str) -> None:
    # a5dd3b4 handed these to dateutil with dayfirst=True in a day-first zone, which reads 2026/3/11 as
    # year/day/month: 3 November
    assert parse_time_window(text, zone, ref=REF).start.date() == dt.date(2026, 3, 11)
    assert parse_typed_time(text, zone, ref=REF).ts.date() == dt.date(2026, 3, 11)


@pytest.mark.parametrize("text", ["2026-03-11, 14:32", "2026/3/11 at 14:32", "Wed 2026.03.11"])
def test_parse_time_day_first_reads_a_year_first_date_year_month_day(text: str) -> None:
    # an export read dayfirst=True ("03/11/2026" is 3 November) may still write some times year first;
    # dateutil's dayfirst made "2026/3/11" year/day/month, 3 November
    assert parse_time(text, "UTC", dayfirst=True).ts.date() == dt.date(2026, 3, 11)


@pytest.mark.parametrize("zone", ["Europe/Stockholm", "America/Toronto", "America/Vancouver"])
def test_a_territory_whose_cldr_data_disagree_on_the_order_has_none(zone: str) -> None:
    # sv_SE and en_CA write a full date year first (y-MM-dd), which says nothing of a day and month alone,
    # and CLDR's own year-less pattern (skeleton Md) is d/M there: the short pattern made "3/11" 11 March
    assert zone_dayfirst(zone) is None
    with pytest.raises(TimeParseError) as info:
        parse_time_window("3/11 14:32", zone, ref=REF)
    assert "11月3日" in info.value.reason and "3月11日" in info.value.reason
    assert parse_time_window("3/11 14:32", zone, ref=REF, dayfirst=True).start == _t("2026-11-03 14:32", zone)


@pytest.mark.parametrize("text", ["3/11/2026 14:32 CST", "2026-11-03 14:32 HKT", "Nov 3 2026 2:32 PM EST"])
def test_a_zone_name_dateutil_does_not_know_is_refused_not_dropped(text: str) -> None:
    # dateutil warned (UnknownTimezoneWarning) and returned the time without a zone, which was then taken to
    # be in tz: "14:32 CST" (China +08:00, or US Central -06:00) under tz="UTC" was 14:32 UTC
    with pytest.raises(TimeParseError) as info:
        parse_time(text, "UTC", dayfirst=True)
    assert info.value.value == text and "+08:00" in info.value.reason


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("text", ["1.28", "1.28 14:32", "14:32 1.28"])
def test_a_year_less_date_with_a_dot_is_refused_saying_how_to_write_it(text: str, zone: str) -> None:
    # staff write 1.28 (field guide 5); dateutil cannot read it, and the refusal said "no day in the text
    # (a time alone needs a date)", which sends the clerk looking for a missing date
    with pytest.raises(TimeParseError) as info:
        parse_time_window(text, zone, ref=REF)
    assert info.value.value == text
    assert "1.28" in info.value.reason and "1月28日" in info.value.reason


# A year of one or two digits. "26/3/11" in Hong Kong (day first) was 26 March 2011, where a mainland clerk
# writing year first (CLDR zh_Hans_CN y/M/d) means 2026-03-11; "261120" was 2020-11-26 in every zone, and
# "11/3/26" took 2026 from the order in force. Each is refused naming the text and the readings it has.
SHORT_YEARS = [
    "11/3/26",
    "26/3/11",
    "3/11/26",
    "26/11/3",
    "26-3-11",
    "26.3.11",
    "3 11 26",
    "260311",
    "261120 14:32",
    "26/3/11 14:32",
    "14:32 3/11/26",
    "Tue 3/11/26",
]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Hong_Kong", "UTC"])
@pytest.mark.parametrize("text", SHORT_YEARS)
def test_a_date_with_a_short_year_is_refused_naming_it(text: str, zone: str) -> None:
    for read in (parse_time_window, parse_typed_time):
        with pytest.raises(TimeParseError) as info:
            read(text, zone, ref=REF)
        assert info.value.value == text
        assert "year in full" in info.value.reason, info.value.reason


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Hong_Kong"])
def test_the_refusal_of_a_short_year_names_the_readings(zone: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time_window("26/3/11", zone, ref=REF)
    assert "26/3/11" in info.value.reason
    assert "2026-03-11 (year first)" in info.value.reason and "2011-03-26 (day first)" in info.value.reason
    with pytest.raises(TimeParseError) as info:
        parse_time_window("3/11/26", zone, ref=REF)
    for reading in ("2003-11-26 (year first)", "2026-11-03 (day first)", "2026-03-11 (month first)"):
        assert reading in info.value.reason, info.value.reason


def test_a_short_year_with_one_reading_only_is_read_in_the_order_in_force() -> None:
    # 11/13/26 is a real date only month first, year last: 2026-11-13 (13 is no month, 2011-13-26 no date)
    assert parse_time_window("11/13/26", "Asia/Shanghai", ref=REF).start == _t("2026-11-13", "Asia/Shanghai")
    # ... and Hong Kong writes day first: possible only in the other order, refused as "11/13" is
    with pytest.raises(TimeParseError, match="not a day/month date"):
        parse_time_window("11/13/26", "Asia/Hong_Kong", ref=REF)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Hong_Kong"])
def test_a_year_written_in_full_is_read_as_before(zone: str) -> None:
    assert parse_time_window("2026/3/11", zone, ref=REF).start.date() == dt.date(2026, 3, 11)
    assert parse_time_window("20261120 14:32", zone, ref=REF).start == _t("2026-11-20 14:32", zone)
    day_month = dt.date(2026, 11, 3) if zone == "Asia/Hong_Kong" else dt.date(2026, 3, 11)
    assert parse_time_window("3/11/2026", zone, ref=REF).start.date() == day_month


@pytest.mark.parametrize(
    ("text", "dotted", "colon"), [("2026-11-18 8.11", "8.11", "8:11"), ("2026/11/18 14.32", "14.32", "14:32")]
)
def test_a_dotted_time_after_a_full_date_is_refused_as_a_time_not_a_date(
    text: str, dotted: str, colon: str
) -> None:
    # a clerk typed the date and then the time with a dot: the refusal said "8.11 is not read as a date ...;
    # write 8月11日", a second date the clerk never meant; the date is written, so the dot is the time's
    with pytest.raises(TimeParseError) as info:
        parse_time_window(text, "Asia/Shanghai", ref=REF)
    assert info.value.value == text
    assert f"a time is written with a colon: {colon}" in info.value.reason
    assert "月" not in info.value.reason
