"""Clean-room evaluation of matching (issue #17): receiptkit beside naive, recordlinkage and splink.

    .venv/bin/python benchmarks/bench_cleanroom.py [--seed 1 --seed 2] [--proofs 2000] [--txns 20000] [--large]

Scenarios are generated from the field description (benchmarks/cleanroom/, docs/matching.md "Clean-room
evaluation"), never from receiptkit.datasets, and nothing in the library is tuned on them. Prints, per
category and overall: precision of ``matched``, recall of the proofs a careful clerk could single out
(the oracle), and false matches, for each linker, plus wall times. ``--large`` is 100,000 proofs against
1,000,000 transactions (receiptkit and naive only unless ``--methods`` says otherwise; receiptkit reads the
journal from Parquet first, and the read time is printed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom.journal import make_journal
from cleanroom.methods import run_naive, run_receiptkit, run_recordlinkage, run_splink
from cleanroom.oracle import identifiable
from cleanroom.proofs import CATEGORIES, make_proofs
from cleanroom.scoring import format_markdown, format_tables, score
from cleanroom.world import make_world

METHODS = {
    "receiptkit": run_receiptkit,
    "naive": run_naive,
    "recordlinkage": run_recordlinkage,
    "splink": run_splink,
}


def generate(seed: int, n_proofs: int, n_txns: int):
    """World, journal and proofs for one seed; the journal spans more days as it grows (same density)."""
    rng = np.random.default_rng(seed)
    days = max(30, round(30 * n_txns / 20000))
    start = (pd.Timestamp("2026-12-01") - pd.Timedelta(days=days)).strftime("%Y-%m-%d")
    world = make_world(rng, days=days, start=start)
    jw = make_journal(world, n_txns, rng)
    ps = make_proofs(world, jw, n_proofs, rng)
    return world, jw, ps


def _from_parquet(journal: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    """The journal written to Parquet and read back by ``rk.read_journal``, with the read time."""
    import receiptkit as rk

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.parquet"
        journal.to_parquet(path, index=False)
        start = time.perf_counter()
        try:
            frame = rk.read_journal(path)
        except Exception as exc:
            return None, f"read_journal(parquet) raised {type(exc).__name__}: {exc}"
        return (
            frame,
            f"read_journal of the {len(journal):,}-row journal from Parquet: {time.perf_counter() - start:.2f} s",
        )


def _speed(proofs: pd.DataFrame, journal: pd.DataFrame, read_note: str) -> str:
    """The time to match, split into building the index and matching (issue #17: read + match under 10 s)."""
    import receiptkit as rk

    start = time.perf_counter()
    index = rk.JournalIndex(journal)
    built = time.perf_counter() - start
    start = time.perf_counter()
    rk.match(proofs, index)
    matched = time.perf_counter() - start
    read = float(read_note.rsplit(":", 1)[1].split()[0]) if read_note.endswith(" s") else float("nan")
    return (
        f"speed: read_journal {read:.2f} s + JournalIndex {built:.2f} s + match {matched:.2f} s "
        f"= {read + built + matched:.2f} s for {len(proofs):,} proofs against {len(journal):,} rows "
        "(issue #17 target: read and match under 10 s)"
    )


def run(
    seed: int, n_proofs: int, n_txns: int, methods: list[str], markdown: bool = False, parquet: bool = False
) -> str:
    t0 = time.perf_counter()
    world, jw, ps = generate(seed, n_proofs, n_txns)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    oracle = identifiable(ps.proofs, ps.truth, jw.journal, world)
    t_oracle = time.perf_counter() - t0
    scores, walls, notes = {}, {}, []
    rk_journal = jw.journal
    if parquet and "receiptkit" in methods:
        read, note = _from_parquet(jw.journal)
        notes.append("receiptkit: " + note)
        if read is not None:
            rk_journal = read
            notes.append("receiptkit: " + _speed(ps.proofs, read, note))
    for name in methods:
        answers, wall, note = METHODS[name](ps.proofs, rk_journal if name == "receiptkit" else jw.journal)
        scores[name] = None if answers is None else score(answers, oracle)
        if answers is not None:
            both = oracle.merge(answers[["proof_id", "txn_id"]], on="proof_id")
            beyond = int(((both["txn_id"] == both["truth"]).fillna(False) & ~both["identifiable"]).sum())
            if beyond:
                notes.append(
                    f"{name}: {beyond} proofs matched to their truth that the oracle judges not identifiable"
                )
        walls[name] = None if answers is None else wall
        if note:
            notes.append(f"{name}: {note}")
    if scores[methods[0]] is None:
        scores[methods[0]] = score(pd.DataFrame({"proof_id": [], "txn_id": []}), oracle)
    out = [
        f"seed {seed}: {len(ps.proofs):,} proofs against {len(jw.journal):,} transactions over {world.days} days "
        f"(generated in {t_gen:.1f} s; oracle {t_oracle:.1f} s, {int(oracle['identifiable'].sum()):,} identifiable, "
        f"clock offsets learned on {int(oracle['offsets_learned'].iat[0])} terminals)",
        "P = precision of matched, R = recall of identifiable proofs, FM = false matches",
        (format_markdown if markdown else format_tables)(scores, oracle, walls),
    ]
    fooled = oracle[oracle["truth"].isna() & oracle["clerk_pick"].notna()]
    out.append(f"proofs of payments made elsewhere that the oracle's clerk would match too: {len(fooled)}")
    out.extend(notes)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", help="repeat for several seeds (default 1)")
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--txns", type=int, default=20000)
    parser.add_argument("--large", action="store_true", help="100,000 proofs against 1,000,000 transactions")
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown")
    parser.add_argument(
        "--parquet",
        action="store_true",
        help="receiptkit reads the journal from Parquet first (on with --large)",
    )
    parser.add_argument("--methods", default=None, help="comma-separated subset of " + ",".join(METHODS))
    args = parser.parse_args(argv)
    seeds = args.seed or [1]
    if args.large:
        args.proofs, args.txns = 100_000, 1_000_000
    methods = (args.methods or ("receiptkit,naive" if args.large else ",".join(METHODS))).split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s): {', '.join(unknown)}")
    print("categories (docs/matching.md, Clean-room evaluation):")
    for key, (_, text) in CATEGORIES.items():
        print(f"  {key:<24}{text}")
    for seed in seeds:
        print()
        print(
            run(seed, args.proofs, args.txns, methods, args.markdown, args.parquet or args.large), flush=True
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
