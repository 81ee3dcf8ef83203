"""Dates and times as real exports write them, read into timezone-aware values.

Every parsed time remembers how precise it was: ``second``, ``minute`` or
``day``. A proof "14:32" is minute precision and must not be treated as
14:32:00 exactly.

>>> t = parse_time("2026年11月20日 14:32", tz="Asia/Shanghai")
>>> t.ts.isoformat(), t.precision
('2026-11-20T14:32:00+08:00', 'minute')
>>> parse_time("11月20日", tz="Asia/Shanghai", ref="2027-01-05").ts.year
2026
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from dateutil import parser as dateutil_parser

from receiptkit.errors import TimeParseError

__all__ = [
    "PRECISIONS",
    "ParsedTime",
    "parse_time",
    "parse_time_series",
    "resolve_tz",
]

PRECISIONS = ("second", "minute", "day")

TzLike = str | dt.tzinfo | None


class ParsedTime(NamedTuple):
    """A timezone-aware timestamp and the precision it was given with."""

    ts: pd.Timestamp
    precision: str


def resolve_tz(tz: TzLike) -> dt.tzinfo | None:
    """Turn a zone name (``"Asia/Shanghai"``, ``"UTC"``, ``"+08:00"``) into a tzinfo."""
    if tz is None or isinstance(tz, dt.tzinfo):
        return tz
    text = str(tz).strip()
    offset = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?", text)
    if offset:
        sign = 1 if offset.group(1) == "+" else -1
        delta = dt.timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        return dt.timezone(sign * delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeParseError("unknown time zone", value=tz) from exc


_CN_RE = re.compile(
    r"^(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:点时]\s*(?P<M>\d{1,2})\s*分?(?:\s*[:]?\s*(?P<S>\d{1,2})\s*秒?)?)?$"
)
_COMPACT_RE = re.compile(
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:[\sT]*(?P<H>\d{2}):?(?P<M>\d{2})(?::?(?P<S>\d{2}))?)?$"
)
_ISO_RE = re.compile(
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[\sT]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?)?"
    r"\s*(?P<z>Z|[+-]\d{2}:?\d{2})?$"
)
_MD_RE = re.compile(
    r"^(?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


# Card and wallet payments outside these years are typing or parsing mistakes.
_YEARS = (1970, 2199)
# Real zones lie within -12:00..+14:00; ±18:00 is the widest offset accepted
# (as java.time does). Python refuses ±24:00 and beyond with a bare ValueError.
_MAX_OFFSET_MINUTES = 18 * 60


def _clean(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", cleaned.replace("\t", " ")).strip()


def _from_parts(parts: dict[str, str | None], ref: dt.date | None) -> tuple[dt.datetime, str, bool]:
    year = parts.get("y")
    month, day = int(parts["m"]), int(parts["d"])  # type: ignore[arg-type]
    hour = parts.get("H")
    minute = parts.get("M")
    second = parts.get("S")
    frac = parts.get("f")
    if hour is None:
        precision = "day"
    elif second is None:
        precision = "minute"
    else:
        precision = "second"
    micro = int(frac[1:].ljust(6, "0")[:6]) if frac else 0
    value = dt.datetime(
        int(year) if year else (ref.year if ref else 2000),
        month,
        day,
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
    )
    if not year and ref is None:
        raise TimeParseError("date has no year and no reference date was given")
    return value, precision, not year


def _zone_of(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return dt.UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes >= 60 or hours * 60 + minutes > _MAX_OFFSET_MINUTES:
        raise TimeParseError("time zone offset out of range (at most ±18:00)", value=text)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _as_date(ref: object) -> dt.date | None:
    if ref is None:
        return None
    if isinstance(ref, dt.datetime):
        return ref.date()
    if isinstance(ref, dt.date):
        return ref
    return pd.Timestamp(ref).date()


def parse_time(
    text: object,
    tz: TzLike = None,
    *,
    ref: object = None,
    dayfirst: bool = False,
    fmt: str | None = None,
) -> ParsedTime:
    """Parse one date or time and return it timezone-aware with its precision.

    - ``tz``: the zone of times written without one; times with an offset are
      converted to it. A naive time with no ``tz`` is an error.
    - ``ref``: reference date for texts without a year (``"11月20日 14:32"``,
      ``"11/20"``); the year is chosen so the result is not after ``ref``.
    - ``dayfirst``: read ``"03/04/2026"`` as 3 April (European exports).
    - ``fmt``: an explicit ``strptime`` format, tried first.

    Raises :class:`~receiptkit.errors.TimeParseError` when the text is not a time.
    """
    zone = resolve_tz(tz)
    ref_date = _as_date(ref)
    if isinstance(text, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(text)
        precision = "second"
        return ParsedTime(_localise(stamp, zone, text), precision)
    if isinstance(text, dt.date):
        return ParsedTime(_localise(pd.Timestamp(text), zone, text), "day")
    if text is None or (isinstance(text, float) and text != text):
        raise TimeParseError("empty time", value=text)
    raw = str(text)
    cleaned = _clean(raw)
    if not cleaned:
        raise TimeParseError("empty time", value=text)

    value: dt.datetime | None = None
    precision = "second"
    zone_in_text: dt.tzinfo | None = None
    no_year = False
    if fmt:
        try:
            value = dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            value = None
        else:
            has_time = any(code in fmt for code in ("%H", "%I"))
            has_sec = "%S" in fmt
            precision = "second" if has_sec else ("minute" if has_time else "day")
            if value.tzinfo is not None:
                zone_in_text = value.tzinfo
                value = value.replace(tzinfo=None)
    if value is None:
        for pattern in (_ISO_RE, _COMPACT_RE, _CN_RE, _MD_RE):
            match = pattern.match(cleaned)
            if match:
                try:
                    value, precision, no_year = _from_parts(match.groupdict(), ref_date)
                except ValueError as exc:
                    raise TimeParseError(f"not a valid date ({exc})", value=text) from None
                zone_in_text = _zone_of(match.groupdict().get("z"))
                break
    if value is None:
        value, precision, zone_in_text, no_year = _dateutil(cleaned, dayfirst, text)
        if no_year:
            if ref_date is None:
                raise TimeParseError("date has no year and no reference date was given", value=text)
            try:
                value = value.replace(year=ref_date.year)
            except ValueError as exc:  # 29 February
                raise TimeParseError("date does not exist in the reference year", value=text) from exc

    if no_year and ref_date is not None and value.date() > ref_date:
        try:
            value = value.replace(year=value.year - 1)
        except ValueError as exc:  # 29 February
            raise TimeParseError("date does not exist in the year before", value=text) from exc
    if not _YEARS[0] <= value.year <= _YEARS[1]:
        raise TimeParseError(f"year {value.year} is outside {_YEARS[0]}-{_YEARS[1]}", value=text)
    try:
        stamp = pd.Timestamp(value)
        if zone_in_text is not None:
            stamp = stamp.tz_localize(zone_in_text)
    except (ValueError, OverflowError) as exc:
        raise TimeParseError(f"not a valid time ({exc})", value=text) from None
    return ParsedTime(_localise(stamp, zone, text), precision)


def _dateutil(
    cleaned: str, dayfirst: bool, original: object
) -> tuple[dt.datetime, str, dt.tzinfo | None, bool]:
    if not re.search(r"\d", cleaned):
        raise TimeParseError("not a date or time", value=original)
    # Parse twice with defaults that differ in every time field: a field that
    # comes out the same both times was in the text, so the precision follows
    # from what was written ("143025" is to the second), not from its layout.
    parsed = []
    for default in (dt.datetime(2000, 1, 1, 0, 0, 0), dt.datetime(2004, 1, 1, 1, 1, 1)):
        try:
            value, tokens = dateutil_parser.parse(
                cleaned, dayfirst=dayfirst, fuzzy_with_tokens=True, default=default
            )
        except (ValueError, OverflowError) as exc:
            raise TimeParseError("not a date or time", value=original) from exc
        parsed.append(value)
    leftover = "".join(tokens).strip(" ,.")
    if leftover and re.search(r"[0-9A-Za-z]", leftover) and leftover.lower() not in ("at", "on"):
        raise TimeParseError("not a date or time", value=original)
    first, second = parsed
    if first.hour != second.hour:
        precision = "day"
    elif first.second != second.second:
        precision = "minute"
    else:
        precision = "second"
    zone = first.tzinfo
    if zone is not None:
        offset = zone.utcoffset(first.replace(tzinfo=None))
        if offset is None or abs(offset) > dt.timedelta(minutes=_MAX_OFFSET_MINUTES):
            raise TimeParseError("time zone offset out of range (at most ±18:00)", value=original)
    return first.replace(tzinfo=None), precision, zone, first.year != second.year


def _localise(stamp: pd.Timestamp, zone: dt.tzinfo | None, original: object) -> pd.Timestamp:
    if stamp.tzinfo is None:
        if zone is None:
            raise TimeParseError("time has no zone and no tz was given", value=original)
        try:
            return stamp.tz_localize(zone, ambiguous="raise", nonexistent="raise")
        except (ValueError, Exception) as exc:  # pytz-style AmbiguousTimeError etc.
            raise TimeParseError(f"time does not exist or is ambiguous in {zone}", value=original) from exc
    if zone is not None:
        return stamp.tz_convert(zone)
    return stamp


def parse_time_series(
    values: pd.Series,
    tz: TzLike,
    *,
    fmt: str | None = None,
    dayfirst: bool = False,
    ref: object = None,
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of times; return (timestamps, precisions).

    Uses one vectorised pandas pass when a format is known or the column is
    ISO-like, and falls back to :func:`parse_time` value by value for the rest.
    A value that cannot be read raises :class:`TimeParseError` whose ``row``
    is the Series' index label of that value (callers give the index meaning).
    """
    zone = resolve_tz(tz)
    stamps: list[pd.Timestamp] = []
    precisions: list[str] = []
    if len(values) == 0:
        empty = pd.Series(pd.DatetimeIndex([], tz=zone or dt.UTC), index=values.index)
        return empty, pd.Series([], index=values.index, dtype="string")
    fast = _fast_parse(values, zone, fmt)
    if fast is not None:
        return fast
    for label, value in values.items():
        try:
            parsed = parse_time(value, zone, ref=ref, dayfirst=dayfirst, fmt=fmt)
        except TimeParseError as exc:
            raise TimeParseError(exc.reason, row=label, value=value) from None
        stamps.append(parsed.ts)
        precisions.append(parsed.precision)
    target = zone or stamps[0].tzinfo
    series = pd.Series(pd.DatetimeIndex([s.tz_convert(target) for s in stamps]), index=values.index)
    return series, pd.Series(precisions, index=values.index, dtype="string")


_FAST_FORMATS = {
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$": ("%Y-%m-%d %H:%M:%S", "second"),
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$": ("%Y-%m-%dT%H:%M:%S", "second"),
    r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$": ("%Y/%m/%d %H:%M:%S", "second"),
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$": ("%Y-%m-%d %H:%M", "minute"),
    r"^\d{4}-\d{2}-\d{2}$": ("%Y-%m-%d", "day"),
}


def _fast_parse(
    values: pd.Series, zone: dt.tzinfo | None, fmt: str | None
) -> tuple[pd.Series, pd.Series] | None:
    """Vectorised path for large uniform columns; None when it does not apply."""
    if zone is None or len(values) < 64:
        return None
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        series = values
        if series.dt.tz is None:
            try:
                series = series.dt.tz_localize(zone, ambiguous="raise", nonexistent="raise")
            except Exception:
                return None
        else:
            series = series.dt.tz_convert(zone)
        if series.isna().any():
            return None
        return series, pd.Series("second", index=values.index, dtype="string")
    text = values.astype("string").str.strip()
    first = text.iloc[0]
    if first is pd.NA:
        return None
    chosen = None
    if fmt is None:
        for pattern, (candidate, precision) in _FAST_FORMATS.items():
            if re.match(pattern, str(first)):
                chosen = (candidate, precision)
                break
    if chosen is None:
        return None
    parsed = pd.to_datetime(text, format=chosen[0], errors="coerce")
    if parsed.isna().any():
        return None  # let the slow path name the bad row
    years = parsed.dt.year
    if ((years < _YEARS[0]) | (years > _YEARS[1])).any():
        return None
    try:
        localised = parsed.dt.tz_localize(zone, ambiguous="raise", nonexistent="raise")
    except Exception:
        return None
    return localised, pd.Series(chosen[1], index=values.index, dtype="string")
