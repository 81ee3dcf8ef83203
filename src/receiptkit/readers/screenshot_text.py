"""OCR text rules for payment screenshots: normalisation and the value parsers, with per-character scores.

OCR text differs from typed text in predictable ways: full-width digits and
punctuation (``１２８．５０``, ``（4821）``), spaces dropped or added
(``2026年11月20日14:32:05``, ``4200 0012 34``), ``¥``/``￥``/``RMB``/``元``,
English month names, a minus read as a dash or as 一. :class:`Scored` keeps one
recognition score per character through every rule, so a parsed value knows
how sure the engine was of its weakest character.

>>> parse_amount_text(normalise("-¥1,234.50")).money
Money(minor=-123450, currency='CNY')
>>> parse_time_text(normalise("2026年11月20日14:32:05"), "Asia/Shanghai").ts.isoformat()
'2026-11-20T14:32:05+08:00'
>>> last4_in(normalise("招商银行信用卡（4821）")).text
'4821'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

from receiptkit.errors import ReceiptkitError, TimeParseError
from receiptkit.money import Money, parse_amount
from receiptkit.timeparse import ParsedTime, parse_typed_time, zone_dayfirst

__all__ = [
    "SCREEN_CURRENCIES",
    "Amount",
    "Scored",
    "identifier",
    "last4_in",
    "normalise",
    "parse_amount_text",
    "parse_time_text",
    "screen_time",
    "squeeze_key",
]


@dataclass(frozen=True)
class Scored:
    """Text with one recognition score per character (1.0 for characters the rules added)."""

    text: str
    scores: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.text) != len(self.scores):
            raise ValueError("one score per character")

    @classmethod
    def sure(cls, text: str) -> Scored:
        """Text typed by a person or a rule: every character certain."""
        return cls(text, (1.0,) * len(text))

    def __len__(self) -> int:
        return len(self.text)

    def __add__(self, other: Scored) -> Scored:
        return Scored(self.text + other.text, self.scores + other.scores)

    def __getitem__(self, key: slice) -> Scored:
        return Scored(self.text[key], self.scores[key])

    def min_score(self) -> float:
        """The weakest non-space character's score (1.0 for empty text)."""
        values = [s for ch, s in zip(self.text, self.scores, strict=True) if not ch.isspace()]
        return min(values) if values else 1.0

    def strip(self, chars: str | None = None) -> Scored:
        start, end = 0, len(self.text)
        while start < end and (self.text[start].isspace() if chars is None else self.text[start] in chars):
            start += 1
        while end > start and (
            self.text[end - 1].isspace() if chars is None else self.text[end - 1] in chars
        ):
            end -= 1
        return self[start:end]

    def without_spaces(self) -> Scored:
        keep = [i for i, ch in enumerate(self.text) if not ch.isspace()]
        return Scored("".join(self.text[i] for i in keep), tuple(self.scores[i] for i in keep))

    def sub(self, pattern: str | re.Pattern[str], replacement: str) -> Scored:
        """``re.sub`` that gives each replacement the weakest score of what it replaced."""
        out_text: list[str] = []
        out_scores: list[float] = []
        position = 0
        for match in re.finditer(pattern, self.text):
            out_text.append(self.text[position : match.start()])
            out_scores.extend(self.scores[position : match.start()])
            new = match.expand(replacement)
            weakest = min(self.scores[match.start() : match.end()], default=1.0)
            out_text.append(new)
            out_scores.extend([weakest] * len(new))
            position = match.end()
        out_text.append(self.text[position:])
        out_scores.extend(self.scores[position:])
        return Scored("".join(out_text), tuple(out_scores))


# characters OCR returns for a minus or a dash before digits
_DASHES = "\u2212\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d"
_ELLIPSIS = re.compile(r"\.{3,}|…+|·{3,}")


def normalise(value: str | Scored) -> Scored:
    """NFKC per character (full-width digits, brackets, colons, ``￥`` → ``¥``), dashes → ``-``,
    ellipses → ``…``, runs of spaces → one space, trimmed.

    >>> normalise("（４８２１）  ￥１２８．５０").text
    '(4821) ¥128.50'
    """
    scored = Scored.sure(value) if isinstance(value, str) else value
    text: list[str] = []
    scores: list[float] = []
    for ch, score in zip(scored.text, scored.scores, strict=True):
        if ch == "…":
            new = ch  # NFKC would make it "..."
        elif ch in _DASHES:
            new = "-"
        elif ch in "\u3000\u00a0\t\r\n":
            new = " "
        else:
            new = unicodedata.normalize("NFKC", ch)
        text.append(new)
        scores.extend([score] * len(new))
    out = Scored("".join(text), tuple(scores))
    out = out.sub(_ELLIPSIS, "…")
    out = out.sub(r"\s{2,}", " ")
    return out.strip()


def squeeze_key(text: str) -> str:
    """A label's comparison key: NFKC, no spaces, case folded, trailing colon dropped.

    >>> squeeze_key("Payment Time:") == squeeze_key("paymenttime")
    True
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold().rstrip(":")


class Amount(NamedTuple):
    """An amount read from a screen: exact money (signed as shown), the sign shown, and its score."""

    money: Money
    sign: str  # "-", "+" or ""
    score: float
    explicit_currency: bool


#: Currency codes a payment screen may show before or after an amount (other 3-letter words are not money).
SCREEN_CURRENCIES = frozenset(
    {
        "CNY",
        "HKD",
        "MOP",
        "TWD",
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "KRW",
        "SGD",
        "AUD",
        "CAD",
        "CHF",
        "NZD",
        "THB",
        "MYR",
    }
)
_CURRENCY_WORDS = {
    "¥": "CNY",
    "RMB": "CNY",
    "CNY": "CNY",
    "元": "CNY",
    "人民币": "CNY",
    "HK$": "HKD",
    "US$": "USD",
}
_AMOUNT_RE = re.compile(
    r"^(?P<sign1>[-+一])?\s*(?P<cur1>¥|RMB|CNY|人民币|HK\$|US\$|\$|[A-Z]{3})?\s*(?P<sign2>[-+])?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
    r"\s*(?P<cur2>元|[A-Z]{3})?$"
)


def parse_amount_text(value: Scored, default_currency: str = "CNY") -> Amount | None:
    """The amount a whole line shows, or None when the line is not exactly an amount.

    A bare number counts only with two decimals (``128.50``) or a currency
    mark (``¥128``, ``128元``, ``RMB 128``); a minus read as ``一`` before
    digits is a minus. The number is parsed exactly by
    :func:`receiptkit.money.parse_amount`.

    >>> [parse_amount_text(normalise(t)) is None for t in ("85%", "14:35", "128", "128.50")]
    [True, True, True, False]
    >>> parse_amount_text(normalise("一128.50")).money.minor
    -12850
    """
    text = value.text
    match = _AMOUNT_RE.match(text)
    if not match:
        return None
    currencies = {
        _CURRENCY_WORDS.get(token, token)
        for token in (match.group("cur1"), match.group("cur2"))
        if token is not None
    }
    if "$" in currencies:
        currencies.discard("$")
        currencies.add(
            "USD" if default_currency not in ("HKD", "USD", "SGD", "AUD", "CAD") else default_currency
        )
    if len(currencies) > 1 or not currencies <= SCREEN_CURRENCIES:
        return None
    number = match.group("num")
    if not currencies and not re.search(r"\.\d{2}$", number):
        return None  # "128" or "85.5" alone is not shown as a paid amount
    currency = next(iter(currencies)) if currencies else default_currency
    signs = [s for s in (match.group("sign1"), match.group("sign2")) if s]
    if len(signs) > 1:
        return None
    sign = {"一": "-"}.get(signs[0], signs[0]) if signs else ""
    try:
        money = parse_amount(f"{sign}{number}", currency)
    except ReceiptkitError:
        return None
    return Amount(money, sign, value.min_score(), bool(currencies))


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_CLOCK = r"(?:,?\s*(?:at\s*)?(?P<clock>\d{1,2}:\d{2}(?::\d{2})?))?"
_EN_DAY_FIRST = re.compile(rf"^(?P<d>\d{{1,2}})\s*{_MONTH},?\s*(?P<y>\d{{4}})?{_CLOCK}$", re.I)
_EN_MONTH_FIRST = re.compile(rf"^{_MONTH}\s*(?P<d>\d{{1,2}})(?:,\s*|\s+)?(?P<y>\d{{4}})?{_CLOCK}$", re.I)
_RELATIVE = re.compile(r"今天|昨天|前天|today|yesterday", re.I)


def _english_dates(text: str) -> str:
    for pattern in (_EN_DAY_FIRST, _EN_MONTH_FIRST):
        match = pattern.match(text)
        if match and match.group("mon").casefold() in _MONTHS:
            month = _MONTHS[match.group("mon").casefold()]
            day = int(match.group("d"))
            date = (
                f"{match.group('y')}-{month:02d}-{day:02d}" if match.group("y") else f"{month:02d}-{day:02d}"
            )
            return f"{date} {match.group('clock')}" if match.group("clock") else date
    return text


def parse_time_text(value: Scored, tz: Any, ref_date: Any = None) -> ParsedTime:
    """The payment time a screen shows, with its precision; spaces dropped by OCR are restored.

    Year-less dates (``11-20 14:32``, ``11月20日``, ``20 Nov 14:32``) take the
    latest year that is not after ``ref_date``. Relative days (``今天``,
    ``昨天``) are refused: the day the screenshot was taken is not known.

    >>> parse_time_text(normalise("Nov 20, 2026 2:32:05"), "UTC").ts.isoformat()
    '2026-11-20T02:32:05+00:00'
    """
    text = value.text.strip()
    if _RELATIVE.search(text):
        raise TimeParseError(
            "relative day (today / yesterday): the screenshot's own date is unknown", value=text
        )
    # a dropped space between the date and the clock: "2026-11-2014:32:05", "11-2014:32"
    text = re.sub(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{2})(?=\d{1,2}:\d{2})", r"\1 ", text)
    text = re.sub(r"^(\d{1,2}[-/]\d{2})(?=\d{1,2}:\d{2})", r"\1 ", text)
    text = re.sub(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*(\d{1,2}:\d{2})", r"\1 \2", text)
    text = _english_dates(text)
    if not re.search(r"\d", text):
        raise TimeParseError("not a date or time", value=value.text)
    return screen_time(text, tz, ref_date)


def screen_time(text: str, tz: Any, ref: Any = None) -> ParsedTime:
    """The time a screen shows; a numeric day/month read both ways is refused unless tz writes month first.

    Mainland wallet apps show month first ("11-03 14:32" is 3 November, field guide 4), a Hong Kong app day
    first ("03/11/2026"): which app made the screen is not known. Where tz's territory writes month first
    (Asia/Shanghai, the default) both agree; elsewhere a date read both ways is refused naming both, and one
    read one way only ("13/11/2026", "11-20 14:32") is read so.
    """
    if zone_dayfirst(tz) is False:
        return parse_typed_time(text, tz, ref=ref, dayfirst=False)
    readings: list[ParsedTime] = []
    errors: list[ReceiptkitError] = []
    for dayfirst in (True, False):
        try:
            readings.append(parse_typed_time(text, tz, ref=ref, dayfirst=dayfirst))
        except ReceiptkitError as exc:
            errors.append(exc)
    if not readings:
        raise errors[0]
    first, last = readings[0].ts, readings[-1].ts
    if first != last:
        raise TimeParseError(
            f"could be {first:%Y-%m-%d} (day first) or {last:%Y-%m-%d} (month first, as mainland wallet apps "
            f"show dates): which app drew the screen is not known and {tz} does not write month first; "
            "write the date year first",
            value=text,
        )
    return readings[0]


_LAST4_PATTERNS = (
    re.compile(r"[(\[]\s*(\d{4})\s*[)\]]\s*$"),
    re.compile(r"尾号\s*[:：]?\s*(\d{4})(?!\d)"),
    re.compile(r"末四位\s*[:：]?\s*(\d{4})(?!\d)"),
    re.compile(r"ending(?:\s*in)?\s*[:：]?\s*(\d{4})(?!\d)", re.I),
    re.compile(r"(?:[*•·]\s*)+(\d{4})$"),
    re.compile(r"(?:[xX]\s*){3,}(\d{4})$"),
)


#: what an app draws after a tappable value, as OCR reads it: ">" "›" "〉" "√" (and "更多" before it)
CHEVRON = re.compile(r"\s*(?:更多)?\s*[>›〉»√]+\s*$|\s*更多\s*$")


def last4_in(value: Scored) -> Scored | None:
    """The card's last four digits in a payment-method or card text, with their scores; None if absent.

    A trailing chevron (``工商银行储蓄卡(5822)>``) is not part of the text.

    >>> [last4_in(normalise(t)).text for t in ("尾号4821", "Card ending 4821", "**** 4821", "中国银行(1234)")]
    ['4821', '4821', '4821', '1234']
    >>> last4_in(normalise("工商银行储蓄卡(5822)>")).text, last4_in(normalise("招商银行(1234) 〉")).text
    ('5822', '1234')
    >>> last4_in(normalise("零钱")) is None, last4_in(normalise("工商银行(482)")) is None
    (True, True)
    """
    cut = CHEVRON.search(value.text)
    if cut is not None:
        value = value[: cut.start()]
    for pattern in _LAST4_PATTERNS:
        match = pattern.search(value.text)
        if match:
            return value[match.start(1) : match.end(1)]
    return None


def identifier(value: Scored, pattern: str) -> Scored | None:
    """An identifier with its spaces removed, if it has the expected shape (``pattern``); else None.

    >>> identifier(normalise("4200 0012 3420 2611"), r"\\d{10,40}").text
    '4200001234202611'
    >>> identifier(normalise("4200...7890"), r"\\d{10,40}|\\d{2,}…\\d{2,}").text
    '4200…7890'
    """
    compact = value.without_spaces()
    if re.fullmatch(pattern, compact.text):
        return compact
    return None
