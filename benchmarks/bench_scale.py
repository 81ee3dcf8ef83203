"""Bulk matching on dask: a generated journal from a Parquet folder, on a 2-worker LocalCluster.

    .venv/bin/python benchmarks/bench_scale.py                       # 10M journal rows, 1M proofs
    .venv/bin/python benchmarks/bench_scale.py --rows 1000000 --proofs 100000
    .venv/bin/python benchmarks/bench_scale.py --spill-limit 2GiB    # also: memory-limited workers

Large runs share the machine: run them under ``flock /tmp/receiptkit-bigrun.lock``.

Steps, each timed: generate the data (``make_dataset``) and write the journal as a
folder of Parquet files by date plus the proofs as one Parquet file; ``match_dask``
on a ``LocalCluster`` of 2 worker processes (peak memory per worker sampled from the
scheduler's heartbeats, results written to Parquet); the single-process
``receiptkit.match`` on the same files in a child process (its peak RSS from the OS);
the two results compared row for row. ``--spill-limit`` repeats the dask run with
workers limited to that much memory, so that they spill to disk instead of holding
everything.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

GIB = 1024**3


def _generate(rows: int, proofs: int, seed: int, folder: Path) -> dict:
    from receiptkit.datasets import make_dataset
    from receiptkit.scale import write_journal_parquet

    t = time.perf_counter()
    data = make_dataset(n_transactions=rows, n_proofs=proofs, seed=seed)
    generated = time.perf_counter() - t
    t = time.perf_counter()
    files = write_journal_parquet(data.journal, folder / "journal")
    data.proofs.to_parquet(folder / "proofs.parquet", index=False)
    (folder / "fx.json").write_text(json.dumps({f"{a}/{b}": str(r) for (a, b), r in data.fx_rates.items()}))
    return {
        "journal_rows": len(data.journal),
        "proofs": len(data.proofs),
        "files": len(files),
        "generate_s": round(generated, 1),
        "write_s": round(time.perf_counter() - t, 1),
    }


def _policy(folder: Path):
    from decimal import Decimal

    from receiptkit import MatchPolicy

    rates = json.loads((folder / "fx.json").read_text())
    return MatchPolicy(fx_rates={tuple(k.split("/")): Decimal(v) for k, v in rates.items()})


class _PeakMemory:
    """Samples each worker's process memory from the scheduler every half second."""

    def __init__(self, client) -> None:
        self.client = client
        self.peak: dict[str, int] = {}
        self.spilled = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for address, info in self.client.scheduler_info()["workers"].items():
                metrics = info.get("metrics", {})
                self.peak[address] = max(self.peak.get(address, 0), int(metrics.get("memory", 0)))
                spilled = metrics.get("spilled_bytes", {}).get("disk", 0)
                self.spilled = max(self.spilled, int(spilled))
            self._stop.wait(0.5)

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _dask_run(folder: Path, memory_limit: str, out: Path, partition_rows: int) -> dict:
    from distributed import Client, LocalCluster

    from receiptkit.scale import RESULT_PARQUET_SCHEMA, plan_dask

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit=memory_limit,
        local_directory=str(folder / "dask-spill"),
        env={"ARROW_DEFAULT_MEMORY_POOL": "system"},  # freed Arrow buffers go back to the OS (trimmed)
    )
    client = Client(cluster)
    try:
        with _PeakMemory(client) as memory:
            t = time.perf_counter()
            planned = plan_dask(
                str(folder / "proofs.parquet"),
                folder / "journal",
                policy=_policy(folder),
                partition_rows=partition_rows,
            )
            planning = time.perf_counter() - t
            planned.result.to_parquet(out, write_index=True, schema=RESULT_PARQUET_SCHEMA)
            wall = time.perf_counter() - t
        return {
            "wall_s": round(wall, 1),
            "plan_s": round(planning, 1),
            "tasks": planned.plan.n_tasks,
            "groups": planned.plan.n_groups,
            "largest_task_cost": int(planned.plan.task_cost.max()) if planned.plan.n_tasks else 0,
            "peak_worker_gib": [round(v / GIB, 2) for v in memory.peak.values()],
            "spilled_to_disk_gib": round(memory.spilled / GIB, 2),
            "memory_limit": memory_limit,
        }
    finally:
        client.close()
        cluster.close()


def _single_child(folder: Path, out: Path) -> None:
    """Child process: the single-process matcher on the same files."""
    import pandas as pd

    import receiptkit as rk
    from receiptkit.scale import load_journal_parquet

    t = time.perf_counter()
    journal = load_journal_parquet(folder / "journal")
    proofs = pd.read_parquet(folder / "proofs.parquet")
    read = time.perf_counter() - t
    t = time.perf_counter()
    result = rk.match(proofs, journal, policy=_policy(folder))
    wall = time.perf_counter() - t
    result.attrs = {}
    result.to_parquet(out, index=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"read_s": round(read, 1), "match_s": round(wall, 1), "peak_gib": round(peak / GIB, 2)}))


def _single_run(folder: Path, out: Path) -> dict:
    t = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--single-child", str(folder), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        return {
            "failed": f"exit {child.returncode}",
            "stderr": child.stderr[-400:],
            "wall_s": time.perf_counter() - t,
        }
    return json.loads(child.stdout.strip().splitlines()[-1])


def _compare(single: Path, distributed: Path) -> dict:
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(single)
    b = pd.read_parquet(distributed).sort_index().reset_index(drop=True)
    same = {}
    for column in ("proof_id", "txn_id", "status", "n_candidates", "reason", "flags"):
        x, y = a[column].astype(object), b[column].astype(object)
        same[column] = int((x.where(x.notna(), None).to_numpy() != y.where(y.notna(), None).to_numpy()).sum())
    same["confidence_max_diff"] = float(np.abs(a["confidence"].to_numpy() - b["confidence"].to_numpy()).max())
    same["statuses"] = a["status"].value_counts().to_dict()
    return same


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--single-child":
        _single_child(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--generate-child":
        rows, proofs, seed = (int(v) for v in sys.argv[2:5])
        print(json.dumps(_generate(rows, proofs, seed, Path(sys.argv[5]))))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="journal sales (default 10M)")
    parser.add_argument("--proofs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/receiptkit-bench-scale"))
    parser.add_argument(
        "--memory-limit", default="9GiB", help="per worker in the main run (2 x 9 GiB on 24 GiB)"
    )
    parser.add_argument("--partition-rows", type=int, default=500_000)
    parser.add_argument("--spill-limit", default=None, help="repeat with workers limited to this (e.g. 2GiB)")
    parser.add_argument("--skip-single", action="store_true", help="do not run the single-process match")
    parser.add_argument("--reuse", action="store_true", help="reuse data already written in --folder")
    args = parser.parse_args()
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict[str, object] = {"machine": "2 cores, 24 GiB (shared)"}
    if args.reuse and (folder / "proofs.parquet").exists():
        figures["data"] = "reused"
    else:
        # in a child process, so that the generator's memory is returned before the runs
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--generate-child",
                str(args.rows),
                str(args.proofs),
                str(args.seed),
                str(folder),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        figures["data"] = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(figures), flush=True)
    figures["dask"] = _dask_run(folder, args.memory_limit, folder / "result-dask", args.partition_rows)
    print(json.dumps({"dask": figures["dask"]}), flush=True)
    if not args.skip_single:
        figures["single"] = _single_run(folder, folder / "result-single.parquet")
        print(json.dumps({"single": figures["single"]}), flush=True)
        if "match_s" in figures["single"]:
            figures["ratio_dask_to_single_wall"] = round(
                figures["dask"]["wall_s"] / figures["single"]["match_s"], 2
            )
            figures["equal"] = _compare(folder / "result-single.parquet", folder / "result-dask")
    if args.spill_limit:
        figures["spill"] = _dask_run(
            folder, args.spill_limit, folder / "result-spill", args.partition_rows // 4
        )
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
