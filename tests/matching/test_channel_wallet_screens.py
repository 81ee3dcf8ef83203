"""A WeChat Pay or Alipay payment screen that shows no transaction number still says which wallet paid.

The screenshot readers keep the app (``raw["app"]``: the JSON document's ``app``, or the OCR layout such as
``Alipay 账单详情``). Field guide 4.1 / 4.4: a wallet's payment reaches the shop's terminal as that wallet's
payment, so a card sale of the same amount is weighed as for a bank's text naming the wallet
(``not_at_a_terminal``), and the other wallet's row as ``not_the_named_wallet``.
"""

from __future__ import annotations

import numpy as np
import pytest

import receiptkit as rk
from receiptkit.matching.channel import ALIPAY, WECHAT, bank_not_terminal, bank_wallets

from .conftest import background, journal, pf, proofs, row_of, txn

SHOP = "蜀香阁(徐家汇店)"


def _screen(app: str, **fields: object) -> dict:
    return pf("screen", 4300, "12:00:00", merchant_text="蜀香**", raw={"app": app}, **fields)


def test_which_screens_name_a_wallet() -> None:
    kinds = np.array(["wallet"] * 5, dtype=object)
    texts = np.array(["蜀香**"] * 5, dtype=object)
    raws = np.array(
        [
            {"app": "支付宝"},
            {"app": "WeChat Pay 账单详情"},
            {"app": "UnionPay QuickPass 云闪付 交易详情"},
            {},
            None,
        ],
        dtype=object,
    )
    assert bank_wallets(kinds, texts, raws).tolist() == [ALIPAY, WECHAT, -1, -1, -1]
    assert bank_not_terminal(kinds, texts, raws).tolist() == [True, True, False, False, False]


def test_an_alipay_screen_is_not_the_card_sale_seconds_away() -> None:
    rows = background(merchant_name=SHOP)
    card = txn("CARD", 4300, "12:00:04", card_last4="5273", merchant_name=SHOP)
    ali = txn("ALI", 4300, "12:00:40", channel="alipay", card_last4=None, merchant_name=SHOP)
    result = rk.match(proofs(_screen("支付宝")), journal(*rows, card, ali))
    table = rk.explain(result, "screen").set_index("field")
    assert table.loc["channel", "proof_value"] == "a wallet's screen naming Alipay"
    assert table.loc["channel", "runner_up_level"] == "not_at_a_terminal"  # the card sale, 4 s away
    row = row_of(result, "screen")
    assert row["candidate_txn_ids"][0] == "ALI"  # 36 s away, but Alipay's (before: 50/50 with the card sale)
    ranked = dict(zip(row["candidate_txn_ids"], row["candidate_confidences"], strict=True))
    assert ranked["ALI"] > 50 * ranked["CARD"]


@pytest.mark.parametrize("app", ["UnionPay QuickPass 云闪付 交易详情", "京东"])
def test_other_apps_say_nothing_of_the_channel(app: str) -> None:
    rows = background(merchant_name=SHOP)
    card = txn("CARD", 4300, "12:00:04", card_last4="5273", merchant_name=SHOP)
    result = rk.match(proofs(_screen(app)), journal(*rows, card))
    assert rk.explain(result, "screen").set_index("field").loc["channel", "best_level"] == "missing"


def test_a_screen_showing_the_number_its_card_row_carries_is_not_weighed_against_it() -> None:
    # a WeChat record whose number is on a card-channel row is that row ("the number speaks": ChannelComparator
    # reads such a pair as missing); the screen's app named WeChat and the pair read not_at_a_terminal, so the
    # matched reason said "; despite channel not_at_a_terminal" against the row its own number names
    number = "4200002372202611205648962911"
    sale = txn(
        "C1", 4300, "12:00:03", channel="card", card_last4="1234", merchant_name=SHOP, wallet_txn_id=number
    )
    j = journal(*background(), sale)
    export = row_of(rk.match(proofs(pf("screen", 4300, "12:00:00", wallet_txn_id=number)), j), "screen")
    screen = row_of(rk.match(proofs(_screen("WeChat Pay 账单详情", wallet_txn_id=number)), j), "screen")
    for row in (export, screen):
        assert row["txn_id"] == "C1"
        assert "not_at_a_terminal" not in row["reason"]
