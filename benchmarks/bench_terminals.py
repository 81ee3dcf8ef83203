"""Rebuilding a lost terminal's journal: ``merge_journals`` speed, memory and link quality.

    .venv/bin/python benchmarks/bench_terminals.py            # 10,000 and 50,000 transactions
    .venv/bin/python benchmarks/bench_terminals.py --quick    # 2,000, a smoke run

For each size, a fresh process generates one terminal's year (a coffee-shop menu of eight prices
sold all day, so amounts repeat hundreds of times a day; 70 % card, 30 % WeChat Pay) and three
sources of it, as they arrive after a loss:

- the acquirer's detail: every card transaction, host clock, RRN and voucher number;
- the terminal's last back-office export: the first 60 % of the year, clock 45 s fast, the RRN
  missing on one card row in ten (voucher number only), the WeChat number on every other wallet row;
- the WeChat Pay merchant bill: every wallet transaction, server clock 2 s slow.

It times ``merge_journals([acquirer, terminal, wechat])``, the peak resident memory it adds
(Linux ``VmHWM``, reset through ``/proc/self/clear_refs``), and checks every merged row against
the generator's truth: **wrong** links (one merged row holding two different transactions) and
**missed** links (one transaction left in two rows). Then it marks the transactions after a loss
at 80 % of the year and writes the after-loss list (``loss_activity`` + ``write_activity`` .xlsx).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TID = "12345678"
PRICES = (2500, 2800, 3200, 3650, 1990, 2500, 2500, 6000)


def _kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


def _sources(n: int, seed: int = 11):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01 08:00", tz="Asia/Shanghai")
    day = rng.integers(0, 365, size=n)
    second = rng.integers(0, 12 * 3600, size=n)
    ts = (start + pd.to_timedelta(day, unit="D") + pd.to_timedelta(second, unit="s")).sort_values()
    truth = np.arange(n)
    card = rng.random(n) < 0.7
    amount = np.array(PRICES)[rng.integers(0, len(PRICES), size=n)]
    stan = np.array([f"{i % 999999 + 1:06d}" for i in range(n)])
    batch = np.array([f"{d:06d}" for d in (ts.dayofyear.to_numpy())])
    rrn = np.array([f"6{i:011d}" for i in range(n)])
    wallet = np.array([f"4200{i:024d}" for i in range(n)])
    base = pd.DataFrame(
        {
            "truth": truth,
            "ts": ts,
            "amount_minor": amount,
            "currency": "CNY",
            "txn_type": "sale",
            "status": "approved",
            "channel": np.where(card, "card", "wechat"),
            "terminal_id": TID,
            "card_last4": np.where(card, [f"{v:04d}" for v in rng.integers(0, 10000, size=n)], None),
            "rrn": np.where(card, rrn, None),
            "stan": stan,
            "batch_no": batch,
            "wallet_txn_id": np.where(card, None, wallet),
        }
    )
    acquirer = base[card].assign(txn_id=lambda f: "A" + f["truth"].astype(str))
    cut = int(n * 0.6)
    terminal = base.iloc[:cut].copy()
    terminal["ts"] = terminal["ts"] + pd.Timedelta(seconds=45)
    no_rrn = terminal["channel"].eq("card").to_numpy() & (np.arange(cut) % 10 == 0)
    terminal.loc[no_rrn, "rrn"] = None
    no_wallet = terminal["channel"].eq("wechat").to_numpy() & (np.arange(cut) % 2 == 0)
    terminal.loc[no_wallet, "wallet_txn_id"] = None
    terminal["txn_id"] = "T" + terminal["truth"].astype(str)
    wechat = base[~card].copy()
    wechat["ts"] = wechat["ts"] - pd.Timedelta(seconds=2)
    wechat[["rrn", "stan", "batch_no", "card_last4"]] = None
    wechat["txn_id"] = "W" + wechat["truth"].astype(str)
    frames = [f.drop(columns="truth").reset_index(drop=True) for f in (acquirer, terminal, wechat)]
    truths = [f["truth"].to_numpy() for f in (acquirer, terminal, wechat)]
    return frames, truths, ts


def _child(n: int) -> dict[str, float]:
    import numpy as np
    import pandas as pd

    from receiptkit.terminals import loss_activity, mark_after_loss, merge_journals, write_activity

    frames, truths, ts = _sources(n)
    ids = {}
    for label, frame, truth in zip(("acquirer", "terminal", "wechat"), frames, truths, strict=True):
        ids.update({(label, t): int(v) for t, v in zip(frame["txn_id"], truth, strict=True)})
    before = _kib("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    merged = merge_journals(frames, sources=["acquirer", "terminal", "wechat"])
    merge_s = time.perf_counter() - start
    merge_peak = _kib("VmHWM") - before
    links = merged.links
    links["truth"] = [ids[(s, t)] for s, t in zip(links["source"], links["source_txn_id"], strict=True)]
    wrong = int((links.groupby("txn_id")["truth"].nunique() > 1).sum())
    missed = int((links.groupby("truth")["txn_id"].nunique() > 1).sum())
    lost_at = ts[int(n * 0.8)]
    start = time.perf_counter()
    marked = mark_after_loss(merged.journal, {TID: lost_at})
    activity = loss_activity(marked, TID, {TID: lost_at})
    with tempfile.TemporaryDirectory() as folder:
        write_activity(activity, Path(folder) / "after-loss.xlsx")
    activity_s = time.perf_counter() - start
    offsets = merged.clock_offsets.set_index("source")["offset_s"].to_dict()
    return {
        "rows_in": int(sum(len(f) for f in frames)),
        "rows_out": len(merged.journal),
        "expected_out": len(np.unique(np.concatenate(truths))),
        "merge_s": round(merge_s, 2),
        "merge_peak_mib": round(merge_peak / 1024, 1),
        "wrong": wrong,
        "missed": missed,
        "conflicts": len(merged.conflicts),
        "terminal_offset_s": offsets["terminal"],
        "wechat_offset_s": offsets["wechat"],
        "after_loss": int(marked["after_loss"].sum()),
        "activity_s": round(activity_s, 2),
        "by": pd.Series(links["linked_by"]).value_counts().to_dict(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 transactions")
    parser.add_argument("--sizes", default="10000,50000", help="comma-separated transaction counts")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child), default=int))
        return 0
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(
        f"machine: {os.cpu_count()} cores; one terminal's year; three sources (acquirer, terminal export, WeChat bill)"
    )
    print(f"{'txns':>7} {'rows in':>8} {'rows out':>8} {'expected':>8} {'merge s':>8} {'+peak MiB':>9} "
          f"{'wrong':>5} {'missed':>6} {'term. off s':>11} {'wx off s':>8} {'after':>6} {'list s':>6}")  # fmt: skip
    for n in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{n:>7} {r['rows_in']:>8} {r['rows_out']:>8} {r['expected_out']:>8} {r['merge_s']:>8} "
            f"{r['merge_peak_mib']:>9} {r['wrong']:>5} {r['missed']:>6} {r['terminal_offset_s']:>11} "
            f"{r['wechat_offset_s']:>8} {r['after_loss']:>6} {r['activity_s']:>6}"
        )
        print(f"        linked by: {r['by']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
