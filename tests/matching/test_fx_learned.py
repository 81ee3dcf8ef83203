"""Foreign cards billed in another currency, without policy.fx_rates: the rate is read from the lines.

Field guide 3.2: in the billing currency, expect the journal's amount times the network rate plus a 1-3 %
spread (issuer fees) and rate-date drift; the proofs carry no original amount.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

import receiptkit as rk

from .conftest import background, journal, pf, proofs, row_of, txn

RATE = 0.1389  # USD per CNY


def _journal_and_lines(spreads: tuple[float, ...]) -> tuple[pd.DataFrame, list[dict]]:
    rows = background()
    lines = []
    for k, spread in enumerate(spreads):
        amount = 8800 + 1700 * k  # CNY minor units
        card = f"{1200 + k:04d}"
        rows.append(txn(f"F{k}", amount, f"1{k}:2{k}:00", card_last4=card))
        billed = round(amount * RATE * (1 + spread))
        lines.append(
            pf(f"u{k}", billed, None, currency="USD", card_last4=card, merchant_text="SALES: LUCKIN CHN CN")
        )
    return journal(*rows), lines


def test_four_card_lines_teach_the_billing_rate_and_are_matched() -> None:
    j, lines = _journal_and_lines((0.01, 0.025, 0.015, 0.03))
    result = rk.match(proofs(*lines), j)
    for k in range(4):
        row = row_of(result, f"u{k}")
        assert row["status"] == "matched" and row["txn_id"] == f"F{k}", row["reason"]
        assert "fx" in row["flags"]
    (learned,) = result.attrs["fx_rates_learned"]
    assert (learned["journal_currency"], learned["proof_currency"]) == ("CNY", "USD")
    assert abs(float(learned["rate"]) - RATE) / RATE < 0.02


def test_one_line_teaches_nothing_and_says_to_set_the_rate() -> None:
    j, lines = _journal_and_lines((0.02,))
    result = rk.match(proofs(*lines), j)
    row = row_of(result, "u0")
    assert row["status"] == "unmatched" and "fx_rates" in row["reason"]
    assert result.attrs["fx_rates_learned"] == []


def test_the_card_alone_does_not_carry_an_amount_outside_the_band() -> None:
    j, lines = _journal_and_lines((0.01, 0.025, 0.015, 0.03))
    off = pf("off", round(30000 * RATE * 1.12), None, currency="USD", card_last4="7777")  # 12 % above
    j2 = journal(*j.to_dict("records"), txn("Z", 30000, "17:10:00", card_last4="7777"))
    result = rk.match(proofs(*lines, off), j2)
    assert row_of(result, "off")["status"] != "matched"


def test_given_rates_win_and_learning_can_be_switched_off() -> None:
    j, lines = _journal_and_lines((0.01, 0.025, 0.015, 0.03))
    off = rk.match(proofs(*lines), j, policy=rk.MatchPolicy(learn_fx_rates=False))
    assert (off["status"] == "unmatched").all()
    given = rk.match(proofs(*lines), j, policy=rk.MatchPolicy(fx_rates={("CNY", "USD"): Decimal("0.14")}))
    assert given.attrs["fx_rates_learned"] == []
    assert (given["status"] == "matched").all()


def test_a_learned_rate_is_kept_beside_the_journal_and_used_at_the_counter(tmp_path) -> None:
    j, lines = _journal_and_lines((0.01, 0.025, 0.015, 0.03))
    result = rk.match(proofs(*lines), j)
    path = tmp_path / "journal.csv.receiptkit.json"
    learned = rk.save_learned(path, result)
    assert set(learned.fx_rates) == {"CNY:USD"}
    again = rk.load_learned(path)
    assert again.fx_rates == learned.fx_rates and "billing rates CNY:USD" in again.describe()
    # one line at the counter cannot learn a rate; with the kept one it is converted and found
    one = proofs(lines[2])
    assert row_of(rk.match(one, j), "u2")["status"] == "unmatched"
    ranked = rk.find(j, one, learned=again)
    assert ranked.attrs["verdict"]["status"] == "matched"
    assert ranked.attrs["verdict"]["txn_id"] == "F2"


def test_a_malformed_rate_in_the_learned_file_is_an_error_naming_it(tmp_path) -> None:
    import json

    path = tmp_path / "j.csv.receiptkit.json"
    path.write_text(json.dumps({"format": "receiptkit-learned", "version": 1, "fx_rates": {"CNY:USD": "-1"}}))
    try:
        rk.load_learned(path)
    except rk.ReceiptkitError as exc:
        assert "CNY:USD" in str(exc)
    else:
        raise AssertionError("a negative rate was accepted")
