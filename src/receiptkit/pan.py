"""Card numbers: find a full PAN, mask it, and never let one through.

A primary account number (PAN) is 12 to 19 digits, often written in groups.
receiptkit keeps at most the first 6 and the last 4 digits (PCI DSS display
rule) and, by default, shows only the last 4.

>>> mask_pan("6222 0212 3456 7890 123")
'622202*********0123'
>>> mask_pan("6222021234567890123", keep_first=0)
'***************0123'
>>> last4_of("**** **** **** 4821")
'4821'
"""

from __future__ import annotations

import re

__all__ = [
    "contains_full_pan",
    "find_full_pans",
    "last4_of",
    "looks_like_card",
    "luhn_ok",
    "mask_pan",
    "mask_pans_in_text",
    "visible_digits",
]

# 12-19 digits, optionally in groups separated by one space or dash.
_PAN_RE = re.compile(r"(?<![\d*Xx])(?:\d[ -]?){11,18}\d(?![\d*Xx])")


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a digit string."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def looks_like_card(digits: str) -> bool:
    """A 13-19 digit string with a card-network prefix (2-6) and a valid Luhn digit."""
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_ok(digits)


def find_full_pans(text: str, *, strict: bool = False) -> list[str]:
    """Digit strings in ``text`` that look like a full card number.

    In a card-number column every 12-19 digit run counts (``strict=False``):
    for privacy a false alarm is cheaper than a leak. In free text
    (``strict=True``) only numbers that pass :func:`looks_like_card` count, so
    that order numbers and references are not mistaken for cards.
    """
    found = []
    for match in _PAN_RE.finditer(text):
        digits = re.sub(r"[ -]", "", match.group(0))
        if 12 <= len(digits) <= 19 and (not strict or looks_like_card(digits)):
            found.append(digits)
    return found


def contains_full_pan(text: str) -> bool:
    """True when ``text`` holds an unmasked card number."""
    return bool(find_full_pans(text))


def mask_pan(pan: str, *, keep_first: int = 6, keep_last: int = 4, mask_char: str = "*") -> str:
    """Mask a card number, keeping at most the first 6 and last 4 digits.

    Works on full numbers and on numbers already partly masked (``622202******0123``):
    masking never reveals a digit that was not visible in the input.
    """
    keep_first = max(0, min(keep_first, 6))
    keep_last = max(0, min(keep_last, 4))
    chars = [c for c in str(pan) if c.isdigit() or c in "*Xx#•"]
    if not chars:
        return ""
    out = []
    n = len(chars)
    for index, char in enumerate(chars):
        visible = index < keep_first or index >= n - keep_last
        out.append(char if (visible and char.isdigit()) else mask_char)
    return "".join(out)


def visible_digits(masked: str) -> tuple[str, str]:
    """The leading and trailing digits that a masked PAN shows: ``('622202', '0123')``."""
    text = re.sub(r"[^\d*Xx#•]", "", str(masked))
    lead = re.match(r"\d*", text).group(0)  # type: ignore[union-attr]
    trail = re.search(r"\d*$", text).group(0)  # type: ignore[union-attr]
    if lead == text:  # no mask characters at all
        return lead, ""
    return lead, trail


def last4_of(text: str | None) -> str | None:
    """The last four digits of a (masked) card number, or None."""
    if text is None:
        return None
    digits = re.sub(r"[^\d*Xx#•]", "", str(text))
    tail = re.search(r"(\d{4})$", digits)
    return tail.group(1) if tail else None


def mask_pans_in_text(text: str, *, strict: bool = True) -> str:
    """Replace every full card number inside free text by its masked form."""

    def _sub(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if 12 <= len(digits) <= 19 and (not strict or looks_like_card(digits)):
            return mask_pan(digits)
        return match.group(0)

    return _PAN_RE.sub(_sub, text)
