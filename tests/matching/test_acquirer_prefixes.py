"""An acquirer's or aggregator's name before the payee (field guide 2.2) is a prefix, like 财付通-: newcomer 20, H7.

``银联商务-小杨生煎`` (China UMS, a large POS acquirer, + the shop) was read as 银联 + "another branch 商务" of the shop,
and the customer's real payment was UNMATCHED "evidence disagrees with every candidate". The prefix never turns
another brand into an agreement: ``银联商务-罗森`` against a 小杨生煎 journal still does not agree.
"""

from __future__ import annotations

import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.matching.text import parse_merchant
from receiptkit.schema import validate_journal


@pytest.mark.parametrize(
    "text",
    [
        "银联商务-小杨生煎",
        "银联商务小杨生煎",
        "通联支付-小杨生煎",
        "汇付-小杨生煎",
        "富友：小杨生煎",
        "随行付-小杨生煎",
        "乐刷-小杨生煎",
    ],
)
def test_an_acquirer_prefix_reads_as_the_shop(text: str) -> None:
    name = parse_merchant(text)
    assert (name.kind, name.brand, name.branch) == ("shop", "小杨生煎", None)


def test_an_acquirer_alone_is_a_platform_and_a_glued_short_name_stays_a_shop() -> None:
    assert parse_merchant("银联商务").kind == "platform"
    assert parse_merchant("富友超市").brand == "富友超市"  # never glued: a shop may be called so


def _journal() -> pd.DataFrame:
    ts = pd.Timestamp("2026-11-07 13:05:10", tz="Asia/Shanghai")
    row = {
        "txn_id": "S002",
        "merchant_id": "898310058120099",
        "merchant_name": "小杨生煎(静安店)",
        "terminal_id": "12000009",
        "ts": ts,
        "amount_minor": 5600,
        "currency": "CNY",
        "txn_type": "sale",
        "status": "approved",
        "channel": "card",
        "card_last4": "7788",
    }
    other = {
        **row,
        "txn_id": "S001",
        "ts": ts - pd.Timedelta(hours=3),
        "amount_minor": 12850,
        "card_last4": "3344",
    }
    return validate_journal(pd.DataFrame([row, other]))


def _sms(payee: str) -> pd.DataFrame:
    """The customer's bank SMS as the clerk types it: amount, minute, last 4 and the payee as the bank wrote it."""
    return rk.proof("56.00", "2026-11-07 13:05", "7788", merchant=payee, currency="CNY", tz="Asia/Shanghai")


def test_the_customers_payment_through_the_acquirer_is_matched() -> None:
    result = rk.match(_sms("银联商务-小杨生煎"), _journal())
    assert result["status"].iloc[0] == "matched" and result["txn_id"].iloc[0] == "S002", result.iloc[
        0
    ].to_dict()


def test_another_brand_behind_the_acquirer_still_does_not_agree() -> None:
    journal = _journal()
    proof = _sms("银联商务-罗森")
    result = rk.match(proof, journal)
    assert result["status"].iloc[0] != "matched", result.iloc[0].to_dict()
    merchant = rk.explain(result, result["proof_id"].iloc[0]).set_index("field").loc["merchant"]
    assert str(merchant["best_level"]) in ("unrelated", "other_brand"), merchant.to_dict()
