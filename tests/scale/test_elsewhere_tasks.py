"""match_dask and the batch's estimates (matching.batch): payments made elsewhere and the prior of absence,
estimated once over the whole batch and given to every task."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd

import receiptkit as rk
from receiptkit.datasets import make_dataset
from receiptkit.scale import match_dask, plan_dask
from receiptkit.schema import validate_journal, validate_proofs

TZ = "Asia/Shanghai"
SHOP = "海底捞火锅(五角场店)"


def _at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2026-11-20 {clock}", tz=TZ)


def _counter_month() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counter input: 60 proofs of sales here (no shop typed), 30 naming no shop that find no sale of their amount,
    ten naming another branch, five of which coincide with a sale here on amount and minute. One ``match``
    reads from them that about half the proofs naming no shop were paid elsewhere, and caps the 60."""
    sale = {
        "merchant_id": "M1",
        "terminal_id": "T1",
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
    }
    rows, here = [], []
    for k in range(60):
        clock = f"{8 + k // 60:02d}:{k % 60:02d}:20"
        rows.append(
            {
                **sale,
                "txn_id": f"H{k}",
                "amount_minor": 30000 + 13 * k,
                "ts": _at(clock),
                "merchant_name": SHOP,
            }
        )
        here.append({"proof_id": f"here{k}", "amount_minor": 30000 + 13 * k, "ts": _at(clock[:-2] + "00")})
    lost = [
        {"proof_id": f"lost{k}", "amount_minor": 70000 + 17 * k, "ts": _at(f"1{k % 10}:{k:02d}:00")}
        for k in range(30)
    ]
    rows += [
        {
            **sale,
            "txn_id": f"S{k}",
            "amount_minor": 10000 + 100 * k,
            "ts": _at(f"1{k % 10}:{10 + k:02d}:20"),
            "merchant_name": SHOP,
        }
        for k in range(5)
    ]
    other = [
        {
            "proof_id": f"other{k}",
            "amount_minor": 10000 + 100 * k if k < 5 else 90000 + 100 * k,
            "ts": _at(f"1{k % 10}:{10 + k:02d}:00"),
            "merchant_text": "海底捞火锅(厦门中山路店)",
        }
        for k in range(10)
    ]
    batch = pd.DataFrame(
        [
            {
                "kind": "manual",
                "ts_precision": "minute",
                "currency": "CNY",
                "direction": "debit",
                **p,
                "ts": p["ts"].tz_convert("UTC"),
            }
            for p in (*here, *lost, *other)
        ]
    )
    return validate_journal(pd.DataFrame(rows)), validate_proofs(batch)


def _hour_counter() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A month of one shop's WeChat sales, ten a day at five prices, and 84 counter proofs naming only the hour.

    Every proof finds its sale, so the batch says counter proofs are nearly always here (about 2 %); with
    ``prior_absent_min_proofs=60`` one ``match`` lowers the prior of absence and matches all 84, while 40 of
    them alone keep ``prior_absent`` and stay ambiguous.
    """
    sale = {
        "merchant_id": "M1",
        "terminal_id": "T1",
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "wechat",
        "merchant_name": "蜀香阁(徐家汇店)",
    }
    rows, proofs = [], []
    for day in range(1, 29):
        for hour in range(10, 20):
            k = len(rows)
            amount = (1500, 1800, 2200, 2500, 3200)[(day + hour) % 5]
            when = pd.Timestamp(f"2026-11-{day:02d} {hour:02d}:{(7 * day + hour) % 60:02d}:20", tz=TZ)
            rows.append({**sale, "txn_id": f"H{k}", "amount_minor": amount, "ts": when})
            if hour % 3 == 0:
                proofs.append(
                    {
                        "proof_id": f"p{k}",
                        "kind": "manual",
                        "ts_precision": "hour",
                        "currency": "CNY",
                        "direction": "debit",
                        "amount_minor": amount,
                        "ts": when.floor("h").tz_convert("UTC"),
                    }
                )
    return validate_journal(pd.DataFrame(rows)), validate_proofs(pd.DataFrame(proofs))


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
        learned = ("fx_rates_learned", "merchant_aliases")
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
