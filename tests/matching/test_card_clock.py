"""A terminal whose card sales keep another clock than its QR payments (issue 17, item 4; field guide 6).

On an aggregator's terminal a WeChat, Alipay or UnionPay QR row carries the channel's payment time
(the wallet's server clock) and a card sale the terminal's own clock: an aggregator's order class
says trans_time is "the channel's payment time" for QR payments but "the current time" for bank
cards. A terminal set to UTC then logs its card sales eight hours early while its QR rows are right.
One offset per terminal fits one of the two: the card sales' SMS found nothing within the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.matching.clocks import card_clock_key

from .conftest import at, background, journal, pf, proofs, row_of, txn

UTC_CLOCK = -8 * 3600  # a terminal set to UTC logs Beijing 14:05 as 06:05: eight hours behind true time


def _clock(k: int, minutes: int = 10) -> str:
    return (pd.Timestamp("2026-11-20 09:00:15") + pd.Timedelta(minutes=minutes * k)).strftime("%H:%M:%S")


def _aggregator(card_offset: int, qr_offset: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Terminal T1: 40 QR payments and 10 card sales over the day, each logged by its own clock.

    Each QR payment has its wallet record (to the second, no number); each card sale its bank SMS (to the
    minute, card last 4). ``card_offset`` and ``qr_offset``: seconds each kind of row is logged ahead of true time.
    """
    rows, batch, truth = [*background(60, terminal_id="T9")], [], {}
    for k in range(40):
        clock = _clock(k, 12)
        rows.append(txn(f"Q{k:02d}", 3101 + 100 * k, clock, channel="wechat"))
        rows[-1]["ts"] += pd.Timedelta(seconds=qr_offset)
        batch.append(pf(f"w{k:02d}", 3101 + 100 * k, clock))
        truth[f"w{k:02d}"] = f"Q{k:02d}"
    for k in range(10):
        clock = _clock(k, 45)
        rows.append(txn(f"C{k}", 6203 + 100 * k, clock, card_last4=f"{2200 + k}", rrn=f"63201{k:07d}"))
        rows[-1]["ts"] += pd.Timedelta(seconds=card_offset)
        batch.append(
            pf(
                f"s{k}",
                6203 + 100 * k,
                clock[:5] + ":00",
                kind="sms",
                ts_precision="minute",
                card_last4=f"{2200 + k}",
            )
        )
        truth[f"s{k}"] = f"C{k}"
    return journal(*rows), proofs(*batch), truth


def _no_stranger(result: pd.DataFrame, truth: Mapping[str, str | None]) -> None:
    """Each proof of a sale here matched to it; each payment made elsewhere (truth None) not matched."""
    for proof_id, txn_id in truth.items():
        row = row_of(result, proof_id)
        if txn_id is None:
            assert row["status"] != "matched", (proof_id, row["txn_id"])
        else:
            assert (row["status"], row["txn_id"]) == ("matched", txn_id), (proof_id, row["reason"])


def _counter_c9() -> pd.DataFrame:
    """What the customer of card sale C9 says at the counter: its amount, minute and card's last 4."""
    clock = _clock(9, 45)[:5] + ":00"
    return proofs(pf("c", 6203 + 900, clock, kind="manual", ts_precision="minute", card_last4="2209"))


def _all_matched(result: pd.DataFrame, truth: dict[str, str]) -> None:
    for proof_id, txn_id in truth.items():
        row = row_of(result, proof_id)
        assert (row["status"], row["txn_id"]) == ("matched", txn_id), (proof_id, row["reason"])


def test_card_sales_on_a_utc_clock_beside_qr_rows_on_the_channels_time_are_each_matched() -> None:
    j, batch, truth = _aggregator(UTC_CLOCK)
    result = rk.match(batch, j)
    offsets = rk.clock_offsets(result)
    assert offsets.loc[card_clock_key("T1"), "offset_s"] == pytest.approx(UTC_CLOCK, abs=60)
    assert bool(offsets.loc[card_clock_key("T1"), "used"])
    assert abs(offsets.loc["T1", "offset_s"]) <= 2
    _all_matched(result, truth)
    for k in range(10):  # the card sale's clock is named, as a terminal's offset is
        assert row_of(result, f"s{k}")["clock_offset_s"] == pytest.approx(UTC_CLOCK, abs=60)


def test_a_terminal_whose_rows_share_one_clock_keeps_one_offset() -> None:
    j, batch, truth = _aggregator(300, qr_offset=300)  # five minutes fast, card sales and QR rows alike
    result = rk.match(batch, j)
    offsets = rk.clock_offsets(result)
    assert card_clock_key("T1") not in offsets.index
    assert offsets.loc["T1", "offset_s"] == pytest.approx(300, abs=2)
    _all_matched(result, truth)


def test_a_few_minutes_between_card_and_qr_clocks_is_not_a_second_clock() -> None:
    """Card sales to the minute against QR rows to the second: a minute apart is the SMS's rounding, not a clock."""
    j, batch, truth = _aggregator(60)
    result = rk.match(batch, j)
    assert card_clock_key("T1") not in rk.clock_offsets(result).index
    _all_matched(result, truth)


def test_the_card_clock_is_kept_and_reaches_the_counter(tmp_path: Path) -> None:
    j, batch, _ = _aggregator(UTC_CLOCK)
    month = rk.match(batch.iloc[:49], j)  # the month: the QR records and nine SMS (not C9's)
    counter = _counter_c9()
    alone = rk.find(j, counter).attrs["verdict"]
    assert alone["status"] != "matched"  # one proof cannot learn that the card sales run eight hours behind
    learned = rk.save_learned(rk.learned_path(tmp_path / "journal.csv"), month)
    assert learned.clock_offsets[card_clock_key("T1")] == pytest.approx(UTC_CLOCK, abs=60)
    kept = rk.load_learned(rk.learned_path(tmp_path / "journal.csv"))
    for ranked in (rk.find(j, counter, learned=kept), rk.find(kept.index(j), counter)):
        verdict = ranked.attrs["verdict"]
        assert (verdict["status"], verdict["txn_id"]) == ("matched", "C9")
    again = rk.match(counter, j, clock_offsets=rk.clock_offsets(month))
    assert (row_of(again, "c")["status"], row_of(again, "c")["txn_id"]) == ("matched", "C9")
    qr = proofs(
        pf("q", 3101 + 3900, _clock(39, 12))
    )  # the QR rows keep the terminal's own offset, not the card's
    assert row_of(rk.match(qr, j, clock_offsets=rk.clock_offsets(month)), "q")["txn_id"] == "Q39"


def test_match_dask_learns_the_card_clock_as_match_does() -> None:
    dask = pytest.importorskip("dask")  # the dask extra
    from receiptkit.scale import match_dask

    j, batch, _ = _aggregator(UTC_CLOCK)
    expected = rk.match(batch, j)
    with dask.config.set(scheduler="sync"):
        got = match_dask(batch, j).compute().sort_index()
    assert list(got["status"]) == list(expected["status"])
    assert list(got["txn_id"]) == list(expected["txn_id"])


def test_match_dask_matches_a_card_sale_found_by_its_rrn_as_match_does() -> None:
    """A slip showing the RRN of a card sale logged eight hours early: the RRN is looked up in every task."""
    dask = pytest.importorskip("dask")  # the dask extra
    from receiptkit.scale import plan_dask

    j, batch, _ = _aggregator(UTC_CLOCK)
    slip = pf(
        "r",
        6203 + 700,
        _clock(7, 45)[:5] + ":00",
        kind="manual",
        ts_precision="minute",
        reference="632010000007",
    )
    batch = pd.concat([batch, proofs(slip)], ignore_index=True)
    expected = rk.match(batch, j)
    assert (row_of(expected, "r")["status"], row_of(expected, "r")["txn_id"]) == ("matched", "C7")
    with dask.config.set(scheduler="sync"):
        got = plan_dask(batch, j, min_tasks=8).result.compute().sort_index()
    assert list(got["txn_id"]) == list(expected["txn_id"])
    assert list(got["status"]) == list(expected["status"])


def _coincidences(honest: int, elsewhere: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str | None]]:
    """Terminal T1 with one clock, right: 40 QR payments with their wallet records, 10 card sales.

    ``honest`` card sales have their SMS (to the minute, card last 4); the next ``elsewhere`` card sales have
    none, but as many SMS of payments made in another shop name their amount and card ten minutes before their
    logged times (field: a stranger's card sale here shares amount and last 4 with a payment elsewhere).
    """
    rows, batch, truth = [*background(60, terminal_id="T9")], [], {}
    for k in range(40):
        clock = _clock(k, 12)
        rows.append(txn(f"Q{k:02d}", 3101 + 100 * k, clock, channel="wechat"))
        batch.append(pf(f"w{k:02d}", 3101 + 100 * k, clock))
        truth[f"w{k:02d}"] = f"Q{k:02d}"
    for k in range(10):
        clock, amount, last4 = _clock(k, 45), 6203 + 100 * k, f"{2200 + k}"
        rows.append(txn(f"C{k}", amount, clock, card_last4=last4))
        if k < honest:
            batch.append(
                pf(f"s{k}", amount, clock[:5] + ":00", kind="sms", ts_precision="minute", card_last4=last4)
            )
            truth[f"s{k}"] = f"C{k}"
        elif k < honest + elsewhere:
            shown = (at(clock) - pd.Timedelta(minutes=10)).strftime("%H:%M:00")
            batch.append(pf(f"e{k}", amount, shown, kind="sms", ts_precision="minute", card_last4=last4))
            truth[f"e{k}"] = None  # paid elsewhere: no row of this journal is its sale
    return journal(*rows), proofs(*batch), truth


@pytest.mark.parametrize("honest", [0, 2])
def test_payments_elsewhere_sharing_amount_and_card_teach_no_card_clock(honest: int) -> None:
    """Four coincidences at one shift: before (review of session 12) they made a card clock of their own, ten
    minutes fast, and each was matched to a stranger's card sale ("time same, card_last4 agree"), while the
    customers' own SMS of the terminal's card sales found "no approved payment"; one offset for the whole
    terminal (its QR rows' votes) had kept them apart (tests/matching/test_clock_hostile.py)."""
    j, batch, truth = _coincidences(honest, 4)
    result = rk.match(batch, j)
    assert card_clock_key("T1") not in rk.clock_offsets(result).index
    _no_stranger(result, truth)


def test_a_card_clock_learned_before_gives_way_when_the_terminal_is_learned_again(tmp_path: Path) -> None:
    """The next month the terminal's zone was set right: its card sales and QR rows share one clock again.

    Before (review of session 12) the kept ``"T1 card"`` key stood beside the month's one offset for T1 (a kept
    offset stood wherever the run had no entry of that name): every card sale was moved eight hours and each
    SMS found "no approved payment", and the learned file kept the stale key for ever. A terminal learned again
    gets its new clocks, as its segments do: one offset when the run found one.
    """
    path = rk.learned_path(tmp_path / "journal.csv")
    before, batch, _ = _aggregator(UTC_CLOCK)
    rk.save_learned(path, rk.match(batch, before))
    assert card_clock_key("T1") in rk.load_learned(path).clock_offsets
    j, batch, truth = _aggregator(0)
    result = rk.match(batch, rk.load_learned(path).index(j))
    assert card_clock_key("T1") not in rk.clock_offsets(result).index
    _all_matched(result, truth)
    learned = rk.save_learned(path, result)
    assert card_clock_key("T1") not in learned.clock_offsets
    assert card_clock_key("T1") not in rk.load_learned(path).clock_offsets
    counter = _counter_c9()
    verdict = rk.find(j, counter, learned=rk.load_learned(path)).attrs["verdict"]
    assert (verdict["status"], verdict["txn_id"]) == ("matched", "C9")
    # a run that learns nothing of T1 (one proof) keeps the kept card clock, as it keeps a kept offset
    month = rk.load_learned(path)
    month.clock_offsets[card_clock_key("T1")] = UTC_CLOCK
    assert month.card_clocks is not None  # read from a file: its card sales' clocks are marked
    month.card_clocks[card_clock_key("T1")] = "T1"
    result = rk.match(counter, month.index(before))
    assert (row_of(result, "c")["status"], row_of(result, "c")["txn_id"]) == ("matched", "C9")


def _qr_coincidences(honest: int, elsewhere: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str | None]]:
    """Terminal T1 with one clock, right: 30 card sales with their SMS, 10 QR payments.

    ``honest`` QR payments have their wallet record (to the second, no number); the next ``elsewhere`` have
    none, but as many wallet records of payments made in another shop show their amounts ten minutes before
    their logged times.
    """
    rows, batch, truth = [*background(60, terminal_id="T9")], [], {}
    for k in range(30):
        clock, amount, last4 = _clock(k, 20), 3101 + 100 * k, f"{2200 + k}"
        rows.append(txn(f"C{k:02d}", amount, clock, card_last4=last4))
        batch.append(
            pf(f"s{k:02d}", amount, clock[:5] + ":00", kind="sms", ts_precision="minute", card_last4=last4)
        )
        truth[f"s{k:02d}"] = f"C{k:02d}"
    for k in range(10):
        clock, amount = _clock(k, 57), 6203 + 100 * k
        rows.append(txn(f"Q{k}", amount, clock, channel="wechat", card_last4=None))
        if k < honest:
            batch.append(pf(f"w{k}", amount, clock))
            truth[f"w{k}"] = f"Q{k}"
        elif k < honest + elsewhere:
            batch.append(pf(f"e{k}", amount, (at(clock) - pd.Timedelta(minutes=10)).strftime("%H:%M:%S")))
            truth[f"e{k}"] = None
    return journal(*rows), proofs(*batch), truth


@pytest.mark.parametrize("honest", [0, 2])
def test_payments_elsewhere_sharing_amounts_with_qr_sales_teach_no_second_clock(honest: int) -> None:
    """The same on the other side: a terminal of card sales whose few QR rows are not proved, and four wallet
    records of payments made elsewhere that fit four of them at one shift. Before (review of session 12)
    they split the terminal's QR rows off onto a clock ten minutes fast and were matched to them."""
    j, batch, truth = _qr_coincidences(honest, 4)
    result = rk.match(batch, j)
    offsets = rk.clock_offsets(result)
    assert card_clock_key("T1") not in offsets.index
    assert abs(offsets.loc["T1", "offset_s"]) <= 60
    _no_stranger(result, truth)


def test_explain_names_the_clock_that_corrected_the_time() -> None:
    # the clerk sees the row logged at 03:15 against an SMS of 11:15: the note says which clock moved it, and how far
    j, batch, _ = _aggregator(UTC_CLOCK)
    result = rk.match(batch, j)
    table = rk.explain(result, "s3")
    note = str(table.loc[table["field"] == "time", "best_note"].iloc[0])
    assert "by terminal T1's card sales' clock, -7 h 59 min off" in note
    assert "logged 2026-11-20 03:15:15" in note and ": 2026-11-20 11:15:" in note
    qr = rk.explain(result, "w03")  # the QR row's clock is the channel's: nothing to say
    assert pd.isna(qr.loc[qr["field"] == "time", "best_note"].iloc[0])
    j, batch, _ = _aggregator(300, qr_offset=300)  # one clock, five minutes fast
    table = rk.explain(rk.match(batch, j), "w03")
    assert "by terminal T1's clock, +5 min 0 s off" in str(
        table.loc[table["field"] == "time", "best_note"].iloc[0]
    )
