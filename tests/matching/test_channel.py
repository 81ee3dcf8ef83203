"""The channel a card statement line tells: a card at a terminal, not a wallet payment (matching.channel)."""

from __future__ import annotations

import numpy as np
import pytest

import receiptkit as rk
from receiptkit.matching.channel import CARD, WALLET, card_lines, journal_channels
from receiptkit.matching.comparators import ChannelComparator
from receiptkit.matching.index import JournalIndex

from .conftest import background, journal, pf, proofs, row_of, txn

SHOP = "蜀香阁(徐家汇店)"
# BOCOM's foreign line: the original amount and the billed one (a card issued abroad)
BILLED_IN_USD = {"交易币种/金额": "CNY 121.00", "入账币种/金额": "USD 17.31", "posting_date": "2026-11-21"}


@pytest.mark.parametrize(
    ("kind", "text", "card_line"),
    [
        ("bank_statement", "消费 蜀香阁(徐家汇店)", True),  # BOCOM: the shop, no wallet
        ("bank_statement", "SALES:   SHUXIANGGE CATERING       CHN          CN", True),  # HSBC HK
        ("bank_statement", "POS消费CHN", True),  # BOC: a POS purchase, the shop left out
        ("bank_statement", "蜀香阁五角场店", True),
        ("bank_statement", "财付通-蜀香阁(徐家汇店)", False),  # a WeChat payment funded by the card (2.1.1)
        ("bank_statement", "支付宝-上海蜀香阁餐饮管理有限公司", False),
        ("bank_statement", "QR       YAHUI CATERING CO.,LTD.   CHN          CN", False),  # UnionPay QR (2.2)
        ("bank_statement", "APPLEPAY MEITUAN", False),
        ("bank_statement", "美团平台商户", False),
        ("bank_statement", None, False),  # nothing said
        ("sms", "消费 蜀香阁(徐家汇店)", False),  # an SMS may leave the wallet out (1.1): not read so
        ("wallet", "蜀香阁(徐家汇店)", False),
    ],
)
def test_which_lines_are_a_card_at_a_terminal(kind: str, text: str | None, card_line: bool) -> None:
    assert card_lines(np.array([kind], dtype=object), np.array([text], dtype=object))[0] == card_line


def test_only_a_foreign_cards_line_is_read_so() -> None:
    kinds = np.array(["bank_statement"] * 3, dtype=object)
    texts = np.array(
        ["消费 蜀香阁(徐家汇店)", "消费 蜀香阁(徐家汇店)", "SALES:   SHUXIANGGE CATERING  CHN CN"],
        dtype=object,
    )
    # a domestic line; a line billed abroad; a Latin name (field guide 2.3: foreign cards print Latin only)
    assert list(card_lines(kinds, texts, np.array([False, True, False]))) == [False, True, True]


def _three_sales():
    """Three 121.00 sales at the shop on one day: one by card, two by wallets that show no card."""
    mixed = background()
    for row in mixed[::2]:  # half the shop's sales by WeChat, showing no card
        row.update(channel="wechat", card_last4=None)
    return journal(
        *mixed,
        txn("CARD", 12100, "09:56:24", card_last4="7973", merchant_name=SHOP),
        txn("ALI", 12100, "11:33:57", channel="alipay", merchant_name=SHOP),
        txn("WX", 12100, "19:36:22", channel="wechat", merchant_name=SHOP),
    )


def test_a_card_line_without_last_4_is_the_card_sale_not_the_wallet_ones() -> None:
    line = pf("bocom", 12100, None, merchant_text="消费 蜀香阁(徐家汇店)", raw=BILLED_IN_USD)
    result = rk.match(proofs(line), _three_sales())
    verdict = row_of(result, "bocom")
    pairs = dict(rk.candidate_pairs(verdict))
    # before: three sales alike, about a third each; now the card sale leads and each wallet sale is 1/50 of it
    assert next(iter(pairs)) == "CARD" and pairs["CARD"] > 0.9
    assert pairs["CARD"] / pairs["ALI"] == pytest.approx(pairs["CARD"] / pairs["WX"])
    assert 45 < pairs["CARD"] / pairs["ALI"] < 55  # channel_wallet_ratio 0.02, the two rows otherwise alike
    evidence = rk.explain(result, "bocom").set_index("field")
    assert evidence.loc["channel", "best_level"] == "card" and evidence.loc["channel", "best_bits"] > 0
    assert evidence.loc["channel", "runner_up_level"] == "wallet"
    assert evidence.loc["channel", "runner_up_bits"] < 0


def test_a_domestic_cards_line_is_not_read_so() -> None:
    line = pf("cmb", 12100, None, merchant_text="消费 蜀香阁(徐家汇店)", raw={"posting_date": "2026-11-21"})
    result = rk.match(proofs(line), _three_sales())
    assert row_of(result, "cmb")["status"] == "ambiguous"
    assert rk.explain(result, "cmb").set_index("field").loc["channel", "best_level"] == "missing"


def test_with_the_card_last_4_a_foreign_line_is_matched_a_domestic_one_stays_ambiguous() -> None:
    raw = {"posting_date": "2026-11-21"}
    foreign = pf("hk", 12100, None, merchant_text="蜀香阁徐家汇店", card_last4="7973", raw=BILLED_IN_USD)
    domestic = pf("cmb", 12100, None, merchant_text="蜀香阁徐家汇店", card_last4="7973", raw=raw)
    verdict = row_of(rk.match(proofs(foreign), _three_sales()), "hk")
    assert verdict["status"] == "matched" and verdict["txn_id"] == "CARD"
    # the wallet rows show no card, so the last 4 cannot rule them out: they keep 1-2 % each
    assert row_of(rk.match(proofs(domestic), _three_sales()), "cmb")["status"] == "ambiguous"


def test_a_wallet_row_showing_the_funding_card_is_not_held_against() -> None:
    j = journal(
        txn("CARD", 12100, "09:56:24", card_last4="7973", merchant_name=SHOP),
        txn("WXCARD", 12100, "19:36:22", channel="wechat", card_last4="7973", merchant_name=SHOP),
        txn("WX", 12100, "19:40:22", channel="wechat", merchant_name=SHOP),
        txn("CASH", 500, "19:50:22", channel="other", merchant_name=SHOP),
    )
    index = JournalIndex(j)
    assert list(journal_channels(index)) == [CARD, CARD, WALLET, -1]
    comparator = ChannelComparator()
    w_card, w_wallet, w_missing = comparator.level_weights(index)
    assert w_card > 0 > w_wallet and w_missing == 0
    # counted rows: the best weight a row of the class can have; without a last 4 a cash row (channel
    # other: no evidence) beats the wallet row, with one only card rows
    assert list(comparator.class_bounds(index)) == [0.0, w_card]
    without_cash = JournalIndex(j[j["txn_id"] != "CASH"])
    weights = comparator.level_weights(without_cash)
    assert list(comparator.class_bounds(without_cash)) == [weights[1], weights[0]]


def test_a_distributed_run_weighs_the_channel_with_the_whole_journals_shares() -> None:
    from receiptkit.matching.channel import journal_channel_counts
    from receiptkit.matching.partial import JournalStats, index_with_stats

    j = _three_sales()
    whole = journal_channel_counts(JournalIndex(j))
    halves = JournalStats.combine([JournalStats.of(j.iloc[:60]), JournalStats.of(j.iloc[60:])])
    assert (halves.channels == whole).all()
    piece = index_with_stats(j.iloc[:10], halves)  # a slice of card rows only, weighed as the whole
    comparator = ChannelComparator()
    assert list(comparator.level_weights(piece)) == list(comparator.level_weights(JournalIndex(j)))
