"""Closing-pack benchmark: a busy terminal's year (50,000 transactions) closed into a sealed pack.

    flock /tmp/receiptkit-bigrun.lock .venv/bin/python benchmarks/bench_closing.py
    .venv/bin/python benchmarks/bench_closing.py --quick        # 2,000 and 5,000, a smoke run

For each size (default 10,000 and 50,000 transactions: sales with their
declined attempts, voids and refunds, all on one terminal over 365 days) a
fresh process builds the journal, one settlement line per daily batch (fee 0.6 %) and one bank
credit per line at T+1 (every fifth credit pays two days at once), then:

1. writes the voucher PDF alone (every approved transaction as a duplicate
   slip, streamed by ``write_a4_pdf``), measuring its wall time and the peak
   resident memory it adds over the process's memory before it (Linux
   ``VmHWM`` reset through ``/proc/self/clear_refs``);
2. runs ``close_terminal`` (reconciliation, open items, CSV/Excel extract,
   voucher PDF, manifest), measuring the same.

The PDF's added peak staying flat from 10,000 to 50,000 slips shows it
streams; the pack's added peak grows only with the tables kept in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

KEY = "hex:" + "5a" * 32
TID = "88000001"


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")  # reset VmHWM to the current RSS
        return True
    except OSError:
        return False


def _measure(func):
    """((wall s, CPU s), result, RSS before in MiB, peak RSS during in MiB, peak reset worked)."""
    import gc

    gc.collect()
    before = _status_kib("VmRSS")
    reset = _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    seconds = (time.perf_counter() - start, time.process_time() - cpu)
    peak = _status_kib("VmHWM")
    return seconds, result, before / 1024, peak / 1024, reset


def _data(rows: int):
    import pandas as pd

    from receiptkit.datasets import make_dataset
    from receiptkit.schema import validate_proofs
    from receiptkit.terminals.settlement import journal_batches

    # make_dataset adds declined attempts, voids and refunds to its sales: keep the first `rows`
    data = make_dataset(n_transactions=rows, n_proofs=10, seed=3, start="2025-01-01", days=365)
    journal = data.journal.iloc[:rows].copy()
    journal["terminal_id"] = TID  # one busy terminal of one merchant, in one currency
    journal["merchant_id"] = "898310058120001"
    journal["merchant_name"] = "瑞幸咖啡(国贸店)"
    journal["currency"] = "CNY"
    journal = journal.reset_index(drop=True)
    batches = journal_batches(journal)
    rate = Decimal("0.006")
    fees = [
        int((Decimal(int(g)) * rate).to_integral_value(rounding=ROUND_HALF_UP))
        for g in batches["gross_minor"]
    ]
    settlement = pd.DataFrame(
        {
            "settlement_date": batches["last_day"],
            "terminal_id": batches["terminal_id"],
            "batch_no": batches["batch_no"],
            "count": batches["count"],
            "gross_minor": batches["gross_minor"],
            "fee_minor": fees,
            "currency": batches["currency"],
        }
    )
    settlement = settlement.sort_values(["settlement_date", "batch_no"]).reset_index(drop=True)
    net = (settlement["gross_minor"] - settlement["fee_minor"]).tolist()
    days = settlement["settlement_date"].tolist()
    credits, k = [], 0
    while k < len(net):
        if k % 5 == 4 and k + 1 < len(net) and (days[k + 1] - days[k]).days <= 2:  # one credit pays two days
            credits.append((days[k + 1] + pd.Timedelta(days=1), net[k] + net[k + 1]))
            k += 2
        else:
            credits.append((days[k] + pd.Timedelta(days=1), net[k]))
            k += 1
    credits = [c for c in credits if c[1] > 0]
    payouts = validate_proofs(
        pd.DataFrame(
            {
                "proof_id": [f"bank:{i + 1}" for i in range(len(credits))],
                "kind": "bank_statement",
                "date": [d for d, _ in credits],
                "amount_minor": [a for _, a in credits],
                "currency": "CNY",
                "direction": "credit",
            }
        )
    )
    return journal, settlement, payouts


def child(rows: int, mode: str) -> dict:
    """One measurement in a fresh process: ``pdf`` (the voucher PDF alone) or ``pack`` (close_terminal)."""
    import pandas as pd

    from receiptkit.slip.a4 import write_a4_pdf
    from receiptkit.terminals.closing import _slips, close_terminal

    start = time.perf_counter()
    journal, settlement, payouts = _data(rows)
    approved = journal[journal["status"] == "approved"].sort_values(["ts", "txn_id"])
    out: dict = {"rows": len(journal), "approved": len(approved), "prepare_s": time.perf_counter() - start}
    now = pd.Timestamp("2026-01-10 18:00", tz="Asia/Shanghai")
    with tempfile.TemporaryDirectory() as folder:
        if mode == "pdf":
            wanted = set(approved["original_txn_id"].dropna())
            originals = {
                str(r["txn_id"]): r for r in journal[journal["txn_id"].isin(wanted)].to_dict("records")
            }
            pdf = Path(folder) / "vouchers.pdf"
            seconds, count, before, peak, reset = _measure(
                lambda: write_a4_pdf(_slips(approved, originals, now), pdf, bookmarks="day")
            )
            out.update(seconds=seconds[0], cpu=seconds[1], slips=count, mb=pdf.stat().st_size / 1e6)
        else:
            pack_dir = Path(folder) / "pack"
            seconds, pack, before, peak, reset = _measure(
                lambda: close_terminal(
                    TID,
                    journal,
                    out=pack_dir,
                    settlement=settlement,
                    payouts=payouts,
                    key=KEY,
                    audit=Path(folder) / "audit.sqlite",
                    register=None,
                    now=now,
                    operator="bench",
                    force=True,
                    reason="benchmark",
                    new_audit_log=True,  # a new log in a temporary folder
                )
            )
            sizes = {p.name: p.stat().st_size for p in pack_dir.iterdir()}
            rec = pack.reconciliation
            out.update(
                seconds=seconds[0],
                cpu=seconds[1],
                files=len(sizes),
                mb=sum(sizes.values()) / 1e6,
                xlsx_mb=sizes["journal_extract.xlsx"] / 1e6,
                vouchers=pack.vouchers,
                lines=len(rec.lines),
                differences=rec.summary(),
                payouts_explained=int((rec.payouts["status"] == "explained").sum()),
                payouts=len(rec.payouts),
            )
    out.update(before_mib=before, peak_mib=peak, added_mib=peak - before, peak_reset=reset)
    return out


def _run_child(rows: int, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(rows), "--mode", mode],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,50000", help="transactions per run, comma-separated")
    parser.add_argument("--quick", action="store_true", help="2,000 and 5,000 transactions")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="pack", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.mode)))
        return 0
    sizes = [2000, 5000] if args.quick else [int(s) for s in args.sizes.split(",")]
    results = []
    for rows in sizes:
        pdf = _run_child(rows, "pdf")
        pack = _run_child(rows, "pack")
        results.append((rows, pdf, pack))
        print(f"{pack['rows']:>6} transactions on one terminal over 365 days, {pack['approved']} approved")
        print(
            f"   voucher PDF alone : {pdf['seconds']:7.1f} s wall ({pdf['cpu']:.1f} s CPU), {pdf['slips']} slips "
            f"({pdf['cpu'] / pdf['slips'] * 1000:.1f} ms CPU/slip), {pdf['mb']:.1f} MB; "
            f"peak RSS +{pdf['added_mib']:.0f} MiB over {pdf['before_mib']:.0f} MiB"
        )
        print(
            f"   close_terminal    : {pack['seconds']:7.1f} s wall ({pack['cpu']:.1f} s CPU), {pack['files']} files, {pack['mb']:.1f} MB "
            f"(xlsx {pack['xlsx_mb']:.1f} MB); peak RSS +{pack['added_mib']:.0f} MiB over {pack['before_mib']:.0f} MiB "
            f"(process peak {pack['peak_mib']:.0f} MiB)"
        )
        print(
            f"   reconciliation    : {pack['lines']} settlement lines, {pack['payouts_explained']}/{pack['payouts']} "
            f"payouts explained, differences {pack['differences'] or 'none'}"
        )
        if not (pdf["peak_reset"] and pack["peak_reset"]):
            print("   (VmHWM reset not available here: peaks are whole-process)")
    if len(results) >= 2:
        (sa, pa, ka), (sb, pb, kb) = results[0], results[-1]
        print(
            f"{sa} -> {sb} transactions: slips x{pb['slips'] / pa['slips']:.1f}; PDF CPU time x{pb['cpu'] / pa['cpu']:.1f}, "
            f"PDF added peak {pa['added_mib']:.0f} -> {pb['added_mib']:.0f} MiB; "
            f"pack CPU time x{kb['cpu'] / ka['cpu']:.1f}, pack added peak {ka['added_mib']:.0f} -> {kb['added_mib']:.0f} MiB"
        )
    print(
        f"machine: {os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python {sys.version.split()[0]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
