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

from typing import Any

import numpy as np
import pandas as pd

from receiptkit.errors import ProofError
from receiptkit.readers.presets import STRIPE_BALANCE
from receiptkit.readers.proofbase import ProofSpec, read_spec, spec_matches
from receiptkit.readers.table import Col, Problem, _read_bytes, problems_frame, source_name

__all__ = ["NOT_PAYMENTS", "SPEC", "read", "sniff"]

_CATEGORY = "reporting_category"

#: ``reporting_category`` values that are not customer payments (shared with the journal preset).
NOT_PAYMENTS: frozenset[str] = frozenset(v.lower() for v in STRIPE_BALANCE.skip[_CATEGORY])

SPEC = ProofSpec(
    "stripe_balance",
    header=STRIPE_BALANCE.identify,
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


def sniff(head: str) -> bool:
    """True when ``head`` holds the Stripe balance-change header."""
    return spec_matches(SPEC, head)


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    name: str | None = None,
    **_: Any,
) -> pd.DataFrame:
    """Read a Stripe balance-change CSV: one proof per charge or refund (see the module docs)."""
    name = name or source_name(source)
    frame = read_spec(_read_bytes(source), SPEC, tz="UTC", strict=strict, name=name)
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
            else "no transactions in the file (header only)"
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
