"""A period of the day said alone (``早上``, ``中午``, ``凌晨``) is searched over every hour the same period names
with a number: ``早上11点`` is read, so ``早上`` must reach 11:59, or the customer's own sale is left out of
the window and a stranger's sale of its amount inside it is the one found.

The field guide (section 5) has no counter corpus for these words; it treats 中午 as roughly 11:00-13:30 (an
assumption to test). The widest reading is kept: a refusal or ``ambiguous`` is recoverable, a miss is not.
"""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import TimeParseError
from receiptkit.timeparse import PERIODS, parse_time_window

TZ = "Asia/Shanghai"


def _local(ts: pd.Timestamp) -> float:
    local = ts.tz_convert(TZ)
    return local.hour + local.minute / 60 + (24 if local.date() > pd.Timestamp("2026-11-20").date() else 0)


@pytest.mark.parametrize("period", sorted(PERIODS))
def test_a_period_alone_covers_every_hour_it_names_with_a_number(period):
    alone = parse_time_window(f"2026-11-20 {period}", TZ)
    low, high = _local(alone.start), _local(alone.end)
    assert (low, high) == PERIODS[period]
    named = []
    for hour in range(0, 24):
        for tail in ("", "半"):
            try:
                window = parse_time_window(f"2026-11-20 {period}{hour}点{tail}", TZ)
            except TimeParseError:
                continue  # not a time of that period (or two readings): refused, nothing searched
            end = window.end if window.end is not None else window.start
            named.append(f"{period}{hour}点{tail}")
            assert low <= _local(window.start) and _local(end) <= high, (f"{period}{hour}点{tail}", low, high)
    assert named  # every period names some hours


def test_said_at_the_counter_the_morning_sale_at_10_51_is_a_candidate():
    """Before: 早上 was 05:00-10:00; the customer's 10:51 sale was out, a stranger's 09:00 sale the only one."""
    times = ["2026-11-05 09:00:00+08:00", "2026-11-05 10:51:05+08:00"]
    journal = pd.DataFrame(
        {
            "txn_id": ["STRANGER", "MINE"],
            "ts": times,
            "amount_minor": [5840, 5840],
            "currency": ["CNY", "CNY"],
            "txn_type": ["sale", "sale"],
            "status": ["approved", "approved"],
            "channel": ["card", "card"],
            "terminal_id": ["10000001", "10000001"],
        }
    )
    ranked = rk.find(journal, amount="58.40", time="2026-11-05 早上", tz=TZ, currency="CNY")
    assert "MINE" in set(ranked["txn_id"])
    assert ranked.attrs["verdict"]["status"] != "matched"
