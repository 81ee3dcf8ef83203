"""How complete a branch's journal is, from the batch: the prior of "not in this journal" (matching.completeness)."""

from __future__ import annotations

import pytest

import receiptkit as rk

from .conftest import background, journal, pf, proofs, row_of, txn

SHOP = "蜀香阁(徐家汇店)"
OTHER = "蜀香阁(五角场店)"
# BOCOM's line of a card issued abroad: the original amount in CNY beside the billed USD, no card last 4
BILLED_IN_USD = {"交易币种/金额": "CNY 121.00", "入账币种/金额": "USD 17.31", "posting_date": "2026-11-21"}
LINE = pf("bocom", 12100, None, merchant_text="消费 蜀香阁(徐家汇店)", raw=BILLED_IN_USD)


def _journal(wallet_rows: int = 100):
    """A mall's day: three shops' sales, one 121.00 card sale, and the branch's wallet sales with numbers."""
    rows = background(360)
    for row in rows[::3]:
        row["merchant_name"] = SHOP
    for row in rows[1::3]:
        row["merchant_name"] = OTHER
    rows += [
        txn("CARD", 12100, "09:56:24", card_last4="7973", merchant_name=SHOP),
    ]
    rows += [
        txn(
            f"W{k}",
            1000 + 113 * k,
            f"{10 + k % 9}:{k % 60:02d}:{(7 * k) % 60:02d}",
            channel="wechat",
            merchant_name=SHOP,
            wallet_txn_id=f"42000{k:03d}202611200000{k:07d}",
            card_last4=None,
        )
        for k in range(wallet_rows)
    ]
    return journal(*rows)


def _bills(n: int, *, numbers_in_journal: bool = True) -> list[dict]:
    """WeChat bill rows naming the branch, with their full 交易单号 (in the journal or not)."""
    return [
        pf(
            f"wx{k}",
            1000 + 113 * k,
            f"{10 + k % 9}:{k % 60:02d}:{(7 * k) % 60:02d}",
            merchant_text=SHOP,
            wallet_txn_id=(
                f"42000{k:03d}202611200000{k:07d}"
                if numbers_in_journal
                else f"42009{k:03d}202611200000{k:07d}"
            ),
        )
        for k in range(n)
    ]


def test_a_line_naming_the_branch_is_matched_when_the_batch_shows_its_journal_complete() -> None:
    j = _journal()
    alone = row_of(rk.match(proofs(LINE), j), "bocom")
    # one card sale of 121.00 that day, at the branch; "not in this journal" at prior_absent (10 %) leaves it short
    assert alone["status"] == "ambiguous" and alone["candidate_txn_ids"][0] == "CARD"
    result = rk.match(proofs(LINE, *_bills(100)), j)
    verdict = row_of(result, "bocom")
    assert verdict["status"] == "matched" and verdict["txn_id"] == "CARD"
    assert verdict["confidence"] > alone["confidence"]
    # 100 bill rows naming the branch, every number found: (0 + 0.1 * 20) / (100 + 20)
    assert result.attrs["completeness"][SHOP] == {
        "asked": 100,
        "missing": 0,
        "absent": pytest.approx(0.0167, abs=1e-4),
    }
    assert all(row_of(result, f"wx{k}")["txn_id"] == f"W{k}" for k in range(100))
    # explain says which prior of "not in this journal" the batch gave it
    base = rk.explain(result, "bocom").set_index("field").loc["base rate"]
    assert base["best_note"] == "not in this journal: prior 1.7% from the batch (prior_absent 10.0%)"


def test_numbers_the_journal_does_not_hold_make_the_line_more_careful() -> None:
    j = _journal()
    alone = row_of(rk.match(proofs(LINE), j), "bocom")
    result = rk.match(proofs(LINE, *_bills(100, numbers_in_journal=False)), j)
    verdict = row_of(result, "bocom")
    # the branch's journal misses every paid bill the batch shows (a terminal left out of the export)
    stats = result.attrs["completeness"][SHOP]
    assert stats["asked"] == 100 and stats["missing"] == 100 and stats["absent"] > 0.6
    assert verdict["status"] != "matched" and verdict["confidence"] < alone["confidence"]


def test_a_number_found_at_another_branch_does_not_vouch_for_this_one() -> None:
    j = _journal()
    bills = _bills(100)
    for bill in bills:
        bill["merchant_text"] = (
            OTHER  # the rows its number leads to are the 徐家汇 branch's: not a hit for 五角场
        )
    result = rk.match(proofs(LINE, *bills), j)
    assert result.attrs["completeness"][OTHER]["missing"] == 100
    # nothing said about the branch the line names: the prior stands
    assert result.attrs["completeness"][SHOP] == {"asked": 0, "missing": 0, "absent": 0.1}
    assert row_of(result, "bocom")["status"] == "ambiguous"


def test_counter_input_keeps_the_prior() -> None:
    j = _journal()
    typed = pf("counter", 12100, "09:56", kind="manual", ts_precision="minute", merchant_text=SHOP)
    alone = row_of(rk.match(proofs(typed), j), "counter")
    with_bills = row_of(rk.match(proofs(typed, *_bills(100)), j), "counter")
    # the clerk types the shop's own name: it says nothing about where the customer paid
    assert with_bills["confidence"] == pytest.approx(alone["confidence"])


def test_the_estimate_can_be_switched_off() -> None:
    j = _journal()
    off = rk.MatchPolicy(completeness_prior_weight=0)
    result = rk.match(proofs(LINE, *_bills(100)), j, policy=off)
    assert result.attrs["completeness"] == {}
    alone = row_of(rk.match(proofs(LINE), j, policy=off), "bocom")
    assert row_of(result, "bocom")["confidence"] == pytest.approx(alone["confidence"])


def test_a_proof_whose_own_number_the_journal_does_not_hold_keeps_the_prior() -> None:
    j = _journal()
    # a WeChat record naming the branch, its full 交易单号 in no row, 20 s from a card sale of its amount
    stranger = pf(
        "wx-missing",
        12100,
        "09:56:04",
        merchant_text=SHOP,
        wallet_txn_id="4200406996809835007911511048",
    )
    alone = row_of(rk.match(proofs(stranger), j), "wx-missing")
    result = rk.match(proofs(stranger, *_bills(100)), j)
    verdict = row_of(result, "wx-missing")
    # the branch's other bills being found does not vouch for a payment whose own record is not here
    assert verdict["confidence"] == pytest.approx(alone["confidence"])
    assert result.attrs["completeness"][SHOP]["missing"] == 1
