"""A posted statement line is never a voided sale's: a void cancels the sale before settlement.

The customer paid 36.00, the clerk voided it and rang it up again (the card was charged once, by the second
sale). The card's statement posts the second sale only; the voided one sends nothing to the card after its
authorisation (an SMS sent at authorisation may still show it, so SMS are not read so).
"""

from __future__ import annotations

import receiptkit as rk

from .conftest import journal, pf, proofs, row_of, txn
from .test_day_rate import _fortnight

RAW = {"交易日": "2026-11-20", "posting_date": "2026-11-21"}


def _voided_then_again() -> list[dict]:
    return [
        txn("S1", 3600, "18:20:00", channel="alipay"),
        txn("V1", 3600, "18:24:00", channel="alipay", txn_type="void", original_txn_id="S1"),
        txn("S2", 3600, "18:26:30", channel="alipay"),
    ]


def test_a_statement_line_is_the_sale_made_again_not_the_voided_one() -> None:
    line = pf(
        "line",
        3600,
        None,
        day="2026-11-20",
        card_last4="4411",
        merchant_text="支付宝-瑞幸咖啡(国贸店)",
        raw=RAW,
    )
    result = rk.match(proofs(line), journal(*_fortnight(), *_voided_then_again()))
    row = row_of(result, "line")
    pairs = rk.candidate_pairs(row) or [(row["txn_id"], row["confidence"])]
    assert pairs[0][0] == "S2" and pairs[0][1] > 0.8, row["reason"]
    assert dict(pairs).get("S1", 0.0) < 0.01
    table = rk.explain(result, "line").set_index("field")
    assert table.loc["payment_state", "runner_up_txn_id"] == "S1"
    assert table.loc["payment_state", "runner_up_level"] == "posted_voided"


def test_an_sms_is_not_read_so() -> None:
    sms = pf("sms", 3600, "18:20:00", kind="sms", ts_precision="minute", card_last4="4411")
    result = rk.match(proofs(sms), journal(*_fortnight(), *_voided_then_again()))
    table = rk.explain(result, "sms").set_index("field")
    assert table.loc["payment_state", "best_txn_id"] == "S1"
    assert table.loc["payment_state", "best_level"] == "missing"
