"""The plan: proofs that could share a candidate go to one task; others may be apart."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from receiptkit.matching.policy import MatchPolicy
from receiptkit.scale.plan import make_plan

DAY = 86400
T0 = 1_790_000_000


def _plan(proofs: list[tuple], hits: pd.DataFrame | None = None, policy: MatchPolicy | None = None):
    """proofs: (currency, amount, lo, hi, wallet); each journal bucket has rows on days 0-9."""
    currency = np.array([p[0] for p in proofs], dtype=object)
    amount = np.array([p[1] for p in proofs], dtype=np.int64)
    buckets = sorted({(c, a) for c, a, *_ in proofs} | {("HKD", 10000), ("CNY", 777)})
    bucket_days = pd.DataFrame(
        [(c, a, T0 // DAY + d, 100) for c, a in buckets for d in range(10)],
        columns=["currency", "amount_minor", "day", "rows"],
    )
    hits = (
        hits
        if hits is not None
        else pd.DataFrame(
            columns=["currency", "amount_minor", "ts_s", "terminal_id", "column", "value", "side"]
        )
    )
    return make_plan(
        side=np.zeros(len(proofs), dtype=np.int8),
        currency=currency,
        amount=amount,
        lo=np.array([p[2] for p in proofs], dtype=np.int64),
        hi=np.array([p[3] for p in proofs], dtype=np.int64),
        rate_lo=np.array([p[2] for p in proofs], dtype=np.int64),  # spans are the windows here
        rate_hi=np.array([p[3] for p in proofs], dtype=np.int64),
        keys={
            "wallet": np.array([p[4] for p in proofs], dtype=object),
            "order": np.full(len(proofs), None, dtype=object),
            "reference": np.full(len(proofs), None, dtype=object),
        },
        key_hits=hits,
        originals=pd.DataFrame(columns=["txn_id", "currency", "amount_minor", "ts_s", "terminal_id"]),
        bucket_days=bucket_days,
        offsets={},
        policy=policy or MatchPolicy(),
        partition_rows=10**9,
        min_tasks=50,  # as many tasks as there are segments
    )


def test_overlapping_windows_of_one_amount_share_a_task_and_distant_ones_need_not():
    plan = _plan(
        [
            ("CNY", 2500, T0, T0 + 600, None),
            ("CNY", 2500, T0 + 500, T0 + 1200, None),  # overlaps the first
            ("CNY", 2500, T0 + 4 * DAY, T0 + 4 * DAY + 600, None),  # days later
            ("CNY", 3300, T0, T0 + 600, None),  # same time, another amount
        ]
    )
    task = plan.proof_task
    assert task[0] == task[1]
    assert len({task[0], task[2], task[3]}) == 3
    assert plan.n_segments == 3 and plan.n_tasks == 3


def test_a_bank_line_in_another_currency_joins_the_amounts_it_can_reach():
    policy = MatchPolicy(fx_rates={("HKD", "CNY"): Decimal("0.92")})
    plan = _plan(
        [("CNY", 9246, T0, T0 + 3 * DAY, None), ("HKD", 10000, T0 + DAY, T0 + DAY + 600, None)],
        policy=policy,
    )
    assert plan.proof_task[0] == plan.proof_task[1]  # 100.00 HKD at 0.92 is 92.00 CNY, within 2 % + fee
    apart = _plan([("CNY", 9246, T0, T0 + 3 * DAY, None), ("HKD", 10000, T0 + DAY, T0 + DAY + 600, None)])
    assert apart.proof_task[0] != apart.proof_task[1]  # without the rate they cannot share anything


def test_a_wallet_number_at_another_amount_joins_and_asks_for_the_whole_window():
    hits = pd.DataFrame(
        {
            "currency": ["CNY"],
            "amount_minor": [777],
            "ts_s": [T0 + 9 * DAY],
            "terminal_id": ["T1"],
            "column": ["wallet_txn_id"],
            "value": ["4200999"],
            "side": np.array([0], dtype=np.int8),
        }
    )
    plan = _plan(
        [("CNY", 2500, T0, T0 + 600, "4200999"), ("CNY", 777, T0 + 9 * DAY - 60, T0 + 9 * DAY + 60, None)],
        hits,
    )
    assert plan.proof_task[0] == plan.proof_task[1]  # its span reaches the hit 9 days later
    windows = plan.routing.windows
    assert windows[["lo", "hi"]].to_numpy().tolist() == [[T0, T0 + 600]]
    routing = plan.routing
    tasks = routing.task_of(
        np.array(["CNY", "CNY", "CNY"]), np.array([2500, 2500, 4242]), np.array([T0 + 300, T0 + 12 * DAY, T0])
    )
    assert (
        tasks[0] == plan.proof_task[0] and tasks[1] == -1 and tasks[2] == -1
    )  # rows no proof reaches go nowhere
    row, task = routing.margin_tasks(
        np.array(["CNY", "CNY"]), np.array([2500, 2500]), np.array([T0 + 9 * DAY + 300, T0 + 9 * DAY + 1000])
    )
    assert row.tolist() == [0] and task.tolist() == [
        plan.proof_task[0]
    ]  # within ten minutes after the segment
