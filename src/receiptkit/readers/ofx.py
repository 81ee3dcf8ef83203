"""OFX 1.x (SGML) and 2.x (XML) bank and card statements, parsed with ofxtools.

ofxtools' own lexer builds the element tree (it does not expand entities),
and anything with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is refused
before it gets there. Each ``<STMTTRN>`` becomes one row: ``TRNAMT`` signed
(negative = debit), ``DTPOSTED`` with its ``[offset:TZ]`` (UTC when none; the
time part ``000000`` means a date only), ``NAME``/``MEMO`` as merchant text,
``FITID`` as reference, ``CURDEF`` as currency (never assumed: a statement
without it is an error unless each transaction names its ``<CURRENCY>``).
Error responses (``<SEVERITY>ERROR``), malformed files and files that do not
end with ``</OFX>`` (truncated) raise :class:`ProofError`. A 1.x header
declaring ``CHARSET:1252`` over bytes that are valid UTF-8 is read as UTF-8.
Character references (``&amp;``, ``&lt;``, ``&#233;`` ...) are decoded exactly
once in every element; a UTF-8 byte order mark is allowed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import CURRENCY_EXPONENTS, exponent, parse_amount
from receiptkit.readers.proofbase import finish
from receiptkit.readers.table import Problem, _read_bytes, silenced_logs, source_name

__all__ = ["read", "sniff"]

_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_DATE = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.(\d+))?)?)?\s*(?:\[\s*([+-]?\d+(?:\.\d+)?)(?::[^\]]*)?\])?$"
)


_DEFAULT_HEADER = (
    b"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    b"CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)


def sniff(head: str) -> bool:
    """OFX header (``OFXHEADER:`` or ``<?OFX``) or an ``<OFX>`` root."""
    return bool(re.search(r"OFXHEADER\s*[:=]|<\?OFX|<OFX>", head[:4096], re.I))


def _line_of(text: str, needle: str, start: int) -> tuple[int, int]:
    position = text.find(needle, start)
    if position < 0:
        return 0, start
    return text.count("\n", 0, position) + 1, position + len(needle)


class _Lines:
    """Lines of successive occurrences of a needle, counting newlines once (linear in the file)."""

    def __init__(self, text: str, needle: str) -> None:
        self.text, self.needle = text, needle
        self.line, self.done, self.cursor = 1, 0, 0

    def next(self) -> int:
        position = self.text.find(self.needle, self.cursor)
        if position < 0:
            return 0
        self.line += self.text.count("\n", self.done, position)
        self.done, self.cursor = position, position + len(self.needle)
        return self.line

    def line_of(self, tag: str | None) -> int:
        """The line of element ``tag`` inside the occurrence found last (its own line, where a refusal
        about it points), or that occurrence's line when the element is not written there."""
        if not tag or self.line == 0:
            return self.line
        end = self.text.find(self.needle, self.cursor)
        end = len(self.text) if end < 0 else end
        position = self.text.find(f"<{tag}>", self.done, end)
        if position < 0:
            return self.line
        return self.line + self.text.count("\n", self.done, position)


_CHARSET = re.compile(rb"(CHARSET:[ \t]*)(1252|ISO-8859-1)", re.I)
_END = re.compile(rb"</OFX>[\s\x00]*$", re.I)


def _charset_fixed(data: bytes) -> bytes:
    """OFX 1.x declaring CHARSET:1252 (or ISO-8859-1) whose bytes are valid UTF-8 is UTF-8.

    Exporters write UTF-8 under a copied 1252 header; text in cp1252 with bytes above 0x7F almost
    never forms valid UTF-8, so valid UTF-8 with such bytes is read as UTF-8 (``CHARSET:NONE``).
    """
    header = _CHARSET.search(data[:1024])
    if header is None or max(data, default=0) < 0x80:
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return data[: header.start(2)] + b"NONE" + data[header.end(2) :]


_ZONE_CACHE: dict[float, dt.timezone] = {}
#: the years a timestamp can hold (pandas' nanosecond range)
_FIRST_YEAR, _LAST_YEAR = 1678, 2261


def _ofx_time(text: str) -> tuple[dt.datetime, str]:
    match = _DATE.match(text.strip())
    if not match:
        raise ProofError("not an OFX date", value=text)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if fraction is not None and len(fraction.rstrip("0")) > 6:
        # OFX writes milliseconds (some banks microseconds): a finer fraction cannot be kept, never cut
        raise ProofError("a fraction of a second finer than a microsecond", value=text)
    hours = float(offset) if offset else 0.0
    if abs(hours) > 18:  # the same bound as every other reader (timeparse): never a bare ValueError
        raise ProofError("time zone offset out of range (at most ±18:00)", value=text)
    zone = _ZONE_CACHE.get(hours) or _ZONE_CACHE.setdefault(hours, dt.timezone(dt.timedelta(hours=hours)))
    try:
        stamp = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),  # the fraction written (.000 reads as before)
            tzinfo=zone,
        )
    except ValueError as exc:
        raise ProofError(f"not a valid OFX date ({exc})", value=text) from None
    if not _FIRST_YEAR <= stamp.year <= _LAST_YEAR:
        raise ProofError(f"a date outside the years {_FIRST_YEAR}-{_LAST_YEAR}", value=text)
    timed = hour is not None and (hour, minute, second or "00") != ("00", "00", "00")
    return stamp, ("second" if second is not None else "minute") if timed else "day"


def read(
    source: Any, *, tz: str | None = None, strict: bool = True, name: str | None = None, **_options: Any
) -> pd.DataFrame:
    """Read the bank and card transactions of an OFX file."""
    name = name or source_name(source)
    data = _read_bytes(source)
    found = _DECL.search(data)
    if found:
        line = data[: found.start()].count(b"\n") + 1
        raise ProofError(
            "DTD/entity declarations are refused in OFX", file=name, row=line, value=found.group(0)
        )
    text = data.decode("latin-1")
    if not _END.search(data[-4096:]):
        last = text.rstrip().count("\n") + 1
        raise ProofError(
            "the file does not end with </OFX>: truncated?",
            file=name,
            row=last,
            value=text.rstrip()[-20:] or None,
        )
    data = _charset_fixed(data)
    # a UTF-8 byte order mark (valid before an XML declaration), then blank lines before the
    # header (ofxtools looks at the first 8 lines only)
    data = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if re.match(rb"<OFX>", data, re.I):
        # no OFX header at all (some exporters): assume an OFX 1.02 SGML document
        data = _DEFAULT_HEADER + data
    try:
        root = _parse(data)
    except Exception as exc:  # ofxtools raises many kinds (ParseError, ValueError, KeyError, IndexError)
        try:
            root = _parse(_without_leaf_end_tags(data))
        except Exception:
            raise ProofError(
                f"not a readable OFX file ({type(exc).__name__}: {exc})", file=name, row=1
            ) from None
    _decode_references(root, text, name)
    for status in root.iter("STATUS"):
        severity = (status.findtext("SEVERITY") or "").strip().upper()
        if severity == "ERROR":
            code = status.findtext("CODE")
            message = status.findtext("MESSAGE") or "error response"
            row, _ = _line_of(text, "<SEVERITY>", 0)
            raise ProofError(f"OFX error response {code}: {message}", file=name, row=row or 1)
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    lines = _Lines(text, "<STMTTRN>")
    for statement in [*root.iter("STMTRS"), *root.iter("CCSTMTRS"), *root.iter("INVSTMTRS")]:
        # no CURDEF: each transaction must name its currency (<CURRENCY><CURSYM>); never assume USD
        currency = (statement.findtext("CURDEF") or "").strip() or None
        for trn in statement.iter("STMTTRN"):
            line = lines.next()
            try:
                rows.append(_row(trn, currency, line))
            except ReceiptkitError as exc:
                problems.append(
                    Problem(lines.line_of(exc.column), exc.column or "STMTTRN", exc.value, exc.reason)
                )
    if not rows and not problems:
        statements = [*root.iter("STMTRS"), *root.iter("CCSTMTRS")]
        if statements:
            row, _ = _line_of(text, "STMTRS>", 0)
            raise ProofError(
                f"{len(statements)} account statement(s) with balances only, no transactions (STMTTRN)",
                file=name,
                row=row or 1,
            )
        raise ProofError("no bank or card transactions (STMTTRN) in the file", file=name, row=1)
    if not rows:
        finish(pd.DataFrame({"source_row": []}), name, problems, strict=True)
    frame = pd.DataFrame(rows)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return finish(frame, name, problems, strict=strict, tz=tz or "UTC")


# The character references OFX allows: the five XML entities (OFX 1.x SGML defines &lt; &gt; &amp;)
# and numeric ones. Nothing else (no HTML names such as &nbsp;, no reference without its ";").
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _character(match: re.Match[str]) -> str:
    if match.group(1):
        return _NAMED[match.group(1)]
    code = int(match.group(2)) if match.group(2) else int(match.group(3), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or (code < 0x20 and code not in (0x09, 0x0A, 0x0D)):
        raise ValueError(match.group(0))
    return chr(code)


def _decode_references(root: Any, text: str, name: str) -> None:
    """Decode the character references of every element's text, exactly once (``&amp;lt;`` is ``&lt;``).

    ofxtools leaves them as written, so ``Corner Books &amp; Co`` would reach the frame escaped (and
    reports, which escape on output, would show ``&amp;amp;``). One ``re.sub`` pass never decodes
    its own output. A numeric reference to no character (``&#0;``, a surrogate) is refused.
    """
    for element in root.iter():
        value = element.text
        if value and "&" in value:
            try:
                element.text = _REFERENCE.sub(_character, value)
            except ValueError as exc:
                row, _ = _line_of(text, str(exc), 0)
                raise ProofError(
                    "not a character: a numeric reference outside Unicode",
                    file=name,
                    row=row or None,
                    column=str(element.tag),
                    value=str(exc),
                ) from None


def _parse(data: bytes) -> Any:
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    with silenced_logs("ofxtools"):
        tree.parse(io.BytesIO(data))
    return tree.getroot()


_END_TAG = re.compile(rb"</([A-Za-z0-9./_]+)>")


def _without_leaf_end_tags(data: bytes) -> bytes:
    """Drop the end tags of data elements (``</TRNAMT>``), which SGML OFX does not need.

    Some exporters close leaf elements out of order (``<CODE>0<SEVERITY>INFO
    </SEVERITY></CODE>``), which breaks the element tree; without those end
    tags the document is plain OFX 1.x SGML. Aggregate end tags are kept.
    """
    leaves = set(re.findall(rb"<([A-Za-z0-9./_]+)>\s*[^<\s]", data))
    return _END_TAG.sub(lambda m: b"" if m.group(1) in leaves else m.group(0), data)


_PLAIN_TRNAMT = re.compile(r"([+-]?)(\d{1,13})(?:\.(\d{1,2}))?")


def _plain_minor(text: str, currency: str) -> int | None:
    """Minor units of a plain ``-123.45`` in a two-decimal currency; None for anything else (the general parser)."""
    match = _PLAIN_TRNAMT.fullmatch(text)
    if match is None or currency not in CURRENCY_EXPONENTS or exponent(currency) != 2:
        return None
    units = int(match.group(2)) * 100 + int((match.group(3) or "0").ljust(2, "0"))
    return -units if match.group(1) == "-" else units


def _row(trn: Any, currency: str | None, line: int) -> dict[str, Any]:
    amount_text = trn.findtext("TRNAMT")
    if amount_text is None or not amount_text.strip():
        raise ProofError("no TRNAMT", column="TRNAMT")
    amount_text = amount_text.strip()
    # <CURRENCY> (not <ORIGCURRENCY>): the amounts are in CURSYM, not in CURDEF
    own = trn.find("CURRENCY")
    currency = ((own.findtext("CURSYM") if own is not None else None) or "").strip() or currency
    if currency is None:
        raise ProofError(
            "no currency: the statement has no CURDEF and the transaction no CURRENCY", column="CURDEF"
        )
    minor = _plain_minor(amount_text, currency)
    if minor is None:
        try:
            comma = bool(re.fullmatch(r"[+-]?\d+,\d+", amount_text))  # decimal comma (European banks)
            money = parse_amount(amount_text, currency, decimal_comma=comma)
        except ReceiptkitError as exc:
            raise ProofError(exc.reason, column="TRNAMT", value=amount_text) from None
        minor, currency = money.minor, money.currency
    posted = trn.findtext("DTPOSTED") or trn.findtext("DTUSER")
    if posted is None or not posted.strip():
        raise ProofError("no DTPOSTED", column="DTPOSTED")
    try:
        stamp, precision = _ofx_time(posted)
    except ProofError as exc:
        raise ProofError(exc.reason, column="DTPOSTED", value=posted) from None
    name_text = (trn.findtext("NAME") or "").strip()
    memo = (trn.findtext("MEMO") or "").strip()
    merchant = name_text or memo or None
    day = precision == "day"
    return {
        "kind": "bank_statement",
        "ts": pd.NaT if day else stamp,
        "ts_precision": precision,
        "date": dt.datetime(stamp.year, stamp.month, stamp.day),
        "amount_minor": abs(minor),
        "currency": currency,
        "direction": "debit" if minor < 0 else "credit",
        "merchant_text": merchant,
        "reference": (trn.findtext("REFNUM") or trn.findtext("FITID") or "").strip() or None,
        "source_row": line,
        "raw": {child.tag: (child.text or "").strip() for child in trn},
    }
