"""Run the benchmarks and print their figures: ``make bench`` (or ``python benchmarks/run.py``).

Both evaluations of the matcher come from this one command, each followed by a
summary of the two:

- the package's own benchmark (``bench_matching.py``: the seeded generator of
  :mod:`receiptkit.datasets`, an oracle that knows its noise, naive and
  recordlinkage side by side);
- the clean-room evaluation (``bench_cleanroom.py``: scenarios written from the
  field description by someone who had not read the matcher, per category, beside
  naive, recordlinkage and splink when installed).

``--quick``: the two evaluations only, at small sizes (the package benchmark on
seeds 11 and 21, the clean-room one on seed 1 with receiptkit and the naive
baseline). ``--large``: the 1M-row speed runs as well (``bench_matching.py
--large``, ``bench_cleanroom.py --large``). Without flags every ``bench_*.py``
runs, the two evaluations at their default sizes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVALUATIONS = ("bench_matching.py", "bench_cleanroom.py")


def _arguments(script: str, quick: bool, large: bool) -> list[str]:
    if script == "bench_matching.py":
        return (["--quick", "--seeds", "11,21"] if quick else []) + (["--large"] if large else [])
    if script == "bench_cleanroom.py":
        if large:
            return ["--large"]
        return ["--seed", "1", "--methods", "receiptkit,naive"] if quick else ["--seed", "1", "--seed", "2"]
    return []


def _run(script: str, arguments: list[str]) -> tuple[int, str]:
    """Run one benchmark, echoing its output as it comes; return its status and output."""
    print(f"\n#### {script} {' '.join(arguments)}".rstrip(), flush=True)
    process = subprocess.Popen(
        [sys.executable, str(HERE / script), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        lines.append(line)
    sys.stdout.flush()
    return process.wait(), "".join(lines)


_PACKAGE_ROWS = re.compile(
    r"^(== quality.*|== speed.*|\s*receiptkit.*|matched\s.*|wrong matches.*|precision %.*|recall on sufficient %.*"
    r"|recall on one-fit %.*|ambiguous %.*|bulk match.*|index build.*)$"
)
_CLEANROOM_ROWS = re.compile(
    r"^(seed \d+:.*|category .*|all\s.*|all elsewhere.*|\| \*\*all.*|.*read_journal.*|.*speed.*)$"
)


def summary(script: str, output: str) -> list[str]:
    """The lines of a benchmark's output that say how the matcher did."""
    pattern = _PACKAGE_ROWS if script == "bench_matching.py" else _CLEANROOM_ROWS
    return [line for line in output.splitlines() if pattern.match(line)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    quick, large = "--quick" in args, "--large" in args
    scripts = list(EVALUATIONS) if quick else sorted(p.name for p in HERE.glob("bench_*.py"))
    status = 0
    outputs = {}
    for script in scripts:
        code, output = _run(script, _arguments(script, quick, large))
        status |= code
        if script in EVALUATIONS:
            outputs[script] = output
    print("\n#### summary of both evaluations")
    for script in EVALUATIONS:
        print(f"\n{script}:")
        lines = summary(script, outputs.get(script, ""))
        print("\n".join(lines) if lines else "  (no figures: see its output above)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
