"""parse_time_window: an hour range after a date is a range, never a zone offset; a zone written UTC+8 is +08:00.

Clean room 5 found ``rk.find(..., time="7 Nov 17:00-19:00", tz="Asia/Hong_Kong")`` refused with "time zone
offset out of range": the ``-19:00`` was read as a UTC offset. Worse, a range whose end is a possible offset
(``7 Nov 10:00-12:00``) was read silently as 10:00 at UTC-12, 8 November 06:00 in Hong Kong, and ``UTC+8``
was read the POSIX way round (UTC-8), 16 hours off.
"""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import ProofError, TimeParseError
from receiptkit.timeparse import parse_time, parse_time_window

HK = "Asia/Hong_Kong"
REF = "2026-12-07"


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=HK)


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("7 Nov 17:00-19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("7 Nov 17:00 - 19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("7 Nov 10:00-12:00", "2026-11-07 10:00", "2026-11-07 12:00", "minute"),  # was 8 Nov 06:00, silently
        ("7 Nov 5pm-7pm", "2026-11-07 17:00", "2026-11-07 19:00", "hour"),
        ("7 Nov 5 pm - 7 pm", "2026-11-07 17:00", "2026-11-07 19:00", "hour"),
        ("7 Nov 10am-1pm", "2026-11-07 10:00", "2026-11-07 13:00", "hour"),
        ("7 Nov 11:30am-12:15pm", "2026-11-07 11:30", "2026-11-07 12:15", "minute"),
        ("7 Nov 9am-11am", "2026-11-07 09:00", "2026-11-07 11:00", "hour"),
        ("2026-11-07 17:00-19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("2026-11-07 5pm-7pm", "2026-11-07 17:00", "2026-11-07 19:00", "hour"),
        ("17:00-19:00", "2026-12-07 17:00", "2026-12-07 19:00", "minute"),
        ("5pm-7pm", "2026-12-07 17:00", "2026-12-07 19:00", "hour"),
        ("7NOV 17:00-19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("7 November 17:00-19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("7 Nov 2026 17:00-19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("Nov 7 17:00-19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("Nov 7, 2026 17:00-19:00", "2026-11-07 17:00", "2026-11-07 19:00", "minute"),
        ("3/11/2026 10:00-12:00", "2026-11-03 10:00", "2026-11-03 12:00", "minute"),  # was 4 Nov 06:00
        # as before: a day/month with a range
        ("11/3 14点-16点", "2026-03-11 14:00", "2026-03-11 16:00", "hour"),
        ("3/11 下午2點-4點", "2026-11-03 14:00", "2026-11-03 16:00", "hour"),
        # an English date alone, or with one time, as before
        ("7 Nov", "2026-11-07 00:00", None, "day"),
        ("7 Nov 17:00", "2026-11-07 17:00", None, "minute"),
        ("7 Nov 5:30 pm", "2026-11-07 17:30", None, "minute"),
    ],
)
def test_a_range_after_a_date_is_a_range(text: str, start: str, end: str | None, precision: str) -> None:
    window = parse_time_window(text, HK, ref=REF)
    assert (window.start, window.end, window.precision) == (
        _t(start),
        None if end is None else _t(end),
        precision,
    )


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2026-11-07 17:00+08:00", "2026-11-07 17:00"),
        ("7 Nov 17:00 +08:00", "2026-11-07 17:00"),
        ("2026-11-07 17:00 UTC+8", "2026-11-07 17:00"),  # was 2026-11-08 09:00 (read as UTC-8)
        ("7 Nov 17:00 UTC+8", "2026-11-07 17:00"),
        ("7 Nov 17:00 GMT+8", "2026-11-07 17:00"),
        ("7 Nov 17:00 UTC+08:00", "2026-11-07 17:00"),
        ("7 Nov 17:00 UTC", "2026-11-08 01:00"),
        ("7 Nov 04:00 UTC-5", "2026-11-07 17:00"),  # a negative offset after its word
        ("7 Nov 17:00 UTC+5:30", "2026-11-07 19:30"),
    ],
)
def test_an_offset_after_a_time_is_still_an_offset(text: str, start: str) -> None:
    window = parse_time_window(text, HK, ref=REF)
    assert (window.start, window.end) == (_t(start), None)


@pytest.mark.parametrize(
    ("text", "start"),
    [("2026-11-07 17:00 UTC+8", "2026-11-07 17:00"), ("2026-11-07 17:00 GMT-5", "2026-11-08 06:00")],
)
def test_parse_time_reads_utc_plus_the_way_people_write_it(text: str, start: str) -> None:
    # dateutil reads "UTC+8" as POSIX TZ does (8 hours behind UTC); resolve_tz("UTC+8") is +08:00, and so is this
    assert parse_time(text, HK).ts == _t(start)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "Sat 7 Nov 10:00-12:00",
            "a range",
        ),  # a date form the clerk's grammar does not read: never an offset
        ("7 Nov 10:00-12:00 +08:00", "a range"),
        ("7 Nov 5-7pm", "am/pm"),  # which end does pm belong to? 5-7pm, or 11-1pm
        ("7 Nov 19:00-17:00", "ends before it starts"),
        ("7 Nov 2026 17:00 UTC+19", "out of range"),
        ("31 Nov 17:00-19:00", "not a valid date"),
    ],
)
def test_what_could_be_a_range_or_an_offset_is_refused_naming_the_text(text: str, words: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time_window(text, HK, ref=REF)
    assert info.value.value == text
    assert words in info.value.reason


def test_the_counter_reads_the_range_into_the_proofs_window() -> None:
    # rk.find(..., time=...) builds its proof with rk.proof: the window must be the range typed
    frame = rk.proof(amount="128.50", time="7 Nov 17:00-19:00", tz=HK, ref=REF)
    assert frame.ts[0] == _t("2026-11-07 17:00")
    assert frame.ts_end[0] == _t("2026-11-07 19:00")
    with pytest.raises(ProofError) as info:
        rk.proof(amount="128.50", time="Sat 7 Nov 10:00-12:00", tz=HK, ref=REF)
    assert info.value.column == "time"
