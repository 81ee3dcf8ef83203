"""The run: build the world, run every attack, print the tables and the findings."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from . import cases as C
from .dup_attacks import run_dup_attacks
from .log_attacks import Ctx, run_log_attacks
from .printed import run_printed
from .world import build_shop

COLS = [
    ("cases", None),
    ("detected", C.DETECTED),
    ("genuine ok", C.GENUINE_OK),
    ("MISSED", C.SILENT),
    ("false alarm", C.FALSE_ALARM),
    ("crash", C.CRASH),
    ("wrong msg", C.WRONG),
    ("leak", C.LEAK),
    ("doc limit", C.LIMIT),
]


def run(seed: int, root: Path) -> list[C.Case]:
    """Every case of one seed, in folders under ``root``."""
    t0 = time.monotonic()
    a = build_shop(root, "shopA", seed, full=True)
    b = build_shop(root, "shopB", seed, full=False)
    print(
        f"seed {seed}: world built in {time.monotonic() - t0:.0f} s ({len(a.dups)} + {len(b.dups)} duplicates) in {root}",
        flush=True,
    )
    cases: list[C.Case] = []
    cases += run_log_attacks(Ctx(a, b, root / "attacks", seed))
    print(f"  log attacks done at {time.monotonic() - t0:.0f} s", flush=True)
    cases += run_dup_attacks(a, b, root / "attacks", seed)
    print(f"  duplicate attacks done at {time.monotonic() - t0:.0f} s", flush=True)
    cases += run_printed(a, b)
    print(f"  printed outputs done at {time.monotonic() - t0:.0f} s", flush=True)
    return cases


def table(cases: list[C.Case]) -> str:
    by: dict[str, list[C.Case]] = defaultdict(list)
    for c in cases:
        by[c.category].append(c)
    head = f"{'category':<18}" + "".join(f"{n:>12}" for n, _ in COLS)
    lines = [head, "-" * len(head)]
    total = defaultdict(int)
    for cat in sorted(by):
        row = f"{cat:<18}"
        for n, o in COLS:
            v = len(by[cat]) if o is None else sum(1 for c in by[cat] if c.outcome == o)
            total[n] += v
            row += f"{v:>12}"
        lines.append(row)
    lines.append("-" * len(head))
    lines.append(f"{'total':<18}" + "".join(f"{total[n]:>12}" for n, _ in COLS))
    return "\n".join(lines)


def findings(cases: list[C.Case]) -> str:
    out = []
    for c in cases:
        if c.finding:
            out.append(
                f"- [{c.outcome}] {c.category} / {c.name}: {c.detail}\n    doc: {c.doc}\n    repro: {' ; '.join(c.repro)}\n    kept: {c.folder}"
            )
    return "\n".join(out) if out else "(none)"


def limits(cases: list[C.Case]) -> str:
    return (
        "\n".join(f"- {c.category} / {c.name}: {c.detail}" for c in cases if c.outcome == C.LIMIT) or "(none)"
    )
