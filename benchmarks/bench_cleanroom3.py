"""Clean-room evaluation 3 of receiptkit's matcher (public API only; generator written from the field guide).

PYTHONPATH=$PWD/src python benchmarks/bench_cleanroom3.py --seed 1 [--proofs 2000] [--txns 20000] [--elsewhere 0.06] [--markdown]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom3 import run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--txns", type=int, default=20000)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument(
        "--elsewhere", type=float, default=0.06, help="share of proofs of payments made in other shops"
    )
    ap.add_argument(
        "--fx",
        default=None,
        help='a billing rate the shop configures, JOURNAL:PROOF=rate (proof units per journal unit), e.g. "CNY:HKD=1.087" (default: none)',
    )
    ap.add_argument("--keep", default=None, help="write the journal and proof files to this folder")
    a = ap.parse_args(argv)
    print(run(a.seed, a.proofs, a.txns, markdown=a.markdown, keep=a.keep, elsewhere=a.elsewhere, fx=a.fx))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
