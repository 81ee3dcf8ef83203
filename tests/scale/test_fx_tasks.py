"""match_dask and the FX rates a batch teaches (matching.fxlearn): learned once over the whole batch."""

from __future__ import annotations

import dask
from tests.matching.conftest import proofs
from tests.matching.test_fx_learned import _both_and_billed_only

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.scale import plan_dask


def test_match_dask_learns_the_rates_one_match_learns() -> None:
    """A generated week where a quarter of the card statement lines are a foreign card's, billed in USD with no
    rate given: ``match`` learns the rate from the lines' last 4 against the journal's sales and matches lines
    it could not place without it; ``match_dask`` learns the same rates once, routes the rows they make
    candidates and gives every task the same verdicts."""
    data = make_dataset(
        n_transactions=3000, n_proofs=1200, seed=5, start="2026-11-17", days=7, scenarios=("foreign_cards",)
    )
    expected = rk.match(data.proofs, data.journal)
    learned = expected.attrs["fx_rates_learned"]
    assert {(r["journal_currency"], r["proof_currency"]) for r in learned} >= {("CNY", "USD")}
    blind = rk.match(data.proofs, data.journal, policy=rk.MatchPolicy(learn_fx_rates=False))
    assert (blind["status"] != expected["status"]).sum() >= 20  # the rates decide verdicts
    with dask.config.set(scheduler="sync"):
        planned = plan_dask(data.proofs, data.journal)
        got = planned.result.compute().sort_index()
    assert planned.plan.n_tasks >= 4
    assert got.attrs["fx_rates_learned"] == learned
    assert sorted(planned.fx_learned) == sorted((r["journal_currency"], r["proof_currency"]) for r in learned)
    for column in ("proof_id", "status", "txn_id", "confidence", "reason", "n_candidates"):
        assert list(got[column]) == list(expected[column]), column


def test_match_dask_learns_a_rate_from_lines_showing_both_amounts_in_other_tasks() -> None:
    """Four CNY statement lines that also show the billed USD amount teach the rate for two lines showing only
    USD; every line is in its own amount bucket, so the teaching lines and the taught ones sit in other tasks.
    Learned per task, the USD lines found no rate and stayed unmatched."""
    journal, lines = _both_and_billed_only((0.01, 0.025, 0.015, 0.02))
    batch = proofs(*lines)
    expected = rk.match(batch, journal)
    assert expected.attrs["fx_rates_learned"][0]["source"] == "lines showing both amounts"
    assert (expected["status"].iloc[4:] == "matched").all()
    with dask.config.set(scheduler="sync"):
        planned = plan_dask(batch, journal)
        got = planned.result.compute().sort_index()
    assert not set(planned.plan.proof_task[4:]) & set(planned.plan.proof_task[:4])
    assert got.attrs["fx_rates_learned"] == expected.attrs["fx_rates_learned"]
    for column in ("proof_id", "status", "txn_id", "confidence", "reason", "flags"):
        assert list(got[column]) == list(expected[column]), column
