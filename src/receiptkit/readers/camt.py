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
import re
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import Money, exponent, parse_amount
from receiptkit.readers.proofbase import finish
from receiptkit.readers.table import Problem, _read_bytes, source_name
from receiptkit.timeparse import ParsedTime, parse_time, resolve_tz

__all__ = ["read", "sniff"]

_NTRY = re.compile(rb"<(?:[\w.-]+:)?Ntry[\s>]")


def sniff(head: str) -> bool:
    """A camt.05x namespace or a BkToCstmrStmt/BkToCstmrDbtCdtNtfctn root."""
    return bool(re.search(r"camt\.05[234]|BkToCstmr(?:Stmt|DbtCdtNtfctn|AcctRpt)", head[:8192]))


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Index:
    """The elements of one entry by local name, in document order (one pass over the entry)."""

    def __init__(self, element: Any) -> None:
        self.by_name: dict[str, list[Any]] = {}
        for node in element.iter():
            tag = node.tag
            if isinstance(tag, str):
                self.by_name.setdefault(tag.rsplit("}", 1)[-1], []).append(node)

    def find(self, path: str) -> Any:
        """First descendant following a '/'-separated path of local names ('.//' semantics for the first)."""
        parts = path.split("/")
        for candidate in self.by_name.get(parts[0], ()):
            node = candidate
            for part in parts[1:]:
                node = next((c for c in node if _local(c.tag) == part), None)
                if node is None:
                    break
            if node is not None:
                return node
        return None


def _text(element: Any, *paths: str) -> str | None:
    index = element if isinstance(element, _Index) else _Index(element)
    for path in paths:
        node = index.find(path)
        if node is not None and node.text and node.text.strip():
            return " ".join(node.text.split())
    return None


def read(
    source: Any, *, tz: str | None = None, strict: bool = True, name: str | None = None, **_: Any
) -> pd.DataFrame:
    """Read the entries of a CAMT.053/054 document."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    name = name or source_name(source)
    data = _read_bytes(source)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ProofError(f"refused unsafe XML ({type(exc).__name__})", file=name, row=1) from None
    except SafeET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        raise ProofError(f"not well-formed XML ({exc})", file=name, row=line) from None
    except (ValueError, TypeError) as exc:
        raise ProofError(f"not readable XML ({exc})", file=name, row=1) from None
    lines = _lines_of(data, _NTRY)
    entries = [e for e in root.iter() if _local(e.tag) == "Ntry"]
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for position, entry in enumerate(entries):
        line = lines[position] if position < len(lines) else 1
        try:
            rows.append(_row(entry, line, tz))
        except ReceiptkitError as exc:
            problems.append(Problem(line, exc.column or "Ntry", exc.value, exc.reason))
    if not rows and not problems:
        raise ProofError("no entries (<Ntry>) in the document", file=name, row=1)
    if not rows:
        finish(pd.DataFrame({"source_row": []}), name, problems, strict=True)
    frame = pd.DataFrame(rows)
    if frame["payment_state"].isna().all():
        frame = frame.drop(columns="payment_state")  # no entry says its status
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return finish(frame, name, problems, strict=strict, tz=tz or "UTC")


#: ISO 20022 entry status -> ``payment_state`` (another code is "unknown").
_ENTRY_STATES = {"BOOK": "success", "PDNG": "pending", "INFO": "pending", "FUTR": "pending"}

_PLAIN_AMOUNT = re.compile(r"\s*(\d{1,12})(?:\.(\d{1,20}))?\s*")
_PLAIN_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ZONES: dict[str, Any] = {}


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


def _plain_date(text: str, tz: str) -> ParsedTime | None:
    """A plain ``YYYY-MM-DD`` (day precision) without the general parser."""
    match = _PLAIN_DATE.fullmatch(text)
    if match is None:
        return None
    zone = _ZONES.get(tz) or _ZONES.setdefault(tz, resolve_tz(tz))
    try:
        day = dt.datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None  # the general parser says why
    return ParsedTime(pd.Timestamp(day).tz_localize(zone), "day")


def _lines_of(data: bytes, pattern: re.Pattern[bytes]) -> list[int]:
    """1-based line of every match, counting newlines once through the data (linear, not per match)."""
    out: list[int] = []
    line, done = 1, 0
    for match in pattern.finditer(data):
        line += data.count(b"\n", done, match.start())
        done = match.start()
        out.append(line)
    return out


def _row(element: Any, line: int, tz: str | None) -> dict[str, Any]:
    amount_node = next((c for c in element if _local(c.tag) == "Amt"), None)
    entry = _Index(element)
    if amount_node is None or not (amount_node.text or "").strip():
        raise ProofError("entry without <Amt>", column="Amt")
    currency = amount_node.get("Ccy")
    try:
        money = _plain_amount(amount_node.text, currency) or parse_amount(amount_node.text.strip(), currency)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="Amt", value=amount_node.text) from None
    mark = _text(entry, "CdtDbtInd")
    if mark not in ("CRDT", "DBIT"):
        raise ProofError("CdtDbtInd must be CRDT or DBIT", column="CdtDbtInd", value=mark)
    reversal = (_text(entry, "RvslInd") or "").lower() == "true"
    debit = (mark == "DBIT") != reversal
    when = _text(entry, "BookgDt/DtTm", "BookgDt/Dt", "ValDt/DtTm", "ValDt/Dt")
    if when is None:
        raise ProofError("entry without booking or value date", column="BookgDt")
    try:
        parsed = _plain_date(when, tz or "UTC") or parse_time(when, tz or "UTC")
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
    day = parsed.precision == "day"
    return {
        "kind": "bank_statement",
        "ts": pd.NaT if day else parsed.ts,
        "ts_precision": parsed.precision,
        "date": parsed.ts.tz_localize(None).normalize(),
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
