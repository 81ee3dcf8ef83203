"""``read_settlement(frame, currency=..., tz=...)`` applies both options as it does for a file, as
``read_journal(frame)`` does (and ``read_proofs(frame, tz=)``): ``currency`` fills the rows without one, ``tz``
is the zone in which a time that carries its zone is taken as a calendar day. Before session 16 a frame
ignored both: an empty currency cell was refused whatever ``currency=`` said, and a settlement at
2026-11-01 17:00 UTC (01:00 on the 2nd in Shanghai) was dated the 1st with ``tz="Asia/Shanghai"``."""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import SettlementError


def _frame(**columns) -> pd.DataFrame:
    base = {
        "settlement_date": ["2026-11-02", "2026-11-02"],
        "batch_no": ["000001", "000002"],
        "gross_minor": [100000, 5000],
        "fee_minor": [600, 30],
        "currency": ["CNY", "CNY"],
    }
    return pd.DataFrame({**base, **columns})


def test_currency_fills_the_rows_without_one():
    frame = _frame(currency=["HKD", None])
    with pytest.raises(SettlementError) as caught:
        rk.read_settlement(frame)  # no currency= and a row without one: refused, naming it
    assert caught.value.column == "currency" and caught.value.row == 2
    read = rk.read_settlement(frame, currency="HKD")
    assert read["currency"].tolist() == ["HKD", "HKD"]
    assert rk.read_settlement(_frame(currency=["CNY", None]), currency="HKD")["currency"].tolist() == [
        "CNY",
        "HKD",
    ]
    assert (
        rk.read_settlement(_frame().drop(columns="currency"), currency="CNY")["currency"].tolist()
        == ["CNY"] * 2
    )
    assert frame["currency"].isna().iloc[1]  # the input is not changed


def test_tz_dates_a_time_with_its_zone_as_the_local_day():
    when = pd.Series(pd.to_datetime(["2026-11-01 17:00:00+00:00", "2026-11-01 10:00:00+00:00"]))
    frame = _frame(settlement_date=when, trade_date=when)
    local = rk.read_settlement(frame, tz="Asia/Shanghai")
    assert local["settlement_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-02", "2026-11-01"]
    assert local["trade_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-02", "2026-11-01"]
    own = rk.read_settlement(frame)  # without tz: the day in the time's own zone, as before
    assert own["settlement_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-01", "2026-11-01"]
    text = _frame(settlement_date=["2026-11-01T17:00:00+00:00", "2026-11-01T10:00:00+00:00"])
    assert rk.read_settlement(text, tz="UTC+8")["settlement_date"].dt.day.tolist() == [2, 1]


def test_a_day_without_a_time_is_that_day_in_any_zone():
    read = rk.read_settlement(_frame(), tz="America/New_York")
    assert read["settlement_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-02"] * 2


def test_the_options_are_still_checked_first():
    with pytest.raises(SettlementError, match="not a time zone"):
        rk.read_settlement(_frame(), tz="Asia/Shanghaii")
    with pytest.raises(SettlementError):
        rk.read_settlement(_frame(), currency="XYZ")
