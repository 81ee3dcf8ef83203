"""``rk.reprint`` writes to an existing audit log; a new one only with ``new_audit_log=True`` (newcomer 18, F1).

A mistyped path started a fresh log: the duplicate was "reprint 1" again and rules same_proof and the cap could not
see the earlier ones; the shop's real log then called that genuine slip NOT GENUINE.
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.audit import AuditLog
from receiptkit.errors import AuditError
from receiptkit.reprinting import reprint
from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


JOURNAL = validate_journal(
    pd.DataFrame(
        [
            {
                "txn_id": "A",
                "merchant_id": "898310058120001",
                "merchant_name": "瑞幸咖啡(国贸店)",
                "terminal_id": "10000001",
                "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
                "amount_minor": 12850,
                "currency": "CNY",
                "txn_type": "sale",
                "status": "approved",
                "channel": "card",
                "card_last4": "4821",
            }
        ]
    )
)
ROW = JOURNAL.iloc[0]


def test_a_missing_log_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(AuditError) as caught:
        reprint(ROW, operator="li", reason="lost", pdf=tmp_path / "d.pdf", audit=tmp_path / "audti.sqlite")
    assert "audti.sqlite: no audit log here" in str(caught.value) and "new_audit_log=True" in str(
        caught.value
    )
    assert "audti.sqlite" in str(caught.value)
    assert not (tmp_path / "audti.sqlite").exists() and not (tmp_path / "d.pdf").exists()


def test_new_audit_log_starts_one_and_then_it_is_used(tmp_path):
    first = reprint(
        ROW,
        journal=JOURNAL,
        operator="li",
        reason="lost",
        pdf=tmp_path / "d1.pdf",
        audit=tmp_path / "a.sqlite",
        new_audit_log=True,
    )
    assert first.reprint_no == 1 and (tmp_path / "a.sqlite").exists()
    second = reprint(
        ROW,
        journal=JOURNAL,
        operator="li",
        reason="lost",
        pdf=tmp_path / "d2.pdf",
        audit=tmp_path / "a.sqlite",
    )
    assert second.reprint_no == 2


def test_an_auditlog_object_is_used_as_opened(tmp_path):
    with AuditLog(tmp_path / "a.sqlite", key=KEY) as log:  # the caller chose to create it
        assert (
            reprint(
                ROW, journal=JOURNAL, operator="li", reason="lost", pdf=tmp_path / "d.pdf", audit=log
            ).reprint_no
            == 1
        )
