"""Build one seed's world, write its files, read them with the public API, match, score.

Only the public API is used: ``rk.read_journal``, ``rk.read_proofs``, ``rk.proof``, ``rk.match``,
``rk.MatchPolicy``, ``rk.clock_offsets``, ``rk.JournalIndex``, ``rk.find``, ``rk.rejected``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

import receiptkit as rk

from .journal import build_journal, write_journal
from .oracle import Oracle
from .proofs import ELSEWHERE, SHARES, Proof, build_proofs, write_proof_files
from .world import FX_REFERENCE, TZ, build_world

#: The format a user names when sniffing does not recognise a file (docs/proofs.md, "Formats").
FORMATS = {
    "sms_txt": "sms",
    "sms_json": "sms",
    "wechat": "wechat",
    "alipay": "alipay",
    "boc_credit": "boc_credit",
    "hsbc_hk": "hsbc_hk_credit",
    "bocom_fx": "bocom_credit",
    "screen": "json",
}


@dataclass
class Scenario:
    seed: int
    world: object
    journal: pd.DataFrame
    proofs: list[Proof]
    files: dict[str, Path]
    journal_csv: Path
    journal_parquet: Path
    judged: pd.DataFrame = field(default_factory=pd.DataFrame)


def build(seed: int, n_proofs: int, n_txns: int, folder: Path) -> Scenario:
    """Draw the world, the journal and the proofs of one seed and write their files into ``folder``."""
    rng = np.random.default_rng(seed)
    world = build_world(rng, n_cards=max(3000, n_txns // 2))
    journal = build_journal(world, rng, n_txns)
    proofs = build_proofs(world, journal, rng, n_proofs)
    folder.mkdir(parents=True, exist_ok=True)
    files = write_proof_files(proofs, folder)
    csv, pq = write_journal(journal, folder)
    sc = Scenario(seed, world, journal, proofs, files, csv, pq)
    sc.judged = Oracle(world, journal).judge(proofs)
    return sc


# -- intake ----------------------------------------------------------------------------------------------------


def _none(v: object) -> object:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def check_intake(p: Proof, row: pd.Series) -> tuple[str, list[tuple[str, object, object]]]:
    """``ok``, ``lossy`` (something shown was not read) or ``wrong`` (a value read differs), with details."""
    e = p.exp
    wrong: list[tuple[str, object, object]] = []
    lossy: list[tuple[str, object, object]] = []
    got = (int(row.amount_minor), str(row.currency))
    if got != (e.amount, e.currency) and (e.alt is None or got != e.alt):
        wrong.append(("amount", f"{got[0]} {got[1]}", f"{e.amount} {e.currency}"))
    if str(row.direction) != e.direction:
        wrong.append(("direction", row.direction, e.direction))
    l4 = _none(row.card_last4)
    if e.last4 is None and l4 is not None:
        wrong.append(("card_last4", l4, None))
    elif e.last4 is not None and l4 is None:
        lossy.append(("card_last4", None, e.last4))
    elif l4 is not None and str(l4) != e.last4:
        wrong.append(("card_last4", l4, e.last4))
    d = _none(row.date)
    if d is None or pd.Timestamp(d).date() != e.date:
        wrong.append(("date", None if d is None else pd.Timestamp(d).date(), e.date))
    ts = _none(row.ts)
    prec = str(row.ts_precision)
    if e.ts_kind == "day":
        if ts is not None:
            wrong.append(("ts", f"{pd.Timestamp(ts).tz_convert(TZ)} ({prec})", "no time"))
    elif ts is None:
        lossy.append(("ts", None, e.ts))
    else:
        t = pd.Timestamp(ts).tz_convert(TZ)
        if e.ts_kind in ("second", "minute"):
            if e.ts_kind == "second" and prec == "second" and t != e.ts:
                wrong.append(("ts", t, e.ts))
            elif t.floor("min") != e.ts.floor("min"):
                wrong.append(("ts", f"{t} ({prec})", e.ts))
            elif e.ts_kind == "second" and prec != "second":
                lossy.append(("ts_precision", prec, "second"))
        else:  # hour: the true time must lie in the window read
            end = _none(row.ts_end)
            span = {
                "hour": pd.Timedelta(hours=1),
                "minute": pd.Timedelta(minutes=1),
                "second": pd.Timedelta(seconds=1),
            }
            end = (
                pd.Timestamp(end).tz_convert(TZ)
                if end is not None
                else t + span.get(prec, pd.Timedelta(days=1))
            )
            if not (t <= e.ts <= end):
                wrong.append(
                    ("ts", f"{t}..{end} ({prec})", f"a window holding {e.ts} ({p.payload.get('time')})")
                )
    if e.wallet_id:
        w = _none(row.wallet_txn_id)
        if w is None:
            lossy.append(("wallet_txn_id", None, e.wallet_id))
        elif str(w).strip() != e.wallet_id:
            wrong.append(("wallet_txn_id", w, e.wallet_id))
    if e.merchant and _none(row.merchant_text) is None:
        lossy.append(("merchant_text", None, p.ev.merchant))
    if wrong:
        return "wrong", wrong
    return ("lossy", lossy) if lossy else ("ok", [])


def _read_file(path: Path, fmt: str) -> tuple[pd.DataFrame | None, str | None, str]:
    """Read a proof file as a user would: sniffed first, then with the documented format name."""
    try:
        return rk.read_proofs(path, strict=False), None, "sniffed"
    except rk.ReceiptkitError:
        pass
    except Exception as exc:  # an untyped crash is a finding
        return None, f"crash: {type(exc).__name__}: {exc}", "sniffed"
    try:
        return rk.read_proofs(path, format=fmt, strict=False), None, fmt
    except rk.ReceiptkitError as exc:
        return None, f"refused: {type(exc).__name__}: {exc}", fmt
    except Exception as exc:
        return None, f"crash: {type(exc).__name__}: {exc}", fmt


def read_all(sc: Scenario, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Read every proof with the public readers; returns (proofs frame, intake table, timings)."""
    import warnings

    by_key: dict[str, list[Proof]] = {}
    for p in sc.proofs:
        key = f"cmb_credit_{p.payload['post'].month:02d}" if p.fmt == "cmb_credit" else p.fmt
        by_key.setdefault(key, []).append(p)
    frames: list[pd.DataFrame] = []
    intake: list[dict] = []
    t0 = time.perf_counter()
    for key, ps in by_key.items():
        if key == "counter":
            continue
        fmt = FORMATS.get(key, "cmb_credit")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame, _err, how = _read_file(sc.files[key], fmt)
        if frame is None:  # the whole file was refused: read each proof alone, as one customer's file
            sub = folder / f"single_{key}"
            sub.mkdir(exist_ok=True)
            for p in ps:
                one = write_proof_files([p], sub / p.pid) if (sub / p.pid).mkdir() is None else {}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    f1, err1, how1 = _read_file(next(iter(one.values())), fmt)
                _collect(p, f1, err1, how1, frames, intake, single=True)
            continue
        rej = rk.rejected(frame)
        rejected_rows = {
            int(r): str(reason) for r, reason in zip(rej.get("row", []), rej.get("reason", []), strict=False)
        }
        by_line = {int(r): i for i, r in enumerate(frame.source_row)}
        for p in ps:
            line = p.payload["line"]
            if line in by_line:
                row = frame.iloc[[by_line[line]]]
                _collect(p, row, None, how, frames, intake)
            elif line in rejected_rows:
                _collect(p, None, f"refused: {rejected_rows[line]}", how, frames, intake)
            else:
                _collect(p, None, "dropped: no row and no rejection for this line", how, frames, intake)
    t_files = time.perf_counter() - t0
    t0 = time.perf_counter()
    for p in sc.proofs:
        if p.fmt != "counter":
            continue
        a = p.payload
        try:
            f = rk.proof(
                amount=a["amount"], time=a["time"], last4=a["last4"], merchant=a["merchant"], ref=a["ref"]
            )
            f["proof_id"] = f"counter:{p.pid}"
            _collect(p, f, None, "proof()", frames, intake)
        except rk.ReceiptkitError as exc:
            _collect(p, None, f"refused: {type(exc).__name__}: {exc}", "proof()", frames, intake)
        except Exception as exc:
            _collect(p, None, f"crash: {type(exc).__name__}: {exc}", "proof()", frames, intake)
    t_counter = time.perf_counter() - t0
    proofs = pd.concat(frames, ignore_index=True) if frames else rk.empty_proofs()
    return proofs, pd.DataFrame(intake), {"read_proof_files_s": t_files, "read_counter_s": t_counter}


def _collect(
    p: Proof,
    row: pd.DataFrame | None,
    err: str | None,
    how: str,
    frames: list,
    intake: list,
    single: bool = False,
) -> None:
    rec = {
        "pid": p.pid,
        "category": p.category,
        "fmt": p.fmt,
        "sub": p.sub,
        "how": how,
        "text": p.text,
        "proof_id": None,
    }
    if row is None or len(row) == 0:
        rec["intake"] = (
            "crash"
            if err and err.startswith("crash")
            else ("dropped" if err and err.startswith("dropped") else "refused")
        )
        rec["detail"] = err or "no row"
    elif len(row) > 1:
        rec["intake"] = "wrong"
        rec["detail"] = f"{len(row)} proofs read from one text"
    else:
        status, details = check_intake(p, row.iloc[0])
        rec["intake"] = status
        rec["detail"] = "; ".join(f"{f}: read {r!r}, expected {x!r}" for f, r, x in details)
        rec["proof_id"] = str(row.iloc[0].proof_id)
        frames.append(row)
    intake.append(rec)


# -- matching and scoring ---------------------------------------------------------------------------------------


def policy() -> rk.MatchPolicy:
    """The policy a merchant with foreign customers sets: the public reference rates, nothing else."""
    return rk.MatchPolicy(fx_rates={("CNY", c): Decimal(r) for c, r in FX_REFERENCE.items()})


def evaluate(seed: int, n_proofs: int, n_txns: int, folder: Path, n_find: int = 100) -> dict:
    """One seed end to end; returns the per-proof table, the silently-wrong intake cases and timings."""
    t0 = time.perf_counter()
    sc = build(seed, n_proofs, n_txns, folder)
    timings: dict[str, float] = {"generate_s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    journal = rk.read_journal(sc.journal_csv)
    timings["read_journal_csv_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rk.read_journal(sc.journal_parquet)
    timings["read_journal_parquet_s"] = time.perf_counter() - t0
    proofs, intake, t_read = read_all(sc, folder)
    timings.update(t_read)
    t0 = time.perf_counter()
    result = rk.match(proofs, journal, policy=policy())
    timings["match_s"] = time.perf_counter() - t0
    res = result.set_index("proof_id")
    table = intake.merge(sc.judged, on=["pid", "category"], how="left")
    status, txn, reason = [], [], []
    for pid in table.proof_id:
        if pid is None or pid not in res.index:
            status.append("not read")
            txn.append(None)
            reason.append("")
        else:
            status.append(str(res.at[pid, "status"]))
            txn.append(_none(res.at[pid, "txn_id"]))
            reason.append(str(res.at[pid, "reason"]))
    table["status"] = status
    table["matched_txn"] = txn
    table["reason"] = reason
    # the counter: find() one proof at a time against an index that knows the month's clock offsets
    offsets = rk.clock_offsets(result)
    known = {str(k): float(v) for k, v in offsets["offset_s"].items()} if len(offsets) else {}
    t0 = time.perf_counter()
    index = rk.JournalIndex(journal, clock_offsets=known)
    timings["index_s"] = time.perf_counter() - t0
    counter = table[(table.fmt == "counter") & table.proof_id.notna()]
    counter = counter.sample(min(n_find, len(counter)), random_state=seed).sort_values(
        "pid"
    )  # minute and hour
    find_rows, times = [], []
    by_id = proofs.set_index("proof_id", drop=False)
    for _, r in counter.iterrows():
        one = by_id.loc[[r.proof_id]].reset_index(drop=True)
        t1 = time.perf_counter()
        ranked = rk.find(index, one, policy=policy())
        times.append(time.perf_counter() - t1)
        verdict = ranked.attrs.get("verdict", {})
        find_rows.append(
            {
                "pid": r.pid,
                "category": r.category,
                "status": verdict.get("status"),
                "matched_txn": _none(verdict.get("txn_id")),
                "truth": r.truth,
                "identifiable": r.identifiable,
            }
        )
    timings["find_median_ms"] = float(np.median(times) * 1000) if times else float("nan")
    timings["find_max_ms"] = float(np.max(times) * 1000) if times else float("nan")
    return {
        "scenario": sc,
        "table": table,
        "find": pd.DataFrame(find_rows),
        "timings": timings,
        "n_journal": len(journal),
        "clock_offsets": known,
    }


def score(table: pd.DataFrame) -> pd.DataFrame:
    """Per category and overall: intake, verdicts, precision of matched, recall of identifiable proofs."""
    out = []
    cats = [c for c in SHARES if c in set(table.category)]
    for cat in [*cats, "all"]:
        t = table if cat == "all" else table[table.category == cat]
        matched = t.status == "matched"
        correct = matched & (t.matched_txn == t.truth) & t.truth.notna()
        ident = t.identifiable.astype(bool)
        rec = {
            "category": cat,
            "proofs": len(t),
            "read ok": int((t.intake == "ok").sum()),
            "lossy": int((t.intake == "lossy").sum()),
            "refused": int(t.intake.isin(["refused", "dropped"]).sum()),
            "WRONG": int((t.intake == "wrong").sum()),
            "crash": int((t.intake == "crash").sum()),
            "identifiable": int(ident.sum()),
            "matched": int(matched.sum()),
            "correct": int(correct.sum()),
            "false": int((matched & ~correct).sum()),
            "ambiguous": int((t.status == "ambiguous").sum()),
            "unmatched": int((t.status == "unmatched").sum()),
            "precision": correct.sum() / matched.sum() if matched.sum() else float("nan"),
            "recall": (correct & ident).sum() / ident.sum() if ident.sum() else float("nan"),
            "indisting.": int(t.indistinguishable.astype(bool).sum()),
        }
        out.append(rec)
    return pd.DataFrame(out)


def elsewhere_summary(table: pd.DataFrame) -> dict:
    """False matches on payments made elsewhere, by what the evidence allowed.

    ``ruled out``: the text rules every row here out (another shop named, a tail or time that fits no
    sale); ``several``: it fits more than one sale here, so no match was warranted; ``one``: it fits
    exactly one sale here as well as a proof of that sale would (indistinguishable).
    """
    t = table[table.category.isin(ELSEWHERE)]
    m = t.status == "matched"
    n = t.n_consistent
    return {
        "proofs": len(t),
        "matched": int(m.sum()),
        "ruled out": int((m & (n == 0)).sum()),
        "several": int((m & (n > 1)).sum()),
        "one": int((m & (n == 1)).sum()),
        "proofs ruled out": int((n == 0).sum()),
        "proofs several": int((n > 1).sum()),
        "proofs one": int((n == 1).sum()),
    }
