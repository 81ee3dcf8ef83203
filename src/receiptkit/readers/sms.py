"""Card SMS and push-notification text, Chinese and English bank forms.

One message per non-empty line of a text file, a JSON document of captured
messages (the objects SMS and notification capture apps store: ``body``,
``title`` + ``text``, or ``description``, optionally under ``mMap``, with the
capture time ``t`` in milliseconds), or a string given to :func:`parse_sms`.

Extracted: the card tail, date and time, amount and currency, merchant,
reference numbers and direction. Rows are ``kind="sms"``. The rules, each
written from real wordings (``../shared/FIELD-GUIDE-PROOFS.md`` section 1):

- **Amount.** A labelled amount (``交易金额：29.90元``) first, then the number
  after a transaction verb (``消费``, ``支出(…)``, ``交易人民币-18.90``), then a
  number with a currency word or symbol before or after it (``RMB 45.00元``,
  ``34.69人民币``, ``74.26（人民币）``, ``858.00日元`` → JPY). A number whose
  field is a balance or credit line (``余额``, ``可用额度``, ``可用余额``) is never
  the amount; a message with no other number is refused.
- **Direction.** A sign (``人民币-18.90`` is money out), else the ``交易类型``
  field, else the verb (``退款``, ``退货``, ``收入``, ``存入``… give ``credit``),
  else refund words anywhere except in disclaimers (``以入账…为准``).
- **Date and time.** ``2024-12-24 13:05:14``, ``2024年10月05日``, ``24年10月09日``,
  ``12月03日``, ``21 Nov``, ``Nov 21, 2026``, ``HH:MM[:SS]``, ``10时27分``, ``19点37分59秒``;
  a numeric ``21/11/2026`` or ``03/11`` in the order ``tz``'s territory writes dates
  (or ``dayfirst=``), by :func:`~receiptkit.timeparse.parse_typed_time`, refused where
  it reads both ways and no order is in force. A year-less date
  takes the latest year that is not after ``ref`` (default today). The stated date
  and time are the payment's, whenever the message was captured; one after the
  capture time or more than :data:`MAX_ARRIVAL_DAYS` days before it is refused. A date that
  gives the **day of the month only** (``01日``, ``10日09:27``) takes its month
  from ``ref`` or the capture time (``raw["month_from"]``); without either it is
  refused, never given today's month. A message with **no date** (CMB pushes)
  takes the day it was captured, at day precision (``raw["date_from"] ==
  "capture time"``), and is refused when no capture time is known.
- **Card tail.** ``尾号1234``, ``尾号为1234``, ``尾数1234``, ``您账户1234``,
  ``您1234的信用卡``, ``您的信用卡1234``, ``交易卡号:9354``, ``借记卡（6510）``,
  ``招商银行信用卡(1356)``, ``card ending 9876``. A 3-digit tail (``尾号123``) is
  not a last 4: ``card_last4`` stays empty and ``raw["card_tail"]`` keeps it.
  A masked phone number (``185****6220``) is never read as a card.
- **Merchant.** A labelled field (``交易商户：``, ``商户名称：``, ``交易地址：``,
  ``交易说明：``) up to the end of its line or the next label (never running on
  into ``可用额度…`` or ``交易时间…``), else ``(消费X)`` after ``支出``/``收入``, or
  ``（X）`` after ``消费``/``退货``, else ``向X完成/支出``, ``在X消费/支付``, or
  English ``at X``. A truncated merchant (``美团支付-美团支…``) is kept as shown.
  Brackets inside the payee nest (``支出(消费罗森(莘庄店))`` → ``罗森(莘庄店)``); a
  payee cut inside its branch bracket (``消费（茶语轩(五角场店…）``) ends at the
  bracket the amount follows and keeps its ``…``.
- **Card data first.** Expiry dates (``有效期 09/39``) become ``**/**`` and full
  card numbers their first 6 + last 4 before anything is read; a full number is
  never the card's tail, and one that disagrees with the card named is refused.
- **Refused.** An amount that is not the whole token (``1E5元``, ``0x10元``,
  ``12 50元``, with or without a bracketed payee before it); a message that ends
  at its amount with fewer than two decimals (``…快捷支付0.8``: it may be cut);
  a message longer than :data:`MAX_MESSAGE_CHARS` (parsing is linear below it).
- **JSON rows.** Each captured message is its own row, numbered from 1 across
  the document; errors name that number.

>>> row = parse_sms("您尾号1234的信用卡11月20日14:32消费人民币128.50元,商户:XX便利店", ref="2026-12-01")
>>> row["card_last4"], row["amount_minor"], row["currency"], row["merchant_text"], str(row["ts"])
('1234', 12850, 'CNY', 'XX便利店', '2026-11-20 14:32:00+08:00')
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.jsonkeys import first_repeat, mark_repeats
from receiptkit.money import normalise_currency, parse_amount
from receiptkit.pan import mask_expiry, mask_pan, pan_spans
from receiptkit.readers.proofbase import DEFAULT_TZ_CN, read_records, read_text
from receiptkit.readers.table import source_name
from receiptkit.timeparse import _MONTH_NAME, parse_time, parse_typed_time

__all__ = ["MAX_ARRIVAL_DAYS", "MAX_MESSAGE_CHARS", "message_of", "parse_sms", "read", "sniff"]

#: The longest message read (characters, as received). A card SMS is at most a few hundred
#: characters and an app notification about a thousand; a longer text is refused unread.
MAX_MESSAGE_CHARS = 4_000
#: The most days a message may arrive after the date it states (``../shared/FIELD-GUIDE-PROOFS.md``: messages
#: arrive within a minute of the time they state, §1.2; a bank that told of a payment when it posts would be
#: up to 3 business days late, holds up to 5 days, §3.1: a week with its weekend). A message captured later
#: than this after its own date, or before it, is refused naming both: one of the two is wrong.
MAX_ARRIVAL_DAYS = 7
#: how far a message's own time may be after its capture time (the bank's and the phone's clocks)
_CLOCK_SLACK = pd.Timedelta(minutes=5)

# ---------------------------------------------------------------- card tail
#: four digits followed by a mask (``5258****``, ``6217 ****``) are a card number's first group, not its tail
_MASK_CHARS = "*＊xX•●·#…"
#: a run of mask characters (``****``, ``●●●●``, ``····``, ``…``)
_MASK_RUN = "[" + _MASK_CHARS + "]+"
_NOT_A_FIRST_GROUP = r"(?![\d" + _MASK_CHARS + r"]|[ \t-]+[" + _MASK_CHARS + r"])"
_TAILS = [
    # (pattern, digits group) in priority order; 3-digit tails only after 尾号/尾数
    re.compile(r"(?:尾号|尾数|末四位|末4位)(?:为|是)?\s*[:：]?\s*[*＊xX]*(\d{3,4})(?!\d)"),
    re.compile(r"(?:交易卡号|卡号|账号|帐号)\s*[:：]?\s*(?:\d{4,6})?[*＊xX]*(\d{4})" + _NOT_A_FIRST_GROUP),
    re.compile(r"(?:信用卡|借记卡|储蓄卡|银行卡|龙卡|卡)\s*[（(]\s*[*＊]*(\d{4})\s*[)）]"),
    re.compile(r"您(\d{4})的(?:信用卡|借记卡|储蓄卡|银行卡|卡|账户)"),
    re.compile(r"(?:您的|您)?(?:信用卡|借记卡|储蓄卡|银行卡|借记卡账户|账户)(\d{4})" + _NOT_A_FIRST_GROUP),
    # a masked card number after the card's own label, its first group (the BIN) shown, then the mask, then the
    # last 4: 您的信用卡5258********7731, 卡号6217 **** **** 9403, 6217-****-****-9403, 6217····9403 (bank apps and
    # SMS write it so). After every labelled tail above (a message naming 卡(9403) and a counterparty's 账户6222****5678
    # names its card by the label); the first group is never the tail, and 对方账户 is the counterparty's
    re.compile(
        r"(?<!对方)(?<!对方的)(?:交易卡号|卡号|信用卡|借记卡账户|借记卡|储蓄卡|银行卡|账户|帐号|账号|卡)\s*[:：]?\s*"
        r"\d{4,6}(?:[ \t-]*" + _MASK_RUN + r")+[ \t-]*(\d{4})(?![\d*＊])"
    ),
    re.compile(
        r"(?:\bending(?:[ \t]+(?:in|with))?|\bcard[ \t]+(?:no\.?[ \t]*)?[*xX]+|(?<![\d*])[*xX]{4,})"
        r"[ \t]*[:：]?[ \t]*(\d{4})(?![\d-])",
        re.I,
    ),
]
#: used by ``sniff``: a card tail written the way banks write it
_LAST4 = re.compile("|".join(f"(?:{p.pattern})" for p in _TAILS), re.I)

# ---------------------------------------------------------------- amount
_CUR_WORDS = {
    "人民币": "CNY",
    "RMB": "CNY",
    "CNY": "CNY",
    "元": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "港币": "HKD",
    "港元": "HKD",
    "HKD": "HKD",
    "HK$": "HKD",
    "美元": "USD",
    "USD": "USD",
    "US$": "USD",
    "欧元": "EUR",
    "EUR": "EUR",
    "英镑": "GBP",
    "GBP": "GBP",
    "日元": "JPY",
    "JPY": "JPY",
    "韩元": "KRW",
    "澳元": "AUD",
    "加元": "CAD",
    "新加坡元": "SGD",
    "SGD": "SGD",
    "新台币": "TWD",
    "澳门元": "MOP",
    "MOP": "MOP",
    "泰铢": "THB",
    "$": "USD",
}
_CUR = "|".join(re.escape(w) for w in sorted(_CUR_WORDS, key=len, reverse=True))
_NUM = r"(?P<sign>[-+－])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_AFTER = rf"(?:\s*[（(]\s*(?P<cur2b>{_CUR})\s*[)）]|\s*(?P<cur2>{_CUR}))?"
_LABELLED = re.compile(
    rf"(?:交易金额|消费金额|支出金额|支付金额|扣款金额|入账金额|退款金额|存入金额|金额)\s*[:：]?\s*(?P<cur1>{_CUR})?\s*{_NUM}{_AFTER}"
)
_VERBS = r"消费退货/退税|退货/退税|消费/预付款|预授权|消费|支出|支付|付款|扣款|取现|支取|转出|退货|退款|存入|转入|收入|入账|撤销|交易"
#: ``支出(消费罗森)`` and, one level deep, ``支出(消费罗森(莘庄店))``: bounded, so linear in the message
_PAREN = r"[（(](?P<paren>(?:[^（()）\n]|[（(][^（()）\n]{0,60}[)）]){1,60})[)）]"
_VERB_LED = re.compile(
    rf"(?P<verb>{_VERBS})(?:交易|金额)?\s*[:：]?\s*(?:{_PAREN})?\s*(?P<cur1>{_CUR})?\s*{_NUM}{_AFTER}"
)
_CUR_BEFORE = re.compile(rf"(?P<cur1>{_CUR})\s*{_NUM}{_AFTER}")
_CUR_AFTER = re.compile(rf"{_NUM}(?:\s*[（(]\s*(?P<cur2b>{_CUR})\s*[)）]|\s*(?P<cur2>{_CUR}))")
_AMOUNT_EN = re.compile(
    r"(?P<cur1>HK\$|US\$|S\$|\$|¥|￥|€|£|[A-Z]{3})\s?(?P<sign>-)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
)
#: words that make the number in their field a balance or a limit, never the amount
_NOT_AMOUNT = re.compile(r"余额|额度|可用|积分|剩余|balance|available|limit|credit line", re.I)
_FIELD_START = re.compile(r"[\n,，。;；!！|/]|\s{2,}")

# ---------------------------------------------------------------- date and time
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_CN_DATE = re.compile(r"(?:(?<!\d)(\d{4}|\d{2})年)?(?<!\d)(\d{1,2})月(\d{1,2})[日号]")
_DAY_ONLY = re.compile(r"(?<![\d.月年/-])(\d{1,2})[日号](?!元)")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
#: a numeric day and month with a year (``21/11/2026``, ``21.11.2026``, ``21-11-2026``; ``21/11/26`` too, to be refused
#: by timeparse as a year not written in full): read in the zone's order by :func:`parse_typed_time`
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.:-])\d{1,2}(?:/\d{1,2}/(?:\d{4}|\d{2})|([.-])\d{1,2}\1\d{4})(?![\d:]|[/.-]\d)"
)
#: a month by its name, day first (``21 Nov``, ``21NOV``, ``21 November 2026``) or after it (``Nov 21``, ``Nov 21, 2026``)
_EN_DATE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?[ \t-]*({_MONTH_NAME})(?:[ \t,-]*(\d{{4}})(?![\d:]))?", re.I
)
_EN_DATE_MONTH_FIRST = re.compile(
    rf"\b({_MONTH_NAME})[ \t]*(\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])(?:[ \t]*,?[ \t]*(\d{{4}})(?![\d:]))?", re.I
)
_TIME = re.compile(r"(?<![\d:.])(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?![\d:])")
_CN_TIME = re.compile(r"(?<!\d)(\d{1,2})[时点](\d{1,2})分(?:(\d{1,2})秒)?")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}

# ---------------------------------------------------------------- merchant
_LABEL = r"[\u4e00-\u9fffA-Za-z]{2,8}\s*[:：]"
_MERCHANT_LABELLED = re.compile(
    rf"(?:交易商户|商户名称|商户全称|商户|交易地址|交易地点|收款方|交易说明)\s*[:：]\s*(?P<m>[^\n,，;；。]{{1,200}}?)\s*(?=\s{{1,3}}{_LABEL}|\s/\s|[\n,，;；。]|$)"
)
_MERCHANT_PAREN = re.compile(
    r"(?P<verb>支出|收入|消费退货/退税|退货/退税|消费/预付款|消费|退货|退款)\s*[（(]"
)
_OPEN, _CLOSE = "（(", ")）"
#: what follows the bracket that closes a merchant: the amount (``）14.93元``, ``)24.4元``)
_AMOUNT_NEXT = re.compile(rf"\s*(?:{_CUR})?\s*[-+－]?\d")
_FIELD_END = re.compile(r"[，。;；\n]")
# each candidate is at most 100 characters, so that a message full of 在 or "at " stays linear
_MERCHANT_TO = [
    re.compile(r"向\s*(?P<m>[^,，。;；\n]{1,100}?)\s*完成"),
    re.compile(r"向\s*(?P<m>[^,，。;；\n]{1,100}?)\s*(?:支出|付款|转账)"),
    re.compile(
        r"在\s*(?P<m>[^,，。;；\n]{1,100}?)\s*(?:快捷支付|消费|支付|付款|刷卡|退款|退货|有一笔)(?![-－—（(])"
    ),
    re.compile(r"\bat\s+(?P<m>.{1,100}?)(?=\s+on\s|\s+at\s|[,.;](?:\s|$)|\s*$)", re.I),
    re.compile(r"\bfrom\s+(?P<m>[A-Z0-9].{0,100}?)(?=\s+was\s|\s+on\s|[,.;](?:\s|$))"),
]
#: a merchant candidate that holds a date, a time or an amount is not a merchant
_NOT_MERCHANT = re.compile(r"\d{1,2}[:：]\d{2}|\d+[月日年]|\d{4}-\d|\d+\.\d{2}|尾号|账户\d")
_CHANNEL_ONLY = re.compile(r"^(?:银联|网上|快捷|ATM|POS)?(?:消费|入账|支付|转账|取现)?$")

#: a reference number, whole (one that looked like a card number was masked: then no reference, never a piece)
_REFERENCE = re.compile(
    r"(?:参考号|凭证号|授权码|交易流水号|流水号|RRN|\bref(?:erence)?(?:\s*no\.?)?|auth(?:orization)?\s*code)\s*[:：#]?\s*([A-Za-z0-9]{4,})(?![A-Za-z0-9*])",
    re.I,
)
_CREDIT = re.compile(
    r"退货|退款|退税|存入|转入|收入|入账|撤销|冲正|refund|credited|reversal|returned|deposit", re.I
)
_FIELD_SPLIT = re.compile(r"([，,。;；\n])")
_TYPE_FIELD = re.compile(r"交易类型\s*[:：]\s*([^\n,，;；]+)")


#: what may not directly follow an amount's digits (it would make them part of something longer):
#: letters, digits, signs, ``.,`` before more digits, more digits after a space that end the field
#: (``12 50元``, ``人民币-12 50，余额``), or a mark before the unit (``12.50.元``, ``12.50,元``: a digit lost?)
_RUNS_ON = re.compile(
    rf"[0-9A-Za-z_+\-]|[.,]\s?[\d.,]|\s[.,]\d|\s+\d[\d,.]*\s*(?:{_CUR}|[，,。;；]|$)|\.(?:{_CUR})|,元"
)
#: where a card number is the message's own card-number field (``卡号``, ``交易卡号``, ``card no``)
_CARD_NUMBER_LABEL = re.compile(r"(?:卡号|卡号码|card\s*(?:no\.?|number))\s*[:：]?\s*$", re.I)
#: a number in a reference field (``流水号4111…``) is masked if it looks like a card, but names no card
_REFERENCE_LABEL = re.compile(
    r"(?:参考号|凭证号|授权码|流水号|订单号|交易号|单号|RRN|\bref(?:erence)?(?:\s*no\.?)?)\s*[:：#]?\s*$",
    re.I,
)
#: where a whole card number is the customer's own paying card (newcomer 19, G7): right after "your card"
#: (``您的信用卡``, ``您的招商银行借记卡``, ``您账户``, ``Your card``) or the transaction's card field (``交易卡号:``).
#: A bare ``卡号`` after the payee may be anyone's (a shop's, a counterparty's): not this.
_PAYING_CARD_LABEL = re.compile(
    # the words between 您 and the card never name a transfer's other side (向/给/对方/收款...: the payee's card,
    # review 20 §7: 您向张三的账户6222... was read as the customer's card)
    r"(?:您的?(?:(?![向给对收转至到付与和])[\u4e00-\u9fff]){0,8}?(?:信用卡|借记卡|储蓄卡|银行卡|卡|账户)|交易卡号"
    r"|\byour\s+card(?:\s+(?:no\.?|number))?)"
    r"\s*[:：]?\s*$",
    re.I,
)


def _first_line(head: str) -> str:
    for line in head.lstrip("\ufeff").splitlines():
        if line.strip():
            return line.strip()
    return ""


_JSON_TEXT_KEY = re.compile(r'"(?:body|text|description|mMap)"\s*:')


def sniff(head: str) -> bool:
    """True when the first non-empty line is, on its own, a card message (a card tail and an amount),
    or a JSON document of captured messages (``body`` / ``title`` + ``text`` / ``description``).

    Anchored to one line: a CSV whose header is ``date,description,amount,status``
    is never claimed because "pending" (a status) and "2024" (the next line's
    date) happen to read as "ending 2024".
    """
    first = _first_line(head)
    if first[:1] in ("{", "["):
        return bool(_JSON_TEXT_KEY.search(head)) and bool(_VERB_LED.search(head) or _CUR_AFTER.search(head))
    # a card tail, or a whole card number written as the paying card (您的信用卡6217000010012345677: G7)
    card = bool(_LAST4.search(first)) or any(paying for *_, paying in _mask_card_data(first)[1])
    return card and bool(
        _LABELLED.search(first)
        or _VERB_LED.search(first)
        or _CUR_BEFORE.search(first)
        or _CUR_AFTER.search(first)
        or _AMOUNT_EN.search(first)
    )


# ---------------------------------------------------------------- pieces


def _field_before(message: str, start: int) -> str:
    """The text of the field the number at ``start`` sits in, from the last separator."""
    head = message[max(0, start - 200) : start]  # a field is never that long: linear in the message
    cut = 0
    for sep in _FIELD_START.finditer(head):
        cut = sep.end()
    return head[cut:]


def _amount(message: str) -> tuple[re.Match[str], str] | None:
    """The match of the transaction amount and how it was found (labelled / verb / currency / en)."""
    for how, pattern in (
        ("labelled", _LABELLED),
        ("verb", _VERB_LED),
        ("currency", _CUR_BEFORE),
        ("currency", _CUR_AFTER),
    ):
        for match in pattern.finditer(message):
            if _NOT_AMOUNT.search(_field_before(message, match.start("num"))):
                continue
            if (
                how == "verb"
                and match.group("verb") == "交易"
                and not (
                    match.group("cur1") or match.group("cur2") or match.group("cur2b") or match.group("sign")
                )
            ):
                continue  # "交易" alone before a bare number is too weak
            return match, how
    for match in _AMOUNT_EN.finditer(message):
        code = match.group("cur1")
        if code.isalpha() and code.isupper() and code not in _CUR_WORDS and not _is_iso(code):
            continue
        if _NOT_AMOUNT.search(_field_before(message, match.start("num"))):
            continue
        return match, "en"
    return None


def _is_iso(code: str) -> bool:
    try:
        return normalise_currency(code) == code
    except ReceiptkitError:
        return False


def _currency(match: re.Match[str]) -> str | None:
    words = [w for w in (match.groupdict().get(g) for g in ("cur1", "cur2", "cur2b")) if w]
    # "元" is the unit word after any currency ("人民币24.15元", "RMB 45.00元"): only alone does it say CNY
    named = {_CUR_WORDS.get(w) or normalise_currency(w, "CNY") for w in words if w != "元"}
    if len(named) > 1:
        raise ProofError("two currencies in one amount", column="amount", value=match.group(0))
    if named:
        return named.pop()
    return "CNY" if words else None


def _two_digit_year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _last_day_not_after(day: int, ref: dt.date) -> dt.date | None:
    """The latest date with this day of the month that is not after ``ref`` (within a year)."""
    year, month = ref.year, ref.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, day)
            if candidate <= ref:
                return candidate
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return None


def _year_for(month: int, day: int, ref: dt.date) -> int:
    year = ref.year
    for _ in range(5):  # 29 February needs a leap year
        try:
            if dt.date(year, month, day) <= ref:
                return year
        except ValueError:
            pass
        year -= 1
    return year


def _date(
    message: str,
    ref: dt.date | None,
    today: dt.date,
    zone: str = DEFAULT_TZ_CN,
    dayfirst: bool | None = None,
    captured: dt.date | None = None,
) -> tuple[dt.date | None, dict[str, str]]:
    """(date, notes) read from the message; ``None`` when it names none.

    A numeric day and month (``21/11/2026``, ``03/11``) is read by :func:`parse_typed_time`: in the order
    ``zone``'s territory writes dates (``Asia/Hong_Kong`` day first, ``Asia/Shanghai`` month first) or
    ``dayfirst`` gives, and refused where it reads both ways and no order is in force. With a capture
    day (``captured``) and no ``dayfirst``, the capture time decides first: a card message arrives within
    minutes of the payment (field guide 1.2), so when exactly one of the two orders gives a date on or
    up to :data:`MAX_ARRIVAL_DAYS` days before the capture day, that is the date (a Hong Kong card's
    ``04/11/2026``, received on 4 November, read with the Shanghai default; note ``order_from``).
    """
    notes: dict[str, str] = {}
    numeric = _NUMERIC_DATE.search(message) or _SLASH_DATE.search(message)
    try:
        match = _ISO_DATE.search(message)
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))), notes
        match = _CN_DATE.search(message)
        if match:
            year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
            if year:
                return dt.date(_two_digit_year(year), month, day), notes
            return dt.date(_year_for(month, day, ref or today), month, day), notes
        for pattern, day_at, month_at in ((_EN_DATE, 1, 2), (_EN_DATE_MONTH_FIRST, 2, 1)):
            match = pattern.search(message)
            if match:
                day_text, month_name, year = match.group(day_at), match.group(month_at), match.group(3)
                month = _MONTHS[month_name[:3].lower()]
                if year:
                    return dt.date(int(year), month, int(day_text)), notes
                return dt.date(_year_for(month, int(day_text), ref or today), month, int(day_text)), notes
    except ValueError:
        assert match is not None  # only a date read from a match raises ValueError
        raise ProofError("not a calendar date", column="date", value=match.group(0)) from None
    if numeric:
        if captured is not None and dayfirst is None:
            readings = []
            for order in (True, False):
                try:
                    readings.append(
                        parse_typed_time(numeric.group(0), zone, ref=ref or today, dayfirst=order).ts.date()
                    )
                except ReceiptkitError:
                    continue
            fits = {day for day in readings if 0 <= (captured - day).days <= MAX_ARRIVAL_DAYS}
            if len(fits) == 1:
                if len(set(readings)) > 1 or len(readings) == 1:  # the order mattered
                    notes["order_from"] = "capture time"
                return fits.pop(), notes
        try:
            parsed = parse_typed_time(numeric.group(0), zone, ref=ref or today, dayfirst=dayfirst)
        except ReceiptkitError as exc:
            raise ProofError(exc.reason, column="date", value=numeric.group(0)) from None
        return parsed.ts.date(), notes
    match = _DAY_ONLY.search(message)
    if match:
        day = int(match.group(1))
        if ref is None:
            raise ProofError(
                "the message gives the day of the month only: give ref= (the day it was received)",
                column="date",
                value=match.group(0),
            )
        found = _last_day_not_after(day, ref) if 1 <= day <= 31 else None
        if found is None:
            raise ProofError("not a day of the month", column="date", value=match.group(0))
        notes["month_from"] = "ref"
        return found, notes
    return None, notes


#: AM/PM right after a clock time, as English texts of Hong Kong cards may write it (``2:32PM``, ``2:32 p.m.``)
_AM_PM = re.compile(r"\s*([AaPp])\.?\s*[Mm]\.?(?![A-Za-z])")


def _time(message: str) -> str | None:
    """``HH:MM`` or ``HH:MM:SS`` as written (``14:32``, ``10时27分``, ``19点37分59秒``; ``2:32PM`` is 14:32), or None."""
    for pattern in (_TIME, _CN_TIME):
        match = pattern.search(message)
        if match:
            hour, minute, second = match.groups()
            half = _AM_PM.match(message, match.end()) if pattern is _TIME else None
            if half is not None:
                if not 1 <= int(hour) <= 12:
                    raise ProofError(
                        "not an hour of a 12-hour clock (AM/PM)",
                        column="time",
                        value=message[match.start() : half.end()],
                    )
                hour = str(int(hour) % 12 + (12 if half.group(1) in "Pp" else 0))
            if second is not None:
                return f"{int(hour):02d}:{int(minute):02d}:{int(second):02d}"
            return f"{int(hour):02d}:{int(minute):02d}"
    return None


def _mask_card_data(message: str) -> tuple[str, list[tuple[int, int, str, bool]]]:
    """``message`` with expiry dates as ``**/**`` and full card numbers masked (first 6 + last 4).

    Expiry dates go first (``有效期 09/39`` is then never read as a date). A card
    number is a 13-19 digit number with a network prefix and a valid check digit,
    or any 12-19 digit number in the message's card-number field (``卡号…``).
    Returns the masked text and where each masked number now sits (start, end,
    its last 4, empty when it is in a reference field, and whether it is the
    paying card: a valid 13-19 digit card number right after ``您的信用卡``,
    ``交易卡号:``, ``Your card``; only then is its last 4 the card's tail).
    """
    text = mask_expiry(message)
    strict = [(a, b) for a, b, _ in pan_spans(text, strict=True)]
    spans = [  # each strict span lies inside a lenient one (which may reach further: "4111.1111.1111.1111.55")
        (a, b, digits)
        for a, b, digits in pan_spans(text, strict=False)
        if any(a < y and x < b for x, y in strict)
        or _CARD_NUMBER_LABEL.search(text[max(0, a - 20) : a])
        or _PAYING_CARD_LABEL.search(text[max(0, a - 20) : a])  # a grouped number there is never a tail (H6)
    ]
    if not spans:
        return text, []
    pieces: list[str] = []
    where: list[tuple[int, int, str, bool]] = []
    last = size = 0
    for start, end, digits in spans:
        pieces.append(text[last:start])
        size += start - last
        masked = mask_pan(digits)
        pieces.append(masked)
        before = text[max(0, start - 20) : start]
        reference = _REFERENCE_LABEL.search(before)
        # the paying card: a whole number right after "your card" (G7), its check digit right or not: a typed
        # slip of one digit or an account number there still ends in the card's tail, and its first group was
        # read as the card before (newcomer 20, H6: 您的信用卡6258 0712 3456 7788 as ****6258, a stranger's sale)
        paying = not reference and 13 <= len(digits) <= 19 and _PAYING_CARD_LABEL.search(before) is not None
        where.append((size, size + len(masked), "" if reference else digits[-4:], paying))
        size += len(masked)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), where


def _tail(message: str, pans: Sequence[tuple[int, int, str, bool]] = ()) -> tuple[str | None, bool]:
    """The card the message names (``尾号1234``, ``信用卡(1234)``…), or the last 4 of the whole card number it
    names as the paying card (``您的信用卡6217 0000 1001 2345 677``: 5677); never another full number in it.

    ``pans`` are the places of the full card numbers :func:`_mask_card_data`
    masked. When the message names a card and also holds a full card number
    ending otherwise, or names two whole numbers ending otherwise as its card,
    which card paid is unclear: :class:`ProofError`. Returns the tail and whether it came from a whole number.
    """
    named, whole = None, False
    for pattern in _TAILS:
        for match in pattern.finditer(message):
            digits = match.group(1)
            if any(start <= match.start(1) < end for start, end, _, _ in pans):
                continue  # a full card number (masked): never the source of the tail
            before = message[max(0, match.start() - 3) : match.start()]
            if re.search(r"1[3-9]\d$", before) and "*" in match.group(0):
                continue  # a masked mobile number, 185****6220
            named = digits
            break
        if named is not None:
            break
    if named is None:
        paying = sorted({last4 for _, _, last4, card in pans if card})
        if len(paying) > 1:
            raise ProofError(
                f"the message names two whole card numbers as the card, ending {paying[0]} and {paying[1]}: "
                "which card paid is unclear",
                column="card_last4",
                value=" / ".join(paying),
            )
        named, whole = (paying[0], True) if paying else (None, False)
    if named is not None:
        others = sorted({last4 for _, _, last4, _ in pans if last4 and not last4.endswith(named)})
        if others:
            raise ProofError(
                f"the message names the card ending {named} but also holds a full card number ending "
                f"{others[0]}: which card paid is unclear",
                column="card_last4",
                value=f"{named} / {others[0]}",
            )
    return named, whole


def _bracketed(message: str, start: int) -> str | None:
    """The text inside the bracket opened just before ``start``, brackets inside it kept.

    Brackets nest (``(消费罗森(莘庄店))``). A payee cut short can leave an inner
    bracket open (``（茶语轩(五角场店…）``): when the brackets do not balance before
    the field ends, the closing bracket is the one the amount follows. ``None``
    when neither is found within 80 characters.
    """
    depth = 0
    window = message[start : start + 80]
    end = _FIELD_END.search(window)
    for index, char in enumerate(window[: end.start()] if end else window):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            if depth == 0:
                return window[:index]
            depth -= 1
    for index, char in enumerate(window):
        if char in _CLOSE and _AMOUNT_NEXT.match(window, index + 1):
            return window[:index]
    return None


def _merchant(message: str) -> str | None:
    hit = _MERCHANT_LABELLED.search(message)
    if hit:
        return hit.group("m").strip(" ,，.。") or None
    for hit in _MERCHANT_PAREN.finditer(message):
        inside = _bracketed(message, hit.end())
        if inside is None:
            continue
        body = inside.strip()
        if hit.group("verb") in ("支出", "收入"):
            # ICBC: 支出(消费X) / 收入(退款X); 支出(银联消费) names only the channel
            inner = re.match(r"(?:消费|退款|退货|支付)(.+)", body)
            if inner is None:
                return None
            body = inner.group(1).strip()
        if body and not _CHANNEL_ONLY.match(body) and not _NOT_MERCHANT.search(body):
            return body
        return None
    for pattern in _MERCHANT_TO:
        for hit in pattern.finditer(message):
            candidate = hit.group("m").strip(" ,，.。")
            if candidate and not _NOT_MERCHANT.search(candidate):
                return candidate
    return None


def _without_disclaimers(message: str) -> str:
    """``message`` without the fields that say what is authoritative (``以入账…为准``); linear."""
    pieces = _FIELD_SPLIT.split(message)
    kept = []
    for piece in pieces:
        start = piece.find("以")
        if start >= 0 and piece.find("为准", start + 1) > 0:
            continue
        kept.append(piece)
    return "".join(kept)


def _direction(message: str, match: re.Match[str], how: str) -> str:
    sign = match.groupdict().get("sign")
    if sign in ("-", "－"):
        return "debit"
    if sign == "+":
        return "credit"
    kind = _TYPE_FIELD.search(message)
    if kind:
        return "credit" if _CREDIT.search(kind.group(1)) else "debit"
    if how == "verb":
        words = match.group("verb") + (match.group("paren") or "")[:2]
        return "credit" if _CREDIT.search(words) else "debit"
    return "credit" if _CREDIT.search(_without_disclaimers(message)) else "debit"


def _as_date(value: Any, zone: str) -> dt.date | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(zone)
    return stamp.date()


def parse_sms(
    text: str, *, ref: Any = None, tz: str = DEFAULT_TZ_CN, captured: Any = None, dayfirst: bool | None = None
) -> dict[str, Any]:
    """Extract the fields of one message; raises :class:`ProofError` when it cannot be read safely.

    ``ref`` is the day the message was received (year-less dates are not after
    it; a day-of-month-only date takes its month). ``captured`` is the capture
    time of the message (a timestamp); it serves as ``ref`` and dates a message
    that names no date at all (day precision). The date and time the message
    states are the payment's: the capture time is only a fallback and a bound.
    A stated date after the capture time (5 minutes' slack), or more than
    :data:`MAX_ARRIVAL_DAYS` days before it, is refused naming both.
    ``dayfirst`` is the order of a numeric day/month (``03/11``); by default
    the order ``tz``'s territory writes dates (:func:`~receiptkit.timeparse.zone_dayfirst`).
    """
    text = str(text)
    if len(text) > MAX_MESSAGE_CHARS:
        raise ProofError(
            f"the message is longer than {MAX_MESSAGE_CHARS:,} characters (a card SMS or notification "
            "is a few hundred): not read",
            column="text",
            value=f"{len(text):,} characters",
        )
    lines = [" ".join(line.split()) for line in text.splitlines()]
    message, pans = _mask_card_data("\n".join(line for line in lines if line))
    zone = tz
    captured_at = pd.Timestamp(captured).tz_convert(zone) if captured is not None else None
    ref_date = _as_date(ref, zone) or (captured_at.date() if captured_at is not None else None)
    today = pd.Timestamp.now(tz=zone).date()
    found = _amount(message)
    if found is None:
        raise ProofError("no amount found in the message", value=message[:60])
    match, how = found
    lead = match.start("sign") if match.group("sign") else match.start("num")
    head = message[:lead].rstrip()
    before = head[-1:]
    own = match.groupdict().get("cur1") is not None and match.end("cur1") == len(
        head
    )  # "RMB45.00": the currency word
    currency_after = re.match(_CUR, message[match.end("num") :])
    if (before and (before in "0123456789._" or (before.isascii() and before.isalpha() and not own))) or (
        _RUNS_ON.match(message, match.end("num")) and not currency_after
    ):
        # "0x588.98", "12.5e3", "1E5", "1_000", "12.34.56", "155.,09", "9 .16", "35.62-", "12 50": the
        # number runs on into other characters, so which part is the amount is a guess; refuse it
        # rather than read "0", "12.5", "5" or "155.00"
        raise ProofError(
            "the amount runs on into other characters",
            column="amount",
            value=message[match.start("num") :][:20],
        )
    decimals = len(match.group("num").partition(".")[2])
    if message[match.end("num") :].strip() in ("", ".") and decimals < 2:
        # every wording in the field guide follows its amount with a currency word or a mark (元,
        # 人民币, "，", "。"), and those without 元 write two decimals (1169.00，): a message that
        # ends at "0.8" or "45" cannot be told from one cut inside its amount (0.86元, 458.00元)
        raise ProofError(
            "the message ends at the amount, with fewer than two decimals and no 元 or mark after it: "
            "it may have been cut",
            column="amount",
            value=message[match.start("num") :][:20],
        )
    try:
        currency = _currency(match) or "CNY"
        money = parse_amount(match.group("num"), currency)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="amount", value=match.group(0)) from None
    date, notes = _date(
        message, ref_date, today, zone, dayfirst, captured_at.date() if captured_at is not None else None
    )
    clock = _time(message)
    if date is None:
        if captured_at is None:
            raise ProofError(
                "no date in the message (and no capture time): the day cannot be known",
                column="date",
                value=message[:60],
            )
        notes["date_from"] = "capture time"
        date = captured_at.date()
        latest = (captured_at + pd.Timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
        if clock and f"{date.isoformat()} {clock}" > latest:
            date = date - dt.timedelta(days=1)  # paid before midnight, captured after
    when = f"{date.isoformat()} {clock}" if clock else date.isoformat()
    try:
        parsed = parse_time(when, zone)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="date", value=when) from None
    if captured_at is not None and "date_from" not in notes:
        _check_arrival(parsed.ts, parsed.precision, captured_at)
    tail, from_whole = _tail(message, pans)
    reference = _REFERENCE.search(message)
    raw: dict[str, Any] = {"text": message, **notes}
    whole = [last4 for _, _, last4, card in pans if last4]
    if from_whole:
        raw["card_from"] = "whole card number (masked): its last 4"
    if (
        tail is None and whole
    ):  # a card-like number is there but is not the card: said, never silently dropped
        raw["card_not_compared"] = (
            f"the message holds a whole card number ending {whole[0]} that it does not name as the paying "
            "card: the card was not compared"
        )
    if how == "verb" and re.search("预授权|预付款", match.group("verb")):
        raw["preauthorisation"] = True  # may be completed for another amount
    if tail is not None and len(tail) != 4:
        raw["card_tail"] = tail
    if captured_at is not None:
        raw["captured_at"] = captured_at.isoformat()
    day = parsed.precision == "day"
    return {
        "kind": "sms",
        "ts": pd.NaT if day else parsed.ts,
        "ts_precision": parsed.precision,
        "date": parsed.ts.tz_localize(None).normalize(),
        "amount_minor": abs(money.minor),
        "currency": money.currency,
        "direction": _direction(message, match, how),
        "merchant_text": _merchant(message),
        "card_last4": tail if tail is not None and len(tail) == 4 else None,
        "reference": reference.group(1) if reference else None,
        "raw": raw,
    }


def _check_arrival(stated: pd.Timestamp, precision: str, captured_at: pd.Timestamp) -> None:
    """Refuse a message whose own date its capture time rules out: after it, or days before it."""
    day = precision == "day"
    shown = f"{stated:%Y-%m-%d}" if day else f"{stated:%Y-%m-%d %H:%M}"
    both = f"{shown} in the message, received {captured_at:%Y-%m-%d %H:%M}"
    if (stated.date() > captured_at.date()) if day else (stated > captured_at + _CLOCK_SLACK):
        raise ProofError(
            "the message states a payment after it was received: its date or its capture time is wrong "
            "(a date read the wrong way round, a phone clock, a time in another zone)",
            column="date",
            value=both,
        )
    late = (captured_at.date() - stated.date()).days if day else (captured_at - stated) / pd.Timedelta(days=1)
    if late > MAX_ARRIVAL_DAYS:
        raise ProofError(
            f"the message was received more than {MAX_ARRIVAL_DAYS} days after the date it states (card "
            "messages arrive within minutes): the date read may not be the payment's",
            column="date",
            value=both,
        )


# ---------------------------------------------------------------- files


def message_of(record: Any) -> tuple[str, Any]:
    """(message text, capture time or None) of one captured JSON object.

    The text is ``body`` (SMS), ``title`` + ``text`` (app notification) or
    ``description`` (WeChat official-account message), looked up in the
    object or in its ``mMap``/``data`` member; the capture time is ``t`` /
    ``timestamp`` / ``time`` in milliseconds (or seconds) since the epoch.
    """
    if not isinstance(record, dict):
        raise ProofError("each captured message must be a JSON object", value=str(record)[:40])
    inner = record
    for key in ("mMap", "data", "message"):
        if isinstance(record.get(key), dict):
            inner = {**record, **record[key]}
            break
    text = None
    for key in ("body", "description"):
        if isinstance(inner.get(key), str) and inner[key].strip():
            text = inner[key]
            break
    if text is None and isinstance(inner.get("text"), str) and inner["text"].strip():
        title = inner.get("title")
        text = f"{title}\n{inner['text']}" if isinstance(title, str) and title.strip() else inner["text"]
    if text is None:
        raise ProofError(
            "no message text in the object (body, title + text, or description)",
            column="record",
            value=str(sorted(inner))[:60],
        )
    captured = None
    for key in ("t", "timestamp", "time", "date"):
        value = inner.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            unit = "ms" if value > 10**11 else "s"
            try:
                captured = pd.Timestamp(value, unit=unit, tz="UTC")
            except (ValueError, OverflowError):
                raise ProofError("capture time out of range", column=key, value=value) from None
            break
    return text, captured


def _json_records(text: str, name: str) -> list[tuple[int, Any]]:
    """(row, message object) per captured message; ``row`` is the message's number in the document.

    Every message is its own row, counted from 1 across the document (one object per line, a list,
    or ``{"messages": [...]}``), so that a refused message names itself and no other.
    """
    decoder = json.JSONDecoder(object_pairs_hook=mark_repeats)
    out: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,\ufeff":
            position += 1
        if position >= len(text):
            break
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise ProofError(
                f"not valid JSON ({exc.msg})", file=name, row=exc.lineno, value=text[exc.pos : exc.pos + 20]
            ) from None
        except RecursionError:
            line = text.count("\n", 0, position) + 1
            raise ProofError("JSON nested too deeply", file=name, row=line) from None
        if isinstance(value, list):
            out.extend(value)
        elif isinstance(value, dict) and isinstance(value.get("messages"), list):
            out.extend(value["messages"])
        else:
            out.append(value)
        position = end
    if not out:
        raise ProofError("empty JSON document", file=name, row=1)
    return list(enumerate(out, start=1))


#: marks that end a message as banks write them: a file without a final line break whose last message
#: ends with one of them was not cut inside that message
_CLOSING_MARKS = ("。", ".", "！", "!", "】", "]", "）", ")", "」", "”")
#: why the last message of a text file without a final line break is not read
CUT_MESSAGE_REASON = (
    "the file ends inside this message (no final line break, and the message does not end with "
    "。 . ！ 】 or ）): it may be cut; if the file is complete, end it with a line break"
)


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
    dayfirst: bool | None = None,
    **_: Any,
) -> pd.DataFrame:
    """Read a text file of messages (one per line) or a JSON document of captured messages; errors name the line."""
    name = name or source_name(source)
    zone = tz or DEFAULT_TZ_CN
    text = read_text(source, name)
    if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):

        def parse_record(record: Any) -> dict[str, Any]:
            twice = first_repeat(record)
            if twice is not None:  # each value would be a different message: neither is guessed
                raise ProofError(
                    f"the key {twice!r} appears twice in this message: which value is meant is not known",
                    column="record",
                )
            message, captured = message_of(record)
            return parse_sms(message, ref=ref, tz=zone, captured=captured, dayfirst=dayfirst)

        return read_records(
            _json_records(text, name),
            parse_record,
            name=name,
            tz=zone,
            strict=strict,
            what="messages",
            column="record",
        )
    messages = _messages(text)
    # a text file that does not end with a line break may have been cut inside its last message (a
    # merchant "示例便利" for "示例便利店", an amount "12.3" for "12.34"): that message is read only when it
    # ends at a mark that closes a message (。 】 ！ ...); otherwise it is refused, naming its line
    open_end = bool(messages) and not text.rstrip(" \t").endswith(("\n", "\r"))
    last_line = messages[-1][0] if open_end else -1

    def parse_line(line: int, message: str) -> dict[str, Any]:
        row = parse_sms(
            message, ref=ref, tz=zone, dayfirst=dayfirst
        )  # its own refusal (an amount cut) comes first
        if line == last_line and not message.endswith(_CLOSING_MARKS):
            raise ProofError(CUT_MESSAGE_REASON, column="text", value=message[-20:])
        return row

    return read_records(
        [(line, (line, message)) for line, message in messages],
        lambda record: parse_line(*record),
        name=name,
        tz=zone,
        strict=strict,
        what="messages",
        column="text",
    )
