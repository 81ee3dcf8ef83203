"""ISO 20022 CAMT.053 statements and CAMT.052/054 notifications (XML).

Parsed only through defusedxml: DTDs, entity declarations (billion laughs,
external entities) and external references are refused with a
:class:`ProofError`. Namespaces are ignored, so every version
(``camt.053.001.02`` ... ``.08``, ``camt.054.001.x``) reads the same way.
One row per ``<Ntry>``: unsigned ``<Amt Ccy=..>`` with ``<CdtDbtInd>``
(``DBIT`` = debit), booking date (``<BookgDt>``; ``<DtTm>`` with its offset
gives a time), remittance text / related party name / ``<AddtlNtryInf>`` as
merchant text, ``<AcctSvcrRef>`` or ``<EndToEndId>`` as reference.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import parse_amount
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


def _find(element: Any, path: str) -> Any:
    """First descendant following a '/'-separated path of local names ('.//' semantics for the first)."""
    parts = path.split("/")
    candidates = [e for e in element.iter() if _local(e.tag) == parts[0]]
    for candidate in candidates:
        node = candidate
        for part in parts[1:]:
            node = next((c for c in node if _local(c.tag) == part), None)
            if node is None:
                break
        if node is not None:
            return node
    return None


def _text(element: Any, *paths: str) -> str | None:
    for path in paths:
        node = _find(element, path)
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
    lines = [data.count(b"\n", 0, m.start()) + 1 for m in _NTRY.finditer(data)]
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
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return finish(frame, name, problems, strict=strict, tz=tz or "UTC")


def _row(entry: Any, line: int, tz: str | None) -> dict[str, Any]:
    amount_node = next((c for c in entry if _local(c.tag) == "Amt"), None)
    if amount_node is None or not (amount_node.text or "").strip():
        raise ProofError("entry without <Amt>", column="Amt")
    currency = amount_node.get("Ccy")
    try:
        money = parse_amount(amount_node.text.strip(), currency)
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
        parsed = parse_time(when, tz or "UTC")
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, column="BookgDt", value=when) from None
    merchant = _text(entry, "RmtInf/Ustrd", "Cdtr/Nm", "Dbtr/Nm", "AddtlTxInf", "AddtlNtryInf")
    if debit:
        merchant = _text(entry, "Cdtr/Nm") or merchant
    reference = _text(entry, "AcctSvcrRef", "Refs/EndToEndId", "Refs/TxId", "NtryRef")
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
        "raw": {
            "booking": when,
            "value_date": _text(entry, "ValDt/Dt", "ValDt/DtTm"),
            "CdtDbtInd": mark,
            "reversal": reversal,
            "end_to_end_id": _text(entry, "Refs/EndToEndId"),
            "additional": _text(entry, "AddtlNtryInf"),
        },
    }
