"""A billing rate given the wrong way round is named in the reason, as a hint only (never a match).

``fx_rates`` keys are ``(journal_currency, proof_currency)``: a Shanghai shop reading Hong Kong cards' HKD
lines writes ``{("CNY", "HKD"): 1.087}``. ``{("HKD", "CNY"): 0.92}`` is the same fact the other way round.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

import receiptkit as rk

from .conftest import background, journal, pf, proofs, row_of, txn

HKD_PER_CNY = 1.087


def _journal_and_lines() -> tuple[pd.DataFrame, list[dict]]:
    rows = background()
    lines = []
    for k, spread in enumerate((0.01, 0.02, 0.015)):
        amount = 8800 + 1700 * k  # CNY minor units, none in the background (odd amounts)
        card = f"{1200 + k:04d}"
        rows.append(txn(f"F{k}", amount, f"1{k}:2{k}:00", card_last4=card))
        billed = round(amount * HKD_PER_CNY * (1 + spread))
        lines.append(
            pf(f"h{k}", billed, None, currency="HKD", card_last4=card, merchant_text="SALES: LUCKIN")
        )
    return journal(*rows), lines


def _match(rates: dict) -> pd.DataFrame:
    j, lines = _journal_and_lines()
    return rk.match(proofs(*lines), j, policy=rk.MatchPolicy(fx_rates=rates, learn_fx_rates=False))


def test_the_right_rate_matches_and_gives_no_hint() -> None:
    result = _match({("CNY", "HKD"): Decimal("1.087")})
    assert (result["status"] == "matched").all()
    assert not result["reason"].str.contains("did you mean").any()
    assert not result["flags"].fillna("").str.contains("fx_rate_direction").any()


def test_a_key_written_the_wrong_way_round_is_named_and_nothing_is_matched_on_its_inverse() -> None:
    result = _match({("HKD", "CNY"): Decimal("0.92")})
    for k in range(3):
        row = row_of(result, f"h{k}")
        assert row["status"] == "unmatched" and pd.isna(row["txn_id"])
        assert "fx_rates has ('HKD', 'CNY')=0.92" in row["reason"]
        assert "did you mean fx_rates={('CNY', 'HKD'): Decimal('1.08696')}" in row["reason"]
        assert "3 of the batch's 3 HKD lines" in row["reason"]
        assert "fx_rate_direction" in row["flags"].split(";")


def test_an_inverted_rate_under_the_right_key_is_named_too() -> None:
    result = _match({("CNY", "HKD"): Decimal("0.92")})
    row = row_of(result, "h1")
    assert row["status"] == "unmatched" and pd.isna(row["txn_id"])
    assert "fx_rates has ('CNY', 'HKD')=0.92 (1 CNY is 0.92 HKD)" in row["reason"]
    assert "Decimal('1.08696')" in row["reason"]


def test_no_hint_where_the_inverse_fits_no_sale_either() -> None:
    j, lines = _journal_and_lines()
    far = pf("far", 99999, None, currency="HKD", merchant_text="SALES: LUCKIN")  # 999.99 HKD: no sale near
    result = rk.match(
        proofs(*lines, far),
        j,
        policy=rk.MatchPolicy(fx_rates={("HKD", "CNY"): Decimal("0.92")}, learn_fx_rates=False),
    )
    row = row_of(result, "far")
    assert row["status"] == "unmatched" and "did you mean" not in row["reason"]


def test_one_line_left_alone_under_a_rate_that_places_the_others_gets_no_hint() -> None:
    # a payment made elsewhere whose amount happens to fit a sale under the inverse rate: the right rate
    # places the batch's other lines, so nothing suggests that it was set backwards
    j, lines = _journal_and_lines()
    odd = pf("odd", round(8800 * 0.92 * 1.01), None, currency="HKD", merchant_text="SALES: LUCKIN")
    result = rk.match(
        proofs(*lines, odd),
        j,
        policy=rk.MatchPolicy(fx_rates={("CNY", "HKD"): Decimal("1.087")}, learn_fx_rates=False),
    )
    assert (result.loc[result["proof_id"] != "odd", "status"] == "matched").all()
    assert row_of(result, "odd")["status"] != "matched"
    assert not result["reason"].str.contains("did you mean").any()
