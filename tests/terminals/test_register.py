"""The terminal register: changes, their audit rows, backdated reports and tampering."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from receiptkit.audit import AuditLog
from receiptkit.errors import AuditError, ReceiptkitError
from receiptkit.terminals import Terminals
from receiptkit.terminals.register import REGISTER_TABLE, TERMINAL_EVENT, cutoff_of

CST = dt.timezone(dt.timedelta(hours=8))
KEY = bytes(range(32))


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merchant key in the environment, as at a counter: the audit log is keyed with it."""
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + KEY.hex())
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 20, 15, 0, tzinfo=CST))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "receiptkit-audit.sqlite"


@pytest.fixture
def register(path: Path, clock: Clock) -> Terminals:
    with Terminals(path, clock=clock) as reg:
        reg.add(
            "12345678",
            operator="li",
            merchant_id="898310048161234",
            model="PAX A920",
            serial_no="0820123456",
            acquirer="银联商务",
            since=dt.datetime(2026, 1, 5, 9, 0, tzinfo=CST),
        )
        yield reg


def test_add_keeps_attributes_and_writes_one_audit_row(register: Terminals) -> None:
    entry = register.get("12345678")
    assert (entry.merchant_id, entry.model, entry.serial_no, entry.acquirer) == (
        "898310048161234",
        "PAX A920",
        "0820123456",
        "银联商务",
    )
    assert entry.status == "active" and entry.cutoff_at is None
    rows = register.log.rows(event_type=TERMINAL_EVENT)
    assert len(rows) == 1
    assert rows.loc[0, "subject"] == "12345678" and rows.loc[0, "status"] == "active"
    assert rows.loc[0, "operator"] == "li"
    assert json.loads(rows.loc[0, "details"])["serial_no"] == "0820123456"
    assert rows.loc[0, "effective_at"] == dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)


def test_loss_then_replacement_each_change_in_the_register_and_the_log(
    register: Terminals, clock: Clock
) -> None:
    lost_at = dt.datetime(2026, 11, 20, 14, 0, tzinfo=CST)
    entry = register.report_lost("12345678", at=lost_at, operator="li", note="stolen from the counter")
    assert entry.status == "reported_lost"
    assert entry.status_at == lost_at and entry.cutoff_at == lost_at
    assert entry.note == "stolen from the counter" and entry.operator == "li"
    assert entry.reported_at == clock.now

    clock.now += dt.timedelta(days=1)
    entry = register.replace("12345678", by="12345699", operator="wang", note="new PAX from 银联商务")
    assert entry.status == "replaced" and entry.replaced_by == "12345699"
    assert entry.cutoff_at == lost_at and entry.cutoff_status == "reported_lost"  # the first cutoff counts
    new = register.get("12345699")
    assert new.status == "active" and new.replaces == "12345678"
    assert new.merchant_id == "898310048161234" and new.acquirer == "银联商务"

    history = register.history("12345678")
    assert history["status"].tolist() == ["active", "reported_lost", "replaced"]
    assert history["operator"].tolist() == ["li", "li", "wang"]
    assert history["replacement"].tolist()[-1] == "12345699"
    logged = register.log.rows(event_type=TERMINAL_EVENT)
    assert logged["subject"].tolist() == ["12345678", "12345678", "12345699", "12345678"]
    assert logged["status"].tolist() == ["active", "reported_lost", "active", "replaced"]
    assert register.log.verify().ok
    late = register.backdated()  # the loss claims 14:00 but was written at 15:00; the replacement is "now"
    assert late["status"].tolist() == ["reported_lost"]

    listing = register.list().set_index("terminal_id")
    assert listing.loc["12345678", "status"] == "replaced"
    assert listing.loc["12345699", "status"] == "active"
    cutoffs = register.cutoffs()
    assert cutoffs["terminal_id"].tolist() == ["12345678"]
    assert cutoffs.loc[0, "cutoff_at"] == lost_at


def test_close_is_a_cutoff_and_records_details(register: Terminals, clock: Clock) -> None:
    entry = register.close("12345678", operator="li", note="contract ended", details={"pack": "abc"})
    assert entry.status == "closed" and entry.cutoff_at == clock.now
    row = register.log.rows(event_type=TERMINAL_EVENT).iloc[-1]
    assert json.loads(row["details"]) == {"action": "close", "note": "contract ended", "pack": "abc"}
    with pytest.raises(ReceiptkitError, match="cannot close a terminal that is closed"):
        register.close("12345678", operator="li")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r, c: r.report_lost("99999999", at=c.now, operator="li"), "no such terminal"),
        (lambda r, c: r.report_lost("12345678", at=c.now + dt.timedelta(hours=2), operator="li"), "future"),
        (lambda r, c: r.report_lost("12345678", at=dt.datetime(2026, 11, 20, 9), operator="li"), "aware"),
        (
            lambda r, c: r.report_lost("12345678", at=dt.datetime(2025, 1, 1, tzinfo=CST), operator="li"),
            "before the terminal's last change",
        ),
        (lambda r, c: r.report_lost("12345678", at=c.now, operator=" "), "operator is required"),
        (lambda r, c: r.add("12345678", operator="li"), "already in the register"),
        (lambda r, c: r.replace("12345678", by="12345678", operator="li"), "cannot replace itself"),
        (lambda r, c: r.close("12345678", operator="li", details={"note": "x"}), "may not set note"),
    ],
)
def test_bad_changes_are_refused_and_write_nothing(register: Terminals, clock: Clock, call, message) -> None:
    before = len(register.log.rows())
    with pytest.raises(ReceiptkitError, match=message):
        call(register, clock)
    assert len(register.log.rows()) == before
    assert register.get("12345678").status == "active"


def test_a_lost_terminal_cannot_be_reported_lost_again(register: Terminals, clock: Clock) -> None:
    register.report_lost("12345678", at=clock.now, operator="li")
    with pytest.raises(ReceiptkitError, match="that is reported_lost"):
        register.report_lost("12345678", at=clock.now, operator="li")


def test_backdated_loss_report_is_listed_with_the_reprints_in_between(path: Path, clock: Clock) -> None:
    log = AuditLog(path, clock=clock)
    register = Terminals(log)
    register.add("12345678", operator="li")
    clock.now = dt.datetime(2026, 11, 20, 10, 0, tzinfo=CST)
    row = {
        "txn_id": "T1",
        "terminal_id": "12345678",
        "ts": "2026-11-20T09:55:00+08:00",
        "amount_minor": 50000,
        "currency": "CNY",
        "txn_type": "refund",
        "status": "approved",
    }
    attempt = log.begin_reprint(row, operator="zhao", reason="customer", output_kind="pdf", key=KEY)
    log.complete(attempt, document_sha256="a" * 64)
    other = {**row, "txn_id": "T2", "terminal_id": "87654321"}
    log.begin_reprint(other, operator="zhao", reason="customer", output_kind="pdf", key=KEY)
    clock.now = dt.datetime(2026, 11, 20, 15, 0, tzinfo=CST)
    register.report_lost("12345678", at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=CST), operator="li")

    late = register.backdated()
    assert len(late) == 1
    assert late.loc[0, "subject"] == "12345678"
    assert late.loc[0, "lag"] == dt.timedelta(hours=6)
    assert late.loc[0, "reprints_between"] == 1  # T1 on this terminal; T2 is on another one
    assert register.verify().ok  # backdating is listed, not an error
    assert len(register.verify().backdated) == 1


def test_a_loss_time_edited_in_the_audit_table_is_detected(register: Terminals, clock: Clock, path) -> None:
    register.report_lost("12345678", at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=CST), operator="li")
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE receiptkit_audit SET effective_at = '2026-11-20T07:00:00.000000+00:00' "
            "WHERE event_type = ? AND status = 'reported_lost'",
            (TERMINAL_EVENT,),
        )
    report = register.log.verify()
    assert not report.ok and report.problem == "edited" and report.first_bad_seq == 2
    with pytest.raises(AuditError, match=r"audit row 2 .* was changed"):
        register.get("12345678")
    assert not register.verify().ok


def test_a_loss_time_edited_in_the_register_table_is_detected(register: Terminals, path) -> None:
    register.report_lost("12345678", at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=CST), operator="li")
    with sqlite3.connect(path) as db:
        db.execute(
            f"UPDATE {REGISTER_TABLE} SET cutoff_at = '2026-11-20T07:00:00.000000+00:00' "
            "WHERE terminal_id = '12345678'"
        )
    assert register.log.verify().ok  # the chain itself is untouched ...
    with pytest.raises(AuditError, match=r"cutoff_at=.*2026-11-20T07:00.* but the audit log says .*01:00"):
        register.get("12345678")  # ... but the register no longer agrees with it
    report = register.verify()
    assert not report.ok and "cutoff_at" in report.problems[0]
    with pytest.raises(AuditError):
        cutoff_of(register.log, "12345678")  # a reprint check refuses to use it


def test_a_register_row_behind_the_log_is_brought_up_to_date(register: Terminals, path) -> None:
    with sqlite3.connect(path) as db:
        db.execute(f"DELETE FROM {REGISTER_TABLE}")
    assert register.get("12345678").serial_no == "0820123456"
    with sqlite3.connect(path) as db:
        assert db.execute(f"SELECT count(*) FROM {REGISTER_TABLE}").fetchone()[0] == 1


def test_a_register_row_without_events_is_reported(register: Terminals, path) -> None:
    with sqlite3.connect(path) as db:
        db.execute(
            f"INSERT INTO {REGISTER_TABLE} (terminal_id, status, audit_seq, audit_hash) "
            "VALUES ('55555555', 'active', 99, 'x')"
        )
    report = register.verify()
    assert not report.ok and "55555555" in report.problems[0]


def test_register_with_a_sqlalchemy_url_in_the_log_database(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    with Terminals(url, clock=clock) as register:
        register.add("T-1", operator="li")
    with Terminals(url, create=False) as again:
        assert again.get("T-1").status == "active"
        assert len(again.log.rows(event_type=TERMINAL_EVENT)) == 1


def test_cutoff_of_without_a_register_creates_nothing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "plain.sqlite")
    assert cutoff_of(log, "12345678") is None
    with sqlite3.connect(tmp_path / "plain.sqlite") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert REGISTER_TABLE not in tables
    with pytest.raises(AuditError, match="no terminal register"):
        Terminals(log, create=False)


def test_a_terminal_of_another_merchant_is_not_taken_as_the_replacement(register: Terminals) -> None:
    """replace(A, by=B) accepted any active B: a terminal id of another merchant (an id the acquirer
    re-issued, or a typo) was recorded as A's replacement, attaching it to A's merchant's history."""
    register.add("87654321", operator="li", merchant_id="898310099990000")  # 12345678: the fixture's
    with pytest.raises(ReceiptkitError, match="another merchant"):
        register.replace("12345678", by="87654321", operator="li")
    assert register.get("12345678").status == "active"
    register.add("12345699", operator="li", merchant_id="898310048161234")
    assert register.replace("12345678", by="12345699", operator="li").replaced_by == "12345699"
