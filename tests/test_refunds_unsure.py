"""When the journal names refunds of a sale but cannot say what was given back, the refund state is ``unsure``.

Session 19: a refund in another currency was left out (the sale printed as an ordinary SALE), two rows of one
refund id that differ counted once as the first, refunds adding up to more than the sale made it ``REFUNDED``
for the sum, and a refund naming the sale from another terminal or merchant, or logged before it, was dropped.
Each is now :class:`receiptkit.refunds.RefundUnsure`: ``reprint`` refuses it (rule ``refund_unsure``,
overridable with the reason), ``find`` says it, and the slip never prints a REFUNDED / PARTLY REFUNDED amount.
"""

from __future__ import annotations

import pandas as pd
import pytest

from _refund_rows import KEY, TZ
from _refund_rows import journal as _journal
from _refund_rows import row as _row
from receiptkit.audit import AuditLog
from receiptkit.errors import ReprintRefused, SchemaError
from receiptkit.refunds import RefundState, RefundUnsure, refund_state
from receiptkit.reprinting import RULES, reprint


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _unvalidated(*parts: pd.DataFrame) -> pd.DataFrame:
    """Validated pieces concatenated by hand: a frame validate_journal would refuse (two rows under one id) can
    still reach refund_state, which must not be fooled by it."""
    return pd.concat(parts, ignore_index=True)


SALE = _row("S1", "2026-11-01 09:39:10", 12000)


def _sale(journal: pd.DataFrame) -> pd.Series:
    return journal[journal["txn_id"] == "S1"].iloc[0]


def _unsure(journal: pd.DataFrame) -> RefundUnsure:
    state = refund_state(_sale(journal), journal)
    assert isinstance(state, RefundUnsure), state
    assert state.status == "unsure" and state.reasons
    return state


OTHER_CURRENCY = _journal(SALE, _row("S1R", "2026-11-02 10:15:00", 1500, "refund", "S1", currency="USD"))


def test_a_refund_in_another_currency_is_unsure_naming_both():
    state = _unsure(OTHER_CURRENCY)
    why = " ".join(state.reasons)
    assert "USD" in why and "HKD" in why and "S1R" in why
    # one refund in the sale's currency beside it: never PARTLY REFUNDED HKD 20.00 as if that were all
    mixed = _journal(
        SALE,
        _row("S1R", "2026-11-02 10:15:00", 2000, "refund", "S1"),
        _row("S1R2", "2026-11-03 10:15:00", 1500, "refund", "S1", currency="USD"),
    )
    state = _unsure(mixed)
    assert [r.txn_id for r in state.refunds] == ["S1R", "S1R2"]
    assert [r.currency for r in state.refunds] == ["HKD", "USD"]
    line = state.slip_line()
    assert "REFUND UNSURE" in line and "REFUNDED" not in line.replace("REFUND UNSURE", "")
    assert "USD 15.00" in line and "HKD 20.00" in line  # each in its own currency, never summed


def test_a_refund_logged_twice_alike_counts_once_and_says_so():
    twice = _journal(
        SALE,
        _row("S1R", "2026-11-02 10:15:00", 2000, "refund", "S1"),
        _row("S1R", "2026-11-02 10:15:00", 2000, "refund", "S1"),
    )
    state = refund_state(_sale(twice), twice)
    assert isinstance(state, RefundState) and state.status == "partial"
    assert state.amount_minor == 2000 and state.refunds[0].copies == 2
    assert "logged 2 times" in state.text()


def test_two_different_rows_of_one_refund_id_are_unsure():
    # one line logged twice, or two refunds the terminal gave one id: the journal cannot tell
    first = _row("S1R", "2026-11-02 10:15:00", 2000, "refund", "S1")
    second = _row("S1R", "2026-11-03 11:00:00", 3000, "refund", "S1")
    with pytest.raises(SchemaError, match="duplicate txn_id"):  # validate_journal refuses it (session 19)
        _journal(SALE, first, second)
    differ = _unvalidated(_journal(SALE, first), _journal(second))  # a frame concatenated by hand
    state = _unsure(differ)
    assert "S1R" in " ".join(state.reasons) and "2 rows" in " ".join(state.reasons)


def test_refunds_adding_up_to_more_than_the_sale_are_unsure():
    over = _journal(
        SALE,
        _row("S1R", "2026-11-02 10:15:00", 10000, "refund", "S1"),
        _row("S1R2", "2026-11-03 11:00:00", 5000, "refund", "S1"),
    )
    state = _unsure(over)
    why = " ".join(state.reasons)
    assert "150.00" in why and "120.00" in why
    assert "REFUNDED 已退款" not in state.slip_line()


def test_a_refund_naming_the_sale_that_cannot_be_its_own_is_unsure():
    other_terminal = _journal(
        SALE, _row("S1R", "2026-11-02 10:15:00", 12000, "refund", "S1", terminal_id="99999999")
    )
    assert "99999999" in " ".join(_unsure(other_terminal).reasons)
    other_merchant = _journal(
        SALE, _row("S1R", "2026-11-02 10:15:00", 12000, "refund", "S1", merchant_id="852999")
    )
    assert "852999" in " ".join(_unsure(other_merchant).reasons)
    earlier = _journal(
        _row("S1", "2026-11-05 09:39:10", 12000), _row("S1R", "2026-11-02 10:15:00", 12000, "refund", "S1")
    )
    assert "before" in " ".join(_unsure(earlier).reasons)
    # the sale's txn_id on two different sales: which one the refund gives back is not known
    other_sale = _row("S1", "2026-11-01 15:00:00", 5000, terminal_id="13000002")
    with pytest.raises(SchemaError, match="duplicate txn_id"):
        _journal(SALE, other_sale)
    shared = _unvalidated(
        _journal(SALE), _journal(other_sale, _row("S1R", "2026-11-02 10:15:00", 12000, "refund", "S1"))
    )
    state = refund_state(shared.iloc[0], shared)
    assert isinstance(state, RefundUnsure) and "2 different" in " ".join(state.reasons)


def test_only_an_approved_void_undoes_a_refund():
    declined_void = _journal(
        SALE,
        _row("S1R", "2026-11-02 10:15:00", 12000, "refund", "S1"),
        _row("S1RV", "2026-11-02 10:16:00", 12000, "void", "S1R", status="declined"),
    )
    state = refund_state(_sale(declined_void), declined_void)
    assert isinstance(state, RefundState) and state.full


@pytest.mark.parametrize(
    "journal, words",
    [
        (OTHER_CURRENCY, ["USD", "HKD"]),
        (
            _journal(SALE, _row("S1R", "2026-11-02 10:15:00", 12000, "refund", "S1", terminal_id="99999999")),
            ["99999999"],
        ),
    ],
)
def test_reprint_refuses_an_unsure_refund_state_clearly(tmp_path, journal, words):
    assert "refund_unsure" in RULES
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            _sale(journal),
            journal=journal,
            operator="li",
            reason="lost",
            outputs={"text": tmp_path / "d.txt"},
            audit=tmp_path / "a.sqlite",
            new_audit_log=True,
        )
    assert caught.value.rule == "refund_unsure"
    message = str(caught.value)
    assert all(word in message for word in words) and "S1R" in message and "refund_unsure" in message
    assert not (tmp_path / "d.txt").exists()
    # overriding refunded does not cover it: the state is not known to be a full refund
    with pytest.raises(ReprintRefused) as again:
        reprint(
            _sale(journal),
            journal=journal,
            operator="li",
            reason="lost",
            override="refunded",
            outputs={"text": tmp_path / "d.txt"},
            audit=tmp_path / "a.sqlite",
        )
    assert again.value.rule == "refund_unsure"


def test_overridden_unsure_refund_prints_no_refunded_amount(tmp_path):
    record = reprint(
        _sale(OTHER_CURRENCY),
        journal=OTHER_CURRENCY,
        operator="li",
        reason="acquirer confirmed the USD refund is of another sale",
        override="refund_unsure",
        outputs={"text": tmp_path / "d.txt"},
        audit=tmp_path / "a.sqlite",
        new_audit_log=True,
    )
    assert record.overridden == ("refund_unsure",)
    text = " ".join((tmp_path / "d.txt").read_text(encoding="utf-8").split())
    assert "REFUND UNSURE" in text and "S1R" in text and "USD 15.00" in text
    assert "REFUNDED 已退款" not in text and "PARTLY REFUNDED" not in text
    assert record.refund_note is not None and record.refund_note.startswith("REFUND UNSURE")
    with AuditLog(tmp_path / "a.sqlite", create=False) as log:
        details = log.rows(event_type="reprint")["details"].astype(str).str.cat()
    assert '"refund":"unsure"' in details and "USD" in details


def test_find_says_the_refund_state_is_unsure():
    import receiptkit as rk

    ranked = rk.find(
        OTHER_CURRENCY, amount="120.00", time="2026-11-01 09:39", last4="6826", currency="HKD", tz=TZ
    )
    verdict = ranked.attrs["verdict"]
    assert verdict["status"] == "matched"
    refund = verdict["refund"]
    assert refund is not None and refund["refund"] == "unsure"
    assert "USD" in refund["text"] and "HKD" in refund["text"] and "S1R" in refund["text"]
