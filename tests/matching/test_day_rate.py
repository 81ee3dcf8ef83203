"""The base rate of a date-only proof: how often its amount is paid on the dates around, not on its own date.

A statement line's 交易日 (or an SMS without a time) searches one date, and that
date holds the proof's own sale: counted there, a lone 203.00 dinner read as
"one such sale expected by chance" and the posterior stopped at the prior of
absence, however rare 203.00 is in the shop. The rate is now the count over
the same dates shifted by one to seven days either way, averaged, and at least
the date's own count without one. A text naming the chain without its branch
(or its legal entity) keeps the date's own count: the chain's other branches
take the same amounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import receiptkit as rk

from .conftest import journal, pf, proofs, row_of, txn

DAYS = [f"2026-11-{d:02d}" for d in range(13, 28)]  # a fortnight around the 20th


def _fortnight(per_day: int = 40, seed: int = 3) -> list[dict]:
    """Unrelated sales every day of the fortnight: odd amounts, cards starting with 9."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in DAYS:
        for k in range(per_day):
            minute = int(rng.integers(0, 12 * 60))
            rows.append(
                txn(
                    f"BG{day[-2:]}{k:03d}",
                    int(rng.integers(1, 500)) * 100 + 37,
                    f"{9 + minute // 60:02d}:{minute % 60:02d}:00",
                    day=day,
                    card_last4=f"9{int(rng.integers(0, 1000)):03d}",
                )
            )
    return rows


def _dinner(txn_id: str = "D", day: str = "2026-11-20", clock: str = "19:16:00") -> dict:
    # paid through WeChat Pay with the card: the terminal's row shows no card
    return txn(txn_id, 20300, clock, day=day, channel="wechat")


def _line(text: str = "财付通-瑞幸咖啡(国贸店)") -> pd.DataFrame:
    # a credit card statement line: 交易日 11-20, 记账日 11-21, the wallet's prefix, the sign and its branch
    raw = {"交易日": "2026-11-20", "posting_date": "2026-11-21"}
    return proofs(pf("line", 20300, None, day="2026-11-20", card_last4="2038", merchant_text=text, raw=raw))


def test_a_lone_sale_of_an_amount_rare_on_other_dates_is_matched_on_its_date() -> None:
    result = rk.match(_line(), journal(*_fortnight(), _dinner()))
    row = row_of(result, "line")
    assert row["status"] == "matched", row["reason"]
    assert row["txn_id"] == "D"
    base = rk.explain(result, "line").set_index("field").loc["base rate", "best_value"]
    assert float(base.split()[0]) < 0.2, base  # about 1/15: once in the fortnight


def test_the_same_line_is_not_matched_where_the_amount_is_paid_every_day() -> None:
    daily = [_dinner(f"E{day[-2:]}", day=day, clock="12:10:00") for day in DAYS if day != "2026-11-20"]
    result = rk.match(_line(), journal(*_fortnight(), *daily, _dinner()))
    row = row_of(result, "line")
    assert row["status"] == "ambiguous", row["reason"]
    assert pd.isna(row["txn_id"])
    assert "not in this journal" in row["reason"]


def test_a_journal_of_one_date_gives_the_careful_count() -> None:
    one_day = [r for r in _fortnight() if r["ts"].strftime("%Y-%m-%d") == "2026-11-20"]
    row = row_of(rk.match(_line(), journal(*one_day, _dinner())), "line")
    assert row["status"] != "matched", row["reason"]


def test_a_posting_date_window_counts_the_dates_around_too() -> None:
    # a debit card's line dated by its posting only (no 交易日): the window is the date and the business days
    # before it, and holds the sale; a rare amount is still rare there (before: 1 expected, its own sale)
    line = proofs(
        pf("post", 20300, None, day="2026-11-23", card_last4="2038", merchant_text="财付通-瑞幸咖啡(国贸店)")
    )
    result = rk.match(line, journal(*_fortnight(), _dinner()))
    base = rk.explain(result, "post").set_index("field").loc["base rate", "best_value"]
    assert float(base.split()[0]) < 1.0, base
    row = row_of(result, "post")
    assert list(row["candidate_txn_ids"])[:1] == ["D"] or row["txn_id"] == "D"


def test_a_text_naming_the_chain_without_its_branch_keeps_the_dates_own_count() -> None:
    # 瑞幸咖啡 alone, or the chain's legal entity, is what a payment at any of its branches shows: one this
    # journal does not hold took 203.00 that day as likely as this one, whatever this journal's rate
    for text in ("财付通-瑞幸咖啡", "财付通-瑞幸咖啡(中国)有限公司"):
        result = rk.match(_line(text), journal(*_fortnight(), _dinner()))
        row = row_of(result, "line")
        assert row["status"] == "ambiguous", (text, row["reason"])
        base = rk.explain(result, "line").set_index("field").loc["base rate", "best_value"]
        assert base.startswith("1 such"), base
