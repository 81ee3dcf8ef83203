"""The audit log: reprint counter and cap, two-step attempts and retries, the hash chain, exports."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import sqlite3
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from receiptkit.audit import GENESIS_HASH, AuditLog, ChainHead, proof_summary, row_hash, row_mac
from receiptkit.errors import AuditError, ReprintRefused
from receiptkit.schema import FullPanWarning
from receiptkit.verification import verify

KEY = bytes(range(32))
SHA_A = "a" * 64
SHA_B = "b" * 64
T0 = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merchant key in the environment, as at a counter: the log is keyed with it."""
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + KEY.hex())
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


def journal_row(txn_id: str = "T0001", **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "txn_id": txn_id,
        "merchant_id": "898310048161234",
        "terminal_id": "10283746",
        "ts": "2026-11-20T14:32:05+08:00",
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "card_last4": "4821",
        "rrn": "632415098712",
    }
    row.update(changes)
    return row


class Clock:
    """A settable clock for the log."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def begin(log: AuditLog, txn_id: str = "T0001", **options: object):
    kwargs: dict[str, object] = {
        "operator": "li",
        "reason": "customer lost slip",
        "output_kind": "pdf",
        "key": KEY,
    }
    kwargs.update(options)
    return log.begin_reprint(journal_row(txn_id), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "audit.sqlite"


@pytest.fixture
def log(path: Path):
    with AuditLog(path) as opened:
        yield opened


# -- counter and cap ------------------------------------------------------------------


def test_reprint_numbers_count_per_transaction(log: AuditLog) -> None:
    numbers = [begin(log).reprint_no for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert begin(log, "T0002").reprint_no == 1
    assert log.reprint_count("T0001") == 3 and log.reprint_count("T0002") == 1
    assert log.reprint_count("T9999") == 0


def test_codes_differ_per_reprint_and_cover_the_number(log: AuditLog) -> None:
    first, second = begin(log), begin(log)
    assert first.short_code != second.short_code
    assert first.fields["reprint_no"] == "1" and second.fields["reprint_no"] == "2"
    assert verify(second.code.qr_payload, key=KEY).reprint_no == 2


def test_cap_refuses_beyond_it_and_logs_the_refusal(log: AuditLog) -> None:
    begin(log, cap=2)
    failed = begin(log, cap=2)
    log.complete(failed, result="failed", error="paper jam")  # a failed number still counts
    with pytest.raises(ReprintRefused) as caught:
        begin(log, cap=2, operator="wang")
    assert caught.value.rule == "reprint_cap" and "cap is 2" in str(caught.value)
    assert log.reprint_count("T0001") == 2
    refused = log.rows(status="refused")
    assert len(refused) == 1
    assert refused.loc[0, "rule"] == "reprint_cap" and refused.loc[0, "operator"] == "wang"
    # the failed attempt can still be retried: a retry uses no new number
    retried = log.retry(failed, operator="wang")
    log.complete(retried, document_sha256=SHA_A)
    assert log.attempt_status(failed.attempt_id) == "printed"
    assert begin(log, cap=3).reprint_no == 3
    assert log.verify().ok


def test_cap_zero_refuses_the_first_reprint(log: AuditLog) -> None:
    with pytest.raises(ReprintRefused, match="reprint_cap"):
        begin(log, cap=0)
    with pytest.raises(AuditError, match="cap"):
        begin(log, cap=-1)


def test_record_refusal_logs_and_returns_the_error(log: AuditLog) -> None:
    error = log.record_refusal(
        "T0001",
        rule="declined",
        message="the transaction was declined",
        operator="li",
        reason="customer asks",
    )
    assert isinstance(error, ReprintRefused) and error.rule == "declined"
    row = log.rows().iloc[0]
    assert (row["status"], row["rule"], row["subject"]) == ("refused", "declined", "T0001")
    assert log.reprint_count("T0001") == 0


def _hammer(path: str, count: int, barrier, results) -> None:  # runs in a child process
    with AuditLog(path) as own:
        barrier.wait()
        got = []
        for _ in range(count):
            attempt = begin(own, operator=f"pid{os.getpid()}")
            own.complete(attempt, document_sha256=SHA_A)
            got.append(attempt.reprint_no)
    results.put(got)


def test_concurrent_processes_never_lose_or_double_a_number(path: Path) -> None:
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        pytest.skip("needs the fork start method")
    AuditLog(path).close()  # create the schema; each process opens its own connection
    workers, each = 4, 6
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(target=_hammer, args=(str(path), each, barrier, results)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:  # the results are a few numbers: they fit in the pipe, joining first is safe
        process.join(timeout=60)
        assert process.exitcode == 0
    collected = [results.get(timeout=5) for _ in processes]
    numbers = sorted(n for got in collected for n in got)
    assert numbers == list(range(1, workers * each + 1))
    with AuditLog(path, create=False) as log:
        pending = log.rows(status="pending")
        assert sorted(pending["reprint_no"].tolist()) == numbers
        assert len(log.rows(status="printed")) == workers * each
        assert log.unfinished() == []
        report = log.verify()
        assert report.ok and report.rows == 2 * workers * each


# -- two-step attempts, failures and retries ---------------------------------------------


def test_attempt_is_pending_until_completed(log: AuditLog) -> None:
    attempt = begin(log, confidence=0.93, proof_summary={"proof_id": "P1", "kind": "sms"})
    assert log.attempt_status(attempt.attempt_id) == "pending"
    event = log.complete(attempt, document_sha256=SHA_A.upper())
    assert event.status == "printed" and log.attempt_status(attempt.attempt_id) == "printed"
    rows = log.rows()
    assert rows["status"].tolist() == ["pending", "printed"]
    assert rows.loc[1, "ref_seq"] == attempt.attempt_id and rows.loc[1, "document_sha256"] == SHA_A
    assert rows.loc[0, "confidence"] == pytest.approx(0.93)
    assert json.loads(rows.loc[0, "details"])["proof_summary"] == {"proof_id": "P1", "kind": "sms"}
    with pytest.raises(AuditError, match="printed"):
        log.complete(attempt, document_sha256=SHA_A)


def test_complete_checks_its_arguments(log: AuditLog) -> None:
    attempt = begin(log)
    with pytest.raises(AuditError, match="SHA-256"):
        log.complete(attempt)
    with pytest.raises(AuditError, match="SHA-256"):
        log.complete(attempt, document_sha256="not-a-digest")
    with pytest.raises(AuditError, match="result"):
        log.complete(attempt, document_sha256=SHA_A, result="done")
    with pytest.raises(AuditError, match="no reprint attempt 99"):
        log.complete(99, document_sha256=SHA_A)
    other = begin(log, "T0002")
    with pytest.raises(AuditError, match="not reprint 1 of T0001"):  # an Attempt from another log
        log.complete(dataclasses.replace(other, txn_id="T0001"), document_sha256=SHA_A)
    assert log.attempt_status(attempt.attempt_id) == "pending"  # nothing was written
    assert len(log.rows()) == 2


def test_failed_attempt_is_retried_with_the_same_number_and_code(log: AuditLog) -> None:
    attempt = begin(log, output_kind=["printer", "pdf"])
    log.complete(attempt, result="failed", error=OSError("printer offline"))
    with pytest.raises(AuditError, match="failed"):
        log.complete(attempt, document_sha256=SHA_A)  # must be retried first
    [open_one] = log.unfinished()
    assert open_one.attempt_id == attempt.attempt_id and open_one.state == "failed"
    assert open_one.code == attempt.code  # rebuilt from the log without the key
    retried = log.retry(open_one, operator="wang", reason="printer back online")
    assert (retried.reprint_no, retried.code, retried.tries) == (1, attempt.code, 2)
    log.complete(retried, document_sha256={"printer": SHA_A, "pdf": SHA_B})
    assert log.unfinished() == []
    rows = log.rows()
    assert rows["status"].tolist() == ["pending", "failed", "retry", "printed"]
    assert rows.loc[1, "error"] == "OSError: printer offline"
    assert json.loads(rows.loc[3, "document_sha256"]) == {"pdf": SHA_B, "printer": SHA_A}
    assert log.reprint_count("T0001") == 1
    with pytest.raises(AuditError, match="was printed"):
        log.retry(attempt, operator="wang")
    assert verify(attempt.short_code, key=KEY, audit=log).status == "printed"


def _die_after_begin(path: str) -> None:  # runs in a child process
    log = AuditLog(path)
    begin(log, operator="crasher")
    os._exit(3)  # the process dies before printing completes


def test_attempt_of_a_dead_process_is_found_and_retried(path: Path) -> None:
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover
        pytest.skip("needs the fork start method")
    AuditLog(path).close()
    child = context.Process(target=_die_after_begin, args=(str(path),))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 3
    clock = Clock(dt.datetime.now(dt.UTC))
    with AuditLog(path, clock=clock, stale_after=dt.timedelta(minutes=10)) as log:
        [lost] = log.unfinished()
        assert lost.state == "pending" and lost.operator == "crasher" and lost.reprint_no == 1
        assert log.unfinished(stale_only=True) == []
        with pytest.raises(AuditError, match="may be printing now"):
            log.retry(lost, operator="li")
        clock.advance(minutes=11)
        assert [a.attempt_id for a in log.unfinished(stale_only=True)] == [lost.attempt_id]
        retried = log.retry(lost, operator="li", reason="process died")
        log.complete(retried, document_sha256=SHA_A)
        assert log.unfinished() == [] and log.verify().ok
        assert log.rows()["status"].tolist() == ["pending", "retry", "printed"]


def test_force_retry_of_a_fresh_pending_attempt(log: AuditLog) -> None:
    attempt = begin(log)
    retried = log.retry(attempt, operator="li", force=True)
    assert retried.state == "retry" and log.attempt_status(attempt.attempt_id) == "retry"


def test_begin_reprint_validates_before_writing(log: AuditLog) -> None:
    with pytest.raises(AuditError, match="operator"):
        begin(log, operator=" ")
    with pytest.raises(AuditError, match="reason"):
        begin(log, reason="")
    with pytest.raises(AuditError, match="confidence"):
        begin(log, confidence=1.5)
    with pytest.raises(AuditError, match="timezone-aware"):
        log.begin_reprint(
            journal_row(ts="2026-11-20 14:32"), operator="li", reason="x", output_kind="pdf", key=KEY
        )
    with pytest.raises(AuditError, match="too short"):
        begin(log, key=b"short")
    assert log.rows().empty


# -- the hash chain -----------------------------------------------------------------------


def _filled(path: Path, n: int = 5) -> list[int]:
    with AuditLog(path) as log:
        for i in range(n):
            log.record("terminal_status", f"TERM{i}", {"status": "active", "i": i}, operator="mgr")
    return list(range(1, n + 1))


def _db(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _report(path: Path, **options: object):
    with AuditLog(path, create=False) as log:
        return log.verify(**options)  # type: ignore[arg-type]


def test_intact_chain_verifies_and_links(path: Path) -> None:
    _filled(path)
    report = _report(path)
    assert report.ok and report.rows == 5 and report.head is not None and report.head.seq == 5
    with _db(path) as db:
        links = db.execute("select prev_hash, row_hash from receiptkit_audit order by seq").fetchall()
    assert links[0][0] == GENESIS_HASH
    assert all(links[i][0] == links[i - 1][1] for i in range(1, len(links)))


def test_empty_log_verifies(log: AuditLog) -> None:
    report = log.verify()
    assert report.ok and report.rows == 0 and report.head is None


def test_edited_row_is_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:
        db.execute("update receiptkit_audit set operator = 'someone else' where seq = 3")
    report = _report(path)
    assert not report.ok and (report.problem, report.first_bad_seq) == ("edited", 3)


def test_edited_details_are_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:
        db.execute("""update receiptkit_audit set details = '{"i":2,"status":"lost"}' where seq = 3""")
    assert (_report(path).problem, _report(path).first_bad_seq) == ("edited", 3)


def test_edited_row_with_recomputed_hash_is_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:  # recomputed without the key: a plain SHA-256 is not the keyed hash
        db.row_factory = sqlite3.Row
        row = dict(db.execute("select * from receiptkit_audit where seq = 2").fetchone())
        row["operator"] = "forger"
        db.execute(
            "update receiptkit_audit set operator = ?, row_hash = ? where seq = 2", ("forger", row_hash(row))
        )
    report = _report(path)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "forged", 2)


def test_edited_row_with_a_keyed_hash_breaks_the_next_link(path: Path) -> None:
    _filled(path)
    with _db(path) as db:  # even with the key, the next row still links to the old hash
        db.row_factory = sqlite3.Row
        row = dict(db.execute("select * from receiptkit_audit where seq = 2").fetchone())
        row["operator"] = "forger"
        db.execute(
            "update receiptkit_audit set operator = ?, row_hash = ? where seq = 2",
            ("forger", row_mac(row, KEY)),
        )
    report = _report(path)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "edited", 2)


def test_deleted_row_is_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq = 3")
    report = _report(path)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "deleted", 4)


def test_deleted_first_row_is_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq = 1")
    assert _report(path).problem == "deleted"


def test_reordered_rows_are_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:
        db.execute("update receiptkit_audit set seq = -1 where seq = 2")
        db.execute("update receiptkit_audit set seq = 2 where seq = 3")
        db.execute("update receiptkit_audit set seq = 3 where seq = -1")
    report = _report(path)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "reordered", 2)


def test_inserted_row_is_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:
        db.row_factory = sqlite3.Row
        before = dict(db.execute("select * from receiptkit_audit where seq = 2").fetchone())
        forged = dict(before, subject="TERM-X", details='{"status":"lost"}', prev_hash=before["row_hash"])
        forged["row_hash"] = row_mac(forged, KEY)  # even a forger holding the key
        forged = {k: v for k, v in forged.items() if k != "seq"} | {"seq": 0}  # seq last
        columns = ", ".join(forged)
        marks = ", ".join("?" for _ in forged)
        # the unique prev_hash stops a plain insertion that forks the chain ...
        with pytest.raises(sqlite3.IntegrityError, match="prev_hash"):
            db.execute(
                f"insert into receiptkit_audit ({columns}) values ({marks})", [*[*forged.values()][:-1], 100]
            )
        # ... so the forger rebuilds the table without constraints and renumbers
        db.execute("create table copy as select * from receiptkit_audit")
        db.execute("drop table receiptkit_audit")
        db.execute("alter table copy rename to receiptkit_audit")
        db.execute("update receiptkit_audit set seq = seq + 1 where seq >= 3")
        forged["seq"] = 3
        db.execute(f"insert into receiptkit_audit ({columns}) values ({marks})", list(forged.values()))
    report = _report(path)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "inserted", 3)


def test_truncation_is_caught_by_the_signed_head_and_by_anchors(path: Path) -> None:
    _filled(path)
    with AuditLog(path) as log:
        anchor = log.head()
        signed = log.signed_head()
        assert log.verify(anchors=[anchor, (3, log.rows()["row_hash"][2])]).ok  # the log extends both
    assert isinstance(anchor, ChainHead) and anchor.seq == 5 and anchor.rows == 5
    assert signed is not None and (signed.seq, signed.rows, signed.row_hash) == (5, 5, anchor.row_hash)
    assert signed.signature_ok(KEY) and not signed.signature_ok(bytes(32))
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq = 5")
    report = _report(path)  # the head kept beside the log names row 5
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "truncated", 5)
    assert "cut off the end" in report.message
    (path.parent / "audit.sqlite.head").unlink()  # the head file removed as well ...
    assert _report(path).problem == "no_head"
    report = _report(path, anchors=[anchor], require_head=False)  # ... a head kept elsewhere shows it
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "truncated", 5)


def test_backdated_recorded_time_is_detected(path: Path) -> None:
    _filled(path)
    with _db(path) as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("select * from receiptkit_audit where seq = 5").fetchone())
        row["recorded_at"] = "2020-01-01T00:00:00.000000+00:00"
        db.execute(  # rewritten with the key: the hash checks out, the time order does not
            "update receiptkit_audit set recorded_at = ?, row_hash = ? where seq = 5",
            (row["recorded_at"], row_mac(row, KEY)),
        )
    report = _report(path)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "reordered", 5)


def test_edited_code_in_the_log_fails_short_code_verification(path: Path) -> None:
    with AuditLog(path) as log:
        attempt = begin(log)
        log.complete(attempt, document_sha256=SHA_A)
    with _db(path) as db:
        details = json.loads(db.execute("select details from receiptkit_audit where seq = 1").fetchone()[0])
        details["fields"]["amount_minor"] = "99900"
        db.execute("update receiptkit_audit set details = ? where seq = 1", (json.dumps(details),))
    result = verify(attempt.short_code, key=KEY, audit=path)
    # the whole log is checked before it vouches: the edited row is named (before: "fields do not match")
    assert not result.genuine and result.log_problem == "edited" and result.log_problem_seq == 1
    assert "edited at row 1" in result.reason
    assert _report(path).problem == "edited"


# -- times, other events, backdating ---------------------------------------------------------


def test_recorded_at_is_utc_and_never_goes_back(path: Path) -> None:
    clock = Clock()
    with AuditLog(path, clock=clock) as log:
        log.record("close_pack", "PACK-1", {"n": 1})
        clock.advance(hours=-2)  # the machine clock jumps back
        log.record("close_pack", "PACK-2", {"n": 2})
        rows = log.rows()
    assert str(rows["recorded_at"].dt.tz) == "UTC"
    assert rows["recorded_at"].tolist() == [pd.Timestamp(T0), pd.Timestamp(T0)]
    assert _report(path).ok


def test_record_generic_events(log: AuditLog) -> None:
    event = log.record(
        "terminal_status",
        "10283746",
        {"status": "replaced", "by": "10283999"},
        operator="mgr",
        status="replaced",
        effective_at="2026-11-21T08:00:00+08:00",
    )
    assert event.seq == 1 and event.event_type == "terminal_status"
    row = log.rows().iloc[0]
    assert row["effective_at"] == pd.Timestamp("2026-11-21T00:00:00Z")
    assert json.loads(row["details"]) == {"by": "10283999", "status": "replaced"}
    with pytest.raises(AuditError, match="begin_reprint"):
        log.record("reprint", "T1", {})
    with pytest.raises(AuditError, match="event_type"):
        log.record("Terminal Status", "T1", {})
    with pytest.raises(AuditError, match="timezone-aware"):
        log.record("terminal_status", "T1", {}, effective_at=dt.datetime(2026, 1, 1))
    with pytest.raises(AuditError, match="cannot be stored"):
        log.record("terminal_status", "T1", {"x": object()})
    assert len(log.rows()) == 1


def test_backdated_terminal_loss_is_listed(path: Path) -> None:
    clock = Clock()
    with AuditLog(path, clock=clock) as log:
        attempt = begin(log)  # 10:00
        log.complete(attempt, document_sha256=SHA_A)
        clock.advance(hours=1)  # 11:00: "the terminal was lost at 09:00"
        late = log.record(
            "terminal_status", "10283746", {"status": "lost"}, effective_at=T0 - dt.timedelta(hours=1)
        )
        clock.advance(hours=1)  # 12:00: reported promptly, nothing logged in between
        log.record(
            "terminal_status",
            "10283999",
            {"status": "lost"},
            effective_at=clock.now - dt.timedelta(minutes=1),
        )
        found = log.backdated()
        assert found["seq"].tolist() == [late.seq]
        assert found.loc[0, "overtakes"] == 2 and found.loc[0, "lag"] == pd.Timedelta(hours=2)
        assert log.backdated(tolerance=dt.timedelta(hours=2)).empty
        assert log.backdated(event_type="close_pack").empty


# -- reading, exporting, privacy ----------------------------------------------------------------


def test_rows_filters(log: AuditLog) -> None:
    clock = Clock()
    log._clock = clock  # steer the time of the rows below
    begin(log, "T1", operator="li")
    clock.advance(hours=1)
    begin(log, "T2", operator="wang")
    log.record("close_pack", "PACK-1", {})
    assert log.rows(subject="T2")["operator"].tolist() == ["wang"]
    assert log.rows(operator="li")["subject"].tolist() == ["T1"]
    assert log.rows(event_type="close_pack")["subject"].tolist() == ["PACK-1"]
    assert log.rows(event_type=["reprint", "close_pack"]).shape[0] == 3
    assert log.rows(since=T0 + dt.timedelta(minutes=30))["subject"].tolist() == ["T2", "PACK-1"]
    assert log.rows(until=T0)["subject"].tolist() == ["T1"]
    assert log.rows(status="printed").empty


INJECTIONS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", " =1+1"]


def _injected_log(log: AuditLog) -> None:
    for text in INJECTIONS:
        log.record("terminal_status", "TERM", {"note": text}, operator=text, status="lost")
    attempt = begin(log, operator="=cmd|' /C calc'!A0", reason="+reason", output_kind="@pdf")
    log.complete(attempt, result="failed", error="-error")


def test_export_xlsx_neutralises_formulas(log: AuditLog, tmp_path: Path) -> None:
    _injected_log(log)
    target = log.export(tmp_path / "audit.xlsx")
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    operators = [row[header.index("operator")].value for row in sheet.iter_rows(min_row=2)]
    # XML stores a carriage return as a line feed
    assert operators[: len(INJECTIONS)] == ["'" + t.replace("\r", "\n") for t in INJECTIONS]
    assert "'=cmd|' /C calc'!A0" in operators
    assert len(operators) == len(log.rows())


def test_export_csv_neutralises_formulas_and_filters(log: AuditLog, tmp_path: Path) -> None:
    _injected_log(log)
    target = log.export(tmp_path / "audit.csv", event_type="reprint")
    with target.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert [r["status"] for r in records] == ["pending", "failed"]
    assert records[0]["operator"] == "'=cmd|' /C calc'!A0"
    assert records[0]["reason"] == "'+reason" and records[0]["output_kind"] == "'@pdf"
    assert records[1]["error"] == "'-error"
    assert records[0]["recorded_at"].endswith("+00:00")
    for record in records:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in record.values())
    with pytest.raises(AuditError, match=r"csv or \.xlsx"):
        log.export(tmp_path / "audit.json")


def test_full_card_numbers_never_reach_the_log(path: Path, tmp_path: Path) -> None:
    pan = "4111111111111111"
    with AuditLog(path) as log:
        with pytest.warns(FullPanWarning):
            attempt = begin(
                log, proof_summary=f"SMS: card {pan[:4]} {pan[4:8]} {pan[8:12]} {pan[12:]} paid 128.50"
            )
        with pytest.warns(FullPanWarning):
            log.complete(attempt, result="failed", error=f"issuer rejected {pan}")
        with pytest.warns(FullPanWarning):
            log.record("terminal_status", "TERM", {"nested": [{"pan": pan}]})
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a 12-digit RRN in free text is not a card number
            log.record("terminal_status", "TERM", {"note": "rrn 632415098712"})
        rows = log.rows()
        exported = log.export(tmp_path / "audit.csv").read_text(encoding="utf-8-sig")
    assert rows.loc[1, "error"] == "issuer rejected 411111******1111"
    stored = path.read_bytes()
    for form in (pan, f"{pan[:4]} {pan[4:8]} {pan[8:12]} {pan[12:]}"):
        assert form.encode() not in stored and form not in exported
    assert "632415098712" in exported


def test_a_card_number_used_as_a_key_of_the_details_never_reaches_the_log(path: Path) -> None:
    """Only the values inside the details were scrubbed: a raw dict keyed by the card number (a mapping of
    cards to counts, a parsed form) was stored with the full number as its key."""
    pan = "4111111111111111"
    with AuditLog(path) as log:
        with pytest.warns(FullPanWarning):
            log.record(
                "terminal_status", "TERM", {"cards": {f"{pan[:4]} {pan[4:8]} {pan[8:12]} {pan[12:]}": 2}}
            )
        with pytest.warns(FullPanWarning):
            attempt = begin(log, proof_summary={"raw": {pan: "paid"}})
        log.complete(attempt, document_sha256="c" * 64)
        assert log.verify().ok
        details = " ".join(log.rows()["details"])
    stored = path.read_bytes()
    assert pan.encode() not in stored and pan not in details and "4111 1111 1111 1111" not in details
    assert "411111******1111" in details


def test_proof_summary_keeps_only_what_the_slip_shows() -> None:
    proof = {
        "proof_id": "P7",
        "kind": "bank_statement",
        "ts": pd.Timestamp("2026-11-20 14:32", tz="Asia/Shanghai"),
        "amount_minor": 12850,
        "currency": "CNY",
        "direction": "debit",
        "card_last4": "4821",
        "merchant_text": "消费 张三 某某商店",
        "raw": "full statement line with the customer's name",
        "source": "zhang_san_statement.pdf",
        "reference": None,
    }
    summary = proof_summary(proof)
    assert summary == {
        "proof_id": "P7",
        "kind": "bank_statement",
        "ts": "2026-11-20T14:32:00+08:00",
        "amount_minor": 12850,
        "currency": "CNY",
        "direction": "debit",
        "card_last4": "4821",
    }


def test_open_without_create_needs_an_existing_log(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="no audit log"):
        AuditLog(tmp_path / "missing.sqlite", create=False)
    with pytest.raises(AuditError, match="folder does not exist"):
        AuditLog(tmp_path / "no" / "such" / "dir.sqlite")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    with pytest.raises(AuditError, match="not a receiptkit audit log"):
        AuditLog(other, create=False)


def test_sqlalchemy_url_is_accepted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'by-url.sqlite'}"
    with AuditLog(url) as log:
        assert begin(log).reprint_no == 1
        assert "by-url.sqlite" in repr(log)
    with AuditLog(tmp_path / "by-url.sqlite", create=False) as again:
        assert again.reprint_count("T0001") == 1 and again.verify().ok
