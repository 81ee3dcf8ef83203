"""Clean room 10: the accountant's month (statement and proof readers, damage with an oracle, pandas conventions).

Usage::

    PYTHONPATH=$PWD/src python benchmarks/bench_cleanroom10.py --seed 4 [--seed 5] [--keep DIR] [--format wechat ...]

Seeds 0-3 were used while writing it; seeds >= 4 are for measurement.

Written from the public descriptions only (README.md, docs/proofs.md, docs/journal.md, docs/closing.md,
docs/reports.md and ../shared/samples/FORMATS.md with the sample files; never the code under test). Per seed it
writes a month of known statement lines (the oracle: date or time with its precision, signed exact amount,
currency incl. 0-decimal JPY, counterparty text incl. Chinese, references) in every layout the docs list that a
clean room can write (WeChat CSV and xlsx, Alipay GBK, CMB debit, BOC credit and debit, BOCOM credit, ABC, CGB,
HSBC HK credit and debit, PayPal activity, Stripe balance change, OFX 1.x and 2.x, MT940, CAMT.053, the canonical
proofs CSV/Parquet, the canonical journal CSV/Parquet, a UnionPay settlement detail), reads each with the
documented reader and scores every line: right / lost (a field empty) / typed error / SILENT (a value read
otherwise, a row lost or invented) / crash. Each file is then damaged (amounts at and beyond the maximum,
184467440737095387.66, 1.2E+3, "1,234.5", "(12.00)", full-width digits, spaces and NBSP, BOM, CRLF, the other
encoding, a cut last row, a repeated row and header, a junk footer, a missing amount/optional/currency column, a
day/month swapped where the layout fixes DD/MM, a time written 下午2:32) and read again: the expected frame or a
typed error naming the place; anything else is counted. pandas conventions are checked on every frame and on
``match``/``reconcile`` results (type, plain attrs, astype, concat, merge, pickle, Parquet, dask, integer money,
exact group sums), and the reconciliation reports (CSV, Excel, HTML) for formula and HTML payloads.

Output: tables per format, per damage and per convention, and the findings, each with a reproducer written
under --keep (default: a new temporary folder, printed). Exit code 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cleanroom10.run import Run, report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, action="append", required=True)
    ap.add_argument(
        "--keep", type=Path, default=None, help="folder for the month's files and the reproducers"
    )
    ap.add_argument("--format", action="append", default=None, help="only these formats (and 'match')")
    a = ap.parse_args(argv)
    keep = a.keep or Path(tempfile.mkdtemp(prefix="rk-cleanroom10-"))
    keep.mkdir(parents=True, exist_ok=True)
    runs = []
    for s in a.seed:
        r = Run(s, keep)
        r.go(a.format)
        runs.append(r)
    text = report(runs)
    print(text)
    (keep / "report.txt").write_text(text)
    (keep / "findings.json").write_text(
        json.dumps([f for r in runs for f in r.findings], ensure_ascii=False, indent=1, default=str)
    )
    print(f"\nfiles, reproducers and report in {keep}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
