"""What the batch's estimates cost ``match_dask``: the first pass (per-proof numbers) against the matching pass.

``match_dask`` runs the first half of ``match`` in every task to gather the numbers the batch's estimates need
(:mod:`receiptkit.matching.batch`), then matches every task with them (docs/scale.md). This times both passes
on the synchronous scheduler (one task at a time, so the times add up; CPU seconds of this process, as the
machine may be shared) and checks the result equals ``match``::

    python benchmarks/bench_scale_estimates.py --transactions 100000 --proofs 20000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import dask

import receiptkit as rk
import receiptkit.scale.runner as runner
from receiptkit.datasets import make_dataset


def _timed(spent: dict[str, float], name: str) -> None:
    inner: Callable[..., Any] = getattr(runner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - start

    setattr(runner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--proofs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    spent = {"_inputs_partition": 0.0, "_match_partition": 0.0}
    for name in spent:
        _timed(spent, name)
    data = make_dataset(n_transactions=args.transactions, n_proofs=args.proofs, seed=args.seed)
    start = time.process_time()
    expected = rk.match(data.proofs, data.journal)
    single = time.process_time() - start
    with dask.config.set(scheduler="sync"):
        start = time.process_time()
        planned = runner.plan_dask(data.proofs, data.journal)
        planning = time.process_time() - start
        start = time.process_time()
        got = planned.result.compute().sort_index()
        computing = time.process_time() - start
    columns = ("proof_id", "status", "txn_id", "confidence", "reason", "n_candidates")
    same = all(list(got[c]) == list(expected[c]) for c in columns)
    attrs = {
        k: expected.attrs[k] for k in ("coincidence", "prior_absent", "fx_rates_learned", "merchant_aliases")
    }
    first, second = spent["_inputs_partition"], spent["_match_partition"]
    print(f"journal {len(data.journal):,} rows, {len(data.proofs):,} proofs, {planned.plan.n_tasks} tasks")
    print(f"match in one process: {single:.2f} s")
    print(f"plan_dask: {planning:.2f} s, of which the estimates' pass {first:.2f} s")
    print(f"compute: {computing:.2f} s, of which the matching pass {second:.2f} s")
    print(f"estimates' pass / matching pass: {first / max(second, 1e-9):.2f}")
    print(f"equal to match: {same}; attrs equal: {got.attrs == attrs}")


if __name__ == "__main__":
    main()
