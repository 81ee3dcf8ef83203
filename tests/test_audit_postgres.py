"""The audit log on a real PostgreSQL server, which these tests start on 127.0.0.1 and stop.

The server comes from Debian's ``postgresql`` package (``.ci/run`` installs it):
``initdb`` and ``pg_ctl`` on the PATH or under /usr/lib/postgresql/<version>/bin.
``initdb`` refuses to run as root, so as root (CI) the server runs as the
unprivileged user ``nobody`` through ``runuser``. Without a server binary the
tests are skipped, saying so.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import receiptkit as rk
from receiptkit.audit import AuditLog, verify_export
from receiptkit.cli import app
from receiptkit.errors import AuditError, ReprintRefused

KEY = bytes(range(32))
SHA = "d" * 64


@pytest.fixture(scope="module")
def server(postgres_server: str) -> str:
    """The tests' own PostgreSQL server (tests/_postgres.py); its base URL (no database)."""
    return postgres_server


@pytest.fixture
def url(postgres_url: str) -> str:
    """A new database on the server for one test."""
    return postgres_url


def _row(txn_id: str = "T0001") -> dict[str, object]:
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


def _sql(url: str, statement: str, **params: object) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


def test_the_log_on_postgresql_keeps_its_signed_head_in_a_table(url: str) -> None:
    with AuditLog(url, key=KEY) as log:
        assert log.head_path is None and "postgresql" in log.location
        attempt = log.begin_reprint(_row(), operator="li", reason="lost slip", output_kind="pdf", cap=2)
        log.complete(attempt, document_sha256=SHA)
        log.record("terminal_status", "10283746", {"status": "active"}, operator="mgr")
        report = log.verify()
        assert report.ok and report.rows == 3 and report.signed_head is not None
        assert report.signed_head.rows == 3 and log.key_id == report.signed_head.key_id
        assert log.rows()["status"].fillna("-").tolist() == ["pending", "printed", "-"]
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = json.loads(conn.execute(sa.text("select head from receiptkit_audit_head")).scalar_one())
    engine.dispose()
    assert (stored["rows"], stored["seq"]) == (3, 3)


def test_tampering_on_the_server_is_caught(url: str) -> None:
    with AuditLog(url, key=KEY) as log:
        for i in range(4):
            log.record("note", f"S{i}", {"i": i}, operator="mgr")
        older = log.signed_head()
        log.record("note", "S4", {"i": 4}, operator="mgr")
    assert older is not None
    _sql(url, "update receiptkit_audit set operator = 'wang' where seq = 2")
    with AuditLog(url, create=False, key=KEY) as log:
        assert (log.verify().problem, log.verify().first_bad_seq) == ("edited", 2)
    _sql(url, "update receiptkit_audit set operator = 'mgr' where seq = 2")
    _sql(url, "delete from receiptkit_audit where seq = 5")
    with AuditLog(url, create=False, key=KEY) as log:
        assert log.verify().problem == "truncated"
        with pytest.raises(AuditError, match="signed head"):
            log.record("note", "S5", {})
    _sql(url, "update receiptkit_audit_head set head = :head", head=older.to_json())
    with AuditLog(url, create=False, key=KEY) as log:  # an older genuine head put back: needs an anchor
        assert log.verify().ok
    _sql(url, "delete from receiptkit_audit_head")
    with AuditLog(url, create=False, key=KEY) as log:
        assert log.verify().problem == "no_head"
    result = CliRunner().invoke(
        app, ["audit", "verify", "--audit", url], env={"RECEIPTKIT_KEY": "hex:" + KEY.hex()}
    )
    assert result.exit_code == 1 and "TAMPERED: no_head" in result.output


def _counter(url: str, txn_id: str, tries: int, cap: int, folder: str, barrier, results) -> None:
    """One counter (a process of its own): reprint the same transaction ``tries`` times under a cap."""
    os.environ["RECEIPTKIT_KEY"] = "hex:" + KEY.hex()
    import pandas as pd

    row = {**_row(txn_id), "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"), "channel": "card"}
    journal = rk.validate_journal(pd.DataFrame([row]))
    got: list[object] = []
    with AuditLog(url) as log:
        barrier.wait(timeout=60)
        for i in range(tries):
            try:
                record = rk.reprint(
                    journal.iloc[0],
                    journal=journal,
                    operator=f"counter{os.getpid()}",
                    reason="customer lost the slip",
                    pdf=Path(folder) / f"dup-{os.getpid()}-{i}.pdf",
                    audit=log,
                    policy=rk.ReprintPolicy(cap=cap),
                    new_audit_log=True,
                )
                got.append(record.reprint_no)
            except ReprintRefused as exc:
                got.append(exc.rule)
    results.put(got)


def test_two_counters_reprinting_the_same_transaction_at_once(url: str, tmp_path: Path) -> None:
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        pytest.skip("needs the fork start method")
    AuditLog(url, key=KEY).close()  # the tables, once
    tries, cap = 6, 7
    barrier = context.Barrier(2)
    results = context.Queue()
    counters = [
        context.Process(target=_counter, args=(url, "T0042", tries, cap, str(tmp_path), barrier, results))
        for _ in range(2)
    ]
    for process in counters:
        process.start()
    for process in counters:
        process.join(timeout=240)
        assert process.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in counters]
    numbers = sorted(n for got in outcomes for n in got if isinstance(n, int))
    refused = [n for got in outcomes for n in got if not isinstance(n, int)]
    assert numbers == list(range(1, cap + 1))  # the cap held, no number twice, none lost
    assert refused == ["reprint_cap"] * (2 * tries - cap)
    assert all(any(isinstance(n, int) for n in got) for got in outcomes)  # both counters printed
    with AuditLog(url, key=KEY) as log:
        report = log.verify()
        rows = log.rows()
    assert report.ok, report.message
    pending = rows[rows["status"] == "pending"]
    assert sorted(pending["reprint_no"].tolist()) == numbers
    assert (rows["status"] == "printed").sum() == cap and (
        rows["status"] == "refused"
    ).sum() == 2 * tries - cap
    assert pending["operator"].nunique() == 2


def test_export_and_import_round_trip_through_postgresql(url: str, server: str, tmp_path: Path) -> None:
    with AuditLog(url, key=KEY) as log:
        attempt = log.begin_reprint(_row(), operator="li", reason="lost slip", output_kind="pdf")
        log.complete(attempt, result="failed", error="paper jam")
        retried = log.retry(attempt, operator="li")
        log.complete(retried, document_sha256=SHA)
        log.record(
            "terminal_status",
            "10283746",
            {"status": "lost"},
            operator="mgr",
            effective_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        )
        backup = log.export_log(tmp_path / "backup.jsonl")
        original = log.rows()
    assert verify_export(backup, key=KEY).ok
    into_sqlite = tmp_path / "restored.sqlite"
    with AuditLog(into_sqlite, key=KEY) as restored:
        report = restored.import_log(backup)
        assert report.ok and report.rows == 5
        assert restored.rows().equals(original)
        assert restored.verify().ok and restored.attempt_status(attempt.attempt_id) == "printed"
    second = f"{server}/postgres"
    name = f"rk_{os.getpid()}_restore"
    admin = sa.create_engine(second, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    runner = CliRunner()
    env = {"RECEIPTKIT_KEY": "hex:" + KEY.hex()}
    result = runner.invoke(app, ["audit", "import", str(backup), "--audit", f"{server}/{name}"], env=env)
    assert result.exit_code == 0 and "imported 5 rows" in result.output, result.output
    again = runner.invoke(
        app, ["audit", "verify", "--audit", f"{server}/{name}", "--anchor", str(backup)], env=env
    )
    assert again.exit_code == 0 and "audit log intact: 5 rows" in again.output
    lines = backup.read_text().splitlines()
    lines[2] = lines[2].replace("paper jam", "no paper")
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n")
    refused = runner.invoke(
        app, ["audit", "import", str(tampered), "--audit", f"sqlite:///{tmp_path / 'x.sqlite'}"], env=env
    )
    assert refused.exit_code == 1 and "export TAMPERED: edited at row 2" in refused.output
    assert not (tmp_path / "x.sqlite").exists()
