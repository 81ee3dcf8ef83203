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
import sys
import unicodedata
from decimal import Decimal
from itertools import accumulate, chain
from typing import Any

import numpy as np

__all__ = [
    "DIGIT_CLASS",
    "DOMESTIC_PREFIXES",
    "card_like_cells",
    "contains_full_pan",
    "find_full_pans",
    "last4_of",
    "looks_like_card",
    "luhn_ok",
    "mask_expiry",
    "mask_pan",
    "mask_pans_deep",
    "mask_pans_in_text",
    "might_hold_pan",
    "pan_spans",
    "visible_digits",
]


def _digit_class() -> str:
    """Every character a card number can be written in, as a regex character class of literal ranges.

    That is every character Unicode gives a digit value 0-9 (``unicodedata.digit``): the decimal digits of
    every script (ASCII, full-width, Arabic-Indic, Devanagari, mathematical bold ``𝟏``, ...) and the digit
    forms that are not decimal digits: superscripts and subscripts (``¹²³``, ``₁₂₃``), circled, parenthesized
    and dingbat digits (``①``, ``⑴``, ``❶``), digits with a full stop or comma (``⒈``, ``🄂``). Literal
    characters (no ``\\u`` escapes) so that the same pattern works in Python's ``re`` and in RE2 (pyarrow
    strings' ``str.contains``), where ``\\d`` means ASCII digits only.
    """
    codes = [
        c
        for c in range(0x30, min(sys.maxunicode, 0x1FFFF) + 1)
        if unicodedata.digit(chr(c), None) is not None
    ]
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]"


#: A character class matching a digit of any script or form (ASCII, full-width, Arabic-Indic, superscript, circled, ...).
DIGIT_CLASS = _digit_class()

# Characters that separate digit groups in a written card number; NFKC turns the
# full-width space and hyphen into these. The invisible ones (zero-width space, joiners, word joiner,
# soft hyphen, BOM) come with text copied from web pages and chats.
_SEPARATORS = (
    " \u00a0\u2007\u202f\u3000-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d\u200b\u200c\u200d\u2060\u00ad\ufeff"
)
_SEP_CLASS = "[" + re.escape(_SEPARATORS) + "]"

# A run of 12+ digits of any script, possibly grouped (might_hold_pan's pre-filter; _RUN_RE is the scanner's run).
_LONG_RUN = re.compile(rf"{DIGIT_CLASS}(?:{DIGIT_CLASS}|{_SEP_CLASS}){{10,}}{DIGIT_CLASS}")

# Dots, slashes and underscores group card numbers too ("4111.1111.1111.1111", "6222/0212/3456/7890/128",
# "4111_1111_1111_1111"), but they are everywhere in dates, times, amounts, versions and addresses
# ("2026/11/18 14:32", "1.234.567,89", "192.168.100.200"): so they are never separators of _RUN_RE, and a
# number written with them counts only in a card's own grouping, with one separator throughout: 4-4-4-4 and
# 4-4-4-4-1..3 (16-19 digits), 4-6-5 (Amex, 15), 4-6-4 (Diners, 14). Read on folded text (the full-width
# ``．／＿`` fold to these); ``tail`` is the 1-3 digits after a 4-4-4-4. Middle dots (``·``, ``・``, ``･``, typed
# with Chinese and Japanese input methods) count the same way.
_GROUPED_PAN_RE = re.compile(
    r"(?<![0-9])[0-9]{4}(?P<sep>[./_\u00b7\u30fb\uff65])"
    r"(?:[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{4}(?P<tail>(?P=sep)[0-9]{1,3})?|[0-9]{6}(?P=sep)[0-9]{4,5})"
    r"(?![0-9])"
)
# Every character that _fold turns into ".", "/" or "_" (ASCII, one dot leader, small and full-width full
# stop, full-width solidus, the low lines of the presentation and full-width forms).
_GROUP_SEP_RAW = "[./_\u00b7\u30fb\uff65\u2024\ufe52\uff0e\uff0f\ufe33\ufe34\ufe4d-\ufe4f\uff3f]"
# _GROUPED_PAN_RE's cheap pre-filter on the text as written, in literal characters (RE2 in pyarrow has no
# back-references or look-arounds): three groups 4-4-4 or 4-6-4, any of those separators.
_GROUPED_HINT = f"{DIGIT_CLASS}{{4}}{_GROUP_SEP_RAW}{DIGIT_CLASS}{{4}}(?:{DIGIT_CLASS}{{2}})?{_GROUP_SEP_RAW}{DIGIT_CLASS}{{4}}"
_GROUPED_HINT_RE = re.compile(_GROUPED_HINT)
# might_hold_pan as one pattern in literal characters, for RE2 (pyarrow's ``str.contains``) as for ``re``.
_PAN_HINT_PATTERN = (
    f"{DIGIT_CLASS}(?:{DIGIT_CLASS}|[{_SEPARATORS.replace('-', '')}-]){{10,}}{DIGIT_CLASS}|{_GROUPED_HINT}"
)

# Expiry dates next to the word that introduces them (also right after Chinese text: "卡号EXP12/28", where
# no word boundary separates 号 from EXP), with ASCII or full-width digits and slashes: "EXP 12/28", "Exp: 12/2028",
# "VALID THRU 12-28", "有效期 12/28", "有效期至2028年12月", "到期日: 28/12"; glued ("EXP12/28",
# "有效期09/39") and the longer words ("有效期限", "有效日期") too.
_EXPIRY_RE = re.compile(
    r"(?P<word>(?<![A-Za-z])(?:exp(?:iry|ires|iration)?(?:\s*date)?|valid\s*(?:thru|through|until|to)|good\s*thru)"
    r"(?![A-Za-z])"
    r"|有效(?:期限|日期|期)(?:至|到)?|到期(?:日期|日)?|失效(?:日期|日)?)"
    r"(?P<gap>\s*[:：.]?\s*)"
    r"(?P<date>[0-9]{4}\s*(?:[/\-.]|年)\s*[0-9]{1,2}\s*月?"
    r"|[0-9]{1,2}\s*[/\-.]\s*[0-9]{2,4}"
    r"|[0-9]{2}\s*年\s*[0-9]{1,2}\s*月"
    r"|[0-9]{4}(?![0-9]))",
    re.IGNORECASE,
)

# A bare expiry date (MM/YY or MM/YYYY, no expiry word) right after a card number, full, grouped or masked:
# "6222 0212 3456 7890 128 12/28", "622202******0128 12/2028", "**** **** **** 0123, 09/27". Card data copied
# from a terminal or a form often carries the date this way. Read on folded text (ASCII digits and "/").
_CARD_DATE_RE = re.compile(
    r"(?<![0-9*Xx#•])[0-9*Xx#•](?:[ \-]?[0-9*Xx#•]){7,22}[ \-]?[0-9]{4}"
    r"[ \t,;:：，]{1,3}"
    r"(?P<date>(?:0?[1-9]|1[0-2]) {0,2}/ {0,2}(?:20[0-9]{2}|[0-9]{2}))(?![0-9/])"
)
# _CARD_DATE_RE on the text as written, for the cheap pre-filters (RE2 in pyarrow has no look-around, and
# reads the literal characters below as ``re`` does): each class also holds the characters that _fold turns
# into its ASCII ones (the no-break and other Unicode spaces, full-width dash, star and slash).
_RAW_SPACE = " \u00a0\u2000-\u200a\u202f\u205f\u3000"
_RAW_CARD = f"[{DIGIT_CLASS[1:-1]}*\ufe61\uff0aXx#•]"
_RAW_SEP = f"[{_RAW_SPACE}\\-\ufe63\uff0d]"
_CARD_DATE_HINT = (
    f"{_RAW_CARD}(?:{_RAW_SEP}?{_RAW_CARD}){{7,22}}{_RAW_SEP}?{DIGIT_CLASS}{{4}}"
    f"[{_RAW_SPACE}\t,;:：，]{{1,3}}{DIGIT_CLASS}{{1,2}}[{_RAW_SPACE}]{{0,2}}[/\uff0f]"
)
_CARD_DATE_HINT_RE = re.compile(_CARD_DATE_HINT)


def _ascii(char: str) -> str:
    """One character with any digit (:data:`DIGIT_CLASS`) as 0-9, separators, date punctuation, the underscore and the mask
    star (full-width ``／``, ``．``, ``＿``, ``＊``) as their ASCII forms (length kept)."""
    if char.isascii():
        return char
    value = unicodedata.digit(char, None)  # decimal digits of any script, superscripts, circled digits, ...
    if value is not None:
        return str(value)
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 and (folded.isdigit() or folded in " -/._*") else char


def _fold(text: str) -> str:
    """``text`` with digits of any script as ASCII, one character for one (positions kept)."""
    if text.isascii():
        return text
    return "".join(map(_ascii, text))


def might_hold_pan(text: str) -> bool:
    """Cheap test: does ``text`` hold a run of 12+ digits (any script), possibly grouped, or digit groups
    4-4-4 or 4-6-4 joined by dots, slashes or underscores (the start of a card number written so)?

    >>> might_hold_pan("4111.1111.1111.1111"), might_hold_pan("2026/11/18 14:32:05")
    (True, False)
    """
    return bool(_LONG_RUN.search(text) or _GROUPED_HINT_RE.search(text))


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a digit string (digits of any script)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(_ascii(char))
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


#: Issuer prefixes outside the card networks' 2-6 that mainland banks still print on cards, with their length:
#: ICBC's 19-digit 牡丹灵通卡 debit cards (9558...), issued before UnionPay's 62 range.
DOMESTIC_PREFIXES: tuple[tuple[str, int], ...] = (("9558", 19),)


def looks_like_card(digits: str) -> bool:
    """A 13-19 digit string with a card-network prefix (2-6), or a mainland bank's own (:data:`DOMESTIC_PREFIXES`,
    at its length), and a valid Luhn digit.

    >>> looks_like_card("9558800200000000006"), looks_like_card("9558800200000008")
    (True, False)
    """
    digits = _fold(digits)
    if not (13 <= len(digits) <= 19 and digits.isascii() and digits.isdigit()):
        return False  # a masked or cut id ("2026…63653839") or any other text is no card number
    known = digits[0] in "23456" or any(
        digits.startswith(p) and len(digits) == n for p, n in DOMESTIC_PREFIXES
    )
    return known and luhn_ok(digits)


def card_like_cells(values: Any) -> np.ndarray:
    """For each cell of ``values`` (strings, None/NA), whether it is a whole card number: 13-19 digits (any
    script) that pass :func:`looks_like_card`, and does not begin with a YYYYMMDD date (a dated order number,
    ``2026111200001234``: no card network issues numbers beginning 19 or 20). Vectorised (Arrow filters, a
    numpy Luhn over each length's digits as one matrix), for identifier columns of a million rows.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    arr = (
        values.cast(pa.large_string())
        if isinstance(values, pa.Array)
        else pa.array([v if isinstance(v, str) else None for v in values], type=pa.large_string())
    )
    out = np.zeros(len(arr), dtype=bool)
    if not len(arr):
        return out
    ascii_ok = pc.fill_null(pc.string_is_ascii(arr), True)
    odd = np.flatnonzero(~np.asarray(ascii_ok.to_numpy(zero_copy_only=False), dtype=bool))
    for k in odd.tolist():  # digits of other scripts (rare): one by one
        text = arr[k].as_py()
        folded = _fold(text)
        out[k] = looks_like_card(folded) and not _is_date8(folded[:8])
    plain = pc.fill_null(pc.match_substring_regex(arr, "^[0-9]{13,19}$"), False)
    sizes = np.asarray(pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False))
    plain_np = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    for size in range(13, 20):
        rows = np.flatnonzero(plain_np & (sizes == size))
        if not len(rows):
            continue
        cells = arr.take(pa.array(rows))
        offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64)
        first = int(offsets[cells.offset])
        data = np.frombuffer(cells.buffers()[2], dtype=np.uint8)[first : first + len(rows) * size]
        grid = (data.reshape(len(rows), size) - 48).astype(np.int16)
        doubled = grid[:, ::-1].copy()
        doubled[:, 1::2] *= 2
        doubled[doubled > 9] -= 9
        luhn = doubled.sum(axis=1) % 10 == 0
        lead = grid[:, 0]
        known = (lead >= 2) & (lead <= 6)
        for prefix, length in DOMESTIC_PREFIXES:
            if length == size:
                known |= (grid[:, : len(prefix)] == np.array([int(c) for c in prefix])).all(axis=1)
        year = grid[:, 0] * 10 + grid[:, 1]
        month = grid[:, 4] * 10 + grid[:, 5]
        day = grid[:, 6] * 10 + grid[:, 7]
        dated = ((year == 19) | (year == 20)) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
        out[rows] = luhn & known & ~dated
    return out


def _digits_of(match: re.Match[str]) -> str:
    return re.sub(r"[^0-9]", "", match.group(0))


_GROUP = re.compile(r"[0-9]+")


# A run of digit groups: digits, each group joined to the next by one to three separator characters ("4111 - 1111")
# (spaces, dashes, invisible characters; never dots, slashes or underscores, see _GROUPED_PAN_RE). Read on
# folded text. Every card the scanner finds lies inside one such run.
_RUN_RE = re.compile(rf"[0-9]+(?:{_SEP_CLASS}{{1,3}}[0-9]+)*")


def _is_date8(group: str) -> bool:
    """An 8-digit group that reads as a date YYYYMMDD of 1900-2099."""
    return (
        len(group) == 8
        and group[:2] in ("19", "20")
        and "01" <= group[4:6] <= "12"
        and "01" <= group[6:] <= "31"
    )


def _cards_in_run(digits: str, bounds: list[int], *, strict: bool) -> list[tuple[int, int]]:
    """``(start, end)`` digit offsets in ``digits`` (a run's digits, its groups starting at ``bounds``, which
    ends with ``len(digits)``) of every card candidate.

    A candidate ends at the end of a group and starts at the start of a group, or inside its first group when
    it spans two groups or more ("No.2094111 1111 1111 1111": a code glued to the card's first group). An
    unbroken group is never cut: a 28-digit wallet id or a 20-digit order number holds a Luhn-valid 16-digit
    window by chance almost always. Dates written YYYYMMDD are no card: a date range (a WeChat bill's
    ``微信支付账单(20260101-20260131)``) is not one, nor does a card start inside a date. In strict mode a candidate must pass :func:`looks_like_card`; otherwise
    (a card-number column) every whole-group run of 12-19 digits counts too.
    """
    found: list[tuple[int, int]] = []
    n = len(bounds) - 1
    dated = [_is_date8(digits[bounds[i] : bounds[i + 1]]) for i in range(n)]
    # Luhn of any digits[s:e] in O(1): prefix sums of the digits and of their doubled values, by parity of
    # position; a digit is doubled when its distance from the end e is odd
    values = [ord(char) - 48 for char in digits]
    doubled = [2 * v - 9 if v > 4 else 2 * v for v in values]
    plain = [
        list(accumulate((v if j % 2 == p else 0 for j, v in enumerate(values)), initial=0)) for p in (0, 1)
    ]
    twice = [
        list(accumulate((v if j % 2 == p else 0 for j, v in enumerate(doubled)), initial=0)) for p in (0, 1)
    ]

    def luhn(s: int, e: int) -> bool:
        kept = (e - 1) % 2  # positions with the last digit's parity are kept, the others doubled
        total = plain[kept][e] - plain[kept][s] + twice[1 - kept][e] - twice[1 - kept][s]
        return total % 10 == 0

    for i in range(n):
        g_start, g_end = bounds[i], bounds[i + 1]
        glued = i + 1 < n and not dated[i]  # a card starting inside a date (20261112) is no card
        starts = [g_start, *range(max(g_start + 1, g_end - 18), g_end)] if glued else [g_start]
        for s in starts:
            for k in range(i + 1, n + 1):
                e = bounds[k]
                size = e - s
                if size > 19:
                    break
                if size < 12 or (s != g_start and k == i + 1) or all(dated[i:k]):
                    continue
                if (not strict and s == g_start) or (
                    size >= 13
                    and (digits[s] in "23456" or (digits[s] == "9" and looks_like_card(digits[s:e])))
                    and luhn(s, e)
                    and (
                        (s == g_start and (k == i + 1 or (i == 0 and k == n)))  # one group, or the whole run
                        or _card_layout(
                            [g_end - s, *(bounds[x + 1] - bounds[x] for x in range(i + 1, k))], s != g_start
                        )
                    )
                ):
                    found.append((s, e))
    return found


def _card_layout(sizes: list[int], glued: bool) -> bool:
    """Whether digit groups of ``sizes`` are written as a card is: 4-4-4-1..4, 4-4-4-4-1..3, 4-6-4/5 (Amex,
    Diners) or, starting at a group's start (``glued`` false), 6-7..13 (the BIN apart).

    Asked of a candidate that is part of a longer run (or starts inside its first group): every window of a
    long run of ids, references, phones, dates and amounts ("4200…3466 2026-11-25", "805323404090 507006
    626633") passes the Luhn check one time in ten, so only a card's own grouping counts there.
    """
    first, rest = sizes[0], sizes[1:]
    if first == 4:
        return (
            (len(rest) == 3 and rest[:2] == [4, 4] and 1 <= rest[2] <= 4)
            or (len(rest) == 4 and rest[:3] == [4, 4, 4] and 1 <= rest[3] <= 3)
            or (len(rest) == 2 and rest[0] == 6 and rest[1] in (4, 5))
        )
    return first == 6 and not glued and len(rest) == 1 and 7 <= rest[0] <= 13


def _run_spans(folded: str, *, strict: bool) -> list[tuple[int, int, str, str]]:
    """``(start, end, digits, shown)`` of the card numbers in the digit-group runs of ``folded``.

    A lone candidate is shown as :func:`mask_pan` writes it. Candidates that overlap (a chance Luhn-valid
    number across a card and the amount beside it, two cards sharing a group) are joined into one span,
    masked in place: separators kept, each digit kept only where every candidate that covers it keeps it (its
    first 6 or last 4), so no card shows more than its first 6 and last 4 and a number beside stays readable.
    """
    out: list[tuple[int, int, str, str]] = []
    for run in _RUN_RE.finditer(folded):
        if run.end() - run.start() < 12:
            continue
        groups = list(_GROUP.finditer(folded, run.start(), run.end()))
        digits = "".join(g.group(0) for g in groups)
        if len(digits) < 12:
            continue
        bounds = [0]
        where: list[int] = []  # the position in folded of each digit
        for g in groups:
            bounds.append(bounds[-1] + len(g.group(0)))
            where.extend(range(g.start(), g.end()))
        found = _cards_in_run(digits, bounds, strict=strict)
        if not found:
            continue
        # a candidate inside another is masked by it (the outer's first 6 and last 4 show none of its middle)
        found = [
            (s, e) for s, e in found if not any(a <= s and e <= b and (a, b) != (s, e) for a, b in found)
        ]
        covered = [False] * len(digits)
        hidden = [False] * len(digits)
        for s, e in found:
            for j in range(s, e):
                covered[j] = True
                if s + 6 <= j < e - 4:
                    hidden[j] = True
        j = 0
        while j < len(digits):
            if not covered[j]:
                j += 1
                continue
            k = _union_end(found, j)  # [j, k): the union of the candidates overlapping from j on
            start, end = where[j], where[k - 1] + 1
            if sum(j <= s < k for s, _ in found) == 1:  # one card: its masked form
                shown = mask_pan(digits[j:k])
            else:  # several: masked in place, separators kept, so that a number beside stays as written
                chars = list(folded[start:end])
                for x in range(j, k):
                    if hidden[x]:
                        chars[where[x] - start] = "*"
                shown = "".join(chars)
            out.append((start, end, digits[j:k], shown))
            j = k
    return out


def _union_end(found: list[tuple[int, int]], start: int) -> int:
    """The end of the union of the candidates in ``found`` overlapping, one after another, from ``start``."""
    end = max(e for s, e in found if s <= start < e)
    grew = True
    while grew:
        grew = False
        for s, e in found:
            if start <= s < end < e:
                end, grew = e, True
    return end


def _masked_spans(folded: str, *, strict: bool) -> list[tuple[int, int, str, str]]:
    """``(start, end, digits, shown)`` of every full card number in ``folded`` (the text after :func:`_fold`);
    ``shown`` is what may replace it (at most first 6 + last 4 of any card inside).

    THE one scanner every masking path goes through (free text, cells, file names, messages). A number grouped
    by spaces, dashes or invisible characters (or not at all) is found at any place in a run of digit groups
    (:func:`_cards_in_run`): after a date, after another group, glued to a code, beside a second card. One
    grouped by dots, slashes or underscores counts only in a card's grouping (:data:`_GROUPED_PAN_RE`). In
    strict mode each must pass :func:`looks_like_card`. A 4-4-4-4 whose extra last group makes it fail the
    check while the 16 digits pass is that card and what follows ("4111.1111.1111.1111.55"), in either mode.
    """
    spans = _run_spans(folded, strict=strict)
    if any(sep in folded for sep in "./_\u00b7\u30fb\uff65"):
        for match in _GROUPED_PAN_RE.finditer(folded):
            end, digits = match.end(), _digits_of(match)
            if match.group("tail") and not looks_like_card(digits) and looks_like_card(digits[:16]):
                end, digits = match.start("tail"), digits[:16]
            if not strict or looks_like_card(digits):
                spans.append((match.start(), end, digits, mask_pan(digits)))
        spans.sort()
    out: list[tuple[int, int, str, str]] = []
    for start, end, digits, shown in spans:
        if out and start < out[-1][1]:
            first = out[-1][0]
            end = max(end, out[-1][1])
            joined = re.sub(r"[^0-9]", "", folded[first:end])
            out[-1] = (first, end, joined, mask_pan(joined, keep_first=0))
        else:
            out.append((start, end, digits, shown))
    return out


def _card_spans(folded: str, *, strict: bool) -> list[tuple[int, int, str]]:
    """``(start, end, digits)`` of every full card number in ``folded`` (see :func:`_masked_spans`)."""
    return [(start, end, digits) for start, end, digits, _ in _masked_spans(folded, strict=strict)]


def find_full_pans(text: str, *, strict: bool = False) -> list[str]:
    """Digit strings in ``text`` that look like a full card number (returned in ASCII digits).

    Digits of any script count (``６２２５…`` is found as ``6225…``), grouped
    by spaces or dashes or not; grouped by dots, slashes or underscores only in
    a card's grouping with one separator throughout (``4111.1111.1111.1111``,
    ``6222/0212/3456/7890/128``, 4-6-5 and 4-6-4), never a date or an amount
    (``2026/11/18``, ``1.234.567,89``). In a card-number column every 12-19 digit run
    counts (``strict=False``): for privacy a false alarm is cheaper than a
    leak. In free text (``strict=True``) only numbers that pass
    :func:`looks_like_card` (13-19 digits, network prefix, Luhn) count, so that
    order numbers and references are not mistaken for cards.
    """
    return [digits for _, _, digits in _card_spans(_fold(unicodedata.normalize("NFC", text)), strict=strict)]


def pan_spans(text: str, *, strict: bool = True) -> list[tuple[int, int, str]]:
    """Where full card numbers sit in ``text``: ``(start, end, digits)`` per number, digits in ASCII.

    Found as :func:`find_full_pans` finds them (any script, grouped or not;
    ``strict`` as there); positions index ``text`` itself.
    """
    return _card_spans(_fold(text), strict=strict)


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
    chars = [c for c in _fold(str(pan)) if c in "0123456789*Xx#•"]
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
    text = re.sub(r"[^0-9*Xx#•]", "", _fold(str(masked)))
    lead = re.match(r"[0-9]*", text).group(0)  # type: ignore[union-attr]
    trail = re.search(r"[0-9]*$", text).group(0)  # type: ignore[union-attr]
    if lead == text:  # no mask characters at all
        return lead, ""
    return lead, trail


def last4_of(text: str | None) -> str | None:
    """The last four digits of a (masked) card number, or None."""
    if text is None:
        return None
    digits = re.sub(r"[^0-9*Xx#•]", "", _fold(str(text)))
    tail = re.search(r"([0-9]{4})$", digits)
    return tail.group(1) if tail else None


_EXPIRY_COLUMN_RE = re.compile(
    r"(?i)(?:^|[^a-z])(?:exp(?:iry|iration|ires)?|valid\s*thru|good\s*thru)(?:[^a-z]|$)|有效期|到期日|失效日"
)


def is_expiry_column(name: object) -> bool:
    """A column (or field) name that holds a card's expiry: ``Card Exp Year``, ``exp_month``, ``有效期``, ...

    Its values are never quoted whole (an expiry year such as ``2031`` carries no
    marker :func:`mask_expiry` could find).
    """
    return name is not None and bool(_EXPIRY_COLUMN_RE.search(_fold(str(name)).replace("_", " ")))


def mask_cell(column: object, value: Any) -> Any:
    """A cell's value as it may be quoted: ``"****"`` in an expiry column, else its card numbers masked."""
    if value is None:
        return None
    if is_expiry_column(column):
        return "****"
    return mask_pans_deep(value)


def mask_expiry(text: str) -> str:
    """Replace card expiry dates in free text by ``**/**``: ``"EXP 12/28"`` -> ``"EXP **/**"``.

    Dates introduced by an expiry word (EXP, expiry, valid thru, 有效期,
    到期日, ...) are touched, and a bare ``MM/YY`` or ``MM/YYYY`` right after a
    card number (``"**** 0123 12/28"``); digits of any script count.

    >>> mask_expiry("622202******0128 12/28")
    '622202******0128 **/**'
    """
    if text.isascii() and "/" not in text and not re.search(r"(?i)exp|valid|good", text):
        return text
    return _mask_dates(_mask_dates(text, _EXPIRY_RE), _CARD_DATE_RE)


def _mask_dates(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with the ``date`` group of every match of ``pattern`` (on the folded text) as ``**/**``."""
    folded = _fold(text)
    out = []
    last = 0
    for match in pattern.finditer(folded):
        start = match.start("date")
        out.append(text[last:start])
        out.append("**/**")
        last = match.end("date")
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def mask_pans_in_text(text: str, *, strict: bool = True, expiry: bool = True) -> str:
    """Replace every full card number inside free text by its masked form (first 6 + last 4).

    Digits of any script and digit groups separated by spaces or dashes are
    found, and those separated by dots, slashes or underscores in a card's
    grouping (as :func:`find_full_pans`); the masked form is written in ASCII digits. With ``expiry=True``
    (default) card expiry dates are removed too (:func:`mask_expiry`).
    """
    if not isinstance(text, str):
        return text
    pieces: list[str] = []
    last = 0
    for start, end, _, shown in _masked_spans(_fold(text), strict=strict):
        pieces.append(text[last:start])
        pieces.append(shown)
        last = end
    out = text if not pieces else "".join(pieces) + text[last:]
    return mask_expiry(out) if expiry else out


def mask_pans_deep(value: Any, *, strict: bool = True) -> Any:
    """``value`` with :func:`mask_pans_in_text` applied to every string inside (dicts, their keys too, lists,
    tuples).

    Used on ``raw`` dicts and on anything written to a pack or report. The
    same object comes back when nothing needed masking.
    """
    if isinstance(value, str):
        if not _maybe_sensitive(value):
            return value
        masked = mask_pans_in_text(value, strict=strict)
        return value if masked == value else masked
    number = _number_digits(value)
    if number is not None:  # a card number kept as a number: masked as its digits would be, as text
        digits, exact = number
        masked = mask_pans_in_text(digits, strict=strict and exact, expiry=False)
        return value if masked == digits else masked
    if isinstance(value, dict):  # keys too: a raw dict may be keyed by what it read
        pairs = [
            (mask_pans_deep(k, strict=strict), mask_pans_deep(v, strict=strict)) for k, v in value.items()
        ]
        if all(mk is k and mv is v for (mk, mv), (k, v) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    if isinstance(value, list | tuple):
        parts = [mask_pans_deep(v, strict=strict) for v in value]
        if all(a is b for a, b in zip(parts, value, strict=True)):
            return value
        return parts if isinstance(value, list) else tuple(parts)
    return value


_FLOAT_EXACT = 2**53  # a binary float holds every whole number below this exactly, and not all above it


def _number_digits(value: Any) -> tuple[str, bool] | None:
    """The digits of a whole number long enough to be a card number (12 digits or more), and whether they are
    exact; ``None`` for anything else (text, a fraction, a bool, a short number).

    An int (numpy's too) or a whole ``Decimal`` is exact. A whole float from 2**53 on has lost its last digits
    (a 19-digit card number read as a float keeps 15-17 of them): its digits are not a card's check digit nor
    an identifier any more, so they are masked whenever they are 12-19 digits long (non-strict).
    """
    if isinstance(value, bool | np.bool_ | str):
        return None
    if isinstance(value, int | np.integer):
        whole = int(value)
        exact = True
    elif isinstance(value, float | np.floating | Decimal):
        try:
            if not value.is_finite() if isinstance(value, Decimal) else not np.isfinite(value):
                return None
            if value != int(value):
                return None
        except (OverflowError, ValueError, TypeError):
            return None
        whole = int(value)
        exact = isinstance(value, Decimal) or abs(whole) < _FLOAT_EXACT
    else:
        return None
    digits = str(abs(whole))
    return (digits, exact) if len(digits) >= 12 else None


def _maybe_sensitive(text: str) -> bool:
    return (
        might_hold_pan(text)
        or bool(re.search(r"(?i)exp|valid|good|有效|到期|失效", text))
        or bool(_CARD_DATE_HINT_RE.search(text))
    )


# might_hold_pan (_LONG_RUN or _GROUPED_HINT), an expiry word or a masked card with a date beside it, in
# literal characters so that RE2 (pyarrow) reads it as ``re`` does
_SENSITIVE_PATTERN = f"{_PAN_HINT_PATTERN}|(?i:exp|valid|good|有效|到期|失效)|{_CARD_DATE_HINT}"


def mask_pans_many(values: list[Any], *, strict: bool = True) -> list[Any]:
    """:func:`mask_pans_deep` of each value, with one regex pass over them all first.

    The strings of every value (a ``raw`` dict of strings, a string) are joined,
    one line each, and searched once; only the values with a match (and those
    of any other shape) go through :func:`mask_pans_deep`. The same objects come
    back where nothing needed masking, exactly as :func:`mask_pans_deep` gives.
    """
    texts: list[str] = []
    slow = []
    join = "\n".join  # a line break is part of no card number or word
    for k, value in enumerate(values):
        try:
            texts.append(join(chain(value.values(), value)))  # a dict of strings (most raw cells), keys too
            continue
        except (AttributeError, TypeError):
            pass
        if isinstance(value, str):
            texts.append(value)
        elif (
            isinstance(value, dict)
            and all(isinstance(key, str) for key in value)
            and all(
                isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in value.values()
            )
        ):  # a dict of text and ints: an int's digits are searched as text (a float's are not: 6.2e+18)
            texts.append(join(chain((v if isinstance(v, str) else str(v) for v in value.values()), value)))
        else:
            texts.append("")
            if value is not None and not (isinstance(value, float) and value != value):
                slow.append(k)
    out = list(values)
    if not values:
        return out
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.match_substring_regex(pa.array(texts, type=pa.large_string()), _SENSITIVE_PATTERN)
    hits = set(np.flatnonzero(np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)).tolist())
    for k in sorted(hits.union(slow)):
        out[k] = mask_pans_deep(values[k], strict=strict)
    return out
