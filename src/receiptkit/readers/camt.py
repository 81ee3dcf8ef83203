"""ISO 20022 CAMT.053 statements and CAMT.052/054 notifications (XML).

Parsed only through defusedxml: DTDs, entity declarations (billion laughs,
external entities) and external references are refused with a
:class:`ProofError`. Namespaces are ignored, so every version
(``camt.053.001.02`` ... ``.08``, ``camt.054.001.x``) reads the same way.
One row per ``<Ntry>``: unsigned ``<Amt Ccy=..>`` with ``<CdtDbtInd>``
(``DBIT`` = debit), booking date (``<BookgDt>``; ``<DtTm>`` with its offset
gives a time), the counterparty's name as merchant text (``Cdtr`` of a
``DBIT`` entry, ``Dbtr`` of a ``CRDT`` entry, directly or under ``<Pty>`` as in
camt.05x.001.08+; else the remittance text or ``<AddtlNtryInf>``), ``<AcctSvcrRef>`` or ``<EndToEndId>`` as reference.

CAMT.052 (``BkToCstmrAcctRpt``, the intraday account report) carries entries
that are not booked yet: the entry status (``<Sts>BOOK</Sts>`` up to .07,
``<Sts><Cd>PDNG</Cd></Sts>`` from .08) goes to ``payment_state`` (``BOOK`` =
success; ``PDNG``, ``INFO``, ``FUTR`` = pending) and ``raw["status"]``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import Money, exponent, parse_amount
from receiptkit.readers.proofbase import finish
from receiptkit.readers.table import Problem, _read_bytes, source_name
from receiptkit.timeparse import parse_time

__all__ = ["read", "sniff"]

_NTRY = re.compile(rb"<(?:[\w.-]+:)?Ntry[\s>]")


def sniff(head: str) -> bool:
    """A camt.05x namespace or a BkToCstmrStmt/BkToCstmrDbtCdtNtfctn root."""
    return bool(re.search(r"camt\.05[234]|BkToCstmr(?:Stmt|DbtCdtNtfctn|AcctRpt)", head[:8192]))


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _first(entry: Any, path: str) -> Any:
    """First element on a '/'-separated path of local names below ``entry`` ('.//' for the first name)."""
    head, *rest = path.split("/")
    for node in entry.iter(head):
        for part in rest:
            node = node.find(part)
            if node is None:
                break
        if node is not None:
            return node
    return None


def _text(entry: Any, *paths: str) -> str | None:
    for path in paths:
        node = _first(entry, path)
        if node is not None and node.text and node.text.strip():
            return " ".join(node.text.split())
    return None


def _parse(data: bytes, name: str) -> Any:
    """The element tree, namespaces removed; unsafe XML refused before anything is expanded.

    A DTD (and with it every entity declaration, external entity or external
    subset) can only stand in the prolog, before the root element (XML 1.0,
    section 2.8). defusedxml reads the prolog up to the root's start tag with
    DTDs, entities and external references forbidden; the document, known then
    to have no DTD, is built by the C parser (expat expands nothing but the
    five predefined entities without one), which is 5-10 times faster than
    defusedxml's pure-Python parser on statements of tens of thousands of entries.
    """
    import xml.etree.ElementTree as ET

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        events = SafeET.iterparse(
            io.BytesIO(data), events=("start",), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        next(events, None)
        root = ET.fromstring(data)
    except DefusedXmlException as exc:
        raise ProofError(f"refused unsafe XML ({type(exc).__name__})", file=name, row=1) from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        raise ProofError(f"not well-formed XML ({exc})", file=name, row=line) from None
    except (ValueError, TypeError) as exc:
        raise ProofError(f"not readable XML ({exc})", file=name, row=1) from None
    for node in root.iter():
        tag = node.tag
        if isinstance(tag, str) and tag[:1] == "{":
            node.tag = tag[tag.index("}") + 1 :]
    return root


def read(
    source: Any, *, tz: str | None = None, strict: bool = True, name: str | None = None, **_: Any
) -> pd.DataFrame:
    """Read the entries of a CAMT.053/054 document."""
    name = name or source_name(source)
    data = _read_bytes(source)
    root = _parse(data, name)
    lines = _lines_of(data, _NTRY)
    entries = list(root.iter("Ntry"))
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for position, entry in enumerate(entries):
        line = lines[position] if position < len(lines) else 1
        try:
            rows.append(_row(entry, line, tz))
        except ReceiptkitError as exc:
            where = _element_line(data, position, line, exc.column)
            problems.append(Problem(where, exc.column or "Ntry", exc.value, exc.reason))
    if not rows and not problems:
        raise ProofError("no entries (<Ntry>) in the document", file=name, row=1)
    if not rows:
        finish(pd.DataFrame({"source_row": []}), name, problems, strict=True)
    frame = pd.DataFrame(rows)
    if frame["payment_state"].isna().all():
        frame = frame.drop(columns="payment_state")  # no entry says its status
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return finish(frame, name, problems, strict=strict, tz=tz or "UTC")


#: ISO 20022 entry status -> ``payment_state`` (another code is "unknown").
_ENTRY_STATES = {"BOOK": "success", "PDNG": "pending", "INFO": "pending", "FUTR": "pending"}

_PLAIN_AMOUNT = re.compile(r"\s*(\d{1,12})(?:\.(\d{1,20}))?\s*")
_PLAIN_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _plain_amount(text: str, currency: str | None) -> Money | None:
    """The common ``123.45`` in a known currency, without the general parser (CAMT's amounts are plain)."""
    match = _PLAIN_AMOUNT.fullmatch(text)
    if match is None or currency is None or not re.fullmatch(r"[A-Z]{3}", currency):
        return None
    places = exponent(currency)
    fraction = (match.group(2) or "").rstrip("0")
    if len(fraction) > places:
        return None  # the general parser says why
    return Money(
        int(match.group(1)) * 10**places + (int(fraction.ljust(places, "0")) if places else 0), currency
    )


def _lines_of(data: bytes, pattern: re.Pattern[bytes]) -> list[int]:
    """1-based line of every match, counting newlines once through the data (linear, not per match)."""
    out: list[int] = []
    line, done = 1, 0
    for match in pattern.finditer(data):
        line += data.count(b"\n", done, match.start())
        done = match.start()
        out.append(line)
    return out


def _element_line(data: bytes, position: int, line: int, tag: str | None) -> int:
    """The line of element ``tag`` inside the ``position``-th ``<Ntry>`` (where a refusal about it points),
    or the entry's own ``line`` when the element is not written there. Only called for a refused entry."""
    if not tag:
        return line
    starts = [m.start() for m in _NTRY.finditer(data)]
    if position >= len(starts):
        return line
    end = starts[position + 1] if position + 1 < len(starts) else len(data)
    found = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(tag.encode()) + rb"[\s>/]").search(
        data, starts[position], end
    )
    if found is None:
        return line
    return line + data.count(b"\n", starts[position], found.start())


_ISO_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})")
_MAX_OFFSET = dt.timedelta(hours=18)


def _when(text: str, tz: str | None) -> tuple[Any, str, dt.datetime]:
    """``(ts or NaT, precision, local day)`` of a booking date: a plain date or an ISO time with its offset.

    The day is the one the bank wrote (2026-01-01T00:30:00+08:00 is booked on 1 January, not on the
    UTC day 31 December), as the OFX and table readers keep the day written in the row's zone.
    """
    day = _PLAIN_DATE.fullmatch(text)
    if text[:4].isdigit() and not "1678" <= text[:4] <= "2261":
        raise ProofError("a date outside the years 1678-2261", column="BookgDt", value=text)
    if day is not None:
        try:
            return pd.NaT, "day", dt.datetime(int(day.group(1)), int(day.group(2)), int(day.group(3)))
        except ValueError:
            pass  # the general parser says why
    elif _ISO_SECOND.fullmatch(text):
        try:
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            stamp = None
        offset = stamp.utcoffset() if stamp is not None else None
        if stamp is not None and offset is not None and abs(offset) <= _MAX_OFFSET:
            return stamp, "second", stamp.replace(tzinfo=None, hour=0, minute=0, second=0)
    parsed = parse_time(text, tz or "UTC")
    written = _PLAIN_DATE.match(text)
    local = (
        dt.datetime(int(written.group(1)), int(written.group(2)), int(written.group(3)))
        if written
        else parsed.ts.tz_localize(None).normalize().to_pydatetime()
    )
    if parsed.precision == "day":
        return pd.NaT, "day", local
    return parsed.ts, parsed.precision, local


def _row(entry: Any, line: int, tz: str | None) -> dict[str, Any]:
    amount_node = entry.find("Amt")
    if amount_node is None or not (amount_node.text or "").strip():
        raise ProofError("entry without <Amt>", column="Amt")
    currency = amount_node.get("Ccy")
    if (
        "," in amount_node.text
    ):  # ISO 20022 amounts are xs:decimal: '1,234' is 1234 or 1.234, never read either way
        raise ProofError(
            "a comma in <Amt>: CAMT writes amounts as plain decimals with a point (ISO 20022), so a comma is "
            "neither a thousands separator nor a decimal mark it can be read as",
            column="Amt",
            value=amount_node.text,
        )
    try:
        money = _plain_amount(amount_node.text, currency) or parse_amount(amount_node.text.strip(), currency)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="Amt", value=amount_node.text) from None
    if money.minor < 0:  # '-754.25', '(754.25)': never a row's sign nor a whole file's refusal
        raise ProofError(
            "a signed amount: CAMT writes <Amt> unsigned, its direction in <CdtDbtInd>",
            column="Amt",
            value=amount_node.text,
        )
    mark = _text(entry, "CdtDbtInd")
    if mark not in ("CRDT", "DBIT"):
        raise ProofError("CdtDbtInd must be CRDT or DBIT", column="CdtDbtInd", value=mark)
    reversal = (_text(entry, "RvslInd") or "").lower() == "true"
    debit = (mark == "DBIT") != reversal
    when = _text(entry, "BookgDt/DtTm", "BookgDt/Dt", "ValDt/DtTm", "ValDt/Dt")
    if when is None:
        raise ProofError("entry without booking or value date", column="BookgDt")
    try:
        ts, precision, day = _when(when, tz)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="BookgDt", value=when) from None
    # the counterparty is the other side of the entry: the creditor of money paid out (DBIT), the
    # debtor of money received (CRDT); the other party is the account owner. From camt.05x.001.08
    # the name sits under <Pty>.
    party = "Cdtr" if mark == "DBIT" else "Dbtr"
    merchant = _text(
        entry,
        f"{party}/Nm",
        f"{party}/Pty/Nm",
        f"Ultmt{party}/Nm",
        f"Ultmt{party}/Pty/Nm",
        "RmtInf/Ustrd",
        "AddtlTxInf",
        "AddtlNtryInf",
    )
    reference = _text(entry, "AcctSvcrRef", "Refs/EndToEndId", "Refs/TxId", "NtryRef")
    status = _text(entry, "Sts/Cd", "Sts")
    return {
        "kind": "bank_statement",
        "ts": ts,
        "ts_precision": precision,
        "date": day,
        "amount_minor": money.minor,
        "currency": money.currency,
        "direction": "debit" if debit else "credit",
        "merchant_text": merchant,
        "reference": reference,
        "source_row": line,
        "payment_state": _ENTRY_STATES.get(status.upper(), "unknown") if status else None,
        "raw": {
            "status": status,
            "booking": when,
            "value_date": _text(entry, "ValDt/Dt", "ValDt/DtTm"),
            "CdtDbtInd": mark,
            "reversal": reversal,
            "end_to_end_id": _text(entry, "Refs/EndToEndId"),
            "additional": _text(entry, "AddtlNtryInf"),
        },
    }
