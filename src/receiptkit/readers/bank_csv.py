"""Bank statement exports (CSV, .xls, .xlsx) as declarative specs: one small spec per bank.

Rows are ``kind="bank_statement"``. ``date`` is the transaction date (交易日)
when the export has one, else the posting date, which is also kept in
``raw["posting_date"]``; ``ts`` is set only when the export has a clock time.
Chinese exports are read in ``Asia/Shanghai`` and HSBC HK in
``Asia/Hong_Kong`` unless ``tz=`` is given. A bank not listed here is a
:func:`make_spec` call (or a dozen-line :class:`ProofSpec`)::

    >>> spec = make_spec("mybank", {"date": "Date", "amount": "Amount", "merchant_text": "Payee"},
    ...                  currency="EUR", tz="Europe/Berlin")
    >>> spec.header
    ('Date', 'Amount', 'Payee')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError
from receiptkit.readers.proofbase import ProofSpec, read_spec
from receiptkit.readers.protocol import Head
from receiptkit.readers.spec import detect as detect_layout
from receiptkit.readers.table import Col, RawTable, source_name

__all__ = ["HSBC_MAX_POSTING_LAG_DAYS", "SPECS", "detect", "hsbc_sale_day", "make_spec", "read", "sniff"]

_T = "time"
_A = "amount"

CMB_CREDIT = ProofSpec(
    "cmb_credit",
    # the card column is 卡号末四位 or, in other exports, 卡号后四位: not part of the header that identifies
    header=("交易日", "记账日", "交易摘要", "人民币金额"),
    fields={
        "date": Col("交易日", kind=_T),
        "posted": Col("记账日", kind=_T),
        "amount": Col("人民币金额", kind=_A),
        "merchant_text": Col("交易摘要"),
        "card_last4": Col("卡号末四位", "卡号后四位"),
    },
    sign="positive_debit",
    preamble_year=r"(?P<y>\d{4})年(?P<m>\d{1,2})月",
    description="招商银行信用卡对账单; MM/DD dates take their year from the title",
)

CMB_DEBIT = ProofSpec(
    "cmb_debit",
    header=("记账日期", "货币", "交易金额", "联机余额", "交易摘要"),
    fields={
        "date": Col("记账日期", kind=_T),
        "amount": Col("交易金额", kind=_A),
        "currency": Col("货币", kind="currency"),
        "merchant_text": Col("对手信息", "客户摘要", "交易摘要"),
    },
    description="招商银行借记卡交易明细",
)

ICBC = ProofSpec(
    "icbc",
    header=("交易日期", "摘要", "交易场所", "交易金额(收入)", "交易金额(支出)"),
    fields={
        "date": Col("交易日期", kind=_T),
        "posted": Col("记账日期", kind=_T),
        "debit": Col("交易金额(支出)", "记账金额(支出)", kind=_A),
        "credit": Col("交易金额(收入)", "记账金额(收入)", kind=_A),
        "currency": Col("交易币种", "记账币种", kind="currency"),
        "merchant_text": Col("交易场所", "对方户名", "摘要"),
    },
    stop_at=r"合计",
    preamble={"card_last4": r"卡号[:：]\s*[\d*]*(\d{4})(?![\d*])"},
    description="工商银行明细查询文件 (credit and debit v1/v2); last4 from the 卡号 line",
)

CCB = ProofSpec(
    "ccb",
    header=("记账日", "交易日期", "交易时间", "支出", "收入", "账户余额"),
    fields={
        "ts": Col("__ts", kind=_T),
        "posted": Col("记账日", kind=_T),
        "debit": Col("支出", kind=_A),
        "credit": Col("收入", kind=_A),
        # 币种 in the .xls sample; 币别 (beside 钞汇) in the CSV download
        "currency": Col("币种", "币别", kind="currency"),
        "merchant_text": Col("交易地点", "对方户名", "摘要"),
    },
    combine={"__ts": ("交易日期", "交易时间")},
    stop_at=r"^以上数据仅供参考",
    preamble={"card_last4": r"账\s*号[:：,]*\s*[\dxX*]*(\d{4})(?![\dxX*])"},
    description="建设银行交易明细 (.xls)",
)

CITIC_CREDIT = ProofSpec(
    "citic_credit",
    header=("交易日期", "入账日期", "交易描述", "卡末四位", "交易金额"),
    fields={
        "date": Col("交易日期", kind=_T),
        "posted": Col("入账日期", kind=_T),
        "amount": Col("交易金额", kind=_A),
        "currency": Col("交易币种", kind="currency"),
        "merchant_text": Col("交易描述"),
        "card_last4": Col("卡末四位"),
    },
    sign="positive_debit",
    description="中信银行信用卡本期账单明细 (.xls)",
)

SPDB_DEBIT = ProofSpec(
    "spdb_debit",
    header=("顺序号", "交易日期", "交易类型", "存入金额", "取出金额"),
    fields={
        "ts": Col("交易日期", kind=_T),
        "debit": Col("取出金额", kind=_A),
        "credit": Col("存入金额", kind=_A),
        "merchant_text": Col("交易对手名称", "交易类型"),
    },
    preamble={"card_last4": r"账号[:：,]*\s*[\dxX*]*(\d{4})(?![\dxX*])"},
    description="浦发银行借记卡交易明细 (.xls)",
)

BOC_CREDIT = ProofSpec(
    "boc_credit",
    header=("交易日", "银行记账日", "卡号后四位", "交易描述", "存入", "支出"),
    fields={
        "date": Col("交易日", kind=_T),
        "posted": Col("银行记账日", kind=_T),
        "debit": Col("支出", kind=_A),
        "credit": Col("存入", kind=_A),
        "currency": Col("币种", kind="currency"),
        "merchant_text": Col("交易描述"),
        "card_last4": Col("卡号后四位"),
    },
    description="中国银行信用卡账单",
    # the sample export ends without a line break: its last cell, 币种, is a whole code
    complete_tail=r"[A-Z]{3}",
)

BOC_DEBIT = ProofSpec(
    "boc_debit",
    header=("记账日期", "记账时间", "币别", "金额", "余额", "交易名称"),
    fields={
        "ts": Col("__ts", kind=_T),
        "amount": Col("金额", kind=_A),
        "currency": Col("币别", kind="currency"),
        "merchant_text": Col("对方账户名", "附言", "交易名称"),
        "card_last4": Col("借记卡号", kind="last4"),
    },
    combine={"__ts": ("记账日期", "记账时间")},
    description="中国银行交易流水明细单",
    # the sample export ends without a line break: its last cell, 借记卡号, is 4 digits
    complete_tail=r"\d{4}",
)

BOCOM_CREDIT = ProofSpec(
    "bocom_credit",
    header=("交易日期", "记账日期", "交易说明", "交易币种/金额", "入账币种/金额"),
    fields={
        "date": Col("交易日期", kind=_T),
        "posted": Col("记账日期", kind=_T),
        "currency": Col("交易币种/金额", kind="currency", regex=r"^([A-Z]{3})"),
        "amount": Col("交易币种/金额", kind=_A),
        "direction": Col(
            "交易说明",
            regex=r"^(\S+)",
            values={
                "消费": "debit",
                "取现": "debit",
                "退货": "credit",
                "信用卡还款": "credit",
                "还款": "credit",
            },
            default="",
        ),
        "merchant_text": Col("交易说明", regex=r"^\S+\s+(.+)$"),
    },
    sign="unsigned",
    context=("交易说明",),
    description="交通银行信用卡; the type word opening 交易说明 gives the direction",
)

BOCOM_DEBIT = ProofSpec(
    "bocom_debit",
    header=("序号", "交易日期", "交易时间", "交易类型", "借贷", "交易金额"),
    fields={
        "ts": Col("__ts", kind=_T),
        "amount": Col("交易金额", kind=_A),
        "direction": Col("借贷", regex=r"^\s*(借|贷)", values={"借": "debit", "贷": "credit"}),
        "merchant_text": Col("对方户名", "交易地点", "交易类型"),
    },
    combine={"__ts": ("交易日期", "交易时间")},
    sign="unsigned",
    description="交通银行借记卡",
)

ABC_DEBIT = ProofSpec(
    "abc_debit",
    header=("交易日期", "交易时间", "交易摘要", "交易金额", "本次余额"),
    fields={
        "ts": Col("__ts", kind=_T),
        "amount": Col("交易金额", kind=_A),
        "merchant_text": Col("对手信息", "交易附言", "交易摘要"),
        "reference": Col("日 志 号", "日志号"),
    },
    combine={"__ts": ("交易日期", "交易时间")},
    description="农业银行借记卡; 交易时间 may be empty (then day precision)",
)

CGB_CREDIT = ProofSpec(
    "cgb_credit",
    header=("交易日期", "入账日期", "交易摘要", "交易金额", "交易货币"),
    fields={
        "date": Col("交易日期", kind=_T),
        "posted": Col("入账日期", kind=_T),
        "amount": Col("交易金额", kind=_A),
        "currency": Col("交易货币", kind="currency"),
        "merchant_text": Col("交易摘要"),
    },
    sign="positive_debit",
    description="广发银行信用卡",
)

HSBC_HK_CREDIT = ProofSpec(
    "hsbc_hk_credit",
    header=("Transaction date", "Post date", "Description", "Billing amount", "Credit / Debit"),
    fields={
        "date": Col("Transaction date", kind=_T, fmt="%d/%m/%Y"),
        "posted": Col("Post date", kind=_T, fmt="%d/%m/%Y"),
        "amount": Col("Billing amount", kind=_A),
        "currency": Col("Billing currency", kind="currency"),
        "direction": Col("Credit / Debit", values={"DEBIT": "debit", "CREDIT": "credit"}),
        "merchant_text": Col("Merchant name", "Description"),
    },
    tz="Asia/Hong_Kong",
    currency="HKD",
    description="HSBC Hong Kong credit card",
    # the sample export ends without a line break: its last cell is CREDIT or DEBIT
    complete_tail=r"CREDIT|DEBIT",
)

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# the day of the sale at the end of an HSBC HK current-account line: "TRIPLE Z   HC1234567890123456   22MAR",
# "MOBILE WITHDRAWAL        (22MAR25)" (the public sample); upper-case English month abbreviations only
_HSBC_DAY = re.compile(
    r"(?:^|\s)(?:(?P<d>[0-3][0-9])(?P<m>" + "|".join(_MONTHS) + r")"
    r"|\((?P<d2>[0-3][0-9])(?P<m2>" + "|".join(_MONTHS) + r")(?P<y2>[0-9]{2})\))\s*$"
)
# the card line's reference before the day: one token of letters and at least 8 digits ("HC1234567890123456")
_HSBC_REF = re.compile(r"\s+(?P<ref>(?=[A-Z0-9]*[0-9]{8})[A-Z0-9]{10,})\s*$")
#: How long before its posting date an HSBC HK line's sale may be (a card network's presentment window).
HSBC_MAX_POSTING_LAG_DAYS = 31


def hsbc_sale_day(description: str, posted: pd.Timestamp) -> tuple[pd.Timestamp, str, str | None] | None:
    """The sale's day an HSBC HK current-account line writes in its text, read against its posting date.

    ``(day, text before the day and the reference, reference or None)``, or None when the text ends in
    no day, or in one that does not fit: a day that does not exist (``31FEB``), a written year that puts it
    after the posting date, or a day more than :data:`HSBC_MAX_POSTING_LAG_DAYS` before it. ``22MAR``
    takes the posting date's year, or the year before when 22 March comes after the posting date: never
    a day in the future of the posting date.

    >>> hsbc_sale_day("TRIPLE Z                 HC1234567890123456   22MAR", pd.Timestamp("2025-03-24"))
    (Timestamp('2025-03-22 00:00:00'), 'TRIPLE Z', 'HC1234567890123456')
    >>> hsbc_sale_day("CAFE   30DEC", pd.Timestamp("2026-01-02"))[0]
    Timestamp('2025-12-30 00:00:00')
    >>> hsbc_sale_day("MOBILE WITHDRAWAL        (22MAR25)", pd.Timestamp("2025-03-24"))[0]
    Timestamp('2025-03-22 00:00:00')
    >>> hsbc_sale_day("CAFE   31FEB", pd.Timestamp("2025-03-03")) is None
    True
    """
    found = _HSBC_DAY.search(description)
    if found is None or pd.isna(posted):
        return None
    day = int(found.group("d") or found.group("d2"))
    month = _MONTHS.index(found.group("m") or found.group("m2")) + 1
    posted = pd.Timestamp(posted).normalize()
    if found.group("y2") is not None:
        years = [2000 + int(found.group("y2"))]
    else:
        years = [posted.year, posted.year - 1]
    sale = None
    for year in years:
        try:
            candidate = pd.Timestamp(year=year, month=month, day=day)
        except ValueError:  # 31FEB, 29FEB of a common year: not a day
            return None
        if candidate <= posted:
            sale = candidate
            break
    if sale is None or (posted - sale).days > HSBC_MAX_POSTING_LAG_DAYS:
        return None
    text = description[: found.start()].rstrip()
    reference = _HSBC_REF.search(text)
    if reference is not None and reference.start() > 0:
        return sale, text[: reference.start()].rstrip(), reference.group("ref")
    return sale, text, None


def _hsbc_debit_refine(frame: pd.DataFrame, raw: RawTable) -> pd.DataFrame:
    """The sale's day written in the text (``22MAR``) as ``date``; the Date column stays the posting date.

    The reference and the day leave ``merchant_text`` (they are no part of the shop's name) and go to
    ``raw["reference"]`` and ``raw["transaction_day"]``; ``raw["posting_date"]`` keeps the Date column.
    A line whose day is missing or does not fit (:func:`hsbc_sale_day`) keeps its posting date.
    """
    if "merchant_text" not in frame.columns or not len(frame):
        return frame
    texts = frame["merchant_text"].to_numpy(dtype=object)
    dates = frame["date"].copy()
    merchant = frame["merchant_text"].copy()
    raws = frame["raw"].to_numpy(dtype=object)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        found = hsbc_sale_day(text, dates.iloc[position])
        if found is None:
            continue
        day, name, reference = found
        dates.iloc[position] = day
        merchant.iloc[position] = name or pd.NA
        record = raws[position]
        if isinstance(record, dict):
            record["transaction_day"] = day.date().isoformat()
            if reference is not None:
                record["reference"] = reference
    frame["date"] = dates
    frame["merchant_text"] = merchant
    return frame


HSBC_HK_DEBIT = ProofSpec(
    "hsbc_hk_debit",
    header=("Date", "Description", "Billing amount", "Billing currency", "Balance currency"),
    fields={
        # the Date column is the posting date; a card line writes the sale's day in its text (22MAR)
        "posted": Col("Date", kind=_T, fmt="%d/%m/%Y"),
        "amount": Col("Billing amount", kind=_A),
        "currency": Col("Billing currency", kind="currency"),
        "merchant_text": Col("Description"),
    },
    tz="Asia/Hong_Kong",
    currency="HKD",
    refine=_hsbc_debit_refine,
    description="HSBC Hong Kong current account; a card line's sale day (22MAR) is read from its text",
    # the sample export ends without a line break: its last cell, Balance currency, is a code
    complete_tail=r"[A-Z]{3}",
)

SPECS: dict[str, ProofSpec] = {
    s.name: s
    for s in (
        CMB_CREDIT,
        CMB_DEBIT,
        ICBC,
        CCB,
        CITIC_CREDIT,
        SPDB_DEBIT,
        BOC_CREDIT,
        BOC_DEBIT,
        BOCOM_CREDIT,
        BOCOM_DEBIT,
        ABC_DEBIT,
        CGB_CREDIT,
        HSBC_HK_CREDIT,
        HSBC_HK_DEBIT,
    )
}


def make_spec(
    name: str,
    mapping: Mapping[str, str | Col],
    *,
    kind: str = "bank_statement",
    sign: str = "negative_debit",
    currency: str = "CNY",
    tz: str = "Asia/Shanghai",
    **options: Any,
) -> ProofSpec:
    """A generic bank CSV reader from a mapping ``field -> column name`` (or :class:`Col`).

    Field names are those of :class:`ProofSpec`; ``ts``, ``date``, ``posted`` are read
    as times and ``amount``, ``debit``, ``credit`` as amounts when given as plain names.
    """
    kinds = {
        "ts": _T,
        "date": _T,
        "posted": _T,
        "amount": _A,
        "debit": _A,
        "credit": _A,
        "currency": "currency",
    }
    fields: dict[str, Col] = {}
    header: list[str] = []
    for key, value in mapping.items():
        col = value if isinstance(value, Col) else Col(value, kind=kinds.get(key, "text"))
        fields[key] = col
        if col.names and col.names[0] not in header:
            header.append(col.names[0])
    return ProofSpec(
        name, header=tuple(header), fields=fields, kind=kind, sign=sign, currency=currency, tz=tz, **options
    )


def detect(head: Head | str) -> ProofSpec | None:
    """The bank spec whose header row is among the first rows of ``head`` (the most specific when
    several are: :func:`receiptkit.readers.spec.detect`), or None."""
    return detect_layout(SPECS.values(), head)


def sniff(head: Head | str) -> bool:
    """True when ``head`` (a :class:`~receiptkit.readers.protocol.Head` or decoded text) is a known bank export."""
    return detect(head) is not None


def read(
    source: Any,
    *,
    format: str | None = None,
    tz: str | None = None,
    strict: bool = True,
    head: Head | str | None = None,
    name: str | None = None,
    mapping: Mapping[str, str | Col] | None = None,
    spec: ProofSpec | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Read a bank export with the spec named by ``format``, given as ``spec`` or ``mapping``, or sniffed."""
    if spec is None and mapping is not None:
        spec = make_spec(format or "bank_csv", mapping, **options)
    if spec is None:
        spec = SPECS.get(format or "") or (detect(head) if head is not None else None)
    if spec is None:
        raise ProofError("not a known bank export layout", file=name or source_name(source), row=1)
    return read_spec(source, spec, tz=tz, strict=strict, name=name)
