"""Writers for the fuzz oracle (issue #18): render known transactions in each format a reader handles.

Each writer takes a list of :class:`Entry` (what happened: when, how much, which
way, with whom) and returns a :class:`Written`: the file's lines, what each line
carries (the entry it belongs to and the canonical columns it feeds), and the
frame the reader must return. The layouts are written from the formats' own
documentation (SWIFT MT940, ISO 20022 camt.05x, OFX 1.x/2.x) and from the
public sample exports, never from the readers' code, so a reader that drifts
from the layout fails here.

Table exports (bank, wallet, PayPal, Stripe, journal presets, settlement
files) are :class:`Table` objects: header, rows of cells, and per column the
kind of cell (amount, time, text...) and the canonical columns it feeds, so
that cell-level damage knows what it may legitimately change.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from hypothesis import strategies as st

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HAN = "示例便利店超市餐厅咖啡书店饭馆面包房药房"
NULL_WORDS = frozenset({"nan", "null", "none", "n/a"})


@dataclass(frozen=True)
class Entry:
    """One transaction as it happened."""

    when: dt.datetime  # aware, whole seconds
    minor: int  # > 0
    debit: bool  # money left the customer / account holder
    merchant: str
    ref: str
    last4: str


@st.composite
def entries(
    draw: Any,
    *,
    zone: dt.tzinfo = SHANGHAI,
    max_minor: int = 10**9,
    min_size: int = 1,
    max_size: int = 6,
    alphabet: str = LATIN,
    han: bool = False,
    max_name: int = 20,
) -> list[Entry]:
    """A few entries in ``zone`` with distinct references."""
    n = draw(st.integers(min_size, max_size))
    out = []
    base = dt.datetime(2026, 1, 1)
    for position in range(n):
        seconds = draw(st.integers(0, 365 * 86_400 - 1))
        naive = base + dt.timedelta(seconds=seconds)
        letters = alphabet + (HAN if han else "")
        words = draw(
            st.lists(st.text(letters, min_size=1, max_size=8), min_size=1, max_size=max(1, max_name // 9))
        )
        # words that tables read as "no value" ("NaN", "null", "N/A", ...) are not names
        words = [word for word in words if word.lower() not in NULL_WORDS] or ["X"]
        merchant = " ".join(words)[:max_name].strip() or "X"
        out.append(
            Entry(
                when=naive.replace(tzinfo=zone),
                minor=draw(st.integers(1, max_minor)),
                debit=draw(st.booleans()),
                merchant=merchant,
                ref=f"R{position}{draw(st.text('ABCDEFGHJK0123456789', min_size=3, max_size=10))}",
                last4=draw(st.text("0123456789", min_size=4, max_size=4)),
            )
        )
    return out


def decimal_text(minor: int, places: int = 2, mark: str = ".") -> str:
    """``12345`` -> ``"123.45"`` (``mark`` is the decimal mark)."""
    if places == 0:
        return str(minor)
    units, cents = divmod(minor, 10**places)
    return f"{units}{mark}{cents:0{places}d}"


def local_day(when: dt.datetime) -> pd.Timestamp:
    return pd.Timestamp(when.date())


# --------------------------------------------------------------------------- line formats


@dataclass(frozen=True)
class Role:
    """What one line of a written file carries: the entry (or None) and the columns it feeds."""

    entry: int | None
    columns: tuple[str, ...] = ()
    primary: bool = False  # the line that makes the entry
    amount: tuple[int, int] | None = None  # span of the amount token in the line
    #: what deleting the line makes of the file: ``strict`` (not a valid file: refuse, or read the same),
    #: ``change`` (a valid file whose entry differs in ``columns``), ``drop`` (the entry is gone),
    #: ``glue`` (the entry is gone and its details may join the previous entry's ``loose`` columns)
    delete: str = "strict"
    #: what repeating the line makes of it: ``strict``, ``change`` or ``repeat`` (the entry twice,
    #: the copies equal except in ``loose``)
    duplicate: str = "strict"
    loose: tuple[str, ...] = ()


@dataclass
class Written:
    """A file written from known entries, and what the reader must return."""

    lines: list[str]
    roles: list[Role]
    expected: pd.DataFrame
    columns: tuple[str, ...]
    encoding: str = "utf-8"
    amount_syntax: Callable[[str, str], int | None] | None = None
    currency: str = "CNY"
    trailing_newline: bool = True
    #: columns an amount token feeds besides amount_minor (the direction, for signed amounts)
    amount_also: tuple[str, ...] = ()
    #: free text: a space ends a number ("2.7 5" is 2.70 and the word "5"), so no space is put inside it
    free_text: bool = False

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.trailing_newline else "")

    def data(self) -> bytes:
        return self.text().encode(self.encoding)


def proofs_expected(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(columns))
    return frame


EXPONENT = {"JPY": 0, "KRW": 0, "CNY": 2, "EUR": 2, "USD": 2, "HKD": 2, "GBP": 2}


def plain_decimal(token: str, currency: str, *, mark: str = ".", max_digits: int = 18) -> int | None:
    """The minor units of a plain ``digits[mark digits]`` token, or None when it is not one.

    The strict reading of an amount field that a layout documents as a plain
    decimal: ASCII digits, one decimal mark, at most the currency's decimals.
    """
    match = re.fullmatch(rf"(\d+)(?:{re.escape(mark)}(\d*))?", token)
    if match is None:
        return None
    units, fraction = match.group(1), (match.group(2) or "")
    places = EXPONENT[currency]
    if len(fraction.rstrip("0")) > places or len(units.lstrip("0")) + places > max_digits:
        return None
    value = int(units) * 10**places + (int(fraction.rstrip("0").ljust(places, "0")) if places else 0)
    return value if value <= 10**15 else None


# MT940 ------------------------------------------------------------------------------


def mt940(items: Sequence[Entry], *, currency: str = "EUR", structured: bool = False) -> Written:
    """A SWIFT MT940 statement: ``:61:`` value date, entry date, mark, amount (comma), type code, refs; ``:86:`` text."""
    places = EXPONENT[currency]
    lines = [":20:STMT1", ":25:NL00TEST0123456789", ":28C:1/1"]
    roles = [Role(None)] * 3
    first = min(e.when for e in items)
    opening = 10**12
    lines.append(f":60F:C{first:%y%m%d}{currency}{decimal_text(opening, places, ',')}")
    roles.append(Role(None))
    rows = []
    balance = opening
    for position, entry in enumerate(items):
        amount = decimal_text(entry.minor, places, ",")
        mark = "D" if entry.debit else "C"
        head = f":61:{entry.when:%y%m%d}{entry.when:%m%d}{mark}"
        ref = entry.ref[:16]
        lines.append(f"{head}{amount}NMSC{ref}//B{position}")
        roles.append(
            Role(
                position,
                ("date", "amount_minor", "direction", "reference"),
                primary=True,
                amount=(len(head), len(head) + len(amount)),
                # a :61: removed leaves its :86: after the previous entry's, which banks such as
                # Rabobank write as several :86: lines of one entry: undetectable after the first entry
                delete="glue",
                duplicate="repeat",
                loose=("merchant_text",),
            )
        )
        text = entry.merchant
        chunks = [text[i : i + 65] for i in range(0, len(text), 65)] or [""]
        lines.append(f":86:{chunks[0]}")
        # a :86: written twice is a valid file: banks such as Rabobank write several :86: lines per entry,
        # read as one text (docs/proofs.md, MT940), so only that entry's merchant_text may change
        roles.append(Role(position, ("merchant_text",), delete="change", duplicate="change"))
        for chunk in chunks[1:6]:
            lines.append(chunk)
            roles.append(Role(position, ("merchant_text",), delete="change", duplicate="change"))
        balance += -entry.minor if entry.debit else entry.minor
        rows.append(
            {
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": currency,
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": " ".join(" ".join(chunks[:6]).split()) or None,
                "reference": ref,
            }
        )
    last = max(e.when for e in items)
    sign = "C" if balance >= 0 else "D"
    lines.append(f":62F:{sign}{last:%y%m%d}{currency}{decimal_text(abs(balance), places, ',')}")
    roles.append(Role(None))
    columns = ("date", "amount_minor", "currency", "direction", "merchant_text", "reference")
    return Written(
        lines,
        roles,
        proofs_expected(rows, columns),
        columns,
        encoding="latin-1",
        amount_syntax=lambda token, cur: None if len(token) > 15 else plain_decimal(token, cur, mark=","),
        currency=currency,
    )


# CAMT.053 / .054 --------------------------------------------------------------------


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def camt(
    items: Sequence[Entry], *, message: str = "053", version: str = "02", currency: str = "EUR"
) -> Written:
    """An ISO 20022 camt.053 statement, camt.052 report or camt.054 notification, one ``<Ntry>`` a transaction.

    Timed entries carry ``<BookgDt><DtTm>`` with their offset; the counterparty is the
    creditor of a debit and the debtor of a credit (under ``<Pty>`` from version 08). An entry's
    status is ``<Sts>BOOK</Sts>`` up to version 07 and ``<Sts><Cd>BOOK</Cd></Sts>`` from 08; a
    camt.052 report marks about a third of its entries ``PDNG`` (pending), read as ``payment_state``.
    """
    places = EXPONENT[currency]
    root, block = {
        "053": ("BkToCstmrStmt", "Stmt"),
        "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
        "052": ("BkToCstmrAcctRpt", "Rpt"),
    }[message]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version}">',
        f"<{root}>",
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-31T18:00:00+01:00</CreDtTm></GrpHdr>",
        f"<{block}>",
        "<Id>S1</Id>",
        "<Acct><Id><IBAN>NL00TEST0123456789</IBAN></Id></Acct>",
    ]
    roles = [Role(None)] * len(lines)
    rows = []
    pty = version >= "08"
    report = message == "052"

    def pending(entry: Entry) -> bool:
        return report and entry.minor % 3 == 0  # an intraday report holds entries not booked yet

    def status_line(entry: Entry) -> str:
        code = "PDNG" if pending(entry) else "BOOK"
        return f"<Sts><Cd>{code}</Cd></Sts>" if pty else f"<Sts>{code}</Sts>"

    def status_role(position: int) -> Role:
        # a report's entry status is its payment_state: without it the state is unknown
        return Role(position, ("payment_state",), delete="change") if report else Role(position)

    for position, entry in enumerate(items):
        amount = decimal_text(entry.minor, places)
        timed = entry.when.second % 2 == 0  # about half the entries carry a time
        party = "Cdtr" if entry.debit else "Dbtr"
        other = "Dbtr" if entry.debit else "Cdtr"
        name = f"<Pty><Nm>{_xml(entry.merchant)}</Nm></Pty>" if pty else f"<Nm>{_xml(entry.merchant)}</Nm>"
        owner = "<Pty><Nm>Account Owner</Nm></Pty>" if pty else "<Nm>Account Owner</Nm>"
        when = entry.when.isoformat() if timed else entry.when.date().isoformat()
        booking = f"<DtTm>{when}</DtTm>" if timed else f"<Dt>{when}</Dt>"
        block_lines = [
            ("<Ntry>", Role(position, (), primary=True)),
            (
                f'<Amt Ccy="{currency}">{amount}</Amt>',
                Role(
                    position, ("amount_minor",), amount=(12 + len(currency), 12 + len(currency) + len(amount))
                ),
            ),
            (
                f"<CdtDbtInd>{'DBIT' if entry.debit else 'CRDT'}</CdtDbtInd>",
                Role(position, ("direction", "merchant_text")),
            ),
            (status_line(entry), status_role(position)),
            (f"<BookgDt>{booking}</BookgDt>", Role(position, ("ts", "date"), delete="change")),
            (f"<ValDt><Dt>{entry.when.date().isoformat()}</Dt></ValDt>", Role(position)),
            (f"<AcctSvcrRef>{entry.ref}</AcctSvcrRef>", Role(position, ("reference",), delete="change")),
            ("<NtryDtls><TxDtls><RltdPties>", Role(position)),
            (f"<{party}>{name}</{party}>", Role(position, ("merchant_text",), delete="change")),
            (f"<{other}>{owner}</{other}>", Role(position, ("merchant_text",))),
            ("</RltdPties></TxDtls></NtryDtls>", Role(position)),
            ("</Ntry>", Role(position, (), primary=True)),
        ]
        for line, role in block_lines:
            lines.append(line)
            roles.append(role)
        rows.append(
            {
                "ts": pd.Timestamp(entry.when).tz_convert("UTC") if timed else pd.NaT,
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": currency,
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": " ".join(entry.merchant.split()),
                "reference": entry.ref,
                **({"payment_state": "pending" if pending(entry) else "success"} if report else {}),
            }
        )
    for line in (f"</{block}>", f"</{root}>", "</Document>"):
        lines.append(line)
        roles.append(Role(None))
    columns: tuple[str, ...] = (
        "ts",
        "date",
        "amount_minor",
        "currency",
        "direction",
        "merchant_text",
        "reference",
    )
    if report:
        columns += ("payment_state",)
    return Written(
        lines,
        roles,
        proofs_expected(rows, columns),
        columns,
        amount_syntax=lambda token, cur: plain_decimal(token.strip(), cur),
        currency=currency,
    )


# OFX --------------------------------------------------------------------------------

OFX1_HEADER = [
    "OFXHEADER:100",
    "DATA:OFXSGML",
    "VERSION:102",
    "SECURITY:NONE",
    "ENCODING:USASCII",
    "CHARSET:1252",
    "COMPRESSION:NONE",
    "OLDFILEUID:NONE",
    "NEWFILEUID:NONE",
    "",
]


def _ofx_offset(when: dt.datetime) -> str:
    offset = when.utcoffset() or dt.timedelta(0)
    hours = offset.total_seconds() / 3600
    text = str(int(hours)) if hours.is_integer() else f"{hours:.2f}".rstrip("0")
    return f"[{'+' if hours >= 0 and not text.startswith('-') else ''}{text}:X]"


def ofx(items: Sequence[Entry], *, version: int = 1, currency: str = "USD", card: bool = False) -> Written:
    """An OFX bank (or card) statement: SGML 1.02 with unclosed leaves, or XML 2.2 with every tag closed."""
    places = EXPONENT[currency]
    sgml = version == 1
    lines: list[str] = []
    if sgml:
        lines += OFX1_HEADER
    else:
        lines += [
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
            '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>',
        ]

    def leaf(tag: str, value: str) -> str:
        return f"<{tag}>{value}" if sgml else f"<{tag}>{value}</{tag}>"

    msgs, trnrs, stmtrs = (
        ("CREDITCARDMSGSRSV1", "CCSTMTTRNRS", "CCSTMTRS") if card else ("BANKMSGSRSV1", "STMTTRNRS", "STMTRS")
    )
    lines += [
        "<OFX>",
        "<SIGNONMSGSRSV1><SONRS><STATUS>"
        + leaf("CODE", "0")
        + leaf("SEVERITY", "INFO")
        + "</STATUS>"
        + leaf("DTSERVER", "20261231120000")
        + leaf("LANGUAGE", "ENG")
        + "</SONRS></SIGNONMSGSRSV1>",
        f"<{msgs}><{trnrs}>"
        + leaf("TRNUID", "1")
        + "<STATUS>"
        + leaf("CODE", "0")
        + leaf("SEVERITY", "INFO")
        + "</STATUS>",
        f"<{stmtrs}>" + leaf("CURDEF", currency),
        ("<CCACCTFROM>" + leaf("ACCTID", "XXXX1234") + "</CCACCTFROM>")
        if card
        else (
            "<BANKACCTFROM>"
            + leaf("BANKID", "121000358")
            + leaf("ACCTID", "0001")
            + leaf("ACCTTYPE", "CHECKING")
            + "</BANKACCTFROM>"
        ),
        "<BANKTRANLIST>" + leaf("DTSTART", "20260101") + leaf("DTEND", "20261231"),
    ]
    roles = [Role(None)] * len(lines)
    rows = []
    for position, entry in enumerate(items):
        amount = ("-" if entry.debit else "") + decimal_text(entry.minor, places)
        timed = entry.when.second % 2 == 0
        posted = (
            entry.when.strftime("%Y%m%d%H%M%S") + _ofx_offset(entry.when)
            if timed
            else entry.when.strftime("%Y%m%d")
        )
        name = entry.merchant[:32].strip()
        block = [
            ("<STMTTRN>", Role(position, (), primary=True)),
            (leaf("TRNTYPE", "DEBIT" if entry.debit else "CREDIT"), Role(position)),
            (leaf("DTPOSTED", posted), Role(position, ("ts", "date"))),
            (
                leaf("TRNAMT", amount),
                Role(position, ("amount_minor", "direction"), amount=(8, 8 + len(amount))),
            ),
            (leaf("FITID", entry.ref), Role(position, ("reference",), delete="change")),
            (leaf("NAME", _xml(name)), Role(position, ("merchant_text",), delete="change")),
            ("</STMTTRN>", Role(position, (), primary=True)),
        ]
        for line, role in block:
            lines.append(line)
            roles.append(role)
        midnight = entry.when.time() == dt.time(0)  # OFX writes 000000 for a date without a time
        rows.append(
            {
                "ts": pd.Timestamp(entry.when).tz_convert("UTC") if timed and not midnight else pd.NaT,
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": currency,
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": " ".join(name.split()) if sgml else name,
                "reference": entry.ref,
            }
        )
    tail = [
        "</BANKTRANLIST>",
        "<LEDGERBAL>" + leaf("BALAMT", "100.00") + leaf("DTASOF", "20261231") + "</LEDGERBAL>",
        f"</{stmtrs}></{trnrs}></{msgs}>",
        "</OFX>",
    ]
    lines += tail
    roles += [Role(None)] * len(tail)

    def syntax(token: str, cur: str) -> int | None:
        # OFX 3.2.9.1: leading and trailing spaces around an amount are stripped (" 0.01" is 0.01)
        token = token.strip(" ")
        return (
            plain_decimal(token.lstrip("-"), cur)
            if token.count("-") <= 1 and not token[1:].count("-")
            else None
        )

    columns = ("ts", "date", "amount_minor", "currency", "direction", "merchant_text", "reference")
    return Written(
        lines,
        roles,
        proofs_expected(rows, columns),
        columns,
        amount_syntax=syntax,
        currency=currency,
        amount_also=("direction",),
    )


# SMS --------------------------------------------------------------------------------


def sms_text(entry: Entry, form: int) -> str:
    """One card message in a bank's wording (field guide forms)."""
    amount = decimal_text(entry.minor)
    when = entry.when
    if form == 0:
        verb = "消费" if entry.debit else "退货"
        return f"您尾号{entry.last4}的信用卡{when.year}年{when.month:02d}月{when.day:02d}日{when:%H:%M}{verb}人民币{amount}元,商户:{entry.merchant}。"
    if form == 1:
        verb = "支出" if entry.debit else "收入"
        return f"您账户{entry.last4}于{when:%m}月{when:%d}日{when:%H:%M}{verb}(消费{entry.merchant})人民币{amount}元,{when.year}年。"
    verb = "spent" if entry.debit else "refunded"
    return f"Your card ending {entry.last4} was {verb} CNY {amount} at {entry.merchant} on {when:%Y-%m-%d %H:%M:%S}."


def sms(items: Sequence[Entry], *, form: int = 0, wrapper: str = "text") -> Written:
    """Card messages: one per line (``text``) or captured JSON objects (``body``, ``title``+``text``, ``mMap``)."""
    rows = []
    texts = []
    for entry in items:
        texts.append(sms_text(entry, form if form != 1 else 0))
        rows.append(
            {
                "ts": pd.Timestamp(entry.when).tz_convert("UTC").floor("min"),
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": "CNY",
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": entry.merchant,
                "card_last4": entry.last4,
            }
        )
    if form == 2:
        for row, entry in zip(rows, items, strict=True):
            row["ts"] = pd.Timestamp(entry.when).tz_convert("UTC")
    columns = ("ts", "date", "amount_minor", "currency", "direction", "merchant_text", "card_last4")

    def span(line: str, entry: Entry) -> tuple[int, int]:
        amount = decimal_text(entry.minor)
        start = line.index(amount, line.index("CNY " if form == 2 else "人民币"))
        return start, start + len(amount)

    if wrapper == "text":
        lines = texts
        roles = [
            Role(i, columns, primary=True, delete="drop", duplicate="repeat", amount=span(text, items[i]))
            for i, text in enumerate(texts)
        ]
    else:
        lines = ["["]
        roles = [Role(None)]
        for position, (text, entry) in enumerate(zip(texts, items, strict=True)):
            stamp = int(entry.when.timestamp() * 1000) + 60_000
            if wrapper == "body":
                record: dict[str, Any] = {"address": "95555", "body": text, "t": stamp}
            elif wrapper == "notification":
                record = {"title": "交易提醒", "text": text, "t": stamp}
            else:
                record = {"mMap": {"body": text, "t": stamp}}
            comma = "," if position < len(texts) - 1 else ""
            line = json.dumps(record, ensure_ascii=False) + comma
            lines.append(line)
            roles.append(
                Role(
                    position,
                    columns,
                    primary=True,
                    delete="drop",
                    duplicate="repeat",
                    amount=span(line, entry),
                )
            )
        lines.append("]")
        roles.append(Role(None))
    return Written(
        lines,
        roles,
        proofs_expected(rows, columns),
        columns,
        amount_syntax=lambda token, cur: plain_amount_with_commas(token.strip(), cur),
        free_text=True,
    )


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A table export written from known rows.

    ``kinds[c]`` is the kind of column ``c`` (``amount``, ``time``, ``date``,
    ``text``, ``id``, ``enum``, ``const``); ``feeds[c]`` the canonical columns
    its cells feed. ``expected`` has one row per data row, in order.
    """

    header: list[str]
    rows: list[list[str]]
    kinds: list[str]
    feeds: list[tuple[str, ...]]
    expected: pd.DataFrame
    columns: tuple[str, ...]
    preamble: list[str] = field(default_factory=list)
    trailer: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    amount_syntax: Callable[[str, str], int | None] | None = None
    currency: str = "CNY"
    #: the canonical columns an amount cell feeds besides amount_minor (direction for signed amounts)
    amount_also: tuple[str, ...] = ()
    #: a damaged row may be rejected by a reader that groups rows (settlement): then compare totals only
    grouped: bool = False
    #: the amounts of a row check each other (settlement: net = gross - fee): one changed amount must raise
    balanced: bool = False
    #: the reader also accepts the file written in GB18030
    gb18030: bool = True
    #: the expected row (column -> value) after its amount cell was changed to read ``value`` minor
    #: units; None: ``amount_minor`` becomes ``value``
    revalue: Callable[[dict[str, Any], int], dict[str, Any]] | None = None
    #: the reader returns its lines sorted (a settlement by day): the test aligns them with the rows written
    sorted_rows: bool = False
    #: the reader lists the rows it leaves out (``attrs["skipped"]``): a row dropped that way is reported
    reports_skips: bool = False

    def lines(self) -> list[str]:
        d = self.delimiter
        return [*self.preamble, d.join(self.header), *(d.join(r) for r in self.rows), *self.trailer]

    def text(self) -> str:
        return "\n".join(self.lines()) + "\n"

    def data(self) -> bytes:
        return self.text().encode(self.encoding)

    @property
    def first_row_line(self) -> int:
        """0-based index of the first data row among :meth:`lines`."""
        return len(self.preamble) + 1


def signed(base: Callable[[str, str], int | None]) -> Callable[[str, str], int | None]:
    """``base`` after one leading or trailing sign (``-12.50``, ``12.50-``: the general amount parser's forms)."""

    def syntax(token: str, currency: str) -> int | None:
        if token[:1] in "+-" and token[1:2] not in "+-":
            token = token[1:]
        elif token[-1:] in "+-" and token[-2:-1] not in "+-":
            token = token[:-1]
        return base(token, currency)

    return syntax


def wallet_amount(token: str, currency: str) -> int | None:
    """A wallet bill's amount cell: ``¥12.50`` / ``12.50`` (the yen sign optional), plain decimal."""
    return plain_decimal(token.removeprefix("¥").removeprefix("￥"), currency)


def _row(entry: Entry, **extra: Any) -> dict[str, Any]:
    return {
        "ts": pd.Timestamp(entry.when).tz_convert("UTC"),
        "date": local_day(entry.when),
        "amount_minor": entry.minor,
        "currency": "CNY",
        "direction": "debit" if entry.debit else "credit",
        **extra,
    }


def wechat(items: Sequence[Entry]) -> Table:
    """微信支付账单明细 CSV: 16 preamble lines, then the 11-column table."""
    preamble = [
        "微信支付账单明细,,,,,,,,",
        "微信昵称：[示例],,,,,,,,",
        "起始时间：[2026-01-01 00:00:00] 终止时间：[2026-12-31 23:59:59],,,,,,,,",
        "导出类型：[全部],,,,,,,,",
        "导出时间：[2027-01-01 10:00:00],,,,,,,,",
        ",,,,,,,,",
        f"共{len(items)}笔记录,,,,,,,,",
        "----------------------微信支付账单明细列表--------------------,,,,,,,,",
    ]
    header = [
        "交易时间",
        "交易类型",
        "交易对方",
        "商品",
        "收/支",
        "金额(元)",
        "支付方式",
        "当前状态",
        "交易单号",
        "商户单号",
        "备注",
    ]
    kinds = ["time", "enum", "text", "text", "enum", "amount", "text", "enum", "id", "id", "text"]
    feeds: list[tuple[str, ...]] = [
        ("ts", "date"),
        (),
        ("merchant_text",),
        (),
        ("direction",),
        ("amount_minor",),
        ("card_last4",),
        (),
        ("wallet_txn_id",),
        (),
        (),
    ]
    rows, expected = [], []
    for position, entry in enumerate(items):
        txn = f"42000{position:04d}{entry.ref}"
        rows.append(
            [
                entry.when.strftime("%Y-%m-%d %H:%M:%S"),
                "商户消费" if entry.debit else "转账",
                entry.merchant,
                "商品",
                "支出" if entry.debit else "收入",
                "¥" + decimal_text(entry.minor),
                f"招商银行信用卡({entry.last4})",
                "支付成功",
                txn,
                f"M{position}",
                "/",
            ]
        )
        expected.append(_row(entry, merchant_text=entry.merchant, card_last4=entry.last4, wallet_txn_id=txn))
    columns = (
        "ts",
        "date",
        "amount_minor",
        "currency",
        "direction",
        "merchant_text",
        "card_last4",
        "wallet_txn_id",
    )
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        preamble=preamble,
        amount_syntax=signed(wallet_amount),
    )


def alipay(items: Sequence[Entry]) -> Table:
    """支付宝交易明细 (mobile export): 24 preamble lines, GBK, 12 columns."""
    preamble = [
        "------------------------------------------------------------------------------------",
        "导出信息：",
        "姓名：示例",
        "支付宝账户：example@example.com",
        "起始时间：[2026-01-01 00:00:00]    终止时间：[2026-12-31 23:59:59]",
        "导出交易类型：[全部]",
        f"共{len(items)}笔记录",
        "----------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------",
    ]
    header = [
        "交易时间",
        "交易分类",
        "交易对方",
        "对方账号",
        "商品说明",
        "收/支",
        "金额",
        "收/付款方式",
        "交易状态",
        "交易订单号",
        "商家订单号",
        "备注",
    ]
    kinds = ["time", "enum", "text", "text", "text", "enum", "amount", "text", "enum", "id", "id", "text"]
    feeds: list[tuple[str, ...]] = [
        ("ts", "date"),
        (),
        ("merchant_text",),
        (),
        (),
        ("direction",),
        ("amount_minor",),
        ("card_last4",),
        (),
        ("wallet_txn_id",),
        (),
        (),
    ]
    rows, expected = [], []
    for position, entry in enumerate(items):
        txn = f"2026{position:04d}{entry.ref}"
        rows.append(
            [
                entry.when.strftime("%Y-%m-%d %H:%M:%S"),
                "餐饮美食",
                entry.merchant,
                "",
                "商品",
                "支出" if entry.debit else "收入",
                decimal_text(entry.minor),
                f"工商银行储蓄卡({entry.last4})",
                "交易成功",
                txn,
                f"M{position}",
                "",
            ]
        )
        expected.append(_row(entry, merchant_text=entry.merchant, card_last4=entry.last4, wallet_txn_id=txn))
    columns = (
        "ts",
        "date",
        "amount_minor",
        "currency",
        "direction",
        "merchant_text",
        "card_last4",
        "wallet_txn_id",
    )
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        preamble=preamble,
        encoding="gb18030",
        amount_syntax=signed(wallet_amount),
    )


def bank_cmb_debit(items: Sequence[Entry]) -> Table:
    """招商银行借记卡交易明细: signed 交易金额 (negative = money out), 记账日期 YYYYMMDD."""
    preamble = ["# 招商银行交易记录", "# 账号: [6214********1234]", "# 币种: [人民币]"]
    header = ["记账日期", "货币", "交易金额", "联机余额", "交易摘要", "对手信息"]
    kinds = ["date", "enum", "amount", "amount_other", "text", "text"]
    feeds: list[tuple[str, ...]] = [
        ("date",),
        ("currency",),
        ("amount_minor", "direction"),
        (),
        (),
        ("merchant_text",),
    ]
    rows, expected = [], []
    for entry in items:
        rows.append(
            [
                entry.when.strftime("%Y%m%d"),
                "人民币",
                ("-" if entry.debit else "") + decimal_text(entry.minor),
                "10000.00",
                "消费",
                entry.merchant,
            ]
        )
        expected.append(
            {
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": "CNY",
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": entry.merchant,
            }
        )
    columns = ("date", "amount_minor", "currency", "direction", "merchant_text")
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        preamble=preamble,
        amount_syntax=signed_amount,
        amount_also=("direction",),
    )


def signed_amount(token: str, currency: str) -> int | None:
    return signed(plain_decimal)(token, currency)


def bank_icbc(items: Sequence[Entry]) -> Table:
    """工商银行明细: debit and credit in two columns, 卡号 line above the header, 合计 trailer."""
    preamble = ["明细查询文件下载", "卡号: 6222****1234", "起止日期: 2026-01-01 — 2026-12-31"]
    header = [
        "交易日期",
        "摘要",
        "交易场所",
        "交易国家或地区简称",
        "钞/汇",
        "交易金额(收入)",
        "交易金额(支出)",
        "交易币种",
        "记账金额(收入)",
        "记账金额(支出)",
        "记账币种",
        "余额",
        "对方户名",
    ]
    kinds = [
        "date",
        "text",
        "text",
        "text",
        "text",
        "amount",
        "amount",
        "enum",
        "amount_other",
        "amount_other",
        "enum",
        "amount_other",
        "text",
    ]
    feeds: list[tuple[str, ...]] = [
        ("date",),
        (),
        ("merchant_text",),
        (),
        (),
        ("amount_minor", "direction"),
        ("amount_minor", "direction"),
        ("currency",),
        (),
        (),
        (),
        (),
        (),
    ]
    rows, expected = [], []
    for entry in items:
        amount = decimal_text(entry.minor)
        rows.append(
            [
                entry.when.strftime("%Y-%m-%d"),
                "消费",
                entry.merchant,
                "CHN",
                "钞",
                "" if entry.debit else amount,
                amount if entry.debit else "",
                "人民币",
                "" if entry.debit else amount,
                amount if entry.debit else "",
                "人民币",
                "1000.00",
                "",
            ]
        )
        expected.append(
            {
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": "CNY",
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": entry.merchant,
                "card_last4": "1234",
            }
        )
    columns = ("date", "amount_minor", "currency", "direction", "merchant_text", "card_last4")
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        preamble=preamble,
        trailer=["合计,,,,,,,,,,,,"],
        amount_syntax=signed(plain_amount_with_commas),
    )


def plain_amount_with_commas(token: str, currency: str) -> int | None:
    """A plain decimal, thousands grouped by commas in threes allowed (``1,234.50``)."""
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d*)?", token):
        token = token.replace(",", "")
    return plain_decimal(token, currency)


def bank_ccb(items: Sequence[Entry]) -> Table:
    """建设银行交易明细: 交易日期 + 交易时间 (a clock), 支出/收入 columns, 账号 line above."""
    preamble = ["中国建设银行个人活期账户交易明细", "账号:,6217000000001234", "币种:,人民币"]
    header = [
        "序号",
        "摘要",
        "币别",
        "钞汇",
        "交易日期",
        "交易时间",
        "记账日",
        "支出",
        "收入",
        "账户余额",
        "交易地点",
        "对方账号",
        "对方户名",
    ]
    kinds = [
        "id",
        "text",
        "enum",
        "text",
        "date",
        "clock",
        "date_other",
        "amount",
        "amount",
        "amount_other",
        "text",
        "text",
        "text",
    ]
    feeds: list[tuple[str, ...]] = [
        (),
        (),
        (),
        (),
        ("ts", "date"),
        ("ts", "date"),
        (),
        ("amount_minor", "direction"),
        ("amount_minor", "direction"),
        (),
        ("merchant_text",),
        (),
        (),
    ]
    rows, expected = [], []
    for position, entry in enumerate(items):
        amount = decimal_text(entry.minor)
        rows.append(
            [
                str(position + 1),
                "消费",
                "人民币",
                "钞",
                entry.when.strftime("%Y%m%d"),
                entry.when.strftime("%H:%M:%S"),
                entry.when.strftime("%Y%m%d"),
                amount if entry.debit else "0.00",
                "0.00" if entry.debit else amount,
                "1000.00",
                entry.merchant,
                "",
                "",
            ]
        )
        expected.append(
            {
                "ts": pd.Timestamp(entry.when).tz_convert("UTC"),
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": "CNY",
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": entry.merchant,
                "card_last4": "1234",
            }
        )
    columns = ("ts", "date", "amount_minor", "currency", "direction", "merchant_text", "card_last4")
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        preamble=preamble,
        trailer=["以上数据仅供参考,,,,,,,,,,,,"],
        amount_syntax=signed(plain_amount_with_commas),
    )


def bank_cmb_credit(items: Sequence[Entry]) -> Table:
    """招商银行信用卡对账单: MM/DD dates whose year comes from the title; spending is positive."""
    year = items[0].when.year
    month = max(e.when for e in items).month
    preamble = [f"招商银行信用卡对账单（{year}年{month:02d}月）"]
    header = ["交易日", "记账日", "交易摘要", "人民币金额", "卡号末四位", "交易地金额"]
    kinds = ["date", "date_other", "text", "amount", "id", "amount_other"]
    feeds: list[tuple[str, ...]] = [
        ("date",),
        (),
        ("merchant_text",),
        ("amount_minor", "direction"),
        ("card_last4",),
        (),
    ]
    rows, expected = [], []
    for entry in items:
        amount = ("" if entry.debit else "-") + decimal_text(entry.minor)
        rows.append(
            [
                entry.when.strftime("%m/%d"),
                entry.when.strftime("%m/%d"),
                entry.merchant,
                amount,
                entry.last4,
                amount,
            ]
        )
        expected.append(
            {
                "date": local_day(entry.when),
                "amount_minor": entry.minor,
                "currency": "CNY",
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": entry.merchant,
                "card_last4": entry.last4,
            }
        )
    columns = ("date", "amount_minor", "currency", "direction", "merchant_text", "card_last4")
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        preamble=preamble,
        amount_syntax=signed_amount,
        amount_also=("direction",),
    )


def paypal_activity(items: Sequence[Entry]) -> Table:
    """PayPal activity download: Date (MM/DD/YYYY), Time, TimeZone, Name, Type, Status, Currency, Gross..."""
    header = [
        "Date",
        "Time",
        "TimeZone",
        "Name",
        "Type",
        "Status",
        "Currency",
        "Gross",
        "Fee",
        "Net",
        "Transaction ID",
        "Reference Txn ID",
    ]
    kinds = [
        "date",
        "clock",
        "enum",
        "text",
        "enum",
        "enum",
        "enum",
        "amount",
        "amount_other",
        "amount_other",
        "id",
        "id",
    ]
    feeds: list[tuple[str, ...]] = [
        ("ts", "date"),
        ("ts", "date"),
        ("ts", "date"),
        ("merchant_text",),
        (),
        (),
        ("currency",),
        ("amount_minor", "direction"),
        (),
        (),
        ("wallet_txn_id",),
        (),
    ]
    pst = dt.timezone(dt.timedelta(hours=-8))
    rows, expected = [], []
    # one day above 12 settles the date order (MM/DD); the writer always includes one
    for position, entry in enumerate(items):
        local = entry.when.astimezone(pst)
        if position == 0:
            local = local.replace(day=28)
        gross = ("-" if entry.debit else "") + f"{entry.minor // 100:,}.{entry.minor % 100:02d}"
        rows.append(
            [
                local.strftime("%m/%d/%Y"),
                local.strftime("%H:%M:%S"),
                "PST",
                entry.merchant,
                "Express Checkout Payment",
                "Completed",
                "USD",
                gross,
                "0.00",
                gross,
                entry.ref,
                "",
            ]
        )
        expected.append(
            {
                "ts": pd.Timestamp(local).tz_convert("UTC"),
                "date": pd.Timestamp(local.date()),
                "amount_minor": entry.minor,
                "currency": "USD",
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": entry.merchant,
                "wallet_txn_id": entry.ref,
            }
        )
    columns = ("ts", "date", "amount_minor", "currency", "direction", "merchant_text", "wallet_txn_id")
    for row in rows:
        for position, cell in enumerate(row):
            if "," in cell:
                row[position] = f'"{cell}"'
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        currency="USD",
        amount_syntax=lambda t, c: signed_amount(
            t.strip('"').replace(",", "") if re.fullmatch(r'"?[+-]?\d{1,3}(,\d{3})*(\.\d*)?"?', t) else t, c
        ),
        amount_also=("direction",),
    )


def paypal_us_amount(token: str, currency: str) -> int | None:
    """An English PayPal amount cell: signed, thousands grouped by commas (then the cell is quoted)."""
    if re.fullmatch(r'"?[+-]?\d{1,3}(,\d{3})*(\.\d*)?"?', token):
        token = token.strip('"').replace(",", "")
    return signed_amount(token, currency)


def _comma_decimal(token: str, currency: str) -> int | None:
    """``1.234,56``, ``1 234,56`` or ``1234,56`` (decimal comma; thousands by dots or spaces, in threes)."""
    token = token.strip()
    if " " in token:
        if not re.fullmatch(r"\d{1,3}(?: \d{3})+(?:,\d+)?", token):
            return None
        token = token.replace(" ", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):
        token = token.replace(".", "")
    elif not re.fullmatch(r"\d+(?:,\d+)?", token):
        return None
    return plain_decimal(token, currency, mark=",")


def comma_amount(token: str, currency: str) -> int | None:
    """A quoted decimal-comma amount cell (``"-1 234,56"``): the quotes keep its comma in the cell."""
    quoted = re.fullmatch(r'"([^"]*)"', token)
    if quoted is None:
        return None
    inner = re.sub(r"^([+-]) +", r"\1", quoted.group(1).strip())  # a sign's padding is not a digit gap
    inner = re.sub(r" +-$", "-", inner)
    return signed(_comma_decimal)(inner, currency)


#: The roles a localised PayPal writer fills, in the order :attr:`PayPalLocale.names` lists their columns.
PAYPAL_ROLES = ("date", "time", "zone", "name", "type", "status", "currency", "gross", "id")


@dataclass(frozen=True)
class PayPalLocale:
    """One PayPal CSV layout as its public sources write it (header, words, number and date form).

    ``header`` is the header row, ``names`` the column of each of :data:`PAYPAL_ROLES` (``""``: the
    layout has none), both written ``|``-separated.
    """

    header_text: str
    names_text: str
    zone: str
    offset: dt.timedelta
    type_word: str
    status_word: str
    currency: str
    decimal_comma: bool
    #: the canonical column the id cell feeds (the older UK layout's Receipt ID is a reference)
    id_feeds: str = "wallet_txn_id"
    #: the header written with a space after each comma (the older UK download)
    spaced: bool = False
    #: the dots that group thousands (``4.626,81``) or spaces (``1 234,56``)
    group: str = " "

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(self.header_text.split("|"))

    @property
    def names(self) -> dict[str, str]:
        return {
            role: name for role, name in zip(PAYPAL_ROLES, self.names_text.split("|"), strict=True) if name
        }


_CET = dt.timedelta(hours=1)

#: The layouts' headers and words, from the sources named beside each layout's declaration
#: (src/receiptkit/readers/paypal.py) and the localised samples in tests/readers/test_paypal.py.
#: Every one writes the day first; the French statement's zone is an IANA name (``Europe/Paris``).
PAYPAL_LOCALES: dict[str, PayPalLocale] = {
    "paypal_activity_fr": PayPalLocale(
        "Date|Heure|Fuseau horaire|Nom|Type|État|Devise|Brut|Frais|Net|De l'adresse email|À l'adresse email"
        "|Numéro de transaction|Titre de l'objet|Impact sur le solde",
        "Date|Heure|Fuseau horaire|Nom|Type|État|Devise|Brut|Numéro de transaction",
        "CET", _CET, "Paiement express", "Terminé", "EUR", decimal_comma=True,
    ),
    "paypal_statement_fr": PayPalLocale(
        "Date|Heure|Fuseau horaire|Description|Devise|Avant commission|Commission|Net|Solde"
        "|Numéro de transaction|Adresse email de l'expéditeur|Nom|Numéro de la transaction de référence",
        "Date|Heure|Fuseau horaire|Nom|Description||Devise|Avant commission|Numéro de transaction",
        "Europe/Paris", _CET, "Paiement standard", "", "EUR", decimal_comma=True, group=".",
    ),
    "paypal_activity_es": PayPalLocale(
        "Fecha|Hora|Zona horaria|Nombre|Tipo|Estado|Divisa|Bruto|Tarifa|Neto|Remitente|Destinatario"
        "|Id. de transacción",
        "Fecha|Hora|Zona horaria|Nombre|Tipo|Estado|Divisa|Bruto|Id. de transacción",
        "CET", _CET, "Pago", "Completado", "EUR", decimal_comma=True, group=".",
    ),
    "paypal_activity_uk_old": PayPalLocale(
        "Date|Time|Time Zone|Name|Type|Status|Currency|Amount|Receipt ID|Balance",
        "Date|Time|Time Zone|Name|Type|Status|Currency|Amount|Receipt ID",
        "GMT", dt.timedelta(0), "Payment Sent", "Completed", "GBP", decimal_comma=False,
        id_feeds="reference", spaced=True,
    ),
}  # fmt: skip


#: Money columns besides the gross (fees, net, balance): written, never read into the proof.
_PAYPAL_OTHER_AMOUNTS = frozenset({"Frais", "Net", "Commission", "Solde", "Tarifa", "Neto", "Balance"})


def _grouped(minor: int, mark: str, group: str) -> str:
    units, cents = divmod(minor, 100)
    return f"{units:,}".replace(",", group) + f"{mark}{cents:02d}"


def paypal_localised(items: Sequence[Entry], layout: str) -> Table:
    """A localised or older PayPal download (:data:`PAYPAL_LOCALES`): day-first dates, the locale's words.

    Row 0 is written on day 28 so the dates themselves settle the order. The French statement's zone
    is an IANA name (``Europe/Paris``): its rows are written in January, when Paris is UTC+01:00.
    """
    locale = PAYPAL_LOCALES[layout]
    zone = dt.timezone(locale.offset)
    role_of = {column: role for role, column in locale.names.items()}
    kinds, feeds = [], []
    for column in locale.header:
        role = role_of.get(column)
        if role is None:
            kinds.append("amount_other" if column in _PAYPAL_OTHER_AMOUNTS else "text")
        else:
            kinds.append(
                {"date": "date", "time": "clock", "gross": "amount", "id": "id", "name": "text"}.get(
                    role, "enum"
                )
            )
        feeds.append(
            {
                "date": ("ts", "date"),
                "time": ("ts", "date"),
                "zone": ("ts", "date"),
                "name": ("merchant_text",),
                "currency": ("currency",),
                "gross": ("amount_minor", "direction"),
                "id": (locale.id_feeds,),
            }.get(role or "", ())
        )
    mark = "," if locale.decimal_comma else "."
    group = locale.group if locale.decimal_comma else ","
    rows, expected = [], []
    for position, entry in enumerate(items):
        local = entry.when.astimezone(zone)
        if position == 0:
            local = local.replace(day=28)
        if locale.zone.count("/"):
            local = local.replace(month=1)
        gross = ("-" if entry.debit else "") + _grouped(entry.minor, mark, group)
        if "," in gross:
            gross = f'"{gross}"'
        zero = f"0{mark}00"
        values = {
            "date": local.strftime("%d/%m/%Y"),
            "time": local.strftime("%H:%M:%S"),
            "zone": locale.zone,
            "name": entry.merchant,
            "type": locale.type_word,
            "status": locale.status_word,
            "currency": locale.currency,
            "gross": gross,
            "id": entry.ref,
        }
        row = []
        for column, kind in zip(locale.header, kinds, strict=True):
            role = role_of.get(column)
            if role is not None:
                row.append(values[role])
            elif kind == "amount_other":
                row.append(gross if column in ("Net", "Neto") else f'"{zero}"' if "," in zero else zero)
            else:
                row.append("")
        rows.append(row)
        expected.append(
            {
                "ts": pd.Timestamp(local).tz_convert("UTC"),
                "date": pd.Timestamp(local.date()),
                "amount_minor": entry.minor,
                "currency": locale.currency,
                "direction": "debit" if entry.debit else "credit",
                "merchant_text": entry.merchant,
                locale.id_feeds: entry.ref,
            }
        )
    columns = ("ts", "date", "amount_minor", "currency", "direction", "merchant_text", locale.id_feeds)
    header = [(" " + name if locale.spaced and i else name) for i, name in enumerate(locale.header)]
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        currency=locale.currency,
        amount_syntax=comma_amount if locale.decimal_comma else paypal_us_amount,
        amount_also=("direction",),
    )


def stripe_balance(items: Sequence[Entry]) -> Table:
    """Stripe "Balance change from activity" (itemised): charges positive, refunds negative; UTC."""
    header = [
        "balance_transaction_id",
        "created_utc",
        "available_on_utc",
        "currency",
        "gross",
        "fee",
        "net",
        "reporting_category",
        "description",
    ]
    kinds = ["id", "time", "time_other", "enum", "amount", "amount_other", "amount_other", "enum", "text"]
    feeds: list[tuple[str, ...]] = [
        ("wallet_txn_id",),
        ("ts", "date"),
        (),
        ("currency",),
        ("amount_minor", "direction"),
        (),
        (),
        (),
        (),
    ]
    rows, expected = [], []
    for position, entry in enumerate(items):
        gross = ("" if entry.debit else "-") + decimal_text(entry.minor)
        when = entry.when.astimezone(UTC)
        rows.append(
            [
                f"txn_{position}{entry.ref}",
                when.strftime("%Y-%m-%d %H:%M:%S"),
                when.strftime("%Y-%m-%d %H:%M:%S"),
                "usd",
                gross,
                "0.00",
                gross,
                "charge" if entry.debit else "refund",
                entry.merchant,
            ]
        )
        expected.append(
            {
                "ts": pd.Timestamp(when),
                "date": pd.Timestamp(when.date()),
                "amount_minor": entry.minor,
                "currency": "USD",
                "direction": "debit" if entry.debit else "credit",
                "wallet_txn_id": f"txn_{position}{entry.ref}",
            }
        )
    columns = ("ts", "date", "amount_minor", "currency", "direction", "wallet_txn_id")
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        currency="USD",
        amount_syntax=signed_amount,
        amount_also=("direction",),
        gb18030=False,
    )


def stripe_application_fees(items: Sequence[Entry]) -> Table:
    """Stripe Connect collected application fees export: one fee a row, times to the minute, UTC.

    Each row is a fee the platform was paid (``credit``); ``Transaction ID`` is the charge it was
    taken from (``reference``); the connected account's e-mail, else its id, is ``merchant_text``.
    """
    header = [
        "id",
        "Created (UTC)",
        "Amount",
        "Amount Refunded",
        "Currency",
        "User ID",
        "User Email",
        "Application ID",
        "Transaction ID",
    ]
    kinds = ["id", "time", "amount", "amount_other", "enum", "id", "text", "id", "id"]
    feeds: list[tuple[str, ...]] = [
        ("wallet_txn_id",),
        ("ts", "date"),
        ("amount_minor", "direction"),
        (),
        ("currency",),
        ("merchant_text",),
        ("merchant_text",),
        (),
        ("reference",),
    ]
    rows, expected = [], []
    for position, entry in enumerate(items):
        when = entry.when.astimezone(UTC).replace(second=0)
        account = f"acct_{position}{entry.ref}"
        email = f"shop{position}@example.com" if position % 2 == 0 else ""
        rows.append(
            [
                f"fee_{position}{entry.ref}",
                when.strftime("%Y-%m-%d %H:%M"),
                decimal_text(entry.minor),
                "0.00",
                "usd",
                account,
                email,
                "ca_APP1",
                f"ch_{position}{entry.ref}",
            ]
        )
        expected.append(
            {
                "ts": pd.Timestamp(when),
                "date": pd.Timestamp(when.date()),
                "amount_minor": entry.minor,
                "currency": "USD",
                "direction": "credit",
                "wallet_txn_id": f"fee_{position}{entry.ref}",
                "reference": f"ch_{position}{entry.ref}",
                "merchant_text": email or account,
            }
        )
    columns = (
        "ts",
        "date",
        "amount_minor",
        "currency",
        "direction",
        "wallet_txn_id",
        "reference",
        "merchant_text",
    )
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        currency="USD",
        amount_syntax=signed_amount,
        amount_also=("direction",),
        gb18030=False,
    )


# journal presets --------------------------------------------------------------------


def wechat_merchant(items: Sequence[Entry]) -> Table:
    """WeChat Pay merchant trade bill (交易账单, ALL): backtick-prefixed cells, summary trailer."""
    header = [
        "交易时间",
        "公众账号ID",
        "商户号",
        "特约商户号",
        "设备号",
        "微信订单号",
        "商户订单号",
        "用户标识",
        "交易类型",
        "交易状态",
        "付款银行",
        "货币种类",
        "应结订单金额",
        "代金券金额",
        "微信退款单号",
        "商户退款单号",
        "退款金额",
        "充值券退款金额",
        "退款类型",
        "退款状态",
        "商品名称",
        "商户数据包",
        "手续费",
        "费率",
    ]
    kinds = [
        "time",
        "id",
        "id",
        "id",
        "id",
        "id",
        "id",
        "id",
        "enum",
        "enum",
        "text",
        "enum",
        "amount",
        "amount_other",
        "id",
        "id",
        "amount_other",
        "amount_other",
        "enum",
        "enum",
        "text",
        "text",
        "amount_fee",
        "text",
    ]
    feeds: list[tuple[str, ...]] = [()] * len(header)
    feeds[0] = ("ts",)
    feeds[2] = ("merchant_id",)
    # a service provider's bill: the sub-merchant (特约商户号, "0" for a direct merchant) is the merchant
    feeds[3] = ("merchant_id",)
    feeds[4] = ("terminal_id",)
    feeds[5] = ("txn_id",)
    feeds[12] = ("amount_minor",)
    rows, expected = [], []
    for position, entry in enumerate(items):
        txn = f"42000{position:05d}{entry.ref}"
        cells = [
            entry.when.strftime("%Y-%m-%d %H:%M:%S"),
            "wx0000",
            "1900000109",
            "0",
            f"POS{position % 2}",
            txn,
            f"M{position}",
            "oUser",
            "MICROPAY",
            "SUCCESS",
            "CMB_CREDIT",
            "CNY",
            decimal_text(entry.minor),
            "0.00",
            "0",
            "0",
            "0.00",
            "0.00",
            "",
            "",
            entry.merchant,
            "",
            decimal_text(entry.minor * 6 // 1000),
            "0.60%",
        ]
        rows.append([f"`{c}" for c in cells])
        expected.append(
            {
                "txn_id": txn,
                "ts": pd.Timestamp(entry.when).tz_convert("UTC"),
                "amount_minor": entry.minor,
                "currency": "CNY",
                "txn_type": "sale",
                "merchant_id": "1900000109",
                "terminal_id": f"POS{position % 2}",
            }
        )
    trailer = [
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
        f"`{len(items)},`{decimal_text(sum(e.minor for e in items))},`0.00,`0.00,`0.00,`0.00,`0.00",
    ]
    columns = ("txn_id", "ts", "amount_minor", "currency", "txn_type", "merchant_id", "terminal_id")
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        trailer=trailer,
        amount_syntax=signed(lambda t, c: plain_decimal(t.removeprefix("`"), c)),
        amount_also=("txn_type",),
    )


def unionpay_terminal(items: Sequence[Entry]) -> Table:
    """UnionPay-style terminal export: 交易日期 + 交易时间, 终端号, 参考号, masked 卡号."""
    header = [
        "商户号",
        "商户名称",
        "终端号",
        "批次号",
        "凭证号",
        "参考号",
        "交易日期",
        "交易时间",
        "卡号",
        "交易类型",
        "交易金额",
        "交易状态",
    ]
    kinds = ["id", "text", "id", "id", "id", "id", "date", "clock", "id", "enum", "amount", "enum"]
    feeds: list[tuple[str, ...]] = [
        ("merchant_id",),
        ("merchant_name",),
        ("terminal_id",),
        (),
        (),
        ("rrn",),
        ("ts",),
        ("ts",),
        (),
        ("txn_type",),
        ("amount_minor",),
        (),
    ]
    rows, expected = [], []
    for position, entry in enumerate(items):
        rows.append(
            [
                "898310000000001",
                entry.merchant,
                f"1000000{position % 3}",
                "000001",
                f"{position:06d}",
                f"{position:04d}{entry.ref[:8]:0>8}",
                entry.when.strftime("%Y-%m-%d"),
                entry.when.strftime("%H:%M:%S"),
                f"622588******{entry.last4}",
                "消费" if entry.debit else "退货",
                decimal_text(entry.minor),
                "成功",
            ]
        )
        expected.append(
            {
                "ts": pd.Timestamp(entry.when).tz_convert("UTC"),
                "amount_minor": entry.minor,
                "currency": "CNY",
                "txn_type": "sale" if entry.debit else "refund",
                "merchant_id": "898310000000001",
                "merchant_name": entry.merchant,
                "terminal_id": f"1000000{position % 3}",
                "rrn": f"{position:04d}{entry.ref[:8]:0>8}",
            }
        )
    columns = (
        "ts",
        "amount_minor",
        "currency",
        "txn_type",
        "merchant_id",
        "merchant_name",
        "terminal_id",
        "rrn",
    )
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        trailer=["合计,,,,,,,,,,,"],
        amount_syntax=signed(plain_amount_with_commas),
        amount_also=("txn_type",),
    )


# settlement ---------------------------------------------------------------------------


def unionpay_settlement(items: Sequence[Entry], *, delimiter: str = ",") -> Table:
    """UnionPay-style settlement detail (结算明细): one line per batch, net = gross - fee.

    ``delimiter="\t"``: the same file saved tab-separated (``.txt`` / ``.tsv`` downloads).
    """
    header = ["结算日期", "商户号", "终端号", "批次号", "笔数", "交易金额", "手续费", "结算金额"]
    kinds = ["date", "id", "id", "id", "count", "amount", "amount", "amount"]
    feeds: list[tuple[str, ...]] = [
        ("settlement_date",),
        ("merchant_id",),
        ("terminal_id",),
        ("batch_no",),
        ("count",),
        ("gross_minor", "fee_minor", "net_minor"),
        ("gross_minor", "fee_minor", "net_minor"),
        ("gross_minor", "fee_minor", "net_minor"),
    ]
    rows, expected = [], []
    for position, entry in enumerate(items):
        fee = entry.minor * 6 // 1000
        rows.append(
            [
                entry.when.strftime("%Y-%m-%d"),
                "898310000000001",
                f"1000000{position % 3}",
                f"{position + 1:06d}",
                str(position % 50 + 1),
                decimal_text(entry.minor),
                decimal_text(fee),
                decimal_text(entry.minor - fee),
            ]
        )
        expected.append(
            {
                "settlement_date": local_day(entry.when),
                "merchant_id": "898310000000001",
                "terminal_id": f"1000000{position % 3}",
                "batch_no": f"{position + 1:06d}",
                "count": position % 50 + 1,
                "gross_minor": entry.minor,
                "fee_minor": fee,
                "net_minor": entry.minor - fee,
                "currency": "CNY",
            }
        )
    columns = (
        "settlement_date",
        "merchant_id",
        "terminal_id",
        "batch_no",
        "count",
        "gross_minor",
        "fee_minor",
        "net_minor",
        "currency",
    )
    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        trailer=["合计" + delimiter * 7],
        delimiter=delimiter,
        amount_syntax=signed(plain_amount_with_commas),
        balanced=True,
    )


def wechat_fund_flow(items: Sequence[Entry], *, delimiter: str = ",") -> Table:
    """WeChat Pay merchant fund flow bill (资金账单), one 交易 (收入) or 退款 (支出) row per entry.

    Layout from WeChat Pay's bill documentation (资金账单: 记账时间, 微信支付业务单号, 资金流水单号,
    业务名称, 业务类型, 收支类型, 收支金额(元), 账户结余(元), 资金变更提交申请人, 备注, 业务凭证号;
    every cell after a backtick; a summary block at the end). Each entry is booked on a day of its
    own (month ``position + 1``), so one row is one settlement line: a refund's gross is negative.
    ``delimiter="\\t"`` writes the bill as spreadsheets save it, tab-separated.
    """
    header = [
        "记账时间",
        "微信支付业务单号",
        "资金流水单号",
        "业务名称",
        "业务类型",
        "收支类型",
        "收支金额(元)",
        "账户结余(元)",
        "资金变更提交申请人",
        "备注",
        "业务凭证号",
    ]
    kinds = ["time", "id", "id", "enum", "enum", "enum", "amount", "amount_other", "text", "text", "id"]
    money = ("count", "gross_minor", "fee_minor", "net_minor")
    feeds: list[tuple[str, ...]] = [("settlement_date",), (), (), (), money, money, money, (), (), (), ()]
    rows, expected = [], []
    balance = 10**9
    for position, entry in enumerate(items):
        when = entry.when.replace(month=position + 1, day=min(entry.when.day, 28))
        refund = entry.debit
        balance += -entry.minor if refund else entry.minor
        cells = [
            when.strftime("%Y-%m-%d %H:%M:%S"),
            f"42000{position:05d}{entry.ref}",
            f"19000092312026{position:06d}",
            "退款" if refund else "交易",
            "退款" if refund else "交易",
            "支出" if refund else "收入",
            decimal_text(entry.minor),
            decimal_text(balance),
            "system",
            entry.merchant if refund else "",
            f"ORD{position}{entry.ref}",
        ]
        rows.append([f"`{c}" for c in cells])
        gross = -entry.minor if refund else entry.minor
        expected.append(
            {
                "settlement_date": local_day(when),
                "count": 1,
                "gross_minor": gross,
                "fee_minor": 0,
                "net_minor": gross,
                "currency": "CNY",
                "channel": "wechat",
            }
        )
    incoming = [e.minor for e in items if not e.debit]
    outgoing = [e.minor for e in items if e.debit]
    trailer = [
        "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额".replace(",", delimiter),
        delimiter.join(
            f"`{v}"
            for v in (
                f"{len(items)}.0",
                f"{len(incoming)}.0",
                decimal_text(sum(incoming)),
                f"{len(outgoing)}.0",
                decimal_text(sum(outgoing)),
            )
        ),
    ]
    columns = ("settlement_date", "count", "gross_minor", "fee_minor", "net_minor", "currency", "channel")

    def revalue(row: dict[str, Any], value: int) -> dict[str, Any]:
        sign = -1 if row["gross_minor"] < 0 else 1
        return {**row, "gross_minor": sign * value, "net_minor": sign * value}

    return Table(
        header,
        rows,
        kinds,
        feeds,
        pd.DataFrame(expected, columns=list(columns)),
        columns,
        trailer=trailer,
        delimiter=delimiter,
        amount_syntax=lambda t, c: plain_decimal(t.removeprefix("`"), c),
        revalue=revalue,
        sorted_rows=True,
        reports_skips=True,
    )


def with_cell(data: bytes, line: int, column: str, value: str, encoding: str = "utf-8") -> bytes:
    """The CSV with the cell of ``column`` on ``line`` (1-based) replaced; every other byte kept."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    lines = data[len(bom) :].decode(encoding).splitlines(keepends=True)

    def cells(text: str) -> list[str]:
        return next(csv.reader([text.rstrip("\r\n")]))

    header = next(i for i in range(line - 1) if column in [c.strip() for c in cells(lines[i])])
    index = [c.strip() for c in cells(lines[header])].index(column)
    body = lines[line - 1].rstrip("\r\n")
    row = cells(body)
    row[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    lines[line - 1] = out.getvalue() + lines[line - 1][len(body) :]
    return bom + "".join(lines).encode(encoding)
