"""Matching quality and speed on the seeded generator's data.

Run: ``.venv/bin/python benchmarks/bench_matching.py [--quick] [--large]``

Quality: precision of ``matched``, recall on proofs whose evidence is
sufficient (exactly one journal transaction is consistent with everything the
proof says, judged by an oracle below that knows the generator's noise bounds
and true clock offsets, and does not use the matcher), wrong matches, share
of ``ambiguous``, negatives correctly ``unmatched``; the same for a naive
pandas baseline (merge on amount, nearest time).
Speed: index build and median ``find`` on a large journal; bulk ``match``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import warnings

import numpy as np
import pandas as pd

from receiptkit.datasets import make_dataset
from receiptkit.matching import JournalIndex, MatchPolicy, find, match
from receiptkit.matching.text import merchant_similarity

warnings.simplefilter("ignore")

PHONE_ERROR_S = 46  # the generator's phone clock error bound


def sufficient(data) -> pd.Series:
    """Per positive proof: True when exactly one transaction fits all its evidence."""
    journal = data.journal
    ok = journal[journal["status"] == "approved"].copy()
    offsets = data.clock_offsets.reindex(ok["terminal_id"]).fillna(0).to_numpy()
    ok["true_ts"] = ok["ts"].dt.tz_convert("UTC") - pd.to_timedelta(offsets, unit="s")
    ok["side"] = np.where(ok["txn_type"].isin(["refund", "void"]), "credit", "debit")
    ok = ok[ok["txn_type"].isin(["sale", "completion", "refund", "void"])]
    proofs = data.proofs.merge(data.truth[["proof_id", "txn_id"]], on="proof_id")
    proofs = proofs[proofs["txn_id"].notna()]
    verdicts = {}
    by_amount = {k: g for k, g in ok.groupby(["currency", "amount_minor"])}
    hkd = ok[ok["currency"] == "HKD"]
    for _, p in proofs.iterrows():
        if (
            p["currency"] == "CNY"
            and p["kind"] == "bank_statement"
            and data.truth.set_index("proof_id").loc[p["proof_id"], "txn_id"] in set(hkd["txn_id"])
        ):
            cands = hkd[(p["amount_minor"] / (hkd["amount_minor"] * 0.92)).between(0.99, 1.027)]
        else:
            cands = by_amount.get((p["currency"], p["amount_minor"]), ok.iloc[:0])
        cands = cands[cands["side"] == p["direction"]]
        if pd.notna(p["ts"]):
            start = p["ts"] - pd.Timedelta(seconds=PHONE_ERROR_S)
            end = p["ts"] + pd.Timedelta(seconds=PHONE_ERROR_S + (59 if p["ts_precision"] == "minute" else 0))
            cands = cands[(cands["true_ts"] >= start) & (cands["true_ts"] <= end)]
        else:
            local = cands["true_ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
            first = p["date"] - pd.offsets.BDay(3)
            cands = cands[(local >= first) & (local <= p["date"])]
        if pd.notna(p["card_last4"]):
            cands = cands[cands["card_last4"].isna() | (cands["card_last4"] == p["card_last4"])]
        for field in ("wallet_txn_id", "order_no"):
            if pd.notna(p[field]):
                cands = cands[cands[field].notna() & cands[field].str.endswith(str(p[field]))]
        if pd.notna(p["reference"]):
            cands = cands[cands["rrn"] == p["reference"]]
        if pd.notna(p["merchant_text"]):
            cands = cands[[merchant_similarity(p["merchant_text"], n) >= 85 for n in cands["merchant_name"]]]
        verdicts[p["proof_id"]] = len(cands) == 1 and cands["txn_id"].iloc[0] == p["txn_id"]
    return pd.Series(verdicts, name="sufficient")


def quality(result: pd.DataFrame, data, suff: pd.Series) -> dict[str, float]:
    checked = result.merge(data.truth[["proof_id", "txn_id"]], on="proof_id", suffixes=("", "_true"))
    matched = checked[checked["status"] == "matched"]
    wrong = int((matched["txn_id"] != matched["txn_id_true"]).sum())
    positives = checked[checked["txn_id_true"].notna()]
    enough = positives[positives["proof_id"].map(suff).fillna(False).astype(bool)]
    negatives = checked[checked["txn_id_true"].isna()]
    return {
        "proofs": len(checked),
        "matched": len(matched),
        "wrong matches": wrong,
        "precision %": 100.0 * (1 - wrong / max(len(matched), 1)),
        "sufficient proofs": len(enough),
        "recall on sufficient %": 100.0 * float(_right(enough).mean()) if len(enough) else float("nan"),
        "recall on all positives %": 100.0 * float(_right(positives).mean()),
        "ambiguous %": 100.0 * float((checked["status"] == "ambiguous").mean()),
        "negatives unmatched %": 100.0 * float((negatives["status"] == "unmatched").mean())
        if len(negatives)
        else float("nan"),
    }


def _right(frame: pd.DataFrame) -> pd.Series:
    return (frame["status"] == "matched") & (frame["txn_id"] == frame["txn_id_true"])


def naive_baseline(proofs: pd.DataFrame, journal: pd.DataFrame) -> pd.DataFrame:
    """Merge on amount and currency, take the nearest time: what a spreadsheet user would do."""
    ok = journal[journal["status"] == "approved"][["txn_id", "amount_minor", "currency", "ts"]].rename(
        columns={"ts": "txn_ts"}
    )
    p = proofs[["proof_id", "amount_minor", "currency", "ts", "date"]].copy()
    p["when"] = p["ts"].fillna(pd.to_datetime(p["date"]).dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC"))
    merged = p.merge(ok, on=["amount_minor", "currency"], how="left")
    merged["gap"] = (merged["txn_ts"] - merged["when"]).abs()
    merged = merged.sort_values(["proof_id", "gap", "txn_id"]).drop_duplicates("proof_id")
    merged["status"] = np.where(merged["txn_id"].notna(), "matched", "unmatched")
    return proofs[["proof_id"]].merge(merged[["proof_id", "txn_id", "status"]], on="proof_id", how="left")


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--large", action="store_true", help="also 1M-row journal speed runs")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}")

    n_txn, n_proofs = (20_000, 2_000) if args.quick else (100_000, 10_000)
    data = make_dataset(n_transactions=n_txn, n_proofs=n_proofs, seed=11)
    policy = MatchPolicy(fx_rates=data.fx_rates)
    t0 = time.perf_counter()
    result = match(data.proofs, data.journal, policy=policy)
    elapsed = time.perf_counter() - t0
    suff = sufficient(data)
    print(f"\n== quality: {len(data.journal)} transactions, {len(data.proofs)} proofs (seed 11)")
    rows = {
        "receiptkit": quality(result, data, suff),
        "naive merge": quality(naive_baseline(data.proofs, data.journal), data, suff),
    }
    print(pd.DataFrame(rows).round(2).to_string())
    print(f"receiptkit match time: {elapsed:.2f} s")
    offsets = result.attrs["clock_offsets"].join(data.clock_offsets.rename("true_offset_s"))
    print("\nclock offsets found vs true:\n" + offsets.to_string())

    if args.large:
        print("\n== speed: 1M-row journal")
        t0 = time.perf_counter()
        big = make_dataset(n_transactions=1_000_000, n_proofs=100_000, seed=5, days=60)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        index = JournalIndex(big.journal)
        print(f"index build: {time.perf_counter() - t0:.2f} s")
        policy = MatchPolicy(fx_rates=big.fx_rates)
        times = []
        for k in range(200):
            one = big.proofs.iloc[[k]]
            t0 = time.perf_counter()
            find(index, one, policy=policy)
            times.append(time.perf_counter() - t0)
        print(
            f"find: median {1000 * np.median(times):.1f} ms, p95 {1000 * np.percentile(times, 95):.1f} ms (200 proofs)"
        )
        t0 = time.perf_counter()
        bulk = match(big.proofs, index, policy=policy)
        print(
            f"bulk match 100k proofs vs 1M journal: {time.perf_counter() - t0:.1f} s; peak RSS {peak_rss_gib():.2f} GiB"
        )
        print(bulk["status"].value_counts().to_string())


if __name__ == "__main__":
    main()
