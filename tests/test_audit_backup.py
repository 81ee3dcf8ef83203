"""Backups of the keyed audit log (export/import with chain and head), unkeyed logs, heads in closing packs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog, read_head, row_hash, verify_export
from receiptkit.cli import app
from receiptkit.errors import AuditError

KEY = bytes(range(32))
OTHER = bytes(range(64, 96))
SHA = "e" * 64


@pytest.fixture(autouse=True)
def _merchant_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + KEY.hex())
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)


def _row(txn_id: str) -> dict[str, object]:
    return {
        "txn_id": txn_id,
        "merchant_id": "898310048161234",
        "terminal_id": "10283746",
        "ts": "2026-11-20T14:32:05+08:00",
        "amount_minor": 12850,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
    }


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "audit.sqlite"
    with AuditLog(target, key=KEY) as log:
        for txn in ("T1", "T2"):
            attempt = log.begin_reprint(_row(txn), operator="li", reason="lost slip", output_kind="pdf")
            log.complete(attempt, document_sha256=SHA)
        log.record("terminal_status", "10283746", {"status": "active", "note": "货柜旁"}, operator="mgr")
    return target


# -- export / import ------------------------------------------------------------------------


def test_export_import_round_trip(path: Path, tmp_path: Path) -> None:
    with AuditLog(path) as log:
        backup = log.export_log(tmp_path / "backup.jsonl")
        original, head = log.rows(), log.signed_head()
    lines = backup.read_text(encoding="utf-8").splitlines()
    header, last = json.loads(lines[0]), json.loads(lines[-1])
    assert header["format"] == "receiptkit-audit-export" and header["rows"] == 5 and len(lines) == 7
    assert read_head(backup) == head and last["head"]["rows"] == 5
    assert verify_export(backup, key=KEY).ok
    with AuditLog(tmp_path / "restored.sqlite", key=KEY) as restored:
        report = restored.import_log(backup)
        assert report.ok and report.rows == 5
        assert restored.rows().equals(original) and restored.signed_head() == head
        restored.record("note", "after restore", {})  # the restored log goes on
        assert restored.verify(anchors=[head]).ok
        with pytest.raises(AuditError, match="not empty"):
            restored.import_log(backup)


def test_cli_export_import_round_trip(path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    exported = runner.invoke(app, ["audit", "export", str(tmp_path / "b.jsonl"), "--audit", str(path)])
    assert exported.exit_code == 0 and "exported 5 rows" in exported.output
    target = tmp_path / "new.sqlite"
    imported = runner.invoke(app, ["audit", "import", str(tmp_path / "b.jsonl"), "--audit", str(target)])
    assert imported.exit_code == 0 and "imported 5 rows" in imported.output, imported.output
    checked = runner.invoke(
        app, ["audit", "verify", "--audit", str(target), "--anchor", str(tmp_path / "b.jsonl")]
    )
    assert checked.exit_code == 0 and "audit log intact: 5 rows" in checked.output
    spreadsheet = runner.invoke(app, ["audit", "export", str(tmp_path / "b.csv"), "--audit", str(path)])
    assert spreadsheet.exit_code == 2 and "audit list --out" in spreadsheet.output


def _tamper_line(backup: Path, index: int, old: str, new: str) -> Path:
    lines = backup.read_text(encoding="utf-8").splitlines()
    assert old in lines[index]
    lines[index] = lines[index].replace(old, new)
    backup.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return backup


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda b: _tamper_line(b, 1, '"operator":"li"', '"operator":"wang"'), "edited"),
        (lambda b: _tamper_line(b, 5, "货柜旁", "仓库"), "edited"),
        (
            lambda b: b.write_text(
                "\n".join([*b.read_text().splitlines()[:5], b.read_text().splitlines()[-1]]) + "\n"
            ),
            "error",
        ),
        (lambda b: b.write_text("\n".join(b.read_text().splitlines()[:-1]) + "\n"), "no_head"),
        (lambda b: _tamper_line(b, 6, '"rows":5', '"rows":4'), "head_invalid"),
        (lambda b: _tamper_line(b, 0, '"key_id":"', '"key_id":"0'), "wrong_key"),
    ],
    ids=["edited_row", "edited_text", "row_cut_out", "head_cut_off", "head_edited", "key_id_changed"],
)
def test_a_tampered_export_is_refused(path: Path, tmp_path: Path, tamper, problem: str) -> None:
    with AuditLog(path) as log:
        backup = log.export_log(tmp_path / "backup.jsonl")
    tamper(backup)
    target = tmp_path / "restored.sqlite"
    if problem == "error":  # the header's row count no longer matches: refused as malformed
        with pytest.raises(AuditError, match="header says 5 rows"):
            verify_export(backup, key=KEY)
    else:
        report = verify_export(backup, key=KEY)
        assert (report.ok, report.problem) == (False, problem)
    with AuditLog(target, key=KEY) as restored, pytest.raises(AuditError):
        restored.import_log(backup)
    with AuditLog(target, key=KEY) as restored:
        assert restored.rows().empty  # nothing was imported
    result = CliRunner().invoke(
        app, ["audit", "import", str(backup), "--audit", str(tmp_path / "cli.sqlite")]
    )
    assert result.exit_code in (1, 2) and not (tmp_path / "cli.sqlite").exists()
    if problem != "error":
        assert result.exit_code == 1 and f"export TAMPERED: {problem}" in result.output


def test_a_log_that_does_not_verify_is_not_exported(path: Path, tmp_path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("delete from receiptkit_audit where seq = 5")
    with AuditLog(path) as log, pytest.raises(AuditError, match="truncated"):
        log.export_log(tmp_path / "b.jsonl")
    result = CliRunner().invoke(app, ["audit", "export", str(tmp_path / "b.jsonl"), "--audit", str(path)])
    assert (
        result.exit_code == 1 and "TAMPERED: truncated" in result.output and "not exported" in result.output
    )
    assert not (tmp_path / "b.jsonl").exists()


def test_import_into_a_log_with_another_key_is_refused(path: Path, tmp_path: Path) -> None:
    with AuditLog(path) as log:
        backup = log.export_log(tmp_path / "b.jsonl")
    with (
        AuditLog(tmp_path / "other.sqlite", key=OTHER) as other,
        pytest.raises(AuditError, match="wrong_key"),
    ):
        other.import_log(backup)


# -- unkeyed logs from older versions ---------------------------------------------------------


def _make_unkeyed(path: Path) -> None:
    """Turn a keyed log into what an older receiptkit wrote: plain SHA-256 chain, no metadata, no head."""
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute("select * from receiptkit_audit order by seq")]
        db.execute("delete from receiptkit_audit")
        prev = "0" * 64
        for row in rows:
            row["prev_hash"] = prev
            row["row_hash"] = prev = row_hash(row)
            db.execute(
                f"insert into receiptkit_audit ({', '.join(row)}) values ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
        db.execute("drop table receiptkit_audit_meta")
        db.execute("drop table receiptkit_audit_head")
    path.with_name(path.name + ".head").unlink()


def test_an_unkeyed_log_is_refused_until_upgraded(path: Path) -> None:
    _make_unkeyed(path)
    with pytest.raises(AuditError, match="not keyed"):
        AuditLog(path)
    with pytest.raises(AuditError, match="not keyed"):
        AuditLog(path, create=False)
    with AuditLog(path, create=False, allow_unkeyed=True) as log:
        assert log.verify().problem == "unkeyed"
        with pytest.raises(AuditError, match="not keyed"):
            log.record("note", "X", {})
    result = CliRunner().invoke(app, ["audit", "verify", "--audit", str(path)])
    assert result.exit_code == 1 and "TAMPERED: unkeyed" in result.output and "upgrade" in result.output
    report = AuditLog.upgrade(path, operator="mgr", key=KEY)
    assert report.ok and report.rows == 6
    with AuditLog(path) as log:
        last = log.rows().iloc[-1]
        assert last["event_type"] == "audit_upgrade" and last["operator"] == "mgr"
        assert json.loads(last["details"])["rows"] == 5
        assert log.attempt_status(1) == "printed"
    with pytest.raises(AuditError, match="keyed already"):
        AuditLog.upgrade(path, operator="mgr", key=KEY)


def test_an_unkeyed_log_that_does_not_verify_is_not_upgraded(path: Path) -> None:
    _make_unkeyed(path)
    with sqlite3.connect(path) as db:
        db.execute("update receiptkit_audit set operator = 'wang' where seq = 1")
    result = CliRunner().invoke(app, ["audit", "upgrade", "--audit", str(path), "--operator", "mgr"])
    assert result.exit_code == 2 and "does not verify" in result.output
    with AuditLog(path, create=False, allow_unkeyed=True) as log:
        assert log.verify().problem == "unkeyed"  # nothing was changed


def test_a_keyed_log_without_its_chain_version_is_not_upgraded(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("delete from receiptkit_audit_meta")
    with pytest.raises(AuditError, match="signed head exists"):
        AuditLog.upgrade(path, operator="forger", key=KEY)


def test_cli_upgrade(path: Path) -> None:
    _make_unkeyed(path)
    result = CliRunner().invoke(app, ["audit", "upgrade", "--audit", str(path), "--operator", "mgr"])
    assert result.exit_code == 0 and "upgraded: 6 rows keyed" in result.output
    assert CliRunner().invoke(app, ["audit", "verify", "--audit", str(path)]).exit_code == 0


# -- the head in closing packs ----------------------------------------------------------------


def test_pack_head_is_checked(path: Path, tmp_path: Path) -> None:
    from receiptkit.terminals.pack import HEAD_NAME, verify_pack, write_manifest

    pack = tmp_path / "pack"
    pack.mkdir()
    with AuditLog(path) as log:
        head = log.signed_head()
        assert head is not None
        (pack / HEAD_NAME).write_text(head.to_json() + "\n")
        write_manifest(pack, key=KEY, meta={"terminal_id": "10283746"})
        log.record("note", "after closing", {})
    assert verify_pack(pack, key=KEY).audit_head == "valid"
    assert verify_pack(pack, key=KEY, audit=path).audit_head == "extended"
    with AuditLog(path) as log:
        assert log.verify(anchors=[read_head(pack)]).ok
    with sqlite3.connect(path) as db:  # a row before the closing rewritten: the log no longer holds the head
        db.execute("update receiptkit_audit set operator = 'wang' where seq = 3")
    report = verify_pack(pack, key=KEY, audit=path)
    assert not report.intact and report.audit_head == "not_in_log" and "edited" in report.message
    data = json.loads((pack / HEAD_NAME).read_text())
    data["rows"] = 4
    (pack / HEAD_NAME).write_text(json.dumps(data))
    write_manifest(pack, key=KEY, meta={"terminal_id": "10283746"})  # even re-sealed with the key
    edited = verify_pack(pack, key=KEY)
    assert not edited.intact and edited.audit_head == "invalid" and HEAD_NAME in edited.message


def test_threads_sharing_one_log_keep_the_head_in_step(tmp_path: Path) -> None:
    import threading

    with AuditLog(tmp_path / "threads.sqlite", key=KEY) as log:

        def write(n: int) -> None:
            for i in range(5):
                log.record("note", f"thread{n}", {"i": i})

        threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        report = log.verify()
        assert report.ok and report.rows == 20 and report.signed_head is not None
        assert report.signed_head.rows == 20


def test_a_new_hashed_column_leaves_the_hashes_of_older_rows_alone(path: Path, monkeypatch) -> None:
    """A nullable column added to the table is hashed from then on; rows without a value keep their hash."""
    import receiptkit.audit as audit_module
    from receiptkit.audit import hashed_columns, row_mac

    assert (
        "prev_hash" in hashed_columns()
        and "seq" not in hashed_columns()
        and "row_hash" not in hashed_columns()
    )
    with AuditLog(path) as log:
        rows = log.rows()
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        first = dict(db.execute("select * from receiptkit_audit where seq = 1").fetchone())
    before = row_mac(first, KEY)
    assert before == first["row_hash"] and len(rows) == 5
    monkeypatch.setattr(audit_module, "_HASHED", (*audit_module._HASHED, "identified_by"))
    assert row_mac({**first, "identified_by": None}, KEY) == before  # an old row: no value, same hash
    assert row_mac({**first, "identified_by": "stan"}, KEY) != before  # a value is covered


@pytest.mark.parametrize(
    ("index", "old", "new"),
    [
        (1, '"operator":"li"', '"operator":"wang","operator":"li"'),  # a row shows another operator first
        (0, '"format":', '"key_id":"00000000","format":'),  # the header names another key first
        (6, '"head":{', '"head":{"rows":2,'),  # the head shows another row count first
    ],
    ids=["row", "header", "head"],
)
def test_an_export_line_with_a_key_twice_is_refused_naming_the_line(
    path: Path, tmp_path: Path, index: int, old: str, new: str
) -> None:
    """json.loads keeps the last of two equal keys, so a line reading '"operator":"wang","operator":"li"'
    verified (the hash covers the last value) while anyone reading the file sees 'wang' first."""
    with AuditLog(path) as log:
        backup = log.export_log(tmp_path / "backup.jsonl")
    _tamper_line(backup, index, old, new)
    with pytest.raises(AuditError, match=rf"row {index + 1}: .*twice"):
        verify_export(backup, key=KEY)
    with AuditLog(tmp_path / "restored.sqlite", key=KEY) as restored, pytest.raises(AuditError):
        restored.import_log(backup)
    if index == 6:
        with pytest.raises(AuditError, match="twice"):
            read_head(backup)
