"""The counter sees what the month sees: ``find`` with and without the clock offsets ``reconcile`` keeps.

Run: ``.venv/bin/python benchmarks/bench_find_learned.py [--folder receiptkit-demo]``

Reads the demo's journal.csv and proofs.csv (written by ``receiptkit demo``; made here in a
temporary folder when ``--folder`` is not given), reconciles every proof as ``receiptkit reconcile
--fx HKD:CNY=0.92`` does, keeps what it learned (:func:`receiptkit.save_learned`, with the rows each
offset was learned from, as reconcile keeps them), then looks every
proof that reconcile matched up again one at a time with :func:`receiptkit.find`, as the counter
does: once with a plain index, once with the kept offsets and aliases. Prints the verdict counts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import receiptkit as rk


def measure(folder: Path) -> None:
    journal = rk.read_journal(folder / "journal.csv")
    proofs = rk.read_proofs(folder / "proofs.csv")
    policy = rk.MatchPolicy(fx_rates={("HKD", "CNY"): Decimal("0.92")})  # as the demo
    rec = rk.reconcile(proofs, journal, policy=policy)
    matched = rec.result[rec.result["status"] == "matched"]
    with tempfile.TemporaryDirectory() as tmp:
        # the rows each offset was learned from, as reconcile keeps them (learned file version 4)
        learned = rk.save_learned(Path(tmp) / "learned.json", rec.result, journal=journal)
    print(f"reconcile: {len(proofs)} proofs, {len(matched)} matched; learned {learned.describe()}")
    for label, index in (("plain index", rk.JournalIndex(journal)), ("kept offsets", learned.index(journal))):
        counts: dict[str, int] = {}
        same = 0
        start = time.perf_counter()
        for proof_id, txn_id in zip(matched["proof_id"], matched["txn_id"], strict=True):
            one = rec.proofs[rec.proofs["proof_id"] == proof_id]
            verdict = rk.find(index, one, policy=policy).attrs["verdict"]
            counts[verdict["status"]] = counts.get(verdict["status"], 0) + 1
            same += int(verdict["status"] == "matched" and verdict["txn_id"] == txn_id)
        took = time.perf_counter() - start
        print(
            f"find with {label}: of {len(matched)} proofs reconcile matched, "
            + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            + f"; {same} matched to the same transaction ({took:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=None, help="a `receiptkit demo` output folder")
    args = parser.parse_args()
    if args.folder is not None:
        measure(args.folder)
        return
    from receiptkit.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        run_demo(Path(tmp), slips=0)
        measure(Path(tmp))


if __name__ == "__main__":
    main()
