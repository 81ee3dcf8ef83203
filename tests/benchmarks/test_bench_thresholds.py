"""benchmarks/bench_thresholds.py: one match per threshold on clean room 3, and a stricter one matches fewer."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def test_a_stricter_threshold_matches_no_more_proofs(capsys) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_thresholds
    finally:
        sys.path.remove(str(BENCH))
    bench_thresholds.main(
        ["--seed", "3", "--proofs", "300", "--txns", "3000", "--thresholds", "0.985,0.995,0.999"]
    )
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [float(r[1]) for r in rows] == [0.985, 0.995, 0.999]
    matched = [int(r[2]) for r in rows]
    assert matched[0] > 0
    assert matched == sorted(matched, reverse=True)  # a higher bar never lets more through
    for r in rows:
        precision, recall, clerk = float(r[4]), float(r[5]), float(r[6])
        assert 0 <= precision <= 100 and 0 <= recall <= 100 and 0 < clerk <= 100
