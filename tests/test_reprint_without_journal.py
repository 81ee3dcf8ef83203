"""A journal row reprinted without ``journal=`` is never an ordinary duplicate by default (newcomer 19, G2).

A void or a refund is its own journal row pointing at the sale (``original_txn_id``): from the sale's row alone
nobody can tell. ``rk.reprint(journal_row)`` without ``journal=`` printed a voided sale and a fully refunded sale
as plain duplicates, signed and logged. Now: a row whose own status or type says declined, reversed or voided is
refused by that rule (as with a journal), and any other is refused by rule ``no_journal`` unless the journal is
given or the rule is overridden with the reason (the slip and the log then say the history was not checked).
"""

from __future__ import annotations

import pandas as pd
import pytest

from receiptkit.audit import AuditLog
from receiptkit.errors import ReprintRefused
from receiptkit.reprinting import RULES, lookup, reprint
from receiptkit.schema import validate_journal

KEY = "hex:" + "3f" * 32
TZ = "Asia/Hong_Kong"


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _row(txn_id: str, ts: str, amount: int, txn_type: str = "sale", original=None, **more) -> dict:
    return {
        "txn_id": txn_id,
        "merchant_id": "852000000000001",
        "merchant_name": "HARBOUR BOOKS LTD",
        "terminal_id": "13000001",
        "ts": pd.Timestamp(ts, tz=TZ),
        "amount_minor": amount,
        "currency": "HKD",
        "txn_type": txn_type,
        "status": "approved",
        "channel": "card",
        "card_last4": "6826",
        "stan": "000123",
        "original_txn_id": original,
        **more,
    }


JOURNAL = validate_journal(
    pd.DataFrame(
        [
            _row("V1", "2026-11-01 09:39:10", 5000),
            _row("V1V", "2026-11-01 09:45:00", 5000, "void", "V1", stan="000124"),
            _row("R1", "2026-11-01 10:00:00", 12000, stan="000125"),
            _row("R1R", "2026-11-02 10:15:00", 12000, "refund", "R1", stan="000126"),
            _row("OK", "2026-11-01 11:00:00", 3000, stan="000127"),
        ]
    )
)


def _sale(txn_id: str) -> pd.Series:
    return JOURNAL[JOURNAL["txn_id"] == txn_id].iloc[0]


def _reprint(item, tmp_path, name: str, **kw):
    return reprint(
        item, operator="li", reason="lost slip", pdf=tmp_path / f"{name}.pdf", audit=tmp_path / "a.sqlite",
        new_audit_log=True, **kw,
    )  # fmt: skip


@pytest.mark.parametrize("txn_id", ["V1", "R1", "OK"])
def test_a_row_alone_is_refused_since_voids_and_refunds_cannot_be_seen(txn_id, tmp_path):
    """The newcomer's voided sale and fully refunded sale, and a plain one: the row alone cannot say which."""
    with pytest.raises(ReprintRefused) as caught:
        _reprint(_sale(txn_id), tmp_path, "d")
    assert caught.value.rule == "no_journal"
    text = str(caught.value)
    assert "journal=" in text and "void" in text and "refund" in text
    assert not (tmp_path / "d.pdf").exists()
    log = AuditLog(tmp_path / "a.sqlite", create=False)
    assert log.rows()["status"].tolist()[-1] == "refused" and log.reprint_count(txn_id) == 0


def test_with_the_journal_the_rules_see_the_void_and_the_refund(tmp_path):
    for txn_id, rule in (("V1", "voided"), ("R1", "refunded")):
        with pytest.raises(ReprintRefused) as caught:
            _reprint(_sale(txn_id), tmp_path, txn_id, journal=JOURNAL)
        assert caught.value.rule == rule
    assert _reprint(_sale("OK"), tmp_path, "ok", journal=JOURNAL).status == "printed"


def test_a_lookup_carries_its_journal(tmp_path):
    """``rk.lookup(journal, ...)`` knows the journal it searched: the rules see the void without ``journal=``."""
    with pytest.raises(ReprintRefused) as caught:
        _reprint(lookup(JOURNAL, stan="123", terminal_id="13000001"), tmp_path, "d")
    assert caught.value.rule == "voided"
    assert _reprint(lookup(JOURNAL, txn_id="OK"), tmp_path, "ok").status == "printed"


def test_the_override_with_a_reason_prints_it_marked_unchecked(tmp_path):
    record = _reprint(_sale("OK"), tmp_path, "d", override="no_journal")
    assert record.status == "printed" and record.overridden == ("no_journal",)
    log = AuditLog(tmp_path / "a.sqlite", create=False)
    assert "no_journal" in str(log.rows()["details"].tolist()[-2:])


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"status": "declined"}, "declined"),
        ({"status": "reversed"}, "reversed"),
        ({"txn_type": "void"}, "voided"),
        ({"status": "voided"}, "voided"),  # a hand-built row that says so in its status
    ],
)
def test_a_row_that_says_its_own_state_is_refused_by_that_rule(change, rule, tmp_path):
    """Its own status needs no journal: refused by its rule, before no_journal, and no_journal's override
    does not print it."""
    row = pd.Series({**_sale("OK").to_dict(), **change})
    with pytest.raises(ReprintRefused) as caught:
        _reprint(row, tmp_path, "d")
    assert caught.value.rule == rule
    with pytest.raises(ReprintRefused) as again:
        _reprint(row, tmp_path, "d", override="no_journal")
    assert again.value.rule == rule


def test_no_journal_is_a_rule():
    assert "no_journal" in RULES
