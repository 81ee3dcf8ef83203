"""match_dask and the batch's estimate of payments made elsewhere (matching.elsewhere), read per task."""

from __future__ import annotations

import dask
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.scale import match_dask
from receiptkit.schema import validate_journal, validate_proofs

TZ = "Asia/Shanghai"
SHOP = "海底捞火锅(五角场店)"


def _at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2026-11-20 {clock}", tz=TZ)


def _counter_month() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counter input: 60 proofs of sales here (no shop typed), 30 naming no shop that find no sale of their amount,
    ten naming another branch, five of which coincide with a sale here on amount and minute. One ``match``
    reads from them that about half the proofs naming no shop were paid elsewhere, and caps the 60."""
    sale = {
        "merchant_id": "M1",
        "terminal_id": "T1",
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
    }
    rows, here = [], []
    for k in range(60):
        clock = f"{8 + k // 60:02d}:{k % 60:02d}:20"
        rows.append(
            {
                **sale,
                "txn_id": f"H{k}",
                "amount_minor": 30000 + 13 * k,
                "ts": _at(clock),
                "merchant_name": SHOP,
            }
        )
        here.append({"proof_id": f"here{k}", "amount_minor": 30000 + 13 * k, "ts": _at(clock[:-2] + "00")})
    lost = [
        {"proof_id": f"lost{k}", "amount_minor": 70000 + 17 * k, "ts": _at(f"1{k % 10}:{k:02d}:00")}
        for k in range(30)
    ]
    rows += [
        {
            **sale,
            "txn_id": f"S{k}",
            "amount_minor": 10000 + 100 * k,
            "ts": _at(f"1{k % 10}:{10 + k:02d}:20"),
            "merchant_name": SHOP,
        }
        for k in range(5)
    ]
    other = [
        {
            "proof_id": f"other{k}",
            "amount_minor": 10000 + 100 * k if k < 5 else 90000 + 100 * k,
            "ts": _at(f"1{k % 10}:{10 + k:02d}:00"),
            "merchant_text": "海底捞火锅(厦门中山路店)",
        }
        for k in range(10)
    ]
    batch = pd.DataFrame(
        [
            {
                "kind": "manual",
                "ts_precision": "minute",
                "currency": "CNY",
                "direction": "debit",
                **p,
                "ts": p["ts"].tz_convert("UTC"),
            }
            for p in (*here, *lost, *other)
        ]
    )
    return validate_journal(pd.DataFrame(rows)), validate_proofs(batch)


def test_match_dask_runs_and_never_matches_a_proof_naming_another_branch() -> None:
    journal, batch = _counter_month()
    expected = rk.match(batch, journal)
    assert (expected["status"].iloc[:60] == "ambiguous").all()
    with dask.config.set(scheduler="sync"):
        got = match_dask(batch, journal).compute().sort_index()
    assert list(got["proof_id"]) == list(expected["proof_id"])
    assert (got["status"].iloc[90:] == "unmatched").all()  # another branch: never matched, in any task
    assert (got["status"].iloc[60:90] == "unmatched").all()


@pytest.mark.xfail(
    reason="each task estimates the share of payments made elsewhere and the coinciding rate from its own proofs "
    "(docs/scale.md, 'Not yet global'): a task holding fewer than coincidence_min_named proofs naming another "
    "shop falls back to their named share, and matches counter proofs that one match caps",
    raises=AssertionError,
    strict=True,
)
def test_match_dask_caps_what_match_caps() -> None:
    journal, batch = _counter_month()
    expected = rk.match(batch, journal)
    with dask.config.set(scheduler="sync"):
        got = match_dask(batch, journal).compute().sort_index()
    assert list(got["status"]) == list(expected["status"])


def test_with_the_batch_estimate_kept_match_dask_caps_what_match_caps(tmp_path) -> None:
    """The way round it docs/scale.md gives: the month's ``match`` kept in a learned file, its policy passed to
    ``match_dask``; a task that holds too few proofs naming another shop uses the month's estimate."""
    journal, batch = _counter_month()
    expected = rk.match(batch, journal)
    learned = rk.save_learned(tmp_path / "journal.csv.receiptkit.json", expected)
    with dask.config.set(scheduler="sync"):
        got = match_dask(batch, journal, policy=learned.policy()).compute().sort_index()
    assert list(got["status"]) == list(expected["status"])
    assert (got["status"].iloc[:60] == "ambiguous").all()
