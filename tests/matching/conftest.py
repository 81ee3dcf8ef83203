"""Small hand-built journals and proofs where the right answer is known."""

from __future__ import annotations

from typing import Any

import pandas as pd

from receiptkit.schema import validate_journal, validate_proofs

TZ = "Asia/Shanghai"
DAY = "2026-11-20"


def at(clock: str, day: str = DAY, tz: str = TZ) -> pd.Timestamp:
    """A zone-aware time on the test day: ``at("14:32:05")``."""
    return pd.Timestamp(f"{day} {clock}", tz=tz)


def txn(txn_id: str, amount: int, clock: str, **fields: Any) -> dict[str, Any]:
    """One journal row: approved card sale at merchant M1, terminal T1, unless told otherwise."""
    row: dict[str, Any] = {
        "txn_id": txn_id,
        "merchant_id": "M1",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "T1",
        "ts": at(clock, fields.pop("day", DAY), fields.pop("tz", TZ)),
        "amount_minor": amount,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
    }
    row.update(fields)
    return row


def journal(*rows: dict[str, Any]) -> pd.DataFrame:
    """A canonical journal from :func:`txn` rows."""
    return validate_journal(pd.DataFrame(list(rows)))


def pf(proof_id: str, amount: int, clock: str | None = None, **fields: Any) -> dict[str, Any]:
    """One proof row: a wallet record to the second unless told otherwise.

    ``clock=None`` with ``date=...`` gives a date-only (bank statement) proof.
    """
    day = fields.pop("day", DAY)
    tz = fields.pop("tz", TZ)
    row: dict[str, Any] = {
        "proof_id": proof_id,
        "kind": "wallet",
        "ts": at(clock, day, tz).tz_convert("UTC") if clock else None,
        "ts_precision": "second" if clock else "day",
        "amount_minor": amount,
        "currency": "CNY",
        "direction": "debit",
    }
    if clock is None:
        row["kind"] = "bank_statement"
        row["date"] = pd.Timestamp(day)
    row.update(fields)
    return row


def proofs(*rows: dict[str, Any]) -> pd.DataFrame:
    """A canonical proofs frame from :func:`pf` rows."""
    return validate_proofs(pd.DataFrame(list(rows)))


def row_of(result: pd.DataFrame, proof_id: str) -> pd.Series:
    """The result row of one proof."""
    found = result[result["proof_id"] == proof_id]
    assert len(found) == 1, f"{proof_id} appears {len(found)} times"
    return found.iloc[0]


def flags_of(result: pd.DataFrame, proof_id: str) -> set[str]:
    """The set of flags of one proof's verdict."""
    value = row_of(result, proof_id)["flags"]
    return set() if pd.isna(value) or not value else set(str(value).split(";"))


def background(
    n: int = 120, *, seed: int = 7, start: str = "08:00:00", **fields: Any
) -> list[dict[str, Any]]:
    """``n`` unrelated sales spread over the day: varied amounts and cards, so base rates are realistic.

    Amounts are odd values (never a multiple of 100 minor units) and last4 start with 9, so they
    never collide with the round amounts and cards the tests use.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    base = pd.Timestamp(f"{DAY} {start}", tz=TZ)
    rows = []
    for k in range(n):
        ts = base + pd.Timedelta(seconds=int(rng.integers(0, 12 * 3600)))
        row = txn(
            f"BG{k:04d}",
            int(rng.integers(1, 500)) * 100 + 37,
            "00:00:00",
            card_last4=f"9{int(rng.integers(0, 1000)):03d}",
        )
        row["ts"] = ts
        row.update(fields)
        rows.append(row)
    return rows
