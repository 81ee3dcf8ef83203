"""Rule same_proof, checked inside the write (clean room 13, F1), reads on the writer's own connection.

Review 20, §8: the check opened a second connection inside the write transaction; with an engine whose pool
holds one connection (a capped PostgreSQL pool, pgbouncer style) every reprint identified by a proof waited for
itself and failed with SQLAlchemy's TimeoutError.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import QueuePool
from tests.test_reprint_same_proof import KEY, PROOF, _matched, journal  # noqa: F401 (fixture)

from receiptkit.audit import AuditLog
from receiptkit.errors import ReprintRefused
from receiptkit.reprinting import reprint


@pytest.fixture(autouse=True)
def merchant_key(monkeypatch):
    monkeypatch.setenv("RECEIPTKIT_KEY", KEY)


def test_a_one_connection_pool_reprints_and_refuses_the_same_proof(journal, tmp_path) -> None:  # noqa: F811
    engine = sa.create_engine(
        f"sqlite:///{tmp_path / 'audit.sqlite'}",
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=3,
    )
    log = AuditLog(engine, create=True, head=tmp_path / "audit.head")
    first = reprint(
        _matched("P1"), journal=journal, operator="li", reason="lost slip", pdf=tmp_path / "d1.pdf",
        proof=PROOF, audit=log,
    )  # fmt: skip
    assert first.status == "printed" and first.reprint_no == 1
    with pytest.raises(ReprintRefused) as caught:
        reprint(
            _matched("P1"), journal=journal, operator="li", reason="lost slip", pdf=tmp_path / "d2.pdf",
            proof=PROOF, audit=log,
        )  # fmt: skip
    assert caught.value.rule == "same_proof"
    assert log.rows(event_type="reprint")["status"].tolist() == ["pending", "printed", "refused"]


def test_a_sqlite_url_with_a_tilde_is_refused_not_a_folder_named_tilde(tmp_path, monkeypatch) -> None:
    from receiptkit.errors import AuditError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(AuditError) as caught:
        AuditLog("sqlite:///~/a.sqlite", create=True)
    assert "write the path in full" in str(caught.value)
    assert not (tmp_path / "~").exists()
