"""Matching quality and speed on the seeded generator's data.

Run: ``.venv/bin/python benchmarks/bench_matching.py [--quick] [--seeds 11,21,22] [--large] [--huge]``

Quality, per seed: precision of ``matched``; recall on proofs whose evidence
is sufficient, judged by an oracle below that knows the generator's noise
bounds, true clock offsets and share of proofs with no transaction, and does
not use the matcher: exactly one transaction fits everything the proof says
*and* a payment made elsewhere would fit a stranger's transaction so rarely
that the oracle itself would be 99.9 % sure (the precision target); the same
recall split into proofs carrying a card last 4 or a reference and the rest;
recall on "one fit" proofs (the first condition alone, the yardstick of
earlier runs); wrong matches, share of ``ambiguous``, proofs with no
transaction correctly ``unmatched``; side by side in the same run: a naive
pandas baseline (merge on amount, nearest time) and recordlinkage (``pip
install -e ".[bench]"``) configured sensibly on the same data, with their run
times and ratios.

Speed: ``--large``: index build and ``find`` on a 1M-row journal, bulk
``match`` of 100k proofs against it. ``--huge``: bulk ``match`` of 1M proofs
against a 10M-row journal (about 9 GiB; run it as ``flock
/tmp/receiptkit-bigrun.lock ...`` on a shared machine).
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
from receiptkit.frames import clock_offsets
from receiptkit.matching import JournalIndex, MatchPolicy, find, match
from receiptkit.matching.text import merchant_similarity, normalise_merchant

warnings.simplefilter("ignore")

PHONE_ERROR_S = 46  # the generator's phone clock error bound


NEGATIVE_SHARE = 0.06  # the generator's share of proofs with no transaction (make_dataset's default)
RATE_WINDOW_S = 3600  # around a timed proof, where the oracle counts how often its amount is paid
RATE_WINDOW_DAYS = 7  # around a bank line's dates


def sufficient(data) -> pd.DataFrame:
    """Per positive proof, what an oracle knowing the generator's noise can tell.

    ``one_fit``: exactly one transaction fits all the proof's evidence, within
    the generator's bounds (phone clock error, bank lag) and the true terminal
    offsets. ``sufficient``: besides, a proof of a payment made elsewhere would
    fit a stranger's transaction so rarely that even this oracle would be
    99.9 % sure: with the generator's share of such proofs (6 %), the expected
    number of chance fits (the fitting transactions' rate around the proof,
    the true one left out, times the proof's window) must be below 1.6 %.
    The precision target is 99.9 %: a proof that fits its own sale only as
    well as a coincidence would is not enough to print a receipt on.
    """
    journal = data.journal
    ok = journal[journal["status"] == "approved"].copy()
    offsets = data.clock_offsets.reindex(ok["terminal_id"]).fillna(0).to_numpy()
    ok["true_ts"] = ok["ts"].dt.tz_convert("UTC") - pd.to_timedelta(offsets, unit="s")
    ok["local_day"] = ok["true_ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
    ok["side"] = np.where(ok["txn_type"].isin(["refund", "void"]), "credit", "debit")
    ok = ok[ok["txn_type"].isin(["sale", "completion", "refund", "void"])]
    proofs = data.proofs.merge(data.truth[["proof_id", "txn_id"]], on="proof_id")
    proofs = proofs[proofs["txn_id"].notna()]
    odds_needed = 0.999 / 0.001
    max_chance = (1 - NEGATIVE_SHARE) / (NEGATIVE_SHARE * odds_needed)
    rows = {}
    by_amount = {k: g for k, g in ok.groupby(["currency", "amount_minor"])}
    hkd = ok[ok["currency"] == "HKD"]
    hkd_ids = set(hkd["txn_id"])
    for _, p in proofs.iterrows():
        if p["currency"] == "CNY" and p["kind"] == "bank_statement" and p["txn_id"] in hkd_ids:
            cands = hkd[(p["amount_minor"] / (hkd["amount_minor"] * 0.92)).between(0.99, 1.027)]
        else:
            cands = by_amount.get((p["currency"], p["amount_minor"]), ok.iloc[:0])
        cands = cands[cands["side"] == p["direction"]]
        if pd.notna(p["card_last4"]):
            cands = cands[cands["card_last4"].isna() | (cands["card_last4"] == p["card_last4"])]
        for field in ("wallet_txn_id", "order_no"):
            if pd.notna(p[field]):
                cands = cands[cands[field].notna() & cands[field].str.endswith(str(p[field]))]
        if pd.notna(p["reference"]):
            cands = cands[cands["rrn"] == p["reference"]]
        if pd.notna(p["merchant_text"]):
            similar = [merchant_similarity(p["merchant_text"], n) >= 85 for n in cands["merchant_name"]]
            cands = cands[np.array(similar, dtype=bool)]
        # cands: every transaction that fits all but the time
        if pd.notna(p["ts"]):
            start = p["ts"] - pd.Timedelta(seconds=PHONE_ERROR_S)
            end = p["ts"] + pd.Timedelta(seconds=PHONE_ERROR_S + (59 if p["ts_precision"] == "minute" else 0))
            fits = cands[(cands["true_ts"] >= start) & (cands["true_ts"] <= end)]
            width, wide = (end - start).total_seconds() + 1, pd.Timedelta(seconds=RATE_WINDOW_S)
            around = cands[(cands["true_ts"] >= start - wide) & (cands["true_ts"] <= end + wide)]
            wide_width = width + 2 * RATE_WINDOW_S
        else:
            first = p["date"] - pd.offsets.BDay(3)
            fits = cands[(cands["local_day"] >= first) & (cands["local_day"] <= p["date"])]
            wide = pd.Timedelta(days=RATE_WINDOW_DAYS)
            around = cands[(cands["local_day"] >= first - wide) & (cands["local_day"] <= p["date"] + wide)]
            width = (p["date"] - first).days + 1
            wide_width = width + 2 * RATE_WINDOW_DAYS
        one_fit = len(fits) == 1 and fits["txn_id"].iloc[0] == p["txn_id"]
        chance = (len(around) - 1) * width / wide_width
        rows[p["proof_id"]] = (one_fit, one_fit and chance <= max_chance)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["one_fit", "sufficient"])


def quality(result: pd.DataFrame, data, suff: pd.Series) -> dict[str, float]:
    checked = result.merge(data.truth[["proof_id", "txn_id"]], on="proof_id", suffixes=("", "_true"))
    checked = checked.merge(
        data.proofs[["proof_id", "card_last4", "reference", "wallet_txn_id", "order_no"]], on="proof_id"
    )
    matched = checked[checked["status"] == "matched"]
    wrong = int((matched["txn_id"] != matched["txn_id_true"]).fillna(True).sum())
    positives = checked[checked["txn_id_true"].notna()]
    enough = positives[positives["proof_id"].map(suff["sufficient"]).fillna(False).astype(bool)]
    one_fit = positives[positives["proof_id"].map(suff["one_fit"]).fillna(False).astype(bool)]
    identified = enough[enough[["card_last4", "reference", "wallet_txn_id", "order_no"]].notna().any(axis=1)]
    negatives = checked[checked["txn_id_true"].isna()]
    return {
        "proofs": len(checked),
        "matched": len(matched),
        "wrong matches": wrong,
        "precision %": 100.0 * (1 - wrong / max(len(matched), 1)),
        "sufficient proofs": len(enough),
        "recall on sufficient %": _pct(_right(enough)),
        "  of them with a card/reference %": _pct(_right(identified)),
        "  amount+time(+merchant) only %": _pct(_right(enough.drop(identified.index))),
        "one-fit proofs (old yardstick)": len(one_fit),
        "recall on one-fit %": _pct(_right(one_fit)),
        "recall on all positives %": _pct(_right(positives)),
        "ambiguous %": 100.0 * float((checked["status"] == "ambiguous").mean()),
        "no-transaction proofs unmatched %": _pct(negatives["status"] == "unmatched"),
    }


def _pct(flags: pd.Series) -> float:
    return 100.0 * float(flags.mean()) if len(flags) else float("nan")


def _right(frame: pd.DataFrame) -> pd.Series:
    same = (frame["txn_id"] == frame["txn_id_true"]).fillna(False).astype(bool)
    return (frame["status"] == "matched").fillna(False).astype(bool) & same


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


def recordlinkage_baseline(proofs: pd.DataFrame, journal: pd.DataFrame) -> pd.DataFrame | None:
    """recordlinkage configured as one would for this job.

    Blocking on (currency, amount, local day) for timed proofs and on
    (currency, amount) within the bank lag for date-only lines; comparisons:
    time (gauss, 2 min offset, 5 min scale), day lag (linear, 3 days), card
    last 4, RRN, wallet and order numbers (exact), merchant name
    (Jaro-Winkler on names normalised the same way as receiptkit's). The
    unsupervised ECM classifier (Fellegi-Sunter, EM) gives match
    probabilities; each proof takes its most probable candidate when it is
    >= 0.5, one transaction per proof, best first.
    """
    try:
        import recordlinkage
    except ImportError:
        return None
    tz = "Asia/Shanghai"
    ok = journal[(journal["status"] == "approved") & journal["txn_type"].isin(["sale", "refund"])].copy()
    ok["minute"] = ok["ts"].dt.tz_convert("UTC").astype("int64") // 60_000_000_000
    ok["day"] = (
        ok["ts"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize().astype("int64") // 86_400_000_000_000
    )
    ok["merchant"] = ok["merchant_name"].astype(str).map(normalise_merchant)
    ok["amount"] = ok["amount_minor"].astype(str) + ok["currency"].astype(str)
    a = proofs.copy()
    a["minute"] = (a["ts"].astype("int64") // 60_000_000_000).where(a["ts"].notna())
    a["day"] = pd.to_datetime(a["date"]).astype("int64") // 86_400_000_000_000
    a["merchant"] = a["merchant_text"].map(lambda t: normalise_merchant(t) if isinstance(t, str) else None)
    a["amount"] = a["amount_minor"].astype(str) + a["currency"].astype(str)
    a = a.set_index("proof_id")
    ok = ok.set_index("txn_id")
    for frame in (a, ok):
        for column in ("card_last4", "wallet_txn_id", "order_no", "merchant"):
            frame[column] = frame[column].astype(object)
    a["rrn"] = a["reference"].astype(object)
    ok["rrn"] = ok["rrn"].astype(object)
    timed = a[a["minute"].notna()]
    bank = a[a["minute"].isna()]
    parts = []
    if len(timed):
        parts.append(recordlinkage.Index().block(["amount", "day"]).index(timed, ok))
    if len(bank):
        pairs = recordlinkage.Index().block("amount").index(bank, ok)
        lag = (
            ok["day"].reindex(pairs.get_level_values(1)).to_numpy()
            - bank["day"].reindex(pairs.get_level_values(0)).to_numpy()
        )
        parts.append(pairs[(lag <= 0) & (lag >= -5)])
    pairs = parts[0].append(parts[1:]) if len(parts) > 1 else parts[0]
    compare = recordlinkage.Compare()
    compare.numeric("minute", "minute", method="gauss", offset=2, scale=5, missing_value=0, label="time")
    compare.numeric("day", "day", method="linear", offset=0, scale=3, missing_value=0, label="day")
    for column in ("card_last4", "rrn", "wallet_txn_id", "order_no"):
        compare.exact(column, column, missing_value=0, label=column)
    compare.string(
        "merchant", "merchant", method="jarowinkler", threshold=0.85, missing_value=0, label="merchant"
    )
    features = compare.compute(pairs, a, ok)
    binary = (features >= 0.5).astype(int)
    classifier = recordlinkage.ECMClassifier(binarize=None)
    classifier.fit(binary)
    prob = pd.Series(classifier.prob(binary), index=binary.index, name="p")
    best = pd.DataFrame(
        {
            "proof_id": prob.index.get_level_values(0),
            "txn_id": prob.index.get_level_values(1),
            "p": prob.to_numpy(),
        }
    ).sort_values(["p", "proof_id", "txn_id"], ascending=[False, True, True])
    best = best[best["p"] >= 0.5].drop_duplicates("proof_id").drop_duplicates("txn_id")
    best["status"] = "matched"
    out = proofs[["proof_id"]].merge(best[["proof_id", "txn_id", "status"]], on="proof_id", how="left")
    out["status"] = out["status"].fillna("unmatched")
    return out


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def quality_run(seed: int, n_txn: int, n_proofs: int, compare: bool) -> None:
    data = make_dataset(n_transactions=n_txn, n_proofs=n_proofs, seed=seed)
    policy = MatchPolicy(fx_rates=data.fx_rates)
    t0 = time.perf_counter()
    result = match(data.proofs, data.journal, policy=policy)
    elapsed = {"receiptkit": time.perf_counter() - t0}
    suff = sufficient(data)
    print(f"\n== quality: {len(data.journal)} transactions, {len(data.proofs)} proofs (seed {seed})")
    rows = {"receiptkit": quality(result, data, suff)}
    if compare:
        t0 = time.perf_counter()
        rows["naive merge"] = quality(naive_baseline(data.proofs, data.journal), data, suff)
        elapsed["naive merge"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        linked = recordlinkage_baseline(data.proofs, data.journal)
        if linked is None:
            print('(recordlinkage not installed: pip install -e ".[bench]")')
        else:
            rows["recordlinkage ECM"] = quality(linked, data, suff)
            elapsed["recordlinkage ECM"] = time.perf_counter() - t0
    table = pd.DataFrame(rows)
    table.loc["run time s"] = pd.Series(elapsed)
    table.loc["run time / receiptkit"] = pd.Series(elapsed) / elapsed["receiptkit"]
    print(table.round(2).to_string())
    if compare:
        offsets = clock_offsets(result).join(data.clock_offsets.rename("true_offset_s"))
        print("\nclock offsets found vs true:\n" + offsets.to_string())


def large_run() -> None:
    print("\n== speed: 1M-row journal (60 days), 100k proofs")
    t0 = time.perf_counter()
    big = make_dataset(n_transactions=1_000_000, n_proofs=100_000, seed=5, days=60)
    print(f"generated {len(big.journal)} rows in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    index = JournalIndex(big.journal)
    print(f"index build: {time.perf_counter() - t0:.2f} s")
    policy = MatchPolicy(fx_rates=big.fx_rates)
    t0 = time.perf_counter()
    find(index, big.proofs.iloc[[0]], policy=policy)
    print(f"first find (sorts the reference columns once): {1000 * (time.perf_counter() - t0):.0f} ms")
    times = []
    for k in range(1, 201):
        one = big.proofs.iloc[[k]]
        t0 = time.perf_counter()
        find(index, one, policy=policy)
        times.append(time.perf_counter() - t0)
    print(
        f"find: median {1000 * np.median(times):.1f} ms, p95 {1000 * np.percentile(times, 95):.1f} ms (200 proofs)"
    )
    before = peak_rss_gib()
    t0 = time.perf_counter()
    bulk = match(big.proofs, index, policy=policy)
    print(
        f"bulk match 100k proofs vs 1M journal: {time.perf_counter() - t0:.1f} s; "
        f"peak RSS {peak_rss_gib():.2f} GiB (process, {before:.2f} before matching)"
    )
    _summary(bulk, big)


def huge_run() -> None:
    print("\n== speed: 10M-row journal (60 days), 1M proofs")
    t0 = time.perf_counter()
    big = make_dataset(n_transactions=10_000_000, n_proofs=1_000_000, seed=5, days=60)
    print(
        f"generated {len(big.journal)} rows in {time.perf_counter() - t0:.1f} s; RSS {peak_rss_gib():.2f} GiB"
    )
    policy = MatchPolicy(fx_rates=big.fx_rates)
    t0 = time.perf_counter()
    index = JournalIndex(big.journal)
    built = time.perf_counter() - t0
    bulk = match(big.proofs, index, policy=policy)
    total = time.perf_counter() - t0
    print(
        f"index build {built:.1f} s + bulk match {total - built:.1f} s = {total:.1f} s; "
        f"peak RSS {peak_rss_gib():.2f} GiB (process, including the generated frames)"
    )
    _summary(bulk, big)


def _summary(bulk: pd.DataFrame, data) -> None:
    checked = bulk.merge(data.truth, on="proof_id", suffixes=("", "_true"))
    matched = checked[checked["status"] == "matched"]
    wrong = int((~(matched["txn_id"] == matched["txn_id_true"]).fillna(False).astype(bool)).sum())
    print(f"verdicts {bulk['status'].value_counts().to_dict()}; wrong matches {wrong}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--seeds", default="11", help="comma-separated seeds for the quality runs")
    parser.add_argument("--large", action="store_true", help="1M-row journal: index, find, 100k bulk")
    parser.add_argument("--huge", action="store_true", help="10M-row journal, 1M proofs (about 9 GiB)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}")
    n_txn, n_proofs = (20_000, 2_000) if args.quick else (100_000, 10_000)
    for k, seed in enumerate(int(s) for s in args.seeds.split(",")):
        quality_run(seed, n_txn, n_proofs, compare=k == 0)
    if args.large:
        large_run()
    if args.huge:
        huge_run()


if __name__ == "__main__":
    main()
