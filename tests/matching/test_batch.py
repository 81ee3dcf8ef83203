"""matching.batch: the batch's estimates from the per-proof numbers of its parts, and given to a part."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tests.matching.batches import counter_month as _counter_month
from tests.matching.batches import hour_counter as _hour_counter

import receiptkit as rk
from receiptkit.matching.absence import _numbers_found
from receiptkit.matching.batch import BatchInputs, batch_inputs, estimate_batch
from receiptkit.matching.engine import _match_valid, _read_batch
from receiptkit.matching.index import JournalIndex


def _parts(proofs: pd.DataFrame, n: int) -> list[np.ndarray]:
    """Positions of ``n`` consecutive parts (the counter month's proofs naming another branch all in the last)."""
    return np.array_split(np.arange(len(proofs)), n)


def _inputs(
    proofs: pd.DataFrame, journal: pd.DataFrame, policy: rk.MatchPolicy, at: np.ndarray
) -> BatchInputs:
    index = JournalIndex(journal)
    read = _read_batch(proofs.iloc[at].reset_index(drop=True), index, policy, {})
    numbers = _numbers_found(index, read.arrays)
    return batch_inputs(index, read.arrays, read.weighed, read.table, read.policy, numbers, at)


def _case(name: str) -> tuple[pd.DataFrame, pd.DataFrame, rk.MatchPolicy]:
    if name == "counter":
        journal, proofs = _counter_month()
        return journal, proofs, rk.MatchPolicy()
    journal, proofs = _hour_counter()
    return journal, proofs, rk.MatchPolicy(prior_absent_min_proofs=60)


def test_the_parts_numbers_give_the_estimates_of_one_match() -> None:
    """Coincidence and absence estimated from three parts' numbers equal what one ``match`` shows in attrs,
    while each part alone estimates otherwise (the estimate depends on the part)."""
    for name in ("counter", "hour"):
        journal, proofs, policy = _case(name)
        whole = rk.match(proofs, journal, policy=policy, clock_offsets={})
        parts = [_inputs(proofs, journal, policy, at) for at in _parts(proofs, 3)]
        shown = estimate_batch(BatchInputs.concat(parts[::-1]), policy).attrs()  # any order of the parts
        assert shown == {
            "coincidence": whole.attrs["coincidence"],
            "prior_absent": whole.attrs["prior_absent"],
        }
        alone = [estimate_batch(part, policy).attrs() for part in parts]
        assert all(a != shown for a in alone), name


def test_the_counter_month_estimates_are_the_ones_that_cap() -> None:
    journal, proofs, policy = _case("counter")
    estimates = estimate_batch(
        BatchInputs.concat([_inputs(proofs, journal, policy, np.arange(len(proofs)))]), policy
    )
    assert estimates.coincidence["manual"].shown["named"] == 10
    assert estimates.coincidence["manual"].shown["coincide"] == 5
    assert 0.5 < estimates.coincidence["manual"].share < 0.6
    journal, proofs, policy = _case("hour")
    estimates = estimate_batch(
        BatchInputs.concat([_inputs(proofs, journal, policy, np.arange(len(proofs)))]), policy
    )
    assert estimates.prior_absent["manual"].used < 0.05  # every counter proof found its sale


def test_a_part_given_the_batch_estimates_decides_as_one_match() -> None:
    """``_match_valid`` on a part with the whole batch's estimates gives the whole batch's verdicts for it; the
    part alone does not (coincidence: the counter month's 60 capped; absence: the hour counter's 84 matched)."""
    for name in ("counter", "hour"):
        journal, proofs, policy = _case(name)
        whole = rk.match(proofs, journal, policy=policy, clock_offsets={})
        parts = _parts(proofs, 3)
        estimates = estimate_batch(
            BatchInputs.concat([_inputs(proofs, journal, policy, at) for at in parts]), policy
        )
        differ = 0
        for at in parts:
            mine = proofs.iloc[at].reset_index(drop=True)
            given = _match_valid(mine, JournalIndex(journal), policy, {}, estimates=estimates)
            alone = rk.match(mine, journal, policy=policy, clock_offsets={})
            expected = whole.iloc[at].reset_index(drop=True)
            for column in ("proof_id", "status", "txn_id", "confidence", "reason"):
                pd.testing.assert_series_equal(given[column], expected[column], check_names=False)
            assert given.attrs["coincidence"] == whole.attrs["coincidence"]
            assert given.attrs["prior_absent"] == whole.attrs["prior_absent"]
            differ += int((alone["status"] != expected["status"]).sum())
        assert differ >= 20, name


def _big_batch_inputs(n_named: int, n_silent: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-proof numbers of a large batch of SMS: ``n_named`` naming another shop, none coinciding, each
    finding nothing (a rare amount: chance 1); ``n_silent`` naming no shop, each finding its sale though an
    absent one would find nothing nine times in ten."""
    n = n_named + n_silent
    named = np.arange(n) < n_named
    coinciding = pd.DataFrame(
        {
            "stratum": np.full(n, "sms", dtype=object),
            "code": np.where(named, 1, 0),
            "branch": np.full(n, -1),
            "strong": np.zeros(n, dtype=bool),
            "coincide": np.zeros(n, dtype=bool),
            "known": np.ones(n, dtype=bool),
            "comparable": np.ones(n, dtype=bool),
            "none": named,
            "chance": np.where(named, 1.0, 0.9),
        }
    )
    absent = pd.DataFrame(
        {
            "stratum": np.full(n_silent, "sms", dtype=object),
            "known": np.ones(n_silent, dtype=bool),
            "other": np.zeros(n_silent, dtype=bool),
            "found_none": np.zeros(n_silent, dtype=bool),
            "chance": np.full(n_silent, 0.9),
            "eps": np.full(n_silent, 0.01),
            "unfound": np.zeros(n_silent, dtype=bool),
        }
    )
    return coinciding, absent


def test_a_large_batchs_small_estimates_are_shown_as_probabilities_not_zero() -> None:
    """At the scale match_dask runs (tens of thousands of proofs of a kind), a rate, share or prior of absence
    falls below 0.00005: rounded to four places it was shown as 0.0. The learned file keeps what attrs show, and
    refused its own entry when read back ("not a probability between 0 and 1"), and silent_absence read the
    shown 0.0 as the prior of "not in this journal": log 0, every proof naming no shop certain to be here."""
    from receiptkit.matching.absence import absence_estimates
    from receiptkit.matching.elsewhere import _kept_estimates, coincidence_estimates

    policy = rk.MatchPolicy()
    coinciding, absent = _big_batch_inputs(600, 60_000)
    estimate = coincidence_estimates(coinciding, policy)["sms"]
    shown = estimate.shown
    assert estimate.share < 5e-5
    # the rate of 0 coinciding among 600 is read at the upper end of what they allow (0.0045); a rate as small
    # comes from fewer than coincidence_min_named proofs naming another shop and a small prior
    few, _ = _big_batch_inputs(4, 60_000)
    tiny = coincidence_estimates(few, policy.replace(coincidence_prior=1e-5))["sms"]
    assert tiny.rate < 5e-5
    assert tiny.shown["rate"] > 0 and abs(tiny.shown["rate"] / tiny.rate - 1) < 0.01
    for key, exact in (("rate", estimate.rate), ("share", estimate.share), ("absent_prior", estimate.share)):
        assert shown[key] > 0 and abs(shown[key] / exact - 1) < 0.01, key
    # what a learned file keeps of it is read back
    kept = {"sms": {k: shown[k] for k in ("share", "rate", "absent_prior")}}
    assert _kept_estimates(rk.MatchPolicy(coincidence_by_kind=kept))["sms"]["absent_prior"] > 0
    prior = absence_estimates(absent, policy.replace(prior_absent_min_proofs=1))["sms"]
    assert prior.used < 5e-5
    assert prior.shown["used"] > 0 and abs(prior.shown["used"] / prior.used - 1) < 0.01
