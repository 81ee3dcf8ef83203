"""parse_time: precision from what was written, zones, year-less texts, bad input."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from receiptkit.errors import TimeParseError
from receiptkit.timeparse import parse_time, parse_time_series

TZ = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("2026-11-20 14:32:05", "2026-11-20T14:32:05+08:00", "second"),
        ("2026-11-20 14:32", "2026-11-20T14:32:00+08:00", "minute"),
        ("2026-11-20", "2026-11-20T00:00:00+08:00", "day"),
        ("2026年11月20日 14:32", "2026-11-20T14:32:00+08:00", "minute"),
        ("2026年11月20日14:32:05", "2026-11-20T14:32:05+08:00", "second"),
        ("20261120143205", "2026-11-20T14:32:05+08:00", "second"),
        ("2026-01-15 143025", "2026-01-15T14:30:25+08:00", "second"),
        ("2026-01-15 1430", "2026-01-15T14:30:00+08:00", "minute"),
        ("Nov 20, 2026 14:32:05", "2026-11-20T14:32:05+08:00", "second"),
        ("20 Nov 2026 2pm", "2026-11-20T14:00:00+08:00", "minute"),
        ("20 Nov 2026", "2026-11-20T00:00:00+08:00", "day"),
        ("２０２６－１１－２０　１４：３２", "2026-11-20T14:32:00+08:00", "minute"),
    ],
)
def test_precision_is_what_the_text_gave(text: str, iso: str, precision: str) -> None:
    parsed = parse_time(text, tz=TZ)
    assert (parsed.ts.isoformat(), parsed.precision) == (iso, precision)


def test_zone_in_the_text_wins_and_is_converted() -> None:
    parsed = parse_time("2026-11-20T06:32:05Z", tz=TZ)
    assert parsed.ts.isoformat() == "2026-11-20T14:32:05+08:00"


def test_naive_time_without_zone_is_an_error() -> None:
    with pytest.raises(TimeParseError, match="no zone"):
        parse_time("2026-11-20 14:32")


@pytest.mark.parametrize("text", ["11月20日 14:32", "Nov 20 14:32", "11/20 14:32"])
def test_year_less_needs_a_reference_and_is_never_after_it(text: str) -> None:
    with pytest.raises(TimeParseError, match="no year"):
        parse_time(text, tz=TZ)
    assert parse_time(text, tz=TZ, ref="2026-12-01").ts.year == 2026
    assert parse_time(text, tz=TZ, ref="2027-01-05").ts.year == 2026  # not in the future of ref
    assert parse_time(text, tz=TZ, ref="2026-11-20").ts.date() == dt.date(2026, 11, 20)


@pytest.mark.parametrize("text", ["0100-01-01", "1899-12-31 10:00", "2300-01-01"])
def test_implausible_years_are_errors(text: str) -> None:
    with pytest.raises(TimeParseError, match="year"):
        parse_time(text, tz=TZ)


@pytest.mark.parametrize("text", ["", "yesterday-ish", "2026-13-45 99:00:00", "abc 12"])
def test_not_a_time_names_the_value(text: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time(text, tz=TZ)
    assert info.value.value == text


def test_nonexistent_local_time_is_an_error() -> None:
    with pytest.raises(TimeParseError, match="does not exist or is ambiguous"):
        parse_time("2026-03-08 02:30", tz="America/New_York")


def test_series_fast_and_slow_paths_agree() -> None:
    texts = [f"2026-11-{day:02d} 1{day % 10}:0{day % 6}:1{day % 10}" for day in range(1, 29)] * 3
    fast, fast_precision = parse_time_series(pd.Series(texts), tz=TZ)
    slow = [parse_time(text, tz=TZ) for text in texts]
    assert fast.tolist() == [p.ts for p in slow]
    assert fast_precision.tolist() == [p.precision for p in slow]


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2199, 1, 1)))
def test_round_trip_of_iso_seconds(value: dt.datetime) -> None:
    value = value.replace(microsecond=0)
    parsed = parse_time(value.strftime("%Y-%m-%d %H:%M:%S"), tz="UTC")
    assert parsed.ts.to_pydatetime().replace(tzinfo=None) == value
    assert parsed.precision == "second"


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("01/13/2025", {"fmt": "%d/%m/%Y"}),  # HSBC HK: month 13 in a DD/MM layout
        ("03/24/2025", {"dayfirst": True}),
        ("24/03/2025", {"dayfirst": False}),
        ("13.01.2025", {"dayfirst": False}),
        ("12/25", {"dayfirst": True, "ref": "2026-01-01"}),  # year-less MM/DD read day first
    ],
)
def test_a_date_impossible_in_the_declared_order_is_refused_never_swapped(text, options):
    """dateutil takes dayfirst as a preference and swaps day and month when the date needs it."""
    with pytest.raises(TimeParseError, match="never read in another order") as caught:
        parse_time(text, TZ, **options)
    assert caught.value.value == text


@pytest.mark.parametrize(
    ("text", "options", "day"),
    [
        ("24/03/2025", {"fmt": "%d/%m/%Y"}, "2025-03-24"),
        ("2025-03-24", {"fmt": "%d/%m/%Y"}, "2025-03-24"),  # year first cannot be swapped
        ("03/04/2025", {"dayfirst": True}, "2025-04-03"),
        ("03/04/2025", {"dayfirst": False}, "2025-03-04"),
        ("24 Mar 2025", {"fmt": "%d/%m/%Y"}, "2025-03-24"),
    ],
)
def test_dates_in_the_declared_order_are_read(text, options, day):
    assert str(parse_time(text, TZ, **options).ts.date()) == day


@pytest.mark.parametrize("zone", ["UTC+24", "+24:00", "GMT+99", "-18:01", "+05:60"])
def test_resolve_tz_refuses_offsets_beyond_18_hours_with_a_typed_error(zone):
    from receiptkit.timeparse import resolve_tz

    with pytest.raises(TimeParseError, match="offset out of range") as caught:
        resolve_tz(zone)
    assert caught.value.value == zone


@pytest.mark.parametrize("zone", ["Europe", "America/Argentina", "Asia/Shang", "../../etc/passwd", ""])
def test_resolve_tz_refuses_a_folder_or_unknown_zone_name_with_a_typed_error(zone):
    """A zone cell cut to "Europe" (a folder of the zone database) raised IsADirectoryError (issue #18)."""
    from receiptkit.timeparse import resolve_tz

    with pytest.raises(TimeParseError, match="unknown time zone"):
        resolve_tz(zone)
