"""Slip rendering benchmark: per-slip time for ESC/POS, PDF and PNG, and 1,000 slips into one A4 PDF.

    .venv/bin/python benchmarks/bench_slips.py

Targets (issue #5): ESC/POS under 5 ms per slip; 1,000-slip A4 PDF under 10 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from receiptkit.datasets import make_dataset
from receiptkit.slip import Slip, write_a4_pdf


def per_slip_ms(func, slips, repeat: int = 3) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        for slip in slips:
            func(slip)
        best.append((time.perf_counter() - start) / len(slips) * 1000)
    return min(best)


def main() -> int:
    data = make_dataset(n_transactions=1000, n_proofs=10, seed=5)
    rows = [row for _, row in data.journal.iterrows()]
    start = time.perf_counter()
    slips = [
        Slip.from_transaction(row, verification=("ABCD-1234", "https://v.example/r/ABCD1234")) for row in rows
    ]
    build_ms = (time.perf_counter() - start) / len(slips) * 1000
    templates = {s.template for s in slips}
    sample = slips[:200]
    slips[0].to_pdf(), slips[0].to_png(), slips[0].to_escpos()  # warm: font loading, imports
    print(f"slips: {len(slips)} generated rows, templates {sorted(templates)}")
    print(f"build Slip.from_transaction : {build_ms:7.2f} ms/slip")
    print(
        f"ESC/POS to_escpos()         : {per_slip_ms(lambda s: s.to_escpos(), sample):7.2f} ms/slip (target < 5)"
    )
    print(f"PDF roll to_pdf()           : {per_slip_ms(lambda s: s.to_pdf(), sample[:100], 1):7.2f} ms/slip")
    print(f"PNG to_png()                : {per_slip_ms(lambda s: s.to_png(), sample[:100], 1):7.2f} ms/slip")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a4.pdf"
        start = time.perf_counter()
        count = write_a4_pdf((s for s in slips), path)
        seconds = time.perf_counter() - start
        size = path.stat().st_size / 1e6
    print(f"A4 PDF, {count} slips          : {seconds:7.2f} s (target < 10); {size:.1f} MB")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
