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


def _both_and_billed_only(spreads: tuple[float, ...], targets: tuple[int, ...] = (31700, 52300)):
    """Lines showing the original CNY amount beside the billed USD one, and two lines showing only USD: two
    card lines alone are too few for the last-4 histogram to learn a rate."""
    rows, lines = background(), []
    for k, spread in enumerate(spreads):
        amount = 8800 + 1700 * k
        rows.append(txn(f"B{k}", amount, f"1{k}:0{k}:00", card_last4=None))
        billed = amount * RATE * (1 + spread) / 100
        lines.append(
            pf(
                f"b{k}",
                amount,
                None,
                merchant_text="消费 瑞幸咖啡(国贸店)",
                raw={"入账币种/金额": f"USD {billed:.2f}"},
            )
        )
    for k, amount in enumerate(targets):
        rows.append(txn(f"T{k}", amount, f"2{k}:15:00", card_last4=f"{4400 + k}"))
        lines.append(
            pf(
                f"u{k}",
                round(amount * RATE * 1.02),
                None,
                currency="USD",
                card_last4=f"{4400 + k}",
                merchant_text="SALES: LUCKIN COFFEE CHN CN",
            )
        )
    return journal(*rows), lines


def test_lines_showing_both_amounts_teach_the_rate_for_lines_showing_only_the_billed_one() -> None:
    j, lines = _both_and_billed_only((0.01, 0.025, 0.015, 0.02))
    result = rk.match(proofs(*lines), j)
    (learned,) = result.attrs["fx_rates_learned"]
    assert (learned["journal_currency"], learned["proof_currency"]) == ("CNY", "USD")
    assert learned["source"] == "lines showing both amounts" and learned["votes"] == 4
    assert abs(float(learned["rate"]) - RATE) / RATE < 0.02
    for k in range(2):
        row = row_of(result, f"u{k}")
        assert row["status"] == "matched" and row["txn_id"] == f"T{k}", row["reason"]
        assert "fx" in row["flags"]
    table = rk.explain(result, "u0")
    note = table.loc[table["field"] == "amount", "best_note"].iloc[0]
    assert "converted at 1 CNY = " in note and "learned from 4 lines showing both amounts" in note
    alone = rk.match(proofs(*lines[4:]), j)  # without the lines showing both amounts: no rate
    assert alone.attrs["fx_rates_learned"] == [] and (alone["status"] == "unmatched").all()


def test_lines_whose_two_amounts_disagree_teach_nothing() -> None:
    j, lines = _both_and_billed_only((0.01, 0.30, -0.25, 0.60))  # no two within a few per cent
    result = rk.match(proofs(*lines), j)
    assert result.attrs["fx_rates_learned"] == []
    assert (result.loc[result["proof_id"].str.startswith("u"), "status"] == "unmatched").all()


def test_a_billed_only_line_whose_band_holds_two_sales_is_not_matched() -> None:
    # 317.00 and 320.00 CNY on the same card are both within the fx band of the billed amount: the rate cannot choose
    j, lines = _both_and_billed_only((0.01, 0.025, 0.015, 0.02), targets=(31700,))
    j = journal(*j.to_dict("records"), txn("T9", 32000, "20:40:00", card_last4="4400"))  # the same card
    result = rk.match(proofs(*lines), j)
    row = row_of(result, "u0")
    assert row["status"] != "matched"
    assert {"T0", "T9"} <= set(row["candidate_txn_ids"])


def test_a_given_rate_is_named_as_given_in_explain() -> None:
    j, lines = _journal_and_lines((0.01, 0.025, 0.015, 0.03))
    result = rk.match(proofs(*lines), j, policy=rk.MatchPolicy(fx_rates={("CNY", "USD"): Decimal("0.14")}))
    table = rk.explain(result, "u0")
    note = table.loc[table["field"] == "amount", "best_note"].iloc[0]
    assert note.endswith("converted at 1 CNY = 0.14 USD (given in fx_rates)")
