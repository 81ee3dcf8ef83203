"""Run every benchmark and print its figures: ``make bench`` (or ``python benchmarks/run.py``).

Pass ``--quick`` for a smoke run, ``--large`` for the 1M-row journal speed runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    args = sys.argv[1:]
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n#### {script.name}", flush=True)
        extra = [a for a in args if a in ("--quick", "--large")] if script.name == "bench_matching.py" else []
        status |= subprocess.call([sys.executable, str(script), *extra])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
