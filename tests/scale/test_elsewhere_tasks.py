"""match_dask and the batch's estimates (matching.batch): payments made elsewhere and the prior of absence,
estimated once over the whole batch and given to every task."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
from tests.matching.batches import counter_month as _counter_month
from tests.matching.batches import hour_counter as _hour_counter

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.scale import match_dask, plan_dask


def test_match_dask_runs_and_never_matches_a_proof_naming_another_branch() -> None:
    journal, batch = _counter_month()
    expected = rk.match(batch, journal)
    assert (expected["status"].iloc[:60] == "ambiguous").all()
    with dask.config.set(scheduler="sync"):
        got = match_dask(batch, journal).compute().sort_index()
    assert list(got["proof_id"]) == list(expected["proof_id"])
    assert (got["status"].iloc[90:] == "unmatched").all()  # another branch: never matched, in any task
    assert (got["status"].iloc[60:90] == "unmatched").all()


def test_match_dask_caps_what_match_caps() -> None:
    journal, batch = _counter_month()
    expected = rk.match(batch, journal)
    with dask.config.set(scheduler="sync"):
        got = match_dask(batch, journal).compute().sort_index()
    assert list(got["status"]) == list(expected["status"])


def test_with_the_batch_estimate_kept_match_dask_caps_what_match_caps(tmp_path) -> None:
    """The way round it docs/scale.md gives: the month's ``match`` kept in a learned file, its policy passed to
    ``match_dask``; a task that holds too few proofs naming another shop uses the month's estimate."""
    journal, batch = _counter_month()
    expected = rk.match(batch, journal)
    learned = rk.save_learned(tmp_path / "journal.csv.receiptkit.json", expected)
    with dask.config.set(scheduler="sync"):
        got = match_dask(batch, journal, policy=learned.policy()).compute().sort_index()
    assert list(got["status"]) == list(expected["status"])
    assert (got["status"].iloc[:60] == "ambiguous").all()


def _equal_verdicts(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    for column in ("proof_id", "status", "txn_id", "confidence", "reason", "n_candidates"):
        assert list(got[column]) == list(expected[column]), column


def test_match_dask_estimates_once_over_the_batch() -> None:
    """The counter month (coincidence) and the hour counter (prior of absence): the plan's estimates and the
    computed result's attrs are one ``match``'s, in tasks that alone would estimate otherwise."""
    cases = [
        (*_counter_month(), rk.MatchPolicy(), "coincidence"),
        (*_hour_counter(), rk.MatchPolicy(prior_absent_min_proofs=60), "prior_absent"),
    ]
    for journal, batch, policy, name in cases:
        expected = rk.match(batch, journal, policy=policy)
        with dask.config.set(scheduler="sync"):
            planned = plan_dask(batch, journal, policy=policy)
            got = planned.result.compute().sort_index()
        assert planned.plan.n_tasks >= 4
        attrs = {"coincidence": expected.attrs["coincidence"], "prior_absent": expected.attrs["prior_absent"]}
        assert planned.estimates.attrs() == attrs
        # every partition carries them: the computed result keeps them
        learned = (
            "fx_rates_learned",
            "merchant_aliases",
            "wallet_payees",
            "card_clocks",
            "card_clock_clashes",
        )
        assert got.attrs == {**attrs, **{k: expected.attrs[k] for k in learned}}
        _equal_verdicts(got, expected)
        # what one task would read from its own proofs is not what the batch says
        alone = [
            rk.match(batch.iloc[planned.plan.proof_task == task], journal, policy=policy).attrs[name]
            for task in np.unique(planned.plan.proof_task)
        ]
        assert all(a != attrs[name] for a in alone)
    # the hour counter: the batch lowers the prior of absence, and every proof is matched (alone: ambiguous)
    assert got.attrs["prior_absent"]["manual"]["used"] < 0.05
    assert (got["status"] == "matched").all()


def test_match_dask_prior_of_absence_on_a_generated_week() -> None:
    """receiptkit.datasets: 364 wallet proofs lower the wallet prior of absence (200 needed), in tasks of fewer."""
    data = make_dataset(n_transactions=3000, n_proofs=1200, seed=5, start="2026-11-17", days=7)
    expected = rk.match(data.proofs, data.journal)
    with dask.config.set(scheduler="sync"):
        planned = plan_dask(data.proofs, data.journal)
        got = planned.result.compute().sort_index()
    wallet = (data.proofs["kind"] == "wallet").to_numpy()
    per_task = np.bincount(planned.plan.proof_task[wallet])
    assert per_task.max() < 200 <= wallet.sum()
    assert expected.attrs["prior_absent"]["wallet"]["used"] < 0.1
    assert got.attrs["prior_absent"] == expected.attrs["prior_absent"]
    assert got.attrs["coincidence"] == expected.attrs["coincidence"]
    _equal_verdicts(got, expected)


def test_a_task_whose_rows_hold_no_wallet_number_still_counts_a_number_the_journal_does_not_hold() -> None:
    """The hour counter's journal records WeChat transaction numbers, on its 1500 sales only; twelve counter
    proofs of other amounts carry a full number the journal does not hold (the record of a payment made
    elsewhere). One ``match`` counts them as proofs that found nothing, and the kind's prior of absence stays.
    The tasks (by amount) holding no row with a number did not count them: the batch's estimate fell to 2 %,
    and all 84 proofs, the twelve included, were matched on amount and hour where ``match`` leaves them
    ambiguous. Whether the journal records a kind of number is the whole journal's fact (JournalStats.numbers)."""
    journal, batch = _hour_counter()
    journal = journal.assign(
        wallet_txn_id=np.where(
            journal["amount_minor"] == 1500, [f"42000012{k:020d}" for k in range(len(journal))], None
        )
    )
    at = np.flatnonzero(batch["amount_minor"].to_numpy() != 1500)[:12]
    numbers = np.full(len(batch), None, dtype=object)
    numbers[at] = [f"42000099{k:020d}" for k in range(len(at))]
    batch = batch.assign(wallet_txn_id=numbers)
    policy = rk.MatchPolicy(prior_absent_min_proofs=60)
    expected = rk.match(batch, journal, policy=policy)
    with dask.config.set(scheduler="sync"):
        planned = plan_dask(batch, journal, policy=policy)
        got = planned.result.compute().sort_index()
    assert planned.plan.n_tasks >= 4
    assert expected.attrs["prior_absent"]["manual"]["none_found"] == 12
    assert planned.estimates.attrs()["prior_absent"] == expected.attrs["prior_absent"]
    _equal_verdicts(got, expected)
    assert not (got["status"].iloc[at] == "matched").any()
