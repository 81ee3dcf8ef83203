"""Rebuilding a journal from a partial terminal export, the acquirer's detail and a WeChat merchant bill."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import SchemaError
from receiptkit.schema import validate_journal
from receiptkit.terminals import merge_journals
from receiptkit.terminals.merge import NearMissWarning

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def exports(fixtures: Path) -> dict[str, pd.DataFrame]:
    folder = fixtures / "terminals"
    return {
        "acquirer": rk.read_journal(folder / "acquirer_detail.csv", preset="unionpay_terminal"),
        "terminal": rk.read_journal(folder / "terminal_export_gbk.csv"),
        "wechat": rk.read_journal(folder / "wechat_merchant_bill.csv"),
    }


@pytest.fixture(scope="module")
def merged(exports):
    return merge_journals(list(exports.values()), sources=list(exports))


def by_rrn(journal: pd.DataFrame, rrn: str) -> pd.DataFrame:
    return journal[journal["rrn"] == rrn]


def by_stan(journal: pd.DataFrame, stan: str) -> pd.DataFrame:
    return journal[journal["stan"] == stan]


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def test_the_conflicts_report_lists_exactly_the_two_disagreeing_pairs(merged) -> None:
    conflicts = merged.conflicts
    assert len(conflicts) == 2
    amount, card = conflicts.sort_values("key_value").to_dict("records")
    assert (amount["key"], amount["key_value"], amount["fields"]) == ("rrn", "632415000004", "amount")
    assert (amount["amount_minor_a"], amount["amount_minor_b"]) == (88000, 8800)
    assert (card["key"], card["key_value"], card["fields"]) == ("rrn", "632415000005", "card")
    assert (card["card_a"], card["card_b"]) == ("622202******9999", "622202******0123")
    for row in (amount, card):
        assert (row["sources_a"], row["sources_b"]) == ("acquirer", "terminal")


def test_conflicting_rows_both_stay_unmerged_and_marked(merged) -> None:
    journal = merged.journal
    for conflict in merged.conflicts.itertuples():
        rows = journal[journal["merge_conflict"] == conflict.conflict_id]
        assert len(rows) == 2
        assert set(rows["sources"]) == {"acquirer", "terminal"}
        assert set(rows["txn_id"]) == {conflict.txn_id_a, conflict.txn_id_b}
    assert journal["merge_conflict"].notna().sum() == 4


def test_rows_seen_twice_with_different_clocks_become_one_with_the_richer_fields(merged) -> None:
    journal = merged.journal
    row = by_rrn(journal, "632415000001").iloc[0]
    assert len(by_rrn(journal, "632415000001")) == 1
    assert row["sources"] == "acquirer;terminal"
    assert row["ts"] == at("2026-11-20 09:30:00")  # the acquirer's clock, given first
    assert row["issuer"] == "工商银行"  # only the acquirer has it
    assert row["operator_id"] == "01"  # only the terminal has it
    linked_by_voucher = by_stan(journal, "000106").iloc[0]  # the terminal export has no RRN for it
    assert linked_by_voucher["sources"] == "acquirer;terminal"
    assert linked_by_voucher["rrn"] == "632415000006"
    offsets = merged.clock_offsets.set_index("source")
    assert offsets.loc["terminal", "offset_s"] == pytest.approx(45.0)
    assert offsets.loc["terminal", "method"] == "keys"
    assert offsets.loc["terminal", "pairs"] == 3


def test_rows_in_one_source_only_are_kept_on_the_first_sources_clock(merged) -> None:
    journal = merged.journal
    only_terminal = by_stan(journal, "000107").iloc[0]
    assert only_terminal["sources"] == "terminal"
    assert only_terminal["ts"] == at("2026-11-20 12:45:00")  # 12:45:45 on the terminal, 45 s fast
    only_acquirer = journal[journal["sources"] == "acquirer"]
    assert set(only_acquirer["stan"]) >= {"000109", "000110", "000111", "000112"}
    interim = journal[(journal["sources"] == "wechat") & journal["terminal_id"].isna()]
    assert sorted(interim["order_no"]) == ["QR20261120003", "QR20261120004"]


def test_wallet_rows_link_by_wallet_number_then_by_amount_and_time(merged) -> None:
    journal = merged.journal
    sale = journal[
        (journal["wallet_txn_id"] == "4200001234202611201111111111") & (journal["txn_type"] == "sale")
    ]
    assert len(sale) == 1 and sale.iloc[0]["sources"] == "terminal;wechat"
    assert sale.iloc[0]["order_no"] == "ORD20261120001"
    refund = journal[
        (journal["wallet_txn_id"] == "4200001234202611201111111111") & (journal["txn_type"] == "refund")
    ]
    assert len(refund) == 1 and refund.iloc[0]["sources"] == "wechat"  # a refund is its own transaction
    by_time = by_stan(journal, "000108").iloc[0]  # the terminal export lacks the WeChat number
    assert by_time["sources"] == "terminal;wechat"
    assert by_time["wallet_txn_id"] == "4200001234202611202222222222"
    links = merged.links
    assert links.loc[links["source_txn_id"] == "4200001234202611202222222222", "linked_by"].tolist() == [
        "time"
    ]


def test_every_input_row_is_accounted_for_once(exports, merged) -> None:
    total = sum(len(frame) for frame in exports.values())
    assert len(merged.links) == total
    assert merged.links.groupby("source").size().to_dict() == {k: len(v) for k, v in exports.items()}
    assert set(merged.links["txn_id"]) == set(merged.journal["txn_id"])
    assert len(merged.journal) == total - 5  # five rows were seen twice and merged
    assert merged.journal["txn_id"].is_unique
    validate_journal(merged.journal)


def test_inputs_are_not_modified(exports) -> None:
    before = {k: v.copy() for k, v in exports.items()}
    merge_journals(list(exports.values()), sources=list(exports))
    for name, frame in exports.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_the_order_of_sources_sets_the_clock_not_the_conflicts(exports) -> None:
    again = merge_journals(
        [exports["terminal"], exports["acquirer"], exports["wechat"]],
        sources=["terminal", "acquirer", "wechat"],
    )
    assert len(again.conflicts) == 2
    assert set(again.conflicts["sources_a"]) == {"terminal"}
    assert again.clock_offsets.set_index("source").loc["acquirer", "offset_s"] == pytest.approx(-45.0)
    row = by_rrn(again.journal, "632415000001").iloc[0]
    assert row["ts"] == at("2026-11-20 09:30:45") and row["sources"] == "terminal;acquirer"


def _journal(n: int, *, start: str, step_s: int, amounts, **columns) -> pd.DataFrame:
    ts = pd.Timestamp(start, tz=TZ) + pd.to_timedelta(np.arange(n) * step_s, unit="s")
    frame = pd.DataFrame(
        {
            "txn_id": [f"x{i}" for i in range(n)],
            "ts": ts,
            "amount_minor": amounts,
            "currency": "CNY",
            "txn_type": "sale",
            "status": "approved",
            "channel": "card",
        }
    )
    return frame.assign(**columns)


def test_clock_difference_is_found_from_amounts_when_no_key_links(exports) -> None:
    amounts = [1000 + 37 * i for i in range(12)]
    left = _journal(
        12, start="2026-11-20 09:00", step_s=600, amounts=amounts, stan=[f"{i:06d}" for i in range(12)]
    )
    right = _journal(12, start="2026-11-20 09:05", step_s=600, amounts=amounts)  # 5 minutes fast
    right.loc[3, "ts"] += pd.Timedelta(hours=3)  # one row far off: not that row's twin
    out = merge_journals([left, right], sources=["a", "b"])
    offsets = out.clock_offsets.set_index("source")
    assert offsets.loc["b", "method"] == "amounts"
    assert offsets.loc["b", "offset_s"] == pytest.approx(300.0)
    assert (out.journal["sources"] == "a;b").sum() == 11
    assert len(out.journal) == 13


def test_repeated_prices_pair_each_sighting_with_its_own_twin() -> None:
    n = 40
    rng = np.random.default_rng(1)
    gaps = np.concatenate(([0], np.cumsum(rng.integers(60, 600, size=n - 1))))  # a sale every 1 to 10 minutes
    left = _journal(n, start="2026-11-20 08:00", step_s=0, amounts=2500, stan=[f"{i:06d}" for i in range(n)])
    left["ts"] = left["ts"] + pd.to_timedelta(gaps, unit="s")
    right = left.drop(columns="stan").assign(txn_id=[f"y{i}" for i in range(n)])
    jitter = rng.integers(-5, 6, size=n)
    right["ts"] = right["ts"] + pd.to_timedelta(40 + jitter, unit="s")
    right["rrn"] = [f"6324{i:08d}" for i in range(n)]  # no key in common: amount and time only
    out = merge_journals([left, right], sources=["terminal", "acquirer"])
    offsets = out.clock_offsets.set_index("source")
    assert offsets.loc["acquirer", "method"] == "amounts"
    assert offsets.loc["acquirer", "offset_s"] == pytest.approx(40.0, abs=5)
    joined = out.journal
    assert len(joined) == n and (joined["sources"] == "terminal;acquirer").all()
    assert (joined["stan"].astype(int) == joined["rrn"].str[-8:].astype(int)).all()


def test_a_price_sold_at_a_steady_beat_gives_no_clock_difference() -> None:
    n = 30  # one 25.00 sale every 100 s on both sides: +40 s and -60 s fit equally well
    left = _journal(n, start="2026-11-20 08:00", step_s=100, amounts=2500)
    right = _journal(
        n, start="2026-11-20 08:00:40", step_s=100, amounts=2500, txn_id=[f"y{i}" for i in range(n)]
    )
    offsets = merge_journals([left, right], sources=["a", "b"]).clock_offsets.set_index("source")
    assert offsets.loc["b", "method"] == "none" and offsets.loc["b", "offset_s"] == 0.0


def test_a_key_shared_inside_one_source_links_nothing() -> None:
    base = _journal(
        1, start="2026-11-20 10:00", step_s=0, amounts=5000, wallet_txn_id="42001", channel="wechat"
    )
    refunds = _journal(2, start="2026-11-20 11:00", step_s=3600, amounts=[1000, 2000], wallet_txn_id="42001")
    refunds = refunds.assign(txn_type="refund", channel="wechat", txn_id=["r1", "r2"])
    other = refunds.assign(txn_id=["q1", "q2"], ts=refunds["ts"] + pd.Timedelta(seconds=2))
    out = merge_journals([pd.concat([base, refunds], ignore_index=True), other], sources=["a", "b"])
    assert out.links.set_index("source_txn_id").loc[["q1", "q2"], "linked_by"].tolist() == ["time", "time"]
    assert len(out.conflicts) == 0 and len(out.journal) == 3


def test_bad_source_labels_are_refused(exports) -> None:
    frames = list(exports.values())
    with pytest.raises(SchemaError, match="3 journal"):
        merge_journals(frames, sources=["a", "b"])
    with pytest.raises(SchemaError, match="unique"):
        merge_journals(frames, sources=["a", "a", "b"])
    with pytest.raises(SchemaError, match="at least one"):
        merge_journals([])


def test_default_labels_are_the_file_names(exports) -> None:
    out = merge_journals([exports["acquirer"], exports["wechat"]])
    assert set(out.clock_offsets["source"]) == {"acquirer_detail.csv", "wechat_merchant_bill.csv"}


def _card_day(n: int, *, start: str, step_s: int, terminal: str = "T1", rrn0: int = 0) -> pd.DataFrame:
    """``n`` card sales of distinct amounts with RRNs, on one terminal."""
    return _journal(
        n,
        start=start,
        step_s=step_s,
        amounts=[1000 + 37 * i for i in range(n)],
        rrn=[f"6324{rrn0 + i:08d}" for i in range(n)],
        terminal_id=terminal,
    )


@pytest.mark.parametrize("amount", [1000 + 37 * 3, 9999])
def test_an_rrn_recurring_on_another_settlement_day_links_nothing(amount) -> None:
    """Clean room 9 (F2): an RRN is unique only within one settlement day (field guide 6). An export row of
    22 Oct and an acquirer row of 31 Oct sharing RRN 632400000036 became one row (equal amounts: a sale
    lost) or a false conflict (different amounts). Now both stay, unlinked, unflagged."""
    acquirer = _card_day(10, start="2026-10-31 09:00", step_s=600)
    terminal = _card_day(10, start="2026-10-31 09:00:30", step_s=600).assign(
        txn_id=[f"y{i}" for i in range(10)]
    )
    acquirer = acquirer[acquirer.index != 3]  # the acquirer's RRN ...03 of 31 Oct: absent
    other_day = _card_day(1, start="2026-10-22 04:57:59", step_s=0, rrn0=3).assign(
        txn_id="old", amount_minor=amount
    )
    acquirer = pd.concat([acquirer, other_day], ignore_index=True)  # ... but 22 Oct's ...03 is there
    out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.conflicts) == 0 and out.journal["merge_conflict"].isna().all()
    same = out.journal[out.journal["rrn"] == "632400000003"]
    assert sorted(same["sources"]) == ["acquirer", "terminal"]
    assert len(out.journal) == 11
    assert (out.links["linked_by"] == "rrn").sum() == 9


def test_an_rrn_on_another_terminal_links_nothing() -> None:
    """Both rows carry a terminal and the terminals differ: not one transaction, whatever the RRN says."""
    acquirer = _card_day(6, start="2026-10-31 09:00", step_s=600)
    terminal = _card_day(6, start="2026-10-31 09:00:30", step_s=600).assign(
        txn_id=[f"y{i}" for i in range(6)]
    )
    terminal.loc[2, "terminal_id"] = "T2"
    terminal.loc[2, "amount_minor"] = 5  # a false conflict before
    out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.conflicts) == 0 and len(out.journal) == 7


def test_a_reversal_the_terminal_logged_approved_is_a_conflict_when_rrns_recur_daily() -> None:
    """Clean room 9 (F3): the acquirer detail without 凭证号 repeats each RRN about once a settlement day,
    so no RRN was unique and the reversed/approved pair came out as two unflagged rows (an approved sale
    that never settled). Held to the settlement day, the RRN links them: one conflict, both rows kept."""
    days = [
        _card_day(8, start=f"2026-10-{d:02d} 09:00", step_s=900).assign(
            txn_id=[f"d{d}-{i}" for i in range(8)]
        )
        for d in range(20, 27)
    ]
    acquirer = pd.concat(days, ignore_index=True)
    rng = np.random.default_rng(3)  # each day's sales at their own times
    acquirer["ts"] += pd.to_timedelta(rng.integers(0, 36_000, size=len(acquirer)), unit="s")
    acquirer.loc[acquirer["txn_id"] == "d24-5", "status"] = "reversed"
    terminal = acquirer.assign(
        txn_id=[f"t{i}" for i in range(len(acquirer))],
        ts=acquirer["ts"] + pd.Timedelta(seconds=25),
        status="approved",
        stan=[f"{i:06d}" for i in range(len(acquirer))],
    )
    out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.conflicts) == 1
    conflict = out.conflicts.iloc[0]
    assert (conflict["key"], conflict["fields"], conflict["status_a"], conflict["status_b"]) == (
        "rrn",
        "status",
        "reversed",
        "approved",
    )
    assert len(out.journal) == len(acquirer) + 1
    assert (out.journal["sources"] == "acquirer;terminal").sum() == len(acquirer) - 1


def test_a_drifting_clock_days_off_links_every_sale_once() -> None:
    """Clean room 9 (F5): an export clock 2 days fast drifting (here +40 s a day over 20 days; tolerance
    90 s) was corrected by one offset: sales far from the RRN pairs' median split in two rows, and two
    sales of one price 74 s apart came out crossed. The clock difference now follows the key-linked pairs
    in time (a rolling median), so every sale links once, with its own twin."""
    n = 200
    acquirer = _card_day(n, start="2026-10-01 08:00", step_s=8640)  # 10 a day for 20 days
    acquirer["amount_minor"] = 2500
    acquirer["amount_minor"] += np.arange(n) % 7  # few prices: amounts alone cannot tell the sales apart
    days = (acquirer["ts"] - acquirer["ts"].iloc[0]).dt.total_seconds().to_numpy() / 86_400
    terminal = acquirer.assign(
        txn_id=[f"y{i}" for i in range(n)],
        ts=acquirer["ts"] + pd.to_timedelta(2 * 86_400 + 40 * days, unit="s"),
        stan=[f"{i:06d}" for i in range(n)],
    )
    terminal.loc[terminal.index % 2 == 1, "rrn"] = pd.NA  # half the export rows carry no RRN
    # two sales of one price 74 s apart, late in the period, neither with an RRN
    late = acquirer.iloc[[n - 3]].assign(txn_id="p1", rrn=pd.NA, amount_minor=4560)
    late2 = late.assign(txn_id="p2", ts=late["ts"] + pd.Timedelta(seconds=74))
    acquirer = pd.concat([acquirer, late, late2], ignore_index=True)
    drift = pd.to_timedelta(2 * 86_400 + 40 * 19.7, unit="s")
    twins = acquirer.iloc[[n, n + 1]].assign(
        txn_id=["q1", "q2"], ts=lambda f: f["ts"] + drift, stan=["p1", "p2"]
    )
    terminal = pd.concat([terminal, twins], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NearMissWarning)
        out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.journal) == n + 2 and (out.journal["sources"] == "acquirer;terminal").all()
    pairs = dict(zip(out.journal["txn_id"], out.journal["stan"], strict=True))
    assert (pairs["p1"], pairs["p2"]) == ("p1", "p2")
    assert all(pairs[f"x{i}"] == f"{i:06d}" for i in range(n))
    offsets = out.clock_offsets.set_index("source").loc["terminal"]
    assert offsets["method"] == "keys"
    assert offsets["offset_min_s"] == pytest.approx(2 * 86_400, abs=60)
    assert offsets["offset_max_s"] == pytest.approx(2 * 86_400 + 40 * 19.9, abs=60)
    assert len(out.near_misses) == 0


def test_rows_a_wider_window_would_link_are_reported_and_warned() -> None:
    """Rows left apart that would have linked within a wider clock window are never silent: a
    NearMissWarning, and the pairs in MergedJournal.near_misses."""
    amounts = [1000 + 37 * i for i in range(12)]
    left = _journal(12, start="2026-11-20 09:00", step_s=600, amounts=amounts)
    right = _journal(
        12, start="2026-11-20 09:05", step_s=600, amounts=amounts, txn_id=[f"y{i}" for i in range(12)]
    )
    right.loc[7, "ts"] += pd.Timedelta(seconds=200)  # the clock jumped for this one: 200 s > 90 s
    with pytest.warns(rk.NearMissWarning, match="1 pair"):
        out = merge_journals([left, right], sources=["a", "b"])
    assert len(out.journal) == 13
    miss = out.near_misses.iloc[0]
    assert (miss["source"], miss["txn_id_a"], miss["txn_id_b"], miss["amount_minor"]) == (
        "b",
        "x7",
        "y7",
        amounts[7],
    )
    assert miss["gap_s"] == pytest.approx(200, abs=5) and miss["window_s"] == pytest.approx(90)


def test_rows_before_the_acquirers_detail_follow_the_drift_onto_its_clock() -> None:
    """Clean room 9 (seed 1): an export covering days before the acquirer's detail: its rows there are
    put on the acquirer's clock with the drift carried on (the curve's slope), not the first pair's
    difference (30 s off after 20 days at -1.5 s a day, which shifted the wallets' offsets)."""
    n = 300  # 10 a day for 30 days; the acquirer has the last 10 days only
    truth = _card_day(n, start="2026-10-01 08:00", step_s=8640)
    days = (truth["ts"] - truth["ts"].iloc[0]).dt.total_seconds().to_numpy() / 86_400
    terminal = truth.assign(
        txn_id=[f"y{i}" for i in range(n)],
        ts=truth["ts"] + pd.to_timedelta(28_800 - 1.5 * days, unit="s"),
        stan=[f"{i:06d}" for i in range(n)],
    )
    acquirer = truth.iloc[200:]
    out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.journal) == n
    joined = out.journal.set_index("stan")["ts"]
    error = (
        joined.loc[[f"{i:06d}" for i in range(200)]].to_numpy() - truth["ts"].iloc[:200].to_numpy()
    ) / pd.Timedelta(seconds=1)
    assert np.abs(error).max() <= 3


def test_a_clock_reset_once_inside_the_acquirers_days_is_not_carried_on_as_a_drift() -> None:
    """The acquirer's detail covers the last 2 of 30 days, and the terminal's clock was reset by +600 s between
    them: the curve's least-squares slope (about 300 s a day) carried back 28 days shifted every earlier export
    row by more than two hours, silently. A curve that is no straight line (a step) is carried on flat."""
    n = 300  # 10 a day for 30 days
    truth = _card_day(n, start="2026-10-01 08:00", step_s=8640)
    days = (truth["ts"] - truth["ts"].iloc[0]).dt.total_seconds().to_numpy() / 86_400
    terminal = truth.assign(
        txn_id=[f"y{i}" for i in range(n)],
        ts=truth["ts"] + pd.to_timedelta(np.where(days >= 29, 600.0, 0.0), unit="s"),
        stan=[f"{i:06d}" for i in range(n)],
    )
    acquirer = truth.iloc[280:]
    out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.journal) == n
    joined = out.journal.set_index("stan")["ts"]
    error = (
        joined.loc[[f"{i:06d}" for i in range(280)]].to_numpy() - truth["ts"].iloc[:280].to_numpy()
    ) / pd.Timedelta(seconds=1)
    assert np.abs(error).max() <= 600  # at worst the step itself, never hours


RECURRING_RRN = "632400000007"


def _wallet_sales(n: int, *, start: str, prefix: str) -> pd.DataFrame:
    """``n`` WeChat sales on terminal T1 with their wallet numbers (a clock difference the RRN cannot fake)."""
    return _journal(
        n,
        start=start,
        step_s=900,
        amounts=[2000 + 11 * i for i in range(n)],
        txn_id=[f"{prefix}w{i}" for i in range(n)],
        wallet_txn_id=[f"42000026002026103100000{i:05d}" for i in range(n)],
        channel="wechat",
        terminal_id="T1",
    )


def _one_card_sale(txn_id: str, when: str, *, rrn: str = RECURRING_RRN, amount: int = 4560) -> pd.DataFrame:
    return _journal(1, start=when, step_s=0, amounts=amount, txn_id=txn_id, rrn=rrn, terminal_id="T1")


@pytest.mark.parametrize("evidence", ["wallet numbers", "rare amounts"])
def test_an_rrn_recurring_days_apart_is_no_link_when_the_clock_is_known_otherwise(evidence) -> None:
    """Field guide 6: an RRN is unique only within one settlement day. The acquirer's detail has the 22 Oct
    sale with RRN ...07, the terminal's export the 31 Oct sale that reuses it, at the same price. One RRN pair
    is fewer than ``min_pairs``: it linked on its own difference (nine days), and the 31 Oct sale vanished
    from the rebuilt journal without a word. The clock (+30 s) is known from the wallet numbers (or the rare
    amounts): nine days off it, the RRN pair is no link, and both sales stay."""
    if evidence == "wallet numbers":
        acquirer = _wallet_sales(4, start="2026-10-31 09:00", prefix="a")
        terminal = _wallet_sales(4, start="2026-10-31 09:00:30", prefix="t")
    else:
        amounts = [1000 + 37 * i for i in range(12)]
        acquirer = _journal(12, start="2026-10-31 09:00", step_s=600, amounts=amounts, terminal_id="T1")
        terminal = _journal(
            12, start="2026-10-31 09:00:30", step_s=600, amounts=amounts, terminal_id="T1"
        ).assign(txn_id=[f"y{i}" for i in range(12)])
    acquirer = pd.concat([acquirer, _one_card_sale("old", "2026-10-22 15:12:09")], ignore_index=True)
    terminal = pd.concat([terminal, _one_card_sale("new", "2026-10-31 11:40:39")], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    offsets = out.clock_offsets.set_index("source").loc["terminal"]
    assert offsets["method"] == ("keys" if evidence == "wallet numbers" else "amounts")
    assert offsets["offset_s"] == pytest.approx(30.0)
    sales = out.journal[out.journal["rrn"] == RECURRING_RRN].set_index("txn_id")
    assert sorted(sales.index) == ["new", "old"]
    assert sales.loc["old", "sources"] == "acquirer" and sales.loc["new", "sources"] == "terminal"
    assert sales.loc["new", "ts"] == at("2026-10-31 11:40:09")  # on the acquirer's clock
    assert len(out.journal) == len(acquirer) + 1
    assert out.links.set_index("source_txn_id").loc["new", "linked_by"] == "alone"
    assert len(out.unclocked_links) == 0 and len(out.conflicts) == 0


def test_few_rrn_pairs_are_each_held_to_the_clock_the_wallet_numbers_show() -> None:
    """Two RRN pairs (the 31 Oct sale seen twice, and the 22 Oct sale whose RRN the terminal reused on 31 Oct):
    their median difference (four and a half days) is no clock, and neither linked by its RRN. Held to the
    wallet numbers' clock (+30 s), the true pair links by its RRN and the recurring one does not."""
    acquirer = pd.concat(
        [
            _wallet_sales(4, start="2026-10-31 09:00", prefix="a"),
            _one_card_sale("old", "2026-10-22 15:12:09"),
            _one_card_sale("a-card", "2026-10-31 10:05:00", rrn="632400000011", amount=7300),
        ],
        ignore_index=True,
    )
    terminal = pd.concat(
        [
            _wallet_sales(4, start="2026-10-31 09:00:30", prefix="t"),
            _one_card_sale("new", "2026-10-31 11:40:39"),
            _one_card_sale("t-card", "2026-10-31 10:05:30", rrn="632400000011", amount=7300),
        ],
        ignore_index=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    by = out.links.set_index("source_txn_id")["linked_by"]
    assert (by["t-card"], by["new"]) == ("rrn", "alone")
    assert len(out.journal) == len(acquirer) + 1 and len(out.unclocked_links) == 0


def test_an_rrn_link_with_no_clock_to_check_it_is_kept_but_listed_and_warned() -> None:
    """The same recurring RRN with nothing else to show the terminal's clock: the link is kept (refusing it
    would count a sale twice whenever the clock really is days off) but never silent: it is listed in
    ``unclocked_links`` with both times, and an UnclockedLinkWarning says to check whether it is one sale."""
    acquirer = pd.concat(
        [
            _one_card_sale("old", "2026-10-22 15:12:09"),
            _one_card_sale("a2", "2026-10-23 09:00", rrn="", amount=990),
        ],
        ignore_index=True,
    )
    acquirer.loc[1, "rrn"] = pd.NA
    terminal = _one_card_sale("new", "2026-10-31 11:40:39")
    with pytest.warns(rk.UnclockedLinkWarning, match="1 link"):
        out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.journal) == 2
    assert out.links.set_index("source_txn_id").loc["new", "linked_by"] == "rrn"
    listed = out.unclocked_links
    assert len(listed) == 1
    row = listed.iloc[0]
    assert (row["source"], row["txn_id"], row["sources_a"], row["source_txn_id"], row["rrn"]) == (
        "terminal",
        "old",
        "acquirer",
        "new",
        RECURRING_RRN,
    )
    assert (row["amount_minor"], row["currency"]) == (4560, "CNY")
    assert row["ts_a"] == at("2026-10-22 15:12:09") and row["ts_b"] == at("2026-10-31 11:40:39")
    assert row["difference_s"] == pytest.approx(
        (at("2026-10-31 11:40:39") - at("2026-10-22 15:12:09")).total_seconds()
    )


def test_a_terminal_clock_days_off_with_one_rrn_pair_still_links_and_is_listed() -> None:
    """Field guide 6: a weak clock battery puts a terminal days off. Its one sale the acquirer also has, three
    days apart by the two clocks, is one sale: linked by the RRN (not counted twice), and listed as resting on
    the RRN alone."""
    acquirer = pd.concat(
        [
            _one_card_sale("a1", "2026-10-31 10:00:00", rrn="632400000021"),
            _journal(3, start="2026-10-31 12:00", step_s=3600, amounts=[500, 600, 700], terminal_id="T1"),
        ],
        ignore_index=True,
    )
    terminal = pd.concat(
        [
            _one_card_sale("t1", "2026-11-03 10:00:20", rrn="632400000021"),
            _journal(2, start="2026-11-03 16:00", step_s=3600, amounts=[800, 900], terminal_id="T1").assign(
                txn_id=["t2", "t3"]
            ),
        ],
        ignore_index=True,
    )
    with pytest.warns(rk.UnclockedLinkWarning, match="1 link"):
        out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.journal) == len(acquirer) + 2
    assert out.journal.set_index("txn_id").loc["a1", "sources"] == "acquirer;terminal"
    assert len(out.unclocked_links) == 1
    assert out.unclocked_links["difference_s"].iloc[0] == pytest.approx(3 * 86_400 + 20)


def test_one_rrn_pair_at_the_same_time_on_both_clocks_is_not_listed() -> None:
    """A single RRN pair whose times agree within ``time_tolerance`` rests on more than the RRN: amount and
    time alone would link it. Not listed, no warning."""
    acquirer = _one_card_sale("a1", "2026-10-31 10:00:00", rrn="632400000021")
    terminal = _one_card_sale("t1", "2026-10-31 10:00:40", rrn="632400000021")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = merge_journals([acquirer, terminal], sources=["acquirer", "terminal"])
    assert len(out.journal) == 1 and len(out.unclocked_links) == 0
