"""Money as integer minor units plus an ISO 4217 currency, read exactly from text.

Amounts are never floats. Text is parsed with :class:`decimal.Decimal`, checked
against the currency's number of decimals, and turned into an ``int`` count of
minor units (fen for CNY, cents for USD, yen for JPY, fils for KWD).

>>> parse_amount("1,234.50", "CNY")
Money(minor=123450, currency='CNY')
>>> parse_amount("¥128.5")
Money(minor=12850, currency='CNY')
>>> parse_amount("128.5元").minor
12850
>>> format_minor(-2500, "CNY")
'-25.00'
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from receiptkit.errors import AmountError, ReceiptkitError

__all__ = [
    "CURRENCIES",
    "CURRENCY_EXPONENTS",
    "MAX_MINOR",
    "Money",
    "ascii_digits",
    "check_minor_range",
    "currency_option",
    "ensure_sum_fits",
    "exponent",
    "format_minor",
    "minor_to_decimal",
    "normalise_currency",
    "parse_amount",
    "to_minor",
]

# ISO 4217 minor-unit exponents for the currencies that matter here. Anything
# not listed has 2 decimals (the ISO default for most active currencies).
CURRENCY_EXPONENTS: dict[str, int] = {
    "BHD": 3,
    "BIF": 0,
    "CLF": 4,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "PYG": 0,
    "RWF": 0,
    "TND": 3,
    "UGX": 0,
    "UYI": 0,
    "UYW": 4,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
}

#: Every currency code receiptkit reads: ISO 4217's current codes that have a minor unit (list one), and CNH,
#: the offshore yuan Hong Kong banks write. A code outside it ("XYZ", a typo, the metals XAU/XAG, XDR, the
#: test codes XTS/XXX) is an :class:`~receiptkit.errors.AmountError`, never a currency of 2 decimals.
CURRENCIES: frozenset[str] = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SLL",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
        "ZWL",
        "CNH",
    ]
)

# Words and symbols that name a currency in exports. Longest first when matching.
CURRENCY_ALIASES: dict[str, str] = {
    "人民币": "CNY",
    "RMB": "CNY",
    "元": "CNY",
    "￥": "CNY",
    "港币": "HKD",
    "港元": "HKD",
    "HK$": "HKD",
    "美元": "USD",
    "US$": "USD",
    "欧元": "EUR",
    "€": "EUR",
    "日元": "JPY",
    "英镑": "GBP",
    "£": "GBP",
    "$": "USD",
}

_ISO_RE = re.compile(r"^[A-Z]{3}$")

#: The largest amount receiptkit reads, in minor units of any currency: 10**15
#: (10 trillion yuan in fen, 10**15 yen). Anything larger is refused with an
#: :class:`~receiptkit.errors.AmountError` naming the cell, never wrapped or
#: rounded. The bound keeps every amount exact in int64 and in float64 (2**53
#: is about 9.007e15), and lets 9,223 amounts at the maximum add up in int64;
#: totals over more rows are checked by :func:`ensure_sum_fits`.
MAX_MINOR = 10**15

# Digits of any script (Arabic-Indic ٠-٩, Devanagari, full-width after NFKC, ...)
# are read as the decimal digits they are; the Arabic decimal and thousands
# separators are the "." and "," they stand for.
_SEPARATORS = {"\u066b": ".", "\u066c": ","}  # ARABIC DECIMAL / THOUSANDS SEPARATOR


def _ascii_char(char: str) -> str:
    if char.isascii():
        return char
    if unicodedata.category(char) == "Nd":
        return str(unicodedata.decimal(char))
    return _SEPARATORS.get(char, char)


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of any script written as 0-9.

    >>> ascii_digits("١٢٨٫٥٠"), ascii_digits("１２８.５０")
    ('128.50', '128.50')
    """
    if text.isascii():
        return text
    return "".join(map(_ascii_char, unicodedata.normalize("NFKC", text)))


def check_minor_range(minor: int, *, value: object = None) -> int:
    """``minor`` when ``abs(minor) <= MAX_MINOR``; else :class:`AmountError`."""
    if abs(minor) > MAX_MINOR:
        raise AmountError(
            f"amount beyond the maximum of {MAX_MINOR:,} minor units", value=minor if value is None else value
        )
    return minor


def ensure_sum_fits(values: object, *, what: str = "total") -> None:
    """Raise :class:`AmountError` when adding up ``values`` (minor units) could overflow int64.

    Cheap in the usual case (``len * max`` fits); otherwise the exact sum of
    the absolute values is taken with Python integers. Every partial or
    grouped sum of values whose absolute sum fits int64 fits int64 too, so one
    call before a ``groupby(...).sum()`` guards all its groups.
    """
    import numpy as np

    array = np.asarray(values, dtype=object if not hasattr(values, "dtype") else None)
    if array.size == 0:
        return
    if array.dtype.kind in "iu":
        biggest = (
            int(np.abs(array.astype(np.int64, copy=False)).max())
            if array.dtype.kind == "i"
            else int(array.max())
        )
        if biggest * int(array.size) < 2**63:
            return
        total = sum(abs(int(v)) for v in array.tolist())
    else:
        total = sum(abs(int(v)) for v in array.tolist() if v is not None and v == v)
    if total >= 2**63:
        raise AmountError(f"the {what} of these amounts does not fit a 64-bit integer", value=total)


class Money(NamedTuple):
    """An exact amount: ``minor`` units of ``currency``."""

    minor: int
    currency: str


def exponent(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217 minor unit); an unknown code is an :class:`AmountError`.

    >>> exponent("CNY"), exponent("jpy"), exponent("KWD")
    (2, 0, 3)
    """
    code = str(currency).upper()
    if code not in CURRENCIES:
        raise _unknown(currency)
    return CURRENCY_EXPONENTS.get(code, 2)


def _unknown(currency: object) -> AmountError:
    return AmountError(
        "unknown currency: not an ISO 4217 code with a minor unit (CNY, HKD, USD, ...)", value=currency
    )


def normalise_currency(text: str | None, default: str | None = None) -> str | None:
    """Map a currency code, word or symbol to its ISO 4217 code.

    >>> normalise_currency("usd"), normalise_currency("人民币"), normalise_currency(None, "CNY")
    ('USD', 'CNY', 'CNY')
    """
    if text is None:
        return default
    cleaned = unicodedata.normalize("NFKC", str(text)).strip()
    if not cleaned:
        return default
    if cleaned in CURRENCY_ALIASES:
        return CURRENCY_ALIASES[cleaned]
    if cleaned == "¥":
        return default or "CNY"
    upper = cleaned.upper()
    if upper in CURRENCY_ALIASES:
        return CURRENCY_ALIASES[upper]
    if _ISO_RE.match(upper) and upper in CURRENCIES:
        return upper
    raise _unknown(text)


def currency_option(
    value: str | None, *, option: str = "currency", error: type[ReceiptkitError] = AmountError, **where: Any
) -> str | None:
    """A reader's ``currency=`` option as its cells are read (``"usd"`` -> USD, ``"RMB"`` -> CNY); None stays None.

    Anything that names no currency of :data:`CURRENCIES` (``"XYZ"``, ``""``) raises ``error`` saying
    ``currency='XYZ' is not a currency``, before any cell is read: the option is wrong, not a cell.
    """
    if value is None:
        return None
    try:
        code = normalise_currency(value)
    except AmountError:
        code = None
    if code is None:
        raise error(
            f"{option}={value!r} is not a currency: give an ISO 4217 code such as CNY, HKD or USD", **where
        )
    return code


def to_minor(amount: Decimal, currency: str) -> int:
    """Convert an exact decimal amount to minor units; refuse sub-minor digits and amounts beyond :data:`MAX_MINOR`."""
    exp = exponent(currency)
    if amount.adjusted() > 20:  # far beyond MAX_MINOR in any currency; do not scale huge exponents
        raise AmountError(f"amount beyond the maximum of {MAX_MINOR:,} minor units", value=str(amount))
    scaled = amount.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise AmountError(f"more decimals than {currency} has ({exp})", value=str(amount))
    return check_minor_range(int(scaled), value=str(amount))


def minor_to_decimal(minor: int, currency: str) -> Decimal:
    """Exact decimal value of ``minor`` units of ``currency``."""
    return Decimal(int(minor)).scaleb(-exponent(currency))


def format_minor(minor: int, currency: str, *, thousands: bool = False) -> str:
    """Format minor units with the currency's decimals, e.g. ``12850 -> '128.50'``."""
    value = minor_to_decimal(minor, currency)
    exp = exponent(currency)
    if thousands:
        return f"{value:,.{exp}f}"
    return f"{value:.{exp}f}"


# Symbols and words stripped from around the number, with the currency they imply.
_AFFIX_RE = re.compile(
    r"人民币|港币|港元|美元|欧元|日元|英镑|RMB|CNY|HKD|USD|EUR|JPY|GBP|KWD|[A-Z]{3}(?=[\d\s.,-])"
    r"|HK\$|US\$|[¥￥$€£元块]",
)
# Spoken yuan at a counter: "128块", "128块钱", "1288元整" (整: "exactly", as written on receipts and cheques),
# "3块5" / "3块5毛" / "3元5角" (3.50: one digit after 块/元 is jiao). Only these: "3块55", "3块5毛2" are refused.
_SPOKEN_JIAO_RE = re.compile(r"^([0-9][0-9,]*)\s*([元块])\s*([0-9])\s*[毛角]?\s*钱?$")
_SPOKEN_BETWEEN_RE = re.compile(r"[0-9]\s*[元块]\s*[0-9]")
_SPOKEN_END_RE = re.compile(r"(?<=[元块])\s*(?:钱\s*)?整$|(?<=[元块])\s*钱$")
# A grouped number's first group never starts with 0: "0,001" is a decimal point typed as a comma
# or a digit lost, never 1.00 (no exporter groups a number led by zeros).
_NUMBER_RE = re.compile(r"^[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?$|^[0-9]+(?:\.[0-9]*)?$|^\.[0-9]+$")
_EURO_NUMBER_RE = re.compile(r"^[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?$|^[0-9]+,[0-9]+$")


_PADDING_RE = re.compile(r"(?<=[-+(]) +| +(?=[-)])")
_SPACE_GROUPED_RE = re.compile(r"^[-+(]*[1-9][0-9]{0,2}(?: [0-9]{3})+(?:[.,][0-9]+)?[-)]?$")


def _spaces_out(body: str, text: object) -> str:
    """The amount without its spaces: padding, or thousands groups of three (``1 234.50``).

    Any other space inside the digits (``"12 50"``, ``"1 2 3"``) is an error:
    reading it as 1250 or 123 would be silently wrong.
    """
    body = re.sub(r"[ \u00a0\u202f]+", " ", body).strip()
    body = _PADDING_RE.sub("", body)
    if " " not in body:
        return body
    if not _SPACE_GROUPED_RE.match(body):
        raise AmountError("a space inside the amount that is not a thousands separator", value=text)
    return body.replace(" ", "")


def _card_like(digits: str) -> bool:
    from receiptkit.pan import looks_like_card

    return looks_like_card(digits)


def _masked(digits: str) -> str:
    from receiptkit.pan import mask_pan

    return mask_pan(digits)


_LEADING_CURRENCY_RE = re.compile(r"^(?:人民币|港币|港元|美元|RMB|CNY|HKD|USD|HK\$|US\$|[¥￥$])\s*")


def _spoken_money(cleaned: str, currency: str | None, text: object) -> Money:
    """A spoken Chinese amount (:mod:`receiptkit.spokenamount`) as :class:`Money`: ``元``/``圆`` are yuan
    (CNY), ``块`` the unit of the currency given (yuan unless told), as for digits."""
    from receiptkit.spokenamount import read_spoken

    for run in re.finditer(r"[0-9]{13,19}", cleaned.replace(",", "")):  # checked before any error quotes it
        if _card_like(run.group(0)):
            raise AmountError("a card number, not an amount", value=_masked(run.group(0)))
    found: str | None = None
    lead = _LEADING_CURRENCY_RE.match(cleaned)
    if lead:
        token = lead.group(0).strip()
        given = currency.upper() if currency else None
        if token in ("¥", "￥"):
            found = given if given in ("CNY", "JPY") else "CNY"
        elif token == "$":
            found = given if given is not None and given.endswith("D") else "USD"
        else:
            found = CURRENCY_ALIASES.get(token) or CURRENCY_ALIASES.get(token.upper()) or token.upper()
        cleaned = cleaned[lead.end() :]
    value, unit = read_spoken(cleaned, text)
    if unit in ("元", "圆"):
        if found not in (None, "CNY"):
            raise AmountError("two currencies in one amount", value=text)
        found = "CNY"
    wanted = normalise_currency(currency) if currency else None
    if found is not None and wanted is not None and found != wanted:
        raise AmountError(f"amount is in {found}, expected {wanted}", value=text)
    code = found or wanted or ("CNY" if unit == "块" else None)
    if code is None:
        raise AmountError("amount names no currency and none was given", value=text)
    if value != value.to_integral_value() and exponent(code) < 2:
        raise AmountError(
            f"角/毛/分 said, but {code} has no such subunit: type the amount in digits", value=text
        )
    try:
        return Money(to_minor(value, code), code)
    except AmountError as exc:
        raise AmountError(exc.reason, value=text) from None


def parse_amount(
    text: object,
    currency: str | None = None,
    *,
    decimal_comma: bool = False,
) -> Money:
    """Read an amount exactly from text into minor units.

    Accepts thousands separators (``"1,234.50"``), currency symbols and words
    before or after (``"¥128.50"``, ``"128.5元"``, ``"CNY 13.50"``,
    ``"$8.00"``), yuan as spoken at a counter (``"128块"``, ``"128块钱"``,
    ``"1288元整"``, ``"3块5"`` is 3.50), signs in front (``"-25.00"``, ``"+10.00"``, ``"-$8.00"``,
    ``"($8.00)"``), full-width digits and padding. A sign after the number
    (``"25.00-"``) is refused: no export read here writes one, and reading
    it either way could be silently wrong. With
    ``decimal_comma=True`` the comma is the decimal mark (``"1.234,50"``).

    ``currency`` is the currency to use when the text does not name one; when
    the text names one that disagrees with it, that is an error. Raises
    :class:`~receiptkit.errors.AmountError` on anything else.
    """
    if text is None:
        raise AmountError("empty amount", value=text)
    if isinstance(text, bool):
        raise AmountError("not an amount", value=text)
    if isinstance(text, int | Decimal):
        raw = str(text)
    elif isinstance(text, float):
        # Spreadsheet cells arrive as binary floats; repr() gives the shortest
        # decimal that round-trips, which is what was typed in the cell.
        if text != text or text in (float("inf"), float("-inf")):
            raise AmountError("not a number", value=text)
        raw = repr(text)
    else:
        raw = str(text)
    cleaned = ascii_digits(unicodedata.normalize("NFKC", raw)).strip().strip("\t").strip()
    cleaned = cleaned.replace("\u2212", "-")  # minus sign
    if not cleaned:
        raise AmountError("empty amount", value=text)

    from receiptkit.spokenamount import looks_spoken

    if looks_spoken(
        cleaned
    ):  # 五百一十二块五, 两百块, 5毛3: read exactly, never through the digit rules below
        return _spoken_money(cleaned, currency, text)
    cleaned = _SPOKEN_END_RE.sub("", _SPOKEN_JIAO_RE.sub(r"\1.\3\2", cleaned))
    if cleaned[:1] == "块":  # '块5' is no amount: a digit lost before it ('1块5', 1.50) is likelier
        raise AmountError("块 comes after the amount ('5块', '1块5')", value=text)
    if _SPOKEN_BETWEEN_RE.search(cleaned):
        raise AmountError(
            "digits after 元/块 other than one digit of jiao ('3块5' is 3.50): type the amount with a decimal point",
            value=text,
        )
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative = True
        cleaned = cleaned[1:-1].strip()

    found_currency: str | None = None

    def _take_currency(match: re.Match[str]) -> str:
        nonlocal found_currency
        token = match.group(0)
        given = currency.upper() if currency else None
        if token == "¥":
            code = given if given in ("CNY", "JPY") else "CNY"
        elif token == "块":  # the spoken unit of whatever currency is meant: yuan unless told otherwise
            code = given or "CNY"
        elif token == "$" and given is not None and given.endswith("D"):
            code = given  # HKD, AUD, SGD, ... all write "$"
        else:
            code = CURRENCY_ALIASES.get(token) or CURRENCY_ALIASES.get(token.upper()) or token.upper()
        if found_currency is not None and found_currency != code:
            raise AmountError("two currencies in one amount", value=text)
        found_currency = code
        return " "

    body = _AFFIX_RE.sub(_take_currency, cleaned)
    if re.search(r"[0-9.,]\s+[0-9]", body) and not re.search(r"\s", cleaned):
        # the space is where a currency word stood inside the digits (1288元钱5): never blamed on a space typed
        words = [m.group(0) for m in _AFFIX_RE.finditer(cleaned)]
        raise AmountError(
            f"{'、'.join(dict.fromkeys(words))} inside the amount, not before or after it: type the amount in "
            "digits with a decimal point (e.g. 128.50)",
            value=text,
        )
    body = _spaces_out(body, text)
    if body.startswith("(") and body.endswith(")"):
        negative = not negative
        body = body[1:-1]
    sign_count = 0
    while body[:1] in ("-", "+"):
        if body[0] == "-":
            negative = not negative
        body = body[1:]
        sign_count += 1
    if body.endswith(("-", "+")):
        # "5-" is a minus sign in some ledgers and a cut or damaged cell in others; no export
        # read here writes its sign after the amount, so it is refused, never read as 5 or -5.
        raise AmountError("a sign after the amount: write it in front ('-5.00')", value=text)
    if sign_count > 1:
        raise AmountError("more than one sign", value=text)

    if decimal_comma:
        if not _EURO_NUMBER_RE.match(body) and not re.match(r"^[0-9]+$", body):
            raise AmountError("not an amount", value=text)
        body = body.replace(".", "").replace(",", ".")
    else:
        if not _NUMBER_RE.match(body):
            raise AmountError("not an amount", value=text)
        body = body.replace(",", "")
    whole = body.split(".")[0]
    if 13 <= len(whole) <= 19 and _card_like(whole):
        # a card number typed or pasted into a money field: never read as money, quoted only masked
        raise AmountError("a card number, not an amount", value=_masked(whole))
    try:
        value = Decimal(body)
    except InvalidOperation as exc:  # pragma: no cover - regex guards this
        raise AmountError("not an amount", value=text) from exc
    if negative:
        value = -value

    if found_currency is not None and currency is not None:
        wanted = normalise_currency(currency)
        if found_currency != wanted:
            raise AmountError(f"amount is in {found_currency}, expected {wanted}", value=text)
    code = found_currency or (normalise_currency(currency) if currency else None)
    if code is None:
        code = "CNY" if "元" in raw else None
    if code is None:
        raise AmountError("amount names no currency and none was given", value=text)
    try:
        return Money(to_minor(value, code), code)
    except AmountError as exc:
        raise AmountError(exc.reason, value=text) from None
