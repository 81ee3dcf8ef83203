"""An aggregator terminal's two clocks, interleaved through the month, are not a clock that jumped.

Field guide 6: an aggregator's trans_time is "the channel's payment time" for WeChat, Alipay and
UnionPay QR but "the current time" for bank cards, so on one terminal the QR rows carry the wallet's
clock and the card sales the terminal's own. Anchors of the two kinds of row, taken in true-time
order, can fall in runs (wallet numbers, then RRNs, then wallet numbers again) that look like a clock
set forward and back: clean room 7 seed 1 learned such a terminal as pieces +0 s, +9 min 43 s, +0 s,
and the last +0 s piece (wallet numbers only) placed every later card sale ten minutes from its
true time (a stranger's sale reprinted before session 16; the customer's own sale unfound since).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.matching.clocks import card_clock_key
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.skew import segments_from_anchors

from .conftest import at, background, journal, pf, proofs, row_of, txn

CARD_CLOCK = 583  # the terminal's own clock, 9 min 43 s fast: its card sales
POLICY = MatchPolicy()


def _clock(minutes: int) -> str:
    return (pd.Timestamp("2026-11-20 08:00:10") + pd.Timedelta(minutes=minutes)).strftime("%H:%M:%S")


def _world() -> tuple[pd.DataFrame, list[dict], dict[str, str]]:
    """T1: wallet sales with their numbers 08:00-09:30 and 13:00-19:00 (QR rows, the wallet's time), card sales
    with their RRN 09:40-12:40 (the terminal's clock, +583 s), and card sales 13:10-18:10 whose SMS carry the
    minute and the last 4 only."""
    rows, batch, truth = [*background(60, terminal_id="T9")], [], {}

    def wallet(k: int, minutes: int) -> None:
        clock = _clock(minutes)
        number = f"42000012342026112000{k:08d}"
        rows.append(txn(f"Q{k:02d}", 3101 + 100 * k, clock, channel="wechat", wallet_txn_id=number))
        batch.append(pf(f"w{k:02d}", 3101 + 100 * k, clock, wallet_txn_id=number))
        truth[f"w{k:02d}"] = f"Q{k:02d}"

    def card(k: int, minutes: int, rrn: bool) -> None:
        clock = _clock(minutes)
        row = txn(f"C{k:02d}", 6203 + 100 * k, clock, card_last4=f"{2200 + k}", rrn=f"63201{k:07d}")
        row["ts"] += pd.Timedelta(seconds=CARD_CLOCK)
        rows.append(row)
        extra = {"rrn": f"63201{k:07d}"} if rrn else {}
        batch.append(
            pf(
                f"s{k:02d}",
                6203 + 100 * k,
                clock[:5] + ":00",
                kind="sms",
                ts_precision="minute",
                card_last4=f"{2200 + k}",
                **extra,
            )
        )
        truth[f"s{k:02d}"] = f"C{k:02d}"

    for k in range(5):
        wallet(k, 20 * k)  # 08:00-09:20
    for k in range(8):
        card(k, 100 + 22 * k, rrn=True)  # 09:40-12:14
    for k in range(5, 25):
        wallet(k, 300 + 20 * (k - 5))  # 13:00-19:20
    for k in range(8, 14):
        card(k, 310 + 50 * (k - 8), rrn=False)  # 13:10-17:20
    return journal(*rows), batch, truth


def test_two_clocks_interleaved_give_no_segments() -> None:
    """The anchors of each kind keep one clock all day; only taken together do they look like pieces."""
    true = np.array([*range(0, 5), *range(5, 13), *range(13, 33)], dtype=np.int64) * 1200
    diff = np.array([0] * 5 + [CARD_CLOCK] * 8 + [0] * 20, dtype=np.int64)
    terminals = np.array(["T1"] * len(true), dtype=object)
    assert "T1" in segments_from_anchors(terminals, diff, true, POLICY)  # what the anchors alone suggest
    j, batch, _ = _world()
    result = rk.match(proofs(*batch), j)
    assert "T1" not in (result.attrs.get("clock_segments") or {})
    offsets = rk.clock_offsets(result)
    assert abs(offsets.loc[card_clock_key("T1"), "offset_s"] - CARD_CLOCK) <= 60


def test_the_later_card_sales_are_matched_by_the_card_clock() -> None:
    j, batch, truth = _world()
    result = rk.match(proofs(*batch), j)
    for proof_id, txn_id in truth.items():
        row = row_of(result, proof_id)
        assert (row["status"], row["txn_id"]) == ("matched", txn_id), (proof_id, row["reason"])


def test_a_clock_that_jumped_on_both_kinds_of_row_keeps_its_pieces() -> None:
    """The control: card sales and wallet rows that share one clock, which jumped, still learn two pieces."""
    jump = -8 * 3600
    rows, batch = [*background(60, terminal_id="T9")], []
    for k in range(12):
        minutes = 30 * k
        clock = _clock(minutes)
        offset = 0 if k < 6 else jump
        if k % 2:
            number = f"42000012342026112000{k:08d}"
            row = txn(f"Q{k:02d}", 3101 + 100 * k, clock, channel="wechat", wallet_txn_id=number)
            batch.append(pf(f"w{k:02d}", 3101 + 100 * k, clock, wallet_txn_id=number))
        else:
            row = txn(f"C{k:02d}", 6203 + 100 * k, clock, card_last4=f"{2200 + k}", rrn=f"63201{k:07d}")
            batch.append(
                pf(
                    f"s{k:02d}",
                    6203 + 100 * k,
                    clock[:5] + ":00",
                    kind="sms",
                    ts_precision="minute",
                    card_last4=f"{2200 + k}",
                    rrn=f"63201{k:07d}",
                )
            )
        row["ts"] = at(clock) + pd.Timedelta(seconds=offset)
        rows.append(row)
    result = rk.match(proofs(*batch), journal(*rows))
    pieces = result.attrs["clock_segments"]["T1"]
    assert [round(p["offset_s"] / 3600) for p in pieces] == [0, -8]


def test_match_dask_learns_no_pieces_either() -> None:
    dask = pytest.importorskip("dask")  # the dask extra
    from receiptkit.scale import match_dask

    j, batch, _ = _world()
    expected = rk.match(proofs(*batch), j)
    with dask.config.set(scheduler="sync"):
        got = match_dask(proofs(*batch), j).compute().sort_index()
    assert list(got["status"]) == list(expected["status"])
    assert list(got["txn_id"]) == list(expected["txn_id"])
