"""Reference evidence: RRN, auth code, STAN, wallet number (and its suffix), order number, merchant, terminal."""

from __future__ import annotations

import pytest

import receiptkit as rk
from receiptkit.matching.text import merchant_similarity, normalise_merchant

from .conftest import background, journal, pf, proofs, row_of, txn

# a busy hour: 40 sales of 25.00 on cards that share nothing with the proofs
CROWD = [
    txn(
        f"C{k:02d}",
        2500,
        f"10:{k:02d}:{(7 * k) % 60:02d}",
        card_last4=f"8{k:03d}",
        rrn=f"6310000000{k:02d}",
        auth_code=f"A{k:05d}",
        stan=f"{k:06d}",
        wallet_txn_id=f"4200000000{k:018d}",
        order_no=f"RK{k:08d}",
    )
    for k in range(40)
]
J = journal(*background(), *CROWD)


def _only(result, proof_id: str, txn_id: str) -> None:
    row = row_of(result, proof_id)
    assert row["status"] == "matched", row["reason"]
    assert row["txn_id"] == txn_id


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"reference": "631000000017"}, "C17"),  # RRN / 参考号
        ({"reference": "A00028"}, "C28"),  # auth code
        ({"reference": "31"}, "C31"),  # 凭证号 / STAN without leading zeros
        ({"wallet_txn_id": "4200000000000000000000000005"}, "C05"),  # full wallet number
        ({"wallet_txn_id": "00000029"}, "C29"),  # visible suffix of the wallet number
        ({"order_no": "RK00000012"}, "C12"),  # merchant order number
    ],
)
def test_reference_splits_a_crowd_of_identical_sales(fields: dict, expected: str) -> None:
    p = pf("p1", 2500, "10:30:00", kind="sms", ts_precision="minute", **fields)
    _only(rk.match(proofs(p), J), "p1", expected)


def test_crowd_without_reference_is_ambiguous() -> None:
    p = pf("p1", 2500, "10:30:00", kind="sms", ts_precision="minute")
    assert row_of(rk.match(proofs(p), J), "p1")["status"] == "ambiguous"


def test_reference_found_even_when_the_time_is_far_off() -> None:
    # the wallet number proves it even if the customer's phone clock is an hour wrong
    p = pf("p1", 2500, "11:30:00", wallet_txn_id="4200000000000000000000000005")
    _only(rk.match(proofs(p), J, clock_offsets={}), "p1", "C05")


def test_a_contradicting_wallet_number_rules_a_candidate_out() -> None:
    j = journal(
        *background(),
        txn("A", 6600, "10:00:00", card_last4="1111", wallet_txn_id="4200000000000000000000000001"),
    )
    p = pf("p1", 6600, "10:00:05", card_last4="1111", wallet_txn_id="4200000000000000000000000002")
    assert row_of(rk.match(proofs(p), j), "p1")["status"] != "matched"


def test_last4_splits_same_amount_sales() -> None:
    p = pf("p1", 2500, "10:30:00", kind="sms", ts_precision="minute", card_last4="8030")
    _only(rk.match(proofs(p), J), "p1", "C30")


def test_terminal_id_on_the_proof_is_evidence() -> None:
    j = journal(
        *background(),
        txn("A", 6600, "10:00:00", terminal_id="T1", card_last4="1111"),
        txn("B", 6600, "10:00:20", terminal_id="T2", card_last4="1111"),
    )
    p = pf("p1", 6600, "10:00:10", card_last4="1111", terminal_id="T2")
    _only(rk.match(proofs(p), j), "p1", "B")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("POS消费 瑞幸咖啡国贸店", "瑞幸咖啡(国贸店)"),
        ("支付宝-全家便利店", "全家便利店(望京SOHO店)"),
        ("SQ *HARBOUR BOOKS HONG KO", "Harbour Books Ltd"),
        ("财付通-海底捞火锅", "海底捞火锅(三里屯店)"),
    ],
)
def test_bank_descriptors_fit_the_merchant_name(text: str, name: str) -> None:
    assert merchant_similarity(text, name) >= 85


def test_unrelated_merchants_do_not_fit() -> None:
    assert merchant_similarity("POS消费 星巴克咖啡", "瑞幸咖啡(国贸店)") < 60
    assert normalise_merchant("支付宝-财付通-全家") == "全家"


def test_merchant_text_picks_the_right_shop_on_a_shared_journal() -> None:
    j = journal(
        *background(),
        txn("cafe", 3600, "12:00:00", merchant_name="瑞幸咖啡(国贸店)", card_last4="7777", merchant_id="M1"),
        txn(
            "shop",
            3600,
            "12:00:00",
            merchant_name="全家便利店(望京SOHO店)",
            card_last4="7777",
            merchant_id="M2",
            terminal_id="T5",
            channel="wechat",  # 财付通-: a WeChat payment the card funded (field guide 2.1 pattern 1)
        ),
        *(  # the second shop's own sales under their own ids (background() numbers from BG0000 each time)
            {**row, "txn_id": f"M2-{row['txn_id']}"}
            for row in background(
                60, seed=3, merchant_name="全家便利店(望京SOHO店)", merchant_id="M2", terminal_id="T5"
            )
        ),
    )
    line = pf("b1", 3600, None, day="2026-11-20", card_last4="7777", merchant_text="财付通-全家便利店")
    result = rk.match(proofs(line), j)
    # two shops sharing a journal: the descriptor names the convenience store, so the cafe's sale is
    # another brand (evidence against it strong enough to outweigh the shared card): never the cafe
    row = row_of(result, "b1")
    assert row["status"] == "matched" and row["txn_id"] == "shop"
    table = rk.explain(result, "b1").set_index("field")
    assert table.loc["merchant", "best_level"] == "brand"
    assert table.loc["merchant", "runner_up_txn_id"] == "cafe"
    assert table.loc["merchant", "runner_up_level"] == "other brand"
    assert table.loc["merchant", "runner_up_bits"] < -20


def test_suffix_outside_the_window_is_not_searched_but_full_number_is() -> None:
    # C09 is at 10:09, outside a 10:30 minute proof's window: only the full number finds it
    p = pf("p1", 2500, "10:30:00", kind="sms", ts_precision="minute", wallet_txn_id="00000009")
    assert row_of(rk.match(proofs(p), J), "p1")["status"] == "unmatched"
