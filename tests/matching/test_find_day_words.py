"""The counter's ambiguity text never contradicts itself (issue #17 item 7).

On the demo, 368.00 on 2026-11-18 (a day, no card) ranked 12 sales: five on the 18th, two on the 17th and
five on the 14th-16th (a day proof's window reaches back bank_post_lag_days business days). The verdict
said "5 candidates fit the evidence" (the 5 listed) while 12 did, and every row's why said "amount and
time", also for a sale four days before the day the clerk typed.

Since session 14 a day typed at the counter is the day of the payment (field guide 5), as a wallet record's
date is: it no longer reaches back, and its five sales are all of that day. A statement line dated by its
posting date (记账日) still does: the words are checked on one.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.demo import run_demo
from receiptkit.schema import validate_proofs


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> rk.JournalIndex:
    folder = tmp_path_factory.mktemp("demo-day")
    run_demo(folder, slips=0, lost_terminal=False)
    return rk.JournalIndex(rk.read_journal(folder / "journal.csv"))


@pytest.fixture(scope="module")
def ranked(index) -> pd.DataFrame:
    """A statement line of 368.00 posted on 2026-11-18 (no 交易日): its window reaches back business days."""
    line = pd.DataFrame(
        {
            "proof_id": ["S1"],
            "kind": ["bank_statement"],
            "date": [pd.Timestamp("2026-11-18")],
            "ts_precision": ["day"],
            "amount_minor": [36800],
            "currency": ["CNY"],
            "direction": ["debit"],
        }
    )
    return rk.find(index, validate_proofs(line))


def test_the_count_is_every_candidate_that_fits_not_only_the_listed(ranked):
    verdict = ranked.attrs["verdict"]
    assert verdict["status"] == "ambiguous"
    floor = rk.MatchPolicy().candidate_floor
    fitting = int((ranked["confidence"] >= floor).sum())
    assert fitting == 12  # the scenario the newcomer saw
    said = re.match(r"(\d+) candidates fit the evidence; ", verdict["reason"])
    assert said, verdict["reason"]
    assert int(said[1]) == fitting
    assert len(verdict["candidate_txn_ids"]) == rk.MatchPolicy().keep_candidates  # the listed: the best 5


def test_a_row_off_the_day_given_does_not_claim_the_time(ranked):
    days = (
        pd.Timestamp("2026-11-18")
        - ranked["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
    ).dt.days
    assert set(days) == {0, 1, 2, 3, 4}
    for why, off in zip(ranked["why"], days, strict=True):
        if off == 0:
            assert why == "amount and time", why
        else:
            assert "time" not in why.split(";")[0], why
            unit = "day" if off == 1 else "days"
            assert why == f"amount; {off} {unit} before the day given", why


def test_a_day_typed_at_the_counter_ranks_only_that_days_sales(index):
    ranked = rk.find(index, amount="368.00", currency="CNY", time="2026-11-18", tz="Asia/Shanghai")
    verdict = ranked.attrs["verdict"]
    assert verdict["status"] == "ambiguous"
    days = ranked["ts"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d")
    assert set(days) == {"2026-11-18"} and len(ranked) == 5  # was 12, back to the 14th
    assert verdict["reason"].startswith("5 candidates fit the evidence; "), verdict["reason"]
    assert set(ranked["why"]) == {"amount and time"}


def test_a_matched_proof_on_the_day_keeps_its_words(index):
    ranked = rk.find(
        index, amount="368.00", currency="CNY", time="2026-11-18 08:11", last4="9403", tz="Asia/Shanghai"
    )
    assert ranked.attrs["verdict"]["status"] == "matched"
    assert ranked["why"].iloc[0] == "time same, card_last4 agree"
