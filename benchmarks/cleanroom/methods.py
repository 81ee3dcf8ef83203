"""The linkers compared on the same data: receiptkit, a naive pandas baseline, recordlinkage, splink.

Each returns one row per proof: ``proof_id``, ``txn_id`` (the transaction it names as *the* match, or
None) and ``note``.

- receiptkit: ``rk.match(proofs, journal)`` with defaults; ``status == "matched"``. A proof form the
  library refuses (e.g. ``ts_precision="hour"`` before it is supported) is counted as not matched: the
  refused rows are left out of the call and reported.
- naive: same amount, currency and direction, approved; the nearest in time within a day.
- recordlinkage (0.16): candidate pairs blocked on amount, currency, direction and a 7-day window;
  binary features (last 4, wallet number, order number, time within 2 min / 15 min / 12 h, merchant text
  Jaro-Winkler >= 0.8); the tutorial's rule (count of agreeing features); matched when the proof's best
  pair has at least 3 and no other pair ties with it. (The unsupervised ECM classifier collapsed onto the
  wallet-number feature on this data, about 10 % recall, so it is not used.)
- splink: the same blocking; comparisons amount, last 4, wallet number, order number, time difference
  levels, merchant Jaro-Winkler; u by random sampling, m by EM in two sessions (blocked on last 4 + week, then amount +
  day); matched when the
  proof's most probable pair has a match probability >= 0.9 and no other pair ties with it.
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np
import pandas as pd

from cleanroom.world import TZ

DAY_S = 86400


def _library_frame(proofs: pd.DataFrame) -> pd.DataFrame:
    return proofs.copy()


def run_receiptkit(proofs: pd.DataFrame, journal: pd.DataFrame) -> tuple[pd.DataFrame, float, str]:
    """``rk.match`` with defaults; refused proof forms are left out and counted as not matched."""
    import receiptkit as rk

    note = ""
    frame = _library_frame(proofs)
    refused = pd.Series(False, index=frame.index)
    try:
        rk.validate_proofs(frame)
    except Exception as exc:  # the library refuses a form it does not know yet
        refused = frame["ts_precision"].isin(["hour"])
        note = f"refused {int(refused.sum())} proofs ({type(exc).__name__}: {exc})"
    use = frame[~refused]
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = rk.match(use, journal)
    except Exception as exc:
        elapsed = time.perf_counter() - start
        out = pd.DataFrame({"proof_id": proofs["proof_id"], "txn_id": None})
        return out, elapsed, f"match raised {type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - start
    matched = result[result["status"] == "matched"]
    out = pd.DataFrame({"proof_id": proofs["proof_id"].to_numpy()})
    out["txn_id"] = out["proof_id"].map(dict(zip(matched["proof_id"], matched["txn_id"], strict=True)))
    out["status"] = (
        out["proof_id"].map(dict(zip(result["proof_id"], result["status"], strict=True))).fillna("refused")
    )
    return out, elapsed, note


def _times(proofs: pd.DataFrame, journal: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flat frames for the general-purpose linkers: local epoch seconds, day, direction, text."""
    p = pd.DataFrame({"unique_id": proofs["proof_id"].astype(str).to_numpy()})
    ts = proofs["ts"]
    has = ts.notna().to_numpy()
    local = np.where(
        has,
        ts.dt.tz_convert(TZ).dt.tz_localize(None).dt.as_unit("ns").astype("int64").to_numpy() // 10**9,
        pd.to_datetime(proofs["date"]).dt.as_unit("ns").astype("int64").to_numpy() // 10**9 + 12 * 3600,
    )
    p["t"] = local.astype(float)
    p["day"] = (local // DAY_S).astype(int)
    p["amount_minor"] = proofs["amount_minor"].to_numpy()
    p["currency"] = proofs["currency"].astype(str).to_numpy()
    p["credit"] = (proofs["direction"] == "credit").astype(int).to_numpy()
    for c in ("card_last4", "wallet_txn_id", "order_no"):
        p[c] = proofs[c].astype(object).where(proofs[c].notna(), None).to_numpy()
    p["merchant"] = (
        proofs["merchant_text"].astype(object).where(proofs["merchant_text"].notna(), None).to_numpy()
    )
    ok = (journal["status"] == "approved") & journal["txn_type"].isin(["sale", "completion", "refund"])
    jj = journal[ok]
    j = pd.DataFrame({"unique_id": jj["txn_id"].astype(str).to_numpy()})
    jl = jj["ts"].dt.tz_convert(TZ).dt.tz_localize(None).dt.as_unit("ns").astype("int64").to_numpy() // 10**9
    j["t"] = jl.astype(float)
    j["day"] = (jl // DAY_S).astype(int)
    j["amount_minor"] = jj["amount_minor"].to_numpy()
    j["currency"] = jj["currency"].astype(str).to_numpy()
    j["credit"] = (jj["txn_type"] == "refund").astype(int).to_numpy()
    for c in ("card_last4", "wallet_txn_id", "order_no"):
        j[c] = jj[c].astype(object).where(jj[c].notna(), None).to_numpy()
    j["merchant"] = jj["merchant_name"].astype(object).where(jj["merchant_name"].notna(), None).to_numpy()
    return p, j


def run_naive(proofs: pd.DataFrame, journal: pd.DataFrame) -> tuple[pd.DataFrame, float, str]:
    """Amount + nearest time (within a day), no other evidence."""
    start = time.perf_counter()
    p, j = _times(proofs, journal)
    left = p[["unique_id", "t", "amount_minor", "currency", "credit"]].sort_values("t")
    right = j[["unique_id", "t", "amount_minor", "currency", "credit"]].rename(
        columns={"unique_id": "txn_id"}
    )
    right = right.sort_values("t")
    merged = pd.merge_asof(
        left,
        right,
        on="t",
        by=["amount_minor", "currency", "credit"],
        direction="nearest",
        tolerance=float(DAY_S),
    )
    out = pd.DataFrame({"proof_id": proofs["proof_id"].to_numpy()})
    out["txn_id"] = out["proof_id"].map(dict(zip(merged["unique_id"], merged["txn_id"], strict=True)))
    return out, time.perf_counter() - start, ""


def candidate_pairs(p: pd.DataFrame, j: pd.DataFrame) -> pd.DataFrame:
    """Blocking shared by recordlinkage and splink: amount, currency, direction, and 6 days back to 1 ahead."""
    span = 8
    exp = p.loc[p.index.repeat(span), ["unique_id", "amount_minor", "currency", "credit", "day"]].copy()
    exp["day"] = exp["day"].to_numpy() + np.tile(np.arange(-6, 2), len(p))
    pairs = exp.merge(
        j[["unique_id", "amount_minor", "currency", "credit", "day"]],
        on=["amount_minor", "currency", "credit", "day"],
        suffixes=("_p", "_j"),
    )
    return pairs[["unique_id_p", "unique_id_j"]].drop_duplicates()


def best_link(scored: pd.DataFrame, proofs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per proof the best-scoring pair, when it reaches ``threshold`` and no other pair ties with it."""
    s = scored.sort_values(["pid", "p"], ascending=[True, False])
    first = s.groupby("pid", sort=False).head(1)
    second = s.groupby("pid", sort=False).nth(1)
    runner = dict(zip(second["pid"], second["p"], strict=True))
    ok = (first["p"] >= threshold) & (first["p"] > first["pid"].map(runner).fillna(-1.0))
    chosen = first[ok]
    out = pd.DataFrame({"proof_id": proofs["proof_id"].to_numpy()})
    out["txn_id"] = out["proof_id"].map(dict(zip(chosen["pid"], chosen["tid"], strict=True)))
    return out


def run_recordlinkage(proofs: pd.DataFrame, journal: pd.DataFrame) -> tuple[pd.DataFrame | None, float, str]:
    try:
        import recordlinkage as rl
    except ImportError:
        return None, 0.0, "recordlinkage not installed (pip install 'receiptkit[bench]')"
    start = time.perf_counter()
    p, j = _times(proofs, journal)
    pairs = candidate_pairs(p, j)
    P = p.set_index("unique_id")
    J = j.set_index("unique_id")
    index = pd.MultiIndex.from_frame(pairs, names=["pid", "tid"])
    both = pd.DataFrame(index=index).reset_index()
    feats = pd.DataFrame(index=index)
    for c in ("card_last4", "wallet_txn_id", "order_no"):
        a = P[c].reindex(both["pid"]).to_numpy()
        b = J[c].reindex(both["tid"]).to_numpy()
        feats[c] = [int(x is not None and y is not None and x == y) for x, y in zip(a, b, strict=True)]
    dt = np.abs(P["t"].reindex(both["pid"]).to_numpy() - J["t"].reindex(both["tid"]).to_numpy())
    feats["t_2min"] = (dt <= 120).astype(int)
    feats["t_15min"] = (dt <= 900).astype(int)
    feats["t_day"] = (dt <= DAY_S / 2).astype(int)
    cmp = rl.Compare()
    cmp.string("merchant", "merchant", method="jarowinkler", threshold=0.8, label="merchant", missing_value=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        merch = cmp.compute(index, P, J)
    feats["merchant"] = merch["merchant"].astype(int).to_numpy()
    # the rule of recordlinkage's own tutorial: the number of agreeing features, here at least 3 of 7
    # (its unsupervised ECM classifier collapsed onto the wallet-number feature on this data: ~10 % recall)
    total = feats.sum(axis=1).to_numpy().astype(float)
    scored = pd.DataFrame({"pid": both["pid"].to_numpy(), "tid": both["tid"].to_numpy(), "p": total})
    return best_link(scored, proofs, 3.0), time.perf_counter() - start, ""


def run_splink(proofs: pd.DataFrame, journal: pd.DataFrame) -> tuple[pd.DataFrame | None, float, str]:
    try:
        import splink.comparison_level_library as cll
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator
    except ImportError as exc:
        return None, 0.0, f"splink not installed ({exc})"
    start = time.perf_counter()
    p, j = _times(proofs, journal)
    p["source_dataset"] = "proofs"
    j["source_dataset"] = "journal"
    time_levels = [
        cll.NullLevel("t"),
        cll.CustomLevel("abs(t_l - t_r) <= 120", "within 2 min"),
        cll.CustomLevel("abs(t_l - t_r) <= 900", "within 15 min"),
        cll.CustomLevel("abs(t_l - t_r) <= 43200", "within 12 h"),
        cll.ElseLevel(),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        probability_two_random_records_match=1.0 / max(1, len(j)),
        blocking_rules_to_generate_predictions=[
            "l.amount_minor = r.amount_minor and l.currency = r.currency and l.credit = r.credit "
            "and r.day between l.day - 6 and l.day + 1"
        ],
        comparisons=[
            cl.ExactMatch("amount_minor"),
            cl.ExactMatch("card_last4"),
            cl.ExactMatch("wallet_txn_id"),
            cl.ExactMatch("order_no"),
            cl.CustomComparison(time_levels, output_column_name="t"),
            cl.JaroWinklerAtThresholds("merchant", [0.9, 0.7]),
        ],
        retain_intermediate_calculation_columns=False,
    )
    logging.getLogger("splink").setLevel(logging.ERROR)
    db = DuckDBAPI()
    left = db.register(p, dataset_display_name="proofs")
    right = db.register(j, dataset_display_name="journal")
    linker = Linker([left, right], settings, log_level=logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        # two EM sessions, each blocked on fields the other one trains (splink's usual recipe)
        linker.training.estimate_parameters_using_expectation_maximisation(
            "l.card_last4 = r.card_last4 and abs(l.day - r.day) <= 6"
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            "l.amount_minor = r.amount_minor and l.day = r.day"
        )
        pred = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    left_is_proof = pred["source_dataset_l"] == "proofs"
    scored = pd.DataFrame(
        {
            "pid": np.where(left_is_proof, pred["unique_id_l"], pred["unique_id_r"]),
            "tid": np.where(left_is_proof, pred["unique_id_r"], pred["unique_id_l"]),
            "p": pred["match_probability"].to_numpy(),
        }
    )
    return best_link(scored, proofs, 0.9), time.perf_counter() - start, ""
