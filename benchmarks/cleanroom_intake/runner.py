"""Run the campaign: build cases, read each through the public API, tabulate, keep reproducers."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, datetime

from .campaign import Case, all_pairs, build
from .oracle import Outcome, run_case
from .writers import SKIP

SHORT = {
    "right": "ok",
    "lossy": "lossy",
    "refused": "ref",
    "refused_elsewhere": "ref@",
    "refused_noplace": "ref?",
    "WRONG": "WRONG",
    "crash": "crash",
    "slow": "slow",
}


def plan(seed: int, n: int | None, formats: list[str] | None = None) -> list[tuple[str, str, str, int]]:
    pairs = [p for p in all_pairs() if not formats or p[0] in formats]
    n = len(pairs) if n is None else n
    out = []
    for i in range(n):
        f, c, v = pairs[i % len(pairs)]
        out.append((f, c, v, seed * 1_000_003 + i))
    return out


def _jsonable(v):
    if v is SKIP:
        return "<not compared>"
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v


def describe(case: Case) -> dict:
    r = case.rendered
    d = {
        "format": case.fmt,
        "category": case.category,
        "variant": case.variant,
        "seed": case.seed,
        "file": r.name,
        "call": r.call,
        "kwargs": {k: str(v) for k, v in r.kwargs.items()},
        "note": case.note,
        "damaged_row": case.k if case.category == "damaged" else None,
        "truth": None
        if case.truth is None
        else [{k: _jsonable(v) for k, v in e.items()} for e in case.truth],
        "expect": None
        if case.expect is None
        else [{k: _jsonable(v) for k, v in e.items()} for e in case.expect],
    }
    if r.counter_args is not None:
        d["counter_args"] = {k: str(v) for k, v in r.counter_args.items()}
    return d


def save_reproducer(out_dir: str, case: Case, outcome: Outcome) -> str:
    stem = stem_of(case.fmt, case.variant, case.seed)
    info = describe(case)
    info["outcome"] = {
        "status": outcome.status,
        "detail": outcome.detail,
        "problems": outcome.problems[:10],
        "error_type": outcome.error_type,
        "error_text": outcome.error_text,
        "seconds": round(outcome.seconds, 3),
    }
    if case.data is not None:
        ext = os.path.splitext(case.rendered.name)[1] or ".bin"
        with open(os.path.join(out_dir, stem + ext), "wb") as fh:
            fh.write(case.data)
        info["bytes_file"] = stem + ext
    with open(os.path.join(out_dir, stem + ".case.json"), "w", encoding="utf-8") as fh:
        json.dump(info, fh, ensure_ascii=False, indent=1, default=str)
    return stem


def run(
    seeds: list[int], n: int | None, out_dir: str, formats: list[str] | None = None, progress: bool = True
) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rk-cleanintake-")
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    bad: dict[tuple[str, str, str], list] = defaultdict(list)
    slowest: list[tuple[float, str]] = []
    results = open(os.path.join(out_dir, "results.jsonl"), "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    t_start = time.perf_counter()
    total = 0
    # warm up (imports, first-call caches) so that the first case is not timed with them
    for fmt in ("wechat_csv", "wechat_xlsx", "ofx1", "journal_parquet"):
        run_case(build(fmt, "valid", "plain", 0), work)
    try:
        for seed in seeds:
            todo = plan(seed, n, formats)
            for j, (f, c, v, s) in enumerate(todo):
                try:
                    case = build(f, c, v, s)
                except Exception as exc:  # a generator bug is reported, never counted against the library
                    print(f"generator error {f}/{v}/{s}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    counts[(f, "generator_error")]["crash"] += 0
                    continue
                o = run_case(case, work)
                total += 1
                counts[(f, c)][o.status] += 1
                slowest.append((o.seconds, f"{f}/{v}"))
                rec = {
                    "format": f,
                    "category": c,
                    "variant": v,
                    "seed": s,
                    "status": o.status,
                    "detail": o.detail[:300],
                    "seconds": round(o.seconds, 3),
                }
                results.write(json.dumps(rec, ensure_ascii=False) + "\n")
                if o.status in ("WRONG", "crash", "slow", "refused_noplace", "refused_elsewhere"):
                    stem = save_reproducer(out_dir, case, o)
                    bad[(o.status, f, v)].append((case.rows, stem, o.detail))
                if progress and (j + 1) % 100 == 0:
                    print(
                        f"  seed {seed}: {j + 1}/{len(todo)} cases, {time.perf_counter() - t_start:.0f} s",
                        file=sys.stderr,
                    )
    finally:
        results.close()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "counts": counts,
        "bad": bad,
        "total": total,
        "seconds": time.perf_counter() - t_start,
        "slowest": sorted(slowest, reverse=True)[:8],
    }


def stem_of(fmt: str, variant: str, seed: int) -> str:
    stem = f"{fmt}__{variant}__{seed}"
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in stem)


def load(out_dir: str) -> dict:
    """The summary of an earlier run, rebuilt from its results.jsonl (to print the table again)."""
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    bad: dict[tuple[str, str, str], list] = defaultdict(list)
    slowest = []
    total = 0
    with open(os.path.join(out_dir, "results.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            total += 1
            counts[(rec["format"], rec["category"])][rec["status"]] += 1
            slowest.append((rec["seconds"], f"{rec['format']}/{rec['variant']}"))
            if rec["status"] in ("WRONG", "crash", "slow", "refused_noplace", "refused_elsewhere"):
                bad[(rec["status"], rec["format"], rec["variant"])].append(
                    (0, stem_of(rec["format"], rec["variant"], rec["seed"]), rec["detail"])
                )
    return {
        "counts": counts,
        "bad": bad,
        "total": total,
        "seconds": 0.0,
        "slowest": sorted(slowest, reverse=True)[:8],
    }


def table(summary: dict) -> str:
    counts = summary["counts"]
    cols = ["right", "lossy", "refused", "refused_elsewhere", "refused_noplace", "WRONG", "crash", "slow"]
    fmts = sorted({f for f, _ in counts})
    head = f"{'format':<18}" + "".join(
        f"| {cat:<7}" + "".join(f"{SHORT[c]:>6}" for c in cols) + " " for cat in ("valid", "damaged")
    )
    lines = [head, "-" * len(head)]
    tot = {cat: Counter() for cat in ("valid", "damaged")}
    for f in fmts:
        row = f"{f:<18}"
        for cat in ("valid", "damaged"):
            cnt = counts.get((f, cat), Counter())
            tot[cat].update(cnt)
            row += f"| {sum(cnt.values()):<7}" + "".join(f"{cnt.get(c, 0):>6}" for c in cols) + " "
        lines.append(row)
    lines.append("-" * len(head))
    row = f"{'TOTAL':<18}"
    for cat in ("valid", "damaged"):
        row += f"| {sum(tot[cat].values()):<7}" + "".join(f"{tot[cat].get(c, 0):>6}" for c in cols) + " "
    lines.append(row)
    lines.append(
        "columns: ok = read right, lossy = a field missing, ref = refused with a typed error naming the place,"
    )
    lines.append(
        "ref@ = refused naming a row other than the damaged one, ref? = typed refusal naming no place,"
    )
    lines.append(
        "WRONG = silently wrong (incl. card-number leaks), crash = untyped exception, slow = over 5 s"
    )
    return "\n".join(lines)


def findings(summary: dict, limit: int = 200) -> str:
    bad = summary["bad"]
    lines = []
    order = {"WRONG": 0, "crash": 1, "slow": 2, "refused_noplace": 3, "refused_elsewhere": 4}
    for (status, f, v), items in sorted(bad.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2]))[
        :limit
    ]:
        _rows, stem, detail = min(items, key=lambda x: x[0])
        lines.append(f"{status:<6} {f:<18} {v:<22} x{len(items):<3} {detail[:150]}  [{stem}]")
    return "\n".join(lines)
