"""``ReprintRefused`` is a policy refusal, not an I/O error (newcomer 19, G14.1).

It subclassed ``PermissionError`` (an ``OSError``), as ``PrinterError`` does: a POS program's usual
``except OSError:`` around printing ("check the printer", retry) also caught a control refusal (``[voided]``,
``[same_proof]``) and could retry it or show it as a printer fault.
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.errors import PrinterError, ReceiptkitError, ReprintRefused
from receiptkit.reprinting import reprint
from receiptkit.schema import validate_journal


def test_reprint_refused_is_no_os_error() -> None:
    assert not issubclass(ReprintRefused, OSError)
    assert issubclass(ReprintRefused, ReceiptkitError)
    assert issubclass(PrinterError, OSError)  # the printer's faults stay I/O errors


def test_an_except_oserror_around_reprint_does_not_swallow_a_refusal(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "3f" * 32)
    row = {
        "txn_id": "A0",
        "merchant_id": "898310058120001",
        "merchant_name": "shop",
        "terminal_id": "10000001",
        "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "declined",
        "channel": "card",
        "card_last4": "9403",
    }
    journal = validate_journal(pd.DataFrame([row])).set_index("txn_id", drop=False)
    printer_faults = []
    with pytest.raises(ReprintRefused, match=r"\[declined\]"):
        try:
            reprint(
                journal.loc["A0"],
                journal=journal,
                operator="clerk7",
                reason="lost",
                pdf=tmp_path / "dup.pdf",
                audit=tmp_path / "audit.sqlite",
                new_audit_log=True,
            )
        except OSError as exc:  # "check the printer, then retry"
            printer_faults.append(exc)
    assert printer_faults == []
