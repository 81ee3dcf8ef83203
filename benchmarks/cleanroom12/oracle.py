"""The oracle: what a duplicate of a journal row must show, checked on decoded text.

Every expectation cites the documentation it comes from:

- docs/slips.md "Duplicate marking and privacy": DUPLICATE 重打印 banner (inverted on ESC/POS), the original
  date, time, 凭证号, batch, reference and auth code kept; times in the zone of the row's ``ts`` (a region's
  zone as local time, otherwise with the offset, ``... UTC`` / ``... UTC+08:00``); card last 4 by default,
  never more than ``pan_masked``; no expiry; a card number or expiry in free text masked; a refund prints
  ``-``; a partly refunded sale carries ``PARTLY REFUNDED 部分退款``.
- docs/journal.md "Limits": currencies with their ISO decimals (JPY 0, KWD 3), amounts up to 10^15 minor units.
- docs/reprint.md "The rules": declined / voided / refunded rows are refused; "Reprint N" counted per
  transaction.

Each check returns one of ``right``, ``WRONG`` (the slip shows something else: silently wrong), ``missing``
(nothing to compare), with a short detail.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .journal import EXPONENT, Row

RIGHT, WRONG, MISSING, UNREAD = "right", "WRONG", "missing", "unread"

MARKERS = {
    "CNY": ("RMB", "CNY", "¥"),
    "HKD": ("HKD", "HK$"),
    "USD": ("USD", "US$", "$"),
    "JPY": ("JPY", "¥", "円"),
    "KWD": ("KWD", "KD"),
}
MARKER_RE = re.compile(r"(-?)\s*(RMB|CNY|HKD|HK\$|USD|US\$|JPY|KWD|KD|\$|¥|円)\s*(-?)\s*(\d[\d,]*(?:\.\d+)?)")
DATE_RE = re.compile(r"(20\d\d)[/-](\d\d)[/-](\d\d)")
TIME_RE = re.compile(r"(?<!\d)(\d\d):(\d\d):(\d\d)(?!\d)")
PRINTED_AFTER = (2026, 12, 1)  # journal dates end before this; later dates are the PRINTED AT line


def norm(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII: FIELD-NOTES, OCR) with line breaks kept."""
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    """NFKC without any whitespace: wrapped lines and OCR's dropped spaces compare alike."""
    return re.sub(r"\s+", "", norm(text))


def strip_astral(text: str) -> str:
    """Without characters outside the BMP (emoji) and their joiners/variation selectors."""
    return "".join(ch for ch in text if ord(ch) < 0x10000 and ch not in "\u200d\ufe0f")


def local_time(row: Row) -> tuple[str, str, str]:
    """(YYYY/MM/DD, HH:MM:SS, marker) as the slip must print the row's time."""
    zone = row.shop.zone
    if zone == "+08:00":
        t = row.utc + timedelta(hours=8)
        marker = "UTC+08:00"
    elif zone == "Z":
        t = row.utc
        marker = "UTC"
    else:
        t = row.utc.astimezone(ZoneInfo(zone))
        marker = ""
    return t.strftime("%Y/%m/%d"), t.strftime("%H:%M:%S"), marker


def amount_text(row: Row) -> str:
    """The amount in its currency's minor units, without grouping."""
    minor = int(row.cells["amount_minor"])
    exp = EXPONENT[row.cells["currency"]]
    if exp == 0:
        return str(minor)
    return f"{minor // 10**exp}.{minor % 10**exp:0{exp}d}"


def check_amount(row: Row, text: str) -> tuple[str, str]:
    want = amount_text(row)
    currency = row.cells["currency"]
    refund = row.cells["txn_type"] == "refund"
    found = []
    for m in MARKER_RE.finditer(norm(text)):
        sign = "-" if (m.group(1) or m.group(3)) else ""
        found.append((m.group(2), sign, m.group(4).replace(",", "")))
    if not found:
        return MISSING, f"no amount with a currency found (want {currency} {want})"
    for marker, sign, number in found:
        if number == want:
            if marker not in MARKERS[currency]:
                return WRONG, f"{marker} {number} for a {currency} row"
            if refund and sign != "-":
                continue
            if not refund and sign == "-":
                return WRONG, f"-{number} on a {row.cells['txn_type']}"
            return RIGHT, ""
    if refund and any(n == want for _, _, n in found):
        return WRONG, f"refund {want} printed without '-'"
    return WRONG, f"want {currency} {'-' if refund else ''}{want}, slip shows {found[:3]}"


def _dates_times(text: str) -> tuple[set[str], set[str]]:
    dates: set[str] = set()
    times: set[str] = set()
    for line in norm(text).splitlines():
        ds = DATE_RE.findall(line)
        if any((int(y), int(mo), int(d)) >= PRINTED_AFTER for y, mo, d in ds):
            continue  # the PRINTED AT line: the reprint's own time
        dates.update(f"{y}/{mo}/{d}" for y, mo, d in ds)
        # OCR drops the space between date and time (FIELD-NOTES): take the dates out first
        times.update(f"{h}:{mi}:{s}" for h, mi, s in TIME_RE.findall(DATE_RE.sub(" ", line)))
    return dates, times


def check_time(row: Row, text: str, linked: Iterable[Row]) -> tuple[str, str]:
    date, time, marker = local_time(row)
    ok_dates = {date} | {local_time(r)[0] for r in linked}
    ok_times = {time} | {local_time(r)[1] for r in linked}
    dates, times = _dates_times(text)
    stray = (dates - ok_dates) | (times - ok_times)
    if stray:
        return WRONG, f"want {date} {time} {marker}".rstrip() + f", slip shows {sorted(dates | times)}"
    if date not in dates or time not in times:
        return MISSING, f"want {date} {time}; found {sorted(dates | times)}"
    if marker:
        line = next((ln for ln in norm(text).splitlines() if time in ln), "")
        if marker not in line.replace(" ", ""):
            return WRONG, f"{time} printed without its offset {marker} (line {line.strip()!r})"
    return RIGHT, ""


def check_present(value: str, text: str) -> tuple[str, str]:
    if not value:
        return RIGHT, ""
    return (RIGHT, "") if compact(value) in compact(text) else (MISSING, f"{value!r} not found")


def check_merchant(expected: str, text: str, others: Iterable[str]) -> tuple[str, str]:
    body = compact(text)
    want = compact(expected)
    if want in body:
        return RIGHT, ""
    bare = compact(strip_astral(expected))
    if bare and bare in body:
        return RIGHT, "emoji dropped"
    for other in others:
        o = compact(other)
        if o and o != want and o in body:
            return WRONG, f"another shop's name {other!r}"
    return MISSING, f"{expected!r} not found"


def check_duplicate(text: str, inverted: str | None) -> tuple[str, str]:
    t = norm(text)
    if "DUPLICATE" not in t or "重打印" not in t:
        return MISSING, "no DUPLICATE 重打印"
    if inverted is not None and "DUPLICATE" not in inverted:
        return WRONG, "DUPLICATE banner not inverted (GS B)"
    return RIGHT, ""


REPRINT_RE = re.compile(r"(REPRINT|重打印次数)[^\n\d]*?(\d+)?\s*$")


def check_reprint_no(text: str, want: int) -> tuple[str, str]:
    lines = [ln.strip() for ln in norm(text).splitlines()]
    seen = []
    for k, line in enumerate(lines):
        if "DUPLICATE" in line and "REPRINT" not in line:
            continue
        m = REPRINT_RE.search(line)
        if not m:
            continue
        number = m.group(2)
        if number is None and k + 1 < len(lines) and lines[k + 1].isdigit():
            number = lines[k + 1]
        if number is not None:
            seen.append(int(number))
    if not seen:
        return MISSING, "no reprint number"
    if want in seen and len(set(seen)) == 1:
        return RIGHT, ""
    return WRONG, f"want reprint {want}, slip shows {seen}"


MASK_RE = re.compile(r"(\d{0,6})\s?([*＊xX•]{3,}[\s*]*)(\d{4})(?!\d)")


def digit_runs(text: str) -> list[str]:
    """Digit runs joined over single spaces, dashes or dots (a card written in groups)."""
    t = norm(text)
    return ["".join(re.findall(r"\d", m)) for m in re.findall(r"\d+(?:[ \-.]\d+)*", t)]


def check_card(row: Row, text: str, first6: bool = False) -> tuple[str, str]:
    """Last 4 by default; with ``first6`` (``pan_digits="first6last4"``) the first 6 only where the journal shows them."""
    pan = row.full_pan
    if row.cells["channel"] != "card" or not pan:
        return RIGHT, ""
    t = norm(text)
    matches = MASK_RE.findall(t)
    if not matches:
        return MISSING, "no masked card number"
    journal_shows_first6 = row.pan_form in ("masked", "full", "fullwidth")
    for shown, _stars, last in matches:
        if last != pan[-4:]:
            continue
        if not shown:
            if first6 and journal_shows_first6:
                return MISSING, "first6last4 asked and the journal shows them, slip shows last 4 only"
            return RIGHT, ""
        if not first6:
            return WRONG, f"{shown}...{last} shown: docs say last 4 by default"
        if not journal_shows_first6:
            return WRONG, f"{shown}...{last} shown, journal's pan_masked shows only the last 4"
        if shown != pan[: len(shown)] or len(shown) > 6:
            return WRONG, f"{shown}...{last} shown, card starts {pan[:6]}"
        return RIGHT, ""
    return WRONG, f"card shows {matches[:2]}, want last 4 {pan[-4:]}"


def check_no_full_pan(pans: Iterable[str], text: str) -> tuple[str, str]:
    runs = digit_runs(text)
    for pan in pans:
        if pan and any(pan in r for r in runs):
            return WRONG, f"full card number {pan[:6]}...{pan[-4:]} printed"
    return RIGHT, ""


EXP_RE = re.compile(r"(?<![\d/])(12/28|09/27|1228|0927)(?![\d/])")


def check_no_expiry(text: str) -> tuple[str, str]:
    t = norm(text)
    m = EXP_RE.search(t)
    if m:
        ctx = t[max(0, m.start() - 12) : m.end() + 2].replace("\n", " ")
        return WRONG, f"expiry {m.group(1)} printed ({ctx!r})"
    return RIGHT, ""


def check_strangers(values: Iterable[tuple[str, str]], text: str) -> tuple[str, str]:
    body = compact(text)
    for txn, value in values:
        if value and compact(value) in body:
            return WRONG, f"{value!r} of {txn}"
    return RIGHT, ""


def check_type(row: Row, text: str) -> tuple[str, str]:
    t = norm(text).upper()
    refund_word = any(w in t for w in ("REFUND", "退货", "退款"))
    if row.cells["txn_type"] == "refund":
        return (RIGHT, "") if refund_word else (WRONG, "refund slip without REFUND/退货")
    if "SALE" not in t and "消费" not in t:
        return MISSING, "no SALE/消费"
    return RIGHT, ""


def check_refund_mark(row: Row, text: str) -> tuple[str, str]:
    """docs/reprint.md, Refunded sales: PARTLY REFUNDED 部分退款 / REFUNDED 已退款 (overridden) on every output."""
    t = norm(text)
    if row.cells["txn_type"] != "sale":
        return RIGHT, ""
    if row.refund_mark == "partial":
        if "PARTLY REFUNDED" in t and "部分退款" in t:
            return RIGHT, ""
        return WRONG, "partly refunded sale printed without PARTLY REFUNDED 部分退款"
    if row.refund_mark == "full":
        if "PARTLY" in t or "部分退款" in t:
            return WRONG, "fully refunded sale printed as PARTLY REFUNDED"
        if "REFUNDED" in t and "已退款" in t:
            return RIGHT, ""
        return WRONG, "fully refunded sale (override) printed without REFUNDED 已退款"
    if "REFUNDED" in t or "已退款" in t:
        return WRONG, "REFUNDED on a sale with no refund"
    return RIGHT, ""


def check_status(row: Row, text: str, override: str | None) -> tuple[str, str]:
    """docs/reprint.md, The rules: an overridden declined sale prints e.g. ``DECLINED - OVERRIDE: declined``."""
    t = norm(text).upper()
    if row.cells["status"] == "declined":
        if "DECLINED" in t and (override is None or "OVERRIDE" in t):
            return RIGHT, ""
        return WRONG, "declined row printed without DECLINED / OVERRIDE"
    if "DECLINED" in t or "REVERSED" in t:
        return WRONG, "an approved row printed as DECLINED/REVERSED"
    return RIGHT, ""


def utcnow() -> datetime:
    return datetime.now(UTC)
