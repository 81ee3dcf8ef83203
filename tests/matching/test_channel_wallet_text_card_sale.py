"""A bank's text naming WeChat Pay or Alipay is not a card sale at the shop's terminal.

Field guide 2.1 pattern 1 ("wallet or channel prefix + payee"): CMB ``财付通-X``, ICBC
``支出(消费支付宝-…)``, ABC ``完成财付通交易``. The card paid through the wallet; the shop's terminal
logged a WeChat or Alipay payment, not a card sale. Clean room 3 seed 13 matched the CMB line
``财付通-上海闵行区莘庄一点点饮品店(个体工商户)`` (18.00, card 1652) to a card sale of card 1652 that
day at 99.7 %, while its payment was a WeChat sale showing no card; the first clean room's
``--large`` seed 1 did the same with a BOC SMS ``在支付宝-古茗(杭州西湖店)消费``.

A shop whose own card sales reach statements under a wallet's name (an aggregator's or
jump-code terminal, field guide 2.1.8) is learned from the batch: lines whose RRN names exactly
one card sale of it, at least ``min_skew_votes`` of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import receiptkit as rk
from receiptkit.matching.channel import bank_not_terminal

from .conftest import journal, pf, proofs, row_of, txn
from .test_day_rate import _fortnight

RAW = {"交易日": "2026-11-20", "posting_date": "2026-11-21"}


def _card_and_wechat(**card: object) -> pd.DataFrame:
    # the card sale of card 1652 and two WeChat sales (no card shown) of the same 18.00 that day
    return journal(
        *_fortnight(),
        txn("CARD", 1800, "14:49:41", channel="card", card_last4="1652", **card),
        txn("WX1", 1800, "15:27:03", channel="wechat"),
        txn("WX2", 1800, "11:02:10", channel="wechat"),
    )


def _line(text: str, proof_id: str = "line", **fields: object) -> dict:
    return pf(
        proof_id, 1800, None, day="2026-11-20", card_last4="1652", merchant_text=text, raw=RAW, **fields
    )


def test_a_line_naming_wechat_pay_is_not_matched_to_a_card_sale() -> None:
    result = rk.match(proofs(_line("财付通-瑞幸咖啡(国贸店)")), _card_and_wechat())
    row = row_of(result, "line")
    assert row["status"] != "matched", row["reason"]
    assert row["txn_id"] is None or pd.isna(row["txn_id"])
    table = rk.explain(result, "line").set_index("field")
    levels = {table.loc["channel", "best_txn_id"]: table.loc["channel", "best_level"]}
    levels[table.loc["channel", "runner_up_txn_id"]] = table.loc["channel", "runner_up_level"]
    assert levels.get("CARD") == "not_at_a_terminal", levels
    bits = table.loc[
        "channel", "best_bits" if table.loc["channel", "best_txn_id"] == "CARD" else "runner_up_bits"
    ]
    assert abs(bits - np.log2(0.01)) < 0.01  # m_bank_not_terminal_card_sale, u about 1
    assert table.loc["channel", "proof_value"] == "a bank's text naming WeChat Pay (财付通)"


def test_the_same_line_naming_the_shop_is_the_card_sale() -> None:
    # the control: without the wallet word the card's last 4 singles the card sale out, as before
    row = row_of(rk.match(proofs(_line("消费 瑞幸咖啡(国贸店)")), _card_and_wechat()), "line")
    assert row["status"] == "matched", row["reason"]
    assert row["txn_id"] == "CARD"


def test_an_sms_naming_alipay_in_its_text_is_not_the_card_sale() -> None:
    text = "您的信用卡1652于2026年11月20日，在支付宝-瑞幸咖啡(国贸店)消费RMB18.00元。【中国银行】"
    sms = pf(
        "sms",
        1800,
        None,
        day="2026-11-20",
        kind="sms",
        card_last4="1652",
        merchant_text="支付宝-瑞幸咖啡(国贸店)",
        raw={"text": text},
    )
    j = journal(
        *_fortnight(),
        txn("CARD", 1800, "14:49:41", channel="card", card_last4="1652"),
        txn("ALI1", 1800, "15:27:03", channel="alipay"),
        txn("ALI2", 1800, "10:12:03", channel="alipay"),
    )
    result = rk.match(proofs(sms), j)
    row = row_of(result, "sms")
    assert row["status"] != "matched", row["reason"]
    # before: matched to the card sale at 99.9 % ("card_last4 agree, merchant same branch")
    assert dict(rk.candidate_pairs(row)).get("CARD", 0.0) < 0.985


def test_which_bank_texts_name_a_wallet_the_card_paid_through() -> None:
    kinds = np.array(
        ["bank_statement", "sms", "sms", "sms", "bank_statement", "wallet", "issuer_app", "sms"], dtype=object
    )
    texts = np.array(
        [
            "财付通-X",
            "支付宝-北京三快在线科技有限公司",
            None,
            None,
            "美团平台商户",
            "财付通-X",
            "ＡＬＩＰＡＹ*SHOP",
            None,
        ],
        dtype=object,
    )
    raws = np.array(
        [
            None,
            None,
            {"text": "…您尾号1234账户01月24日16:47向大商鲜生（长兴岛）完成财付通交易人民币-504.20"},
            {"text": "【邮储银行】24年10月09日15:54您尾号123账户快捷支付，支出金额680.00元"},
            None,
            None,
            None,
            {"text": "尾号1234卡11月22日11:58工商银行支出(银联消费)0.08元"},
        ],
        dtype=object,
    )
    got = bank_not_terminal(kinds, texts, raws).tolist()
    # a platform (2.4: the same purchase can carry it), PSBC's 快捷支付 (any debit), UnionPay and a wallet's own
    # record are not read so; full-width is folded
    assert got == [True, True, True, False, False, False, True, False]


def _shop_with_wallet_descriptor(n_proven: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A shop whose card sales reach statements as ``财付通-全家便利店``: ``n_proven`` lines carry the RRN."""
    rows, lines = list(_fortnight()), []
    days = [f"2026-11-{d:02d}" for d in range(10, 20)]
    for k, day in enumerate(days[: n_proven + 1]):
        rrn = f"{600000000000 + k}"
        rows.append(txn(f"C{k}", 2340, "12:00:00", day=day, card_last4=f"1{k:03d}", rrn=rrn))
        rows.append(txn(f"W{k}", 2340, "12:30:00", day=day, channel="wechat"))
        rows.append(txn(f"V{k}", 2340, "16:30:00", day=day, channel="wechat"))
        proven = k < n_proven
        lines.append(
            pf(
                f"L{k}",
                2340,
                None,
                day=day,
                card_last4=f"1{k:03d}",
                merchant_text="财付通-全家便利店",
                reference=rrn if proven else None,
                raw={"交易日": day},
            )
        )
    return journal(*rows), proofs(*lines)


def test_a_shop_whose_card_sales_carry_a_wallet_name_is_learned_from_proven_lines() -> None:
    j, p = _shop_with_wallet_descriptor(3)  # min_skew_votes lines whose RRN names a card sale
    result = rk.match(p, j)
    last = row_of(result, "L3")  # the line without an RRN
    assert last["status"] == "matched", last["reason"]
    assert last["txn_id"] == "C3"
    assert rk.explain(result, "L3").set_index("field").loc["channel", "best_level"] == "missing"


def test_two_proven_lines_teach_nothing() -> None:
    j, p = _shop_with_wallet_descriptor(2)
    result = rk.match(p, j)
    last = row_of(result, "L2")
    assert last["status"] != "matched", last["reason"]
    assert rk.explain(result, "L2").set_index("field").loc["channel", "best_level"] == "not_at_a_terminal"


def test_a_policy_can_declare_such_a_shop() -> None:
    policy = rk.MatchPolicy(card_sales_named_by_wallet=("瑞幸咖啡(国贸店)",))
    j, p = _shop_with_wallet_descriptor(0)
    row = row_of(rk.match(p, j, policy=policy), "L0")
    assert row["status"] == "matched", row["reason"]
    assert row["txn_id"] == "C0"
