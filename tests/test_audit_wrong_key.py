"""A key mix-up is not tampering: the wrong key file says "cannot verify with this key", never TAMPERED and
never GENUINE; a log whose key was changed under the key given is still TAMPERED.

Before, `receiptkit audit verify` with another key file printed `audit log TAMPERED: wrong_key` and
`receiptkit verify CODE` printed `NOT GENUINE` for a genuine duplicate: a clerk with the wrong key file told a
customer their slip was forged.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from receiptkit.audit import AuditLog, ChainHead, row_mac
from receiptkit.cli import app
from receiptkit.verification import load_key

KEY = bytes(range(32))
OTHER = bytes(range(100, 132))
KEY_ID, OTHER_ID = load_key(KEY).key_id, load_key(OTHER).key_id


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
        "card_last4": "4821",
    }


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RECEIPTKIT_KEY", raising=False)
    monkeypatch.delenv("RECEIPTKIT_KEY_FILE", raising=False)
    target = tmp_path / "audit.sqlite"
    with AuditLog(target, key=KEY) as log:
        for i in range(3):
            attempt = log.begin_reprint(_row(f"T{i}"), operator="li", reason="lost slip", output_kind="pdf")
            log.complete(attempt, document_sha256="c" * 64)
    shutil.copy(tmp_path / "audit.sqlite.head", tmp_path / "kept.head")  # a head kept elsewhere
    (tmp_path / "merchant.key").write_text("hex:" + KEY.hex())
    (tmp_path / "other.key").write_text("hex:" + OTHER.hex())
    return target


def _verify(path: Path, key: str, *more: str):
    args = ["audit", "verify", "--audit", str(path), "--key-file", str(path.parent / key), *more]
    return CliRunner().invoke(app, args)


def _rebuild_under(path: Path, key: bytes) -> None:
    """Everything rewritten under ``key``: rows, key id, head (what a forger with their own key does)."""
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute("select * from receiptkit_audit order by seq")]
        prev = "0" * 64
        for r in rows:
            r["prev_hash"] = prev
            r["row_hash"] = prev = row_mac(r, key)
            db.execute(
                "update receiptkit_audit set prev_hash = ?, row_hash = ? where seq = ?",
                (r["prev_hash"], r["row_hash"], r["seq"]),
            )
        db.execute(
            "update receiptkit_audit_meta set value = ? where name = 'key_id'", (load_key(key).key_id,)
        )
    last = rows[-1]
    ChainHead(
        int(last["seq"]),
        str(last["row_hash"]),
        dt.datetime.fromisoformat(str(last["recorded_at"])),
        rows=len(rows),
    ).sign(key).write(path.with_name(path.name + ".head"))


def test_the_wrong_key_file_cannot_verify_the_log_and_says_so_not_tampered(path: Path) -> None:
    with AuditLog(path, create=False, key=OTHER) as log:
        report = log.verify()
    assert not report.ok and report.problem == "wrong_key"  # the documented problem, never intact
    assert report.checked is False  # nothing in the log was made with this key: a mix-up, or a rebuilt log
    done = _verify(path, "other.key")
    assert done.exit_code == 1, done.output
    assert "TAMPERED" not in done.output and "intact" not in done.output
    assert "audit log NOT VERIFIED: wrong_key" in done.output and "cannot verify with this key" in done.output
    assert KEY_ID in done.output and OTHER_ID in done.output  # which key was given, which the log names
    assert "rebuilt under another key" in done.output  # what it means if the key given is the merchant's


def test_a_key_id_changed_under_rows_made_with_the_key_given_is_tampered(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("update receiptkit_audit_meta set value = ? where name = 'key_id'", (OTHER_ID,))
    with AuditLog(path, create=False, key=KEY) as log:
        report = log.verify()
    assert (report.ok, report.problem, report.checked) == (False, "wrong_key", True)
    done = _verify(path, "merchant.key")
    assert done.exit_code == 1 and "audit log TAMPERED: wrong_key" in done.output, done.output
    assert "NOT VERIFIED" not in done.output


def test_a_log_rebuilt_under_another_key_against_a_head_kept_elsewhere_is_tampered(path: Path) -> None:
    _rebuild_under(path, OTHER)
    alone = _verify(path, "merchant.key")  # the log alone cannot tell a rebuild from a mix-up
    assert alone.exit_code == 1 and "TAMPERED" not in alone.output and "GENUINE" not in alone.output
    assert "NOT VERIFIED" in alone.output and "rebuilt under another key" in alone.output
    anchored = _verify(path, "merchant.key", "--anchor", str(path.parent / "kept.head"))
    assert anchored.exit_code == 1 and "audit log TAMPERED: wrong_key" in anchored.output, anchored.output


def test_a_genuine_code_checked_with_the_wrong_key_is_not_called_forged(path: Path) -> None:
    with AuditLog(path, create=False, key=KEY) as log:
        code = str(log.rows()["short_code"].dropna().iloc[0])
    args = ["verify", code, "--audit", str(path)]
    right = CliRunner().invoke(app, args, env={"RECEIPTKIT_KEY": "hex:" + KEY.hex()})
    assert right.exit_code == 0 and right.output.startswith("GENUINE"), right.output
    wrong = CliRunner().invoke(app, args, env={"RECEIPTKIT_KEY": "hex:" + OTHER.hex()})
    assert wrong.exit_code == 1, wrong.output
    assert (
        wrong.output.startswith("NOT VERIFIED: cannot verify with this key")
        and "NOT GENUINE" not in wrong.output
    )
    assert KEY_ID in wrong.output and OTHER_ID in wrong.output


def test_the_terminal_register_read_with_the_wrong_key_is_not_called_tampered(tmp_path: Path) -> None:
    from receiptkit.terminals import Terminals

    target = tmp_path / "audit.sqlite"
    with Terminals(target, key=KEY) as register:
        register.add("12345678", merchant_id="898310048161234", operator="li")
    args = ["terminal", "list", "--audit", str(target)]
    right = CliRunner().invoke(app, args, env={"RECEIPTKIT_KEY": "hex:" + KEY.hex()})
    assert right.exit_code == 0 and "12345678" in right.output, right.output
    wrong = CliRunner().invoke(app, args, env={"RECEIPTKIT_KEY": "hex:" + OTHER.hex()})
    assert wrong.exit_code == 2, wrong.output  # the key given is a usage problem, as a missing key is
    assert "TAMPERED" not in wrong.output and "changed after it was written" not in wrong.output
    assert (
        "cannot verify with this key" in wrong.output and KEY_ID in wrong.output and OTHER_ID in wrong.output
    )


def test_a_signed_qr_payload_checked_with_the_wrong_secret_key_is_not_called_forged(path: Path) -> None:
    import receiptkit as rk

    with AuditLog(path, create=False, key=KEY) as log:
        details = log.rows()["details"].dropna()
    import json

    fields = next(json.loads(d) for d in details if "fields" in json.loads(d))
    payload = rk.verification.make_code(fields["fields"], load_key(KEY)).qr_payload
    right = rk.verify(payload, key=KEY)
    assert right.genuine and right.checked
    wrong = rk.verify(payload, key=OTHER)
    assert not wrong.genuine and wrong.checked is False
    assert "cannot verify with this key" in wrong.reason
    assert load_key(KEY).public_key().fingerprint in wrong.reason
    assert load_key(OTHER).public_key().fingerprint in wrong.reason
    done = CliRunner().invoke(app, ["verify", payload], env={"RECEIPTKIT_KEY": "hex:" + OTHER.hex()})
    assert done.exit_code == 1 and done.output.startswith("NOT VERIFIED"), done.output
    # an altered payload under the right key is still NOT GENUINE
    altered = payload.replace("|12850|", "|12860|")
    assert altered != payload
    forged = CliRunner().invoke(app, ["verify", altered], env={"RECEIPTKIT_KEY": "hex:" + KEY.hex()})
    assert forged.exit_code == 1 and forged.output.startswith("NOT GENUINE"), forged.output
