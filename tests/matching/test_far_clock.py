"""A terminal clock that lost its date (battery loss: a year behind, or reset to a default date).

Field guide 6: "a rarer tail of days-to-years offsets (battery loss)". Proofs whose full wallet number
names one journal row teach the terminal's offset; then the proofs without numbers fit too.
"""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk

from .conftest import DAY, TZ, background, journal, pf, proofs, row_of, txn

YEAR_S = 365 * 86400


def _dead_clock_journal(offset_s: int, n_anchored: int = 3) -> pd.DataFrame:
    rows = background()
    logged = lambda clock: pd.Timestamp(f"{DAY} {clock}", tz=TZ) + pd.Timedelta(seconds=offset_s)  # noqa: E731
    for k in range(n_anchored):
        row = txn(f"W{k}", 3100 + 100 * k, "00:00:00", terminal_id="T9", channel="wechat")
        row["ts"] = logged(f"1{k}:1{k}:10")
        row["wallet_txn_id"] = f"42000012342026112000{k:08d}"
        rows.append(row)
    sms_sale = txn("S1", 8800, "00:00:00", terminal_id="T9", card_last4="1234")
    sms_sale["ts"] = logged("15:42:30")
    rows.append(sms_sale)
    return journal(*rows)


def _anchored_proofs(n_anchored: int = 3) -> list[dict]:
    return [
        pf(f"w{k}", 3100 + 100 * k, f"1{k}:1{k}:12", wallet_txn_id=f"42000012342026112000{k:08d}")
        for k in range(n_anchored)
    ]


@pytest.mark.parametrize(
    "offset_s",
    [
        -YEAR_S,  # a year behind
        int((pd.Timestamp("2000-01-01 08:00", tz=TZ) - pd.Timestamp(f"{DAY} 09:00", tz=TZ)).total_seconds()),
    ],
)
def test_three_wallet_numbers_teach_a_dead_clock_and_the_sms_then_fits(offset_s: int) -> None:
    j = _dead_clock_journal(offset_s)
    sms = pf("s1", 8800, "15:42:00", kind="sms", ts_precision="minute", card_last4="1234")
    result = rk.match(proofs(*_anchored_proofs(), sms), j)
    for k in range(3):
        assert row_of(result, f"w{k}")["txn_id"] == f"W{k}"
    row = row_of(result, "s1")
    assert row["status"] == "matched" and row["txn_id"] == "S1"
    offsets = rk.clock_offsets(result)
    assert offsets.loc["T9", "used"]
    assert abs(offsets.loc["T9", "offset_s"] - (offset_s - 2)) <= 60


def test_two_numbers_are_not_enough_to_move_a_clock_by_a_year() -> None:
    j = _dead_clock_journal(-YEAR_S, n_anchored=2)
    sms = pf("s1", 8800, "15:42:00", kind="sms", ts_precision="minute", card_last4="1234")
    result = rk.match(proofs(*_anchored_proofs(2), sms), j)
    assert row_of(result, "s1")["status"] != "matched"
    offsets = rk.clock_offsets(result)
    assert "T9" not in offsets.index or abs(offsets.loc["T9", "offset_s"]) < YEAR_S / 2


def test_numbers_that_disagree_on_the_offset_move_nothing() -> None:
    rows = background()
    for k, shift in enumerate((-YEAR_S, -YEAR_S + 40 * 86400, -2 * YEAR_S)):
        row = txn(f"W{k}", 3100 + 100 * k, "00:00:00", terminal_id="T9", channel="wechat")
        row["ts"] = pd.Timestamp(f"{DAY} 1{k}:1{k}:10", tz=TZ) + pd.Timedelta(seconds=shift)
        row["wallet_txn_id"] = f"42000012342026112000{k:08d}"
        rows.append(row)
    result = rk.match(proofs(*_anchored_proofs()), journal(*rows))
    offsets = rk.clock_offsets(result)
    assert "T9" not in offsets.index or abs(offsets.loc["T9", "offset_s"]) < YEAR_S / 2
