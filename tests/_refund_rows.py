"""Journal rows for the refund tests (tests/test_refunds_unsure.py, tests/test_reprint_refunded.py)."""

from __future__ import annotations

import pandas as pd

from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32
TZ = "Asia/Hong_Kong"


def row(
    txn_id: str, ts: str, amount: int, txn_type: str = "sale", original: str | None = None, **more
) -> dict:
    return {
        "txn_id": txn_id,
        "merchant_id": "852000000000001",
        "merchant_name": "HARBOUR BOOKS LTD",
        "terminal_id": "13000001",
        "ts": pd.Timestamp(ts, tz=TZ),
        "amount_minor": amount,
        "currency": "HKD",
        "txn_type": txn_type,
        "status": "approved",
        "channel": "card",
        "card_last4": "6826",
        "original_txn_id": original,
        **more,
    }


def journal(*rows: dict) -> pd.DataFrame:
    return validate_journal(pd.DataFrame(list(rows)))
