"""The counter's ambiguity text never contradicts itself (issue #17 item 7).

On the demo, 368.00 on 2026-11-18 (a day, no card) ranks 12 sales: five on the 18th, two on the 17th and
five on the 14th-16th (a day proof's window reaches back bank_post_lag_days business days). The verdict
said "5 candidates fit the evidence" (the 5 listed) while 12 did, and every row's why said "amount and
time", also for a sale four days before the day the clerk typed.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.demo import run_demo


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> rk.JournalIndex:
    folder = tmp_path_factory.mktemp("demo-day")
    run_demo(folder, slips=0, lost_terminal=False)
    return rk.JournalIndex(rk.read_journal(folder / "journal.csv"))


@pytest.fixture(scope="module")
def ranked(index) -> pd.DataFrame:
    return rk.find(index, amount="368.00", time="2026-11-18", tz="Asia/Shanghai")


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


def test_a_matched_proof_on_the_day_keeps_its_words(index):
    ranked = rk.find(index, amount="368.00", time="2026-11-18 08:11", last4="9403", tz="Asia/Shanghai")
    assert ranked.attrs["verdict"]["status"] == "matched"
    assert ranked["why"].iloc[0] == "time same, card_last4 agree"
