"""Hand-built journal and proof rows for the distributed matcher's edge cases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from receiptkit.schema import validate_journal, validate_proofs

TZ = "Asia/Shanghai"


def sale(txn_id: str, amount: int, when: str, **fields: Any) -> dict[str, Any]:
    """An approved card sale at terminal T1 at local time ``when`` (``"2026-11-20 23:59:40"``)."""
    row: dict[str, Any] = {
        "txn_id": txn_id,
        "merchant_id": "M1",
        "merchant_name": "瑞幸咖啡(国贸店)",
        "terminal_id": "T1",
        "ts": pd.Timestamp(when, tz=TZ),
        "amount_minor": amount,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
    }
    row.update(fields)
    return row


def proof(proof_id: str, amount: int, when: str | None = None, **fields: Any) -> dict[str, Any]:
    """An SMS to the minute at local time ``when``, or a bank line when ``date=`` is given instead."""
    row: dict[str, Any] = {
        "proof_id": proof_id,
        "kind": "sms",
        "ts": pd.Timestamp(when, tz=TZ).tz_convert("UTC") if when else None,
        "ts_precision": "minute" if when else "day",
        "amount_minor": amount,
        "currency": "CNY",
        "direction": "debit",
    }
    if "date" in fields:
        row["kind"] = "bank_statement"
        row["date"] = pd.Timestamp(fields.pop("date"))
    row.update(fields)
    return row


def journal_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return validate_journal(pd.DataFrame(rows))


def proofs_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return validate_proofs(pd.DataFrame(rows))


def plain(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as Python objects with None for missing, for exact comparison."""
    values = frame[column].astype(object)
    return values.where(values.notna(), None).to_numpy()


def assert_same_result(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Row for row: same proofs in the same order, same verdicts, confidences within 1e-9."""
    expected = expected.reset_index(drop=True)
    got = got.reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for column in ("proof_id", "txn_id", "status", "n_candidates", "reason", "flags", "ask", "terminal_id"):
        mismatch = plain(expected, column) != plain(got, column)
        assert not mismatch.any(), (
            column,
            expected.loc[mismatch, ["proof_id", column]].head(),
            got.loc[mismatch, column].head(),
        )
    assert (plain(expected, "clock_offset_s") == plain(got, "clock_offset_s")).all()
    for column in ("confidence", "margin"):
        np.testing.assert_allclose(
            got[column].to_numpy(float), expected[column].to_numpy(float), rtol=0, atol=1e-9
        )
    for column in ("candidate_txn_ids", "candidate_confidences"):
        assert [list(c) for c in expected[column]] == [list(c) for c in got[column]]


@pytest.fixture(scope="session")
def cluster_client():
    """A 2-worker dask.distributed LocalCluster on 127.0.0.1 (closed after the session)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit="2GiB",
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
