"""match_dask and the English trading names a batch teaches (matching.latin): learned once over the batch."""

from __future__ import annotations

import dask
import numpy as np
from tests.matching.conftest import proofs
from tests.matching.test_latin import KAMKEE, LUCKIN, _hong_kong_batch, _line, _luckin_world

import receiptkit as rk
from receiptkit.scale import plan_dask


def test_match_dask_learns_a_latin_name_from_lines_in_several_tasks() -> None:
    """Three foreign lines "LUCKIN COFFEE", each singling out a coffee-shop sale, teach the name (three votes
    needed), each in its own task; a fourth fits 蜀香阁's sale on amount, minute and card. One ``match`` learns the
    name and refuses the fourth ("other brand"); tasks that learned nothing would hand it 蜀香阁's receipt."""
    journal, lines = _luckin_world(3)
    stray = _line("stray", 8800, "4321", "SALES:   LUCKIN COFFEE SHANGHAI  CHN CN")
    batch = proofs(*lines, stray)
    expected = rk.match(batch, journal)
    assert expected.attrs["merchant_aliases"][LUCKIN] == ["LUCKINCOFFEESHANGHAI"]
    assert expected["status"].iloc[3] == "unmatched"
    with dask.config.set(scheduler="sync"):
        planned = plan_dask(batch, journal)
        got = planned.result.compute().sort_index()
    assert len(np.unique(planned.plan.proof_task[:3])) == 3  # no task holds enough lines to learn it alone
    assert got.attrs["merchant_aliases"] == expected.attrs["merchant_aliases"]
    for column in ("proof_id", "status", "txn_id", "confidence", "reason"):
        assert list(got[column]) == list(expected[column]), column
    alone = rk.match(batch.iloc[[0, 3]], journal)  # one line and the stray, as one task holds them
    assert alone["status"].iloc[1] == "matched"  # what learning per task would do


def test_match_dask_keeps_a_company_named_like_a_sign_elsewhere_unlearned() -> None:
    """The signs at another place that stop 'TSUI WAH HOLDINGS LIMITED' being learned for 金記 are in other tasks
    than its lines: ``match_dask`` gathers them with the votes, and learns what one ``match`` learns."""
    journal, batch = _hong_kong_batch("TSUI WAH HOLDINGS LIMITED", "TSUI WAH RESTAURANT (CENTRAL)")
    expected = rk.match(batch, journal)
    assert "TSUIWAHHOLDINGS" not in expected.attrs["merchant_aliases"][KAMKEE]
    with dask.config.set(scheduler="sync"):
        planned = plan_dask(batch, journal)
        got = planned.result.compute().sort_index()
    company = [k for k, pid in enumerate(batch["proof_id"]) if pid.startswith("co")]
    elsewhere = [k for k, pid in enumerate(batch["proof_id"]) if pid.startswith("else")]
    # tasks that hold the company's lines and none of the signs elsewhere: what they see alone would teach it
    assert set(planned.plan.proof_task[company]) - set(planned.plan.proof_task[elsewhere])
    assert got.attrs["merchant_aliases"] == expected.attrs["merchant_aliases"]
    for column in ("proof_id", "status", "txn_id", "confidence", "reason"):
        assert list(got[column]) == list(expected[column]), column
