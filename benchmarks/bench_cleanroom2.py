"""Second clean-room evaluation: proofs as the texts and files customers bring, read and matched.

    python benchmarks/bench_cleanroom2.py --seed 201 [--seed 202] [--proofs 2000] [--txns 20000] [--markdown]

Writes a world's journal (canonical CSV and Parquet) and its proofs (card SMS and pushes, WeChat and
Alipay bill exports, bank statement lines, counter input, wallet screens) into a temporary folder,
reads them with the public readers, matches them with ``receiptkit.match``, runs ``receiptkit.find``
on a sample of the counter proofs, and prints per category: intake (read, lossy, refused, silently
wrong), verdicts, precision of ``matched``, recall of the proofs a careful clerk could single out,
false matches (split for payments made elsewhere) and wall times. Then every silently wrong intake
case, with the text, what was read and what should have been. Used to measure, never to tune.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom2 import elsewhere_summary, evaluate, score


def _fmt(frame: pd.DataFrame, markdown: bool) -> str:
    f = frame.copy()
    for c in ("precision", "recall"):
        f[c] = f[c].map(lambda v: "-" if pd.isna(v) else f"{100 * v:.1f} %")
    if markdown:  # without the optional tabulate dependency
        cols = [str(c) for c in f.columns]
        lines = [
            "| " + " | ".join(cols) + " |",
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(cols))) + "|",
        ]
        lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in f.itertuples(index=False)]
        return "\n".join(lines)
    return f.to_string(index=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, action="append", help="seed (repeatable); default 201")
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--txns", type=int, default=20000)
    ap.add_argument("--find", type=int, default=100, help="counter proofs to run through find() one by one")
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    ap.add_argument("--keep", type=Path, default=None, help="write the generated files here and keep them")
    args = ap.parse_args(argv)
    seeds = args.seed or [201]
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            folder = (args.keep / f"seed{seed}") if args.keep else Path(tmp)
            out = evaluate(seed, args.proofs, args.txns, folder, n_find=args.find)
        table = out["table"]
        if args.keep:  # the per-proof table beside the files, for a closer look
            table.to_pickle(args.keep / f"seed{seed}" / "table.pkl")
        print(f"\n## seed {seed}: {len(table)} proofs against {out['n_journal']} journal rows\n")
        print(_fmt(score(table), args.markdown))
        es = elsewhere_summary(table)
        print(
            f"\npayments made elsewhere: {es['proofs']} proofs, {es['matched']} matched (all false): "
            f"{es['ruled out']} of {es['proofs ruled out']} whose text rules every sale here out, "
            f"{es['several']} of {es['proofs several']} that fit several sales here, "
            f"{es['one']} of {es['proofs one']} that fit exactly one sale here (indistinguishable)"
        )
        fd = out["find"]
        if len(fd):
            m = fd.status == "matched"
            ok = m & (fd.matched_txn == fd.truth)
            ident = fd.identifiable.astype(bool)
            print(
                f"find() at the counter on {len(fd)} counter proofs (index with the month's clock offsets): "
                f"matched {int(m.sum())}, correct {int(ok.sum())}, false {int((m & ~ok).sum())}, "
                f"recall of identifiable {int((ok & ident).sum())}/{int(ident.sum())}"
            )
        t = out["timings"]
        print(
            "wall times: "
            + ", ".join(f"{k} {v:.2f}" if not k.endswith("_ms") else f"{k} {v:.0f}" for k, v in t.items())
        )
        print(
            "clock offsets used: "
            + ", ".join(f"{k} {v:+.0f} s" for k, v in sorted(out["clock_offsets"].items()))
        )
        wrong = table[table.intake == "wrong"]
        print(f"\nsilently wrong intake ({len(wrong)}):")
        for _, r in wrong.iterrows():
            print(f"- [{r.category}/{r['sub']}] {r.text!r}\n    {r.detail}")
        crash = table[table.intake == "crash"]
        if len(crash):
            print(f"\nuntyped crashes ({len(crash)}):")
            for _, r in crash.iterrows():
                print(f"- [{r.category}/{r['sub']}] {r.text!r}: {r.detail}")
        refused = table[table.intake.isin(["refused", "dropped"])]
        if len(refused):
            print(f"\nrefused ({len(refused)}; by reason, first text of each):")
            reasons = refused.assign(
                reason=refused.detail.str.replace(r"\(value .*", "", regex=True).str[:110]
            )
            for reason, g in reasons.groupby("reason"):
                print(f"- {len(g)} x {reason}  e.g. {g.text.iloc[0]!r}")
        lossy = table[table.intake == "lossy"]
        if len(lossy):
            print(f"\nread with a field lost ({len(lossy)}; by field and wording):")
            fields = lossy.detail.str.extract(r"^(\w+):")[0]
            for (field, sub), g in lossy.assign(field=fields).groupby(["field", "sub"]):
                print(f"- {len(g)} x {field} [{sub}] e.g. {g.text.iloc[0]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
