"""SWIFT MT940 / MT942 statements, parsed with the ``mt-940`` package.

Each ``:61:`` statement line becomes one row: the value date (no time, so
``ts_precision="day"``; the entry date goes to ``raw``), the amount with its
``C``/``D``/``RC``/``RD`` mark (``D`` and ``RC`` are debits), the ``:86:``
details as merchant text and the customer/bank references. Times are dates
only and carry no zone; ``tz`` (default UTC) only matters for ``ts``.
Broken files raise :class:`ProofError` naming the nearest ``:61:``/tag line.

Every ``:61:`` line is first checked against the SWIFT layout here, not only
by the parser: an amount that is not ``digits[,digits]`` of at most 15
characters (``12.345``, ``5-``, ``1_000``, ``1e309``, ``0x10``, 16+ digits) is
an error naming the line, never a skipped entry whose ``:86:`` text would be
glued to the next one. ``NONREF`` is no reference, also when the transaction
type code is missing (``:61:2009020902D20,00NONREF``). A statement whose last
``:61:`` is not followed by a closing balance (``:62F:``/``:62M:``, or
``:90D:``/``:90C:`` in an MT942) is truncated: an error naming the last line.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import to_minor
from receiptkit.readers.proofbase import finish
from receiptkit.readers.table import MAX_CELL_CHARS, _read_bytes, silenced_logs, source_name

__all__ = ["read", "sniff"]

_TAGS = re.compile(r"^:(20|25|28C?|60[FM]|61|62[FM]|64|65|86|NS):", re.M)
_LINE61 = re.compile(r"^:61:", re.M)
_ANY_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):", re.M)
#: value date, entry date (MMDD or 4 spaces), mark, funds code, amount (digits, comma decimal).
_STATEMENT = re.compile(
    r"(?P<date>\d{6})(?P<entry>\d{4}|\s{4})?(?P<mark>R?[CD])(?P<funds>[A-Z])?[\n ]?"
    r"(?P<amount>\d+,\d*|\d+(?=[NSF][A-Z0-9]{3}))"
)
_TYPE_CODE = re.compile(r"[A-Z][A-Z0-9 ]{3}")
#: customer reference (16x, up to ``//``), then ``//`` bank reference (16x); the rest is supplementary details.
_REFERENCES = re.compile(r"((?:(?!//).){0,16})(?://(.{0,16}))?")
_CLOSING = ("62F", "62M", "90D", "90C")


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
    statements = _statement_lines(text, name)
    lines61 = [line for line, _ in statements]
    try:
        # mt-940 cuts :86: after nine 65-character chunks unless told not to (its Options, 5.1+);
        # the length is bounded here instead (_statement_lines: MAX_CELL_CHARS)
        transactions = mt940.models.Transactions(options=mt940.options.Options(unbounded_details=True))
        with silenced_logs("mt940"):
            transactions.parse(text)
    except Exception as exc:  # mt940 raises ValueError, RuntimeError, KeyError ... on broken files
        line = _error_line(text, exc)
        raise ProofError(
            f"not a readable MT940 file ({type(exc).__name__}: {exc})", file=name, row=line
        ) from None
    parsed = list(transactions)
    if len(parsed) != len(statements):
        line = lines61[min(len(parsed), len(lines61) - 1)] if lines61 else 1
        raise ProofError(
            f"{len(statements)} :61: lines but {len(parsed)} entries parsed",
            file=name,
            row=line,
            column=":61:",
        )
    rows: list[dict[str, Any]] = []
    for position, transaction in enumerate(parsed):
        data = transaction.data
        line, mine = statements[position]
        amount = data.get("amount")
        date = data.get("date")
        if amount is None or date is None:
            raise ProofError("statement line without amount or date", file=name, row=line)
        if not amount.currency:
            raise ProofError("no currency (no :60F:/:60M: balance before the line)", file=name, row=line)
        try:
            # the :61: pattern's amount group is not optional
            minor = to_minor(Decimal(cast(str, mine["amount"]).replace(",", ".")), amount.currency)
        except (ReceiptkitError, InvalidOperation) as exc:
            reason = getattr(exc, "reason", "not an amount")
            raise ProofError(reason, file=name, row=line, column=":61:", value=mine["amount"]) from None
        status = mine["mark"]
        debit = status in ("D", "RC")
        details = data.get("transaction_details") or data.get("extra_details") or None
        references = [r for r in (mine["customer_reference"], mine["bank_reference"]) if r]
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
                "raw": {
                    **{k: (None if v is None else str(v)) for k, v in data.items()},
                    "id": mine["type_code"],
                    "customer_reference": mine["customer_reference"],
                    "bank_reference": mine["bank_reference"],
                },
            }
        )
    if not rows:
        raise ProofError("no statement lines (:61:) in the file", file=name, row=1)
    return finish(pd.DataFrame(rows), name, strict=strict, tz=tz)


#: days in each month; February 29 and 30 are the end of February in the 30/360 convention some banks
#: write value dates in (``:61:1602300301DR…`` for an Entgeltabschluss, a public sample): read as its last day
_MONTH_DAYS = (31, 30, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _impossible_date(value: str, entry: str | None) -> str | None:
    """Why the ``:61:`` value date (YYMMDD) or entry date (MMDD) is no day, or None.

    The mt-940 library moves any February day past the month's end to its last day, so "0231" (a
    digit changed in "0321"?) was read as February 28/29 without a word, and names the statement's
    first line for any other impossible day: both are refused here, at the :61: line.
    """
    for label, month_day in (("value date", value[2:6]), ("entry date", (entry or "").strip())):
        if not month_day:
            continue
        month, day = int(month_day[:2]), int(month_day[2:])
        # an entry (booking) date is a calendar day: February 29 at most
        last = (
            29 if label == "entry date" and month == 2 else _MONTH_DAYS[month - 1] if 1 <= month <= 12 else 0
        )
        if not 1 <= month <= 12 or not 1 <= day <= last:
            return f"the {label} {month_day[:2]}-{month_day[2:]} (MMDD) is no day of the year"
    return None


def _statement_lines(text: str, name: str) -> list[tuple[int, dict[str, str | None]]]:
    """Check every ``:61:`` line against the SWIFT layout; return (line, fields) in file order."""
    tags = list(_ANY_TAG.finditer(text))
    out: list[tuple[int, dict[str, str | None]]] = []
    line, done = 1, 0
    for position, tag in enumerate(tags):
        if tag.group(1) != "61":
            continue
        line += text.count("\n", done, tag.start())  # counted once through the file: linear
        done = tag.start()
        end = tags[position + 1].start() if position + 1 < len(tags) else len(text)
        body = text[tag.end() : end].replace("\r\n", "\n").rstrip("\r\n")
        value = body.split("\n", 1)[0][:40]
        match = _STATEMENT.match(body)
        if match is None:
            raise ProofError(
                "not a :61: statement line (date, C/D mark, amount such as 123,45)",
                file=name,
                row=line,
                column=":61:",
                value=value,
            )
        bad_date = _impossible_date(match.group("date"), match.group("entry"))
        if bad_date:
            raise ProofError(bad_date, file=name, row=line, column=":61:", value=value)
        amount = match.group("amount")
        if len(amount) > 15:
            raise ProofError(
                "amount longer than the 15 characters MT940 allows",
                file=name,
                row=line,
                column=":61:",
                value=value,
            )
        rest = body[match.end() :].split("\n", 1)[0]
        type_code: str | None = None
        if rest.startswith("NONREF") and (len(rest) == 6 or rest[6:8] == "//"):
            pass  # no transaction type code: NONREF is the (absent) customer reference
        elif _TYPE_CODE.match(rest):
            type_code, rest = rest[:4], rest[4:]
        else:
            raise ProofError(
                "no transaction type code after the amount (a malformed or truncated amount?)",
                file=name,
                row=line,
                column=":61:",
                value=value,
            )
        refs = _REFERENCES.match(rest)
        customer = refs.group(1).strip() if refs else ""
        bank = (refs.group(2) or "").strip() if refs else ""
        out.append(
            (
                line,
                {
                    "mark": match.group("mark"),
                    "amount": amount,
                    "type_code": type_code,
                    "customer_reference": None if customer in ("", "NONREF") else customer,
                    "bank_reference": None if bank in ("", "NONREF") else bank,
                },
            )
        )
    _check_detail_sizes(text, tags, name)
    if out:
        _check_details(text, tags, name)
        last = max(position for position, tag in enumerate(tags) if tag.group(1) == "61")
        if not any(tag.group(1) in _CLOSING for tag in tags[last + 1 :]):
            raise ProofError(
                "statement ends after its last :61: line without a closing balance "
                "(:62F:/:62M:, or :90D:/:90C: in an MT942): truncated?",
                file=name,
                row=out[-1][0],
                column=":61:",
            )
    return out


#: tags after which a :86: is information to the account owner about the whole statement
_STATEMENT_END = ("62F", "62M", "64", "65", "90D", "90C")


def _check_details(text: str, tags: list[re.Match[str]], name: str) -> None:
    """A ``:86:`` belongs to the ``:61:`` just before it (or, after the closing balance, to the statement).

    Some banks write several ``:86:`` lines for one entry (Rabobank), so a ``:86:`` may follow a
    ``:86:``; but one that follows another tag (the opening balance, the account) is the text of
    a statement line that is missing (a deleted or mangled ``:61:``): an error naming the line.
    """
    previous: str | None = None
    line, done = 1, 0
    for tag in tags:
        kind = tag.group(1)
        if kind == "86" and previous not in ("61", "86", *_STATEMENT_END):
            line += text.count("\n", done, tag.start())
            raise ProofError(
                f":86: details after :{previous}: instead of after a :61: statement line "
                "(a missing or damaged :61: line?)",
                file=name,
                row=line,
                column=":86:",
                value=text[tag.start() : tag.start() + 40].split("\n", 1)[0],
            )
        if kind != "NS":
            previous = kind


def _check_detail_sizes(text: str, tags: list[re.Match[str]], name: str) -> None:
    """A ``:86:`` is kept whole up to :data:`~receiptkit.readers.table.MAX_CELL_CHARS` characters; a longer one is refused.

    SWIFT allows 6 lines of 65 characters and banks write more; none writes 100,000. The text
    is never cut silently: past the bound the file is refused at that ``:86:`` line.
    """
    line, done = 1, 0
    for position, tag in enumerate(tags):
        if tag.group(1) != "86":
            continue
        end = tags[position + 1].start() if position + 1 < len(tags) else len(text)
        if end - tag.end() <= MAX_CELL_CHARS:
            continue
        size = len(text[tag.end() : end].rstrip())
        if size > MAX_CELL_CHARS:
            line += text.count("\n", done, tag.start())
            raise ProofError(
                f":86: details of {size:,} characters (at most {MAX_CELL_CHARS:,} are read, never cut)",
                file=name,
                row=line,
                column=":86:",
                value=text[tag.end() : tag.end() + 40].split("\n", 1)[0],
            )


def _error_line(text: str, exc: Exception) -> int:
    """The line of the tag the parser choked on, when its message quotes it; else the first tag."""
    message = str(exc)
    for match in re.finditer(r":(\d{2}[A-Z]?):", message):
        position = text.find(match.group(0))
        if position >= 0:
            return text.count("\n", 0, position) + 1
    first = _TAGS.search(text)
    return text.count("\n", 0, first.start()) + 1 if first else 1
