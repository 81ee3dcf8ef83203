"""Clean-room intake campaign (issue #18): every reader against inputs the project did not shape.

Writers in ``benchmarks/cleanroom_intake`` render known transactions in each format from the
formats' public descriptions only (the samples' FORMATS.md, the field guide's quoted wordings, the
user docs), then a hostile campaign varies them (legal but unusual) and damages them. Each case is
read through the public API and classified: read right, lossy, refused with a typed error (naming the
place or not), SILENTLY WRONG (a value differs, a damaged input accepted, a card number leaked),
untyped crash, slow. Reproducers of the bad cases are written to ``--out``.

    python benchmarks/bench_cleanroom_intake.py --seed 1 --seed 2 --cases 1500
    python benchmarks/bench_cleanroom_intake.py --format mt940 --format ofx1 --list
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cleanroom_intake.campaign import all_pairs
from cleanroom_intake.runner import findings, load, run, table
from cleanroom_intake.writers import FORMATS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, action="append", help="seed (repeatable; default 1)")
    ap.add_argument(
        "--cases", type=int, default=None, help="cases per seed (default: one per format x variant)"
    )
    ap.add_argument(
        "--format", action="append", choices=sorted(FORMATS), help="only these formats (repeatable)"
    )
    ap.add_argument(
        "--out", default=None, help="folder for reproducers and results.jsonl (default: a temp folder)"
    )
    ap.add_argument("--list", action="store_true", help="list the format x variant pairs and exit")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument(
        "--report", metavar="DIR", help="print the table of an earlier run (its --out folder) and exit"
    )
    args = ap.parse_args(argv)
    if args.list:
        for f, c, v in all_pairs():
            if not args.format or f in args.format:
                print(f"{f:<18} {c:<8} {v}")
        return 0
    if args.report:
        summary = load(args.report)
        print(f"clean-room intake (from {args.report}/results.jsonl): {summary['total']} cases")
        print(table(summary))
        print()
        print(findings(summary) or "  none")
        return 0
    seeds = args.seed or [1]
    out = args.out or os.path.join("/tmp", f"rk-cleanroom-intake-{'-'.join(map(str, seeds))}")
    summary = run(seeds, args.cases, out, args.format, progress=not args.quiet)
    print(f"clean-room intake: {summary['total']} cases, seeds {seeds}, {summary['seconds']:.0f} s")
    print(table(summary))
    print()
    print("bad cases (status, format, variant, count, first detail, reproducer stem in " + out + "):")
    print(findings(summary) or "  none")
    print()
    print("slowest: " + ", ".join(f"{name} {s:.1f} s" for s, name in summary["slowest"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
