"""A 3-digit card tail (``尾号245``, field guide 1: PSBC and 潍坊 SMS show 3 digits) is the end of the card number."""

from __future__ import annotations

import receiptkit as rk
from receiptkit.matching.comparators import Last4Comparator
from receiptkit.readers.sms import parse_sms

from .conftest import background, journal, pf, proofs, row_of, txn

# two sales of the same amount in the same minute, on cards ending 1245 and 3456
J = journal(
    *background(),
    txn("T-1245", 68000, "15:54:10", card_last4="1245"),
    txn("T-3456", 68000, "15:54:40", card_last4="3456"),
)


def _sms_proof(proof_id: str, tail: str) -> dict:
    row = parse_sms(f"【邮储银行】26年11月20日15:54您尾号{tail}账户快捷支付，支出金额680.00元，余额1.00元。")
    assert row["card_last4"] is None and row["raw"]["card_tail"] == tail
    return pf(
        proof_id,
        row["amount_minor"],
        "15:54:00",
        kind="sms",
        ts_precision=row["ts_precision"],
        raw=row["raw"],
    )


def test_a_tail_that_ends_one_sales_card_picks_that_sale() -> None:
    result = rk.match(proofs(_sms_proof("P-245", "245"), _sms_proof("P-456", "456")), J)
    assert (row_of(result, "P-245")["status"], row_of(result, "P-245")["txn_id"]) == ("matched", "T-1245")
    assert (row_of(result, "P-456")["status"], row_of(result, "P-456")["txn_id"]) == ("matched", "T-3456")


def test_without_the_tail_the_two_sales_cannot_be_told_apart() -> None:
    plain = pf("P", 68000, "15:54:00", kind="sms", ts_precision="minute")
    result = rk.match(proofs(plain), J)
    assert row_of(result, "P")["status"] == "ambiguous"


def test_a_tail_names_the_level_and_counts_against_a_card_it_does_not_end() -> None:
    result = rk.match(proofs(_sms_proof("P-245", "245")), J)
    card = rk.explain(result, "P-245").set_index("field").loc["card_last4"]
    assert card["proof_value"] == "*245"
    assert (card["best_txn_id"], card["best_level"]) == ("T-1245", "tail agrees")
    assert (card["runner_up_txn_id"], card["runner_up_level"]) == ("T-3456", "tail differs")
    assert card["best_bits"] > 0 > card["runner_up_bits"]


def test_a_tail_that_ends_neither_card_matches_neither() -> None:
    result = rk.match(proofs(_sms_proof("P-777", "777")), J)
    assert row_of(result, "P-777")["status"] != "matched"


def test_tail_levels() -> None:
    comparator = Last4Comparator()
    assert comparator.level("tail differs").against
    assert comparator.level("tail differs").m == 1 - comparator.policy.m_last4
    assert comparator.level("tail agrees").m == comparator.policy.m_last4
