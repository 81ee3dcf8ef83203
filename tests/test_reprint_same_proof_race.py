"""Two counters shown one proof at once: one duplicate, the other refused (rule ``same_proof``).

Clean room 13, F1: two clerks typed the same proof at two tills within a second; both printed (duplicates 2 and
3 from one proof), because the rule was checked before, and outside, the write transaction that numbers the
duplicate, and counted printed duplicates only. An attempt begun and not finished now counts (it may be printing
at the other counter), and the rule is checked again inside the transaction.
"""

from __future__ import annotations

import threading

import pytest
from tests.test_reprint_same_proof import KEY, PROOF, _reprint, journal  # noqa: F401 (fixture)

import receiptkit.reprinting as reprinting
from receiptkit.audit import AuditLog, proof_summary
from receiptkit.errors import ReprintRefused


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def _begun_elsewhere(frame, audit) -> None:
    """Another counter's attempt from the same proof: begun, not finished (its slip is printing)."""
    log = AuditLog(audit, key=KEY, create=True)
    log.begin_reprint(
        frame.iloc[0],
        operator="wang",
        reason="lost slip",
        output_kind="printer",
        proof_summary=proof_summary(PROOF),
        confidence=0.999,
    )


def test_a_proof_being_printed_at_another_counter_is_refused(journal, tmp_path) -> None:  # noqa: F811
    audit = tmp_path / "audit.sqlite"
    _begun_elsewhere(journal, audit)
    with pytest.raises(ReprintRefused) as caught:
        _reprint(journal, audit, tmp_path, "second")
    assert caught.value.rule == "same_proof"
    assert "it may be printing now at another counter" in str(caught.value)
    rows = AuditLog(audit, key=KEY).rows(event_type="reprint")
    assert rows["status"].tolist() == ["pending", "refused"]  # no second number
    assert not (tmp_path / "second.pdf").exists()


def test_overridden_it_prints_the_next_number(journal, tmp_path) -> None:  # noqa: F811
    audit = tmp_path / "audit.sqlite"
    _begun_elsewhere(journal, audit)
    record = _reprint(journal, audit, tmp_path, "second", override="same_proof")
    assert record.reprint_no == 2


def test_the_rule_is_checked_again_inside_the_write(journal, tmp_path, monkeypatch) -> None:  # noqa: F811
    """The other counter begins between this one's first look at the log and its write (the race itself)."""
    audit = tmp_path / "audit.sqlite"
    AuditLog(audit, key=KEY, create=True)
    real = reprinting.earlier_duplicates
    looks: list[int] = []

    def racing(log, txn_id, **kw):
        looks.append(1)
        if len(looks) == 1:  # the first look finds nothing; then the other counter begins
            found = real(log, txn_id, **kw)
            thread = threading.Thread(target=_begun_elsewhere, args=(journal, audit))
            thread.start()
            thread.join()
            return found
        return real(log, txn_id, **kw)

    monkeypatch.setattr(reprinting, "earlier_duplicates", racing)
    with pytest.raises(ReprintRefused) as caught:
        _reprint(journal, audit, tmp_path, "second")
    assert caught.value.rule == "same_proof" and len(looks) == 2
    rows = AuditLog(audit, key=KEY).rows(event_type="reprint")
    assert rows["status"].tolist() == ["pending", "refused"]
    assert rows["reprint_no"].dropna().astype(int).tolist() == [1]
