"""Clean room 4: hostile and self-contradicting proofs against a realistic two-shop journal.

    PYTHONPATH=$PWD/src python benchmarks/bench_cleanroom4.py --seed 1 [--proofs 2000] [--txns 20000] [--markdown]

Prints the headline (hostile proofs matched, precision, recall), then one row per category.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom4 import build, headline, render, run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--txns", type=int, default=20000)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument(
        "--hostile", type=float, default=None, help="share of hostile proofs (default 0.38, as SHARES)"
    )
    ap.add_argument("--out", type=Path, default=None, help="folder for the proof files and results.csv")
    ap.add_argument("--show", type=int, default=0, help="print up to N wrong matches")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        sc = build(args.seed, args.proofs, args.txns, folder, args.hostile)
        df = run(sc)
        if args.out:
            df.to_csv(args.out / "results.csv", index=False)
    print(f"clean room 4, seed {args.seed}: {len(df)} proofs against {len(sc.world.journal)} transactions")
    for line in headline(df):
        print(line)
    print()
    print(render(df, args.markdown))
    if args.show:
        bad = df[df.wrong].head(args.show)
        for r in bad.itertuples():
            print(
                f"{r.proof_id} {r.form}: -> {r.txn_id} (truth {r.truth}, target {r.target}) {r.confidence} {r.reason} | oracle: {r.why}"
            )
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in sc.timings.items())
    print(f"\n{timing}; total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
