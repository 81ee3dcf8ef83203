"""SWIFT MT940 / MT942 statements, parsed with the ``mt-940`` package.

Each ``:61:`` statement line becomes one row: the value date (no time, so
``ts_precision="day"``; the entry date goes to ``raw``), the amount with its
``C``/``D``/``RC``/``RD`` mark (``D`` and ``RC`` are debits), the ``:86:``
details as merchant text and the customer/bank references. Times are dates
only and carry no zone; ``tz`` (default UTC) only matters for ``ts``.
Broken files raise :class:`ProofError` naming the nearest ``:61:``/tag line.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import to_minor
from receiptkit.readers.proofbase import finish
from receiptkit.readers.table import _read_bytes, source_name

__all__ = ["read", "sniff"]

_TAGS = re.compile(r"^:(20|25|28C?|60[FM]|61|62[FM]|64|65|86|NS):", re.M)
_LINE61 = re.compile(r"^:61:", re.M)


def sniff(head: str) -> bool:
    """A line starting with an MT940 tag (``:20:``, ``:25:``, ``:60F:``, ``:61:``, ``:86:`` ...)."""
    return bool(_TAGS.search(head))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # pragma: no cover - latin-1 decodes everything


def read(
    source: Any, *, tz: str | None = None, strict: bool = True, name: str | None = None, **_: Any
) -> pd.DataFrame:
    """Read every statement line of an MT940/MT942 file."""
    import mt940

    name = name or source_name(source)
    text = _decode(_read_bytes(source))
    lines61 = [text.count("\n", 0, m.start()) + 1 for m in _LINE61.finditer(text)]
    try:
        transactions = mt940.models.Transactions()
        transactions.parse(text)
    except Exception as exc:  # mt940 raises ValueError, RuntimeError, KeyError ... on broken files
        line = _error_line(text, exc)
        raise ProofError(
            f"not a readable MT940 file ({type(exc).__name__}: {exc})", file=name, row=line
        ) from None
    rows: list[dict[str, Any]] = []
    for position, transaction in enumerate(transactions):
        data = transaction.data
        line = lines61[position] if position < len(lines61) else None
        amount = data.get("amount")
        date = data.get("date")
        if amount is None or date is None:
            raise ProofError("statement line without amount or date", file=name, row=line)
        if not amount.currency:
            raise ProofError("no currency (no :60F:/:60M: balance before the line)", file=name, row=line)
        try:
            minor = to_minor(amount.amount, amount.currency)
        except ReceiptkitError as exc:
            raise ProofError(
                exc.reason, file=name, row=line, column=":61:", value=str(amount.amount)
            ) from None
        status = str(data.get("status") or "")
        debit = status in ("D", "RC") if status else minor < 0
        details = data.get("transaction_details") or data.get("extra_details") or None
        references = [
            r for r in (data.get("customer_reference"), data.get("bank_reference")) if r and r != "NONREF"
        ]
        rows.append(
            {
                "kind": "bank_statement",
                "ts": pd.NaT,
                "ts_precision": "day",
                "date": pd.Timestamp(date),
                "amount_minor": abs(minor),
                "currency": amount.currency,
                "direction": "debit" if debit else "credit",
                "merchant_text": " ".join(str(details).split()) if details else None,
                "reference": references[0] if references else None,
                "source_row": line,
                "raw": {k: (None if v is None else str(v)) for k, v in data.items()},
            }
        )
    if not rows:
        raise ProofError("no statement lines (:61:) in the file", file=name, row=1)
    return finish(pd.DataFrame(rows), name, strict=strict, tz=tz)


def _error_line(text: str, exc: Exception) -> int:
    """The line of the tag the parser choked on, when its message quotes it; else the first tag."""
    message = str(exc)
    for match in re.finditer(r":(\d{2}[A-Z]?):", message):
        position = text.find(match.group(0))
        if position >= 0:
            return text.count("\n", 0, position) + 1
    first = _TAGS.search(text)
    return text.count("\n", 0, first.start()) + 1 if first else 1
