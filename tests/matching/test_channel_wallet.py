"""A WeChat Pay or Alipay record is a wallet payment at the shop, never a card sale (matching.channel).

Field guide 4.1 / 4.3 / 4.4: a WeChat Pay or Alipay bill row carries the
wallet's own transaction number (交易单号 / 交易订单号), and its 支付方式 may
name the bank card that funded it; the merchant's terminal still records a
wallet payment (channel wechat / alipay). So the record's row is never a card
sale, nor the other wallet's payment; a row whose channel is not given, other,
or UnionPay QR tells nothing either way.
"""

from __future__ import annotations

import numpy as np
import pytest

import receiptkit as rk
from receiptkit.matching.channel import ALIPAY, WECHAT, proof_wallets
from receiptkit.matching.comparators import ChannelComparator
from receiptkit.matching.policy import MatchPolicy

from .conftest import background, journal, pf, proofs, row_of, txn

SHOP = "蜀香阁(徐家汇店)"
WX_NO = "4200002372202611205648962911"  # 4200 + 6 digits + YYYYMMDD + 10 digits (field guide 4.2)
ALI_NO = "2026112022001425671428085816"  # YYYYMMDD + 20 digits (field guide 4.4, TRADE)
# a WeChat export row (4.3): funded by a bank card, which 支付方式 names
WX_RAW = {
    "交易时间": "2026-11-20 12:00:00",
    "交易类型": "商户消费",
    "交易对方": SHOP,
    "支付方式": "招商银行信用卡(1234)",
    "交易单号": WX_NO,
    "商户单号": "RK00010000000001",
}
ALI_RAW = {
    "交易时间": "2026-11-20 12:00:00",
    "交易对方": SHOP,
    "对方账号": "shop***@163.com",
    "收/付款方式": "交通银行信用卡(7449)",
    "交易订单号": ALI_NO,
    "商家订单号": "RK00010000000001",
}


def _shop(*rows: dict) -> object:
    mixed = background()
    for row in mixed[::2]:  # half the shop's sales by WeChat, showing no card
        row.update(channel="wechat", card_last4=None)
    return journal(*mixed, *rows)


def _wechat_bill(proof_id: str = "wx", **fields) -> dict:
    return pf(
        proof_id, 12100, "12:00:00", wallet_txn_id=WX_NO, merchant_text=SHOP, raw=dict(WX_RAW), **fields
    )


@pytest.mark.parametrize("prior", [0.10, 0.02])
def test_a_wechat_bill_is_not_matched_to_a_card_sale_seconds_away(prior: float) -> None:
    # the gap: amount and second alone carried a WeChat Pay record to the card sale of 4 s later
    j = _shop(txn("CARD", 12100, "12:00:04", card_last4="1234", merchant_name=SHOP))
    result = rk.match(proofs(_wechat_bill()), j, policy=MatchPolicy(prior_absent=prior))
    assert row_of(result, "wx")["status"] != "matched"
    evidence = rk.explain(result, "wx").set_index("field")
    assert evidence.loc["channel", "proof_value"] == "a WeChat Pay record"
    assert evidence.loc["channel", "best_level"] == "card_sale"
    assert evidence.loc["channel", "best_bits"] < -10


def test_an_alipay_record_is_not_matched_to_a_wechat_sale() -> None:
    j = _shop(txn("WX", 12100, "12:00:03", channel="wechat", card_last4=None, merchant_name=SHOP))
    bill = pf("ali", 12100, "12:00:00", wallet_txn_id=ALI_NO, merchant_text=SHOP, raw=dict(ALI_RAW))
    result = rk.match(proofs(bill), j)
    assert row_of(result, "ali")["status"] != "matched"
    evidence = rk.explain(result, "ali").set_index("field")
    assert evidence.loc["channel", "best_level"] == "other_wallet"
    assert evidence.loc["channel", "proof_value"] == "an Alipay record"


@pytest.mark.parametrize(
    ("channel", "card_last4"),
    [("wechat", None), ("wechat", "1234"), ("other", None), ("unionpay_qr", None)],
)
def test_the_same_wallet_or_an_unknown_channel_is_neutral(channel: str, card_last4: str | None) -> None:
    # the same wallet (also a row showing the funding card), other / cash, and UnionPay QR (not a clear case)
    j = _shop(txn("ROW", 12100, "12:00:03", channel=channel, card_last4=card_last4, merchant_name=SHOP))
    result = rk.match(proofs(_wechat_bill()), j)
    verdict = row_of(result, "wx")
    assert verdict["status"] == "matched" and verdict["txn_id"] == "ROW"
    evidence = rk.explain(result, "wx").set_index("field")
    assert evidence.loc["channel", "best_level"] == "missing" and evidence.loc["channel", "best_bits"] == 0


def test_a_card_row_carrying_the_records_own_number_is_not_held_against() -> None:
    row = txn("ROW", 12100, "12:00:03", card_last4="1234", merchant_name=SHOP, wallet_txn_id=WX_NO)
    result = rk.match(proofs(_wechat_bill()), _shop(row))
    assert row_of(result, "wx")["status"] == "matched" and row_of(result, "wx")["txn_id"] == "ROW"


def test_which_proofs_are_a_wechat_or_alipay_record() -> None:
    frame = proofs(
        _wechat_bill("wx_raw"),  # a WeChat export row
        pf("ali_raw", 100, "12:00:00", wallet_txn_id="20xx", raw=dict(ALI_RAW)),  # an Alipay export row
        pf("wx_no", 100, "12:00:00", wallet_txn_id=WX_NO),  # a screenshot: the number's form
        pf("ali_no", 100, "12:00:00", wallet_txn_id=ALI_NO),
        pf("masked", 100, "12:00:00", wallet_txn_id="*48962911"),  # only a suffix: no wallet told
        pf("none", 100, "12:00:00"),  # no number shown
        pf(
            "jd",
            100,
            "12:00:00",
            wallet_txn_id="JDX100000011234",
            raw={"商户名称": "京东物流", "交易订单号": "x"},
        ),
        pf("sms", 100, "12:00:00", kind="sms", wallet_txn_id=WX_NO),  # a bank's text is no wallet record
        pf("bad_date", 100, "12:00:00", wallet_txn_id="4200002372202613405648962911"),  # month 13
    )
    wallets = proof_wallets(
        frame["kind"].to_numpy(object), frame["wallet_txn_id"].to_numpy(object), frame["raw"]
    )
    assert list(wallets) == [WECHAT, ALIPAY, WECHAT, ALIPAY, -1, -1, -1, -1, -1]


def test_the_levels_weigh_from_the_policy() -> None:
    comparator = ChannelComparator(MatchPolicy(m_wallet_record_other_channel=1e-5))
    assert comparator.level("card_sale").against and comparator.level("other_wallet").against
    weights = comparator.record_weights()
    assert weights == pytest.approx(np.log([1e-5, 1e-5]))
