"""Stripe "Balance change from activity" (itemised) CSV as proofs of card payments.

The same file is also a journal (the ``stripe_balance`` journal preset in
:mod:`receiptkit.readers.presets`): the merchant's record of what Stripe
charged. Read as a proof, each charge says "the customer's card was charged
this amount at this second", which is what a lost slip would have shown. The
header and the list of rows that are not payments come from that preset, so
both readers agree on what the file is and which rows count.

- ``kind`` is ``bank_statement``: an itemised statement of the merchant's
  Stripe balance account, written by the payment institution.
- ``created_utc`` → ``ts`` (second, UTC whatever ``tz=`` says; ``tz=`` only
  sets the zone shown); ``gross`` → amount; ``currency`` lower-case ISO.
- Direction from the customer's side: a ``charge`` (positive gross) is the
  customer's payment (``debit``), a ``refund`` (negative gross) money back
  (``credit``).
- ``balance_transaction_id`` (``txn_…``) → ``wallet_txn_id``;
  ``description``, ``fee``, ``net``, ``available_on_utc`` stay in ``raw``
  (the description is the charge's text, not the merchant's name).
- Payouts, fees, transfers, adjustments, disputes, top-ups... are left out
  and listed in ``frame.attrs["skipped"]``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.money import parse_amount
from receiptkit.readers.presets import STRIPE_BALANCE
from receiptkit.readers.proofbase import NO_ROWS, ProofSpec, read_spec
from receiptkit.readers.protocol import Head
from receiptkit.readers.spec import detect as detect_layout
from receiptkit.readers.table import Col, Problem, RawTable, _read_bytes, problems_frame, source_name
from receiptkit.schema import STRING

__all__ = ["APPLICATION_FEES", "LAYOUTS", "NOT_PAYMENTS", "PAYMENTS", "SPEC", "detect", "read", "sniff"]

_CATEGORY = "reporting_category"

#: ``reporting_category`` values that are not customer payments (shared with the journal preset).
NOT_PAYMENTS: frozenset[str] = frozenset(v.lower() for v in STRIPE_BALANCE.skip[_CATEGORY])

SPEC = ProofSpec(
    "stripe_balance",
    header=STRIPE_BALANCE.header,
    fields={
        "ts": Col("created_utc", kind="time", fmt="%Y-%m-%d %H:%M:%S"),
        "amount": Col("gross", kind="amount"),
        "currency": Col("currency", kind="currency"),
        "wallet_txn_id": Col("balance_transaction_id"),
    },
    kind="bank_statement",
    sign="positive_debit",
    tz="UTC",
    currency="USD",
    encodings=("utf-8-sig",),
    description="Stripe 'Balance change from activity' CSV read as proofs of card payments",
)


_EXPIRY = re.compile(r"\bexp(?:iry|iration)?\b", re.I)


def _payments_refine(frame: pd.DataFrame, raw: RawTable) -> pd.DataFrame:
    """``Amount Refunded`` above 0 and below ``Amount`` is a partial refund; equal to it, a full one.

    The card's expiry (``Card Exp Month``/``Card Exp Year``) is never kept in ``raw``.
    """
    for record in frame["raw"]:
        for key in [k for k in record if _EXPIRY.search(str(k))]:
            del record[key]
    if "Amount Refunded" not in raw.frame.columns:
        return frame
    state = frame["payment_state"].astype(object).copy()
    for position, text in enumerate(raw.frame["Amount Refunded"]):
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            refunded = parse_amount(text, str(frame["currency"].iloc[position])).minor
        except ReceiptkitError:
            continue
        paid = frame["amount_minor"].iloc[position]
        if refunded <= 0 or pd.isna(paid):
            continue
        state.iloc[position] = "partially_refunded" if refunded < int(paid) else "refunded"
        frame["raw"].iloc[position]["refunded_minor"] = refunded
    frame["payment_state"] = pd.array(state, dtype=STRING)
    return frame


#: The Dashboard "Payments" export (``unified_payments.csv``): one row per payment, with the card's last 4.
PAYMENTS = ProofSpec(
    "stripe_payments",
    header=("id", "Created (UTC)", "Amount", "Amount Refunded", "Currency", "Status"),
    fields={
        "ts": Col("Created (UTC)", "Created date (UTC)", kind="time"),
        "amount": Col("Amount", kind="amount"),
        "currency": Col("Currency", kind="currency"),
        "card_last4": Col("Card Last4", "Card Last 4"),
        "wallet_txn_id": Col("id"),
        "reference": Col("PaymentIntent ID", "Payment Intent ID"),
        "merchant_text": Col("Statement Descriptor"),
        # Stripe's words, given as the phrases payment_state() classifies; another word is "unknown"
        "state": Col(
            "Status",
            values={
                "Paid": "支付成功",
                "Succeeded": "支付成功",
                "Refunded": "已全额退款",
                "Partially Refunded": "部分退款",
                "Failed": "支付失败",
                "Canceled": "交易关闭",
                "Cancelled": "交易关闭",
                "Uncaptured": "处理中",
                "Pending": "处理中",
                "Incomplete": "处理中",
            },
            default="?",
        ),
    },
    kind="bank_statement",
    sign="positive_debit",
    tz="UTC",
    currency="USD",
    encodings=("utf-8-sig",),
    refine=_payments_refine,
    description="Stripe Dashboard Payments export (Card Last4, Status, Amount Refunded)",
)


_COMMA_AMOUNT = re.compile(r"^\s*-?[0-9 .]*[0-9],[0-9]{1,2}\s*$")


def _fees_refine(frame: pd.DataFrame, raw: RawTable) -> pd.DataFrame:
    """Each row is a fee the platform collected: flagged in ``raw``; refunded fees set ``payment_state``."""
    state = pd.Series("success", index=frame.index, dtype=object)
    for position, record in enumerate(frame["raw"]):
        record["application_fee"] = True
        text = record.get("Amount Refunded")
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            comma = bool(_COMMA_AMOUNT.match(text))
            refunded = parse_amount(text, str(frame["currency"].iloc[position]), decimal_comma=comma).minor
        except ReceiptkitError:
            continue
        paid = frame["amount_minor"].iloc[position]
        if refunded > 0 and pd.notna(paid):
            state.iloc[position] = "partially_refunded" if refunded < int(paid) else "refunded"
            record["refunded_minor"] = refunded
    frame["payment_state"] = pd.array(state, dtype=STRING)
    return frame


#: The Connect "Collected fees" (application fees) export: one row per fee a platform collected on a
#: connected account's charge. Column names from a public tool that reads this export (``id, Created
#: (UTC), Amount, Amount Refunded, Currency, User ID, User Email, Application ID, Transaction ID``;
#: times to the minute, amounts written ``"0,25"`` by a European-locale Dashboard) and from Stripe's
#: API reference for the application fee object (``account``, ``charge``, ``amount``,
#: ``amount_refunded``). The amount is the FEE, not the charge: each row is a proof that the platform
#: was paid that fee (``direction="credit"``), ``reference`` the charge it was taken from (``ch_…``,
#: the join key to a Payments export), ``merchant_text`` the connected account, ``raw["application_fee"]``
#: is True. Match it against a record of fees, never against the sales of a shop.
APPLICATION_FEES = ProofSpec(
    "stripe_application_fees",
    header=("id", "Created (UTC)", "Amount", "Amount Refunded", "Currency", "Transaction ID"),
    fields={
        "ts": Col("Created (UTC)", kind="time"),
        "amount": Col("Amount", kind="amount"),
        "currency": Col("Currency", kind="currency"),
        "wallet_txn_id": Col("id"),
        "reference": Col("Transaction ID", "Charge ID"),
        "merchant_text": Col("User Email", "User ID", "Account ID"),
    },
    kind="bank_statement",
    sign="negative_debit",  # a fee collected is money in: credit
    tz="UTC",
    currency="USD",
    encodings=("utf-8-sig",),
    refine=_fees_refine,
    sniff_text=("User ID",),
    description="Stripe Connect collected application fees export (the amount is the fee)",
)


#: The Stripe exports by name (balance change, application fees, Dashboard payments); a file is
#: recognised by :func:`receiptkit.readers.spec.detect` (the most specific header row found).
LAYOUTS: dict[str, ProofSpec] = {s.name: s for s in (SPEC, APPLICATION_FEES, PAYMENTS)}


def detect(head: Head | str) -> ProofSpec | None:
    """The Stripe export whose header row is among the first rows of ``head``, or None."""
    return detect_layout(LAYOUTS.values(), head)


def sniff(head: Head | str) -> bool:
    """True when ``head`` holds the Stripe balance-change, Dashboard Payments or application-fee header."""
    return detect(head) is not None


def _read_fees(data: bytes, tz: str | None, strict: bool, name: str) -> pd.DataFrame:
    """The application-fee export; amounts written ``0,25`` (every one) are read with a decimal comma."""
    from dataclasses import replace

    from receiptkit.readers.table import read_table

    try:
        raw = read_table(
            data, header=APPLICATION_FEES.header, encodings=APPLICATION_FEES.encodings, name=name
        )
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, file=exc.file or name, row=exc.row or 1, value=exc.value) from None
    amounts = raw.frame["Amount"].dropna()
    comma = bool(len(amounts)) and bool(amounts.str.match(_COMMA_AMOUNT).all())
    spec = replace(APPLICATION_FEES, decimal_comma=comma)
    frame = read_spec(data, spec, tz="UTC", strict=strict, name=name)
    if tz is not None:
        frame["ts"] = frame["ts"].dt.tz_convert(tz)
        frame["date"] = frame["ts"].dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    return frame


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    name: str | None = None,
    format: str | None = None,
    **_: Any,
) -> pd.DataFrame:
    """Read a Stripe balance-change CSV (one proof per charge or refund, see the module docs) or a
    Dashboard Payments export (one proof per payment: ``Card Last4``, ``Status`` → ``payment_state``,
    ``Amount Refunded`` → partially_refunded/refunded, ``PaymentIntent ID`` → reference) or a Connect
    application-fee export. ``format`` names one of :data:`LAYOUTS`; sniffed from the header when None."""
    name = name or source_name(source)
    data = _read_bytes(source)
    chosen = LAYOUTS.get(str(format)) if format is not None else detect(Head(data, name))
    if format is not None and chosen is None:
        raise ProofError(f"unknown Stripe layout {format!r} (one of {', '.join(LAYOUTS)})", file=name)
    if chosen is APPLICATION_FEES:
        return _read_fees(data, tz, strict, name)
    if chosen is PAYMENTS:
        payments = read_spec(data, PAYMENTS, tz="UTC", strict=strict, name=name)
        if tz is not None:
            payments["ts"] = payments["ts"].dt.tz_convert(tz)
            payments["date"] = payments["ts"].dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
        return payments
    frame = read_spec(data, SPEC, tz="UTC", strict=strict, name=name)
    category = frame["raw"].map(lambda cells: str(cells.get(_CATEGORY) or "").lower())
    skip = category.isin(NOT_PAYMENTS).to_numpy(dtype=bool)
    skipped = [
        Problem(int(frame["source_row"].iloc[p]), _CATEGORY, category.iloc[p], "not a payment")
        for p in np.flatnonzero(skip)
    ]
    if skip.all():
        reason = (
            f"no charges or refunds in the file: all {len(skipped)} row(s) are payouts, fees or transfers"
            if skipped
            else NO_ROWS
        )
        raise ProofError(reason, file=name, row=1)
    rejected = frame.attrs.get("rejected")
    out = frame[~skip].reset_index(drop=True)
    if tz is not None:
        out["ts"] = out["ts"].dt.tz_convert(tz)
        out["date"] = out["ts"].dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    out.attrs["rejected"] = rejected
    out.attrs["skipped"] = problems_frame(skipped, name)
    return out
