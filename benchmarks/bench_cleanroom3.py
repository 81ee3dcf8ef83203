"""Clean-room evaluation 3 of receiptkit's matcher (public API only; generator written from the field guide).

PYTHONPATH=$PWD/src python benchmarks/bench_cleanroom3.py --seed 1 [--proofs 1500] [--txns 12000] [--markdown]
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
    ap.add_argument("--proofs", type=int, default=1500)
    ap.add_argument("--txns", type=int, default=12000)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--keep", default=None, help="write the journal and proof files to this folder")
    a = ap.parse_args(argv)
    print(run(a.seed, a.proofs, a.txns, markdown=a.markdown, keep=a.keep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
