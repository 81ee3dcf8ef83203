"""A bank's text naming the wallet a card paid through: that wallet's row, not the other wallet's.

Field guide 1.1 and 2.1 (pattern 1, "wallet or channel prefix + payee"): CMB
``在财付通-滴滴出行快捷支付``, ICBC ``支出(消费支付宝-北京三快在线科技有限公司)``, BOC statement
``财付通-…CHN``. 财付通 (Tenpay) is WeChat Pay's payment company. The payment
reached the shop's terminal as that wallet's: of a WeChat and an Alipay sale
of the same amount that day, a line ``财付通-X`` is the WeChat one's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.matching.channel import ALIPAY, WECHAT, bank_wallets

from .conftest import journal, pf, proofs, row_of, txn
from .test_day_rate import _fortnight

RAW = {"交易日": "2026-11-20", "posting_date": "2026-11-21"}


def _two_wallets() -> pd.DataFrame:
    return journal(
        *_fortnight(),
        txn("ALI", 25900, "11:54:36", channel="alipay"),
        txn("WX", 25900, "18:03:58", channel="wechat"),
    )


@pytest.mark.parametrize(
    ("text", "want"), [("财付通-瑞幸咖啡(国贸店)CHN", "WX"), ("支付宝-瑞幸咖啡(国贸店)CHN", "ALI")]
)
def test_a_statement_line_naming_a_wallet_is_that_wallets_sale(text: str, want: str) -> None:
    line = pf("line", 25900, None, day="2026-11-20", card_last4="1991", merchant_text=text, raw=RAW)
    result = rk.match(proofs(line), _two_wallets())
    row = row_of(result, "line")
    # two sales of 259.00 that day keep "one such sale expected" (the date's count without one): the line
    # stays short of matched, but the other wallet's sale is no longer a rival
    pairs = dict(rk.candidate_pairs(row))
    assert next(iter(pairs)) == want, row["reason"]
    assert pairs[want] > 0.8
    assert pairs.get("WX" if want == "ALI" else "ALI", 0.0) < 0.01
    table = rk.explain(result, "line").set_index("field")
    assert table.loc["channel", "runner_up_level"] == "not_the_named_wallet"
    assert table.loc["channel", "runner_up_bits"] < -9  # ln 0.001 in bits


def test_without_the_wallet_word_the_two_sales_stay_ambiguous() -> None:
    line = pf(
        "line", 25900, None, day="2026-11-20", card_last4="1991", merchant_text="瑞幸咖啡(国贸店)CHN", raw=RAW
    )
    row = row_of(rk.match(proofs(line), _two_wallets()), "line")
    assert row["status"] == "ambiguous", row["reason"]
    assert set(row["candidate_txn_ids"]) == {"ALI", "WX"}


def test_an_sms_naming_the_wallet_in_its_text_is_read_too() -> None:
    text = "【招商银行】您账户1991于11月20日18:03在财付通-瑞幸咖啡快捷支付259.00元"
    sms = pf(
        "sms", 25900, "18:03:00", kind="sms", ts_precision="minute", card_last4="1991", raw={"text": text}
    )
    j = journal(
        txn("ALI", 25900, "18:04:10", channel="alipay"),
        txn("WX", 25900, "18:03:30", channel="wechat"),
    )
    table = rk.explain(rk.match(proofs(sms), j), "sms").set_index("field")
    levels = {table.loc["channel", "best_txn_id"]: table.loc["channel", "best_level"]}
    levels[table.loc["channel", "runner_up_txn_id"]] = table.loc["channel", "runner_up_level"]
    assert levels == {"WX": "missing", "ALI": "not_the_named_wallet"}


def test_which_wallet_a_bank_text_names() -> None:
    kinds = np.array(["bank_statement", "sms", "sms", "wallet", "bank_statement", "issuer_app"], dtype=object)
    texts = np.array(
        [
            "财付通-拼多多平台商户",
            "支付宝-北京三快在线科技有限公司",
            "支付宝-财付通-X",
            "财付通-X",
            "老码头火锅",
            "ＡＬＩＰＡＹ*SHOP",
        ],
        dtype=object,
    )
    got = bank_wallets(kinds, texts, None).tolist()
    # both wallets named: nothing said; a wallet's own record is read elsewhere (proof_wallets); full-width folded
    assert got == [WECHAT, ALIPAY, -1, -1, -1, ALIPAY]


def test_a_card_row_weighs_against() -> None:
    # a card sale whose bank text names a wallet: the card paid through the wallet, not at the terminal (measured
    # on clean rooms 1 and 3 in 2026-12; tests/matching/test_channel_wallet_text_card_sale.py)
    line = pf(
        "line", 25900, None, day="2026-11-20", card_last4="1991", merchant_text="财付通-瑞幸咖啡", raw=RAW
    )
    j = journal(*_fortnight(), txn("C", 25900, "12:00:00", channel="card", card_last4="1991"))
    table = rk.explain(rk.match(proofs(line), j), "line").set_index("field")
    assert table.loc["channel", "best_level"] == "not_at_a_terminal"
