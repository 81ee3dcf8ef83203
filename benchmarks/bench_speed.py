"""Speed of the bulk path, section by section, beside a named baseline: read Parquet, index, match.

Run: ``.venv/bin/python benchmarks/bench_speed.py [--rows 1000000] [--proofs 100000] [--repeat 3]
[--baseline REV | --baseline PATH]``

A journal and proofs from :mod:`receiptkit.datasets` (every scenario: foreign cards and their
converted amounts, hour counters, clock jumps...) are written to Parquet once in a temporary
folder. Each run is a fresh process that times ``read_journal`` of the Parquet file,
``JournalIndex`` and ``match``, wall and CPU seconds each, after reading a small file once (the
imports are not timed; the first ``match`` of a process still pays its own lazy imports, as a
user's does). ``--baseline``: a git revision of this repository (exported with ``git archive``),
or a folder holding another ``receiptkit`` package, which runs alternately with this tree's so
that both see the same load; the table gives the medians, the ratios this tree / baseline, and
whether the two gave the same verdicts (status, txn_id, reason, confidence to 1e-9).

On a shared machine compare the CPU seconds (and give ``uptime``): wall times follow the load.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("read", "index", "match")


def _child(folder: Path, out: Path) -> None:
    """One timed run (in a fresh process whose ``receiptkit`` is the tree under test)."""
    import receiptkit as rk

    with open(folder / "data.pkl", "rb") as f:
        proofs, policy = pickle.load(f)
    rk.read_journal(folder / "warm.parquet")  # imports of the reading path
    times = {}
    t, c = time.perf_counter(), time.process_time()
    journal = rk.read_journal(folder / "journal.parquet")
    times["read"] = (time.perf_counter() - t, time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    index = rk.JournalIndex(journal)
    times["index"] = (time.perf_counter() - t, time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    result = rk.match(proofs, index, policy=policy)
    times["match"] = (time.perf_counter() - t, time.process_time() - c)
    verdicts = result[["proof_id", "txn_id", "status", "reason", "confidence"]].astype(object)
    with open(out, "wb") as f:
        pickle.dump({"times": times, "verdicts": verdicts}, f)


def _generate(folder: Path, rows: int, proofs: int, seed: int) -> None:
    from receiptkit import MatchPolicy
    from receiptkit.datasets import SCENARIOS, make_dataset

    t = time.perf_counter()
    data = make_dataset(n_transactions=rows, n_proofs=proofs, seed=seed, scenarios=tuple(SCENARIOS))
    data.journal.to_parquet(folder / "journal.parquet", index=False)
    data.journal.head(1000).to_parquet(folder / "warm.parquet", index=False)
    with open(folder / "data.pkl", "wb") as f:
        pickle.dump((data.proofs, MatchPolicy(fx_rates=data.fx_rates)), f)
    print(
        f"{len(data.journal):,} journal rows, {len(data.proofs):,} proofs (seed {seed}, scenarios "
        f"{', '.join(SCENARIOS)}): generated and written in {time.perf_counter() - t:.1f} s"
    )


def _export(revision: str, folder: Path) -> Path:
    """``src`` of a git revision, exported into ``folder``."""
    archive = folder / "baseline.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), revision, "src"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "baseline", filter="data")
    return folder / "baseline" / "src"


def _run(src: Path, folder: Path, out: Path) -> dict:
    """One run of :func:`_child` in a fresh process importing ``receiptkit`` from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, __file__, "--child", str(folder), str(out)], check=True, env=env)
    with open(out, "rb") as f:
        return pickle.load(f)


def _same(a, b) -> bool:
    import numpy as np

    if len(a) != len(b):
        return False
    for column in ("proof_id", "txn_id", "status", "reason"):
        if [str(x) for x in a[column]] != [str(x) for x in b[column]]:
            return False
    x, y = a["confidence"].to_numpy(float), b["confidence"].to_numpy(float)
    return bool(np.all(np.abs(x - y) <= 1e-9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline",
        help="a git revision to compare with (its src, exported), or a folder holding a receiptkit",
    )
    parser.add_argument("--json", action="store_true", help="print the medians as JSON as well")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="rk-speed-") as tmp:
        folder = Path(tmp)
        _generate(folder, args.rows, args.proofs, args.seed)
        trees = {"this tree": ROOT / "src"}
        if args.baseline:
            given = Path(args.baseline)
            trees[f"baseline {args.baseline}"] = given if given.is_dir() else _export(args.baseline, folder)
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for k in range(args.repeat):
            for name, src in trees.items():  # alternating: both trees see the same load
                runs[name].append(_run(src, folder, folder / f"run{k}.pkl"))
        medians = {
            name: {
                s: tuple(statistics.median(r["times"][s][i] for r in rs) for i in (0, 1)) for s in SECTIONS
            }
            for name, rs in runs.items()
        }
        print(f"median of {args.repeat} runs, seconds (wall / CPU); load: {os.getloadavg()[0]:.2f} (1 min)")
        print(f"{'':24}" + "".join(f"{s:>16}" for s in (*SECTIONS, "total")))
        for name, m in medians.items():
            total = (sum(m[s][0] for s in SECTIONS), sum(m[s][1] for s in SECTIONS))
            cells = [f"{m[s][0]:7.2f} /{m[s][1]:6.2f}" for s in SECTIONS] + [
                f"{total[0]:7.2f} /{total[1]:6.2f}"
            ]
            print(f"{name:24}" + "".join(f"{c:>16}" for c in cells))
        if args.baseline:
            mine, base = medians["this tree"], medians[f"baseline {args.baseline}"]
            ratios = [mine[s][1] / base[s][1] for s in SECTIONS]
            ratios.append(sum(mine[s][1] for s in SECTIONS) / sum(base[s][1] for s in SECTIONS))
            print(f"{'CPU ratio tree/baseline':24}" + "".join(f"{r:>16.2f}" for r in ratios))
            same = _same(runs["this tree"][-1]["verdicts"], runs[f"baseline {args.baseline}"][-1]["verdicts"])
            print(f"same verdicts as the baseline: {'yes' if same else 'NO'}")
        if args.json:
            print(json.dumps(medians))


if __name__ == "__main__":
    main()
