"""Card SMS and push-notification text, Chinese and English bank forms.

One message per non-empty line (or paragraph) of a text file, or a string given
to :func:`parse_sms`. Extracted: card last4, date (often without a year:
resolved against ``ref``, default today, never into the future), time (keeps
minute or second precision), amount and currency, merchant, reference numbers
and direction (refund / deposit words give ``credit``). Rows are ``kind="sms"``.

>>> row = parse_sms("您尾号1234的信用卡11月20日14:32消费人民币128.50元,商户:XX便利店", ref="2026-12-01")
>>> row["card_last4"], row["amount_minor"], row["currency"], row["merchant_text"], str(row["ts"])
('1234', 12850, 'CNY', 'XX便利店', '2026-11-20 14:32:00+08:00')
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import normalise_currency, parse_amount
from receiptkit.readers.proofbase import DEFAULT_TZ_CN, read_records, read_text
from receiptkit.readers.table import source_name
from receiptkit.timeparse import parse_time

__all__ = ["parse_sms", "read", "sniff"]

_LAST4 = re.compile(
    r"(?:尾号|末四位|末4位|卡号[*＊xX]+|账户|账号|\bending(?:[ \t]+(?:in|with))?|\bcard[ \t]+(?:no\.?[ \t]*)?[*xX]+|(?<!\d)[*xX]{4,})[ \t]*[:：]?[ \t]*(\d{4})(?![\d-])",
    re.I,
)
_CUR = r"人民币|RMB|CNY|港币|港元|HKD|HK\$|美元|USD|US\$|欧元|EUR|英镑|GBP|日元|JPY|SGD|MOP|\$|¥|￥"
_AMOUNT_CN = re.compile(
    rf"(?P<verb>消费|支出|支付|付款|扣款|取现|转出|退货|退款|存入|转入|收入|入账|撤销)(?:交易|金额)?\s*[:：]?\s*"
    rf"(?P<cur>{_CUR})?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>元)?"
)
_AMOUNT_EN = re.compile(rf"(?P<cur>{_CUR})\s?(?P<num>\d[\d,]*(?:\.\d+)?)", re.I)
_CN_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
_EN_DATE = re.compile(
    r"(\d{1,2})\s*(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?(?:\s*,?\s*(\d{4}))?", re.I
)
_TIME = re.compile(r"(?<![\d:])(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?![\d:])")
_MERCHANT = [
    re.compile(r"(?:商户|商户名称|交易商户)\s*[:：]\s*([^,，。;；\s]+(?:\s[^,，。;；\s]+)*)"),
    re.compile(r"在\s*([^,，。;；]+?)\s*(?:消费|支付|付款|刷卡)"),
    re.compile(r"\bat\s+(.+?)(?=\s+on\s|\s+at\s|[,.;](?:\s|$)|\s*$)", re.I),
    re.compile(r"\bfrom\s+([A-Z0-9].+?)(?=\s+was\s|\s+on\s|[,.;](?:\s|$))"),
]
_REFERENCE = re.compile(
    r"(?:参考号|凭证号|授权码|交易流水号|流水号|RRN|ref(?:erence)?(?:\s*no\.?)?|auth(?:orization)?\s*code)\s*[:：#]?\s*([A-Za-z0-9]{4,})",
    re.I,
)
_CREDIT = re.compile(r"退货|退款|存入|转入|收入|入账|撤销|refund|credited|reversal|returned|deposit", re.I)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


def _first_line(head: str) -> str:
    for line in head.lstrip("\ufeff").splitlines():
        if line.strip():
            return line.strip()
    return ""


def sniff(head: str) -> bool:
    """True when the first non-empty line is, on its own, a card message (a card tail and an amount).

    Anchored to one line: a CSV whose header is ``date,description,amount,status``
    is never claimed because "pending" (a status) and "2024" (the next line's
    date) happen to read as "ending 2024".
    """
    first = _first_line(head)
    return bool(_LAST4.search(first)) and bool(_AMOUNT_CN.search(first) or _AMOUNT_EN.search(first))


def _date_text(text: str, ref: Any) -> tuple[str | None, bool]:
    match = _ISO_DATE.search(text)
    if match:
        return f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}", True
    match = _CN_DATE.search(text)
    if match:
        year, month, day = match.groups()
        return (f"{year}-{int(month):02d}-{int(day):02d}" if year else f"{int(month)}/{int(day)}"), True
    match = _EN_DATE.search(text)
    if match:
        day, month, year = match.groups()
        month_no = _MONTHS[month[:3].lower()]
        return (f"{year}-{month_no:02d}-{int(day):02d}" if year else f"{month_no}/{int(day)}"), True
    match = _SLASH_DATE.search(text)
    if match:
        return f"{int(match.group(1))}/{int(match.group(2))}", True
    return None, False


def parse_sms(text: str, *, ref: Any = None, tz: str = DEFAULT_TZ_CN) -> dict[str, Any]:
    """Extract the fields of one message; raises :class:`ProofError` when no amount is found."""
    message = " ".join(str(text).split())
    zone = tz
    found_ref = ref if ref is not None else pd.Timestamp.now(tz=zone).date()
    amount = _AMOUNT_CN.search(message)
    verb = amount.group("verb") if amount else ""
    if amount is None:
        amount = _AMOUNT_EN.search(message)
    if amount is None:
        raise ProofError("no amount found in the message", value=message[:60])
    cur_text = amount.group("cur")
    try:
        currency = normalise_currency(cur_text, "CNY") if cur_text else "CNY"
        money = parse_amount(amount.group("num"), currency)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="amount", value=amount.group(0)) from None
    date_text, _ = _date_text(message, found_ref)
    time_match = _TIME.search(message)
    when = " ".join(
        t for t in (date_text, time_match.group(0).replace("：", ":") if time_match else None) if t
    )
    if not when:
        raise ProofError("no date or time found in the message", column="date", value=message[:60])
    if date_text is None:
        when = f"{pd.Timestamp(found_ref).date().isoformat()} {when}"
    try:
        parsed = parse_time(when, zone, ref=found_ref)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="date", value=when) from None
    last4 = _LAST4.search(message)
    merchant = None
    for pattern in _MERCHANT:
        hit = pattern.search(message)
        if hit:
            merchant = hit.group(1).strip(" ,，.。")
            break
    reference = _REFERENCE.search(message)
    credit = bool(_CREDIT.search(verb)) if verb else bool(_CREDIT.search(message))
    day = parsed.precision == "day"
    return {
        "kind": "sms",
        "ts": pd.NaT if day else parsed.ts,
        "ts_precision": parsed.precision,
        "date": parsed.ts.tz_localize(None).normalize(),
        "amount_minor": money.minor,
        "currency": money.currency,
        "direction": "credit" if credit else "debit",
        "merchant_text": merchant,
        "card_last4": last4.group(1) if last4 else None,
        "reference": reference.group(1) if reference else None,
        "raw": {"text": message},
    }


def _messages(text: str) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            out.append((number, line.strip()))
    return out


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    ref: Any = None,
    name: str | None = None,
    **_: Any,
) -> pd.DataFrame:
    """Read a text file of messages, one per line; errors name the line."""
    name = name or source_name(source)
    zone = tz or DEFAULT_TZ_CN
    return read_records(
        _messages(read_text(source, name)),
        lambda message: parse_sms(message, ref=ref, tz=zone),
        name=name,
        tz=zone,
        strict=strict,
        what="messages",
        column="text",
    )
