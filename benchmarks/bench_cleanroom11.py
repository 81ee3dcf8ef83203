"""Clean room 11: the tamper-evident audit log and duplicate verification against a hostile insider or outsider.

Usage::

    PYTHONPATH=$PWD/src python benchmarks/bench_cleanroom11.py [--seed 0 ...] [--keep DIR]

Seeds 0-3 were used while writing it; seeds >= 4 are for measurement.

Written from README.md, docs/reprint.md, docs/cli.md, docs/slips.md, docs/journal.md and the CLI's ``--help`` only
(never the code under test). Per seed it builds two shops: a journal in the canonical layout (sales, a declined
attempt, a void, a partial refund, one row whose ``pan_masked`` holds a whole card number), a merchant key, an audit
log started by ``receiptkit reprint --new-audit-log``, then genuine reprints through ``rk.reprint`` (PDF, PNG,
ESC/POS, a one-way printer left unconfirmed and one confirmed with ``audit confirm``, an unreachable printer, a
refused declined sale), an anchor (``audit head --out``) and a backup (``audit export``). Each attack runs on a
fresh copy: rows edited (amount, txn id, state, operator, time, code, reason), deleted, cut off the end, forged,
duplicated, swapped, copied from the other shop; the log rolled back, rebuilt with the key or another one; the head
deleted, edited or replaced; the key swapped or lost. ``receiptkit audit verify`` (and ``AuditLog.verify``) must
say what docs/reprint.md's problem table says. Duplicates are forged (every QR field altered, reused codes, another
shop's key, stripped or cut signatures, junk) and checked with ``receiptkit verify`` and ``rk.verify`` offline and
online; the printed PDF text, ESC/POS bytes and the PNG's QR code are decoded independently (pypdf, a small
ESC/POS reader, OpenCV) for the DUPLICATE mark, reprint count, code, fingerprint and masked card; every output and
message is searched for the whole card number.

Output: a table per attack category (cases, detected, genuine ok, MISSED, false alarms, crashes, wrong message,
leaks, documented limits) and the findings with reproducers (folders kept with --keep). Exit code 0.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom11.report import findings, limits, run, table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, action="append", help="seed (repeatable; default 0)")
    ap.add_argument("--keep", type=Path, help="keep every case's folder here")
    args = ap.parse_args()
    seeds = args.seed or [0]
    for seed in seeds:
        root = (args.keep / f"seed{seed}") if args.keep else Path(tempfile.mkdtemp(prefix=f"cr11-{seed}-"))
        if root.exists() and args.keep:
            shutil.rmtree(root)
        root.mkdir(parents=True, exist_ok=True)
        cases = run(seed, root)
        print(f"\n== clean room 11, seed {seed} ==")
        print(table(cases))
        print("\ndocumented limits:")
        print(limits(cases))
        print("\nfindings:")
        print(findings(cases))
        if not args.keep:
            print(f"(folders in {root}; give --keep DIR to choose where)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
