"""Counts and amounts of a reconciliation, per status, currency and direction.

Amounts are the proofs' own amounts (what the customers say they paid, or were
refunded), summed as integers in minor units per currency and direction and
shown in major units as text, so no float ever touches money.
"""

from __future__ import annotations

import pandas as pd

from receiptkit.money import ensure_sum_fits, format_minor

__all__ = ["STATUSES", "status_counts", "summarise", "without_attrs"]

STATUSES = ("matched", "ambiguous", "unmatched")
"""The verdicts of :func:`receiptkit.match`, in report order."""


def without_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    """A shallow view of ``frame`` without ``attrs``.

    A match result carries frames in its ``attrs``, which pandas compares (and
    fails on) when it concatenates or merges; the report works on this view.
    """
    out = pd.DataFrame(frame, copy=False)
    out.attrs = {}
    return out


def status_counts(result: pd.DataFrame) -> dict[str, int]:
    """Proofs per status (every status present, zero when none)."""
    counts = result["status"].astype(str).value_counts()
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def summarise(result: pd.DataFrame, proofs: pd.DataFrame) -> pd.DataFrame:
    """One row per status, currency and direction: ``status, currency, direction, proofs, amount_minor, amount``.

    ``direction`` is ``debit`` (payments) or ``credit`` (refunds): the two are
    never added together, nor are amounts in different currencies. Every status
    appears at least once (with no currency and zero proofs when it has none),
    in the order matched, ambiguous, unmatched, then currency, debit first.
    """
    result, proofs = without_attrs(result), without_attrs(proofs)
    amounts = proofs[["proof_id", "amount_minor", "currency", "direction"]].astype(
        {"proof_id": str, "currency": str, "direction": str}
    )
    joined = result[["proof_id", "status"]].astype(str).merge(amounts, on="proof_id", how="left")
    ensure_sum_fits(joined["amount_minor"].dropna().to_numpy(), what="reconciliation total")
    grouped = (
        joined.groupby(["status", "currency", "direction"], sort=False)
        .agg(proofs=("proof_id", "size"), amount_minor=("amount_minor", "sum"))
        .reset_index()
    )
    missing = [s for s in STATUSES if s not in set(grouped["status"])]
    if missing:
        empty = pd.DataFrame(
            {"status": missing, "currency": "", "direction": "", "proofs": 0, "amount_minor": 0}
        )
        grouped = pd.concat([grouped, empty], ignore_index=True)
    grouped["order"] = grouped["status"].map({s: i for i, s in enumerate(STATUSES)})
    grouped["debit_first"] = grouped["direction"] != "debit"
    grouped = grouped.sort_values(["order", "currency", "debit_first"], kind="stable")
    grouped = grouped.drop(columns=["order", "debit_first"])
    grouped = grouped.astype({"proofs": "int64", "amount_minor": "int64"}).reset_index(drop=True)
    grouped["amount"] = [
        format_minor(int(a), c) if c else ""
        for a, c in zip(grouped["amount_minor"], grouped["currency"], strict=True)
    ]
    return grouped[["status", "currency", "direction", "proofs", "amount_minor", "amount"]]
