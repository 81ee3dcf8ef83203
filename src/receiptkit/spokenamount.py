"""Amounts said or written in Chinese at a counter, read exactly (``五百一十二块五`` is 512.50).

Read by :func:`receiptkit.money.parse_amount` before anything else, and only when the text holds a Chinese
numeral (``一``…``九``, ``两``, ``零``/``〇``, ``十百千万亿``, the capital forms ``壹贰叁…拾佰仟``) or a digit
followed by ``角``/``毛``/``分``. Forms read (newcomer 18 F8, newcomer 19 G15):

- yuan: ``五百``, ``一百二十八``, ``两千``, ``一千零五十``, ``壹佰贰拾捌``, ``128`` in digits before the unit; a
  last digit after 百/千/万 without 零 is the next unit down, as said (``一百二`` is 120, ``三千五`` is 3500,
  ``两万三`` is 23000);
- the unit ``元``/``块``/``圆``, then ``整``/``正`` (exactly) or ``钱``;
- jiao and fen: ``块五`` / ``五毛`` / ``五角`` (.50), ``五毛三`` (.53), ``零五`` or ``零五分`` after the unit (.05),
  ``三角五分`` (.35); ``两毛`` (.20).

Refused (:class:`~receiptkit.errors.AmountError` quoting the text and naming what to type): two digits where one
is read (``三块五五``, ``3块55``: 3.55 or 3.505?), digits in a row with no unit (``一二八``: 128 or 1, 2, 8?),
units out of order (``五百三千``), anything after ``分``, a jiao or fen of a currency without them. Never a float.
"""

from __future__ import annotations

import re
from decimal import Decimal

from receiptkit.errors import AmountError

__all__ = ["looks_spoken", "read_spoken"]

_DIGITS = {
    "零": 0,
    "〇": 0,
    "0": 0,
    "一": 1,
    "壹": 1,
    "1": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "2": 2,
    "三": 3,
    "叁": 3,
    "3": 3,
    "四": 4,
    "肆": 4,
    "4": 4,
    "五": 5,
    "伍": 5,
    "5": 5,
    "六": 6,
    "陆": 6,
    "6": 6,
    "七": 7,
    "柒": 7,
    "7": 7,
    "八": 8,
    "捌": 8,
    "8": 8,
    "九": 9,
    "玖": 9,
    "9": 9,
}
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CHINESE = "".join(k for k in (*_DIGITS, *_SMALL, *_BIG) if not k.isascii())
_SPOKEN_RE = re.compile(rf"[{_CHINESE}]|[0-9]\s*[角毛分]")
_YUAN, _JIAO, _FEN = "元块圆", "角毛", "分"
_ALLOWED = re.compile(rf"^[{_CHINESE}0-9,{_YUAN}{_JIAO}{_FEN}整正钱]+$")
_TYPE = "type it in digits with a decimal point (e.g. 128.50)"


def looks_spoken(text: str) -> bool:
    """Whether ``text`` (NFKC, ASCII digits) is said in Chinese numerals or names 角/毛/分: read by
    :func:`read_spoken`, not as digits."""
    return bool(_SPOKEN_RE.search(text))


def read_spoken(text: str, original: object) -> tuple[Decimal, str | None]:
    """The amount in yuan (exact) and the unit word said (``元``/``块``/``圆``, or None), of a spoken amount.

    ``text`` is the amount without spaces or a currency word before it; ``original`` is quoted in errors.
    """
    if re.search(r"\d\s+\d", text):  # "1 2 8块五" was 128.50 (review 20, §9): as the digit path, refused
        raise AmountError(f"a space between digits: {_TYPE}", value=original)
    body = re.sub(r"\s+", "", text)
    if not _ALLOWED.match(body):
        odd = sorted({c for c in body if not _ALLOWED.match(c)})
        raise AmountError(
            f"{'、'.join(odd)} is not part of an amount said in Chinese: {_TYPE}", value=original
        )
    body = re.sub(r"(?<=[元块圆角毛分])钱$", "", body)
    body = re.sub(r"(?<=[元块圆角毛])[整正]$", "", body)
    unit = None
    yuan_text, rest = body, ""
    found = re.search(f"[{_YUAN}]", body)
    if found:
        unit = found.group(0)
        yuan_text, rest = body[: found.start()], body[found.end() :]
    elif re.search(f"[{_JIAO}{_FEN}]", body):
        yuan_text, rest = "", body
    if re.search(f"[{_YUAN}]", rest):
        raise AmountError(f"{unit} said twice: {_TYPE}", value=original)
    yuan = _integer(yuan_text, original) if yuan_text else 0
    if not yuan_text and unit is not None:
        raise AmountError(f"{unit} comes after the amount ('5{unit}', '1{unit}5')", value=original)
    cents = _cents(rest, original)
    return Decimal(yuan) + Decimal(cents) / 100, unit


def _digit(text: str, original: object, what: str) -> int:
    """One digit (``五``, ``5``), with a ``零`` before it allowed; else refused naming ``what``."""
    text = text.removeprefix("零").removeprefix("〇") if len(text) > 1 else text
    if len(text) != 1 or text not in _DIGITS:
        raise AmountError(
            f"{text or 'nothing'} is not one digit of {what} (one is read: '3块5' is 3.50, '5毛3' is 0.53): "
            f"{_TYPE}",
            value=original,
        )
    return _DIGITS[text]


def _cents(rest: str, original: object) -> int:
    """Jiao and fen said after the yuan (``五``, ``五毛``, ``五毛三``, ``零五``, ``三角五分``) in fen."""
    if not rest:
        return 0
    jiao_mark = re.search(f"[{_JIAO}]", rest)
    fen_mark = re.search(f"[{_FEN}]", rest)
    if fen_mark and fen_mark.end() != len(rest):
        raise AmountError(f"something after 分: {_TYPE}", value=original)
    if jiao_mark:
        jiao = _digit(rest[: jiao_mark.start()], original, "jiao (角/毛)")
        tail = rest[jiao_mark.end() :].removesuffix("分")
        fen = _digit(tail, original, "fen (分)") if tail else 0
        return jiao * 10 + fen
    if fen_mark:  # 零五分, 五分: fen only
        return _digit(rest[: fen_mark.start()], original, "fen (分)")
    if rest[0] in "零〇" and len(rest) == 2:  # 三块零五: 3.05
        return _digit(rest[1], original, "fen (分)")
    return _digit(rest, original, "jiao (角/毛)") * 10  # 块五: .50


def _integer(text: str, original: object) -> int:
    """A whole number said in Chinese (``一百二十八``, ``两千零五``, ``一百二``: 120) or in digits (``1,288``)."""
    if re.fullmatch(r"[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+", text):
        return int(text.replace(",", ""))
    total = section = 0
    number: int | None = None
    last_small = 0  # the last unit said in this section: units go down (百 then 十), never up
    zero = False  # a 零 since that unit: 一百零二 is 102, never 120
    last_big = 0  # the last 万/亿 said
    previous = ""
    for char in text:
        if char in _DIGITS:
            if previous in _DIGITS and not (previous in "零〇" or char in "零〇"):
                raise AmountError(
                    f"digits in a row with no unit between ({previous}{char}): {_TYPE}", value=original
                )
            if _DIGITS[char] == 0:
                zero = True
            else:
                number = _DIGITS[char]
        elif char in _SMALL:
            size = _SMALL[char]
            if last_small and size >= last_small:
                raise AmountError(f"{char} said after a smaller or the same unit: {_TYPE}", value=original)
            if number is None:
                if size != 10 or section or previous in _DIGITS:  # 十五 is 15; 百 alone is no number
                    raise AmountError(f"{char} with no digit before it: {_TYPE}", value=original)
                number = 1
            section += number * size
            number, last_small, zero = None, size, False
        elif char in _BIG:
            if number is not None:
                if previous in _DIGITS and not zero and last_small >= 100:  # 三千五万: 3500万, as at the end
                    number *= last_small // 10
                section += number
            if section == 0:
                raise AmountError(f"{char} with no digit before it: {_TYPE}", value=original)
            if last_big and _BIG[char] >= last_big:
                raise AmountError(f"{char} said after a larger or the same unit: {_TYPE}", value=original)
            total += section * _BIG[char]
            section, number, last_small, zero = 0, None, 0, False
            last_big = _BIG[char]
        else:  # pragma: no cover - _ALLOWED guards this
            raise AmountError(f"{char} is not part of a number: {_TYPE}", value=original)
        previous = char
    if number is not None:
        if previous in _DIGITS and not zero and last_small >= 100:  # 一百二: 120, 三千五: 3500
            number *= last_small // 10
        elif previous in _DIGITS and not zero and not last_small and total and section == 0:
            number *= last_big // 10  # 两万三: 23000
        section += number
    value = total + section
    if value == 0 and not re.fullmatch("[零〇0]+", text):
        raise AmountError(f"no number said: {_TYPE}", value=original)
    return value
