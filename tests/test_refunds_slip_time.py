"""The refund line's time on a duplicate: as the terminal logged it, in the slip's zone, labelled as the sale's is.

Session 19: the line printed the last refund's *date* only, converted to the slip's zone with no label, so a
journal kept in UTC printed ``2026/11/01 20:00:00 UTC`` for the sale and a bare ``2026-11-03`` for a refund
the shop made on the 3rd local time but logged on the 2nd in UTC: two readings of one clock on one paper. Now it
prints the time the terminal logged, never less a clock offset (like the sale's time on the slip), in the sale's
zone, with the label the slip gives the sale's time (none for a region's zone, else ``UTC`` / ``UTC+08:00``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.refunds import RefundState, RefundUnsure, refund_state
from receiptkit.reprinting import reprint
from receiptkit.schema import validate_journal


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "3f" * 32)


def _row(txn_id: str, ts: str, amount: int, tz: str, txn_type: str = "sale", original=None, **more) -> dict:
    return {
        "txn_id": txn_id,
        "merchant_id": "852000000000001",
        "merchant_name": "HARBOUR BOOKS LTD",
        "terminal_id": "13000001",
        "ts": pd.Timestamp(ts, tz=tz),
        "amount_minor": amount,
        "currency": "HKD",
        "txn_type": txn_type,
        "status": "approved",
        "channel": "card",
        "card_last4": "6826",
        "original_txn_id": original,
        **more,
    }


def _pair(tz: str, refund_at: str = "2026-11-02 23:30:00", amount: int = 12000, **more) -> pd.DataFrame:
    return validate_journal(
        pd.DataFrame(
            [
                _row("S1", "2026-11-01 20:00:00", 12000, tz),
                _row("S1R", refund_at, amount, tz, "refund", "S1", **more),
            ]
        )
    )


def _state(journal: pd.DataFrame) -> RefundState | RefundUnsure | None:
    return refund_state(journal.iloc[0], journal)


def test_a_regions_zone_prints_the_local_time_unlabelled_as_the_sale():
    state = _state(_pair("Asia/Hong_Kong"))
    assert isinstance(state, RefundState)
    assert state.slip_line() == "REFUNDED 已退款 HKD 120.00 2026/11/02 23:30 (S1R)"
    part = _state(_pair("Asia/Hong_Kong", amount=2000))
    assert isinstance(part, RefundState)
    assert part.slip_line() == "PARTLY REFUNDED 部分退款 HKD 20.00 of 120.00 2026/11/02 23:30 (S1R)"


@pytest.mark.parametrize("tz, label", [("UTC", "UTC"), ("+08:00", "UTC+08:00")])
def test_a_journal_in_utc_or_an_offset_says_so_on_the_line(tz, label):
    state = _state(_pair(tz))
    assert isinstance(state, RefundState)
    assert state.slip_line() == f"REFUNDED 已退款 HKD 120.00 2026/11/02 23:30 {label} (S1R)"
    assert f"on 2026-11-02 23:30 {label}" in state.text()
    unsure = _state(_pair(tz, currency="USD"))
    assert isinstance(unsure, RefundUnsure)
    assert f"S1R USD 120.00 2026/11/02 23:30 {label}" in unsure.slip_line()


def test_the_clerks_text_says_the_time_is_the_terminals():
    state = _state(_pair("Asia/Hong_Kong"))
    assert isinstance(state, RefundState)
    assert "on 2026-11-02 23:30" in state.text() and "as the terminal logged" in state.text()


def test_the_duplicate_prints_the_refund_time_beside_the_sales_in_one_zone(tmp_path):
    journal = _pair("UTC")
    reprint(
        journal.iloc[0],
        journal=journal,
        operator="li",
        reason="sale and refund for the tax office",
        override="refunded",
        outputs={"text": tmp_path / "d.txt"},
        audit=tmp_path / "a.sqlite",
        new_audit_log=True,
    )
    text = " ".join((tmp_path / "d.txt").read_text(encoding="utf-8").split())
    assert "2026/11/01" in text and "20:00:00 UTC" in text  # the sale's time, as the slip prints it
    assert "REFUNDED 已退款 HKD 120.00 2026/11/02 23:30 UTC (S1R)" in text
