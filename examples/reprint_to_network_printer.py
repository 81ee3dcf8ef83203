"""Reprint a duplicate slip to a receipt printer.

    python examples/reprint_to_network_printer.py 192.168.1.50            # tcp://192.168.1.50:9100
    python examples/reprint_to_network_printer.py tcp://127.0.0.1:9100 --width 58mm
    python examples/reprint_to_network_printer.py file:/tmp/slip.bin      # write the bytes to a file

Exit 0 when the printer confirmed the slip (its process-ID response: give
--profile of such a model, e.g. TM-T88V), 3 when the bytes left but the printer
did not confirm the printing (a file never can; a printer without the process-ID
response only says it took the job: check that the duplicate came out), 1 when
printing failed.

The transaction comes from a journal CSV with the canonical columns (default:
the fixture journal of the test suite) and is chosen by --txn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from receiptkit import PrinterError, Slip, print_slip
from receiptkit.schema import validate_journal

DEFAULT_JOURNAL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "slip" / "journal.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reprint a DUPLICATE slip to a receipt printer.")
    parser.add_argument(
        "printer", help="host[:port], tcp://host:port, usb:VID:PID, serial:/dev/..., file:/path"
    )
    parser.add_argument(
        "--journal", type=Path, default=DEFAULT_JOURNAL, help="journal CSV (canonical columns)"
    )
    parser.add_argument("--txn", default="UP-0001", help="txn_id to reprint")
    parser.add_argument("--width", choices=["80mm", "58mm"], default="80mm")
    parser.add_argument("--profile", default=None, help="python-escpos profile, e.g. POS-5890 or TM-T88V")
    parser.add_argument("--tz", default="Asia/Shanghai", help="zone of journal times without one")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the printer")
    parser.add_argument("--no-status", action="store_true", help="do not ask the paper status first")
    parser.add_argument("--printed-at", default=None, help="fixed printed-at time (for tests)")
    args = parser.parse_args(argv)

    raw = pd.read_csv(args.journal, dtype=str, keep_default_na=False)
    raw["amount_minor"] = raw["amount_minor"].astype("int64")
    journal = validate_journal(raw, tz=args.tz).set_index("txn_id", drop=False)
    if args.txn not in journal.index:
        print(f"no transaction {args.txn!r} in {args.journal}", file=sys.stderr)
        return 2
    row = journal.loc[args.txn]
    original = None
    if pd.notna(row["original_txn_id"]) and row["original_txn_id"] in journal.index:
        original = journal.loc[row["original_txn_id"]]
    slip = Slip.from_transaction(row, width=args.width, original=original, printed_at=args.printed_at)

    address = args.printer
    if "://" not in address and not address.startswith(("usb:", "serial:", "file:", "dummy:")):
        address = f"tcp://{address}"  # a bare host or host:port is a network printer
    try:
        result = print_slip(
            slip, address, check_status=not args.no_status, timeout=args.timeout, profile=args.profile
        )
    except PrinterError as exc:
        print(f"reprint failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"sent {len(result.data)} bytes ({slip.template} slip of {args.txn}) to {address}: {result.outcome}"
    )
    if not result.printed:
        print(f"not confirmed: {result.detail}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
