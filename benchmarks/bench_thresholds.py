"""Precision and recall of ``matched`` at several ``match_threshold`` values, on clean room 3.

    PYTHONPATH=$PWD/src python benchmarks/bench_thresholds.py --seed 1 [--seed 2 ...]
        [--thresholds 0.985,0.99,0.995,0.999]

The data are clean room 3's (benchmarks/cleanroom3: written from the field guide by someone who had not read
the matcher; its one-fit oracle says which proofs a careful clerk could single out, and which proofs of payments
made elsewhere that clerk would match too, "fooled"). Each threshold is one ``rk.match`` with
``MatchPolicy(match_threshold=T)``. The last column is the clerk's own precision had it matched every proof it
singles out: identifiable / (identifiable + fooled), what a matcher with 100 % recall and no evidence beyond the
clerk's would reach. Used in docs/matching.md ("Is the target fair?"), never to tune defaults.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom3.evaluate import Generator, Oracle, build_world, read_all

import receiptkit as rk


def _batch(seed: int, n_proofs: int, n_txns: int):
    world = build_world(seed, n_txns)
    specs = Generator(world, seed).batch(n_proofs, 0.06)
    oracle = Oracle(world.txns)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        world.journal_frame().to_csv(folder / "journal.csv", index=False)
        journal = rk.read_journal(str(folder / "journal.csv"))
        proofs, _ = read_all(rk, specs, folder / "proofs")
    truth, ident, fooled = {}, set(), 0
    for spec in specs:
        fit = oracle.fitting(spec.ev)
        truth[spec.proof_id] = set(spec.truth or ())
        if spec.here and len(fit) == 1 and fit[0] in truth[spec.proof_id]:
            ident.add(spec.proof_id)
        fooled += int((not spec.here) and len(fit) == 1)
    return journal, proofs, truth, ident, fooled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, action="append")
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--txns", type=int, default=20000)
    ap.add_argument("--thresholds", default="0.985,0.99,0.995,0.999")
    a = ap.parse_args(argv)
    thresholds = [float(t) for t in a.thresholds.split(",")]
    print("seed  threshold  matched  false  precision %  recall of identifiable %  clerk precision %")
    for seed in a.seed or [1]:
        journal, proofs, truth, ident, fooled = _batch(seed, a.proofs, a.txns)
        clerk = 100 * len(ident) / max(len(ident) + fooled, 1)
        for t in thresholds:
            result = rk.match(proofs, journal, policy=rk.MatchPolicy(match_threshold=t))
            matched = result[result["status"] == "matched"]
            right = [
                str(x) in truth.get(str(p), set())
                for p, x in zip(matched["proof_id"], matched["txn_id"], strict=True)
            ]
            n_right = sum(right)
            hit = sum(1 for p, ok in zip(matched["proof_id"], right, strict=True) if ok and str(p) in ident)
            precision = 100 * n_right / max(len(matched), 1)
            recall = 100 * hit / max(len(ident), 1)
            print(
                f"{seed:>4}  {t:>9.3f}  {len(matched):>7}  {len(matched) - n_right:>5}  {precision:>11.2f}  "
                f"{recall:>24.1f}  {clerk:>17.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
