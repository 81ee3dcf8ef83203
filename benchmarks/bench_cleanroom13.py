"""Clean-room evaluation 13: two counters sharing one audit log, and interruptions.

Written from the documentation only (README.md, docs/reprint.md, docs/cli.md, docs/slips.md, docs/journal.md,
/work/shared/FIELD-NOTES.md "Whether a slip really printed", and ``--help``), never from the code. For one
``--seed``:

1. a canonical journal of card sales (``+08:00`` times), a merchant key, and one shared audit log started by
   the first reprint (``--new-audit-log``);
2. fake network printers on 127.0.0.1 (``cleanroom13/printer.py``) that answer ``DLE EOT`` and the process-ID
   request as docs/slips.md describes, or drop the job, stall, reset mid-job, report paper out, or have no
   process-ID response;
3. scenarios run as real ``python -m receiptkit`` processes (and one ``rk.reprint`` program), concurrently:
   counters racing on one sale (also under ``--cap 1``), one typed proof at two counters, Ctrl-C and SIGKILL
   while the printer prints or just after it was reached, SIGKILL at a random moment while a second counter
   reprints the same sale, printer faults with the documented way forward (two counters retrying one dropped
   job at once), two clerks confirming one code;
4. the oracle of the documented promises: numbers never issued twice nor skipped without a row, a proof used
   once unless overridden, ``printed`` only when the printer confirmed (or a clerk did), an interrupted attempt
   visible in ``audit pending`` and retried by the next reprint, ``audit verify`` intact after a crash (or the
   documented ``unsigned_tail`` and its ``--resign``), TAMPERED after a real edit, ``verify CODE`` GENUINE only
   for printed duplicates, no hang (180 s), no traceback, no full card number.

Prints a table per category (right, silently wrong, over-refused, misleading, crash, hang) and the failures with
their commands. ``--keep DIR`` keeps the world, the log and ``findings.json``.
Run: ``PYTHONPATH=src python benchmarks/bench_cleanroom13.py --seed 0`` (dev seeds 0-4 only; other seeds are
kept for the final measurement).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom13 import oracle
from cleanroom13.runner import Counter
from cleanroom13.scenarios import CATEGORIES, Bench
from cleanroom13.world import build


def run(seed: int, folder: Path) -> Bench:
    """Build the world for ``seed`` in ``folder`` and play every scenario on one shared log."""
    world = build(folder, seed)
    rng = random.Random(seed)
    bench = Bench(
        world=world,
        seed=seed,
        rng=rng,
        counter=Counter(folder, world.key_text),
        log=folder / "shared-audit.sqlite",
    )
    bench.free = list(world.sales)
    bench.setup()
    steps = [
        lambda: bench.race_txn(fresh_machine=True),
        bench.race_txn,
        bench.race_proof,
        bench.race_cap,
        bench.retry_race,
        bench.sigkill_race,
        bench.api_counter,
        lambda: bench.sigint("job"),
        lambda: bench.sigint("connect"),
        lambda: bench.sigkill("job"),
        lambda: bench.sigkill("connect"),
        lambda: bench.printer_fault("drop"),
        lambda: bench.printer_fault("close_mid"),
        lambda: bench.printer_fault("stall"),
        lambda: bench.printer_fault("paper_out"),
        lambda: bench.printer_fault("status"),
        bench.two_counters_fault,
        bench.confirm_race,
        bench.card_leak,
    ]
    rng.shuffle(steps)
    for step in steps:
        step()
    bench.final(max_codes=8)
    bench.scan_all_outputs()
    return bench


def main() -> int:
    """Run one seed and print the table and the failures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="keep the world, the log and findings.json here")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix=f"cr13-{args.seed}-"))
    t0 = time.time()
    try:
        bench = run(args.seed, folder)
    finally:
        if args.keep is None:
            pass
    elapsed = time.time() - t0
    print(f"clean room 13, seed {args.seed}: {elapsed:.0f} s, {len(bench.counter.all_runs)} processes")
    head = ["category", *oracle.OUTCOMES]
    print("  ".join(f"{h:>14}" for h in head))
    total = {o: 0 for o in oracle.OUTCOMES}
    for cat in CATEGORIES:
        t = bench.tally.get(cat, {})
        for o in oracle.OUTCOMES:
            total[o] += t.get(o, 0)
        print("  ".join([f"{cat:>14}", *(f"{t.get(o, 0):>14}" for o in oracle.OUTCOMES)]))
    print("  ".join([f"{'total':>14}", *(f"{total[o]:>14}" for o in oracle.OUTCOMES)]))
    if bench.findings:
        print("\nfailures:")
        for f in bench.findings:
            print(f"- [{f['category']}/{f['outcome']}] {f['title']}")
            for c, rc, sig in zip(f["commands"], f["exits"], f["signals"], strict=False):
                print(f"    $ {c}    # exit {rc}{' after ' + sig if sig else ''}")
            if f["detail"]:
                print("    " + f["detail"].strip().replace("\n", "\n    ")[:600])
    if args.keep is not None:
        if args.keep.exists():
            shutil.rmtree(args.keep)
        shutil.copytree(folder, args.keep)
        with (args.keep / "runs.jsonl").open("w", encoding="utf-8") as fh:
            for r in bench.counter.all_runs:
                rec = {"label": r.label, "command": r.shell(), "rc": r.rc, "signal": r.signal_sent}
                rec.update({"seconds": round(r.seconds, 1), "stdout": r.out[-500:], "stderr": r.err[-800:]})
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        (args.keep / "findings.json").write_text(
            json.dumps(bench.findings, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        print(f"\nkept in {args.keep}")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
