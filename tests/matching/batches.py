"""Batches whose estimates (matching.batch) decide verdicts: built by hand, shared by tests/matching and
tests/scale (no dask here)."""

from __future__ import annotations

import pandas as pd

from receiptkit.schema import validate_journal, validate_proofs

TZ = "Asia/Shanghai"
SHOP = "海底捞火锅(五角场店)"


def _at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2026-11-20 {clock}", tz=TZ)


def counter_month() -> tuple[pd.DataFrame, pd.DataFrame]:
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


def hour_counter() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A month of one shop's WeChat sales, ten a day at five prices, and 84 counter proofs naming only the hour.

    Every proof finds its sale, so the batch says counter proofs are nearly always here (about 2 %); with
    ``prior_absent_min_proofs=60`` one ``match`` lowers the prior of absence and matches all 84, while 40 of
    them alone keep ``prior_absent`` and stay ambiguous.
    """
    sale = {
        "merchant_id": "M1",
        "terminal_id": "T1",
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "wechat",
        "merchant_name": "蜀香阁(徐家汇店)",
    }
    rows, proofs = [], []
    for day in range(1, 29):
        for hour in range(10, 20):
            k = len(rows)
            amount = (1500, 1800, 2200, 2500, 3200)[(day + hour) % 5]
            when = pd.Timestamp(f"2026-11-{day:02d} {hour:02d}:{(7 * day + hour) % 60:02d}:20", tz=TZ)
            rows.append({**sale, "txn_id": f"H{k}", "amount_minor": amount, "ts": when})
            if hour % 3 == 0:
                proofs.append(
                    {
                        "proof_id": f"p{k}",
                        "kind": "manual",
                        "ts_precision": "hour",
                        "currency": "CNY",
                        "direction": "debit",
                        "amount_minor": amount,
                        "ts": when.floor("h").tz_convert("UTC"),
                    }
                )
    return validate_journal(pd.DataFrame(rows)), validate_proofs(pd.DataFrame(proofs))
