"""Tampering with the keyed audit log: every tamper is caught by the API and by `receiptkit audit verify`.

Each tamper below is done the way someone with write access to the database and
the folder (but not the merchant key, unless it says so) would do it. Each must
be reported as not intact, with the problem named and a reason, and the CLI must
exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog, ChainHead, read_head, row_hash, row_mac
from receiptkit.cli import app
from receiptkit.errors import AuditError

KEY = bytes(range(32))
OTHER = bytes(range(100, 132))
T0 = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
SHA = "c" * 64


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + KEY.hex())
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


def _row(txn_id: str, amount: int = 12850) -> dict[str, object]:
    return {
        "txn_id": txn_id,
        "merchant_id": "898310048161234",
        "terminal_id": "10283746",
        "ts": "2026-11-20T14:32:05+08:00",
        "amount_minor": amount,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "card_last4": "4821",
    }


def _fill(log: AuditLog, start: int = 0, count: int = 3) -> None:
    """Per transaction: a pending attempt, then printed (two rows)."""
    for i in range(start, start + count):
        attempt = log.begin_reprint(
            _row(f"T{i:04d}", 1000 + i), operator="li", reason="lost slip", output_kind="pdf"
        )
        log.complete(attempt, document_sha256=SHA)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "audit.sqlite"
    with AuditLog(target, key=KEY, clock=Clock()) as log:
        _fill(log, 0, 2)  # rows 1-4
        log.record("terminal_status", "10283746", {"status": "active"}, operator="mgr")  # row 5
        shutil.copy(target.with_name("audit.sqlite.head"), target.with_name("older.head"))  # a 5-row head
        _fill(log, 2, 2)  # rows 6-9
    return target


def _db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def _rows(db: sqlite3.Connection) -> list[dict[str, object]]:
    return [dict(r) for r in db.execute("select * from receiptkit_audit order by seq")]


def _rechain_without_key(
    db: sqlite3.Connection, rows: list[dict[str, object]], hasher=row_hash, start: int = 0
) -> None:
    """Rewrite the links and hashes from row index ``start`` on with ``hasher``, as a forger can."""
    db.execute("delete from receiptkit_audit where seq > ?", (rows[start]["seq"] - 1,))
    prev = "0" * 64 if start == 0 else rows[start - 1]["row_hash"]
    for row in rows[start:]:
        row["prev_hash"] = prev
        row["row_hash"] = prev = hasher(row)
        db.execute(
            f"insert into receiptkit_audit ({', '.join(row)}) values ({', '.join('?' for _ in row)})",
            list(row.values()),
        )


def _unconstrained(db: sqlite3.Connection) -> None:
    """Rebuild the table without its unique constraints (what a forger does to insert copies)."""
    db.execute("create table copy as select * from receiptkit_audit")
    db.execute("drop table receiptkit_audit")
    db.execute("alter table copy rename to receiptkit_audit")


def _head_file(path: Path) -> Path:
    return path.with_name(path.name + ".head")


# -- the tampers -------------------------------------------------------------------------------


def delete_last_row(path: Path) -> None:
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq = 9")


def delete_last_rows(path: Path) -> None:
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq >= 6")


def delete_all_rows(path: Path) -> None:
    with _db(path) as db:
        db.execute("delete from receiptkit_audit")


def rewrite_a_row_and_recompute_the_chain(path: Path) -> None:
    with _db(path) as db:
        rows = _rows(db)
        rows[2]["operator"] = "someone else"
        _rechain_without_key(db, rows, start=2)


def rewrite_a_row_and_recompute_with_sha256_of_the_keyed_payload(path: Path) -> None:
    import hashlib

    from receiptkit.audit import _payload

    with _db(path) as db:
        rows = _rows(db)
        rows[6]["details"] = rows[6]["details"].replace("lost slip", "customer asked")
        _rechain_without_key(db, rows, lambda r: hashlib.sha256(_payload(r)).hexdigest(), start=6)


def append_a_forged_row_with_a_valid_link(path: Path) -> None:
    with _db(path) as db:
        last = _rows(db)[-1]
        forged = dict(
            last, seq=10, status="printed", prev_hash=last["row_hash"], recorded_at=last["recorded_at"]
        )
        forged["row_hash"] = row_hash(forged)
        db.execute(
            f"insert into receiptkit_audit ({', '.join(forged)}) values ({', '.join('?' for _ in forged)})",
            list(forged.values()),
        )


def reorder_two_rows(path: Path) -> None:
    with _db(path) as db:
        db.execute("update receiptkit_audit set seq = -1 where seq = 3")
        db.execute("update receiptkit_audit set seq = 3 where seq = 4")
        db.execute("update receiptkit_audit set seq = 4 where seq = -1")


def edit_a_middle_row(path: Path) -> None:
    with _db(path) as db:
        db.execute("""update receiptkit_audit set details = '{"status":"lost"}' where seq = 5""")


def delete_a_middle_row(path: Path) -> None:
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq = 4")


def delete_the_head_file(path: Path) -> None:
    _head_file(path).unlink()


def replace_the_head_file_with_an_older_one(path: Path) -> None:
    shutil.copy(path.with_name("older.head"), _head_file(path))


def edit_the_head_file(path: Path) -> None:
    data = json.loads(_head_file(path).read_text())
    data["rows"] = 8
    _head_file(path).write_text(json.dumps(data))


def overwrite_the_head_with_binary_bytes(path: Path) -> None:
    _head_file(path).write_bytes(bytes([0xDA, 0xFF, 0x00, 0x81]) * 50)  # not UTF-8 at all


def overwrite_the_head_with_deeply_nested_json(path: Path) -> None:
    _head_file(path).write_text("[" * 100_000 + "]" * 100_000)  # deeper than the JSON parser recurses


def empty_the_head_file(path: Path) -> None:
    _head_file(path).write_bytes(b"")


def truncate_and_rewrite_the_head_without_the_key(path: Path) -> None:
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq >= 8")
        last = _rows(db)[-1]
    data = json.loads(_head_file(path).read_text())
    data.update(rows=7, seq=7, row_hash=last["row_hash"], recorded_at=last["recorded_at"])
    _head_file(path).write_text(json.dumps(data))  # the old HMAC, or any the forger can compute, fails


def rebuild_everything_under_another_key(path: Path) -> None:
    with _db(path) as db:
        rows = _rows(db)
        rows[0]["operator"] = "forger"
        _rechain_without_key(db, rows, lambda r: row_mac(r, OTHER))
        db.execute(
            "update receiptkit_audit_meta set value = ? where name = 'key_id'", (AuditLog_key_id(OTHER),)
        )
        last = rows[-1]
    ChainHead(
        int(last["seq"]),
        str(last["row_hash"]),
        dt.datetime.fromisoformat(str(last["recorded_at"])),
        rows=len(rows),
    ).sign(OTHER).write(_head_file(path))


def AuditLog_key_id(key: bytes) -> str:
    from receiptkit.verification import load_key

    return load_key(key).key_id


def duplicate_a_row(path: Path) -> None:
    with _db(path) as db:
        _unconstrained(db)
        db.execute("update receiptkit_audit set seq = seq + 1 where seq >= 4")
        copy = dict(db.execute("select * from receiptkit_audit where seq = 3").fetchone())
        copy["seq"] = 4
        db.execute(
            f"insert into receiptkit_audit ({', '.join(copy)}) values ({', '.join('?' for _ in copy)})",
            list(copy.values()),
        )


def change_a_status(path: Path) -> None:
    with _db(path) as db:
        db.execute("update receiptkit_audit set status = 'failed' where seq = 7")


def change_an_amount(path: Path) -> None:
    with _db(path) as db:
        details = json.loads(db.execute("select details from receiptkit_audit where seq = 1").fetchone()[0])
        details["fields"]["amount_minor"] = "99900"
        db.execute("update receiptkit_audit set details = ? where seq = 1", (json.dumps(details),))


def change_a_timestamp(path: Path) -> None:
    with _db(path) as db:
        db.execute(
            "update receiptkit_audit set recorded_at = '2026-11-21T09:00:00.000000+00:00' where seq = 2"
        )


def change_the_operator(path: Path) -> None:
    with _db(path) as db:
        db.execute("update receiptkit_audit set operator = 'wang' where seq = 3")


def change_the_subject(path: Path) -> None:
    with _db(path) as db:
        db.execute("update receiptkit_audit set subject = 'T9999' where seq = 6")


def delete_a_middle_row_and_renumber(path: Path) -> None:
    with _db(path) as db:  # no gap left in seq: the row before the hole looked rewritten
        db.execute("delete from receiptkit_audit where seq = 5")
        for seq in range(6, 10):
            db.execute("update receiptkit_audit set seq = ? where seq = ?", (seq - 1, seq))


def cut_the_log_file_in_half(path: Path) -> None:
    with path.open("r+b") as handle:  # SQLite then says "database disk image is malformed"
        handle.truncate(path.stat().st_size // 2)


def empty_the_log_file(path: Path) -> None:
    path.write_bytes(b"")  # a zero-byte file is an empty SQLite database: no table, no row, no metadata


def drop_the_tables(path: Path) -> None:
    with _db(path) as db:
        db.execute("drop table receiptkit_audit")
        db.execute("drop table receiptkit_audit_meta")


def remove_the_chain_version(path: Path) -> None:
    with _db(path) as db:
        db.execute("delete from receiptkit_audit_meta")


TAMPERS: list[tuple[Callable[[Path], None], str, int | None]] = [
    (delete_last_row, "truncated", 9),
    (delete_last_rows, "truncated", 6),
    (delete_all_rows, "truncated", 1),
    (rewrite_a_row_and_recompute_the_chain, "forged", 3),
    (rewrite_a_row_and_recompute_with_sha256_of_the_keyed_payload, "forged", 7),
    (append_a_forged_row_with_a_valid_link, "forged", 10),
    (reorder_two_rows, "reordered", 3),
    (edit_a_middle_row, "edited", 5),
    (delete_a_middle_row, "deleted", 5),
    (delete_the_head_file, "no_head", None),
    (replace_the_head_file_with_an_older_one, "unsigned_tail", 6),
    (edit_the_head_file, "head_invalid", None),
    (truncate_and_rewrite_the_head_without_the_key, "head_invalid", None),
    (overwrite_the_head_with_binary_bytes, "head_invalid", None),
    (overwrite_the_head_with_deeply_nested_json, "head_invalid", None),
    (empty_the_head_file, "head_invalid", None),
    (rebuild_everything_under_another_key, "wrong_key", None),
    (duplicate_a_row, "duplicated", 4),
    (change_a_status, "edited", 7),
    (change_an_amount, "edited", 1),
    (change_a_timestamp, "edited", 2),
    (change_the_operator, "edited", 3),
    (change_the_subject, "edited", 6),
    (remove_the_chain_version, "unkeyed", 1),
    (delete_a_middle_row_and_renumber, "deleted", 5),
    (cut_the_log_file_in_half, "truncated", 1),
    (empty_the_log_file, "truncated", 1),
    (drop_the_tables, "truncated", 1),
]


@pytest.mark.parametrize(("tamper", "problem", "seq"), TAMPERS, ids=[t[0].__name__ for t in TAMPERS])
def test_tamper_is_caught_by_the_api(path: Path, tamper, problem: str, seq: int | None) -> None:
    with AuditLog(path, create=False, key=KEY, allow_unkeyed=True) as log:
        assert log.verify().ok  # intact before
    tamper(path)
    with AuditLog(path, create=False, key=KEY, allow_unkeyed=True) as log:
        report = log.verify()
    assert not report.ok and not report
    assert (report.problem, report.first_bad_seq) == (problem, seq), report.message
    assert report.message and report.message != "the chain is intact"


@pytest.mark.parametrize(("tamper", "problem", "seq"), TAMPERS, ids=[t[0].__name__ for t in TAMPERS])
def test_tamper_is_caught_by_the_cli(path: Path, tamper, problem: str, seq: int | None) -> None:
    runner = CliRunner()
    before = runner.invoke(app, ["audit", "verify", "--audit", str(path)])
    assert before.exit_code == 0 and "audit log intact: 9 rows" in before.output
    tamper(path)
    result = runner.invoke(app, ["audit", "verify", "--audit", str(path)])
    assert result.exit_code == 1, result.output
    where = f" at row {seq}" if seq is not None else ""
    # a log rebuilt under another key, checked with the merchant's key alone, cannot be told from a key mix-up:
    # NOT VERIFIED, saying what it means if the key given is the merchant's (never intact, never genuine)
    verdict = "NOT VERIFIED" if tamper is rebuild_everything_under_another_key else "TAMPERED"
    assert f"audit log {verdict}: {problem}{where}: " in result.output
    assert "intact" not in result.output
    if verdict == "NOT VERIFIED":
        assert "the log was rebuilt under another key: treat it as tampered" in result.output


def test_verifying_with_another_key_is_wrong_key(path: Path, tmp_path: Path) -> None:
    with AuditLog(path, create=False, key=OTHER) as log:
        report = log.verify()
    assert (report.ok, report.problem) == (False, "wrong_key") and "key id" in report.message
    other = tmp_path / "other.key"
    other.write_text("hex:" + OTHER.hex())
    result = CliRunner().invoke(app, ["audit", "verify", "--audit", str(path), "--key-file", str(other)])
    # a key mix-up, not tampering (tests/test_audit_wrong_key.py): never intact either
    assert result.exit_code == 1 and "NOT VERIFIED: wrong_key: cannot verify with this key" in result.output
    assert "TAMPERED" not in result.output and "intact" not in result.output


def test_cut_back_to_an_older_genuine_head_needs_an_anchor(path: Path, tmp_path: Path) -> None:
    """Rows cut and an older genuine head put back: consistent in itself, so only a newer anchor shows it."""
    newer = tmp_path / "kept-elsewhere.head"
    shutil.copy(_head_file(path), newer)
    with _db(path) as db:
        db.execute("delete from receiptkit_audit where seq >= 6")
    shutil.copy(path.with_name("older.head"), _head_file(path))
    runner = CliRunner()
    assert (
        runner.invoke(app, ["audit", "verify", "--audit", str(path)]).exit_code == 0
    )  # the documented limit
    with AuditLog(path, create=False) as log:
        report = log.verify(anchors=[read_head(newer)])
    assert (report.ok, report.problem, report.first_bad_seq) == (False, "truncated", 6)
    result = runner.invoke(app, ["audit", "verify", "--audit", str(path), "--anchor", str(newer)])
    assert result.exit_code == 1 and "TAMPERED: truncated at row 6" in result.output
    assert "cut off the end" in result.output


def test_an_anchor_must_be_signed_and_valid(path: Path, tmp_path: Path) -> None:
    older = path.with_name("older.head")
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--audit", str(path), "--anchor", str(older)])
    assert ok.exit_code == 0 and "1 anchor(s) extended" in ok.output
    data = json.loads(older.read_text())
    data["rows"] = 4
    edited = tmp_path / "edited.head"
    edited.write_text(json.dumps(data))
    result = runner.invoke(app, ["audit", "verify", "--audit", str(path), "--anchor", str(edited)])
    assert result.exit_code == 1 and "TAMPERED: anchor_invalid" in result.output
    data.pop("hmac")
    edited.write_text(json.dumps(data))
    unsigned = runner.invoke(app, ["audit", "verify", "--audit", str(path), "--anchor", str(edited)])
    assert unsigned.exit_code == 2 and "not a signed head" in unsigned.output


def test_nothing_is_appended_to_a_log_that_no_longer_matches_its_head(path: Path) -> None:
    delete_last_rows(path)
    with AuditLog(path, create=False, key=KEY) as log:
        with pytest.raises(AuditError, match="does not end where its signed head says"):
            log.record("note", "X", {})
        with pytest.raises(AuditError, match="signed head"):
            log.begin_reprint(_row("T0100"), operator="li", reason="lost", output_kind="pdf")
    with _db(path) as db:
        assert db.execute("select count(*) from receiptkit_audit").fetchone()[0] == 5
    _head_file(path).unlink()
    with AuditLog(path, create=False, key=KEY) as log, pytest.raises(AuditError, match="missing"):
        log.record("note", "X", {})


def test_a_log_with_another_key_is_not_written_to(path: Path) -> None:
    with AuditLog(path, create=False, key=OTHER) as log, pytest.raises(AuditError, match="keyed with key id"):
        log.record("note", "X", {})


def test_a_deleted_log_is_not_recreated_beside_its_head(path: Path) -> None:
    path.unlink()
    with pytest.raises(AuditError, match="signed head exists"):
        AuditLog(path, key=KEY)


def test_a_writer_that_died_before_signing_leaves_an_unsigned_tail_that_can_be_resigned(path: Path) -> None:
    head = _head_file(path)
    before = head.read_bytes()
    with AuditLog(path, create=False, key=KEY) as log:
        log.record("note", "X", {"n": 1})
    head.write_bytes(before)  # as if the process died after the commit, before the head file
    with AuditLog(path, create=False, key=KEY) as log:
        report = log.verify()
        assert (report.problem, report.first_bad_seq) == ("unsigned_tail", 10)
        with pytest.raises(AuditError, match="reason"):
            log.resign_head(operator="mgr", reason=" ")
        signed = log.resign_head(operator="mgr", reason="till crashed at 10:02; row 10 checked")
        assert signed.rows == 11 and log.verify().ok
        resigned = log.rows().iloc[-1]
        assert resigned["event_type"] == "audit_head_resigned" and resigned["operator"] == "mgr"
        assert json.loads(resigned["details"])["old_head"]["rows"] == 9
    edit_a_middle_row(path)
    with AuditLog(path, create=False, key=KEY) as log, pytest.raises(AuditError, match="not signed again"):
        log.resign_head(operator="mgr", reason="hide it")


def test_cli_resign_after_a_crash(path: Path) -> None:
    head = _head_file(path)
    before = head.read_bytes()
    with AuditLog(path, create=False, key=KEY) as log:
        log.record("note", "X", {"n": 1})
    head.write_bytes(before)
    runner = CliRunner()
    shown = runner.invoke(app, ["audit", "head", "--audit", str(path)])
    assert shown.exit_code == 1 and "unsigned_tail" in shown.output
    refused = runner.invoke(app, ["audit", "head", "--audit", str(path), "--resign"])
    assert refused.exit_code == 2 and "--operator and --reason" in refused.output
    done = runner.invoke(
        app, ["audit", "head", "--audit", str(path), "--resign", "--operator", "mgr", "--reason", "crash"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["rows"] == 11
    assert runner.invoke(app, ["audit", "verify", "--audit", str(path)]).exit_code == 0


@pytest.fixture
def python_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler, as at a terminal: pytest started in the background by a non-interactive
    shell inherits SIGINT ignored, and then neither the guard nor a KeyboardInterrupt is there to test."""
    import signal

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("python_sigint")
def test_ctrl_c_between_the_commit_and_the_head_file_still_signs_the_head(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk's Ctrl-C at the wrong moment of `receiptkit reprint` left rows after the signed head:
    `audit verify` said TAMPERED: unsigned_tail and every later reprint was refused until a manager
    re-signed. The interrupt now waits until the head is written, then stops the command."""
    import os
    import signal

    write = ChainHead.write

    def interrupted_write(self: ChainHead, target: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives after the commit, before the head file
        write(self, target)  # type: ignore[arg-type]

    monkeypatch.setattr(ChainHead, "write", interrupted_write)
    with AuditLog(path, create=False, key=KEY) as log, pytest.raises(KeyboardInterrupt):
        log.record("note", "X", {"n": 1})
    monkeypatch.setattr(ChainHead, "write", write)
    with AuditLog(path, create=False, key=KEY) as log:
        report = log.verify()
        assert report.ok, report.problem
        assert log.rows().iloc[-1]["event_type"] == "note"


@pytest.mark.usefixtures("python_sigint")
def test_ctrl_c_while_a_new_log_is_created_still_writes_its_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first `receiptkit reprint` creates the log: it commits the keyed, empty log, then writes the signed
    empty head. A Ctrl-C between the two left a log without a head: `audit verify` said TAMPERED: no_head
    for a log nobody had touched. The interrupt now waits for the head, as an append's does."""
    import os
    import signal

    write = ChainHead.write

    def interrupted_write(self: ChainHead, target: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the new log's commit, before its head file
        write(self, target)  # type: ignore[arg-type]

    target = tmp_path / "new.sqlite"
    monkeypatch.setattr(ChainHead, "write", interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        AuditLog(target, key=KEY)
    monkeypatch.setattr(ChainHead, "write", write)
    with AuditLog(target, create=False, key=KEY) as log:
        report = log.verify()
        assert report.ok, report.problem
        log.record("note", "X", {"n": 1})
        assert log.verify().ok
