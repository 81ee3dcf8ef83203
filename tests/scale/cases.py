"""A generated week of journal and proofs, with hand-built cases at the partition edges."""

from __future__ import annotations

import pandas as pd

from receiptkit.datasets import make_dataset
from receiptkit.matching.policy import MatchPolicy

from .conftest import journal_of, proof, proofs_of, sale

SKEWED = "T9"  # logs local time 8 hours behind (its clock is on UTC)


def _skewed(txn_id: str, amount: int, true_local: str, **fields) -> dict:
    logged = (pd.Timestamp(true_local) - pd.Timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    return sale(txn_id, amount, logged, terminal_id=SKEWED, **fields)


def edge_rows() -> tuple[list[dict], list[dict]]:
    """Transactions and proofs at midnight, across bank-line days, on a skewed clock, sharing a sale."""
    rows = [
        sale("X-A0", 3300, "2026-11-18 12:00:00", card_last4="5555"),
        sale("X-A3", 3300, "2026-11-20 23:58:10", card_last4="3333"),
        sale("X-A1", 3300, "2026-11-20 23:59:40", card_last4="1111", rrn="100000000001"),
        sale("X-A2", 3300, "2026-11-21 00:00:50", card_last4="2222"),
        sale("X-B1", 5000, "2026-11-19 10:00:00", card_last4="4444"),
        sale(
            "X-R1",
            2000,
            "2026-11-22 11:00:00",
            txn_type="refund",
            card_last4="4444",
            original_txn_id="X-B1",
        ),
        sale("X-K0", 1500, "2026-11-22 14:58:00"),
        sale("X-K1", 8800, "2026-11-22 15:00:00", channel="wechat", wallet_txn_id="4200000000000123456789"),
        sale("X-K2", 1200, "2026-11-22 15:01:00"),
        sale("X-D1", 4500, "2026-11-21 09:00:00", card_last4="7777", rrn="100000000777"),
        sale("X-D1b", 4500, "2026-11-21 09:00:00", card_last4="7777", rrn="100000000777"),
    ]
    proofs = [
        proof("Q-mid-1", 3300, "2026-11-20 23:59", card_last4="1111"),
        proof("Q-mid-2", 3300, "2026-11-21 00:00", card_last4="2222"),
        proof("Q-bank-1", 3300, date="2026-11-23", card_last4="1111", reference="100000000001"),
        proof("Q-bank-2", 3300, date="2026-11-19", card_last4="9999"),
        proof("Q-bank-3", 3300, date="2026-11-23"),
        proof("Q-B1", 5000, "2026-11-19 10:00", card_last4="4444"),
        proof(
            "Q-K1",
            9000,
            None,
            kind="wallet",
            ts=pd.Timestamp("2026-11-22 15:00:05", tz="Asia/Shanghai").tz_convert("UTC"),
            ts_precision="second",
            wallet_txn_id="4200000000000123456789",
        ),
        proof("Q-D1", 4500, "2026-11-21 09:00", card_last4="7777"),
    ]
    # a terminal 8 hours behind: wallet records vote its offset; an SMS only matches with it applied
    for k, clock in enumerate(("23:40:00", "23:50:00", "2026-11-21 00:05:00", "2026-11-21 00:20:00")):
        true_local = clock if clock.startswith("2026") else f"2026-11-20 {clock}"
        wallet = f"42000000000009{k:08d}"
        rows.append(_skewed(f"X-S{k}", 6100 + k, true_local, channel="alipay", wallet_txn_id=wallet))
        proofs.append(
            proof(
                f"Q-S{k}",
                6100 + k,
                None,
                kind="wallet",
                ts=pd.Timestamp(true_local, tz="Asia/Shanghai").tz_convert("UTC"),
                ts_precision="second",
                wallet_txn_id=wallet,
            )
        )
    rows.append(_skewed("X-S9", 6900, "2026-11-21 00:10:30", card_last4="8181"))
    proofs.append(proof("Q-S9", 6900, "2026-11-21 00:10", card_last4="8181"))
    return rows, proofs


def edge_dataset(seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame, MatchPolicy]:
    """A generated week (skewed terminals, bank lines, FX, refunds) plus :func:`edge_rows`."""
    data = make_dataset(n_transactions=3000, n_proofs=600, seed=seed, start="2026-11-17", days=7)
    rows, extra = edge_rows()
    journal = pd.concat([data.journal, journal_of(rows)], ignore_index=True)
    journal = journal.sort_values("ts", kind="stable").reset_index(drop=True)
    proofs = pd.concat([data.proofs, proofs_of(extra)], ignore_index=True)
    return journal, proofs, MatchPolicy(fx_rates=data.fx_rates)
