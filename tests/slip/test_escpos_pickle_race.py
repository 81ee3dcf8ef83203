"""A half-written python-escpos capabilities pickle does not fail a print (clean room 13, F2).

python-escpos writes its pickle in place; a second process starting while the first writes it read a half-written
file and failed with EOFError, and the clerk was told to check the printer."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import pandas as pd
from receiptkit.slip import Slip
row = pd.Series({"txn_id": "A", "merchant_id": "898310058120001", "merchant_name": "Cafe", "terminal_id": "10000001",
    "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"), "amount_minor": 12850, "currency": "CNY",
    "txn_type": "sale", "status": "approved", "channel": "card", "card_last4": "1234"})
data = Slip.from_transaction(row).to_escpos()
print(len(data))
"""


def test_a_half_written_pickle_is_read_again_elsewhere(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    half = folder / f"{platform.python_version()}.capabilities.pickle"
    half.write_bytes(b"\x80\x04\x95\x00\x10\x00\x00")  # a pickle cut after its first bytes
    later = time.time() + 3600
    os.utime(half, (later, later))  # newer than the database: python-escpos reads it, not the JSON
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ESCPOS_CAPABILITIES_PICKLE_DIR": str(folder)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 100
