"""Clean room 5: a Hong Kong, a Shanghai and a Shenzhen shop of one chain in one journal, international cards,
FX statement lines, lost/replaced/closed terminals, counter input as staff type it, hostile proofs.

    python benchmarks/bench_cleanroom5.py --seed 0 [--proofs 2000] [--txns 20000] [--show K] [--keep DIR]

Seeds 0-3 were used while writing it; seeds >= 4 are for measurement.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom5.evaluate import problems, run, shops_line, table, wrong_matches


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, action="append", required=True)
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--txns", type=int, default=20000)
    ap.add_argument(
        "--show", type=int, default=0, help="list up to K wrong matches and K refusals/intake problems"
    )
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated files in DIR/seedN/")
    ap.add_argument(
        "--aliases",
        action="store_true",
        help="declare each shop's Latin descriptor and legal name as merchant_aliases (JournalIndex)",
    )
    a = ap.parse_args(argv)
    for seed in a.seed:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            work = (a.keep / f"seed{seed}") if a.keep else Path(tmp)
            r = run(seed, a.proofs, a.txns, work, declare_aliases=a.aliases)
        print(
            f"== clean room 5, seed {seed}: {len(r.proofs)} proofs, {len(r.world.journal)} journal rows over "
            f"{r.world.days} days{'; aliases declared' if a.aliases else ''}; {time.perf_counter() - t0:.1f} s "
            f"({', '.join(f'{k} {v:.1f}s' for k, v in r.timings.items())})"
        )
        print(f"   shops: {shops_line()}")
        print(table(r))
        print()
        print(table(r, key="terminal"))
        print(
            "   ident = identifiable (one-fit oracle); right/wrongG = genuine matched to its truth / another row; "
            "wrongH = hostile matched; prec = right/match; rec = right among identifiable / ident; fooled = hostile "
            "proofs that fit exactly one row here (the clerk is fooled too); nv = naive amount+day+last4 baseline; "
            "intake! = read differently from the text"
        )
        print(f"   learned by match: {r.learned}")
        for f in r.findings:
            print(f"FINDING: {f}")
        if a.show:
            w = wrong_matches(r)
            print(f"\nwrong matches: {len(w)}")
            for line in w[: a.show]:
                print("  " + line)
            pr = problems(r)
            print(f"\nrefusals, crashes, intake differences ({len(pr)} kinds):")
            for line in pr[: a.show]:
                print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
