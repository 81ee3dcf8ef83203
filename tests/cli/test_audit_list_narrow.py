"""``receiptkit audit list`` at 80 columns: whole ids, codes and rules, times in the shop's zone to the second.

Newcomer 19, G14.2: in an 80-column terminal the table cut the txn id, time and rule to ``T0000…``, ``2026-1…``,
``same_…``; even at 120 columns there was no code column and times were UTC with microseconds
(``2026-12-07 21:28:47.175604+00:00``) while ``find`` and ``verify`` speak Asia/Shanghai.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from receiptkit.audit import AuditLog
from receiptkit.errors import ReprintRefused
from receiptkit.reprinting import reprint
from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32


def test_audit_list_fits_80_columns_and_speaks_the_shops_zone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)
    row = {
        "txn_id": "T00001111",
        "merchant_id": "898310058120001",
        "merchant_name": "shop",
        "terminal_id": "12000002",
        "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
        "card_last4": "9403",
    }
    journal = validate_journal(pd.DataFrame([row, {**row, "txn_id": "T00001112", "status": "declined"}]))
    journal = journal.set_index("txn_id", drop=False)
    audit = tmp_path / "audit.sqlite"
    record = reprint(
        journal.loc["T00001111"], journal=journal, operator="clerk7", reason="lost", pdf=tmp_path / "d.pdf",
        audit=audit, new_audit_log=True,
    )  # fmt: skip
    with contextlib.suppress(ReprintRefused):  # refused: declined (logged)
        reprint(journal.loc["T00001112"], journal=journal, operator="clerk7", reason="lost", pdf=tmp_path / "e.pdf",
                audit=audit)  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "receiptkit", "audit", "list", "--audit", "audit.sqlite"],
        capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80", "PYTHONIOENCODING": "utf-8", "RECEIPTKIT_KEY": KEY},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    text = done.stdout
    assert "…" not in text and "+00:00" not in text
    assert lines[0] == "audit log audit.sqlite (3 rows; times in Asia/Shanghai)"
    recorded = AuditLog(audit, create=False).rows()["recorded_at"]
    first = pd.Timestamp(recorded.iloc[0]).tz_convert("Asia/Shanghai")
    assert f"{first:%Y-%m-%d %H:%M:%S} reprint pending T00001111" in text, text
    assert f"code {record.short_code}" in text
    assert "T00001112" in text and "rule declined" in text
    shown_utc = subprocess.run(
        [sys.executable, "-m", "receiptkit", "audit", "list", "--audit", "audit.sqlite", "--tz", "UTC"],
        capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80", "PYTHONIOENCODING": "utf-8", "RECEIPTKIT_KEY": KEY},
    )  # fmt: skip
    assert f"{pd.Timestamp(recorded.iloc[0]).tz_convert('UTC'):%Y-%m-%d %H:%M:%S}" in shown_utc.stdout
