"""Dates and times as real exports write them, read into timezone-aware values.

Every parsed time remembers how precise it was: ``second``, ``minute``, ``hour`` or
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
import warnings
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from dateutil import parser as dateutil_parser

from receiptkit.errors import ReceiptkitError, TimeParseError

__all__ = [
    "ABOUT_MARGIN_S",
    "PERIODS",
    "PRECISIONS",
    "ParsedTime",
    "TimeWindow",
    "parse_time",
    "parse_time_series",
    "parse_time_window",
    "parse_typed_time",
    "resolve_tz",
    "zone_dayfirst",
    "zone_label",
    "zone_option",
]

PRECISIONS = ("second", "minute", "hour", "day")

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
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if minutes >= 60 or hours * 60 + minutes > _MAX_OFFSET_MINUTES:
            raise TimeParseError("time zone offset out of range (at most ±18:00)", value=tz)
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # OSError: a name that is a folder of the zone database ("Europe", "America/Argentina")
        raise TimeParseError("unknown time zone", value=tz) from exc


def zone_text(tz: str | dt.tzinfo) -> str:
    """The zone ``tz`` names, as text every reader and pandas take: its IANA name, or its offset ``+08:00``.

    ``"+8"``, ``"UTC+8"``, ``"GMT+8"`` and ``"+08:00"`` give ``"+08:00"`` (8 hours ahead: the sign as
    written, as :func:`resolve_tz` reads it; pandas and ``ZoneInfo`` cannot read the first three);
    ``"Asia/Shanghai"`` gives itself. Raises :class:`TimeParseError` for anything else.
    """
    zone = resolve_tz(tz)
    if isinstance(zone, dt.timezone):
        offset = zone.utcoffset(None)
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    key = _zone_key(zone)
    return key if key is not None else str(tz).strip()


def zone_option(
    tz: str | dt.tzinfo | None,
    *,
    option: str = "tz",
    error: type[ReceiptkitError] = TimeParseError,
    **where: Any,
) -> str | None:
    """A zone option (``tz=`` of every reader and validator, ``--tz`` of every command) as they all read it.

    :func:`zone_text` of ``tz``: ``"UTC+8"``, ``"GMT+8"``, ``"+8"`` give ``"+08:00"`` (the sign as written,
    never the POSIX reading), an IANA name gives itself; None stays None (the source's own zone). Anything
    else (``"Asia/Shanghaii"``, ``""``, ``"UTC+25"``) raises ``error`` (default :class:`TimeParseError`)
    saying ``tz='...' is not a time zone`` (``--tz '...'`` for a command's option), why, and what to write
    instead; ``where`` (``file=``, ``column=``) goes to the error.

    >>> zone_option("UTC+8"), zone_option("GMT-5"), zone_option("Asia/Shanghai"), zone_option(None)
    ('+08:00', '-05:00', 'Asia/Shanghai', None)
    """
    if tz is None:
        return None
    try:
        return zone_text(tz)
    except TimeParseError as exc:
        named = f"{option} {tz!r}" if option.startswith("-") else f"{option}={tz!r}"
        raise error(f"{named} is not a time zone ({exc.reason}): {zone_advice(tz)}", **where) from None


def zone_advice(tz: object) -> str:
    """What to write instead of an unknown zone: the IANA name ending in it (``Hong_Kong``), else examples."""
    text = str(tz).strip().replace(" ", "_").lower()
    if text:
        from zoneinfo import available_timezones

        near = sorted(k for k in available_timezones() if k.lower().endswith("/" + text))
        if near:
            return f"use the IANA name {near[0]}"
    return "use an IANA name such as Asia/Shanghai or Asia/Hong_Kong, or an offset such as +08:00 or UTC+8"


class _Convention(NamedTuple):
    """How a territory writes a numeric date, from CLDR: day first or not, its likely locale and pattern."""

    dayfirst: bool
    locale: str
    pattern: str


def _zone_key(zone: dt.tzinfo | None) -> str | None:
    """The IANA name of a zone (``ZoneInfo.key``; pytz's ``zone``), or None (a fixed offset, None)."""
    if zone is None or isinstance(zone, dt.timezone):
        return None
    key = getattr(zone, "key", None) or getattr(zone, "zone", None)
    return key if isinstance(key, str) else None


@lru_cache(maxsize=512)
def _zone_convention(key: str | None) -> _Convention | None:
    """CLDR's numeric date order for the territory of the zone named ``key``; None when it has no territory.

    Zone -> territory (CLDR's zone territories, after its zone aliases: ``PRC`` is ``Asia/Shanghai``),
    territory -> its likely locale (``und_HK`` -> ``zh_Hant_HK``), then the order of ``d`` and ``M``
    in that locale's short date pattern (``d/M/y``: day first), or its medium one; none when its
    year-less numeric pattern (skeleton ``Md``) says the other order (sv_SE, en_CA: ``y-MM-dd`` but
    ``d/M``). ``Etc/UTC`` and ``Etc/GMT-8`` are territory ``ZZ`` (unknown) in CLDR: no territory, so no order.
    """
    if not key:
        return None
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    key = get_global("zone_aliases").get(key, key)
    territory = get_global("zone_territories").get(key)
    if territory is None or territory in ("ZZ", "001"):  # unknown region, the world
        return None
    try:
        locale = Locale.parse(f"und_{territory}")
    except (UnknownLocaleError, ValueError):
        return None
    for width in ("short", "medium"):
        pattern = locale.date_formats[width].pattern
        dayfirst = _pattern_dayfirst(pattern)
        if dayfirst is not None:
            break
    else:
        return None
    # a full date written year first (sv_SE, en_CA: y-MM-dd) says nothing of a day and month alone: CLDR's
    # year-less numeric pattern (skeleton Md) is d/M there; where the two disagree there is no order in force
    day_month = locale.datetime_skeletons.get("Md")
    if day_month is not None and _pattern_dayfirst(str(day_month.pattern)) not in (None, dayfirst):
        return None
    return _Convention(dayfirst, str(locale), pattern)


def _pattern_dayfirst(pattern: str) -> bool | None:
    """Whether ``d`` comes before ``M`` in a CLDR date pattern; None when it lacks either."""
    fields = re.sub(r"'[^']*'", "", pattern)  # quoted literals ("d 'de' MMM") are not fields
    day, month = fields.find("d"), fields.find("M")
    return day < month if day >= 0 and month >= 0 else None


def zone_dayfirst(tz: TzLike) -> bool | None:
    """Whether a numeric date is written day first (``3/11``: 3 November) where the zone ``tz`` is.

    Taken from CLDR (through Babel): the zone's territory, that territory's
    likely locale, and the order of day and month in its short date pattern.
    ``Asia/Hong_Kong`` (zh_Hant_HK, ``d/M/y``), ``Asia/Macau``,
    ``Asia/Singapore``, ``Europe/London``: True; ``Asia/Shanghai``
    (zh_Hans_CN, ``y/M/d``), ``Asia/Taipei``, ``America/New_York``: False.
    None for a zone without a territory (``UTC``, ``Etc/GMT-8``, a fixed
    offset such as ``"+08:00"``, None) and for one whose CLDR data disagree
    (``Europe/Stockholm``, ``America/Toronto``: full dates ``y-MM-dd``, a day
    and month alone ``d/M``): there a date read both ways is refused.

    >>> zone_dayfirst("Asia/Hong_Kong"), zone_dayfirst("Asia/Shanghai"), zone_dayfirst("UTC")
    (True, False, None)
    """
    convention = _zone_convention(_zone_key(resolve_tz(tz)))
    return None if convention is None else convention.dayfirst


@lru_cache(maxsize=256)
def currency_places(code: str) -> tuple[tuple[str, str], ...]:
    """The territories whose legal tender ``code`` is today, each with its first zone (CLDR, through Babel):
    ``HKD`` -> ``(("HK", "Asia/Hong_Kong"),)``; ``USD`` -> many."""
    from babel.core import get_global

    places = []
    zones = get_global("territory_zones")
    for territory, currencies in get_global("territory_currencies").items():
        if any(c == code and end is None and tender for c, _, end, tender in currencies):
            first = (zones.get(territory) or [""])[0]
            places.append((territory, first))
    return tuple(sorted(places))


@lru_cache(maxsize=256)
def currency_dayfirst(code: object) -> bool | None:
    """Whether a numeric date is written day first where the currency ``code`` is used (:func:`zone_dayfirst`
    of each territory using it): ``HKD`` True (Hong Kong), ``CNY`` False (mainland China), None where its
    territories disagree or have no order (``USD``: the United States and Ecuador) or it is unknown."""
    orders = set()
    for _, zone in currency_places(str(code).upper()):
        convention = _zone_convention(zone or None)
        orders.add(None if convention is None else convention.dayfirst)
    return orders.pop() if len(orders) == 1 else None


class _Order(NamedTuple):
    """The day/month order in force for a numeric date (None: none) and where it came from, for errors."""

    dayfirst: bool | None
    source: str


def _date_order(zone: dt.tzinfo | None, dayfirst: bool | None) -> _Order:
    if dayfirst is not None:
        return _Order(dayfirst, f"dayfirst={dayfirst} ({'day' if dayfirst else 'month'} first)")
    key = _zone_key(zone)
    convention = _zone_convention(key)
    name = key or (str(zone) if zone is not None else "no zone")
    if convention is None:
        return _Order(None, f"{name} has no territory to take a day/month order from")
    first = "day" if convention.dayfirst else "month"
    return _Order(
        convention.dayfirst, f"{name} writes {first} first (CLDR {convention.locale}: {convention.pattern})"
    )


def _day_month(first: int, second: int, sep: str, order: _Order, original: object) -> tuple[int, int]:
    """(month, day) of a numeric date written ``first{sep}second``, in the order in force.

    Refused (never read the other way round): a date that reads both ways (both 1-12 and
    different: ``3/11``) where no order is in force, and one that is possible only in the other
    order than the one in force (``24/1`` month first). One that reads one way only is read so
    where no order is in force (``24/1``, ``1/24``, ``5/5``).
    """
    as_month_first, as_day_first = 1 <= first <= 12, 1 <= second <= 12
    written = f"{first}{sep}{second}"
    if order.dayfirst is None:
        if as_month_first and as_day_first and first != second:
            raise TimeParseError(
                f"{written} could be {second}月{first}日 (day first) or {first}月{second}日 (month first), and "
                f"{order.source}: write {second}月{first}日 or {first}月{second}日 (or the year first, "
                "YYYY-MM-DD), or give the order: dayfirst=True or False",
                value=original,
            )
        dayfirst = as_day_first and not as_month_first
    else:
        dayfirst = order.dayfirst
        fits, other = (as_day_first, as_month_first) if dayfirst else (as_month_first, as_day_first)
        if other and not fits:
            month, day = (first, second) if dayfirst else (second, first)
            raise TimeParseError(
                f"{written} is not a {'day/month' if dayfirst else 'month/day'} date, and {order.source}: "
                f"never read the other way round; write {month}月{day}日, or give dayfirst={not dayfirst} "
                f"if it was written {'month' if dayfirst else 'day'} first",
                value=original,
            )
    return (second, first) if dayfirst else (first, second)


# a numeric day and month anywhere in a typed text, a year perhaps: "3/11 14:32", "14:32 3/11", "Tue 3.11.2026",
# "3 11 14:32"; not a clock ("14:32") nor the tail of a year-first date ("2026-3-11"; "2026 3 11": see _YEAR_BEFORE)
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.:-])(\d{1,2})(?:\s*([/.-])\s*|\s+)(\d{1,2})(?:(?(2)\s*\2\s*|\s+)(\d{2,4}))?(?![\d:]|\s*[/.-]\s*\d)"
)
_YEAR_BEFORE = re.compile(r"\d{4}\s*$")
# a date written year first is year/month/day in every order (dateutil's dayfirst reads 2026/3/11 as 3 November)
_YEAR_FIRST = re.compile(r"(?<!\d)\d{4}\s*([/.-]|\s)\s*\d{1,2}\s*\1\s*\d{1,2}(?!\d)")


# a numeric date whose year is not written in full: "26/3/11", "11/3/26", "26/11/3", "3 11 26", "260311"
_SHORT_YEAR_DATE = re.compile(
    r"(?<![\d/.:+-])(?:"
    r"(?P<a>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<c>\d{1,2})(?!\d|:|\s*[/.-]\s*\d)"
    r"|(?P<sa>\d{1,2}) +(?P<sb>\d{1,2}) +(?P<sc>\d{2})(?![\d:])"
    r"|(?P<ca>\d{2})(?P<cb>\d{2})(?P<cc>\d{2})(?![\d:])"
    r")"
)
_SHORT_YEAR_ORDERS = (("year first", (0, 1, 2)), ("day first", (2, 1, 0)), ("month first", (2, 0, 1)))


def _check_short_year(text: str, original: object) -> None:
    """Refuse a numeric date whose year has one or two digits, unless only one reading of it is a date.

    ``26/3/11`` is 2026-03-11 written year first, as mainland dates are (CLDR zh_Hans_CN ``y/M/d``), and
    26 March 2011 written day first, as Hong Kong writes them; ``261120`` is 2026-11-20 or 26 November
    2020. Such a date is never read one way silently: the refusal names the readings and asks for the year
    in full. A date with separators and a two-digit year last that is a real date one way only
    (``11/13/26``: 2026-11-13) is left to be read in the order in force (which may still refuse it).
    """
    for found in _SHORT_YEAR_DATE.finditer(text):
        groups = found.groupdict()
        for prefix in ("", "s", "c"):
            if groups[f"{prefix}a"] is not None:
                parts = [groups[f"{prefix}{name}"] for name in "abc"]
                break
        readings: dict[dt.date, list[str]] = {}
        for name, (y, m, d) in _SHORT_YEAR_ORDERS:
            try:
                day = dt.date(2000 + int(parts[y]), int(parts[m]), int(parts[d]))
            except ValueError:
                continue
            readings.setdefault(day, []).append(name)
        written = found.group(0)
        year_last = len(parts[2]) == 2 and groups["ca"] is None
        if year_last and len(readings) == 1 and "year first" not in next(iter(readings.values())):
            continue  # one reading only, year last: read in the order in force
        if not readings:
            raise TimeParseError(
                f"{written} is not a date in any order, and its year is not written in full: write the year "
                "in full (YYYY-MM-DD)",
                value=original,
            )
        said = ", ".join(f"{day:%Y-%m-%d} ({' or '.join(names)})" for day, names in sorted(readings.items()))
        raise TimeParseError(
            f"{written} does not write its year in full: it could be {said}; write the year in full "
            "(YYYY-MM-DD)",
            value=original,
        )


def _own_day(text: object, ref: object, dayfirst: bool) -> tuple[int, int] | None:
    """(month, day) of a text with its own offset, before it is converted to a zone ("3/11 23:30 +00:00")."""
    try:
        stamp = parse_time(text, None, ref=ref, dayfirst=dayfirst).ts
    except TimeParseError:
        return None
    return stamp.month, stamp.day


def _parse_typed(text: object, zone: dt.tzinfo | None, ref: object, order: _Order) -> ParsedTime:
    """:func:`parse_time` of a typed text, its numeric day/month in ``order`` (see :func:`_day_month`).

    The day/month is looked for anywhere in the text ("14:32 3/11", "Tue 3/11/2026", "3 11 14:32"), and
    what parse_time reads must be that day: dateutil takes ``dayfirst`` as a preference only (it reads
    "14:32 1/24" day first as 24 January). A text with no day/month of its own is read in both orders, and
    refused where they differ and no date is written year first.
    """
    if not isinstance(text, str):
        return parse_time(text, zone, ref=ref)
    cleaned = _clean(text)
    _check_short_year(cleaned, text)
    found: list[tuple[int, int]] = []
    dotted: tuple[str, int, int] | None = None  # a year-less "1.28"
    read_dayfirst: bool | None = None
    for numeric in _NUMERIC_DATE.finditer(cleaned):
        if _YEAR_BEFORE.search(cleaned, 0, numeric.start()):
            continue  # "2026 3 11": year first
        first, second = int(numeric.group(1)), int(numeric.group(3))
        written = numeric.group(0)
        if not (1 <= first <= 12 or 1 <= second <= 12) or max(first, second) > 31 or min(first, second) < 1:
            hint = " (a time is written with a colon: 14:32)" if numeric.group(2) == "." else ""
            raise TimeParseError(f"{written} is not a day and month in either order{hint}", value=text)
        month, day = _day_month(first, second, numeric.group(2) or " ", order, text)
        found.append((month, day))
        if numeric.group(2) == "." and numeric.group(4) is None:
            dotted = (written, month, day)
        if first != second:
            read_dayfirst = month != first
    if found:
        dayfirst = bool(read_dayfirst)
        try:
            parsed = parse_time(text, zone, ref=ref, dayfirst=dayfirst)
        except TimeParseError:
            if dotted is None:
                raise
            # "1.28" (field guide 5: staff logs) is no date to dateutil, and could be a time (1:28)
            written, month, day = dotted
            if _YEAR_FIRST.search(cleaned):
                # "2026-11-18 8.11": the date is written, so the dot is the time's (not a second date)
                hour, minute = (int(part) for part in written.split("."))
                raise TimeParseError(
                    f"{written} after the date is not read as a time: a time is written with a colon: "
                    f"{hour}:{minute:02d}",
                    value=text,
                ) from None
            raise TimeParseError(
                f"{written} is not read as a date (a dot could also be a time); write {month}月{day}日 "
                "(or the year first, YYYY-MM-DD)",
                value=text,
            ) from None
        if (parsed.ts.month, parsed.ts.day) not in found and _own_day(text, ref, dayfirst) not in found:
            raise TimeParseError(
                f"read as {parsed.ts:%Y-%m-%d}, not the day and month written ({found[0][1]}/{found[0][0]} day "
                "first): write the date year first (YYYY-MM-DD)",
                value=text,
            )
        return parsed
    parsed = parse_time(text, zone, ref=ref, dayfirst=False)
    if not _YEAR_FIRST.search(cleaned):
        try:
            other = parse_time(text, zone, ref=ref, dayfirst=True)
        except TimeParseError:
            other = parsed
        if other.ts.date() != parsed.ts.date():
            raise TimeParseError(
                f"could be {other.ts:%Y-%m-%d} (day first) or {parsed.ts:%Y-%m-%d} (month first): write the "
                "date year first (YYYY-MM-DD) or with 月/日",
                value=text,
            )
    return parsed


def parse_typed_time(
    text: object, tz: TzLike = None, *, ref: object = None, dayfirst: bool | None = None
) -> ParsedTime:
    """:func:`parse_time` for a time a person typed, its numeric day/month read the right way round.

    ``"3/11/2026 14:00"`` is read in the order ``dayfirst`` gives, by default in
    the order ``tz``'s territory writes dates (:func:`zone_dayfirst`):
    3 November in ``Asia/Hong_Kong``, 11 March in ``Asia/Shanghai``. Refused
    (:class:`~receiptkit.errors.TimeParseError` naming the text), never read
    the other way round: a date possible only in the other order, and, where
    ``tz`` has no territory (``UTC``, ``"+08:00"``, None), a date read both
    ways. For exports, whose layout declares its order, use :func:`parse_time`.

    >>> str(parse_typed_time("3/11/2026 14:00", "Asia/Hong_Kong").ts)
    '2026-11-03 14:00:00+08:00'
    """
    zone = resolve_tz(tz)
    return _parse_typed(text, zone, ref, _date_order(zone, dayfirst))


# a day is ended by 日/号 or by what is not a digit: "11月112:05" (1日 12:05 or 11日 2:05) is not read
_CN_RE = re.compile(
    r"^(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})(?:\s*[日号]|(?!\d))"
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


# "UTC+8", "GMT+08:00", "UTC-5": dateutil reads them as POSIX TZ strings do, the sign reversed ("UTC+8" is 8 hours
# behind UTC: 16 hours off for Hong Kong); people, Java and resolve_tz("UTC+8") mean +08:00
_ZONE_WORD_OFFSET = re.compile(r"(?<![A-Za-z])(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?(?![\d:])", re.I)


def _offset_text(found: re.Match[str], original: object) -> str:
    """``+08:00`` for ``UTC+8`` (the offset as written, not reversed); refused beyond ±18:00."""
    hours, minutes = int(found.group(2)), int(found.group(3) or 0)
    if minutes >= 60 or hours * 60 + minutes > _MAX_OFFSET_MINUTES:
        raise TimeParseError("time zone offset out of range (at most ±18:00)", value=original)
    return f"{found.group(1)}{hours:02d}:{minutes:02d}"


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
    - ``dayfirst``: read ``"03/04/2026"`` as 3 April (European exports) and a
      year-less ``"3/11"`` as 3 November; a numeric date possible only in the
      other order (``"01/13/2025"`` day first, ``"24/1"`` month first) is refused,
      never read the other way round.
    - ``fmt``: an explicit ``strptime`` format, tried first.

    Raises :class:`~receiptkit.errors.TimeParseError` when the text is not a time,
    and for a zone name it does not know (``"14:32 CST"``: China or US Central?),
    which would otherwise be dropped and the time taken to be in ``tz``.
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
    if fmt and value is None:
        # the layout declares its order: a date impossible in it ("01/13/2025" for %d/%m/%Y) is
        # refused, never read in another order; year-first forms (ISO, 2025年…) stay readable
        dayfirst = _fmt_dayfirst(fmt, dayfirst)
    if value is None:
        for pattern in (_ISO_RE, _COMPACT_RE, _CN_RE, _MD_RE):
            match = pattern.match(cleaned)
            if match:
                parts = match.groupdict()
                if pattern is _MD_RE and dayfirst:  # a year-less "3/11" written day first: 3 November
                    parts = {**parts, "m": parts["d"], "d": parts["m"]}
                try:
                    value, precision, no_year = _from_parts(parts, ref_date)
                except ValueError as exc:
                    if pattern is _MD_RE and int(str(parts["m"])) > 12 >= int(str(parts["d"])):
                        # a date only in the other order ("24/1" month first): refused, never swapped
                        raise TimeParseError(_order_reason(fmt, dayfirst), value=text) from None
                    raise TimeParseError(f"not a valid date ({exc})", value=text) from None
                zone_in_text = _zone_of(match.groupdict().get("z"))
                break
    if value is None:
        cleaned = _ZONE_WORD_OFFSET.sub(lambda found: _offset_text(found, text), cleaned)
        # year first is year/month/day whatever the order: dateutil's dayfirst reads "2026/3/11 ..." as 3 November
        value, precision, zone_in_text, no_year = _dateutil(
            cleaned, dayfirst and not _YEAR_FIRST.search(cleaned), text
        )
        _check_order(cleaned, value, dayfirst, fmt, text)
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


_NUMERIC_DMY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2\d{2,4}\b")


def _fmt_dayfirst(fmt: str, dayfirst: bool) -> bool:
    """Whether ``fmt`` writes the day before the month (``%d/%m/%Y``); ``dayfirst`` when it names neither."""
    day, month = fmt.find("%d"), fmt.find("%m")
    if day < 0 or month < 0:
        return dayfirst
    return day < month


def _order_reason(fmt: str | None, dayfirst: bool) -> str:
    order = (
        f"{'day' if dayfirst else 'month'} first ({fmt})"
        if fmt
        else ("DD/MM/YYYY" if dayfirst else "MM/DD/YYYY")
    )
    return f"not a valid date in this layout's order, {order}: never read in another order"


def _check_order(cleaned: str, value: dt.datetime, dayfirst: bool, fmt: str | None, original: object) -> None:
    """Refuse a numeric date that dateutil read in the other order than asked.

    dateutil treats ``dayfirst`` as a preference: "01/13/2025" with ``dayfirst=True`` comes back
    as 13 January. A date impossible in the declared order is an error, never a swap.
    """
    match = _NUMERIC_DMY.match(cleaned)
    if match is None:
        return
    first, second = int(match.group(1)), int(match.group(3))
    day, month = (first, second) if dayfirst else (second, first)
    if (value.day, value.month) != (day, month):
        raise TimeParseError(_order_reason(fmt, dayfirst), value=original)


def _dateutil(
    cleaned: str, dayfirst: bool, original: object
) -> tuple[dt.datetime, str, dt.tzinfo | None, bool]:
    if not re.search(r"\d", cleaned):
        raise TimeParseError("not a date or time", value=original)
    # Parse twice with defaults that differ in every time field: a field that
    # comes out the same both times was in the text, so the precision follows
    # from what was written ("143025" is to the second), not from its layout.
    parsed = []
    for default in (dt.datetime(2000, 1, 1, 0, 0, 0), dt.datetime(2004, 3, 3, 1, 1, 1)):
        try:
            with warnings.catch_warnings():
                # a zone name dateutil does not know ("CST": China +08:00 or US Central -06:00) is dropped
                # with a warning, and the time would then be taken to be in tz: refused instead
                warnings.simplefilter("error", dateutil_parser.UnknownTimezoneWarning)
                value, tokens = dateutil_parser.parse(
                    cleaned, dayfirst=dayfirst, fuzzy_with_tokens=True, default=default
                )
        except dateutil_parser.UnknownTimezoneWarning as exc:
            name = re.search(r"tzname (\S+)", str(exc))
            raise TimeParseError(
                f"time zone name {name.group(1) if name else ''} is not understood: give an offset (+08:00) "
                "or leave the name out to use tz",
                value=original,
            ) from None
        except (ValueError, OverflowError) as exc:
            raise TimeParseError("not a date or time", value=original) from exc
        parsed.append(value)
    # every word must have been read: "下午2:32" must not become 02:32 by skipping 下午
    leftover = re.sub(r"[\s,.;/-]+", " ", "".join(tokens)).strip()
    if leftover and any(word.lower() not in ("at", "on", "of") for word in leftover.split()):
        raise TimeParseError(f"not a date or time (could not read {leftover!r})", value=original)
    first, second = parsed
    if (first.month, first.day) != (second.month, second.day):
        # "14:32" alone would silently become 1 January: a time needs its day
        raise TimeParseError("no day in the text (a time alone needs a date)", value=original)
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


# ISO 8601 with an offset (what a canonical journal or proofs file holds)
_ISO_AWARE = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})"


# whole seconds and an offset: the layout of a canonical journal, read by pyarrow
_ISO_SECONDS_AWARE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})$"


# seconds since 1970 of 1900-01-01 and 2262-01-01 UTC: inside every datetime64 unit's range
_ARROW_FIRST, _ARROW_LAST = -2_208_988_800, 9_214_646_400


def _arrow_iso_seconds(text: pd.Series) -> pd.Series | None:
    """UTC times of ISO 8601 values with whole seconds and an offset, parsed by pyarrow; None when unsure.

    pyarrow's strptime is lenient (it reads "02-30" as March 1st and second 60 as the next minute),
    so every wall time is written back and compared with its text: a value that does not come back
    exactly, an offset beyond ±18:00, or any other layout leaves the column to the pandas path.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return None
    if arr.null_count or not pc.all(pc.match_substring_regex(arr, _ISO_SECONDS_AWARE)).as_py():
        return None
    wall = pc.utf8_replace_slice(pc.utf8_slice_codeunits(arr, 0, 19), 10, 11, " ")
    parsed = pc.strptime(wall, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    if (
        parsed.null_count
        or not pc.all(pc.equal(pc.strftime(parsed, format="%Y-%m-%d %H:%M:%S"), wall)).as_py()
    ):
        return None
    suffix = pc.dictionary_encode(pc.utf8_slice_codeunits(arr, 19))
    offsets = []
    for written in suffix.dictionary.to_pylist():
        if written == "Z":
            offsets.append(0)
            continue
        hours, minutes = int(written[1:3]), int(written[4:6])
        if minutes >= 60 or hours * 60 + minutes > _MAX_OFFSET_MINUTES:
            return None  # the pandas path names the bad offset
        offsets.append((1 if written[0] == "+" else -1) * (hours * 3600 + minutes * 60))
    seconds = (
        parsed.cast(pa.int64()).to_numpy() - np.asarray(offsets, dtype=np.int64)[suffix.indices.to_numpy()]
    )
    if seconds.min() < _ARROW_FIRST or seconds.max() > _ARROW_LAST:
        return None  # far years: the pandas path refuses them by name
    # the unit pandas gives these values (ns in pandas 2, us in pandas 3), so both paths give one dtype
    unit = pd.to_datetime(text.iloc[:1], format="ISO8601", utc=True).dtype.unit
    stamps = pd.DatetimeIndex(seconds.astype("datetime64[s]").astype(f"datetime64[{unit}]")).tz_localize(
        "UTC"
    )
    return pd.Series(stamps, index=text.index)


def _fast_aware(text: pd.Series, zone: dt.tzinfo | None) -> tuple[pd.Series, pd.Series] | None:
    """Every value ISO 8601 with seconds and an offset: one vectorised pass; None otherwise."""
    fast = _arrow_iso_seconds(text)
    if fast is not None:
        years = fast.dt.year
        if ((years < _YEARS[0]) | (years > _YEARS[1])).any():
            return None
        target = zone if zone is not None else pd.Timestamp(str(text.iloc[0])).tzinfo
        return fast.dt.tz_convert(target), pd.Series("second", index=text.index, dtype="string")
    if not text.str.fullmatch(_ISO_AWARE).fillna(False).all():
        return None
    offsets = text.str.extract(r"([+-])(\d{2}):(\d{2})$")
    minutes = pd.to_numeric(offsets[1], errors="coerce") * 60 + pd.to_numeric(offsets[2], errors="coerce")
    if (
        ((pd.to_numeric(offsets[2], errors="coerce") >= 60) | (minutes > _MAX_OFFSET_MINUTES))
        .fillna(False)
        .any()
    ):
        return None  # the slow path names the bad offset
    try:
        parsed = pd.to_datetime(text, format="ISO8601", utc=True)
    except (TypeError, ValueError, OverflowError):
        return None
    years = parsed.dt.year
    if parsed.isna().any() or ((years < _YEARS[0]) | (years > _YEARS[1])).any():
        return None
    target = zone if zone is not None else pd.Timestamp(str(text.iloc[0])).tzinfo
    return parsed.dt.tz_convert(target), pd.Series("second", index=text.index, dtype="string")


def _fast_parse(
    values: pd.Series, zone: dt.tzinfo | None, fmt: str | None
) -> tuple[pd.Series, pd.Series] | None:
    """Vectorised path for large uniform columns; None when it does not apply."""
    if len(values) < 64:
        return None
    if zone is None:
        if fmt is None and not pd.api.types.is_datetime64_any_dtype(values.dtype):
            return _fast_aware(values.astype("string").str.strip(), None)
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
    if fmt is None and re.fullmatch(_ISO_AWARE, str(first)):
        return _fast_aware(text, zone)
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


# ----------------------------------------------------------- time as a clerk types it


class TimeWindow(NamedTuple):
    """When a payment happened, as a window: ``[start, end]``.

    ``end`` is ``None`` for a point (a second, a minute) and for a day;
    ``precision`` is how precisely the time was stated (``second``,
    ``minute``, ``hour``, ``day``). An hour (``"14点"``), a period of the day
    (``"下午"``), a range (``"14点-15点"``) and an approximate time
    (``"两点左右"``) have an ``end``.
    """

    start: pd.Timestamp
    end: pd.Timestamp | None
    precision: str


#: Periods of the day, as the local times [start, end) in hours a period said alone is searched over. Phones
#: write 上午 for 00:00-11:59 and 下午 for 12:00-23:59 (下午11:30), so these two are wide. Each period covers every
#: hour the same period names with a number (早上11点, 凌晨6点, 中午2点: see _hour_of_day), so the customer's
#: own sale is never outside the window a stranger's sale of its amount is inside: before session 15 早上 was
#: 05:00-10:00 and a sale at 10:51 was not searched. The field guide (section 5) has no counter corpus for these
#: words (中午 "roughly 11:00-13:30", an assumption): the widest reading is kept.
PERIODS: dict[str, tuple[int, int]] = {
    "凌晨": (0, 7),
    "早上": (4, 12),
    "早晨": (4, 12),
    "清晨": (4, 10),
    "上午": (0, 12),
    "中午": (11, 15),
    "下午": (12, 24),
    "傍晚": (16, 20),
    "晚上": (18, 24),
}

#: How far "左右" / "大约" (about) widens a time, by the precision it was stated with (seconds each side):
#: "两点左右" is 13:30-14:30, "14:32左右" is 14:22-14:42; a period or range is widened by half an hour.
ABOUT_MARGIN_S: dict[str, int] = {"hour": 1800, "minute": 600, "second": 600}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_PERIOD = "|".join(PERIODS)
_SEP = r"\s*(?:-|~|〜|—|–|至|到)\s*"
_ABOUT_BEFORE = re.compile(r"^(?:大约|大概|约|差不多)\s*")
_ABOUT_AFTER = re.compile(r"\s*(?:左右|前后)$")
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_DATE = re.compile(
    r"^(?:(?P<rel>今天|今日|昨天|昨日|前天)"
    r"|(?:(?P<y>\d{4})\s*年\s*)?(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})(?:\s*[日号]|(?!\d))"
    r"|(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?!\d)"  # "2026-11-112:32": 1 12:32 or 11 2:32
    # day and month as shops write them (field guide 5: mainland staff logs write 1/24, month first), in the
    # order the zone's territory writes (Hong Kong: 3/11 is 3 November) or dayfirst gives: see _day_month
    r"|(?P<na>\d{1,2})\s*(?P<ns>[/.-])\s*(?P<nb>\d{1,2})\s*(?P=ns)\s*(?P<ny>\d{4})(?!\d)"  # 3/11/2026, same order
    r"|(?P<sm>\d{1,2})\s*/\s*(?P<sd>\d{1,2})(?![\d/])"
    # a month by its English name, as Hong Kong cards' apps and customers write it: 7 Nov, 7NOV, 07-Nov-2026,
    # Nov 7, Nov 7, 2026 (a range after it is then read by the clerk's grammar, never as a zone offset)
    rf"|(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?[\s-]*(?P<emo>{_MONTH_NAME})(?:[\s,-]*(?P<ey>\d{{4}})(?![\d:]))?"
    rf"|(?P<emo2>{_MONTH_NAME})\s*(?P<ed2>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])(?:\s*,?\s*(?P<ey2>\d{{4}})(?![\d:]))?)",
    re.I,
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
# "last night", as customers say it most (newcomer 20, H10): 昨晚9点 is 昨天晚上9点, 今晚 今天晚上, 前晚 前天晚上
_EVENING_SHORT = re.compile(r"^((?:大约|大概|约|差不多)?\s*)(昨|今|前)晚上?")
_EVENING_DAYS = {"昨": "昨天", "今": "今天", "前": "前天"}
# a 12-hour clock as receipts and foreign cards' apps write it: "2:32 PM", "2:32pm", "2 p.m.", "12:05 AM"
_TWELVE_HOUR = re.compile(
    r"^(?P<h>\d{1,2})(?::(?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?P<ap>[AaPp])\.?\s*[Mm]\.?$"
)
# a range of 12-hour times, "5pm-7pm", "10 a.m. - 1 p.m.": each end is read by _TWELVE_HOUR
_TWELVE_HOUR_RANGE = re.compile(r"^(?P<a>[^-~〜—–至到]+?)\s*(?:-|~|〜|—|–|至|到)\s*(?P<b>[^-~〜—–至到]+)$")
_BETWEEN = re.compile(r"\s*(?:之间|中间)$")  # "2点到3点之间": a range, said as one


def _clock_pattern(tag: str) -> str:
    return (
        rf"(?P<{tag}p>{_PERIOD})?\s*"
        rf"(?:(?P<{tag}H>\d{{1,2}}):(?P<{tag}M>\d{{2}})(?::(?P<{tag}S>\d{{2}}))?"
        rf"|(?P<{tag}h>{_NUM})\s*[点點时時]\s*(?:(?P<{tag}half>半)|(?P<{tag}q>[一三])刻|(?P<{tag}z>整)|(?P<{tag}more>多)"
        rf"|(?P<{tag}m>{_NUM})\s*分?(?:\s*(?P<{tag}s>{_NUM})\s*秒)?)?)"
    )


_TIMES = re.compile(rf"^{_clock_pattern('a')}(?:{_SEP}{_clock_pattern('b')})?$")
_PERIOD_ONLY = re.compile(rf"^(?P<p>{_PERIOD})$")


def _cn_number(text: str, original: object) -> int:
    """0-59 written in digits or Chinese numerals (两, 十二, 二十三, 零五)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones or len(tens) > 1 or len(ones) > 1:
            raise TimeParseError(f"not a number: {text}", value=original)
        value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    elif len(text) <= 2:
        value = int("".join(str(_CN_DIGITS[ch]) for ch in text))
    else:
        raise TimeParseError(f"not a number: {text}", value=original)
    return value


def _hour_of_day(hour: int, minute: int, period: str | None, spoken: bool, original: object) -> int:
    """A written hour as 0-23, given its period of the day; refuses what could be two hours."""
    if period is None:
        if spoken and 1 <= hour <= 11:
            raise TimeParseError(
                f"{original} could be {hour:02d}:{minute:02d} or {hour + 12:02d}:{minute:02d}: "
                "add 上午/下午/晚上 or write 24-hour time",
                value=original,
            )
        if hour == 24:
            raise TimeParseError(
                "24点 is midnight of which day? write 0点 with the next day's date", value=original
            )
        return hour
    rules = {  # period: (hours taken as written, hours that get +12)
        "凌晨": (range(0, 7), ()),
        "早上": (range(4, 12), ()),
        "早晨": (range(4, 12), ()),
        "清晨": (range(4, 10), ()),
        "上午": (range(0, 12), ()),
        "中午": (range(11, 15), (1, 2)),
        "下午": (range(12, 24), range(1, 12)),
        "傍晚": (range(16, 20), range(4, 8)),
        "晚上": (range(18, 24), range(6, 12)),
    }
    as_written, plus12 = rules[period]
    if period == "凌晨" and hour == 12:
        return 0
    if hour in as_written:
        return hour
    if hour in plus12:
        return hour + 12
    raise TimeParseError(f"{period}{hour}点 is not a time of day (or could be two)", value=original)


def _clock_readings(
    g: dict[str, str | None], tag: str, period: str | None, original: object
) -> list[tuple[int, str, bool]]:
    """Every reading of one end of a range: two for a spoken hour 1-11 without 上午/下午 (8点: 08 or 20), else one."""
    try:
        return [_clock(g, tag, period, original)]
    except TimeParseError:
        if (g[f"{tag}p"] or period) is not None or g[f"{tag}H"] is not None:
            raise
        morning = _clock(g, tag, "上午", original)  # raises again for what is not a time of day at all
        if morning[0] // 3600 == 0:  # 0点 / 12点 read as 上午: not two readings
            raise
        return [morning, (morning[0] + 12 * 3600, morning[1], morning[2])]


def _clock(g: dict[str, str | None], tag: str, period: str | None, original: object) -> tuple[int, str, bool]:
    """Seconds after local midnight, the precision, and whether only an hour was given."""
    period = g[f"{tag}p"] or period
    if g[f"{tag}H"] is not None:
        hour, minute = int(g[f"{tag}H"]), int(g[f"{tag}M"])  # type: ignore[arg-type]
        seconds_text = g[f"{tag}S"]
        second = int(seconds_text) if seconds_text is not None else 0
        precision = "second" if seconds_text is not None else "minute"
        spoken = False
    else:
        hour = _cn_number(str(g[f"{tag}h"]), original)
        second = 0
        spoken = True
        if g[f"{tag}half"]:
            minute, precision = 30, "minute"
        elif g[f"{tag}q"]:
            minute, precision = (15 if g[f"{tag}q"] == "一" else 45), "minute"
        elif g[f"{tag}z"]:
            minute, precision = 0, "minute"
        elif g[f"{tag}m"] is not None:
            minute, precision = _cn_number(str(g[f"{tag}m"]), original), "minute"
            if g[f"{tag}s"] is not None:
                second, precision = _cn_number(str(g[f"{tag}s"]), original), "second"
        else:
            minute, precision = 0, "hour"
    if not (0 <= hour <= 24 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise TimeParseError("not a time of day", value=original)
    hour = _hour_of_day(hour, minute, period, spoken, original)
    return hour * 3600 + minute * 60 + second, precision, precision == "hour"


def _reference(ref: object, zone: dt.tzinfo | None) -> tuple[dt.date | None, pd.Timestamp | None]:
    """(reference day, now): a date gives only the day; a time is "now" (nothing after it)."""
    if ref is None:
        return None, None
    if isinstance(ref, dt.date) and not isinstance(ref, dt.datetime):
        return ref, None
    if isinstance(ref, str) and re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*", ref):
        return pd.Timestamp(ref).date(), None
    now = pd.Timestamp(ref)  # type: ignore[arg-type]
    if now.tzinfo is None:
        if zone is None:
            raise TimeParseError("the reference time has no zone and no tz was given", value=ref)
        now = now.tz_localize(zone)
    elif zone is not None:
        now = now.tz_convert(zone)
    return now.date(), now


def parse_time_window(
    text: object,
    tz: TzLike = None,
    *,
    ref: object = None,
    dayfirst: bool | None = None,
) -> TimeWindow:
    """Read a time as a clerk types it, into a window with its precision.

    Understands, besides everything :func:`parse_time` reads: an hour
    (``"14点"``: 14:00-15:00, precision ``hour``), a range (``"14点-15点"``,
    ``"14:20-14:40"``), a period of the day (``"上午"``, ``"下午"``, ``"晚上"``,
    see :data:`PERIODS`), a period with a time (``"下午2:32"`` = 14:32,
    ``"晚上9点半"``, ``"凌晨1点"``, ``"中午12点"``), Chinese numerals
    (``"两点一刻"``, ``"十二点半"``), a 12-hour clock (``"2:32 PM"``, ``"2pm"``; 12 AM
    is midnight), a range said with 之间 (``"下午2点到3点之间"``), an hour and some (``"下午两点多"``: 14:00-15:00,
    precision ``hour``, like ``"14点"``), about (``"下午两点左右"``: widened by
    :data:`ABOUT_MARGIN_S`), a day first (``"昨天 14:32"``, ``"今天 8:05"``,
    ``"11月3日 上午8点"``, ``"2026-11-03 下午2点"``, ``"7 Nov 17:00-19:00"``,
    ``"Nov 7, 2026 5pm-7pm"``, ``"3/11/2026 10:00-12:00"``) or none (``"14:32"``:
    the reference day). A range after a date is a range, never a time and a
    zone offset; an offset is written ``+08:00`` or ``UTC+8`` (8 hours ahead
    of UTC, never the POSIX way round), and a clock range after a date in a
    form not listed here (``"Sat 7 Nov 10:00-12:00"``) is refused.

    A numeric day and month (``"11/3 下午2点"``, ``"3/11/2026 14:32"``,
    ``"3-11"``) is read in the order ``dayfirst`` gives (True: 3/11 is
    3 November; False: 11 March); by default (None) in the order the zone's
    territory writes (:func:`zone_dayfirst`, from CLDR: month first in
    ``Asia/Shanghai``, day first in ``Asia/Hong_Kong`` and ``Europe/London``).
    A date possible only in the other order (``"24/1"`` month first) is
    refused, never read the other way round. A zone without a territory
    (``UTC``, ``"+08:00"``) has no order: there a date read both ways
    (``"3/11"``) is refused, and one read one way only (``"24/1"``,
    ``"1/24"``, ``"5/5"``) is read that way.

    ``ref`` is the reference: a date (``"2026-11-20"``, a ``datetime.date``)
    gives the day of texts without one (今天, 昨天, a time alone) and the year
    of texts without one; a time (``pd.Timestamp.now(tz)``) is *now*: a window
    that starts after it is refused, and one that ends after it is cut at it.

    Refused (:class:`~receiptkit.errors.TimeParseError` naming the text):
    anything not read whole; a spoken hour 1-11 without 上午/下午
    (``"两点一刻"`` is 02:15 or 14:15), unless it is one end of a range the
    other end leaves one reading of (``"11点-12点"``: 11:00-12:00; a range
    never crosses midnight); a time alone, 今天 or 昨天 without
    ``ref``; a window in the future of ``ref``; a numeric day/month as
    above.

    >>> w = parse_time_window("11月3日 上午8点", "Asia/Shanghai", ref="2026-11-20")
    >>> str(w.start), str(w.end), w.precision
    ('2026-11-03 08:00:00+08:00', '2026-11-03 09:00:00+08:00', 'hour')
    >>> str(parse_time_window("3/11 14:32", "Asia/Hong_Kong", ref="2026-11-20").start)
    '2026-11-03 14:32:00+08:00'
    """
    zone = resolve_tz(tz)
    ref_day, now = _reference(ref, zone)
    order = _date_order(zone, dayfirst)
    if isinstance(text, str):
        _check_short_year(_clean(text), text)
    window = _clerk_window(text, zone, ref_day, order) if isinstance(text, str) else None
    if window is None and isinstance(text, str):
        cleaned = _clean(text)
        clocks = _CLOCK_RANGE.search(cleaned)
        if clocks and not _ISO_RE.match(cleaned):
            # "Sat 7 Nov 10:00-12:00": dateutil would read "-12:00" as a zone offset (10:00 at UTC-12), silently
            raise TimeParseError(
                f"{clocks.group(0)} could be a range of times or a time and a zone offset, and the date before "
                "it is not in a form read with a range: write the date as 2026-11-07, 7 Nov or 11月7日 (and an "
                "offset as UTC-5 or +08:00)",
                value=text,
            )
    if window is None:
        # what the clerk's grammar does not read ("3/11/2026 14:32") is read by parse_time in the same order
        parsed = _parse_typed(text, zone, ref_day, order)
        window = TimeWindow(parsed.ts, None, parsed.precision)
    if now is not None:
        first = window.start
        if first > now:
            raise TimeParseError(
                f"{first:%Y-%m-%d %H:%M} is later than now ({now:%Y-%m-%d %H:%M}): give the date", value=text
            )
        if window.end is not None and window.end > now:
            window = TimeWindow(window.start, now.tz_convert(window.start.tzinfo), window.precision)
    return window


#: a clock time followed by a range's separator and another time: "10:00-12:00", "17:00 - 19", "10:00~12:00"
_CLOCK_RANGE = re.compile(
    r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?\s*(?:-|~|〜|—|–|至|到)\s*\d{1,2}(?::?\d{2})?(?![\d])"
)


def pin_day(text: str, today: dt.date) -> str:
    """``text`` with a day said relative to ``today`` (今天, 昨天, 前天, 昨晚...) written as the date it means
    (``昨天晚上九点左右`` on 8 December: ``12月7日晚上九点左右``); any other text as it is.

    ``find``'s ``reprint with:`` line repeats the time the clerk typed: run after midnight, or copied into a
    ticket for the next day, ``今天早上7点55`` meant another day (newcomer 20, H10). The date written is read
    to the same window on any later day (a month and day without a year is the latest one not after today).
    """
    cleaned = _clean(text)
    rest = _EVENING_SHORT.sub(lambda m: m.group(1) + _EVENING_DAYS[m.group(2)] + "晚上", cleaned, count=1)
    about = _ABOUT_BEFORE.match(rest)
    head, body = (rest[: about.end()], rest[about.end() :]) if about else ("", rest)
    date = _DATE.match(body)
    if not date or not date.group("rel"):
        return text
    day = today - dt.timedelta(days=_RELATIVE_DAYS[date.group("rel")])
    return f"{head}{day.month}月{day.day}日{body[date.end() :]}"


def _clerk_window(
    text: str, zone: dt.tzinfo | None, ref_day: dt.date | None, order: _Order
) -> TimeWindow | None:
    """The window of a text in the clerk's grammar; None when the text is not in it."""
    cleaned = _clean(text)
    rest = _EVENING_SHORT.sub(lambda m: m.group(1) + _EVENING_DAYS[m.group(2)] + "晚上", cleaned, count=1)
    about = False
    for pattern in (_ABOUT_BEFORE, _ABOUT_AFTER):
        if pattern.search(rest):
            about = True
            rest = pattern.sub("", rest, count=1)
    day: dt.date | None = None
    date = _DATE.match(rest)
    if date:
        groups = date.groupdict()
        try:
            if groups["rel"]:
                if ref_day is None:
                    raise TimeParseError(f"{groups['rel']} needs a reference date (ref=)", value=text)
                day = ref_day - dt.timedelta(days=_RELATIVE_DAYS[groups["rel"]])
            elif groups["iy"]:
                day = dt.date(int(groups["iy"]), int(groups["im"]), int(groups["id"]))
            else:
                year = groups["y"] or groups["ny"] or groups["ey"] or groups["ey2"]
                if groups["mo"]:
                    month, dom = int(groups["mo"]), int(groups["d"])
                elif groups["na"]:
                    month, dom = _day_month(int(groups["na"]), int(groups["nb"]), groups["ns"], order, text)
                elif groups["sm"]:
                    month, dom = _day_month(int(groups["sm"]), int(groups["sd"]), "/", order, text)
                else:
                    name = groups["emo"] or groups["emo2"]
                    month, dom = _MONTH_NUMBERS[name[:3].lower()], int(groups["ed"] or groups["ed2"])
                if year:
                    day = dt.date(int(year), month, dom)
                elif ref_day is None:
                    raise TimeParseError("date has no year and no reference date was given", value=text)
                else:
                    day = dt.date(ref_day.year, month, dom)
                    if day > ref_day:
                        day = dt.date(ref_day.year - 1, month, dom)
        except TimeParseError:
            raise
        except ValueError as exc:
            raise TimeParseError(f"not a valid date ({exc})", value=text) from None
        rest = rest[date.end() :].strip()
        for pattern in (_ABOUT_BEFORE, _ABOUT_AFTER):
            if pattern.search(rest):
                about = True
                rest = pattern.sub("", rest, count=1)
    rest = _twelve_hour(rest, text)
    between = bool(_BETWEEN.search(rest))
    rest = _BETWEEN.sub("", rest, count=1) if between else rest
    times = _TIMES.match(rest) if rest else None
    period_only = _PERIOD_ONLY.match(rest) if rest else None
    if rest and times is None and period_only is None:
        return None  # not the clerk's grammar: parse_time reads (or refuses) it
    if between and (times is None or (times.group("bH") is None and times.group("bh") is None)):
        return None  # 之间 ("between") says a range: after one time it is not understood
    if not rest:
        if day is None or about:
            return None
        return TimeWindow(_local(day, 0, zone, text), None, "day")
    if day is None:
        if ref_day is None:
            raise TimeParseError("a time without a date needs a reference date (ref=)", value=text)
        day = ref_day
    if period_only is not None:
        first, last = PERIODS[period_only.group("p")]
        start_s, end_s, precision = first * 3600, last * 3600, "hour"
        if about:
            start_s, end_s = start_s - ABOUT_MARGIN_S["hour"], end_s + ABOUT_MARGIN_S["hour"]
    else:
        g = times.groupdict()  # type: ignore[union-attr]
        if g["bH"] is None and g["bh"] is None:
            start_s, precision, hour_only = _clock(g, "a", None, text)
            # "两点半", "三点一刻": a half or a quarter said is a round time, as "两点半左右" is (newcomer 19, G4:
            # a sale at 14:38 was UNMATCHED for "下午2点半" read as the minute 14:30); digits typed ("14:30") are
            # the minute written ("两点半整" is not read: refused, type 14:30 for the minute)
            about = about or bool(g["ahalf"] or g["aq"])
            if about:
                margin = ABOUT_MARGIN_S[precision]
                # "两点多左右": about the hour after 2 o'clock, not about 2 o'clock
                start_s, end_s = start_s - margin, start_s + (3600 if g["amore"] else 0) + margin
            elif hour_only:
                end_s = start_s + 3600
            else:
                end_s = None
        else:
            (start_s, precision, hour_only), (end_s, end_precision, _) = _range_ends(g, text)
            if g["bmore"]:
                end_s += 3600  # "两点到三点多": until the end of the hour after 3 o'clock
            if precision != end_precision:
                precision = "minute" if "minute" in (precision, end_precision) else "second"
            if about:
                start_s, end_s = start_s - ABOUT_MARGIN_S["hour"], end_s + ABOUT_MARGIN_S["hour"]
    start = _local(day, start_s, zone, text)
    end = None if end_s is None else _local(day, end_s, zone, text)
    return TimeWindow(start, end, precision)


def _twelve_hour(rest: str, original: object) -> str:
    """``rest`` with a 12-hour time ("2:32 PM", "12:05 am", "2pm") written as 24-hour time; else unchanged.

    12 AM is midnight and 12 PM noon; an hour of 0 or over 12 with AM/PM is refused.
    """
    found = _TWELVE_HOUR.match(rest)
    if found is None:
        ends = _TWELVE_HOUR_RANGE.match(rest)
        if ends is None:
            return rest
        first, second = (_TWELVE_HOUR.match(ends.group(tag)) for tag in ("a", "b"))
        if first is None or second is None:
            if first is None and second is None:
                return rest
            # "5-7pm": is it 17:00-19:00, or "11-1pm" 11:00-13:00? never guessed
            raise TimeParseError(
                "a range with am/pm on one end only: write am/pm on both ends (5pm-7pm) or 24-hour time",
                value=original,
            )
        return f"{_twelve_hour_end(first, original)}-{_twelve_hour_end(second, original)}"
    hour = int(found.group("h"))
    if not 1 <= hour <= 12:
        raise TimeParseError(f"{hour} o'clock is not an hour of a 12-hour clock (AM/PM)", value=original)
    hour = hour % 12 + (12 if found.group("ap").lower() == "p" else 0)
    if found.group("m") is None:  # an hour: 上午 keeps 1-11 AM from reading as two hours
        return f"{hour}点" if hour >= 12 else f"上午{hour}点"
    seconds = f":{found.group('s')}" if found.group("s") is not None else ""
    return f"{hour}:{found.group('m')}{seconds}"


def _twelve_hour_end(found: re.Match[str], original: object) -> str:
    """One end of a 12-hour range in the clerk's grammar: ``17:30``; an hour with its period, ``上午9点``, ``下午17点``.

    Each end says its own period, so the other end's is never taken for it ("10am-1pm" is 10:00-13:00).
    """
    hour = int(found.group("h"))
    if not 1 <= hour <= 12:
        raise TimeParseError(f"{hour} o'clock is not an hour of a 12-hour clock (AM/PM)", value=original)
    hour = hour % 12 + (12 if found.group("ap").lower() == "p" else 0)
    if found.group("m") is None:
        return f"{'下午' if hour >= 12 else '上午'}{hour}点"
    seconds = f":{found.group('s')}" if found.group("s") is not None else ""
    return f"{hour}:{found.group('m')}{seconds}"


def _range_ends(
    g: dict[str, str | None], original: object
) -> tuple[tuple[int, str, bool], tuple[int, str, bool]]:
    """The two ends of a range, read together.

    A spoken hour 1-11 without 上午/下午 has two readings (``10点``: 10:00 or
    22:00), but in a range the other end may leave only one: a range ends
    after it starts on the same day, and ``12点`` is noon, so ``11点-12点`` is
    11:00-12:00 and ``12点-1点`` 12:00-13:00, while ``10点-11点`` (10-11, 22-23)
    and ``8点-10点`` stay refused, naming the readings.
    """
    starts = _clock_readings(g, "a", None, original)
    midnight = _day_end(g, original)
    # "上午10点到12点": the 上午 of the start does not make its end 上午12点 (midnight or noon?): ending after 10:00
    # the same day, 12点 is noon
    inherited = None if g["ap"] == "上午" and _end_hour(g, original) == 12 else g["ap"]
    ends = [midnight] if midnight is not None else _clock_readings(g, "b", inherited, original)
    extra = 3600 if g["bmore"] else 0
    fits = [(a, b) for a in starts for b in ends if b[0] + extra > a[0]]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise TimeParseError("the range ends before it starts (or crosses midnight)", value=original)
    shown = ", ".join(f"{_hhmm(a[0])}-{_hhmm(b[0] + extra)}" for a, b in fits)
    raise TimeParseError(
        f"{original} could be {shown}: add 上午/下午/晚上 or write 24-hour time", value=original
    )


def _end_hour(g: dict[str, str | None], original: object) -> int | None:
    """The hour a range's end names, as written (None: none)."""
    if g["bH"] is not None:
        return int(g["bH"])
    return _cn_number(str(g["bh"]), original) if g["bh"] is not None else None


def _day_end(g: dict[str, str | None], original: object) -> tuple[int, str, bool] | None:
    """The end of a range that is the day's end: ``24点``, ``24:00``, ``晚上12点`` ("22点-24点", "晚上10点到12点").

    Alone, 24点 and 晚上12点 are refused (midnight of which day?); as the end of a range that starts the same
    day they can only be that day's end. ``None`` when the end is another time.
    """
    if g["bH"] is not None:
        if int(g["bH"]) != 24:
            return None
        if g["bM"] != "00" or g["bS"] not in (None, "00"):
            raise TimeParseError(
                "24点 ends the day: nothing comes after it (write the next day's 0点)", value=original
            )
        return 86400, "minute", False
    if g["bh"] is None:
        return None
    hour = _cn_number(str(g["bh"]), original)
    if g["bhalf"] or g["bq"] or g["bmore"] or g["bm"] is not None:
        if hour == 24:
            raise TimeParseError(
                "24点 ends the day: nothing comes after it (write the next day's 0点)", value=original
            )
        return None
    period = g["bp"] or g["ap"]
    if hour == 24 and period in (None, "晚上"):
        return 86400, "hour", True
    if hour == 12 and period == "晚上":
        return 86400, "hour", True
    return None


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _local(day: dt.date, seconds: int, zone: dt.tzinfo | None, original: object) -> pd.Timestamp:
    """``seconds`` after the local midnight of ``day`` (may be before or after that day), zone-aware."""
    if not _YEARS[0] <= day.year <= _YEARS[1]:  # before the arithmetic: 0001 and 9999 overflow it
        raise TimeParseError(f"year {day.year} is outside {_YEARS[0]}-{_YEARS[1]}", value=original)
    naive = pd.Timestamp(day) + pd.Timedelta(seconds=seconds)
    if not _YEARS[0] <= naive.year <= _YEARS[1]:
        raise TimeParseError(f"year {naive.year} is outside {_YEARS[0]}-{_YEARS[1]}", value=original)
    return _localise(naive, zone, original)


def zone_label(ts: pd.Timestamp) -> str:
    """ "" for a time in a region's zone (``Asia/Shanghai``: printed as the original slip was, in local time);
    else the offset it is printed in (``UTC``, ``UTC+08:00``). A journal read from times written with ``Z``
    and no ``tz=`` holds UTC: its duplicate would print 06:11 for a 14:11 sale with nothing to say so."""
    name = str(ts.tz) if ts.tz is not None else ""
    if "/" in name and not name.startswith("Etc/"):
        return ""
    offset = ts.strftime("%z")
    if not offset or offset in ("+0000", "-0000"):
        return "UTC"
    return f"UTC{offset[:3]}:{offset[3:5]}"
