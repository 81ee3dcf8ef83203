"""The base rate: how often a proof's amount is paid by chance around its time.

A timed proof's window is a few minutes and always holds its own sale, so the
rate is counted over a wider stretch (``rate_window_s``) and from the
window's other hypotheses. A lone candidate of a rare amount is then a match
on amount and minute alone; the same proof in an hour full of that amount
is not.
"""

from __future__ import annotations

import pandas as pd

import receiptkit as rk

from .conftest import background, journal, pf, proofs, row_of, txn


def _counter_proof(amount: int = 8800) -> pd.DataFrame:
    # typed in at the counter: amount and the minute, nothing else
    return proofs(pf("p1", amount, "10:00:00", kind="manual", ts_precision="minute"))


def _busy_hour(amount: int) -> list[dict]:
    # the amount every four minutes from 09:10 to 10:50, none within five minutes of 10:00
    clocks = [f"{9 + m // 60:02d}:{m % 60:02d}:00" for m in range(10, 111, 4) if abs(m - 60) > 5]
    return [txn(f"B{k:02d}", amount, c, card_last4=f"9{k:03d}") for k, c in enumerate(clocks)]


def test_a_lone_sale_of_a_rare_amount_matches_on_amount_and_minute() -> None:
    j = journal(*background(), txn("A", 8800, "10:00:20", card_last4="1234"))
    row = row_of(rk.match(_counter_proof(), j), "p1")
    assert row["status"] == "matched", row["reason"]
    assert row["txn_id"] == "A"
    assert row["confidence"] >= 0.99


def test_the_same_proof_in_an_hour_full_of_that_amount_is_not_matched() -> None:
    j = journal(*background(), *_busy_hour(8800), txn("A", 8800, "10:00:20", card_last4="1234"))
    row = row_of(rk.match(_counter_proof(), j), "p1")
    assert row["status"] != "matched", row["reason"]
    assert row["txn_id"] is pd.NA or pd.isna(row["txn_id"])
    # the posterior that the payment is elsewhere is what holds it back
    assert "not in this journal" in row["reason"]


def test_the_rate_window_is_a_policy_parameter() -> None:
    j = journal(*background(), *_busy_hour(8800), txn("A", 8800, "10:00:20", card_last4="1234"))
    narrow = rk.MatchPolicy(rate_window_s=0)  # the window alone: a lone candidate stays below the threshold
    row = row_of(rk.match(_counter_proof(), j, policy=narrow), "p1")
    assert row["status"] != "matched"
    alone = journal(*background(), txn("A", 8800, "10:00:20", card_last4="1234"))
    assert row_of(rk.match(_counter_proof(), alone, policy=narrow), "p1")["status"] != "matched"
    assert row_of(rk.match(_counter_proof(), alone), "p1")["status"] == "matched"


def test_the_explanation_states_the_expected_chance_count() -> None:
    j = journal(*background(), *_busy_hour(8800), txn("A", 8800, "10:00:20", card_last4="1234"))
    result = rk.match(_counter_proof(), j)
    table = rk.explain(result, "p1")
    base = table[table["field"] == "base rate"].iloc[0]
    # 25 sales of 88.00 within the hour either side, scaled to the proof's 11-minute window
    expected = float(base["best_value"].split()[0])
    assert 2.0 < expected < 3.0, base["best_value"]
    assert base["best_value"].endswith("such transaction(s) expected in the window")
    assert base["best_bits"] < 0


def test_identical_attempts_in_one_second_give_one_answer_whatever_the_row_order() -> None:
    # three declined and two approved rows of one card, same terminal, same second
    rows = [
        txn(f"X{k}", 2500, "10:00:00", card_last4="1111", status=s)
        for k, s in enumerate(["declined", "approved", "declined", "approved", "declined"])
    ]
    p = proofs(pf("p1", 2500, "10:00:00"))
    j = journal(*background(), *rows)
    expected = rk.match(p, j)
    for order in ([4, 3, 2, 1, 0], [1, 3, 0, 2, 4], [2, 0, 4, 1, 3]):
        shuffled = journal(*background(), *[rows[k] for k in order])
        got = rk.match(p, shuffled)
        pd.testing.assert_frame_equal(got, expected)


# ----------------------------------------------------------------------------- hours and ranges


def _week(amount_at_hour: int | None) -> list[dict]:
    """Background sales a week before and after the test day; optionally the amount at 14:25 every other day."""
    rows = []
    for d in (*range(-7, 0), *range(1, 8)):
        day = (pd.Timestamp("2026-11-20") + pd.Timedelta(days=d)).strftime("%Y-%m-%d")
        for row in background(40, seed=20 + d):
            row = {**row, "txn_id": f"{day}-{row['txn_id']}", "ts": row["ts"] + pd.Timedelta(days=d)}
            rows.append(row)
        if amount_at_hour is not None:
            rows.append(txn(f"H{d}", amount_at_hour, "14:25:00", day=day, card_last4=f"8{d + 10:03d}"))
    return rows


def _hour_proof(amount: int) -> pd.DataFrame:
    # "14点": the hour only, nothing else (ts_precision hour, 14:00 to 15:00)
    return proofs(pf("h1", amount, "14:00:00", kind="manual", ts_precision="hour"))


def test_a_lone_sale_of_an_amount_never_paid_at_that_hour_matches_on_the_hour() -> None:
    j = journal(*background(), *_week(None), txn("A", 4243, "14:43:48", card_last4="1234"))
    row = row_of(rk.match(_hour_proof(4243), j), "h1")
    assert row["status"] == "matched" and row["txn_id"] == "A", row["reason"]


def test_an_amount_paid_at_that_hour_every_day_is_not_matched_on_the_hour() -> None:
    j = journal(*background(), *_week(4243), txn("A", 4243, "14:43:48", card_last4="1234"))
    row = row_of(rk.match(_hour_proof(4243), j), "h1")
    assert row["status"] == "ambiguous", row["reason"]


def test_a_journal_of_one_day_gives_an_hour_no_more_confidence_than_its_own_count() -> None:
    j = journal(*background(), txn("A", 4243, "14:43:48", card_last4="1234"))
    assert row_of(rk.match(_hour_proof(4243), j), "h1")["status"] == "ambiguous"


def test_the_base_rate_row_shows_the_proof_amount_in_money_not_minor_units() -> None:
    # explain's first row showed amount_minor as if it were yuan: "8800 CNY" for an 88.00 CNY proof,
    # beside "88.00 CNY" on the amount row (an accountant reading the waterfall sees a 100x amount)
    j = journal(*background(), txn("A", 8800, "10:00:20", card_last4="1234"))
    result = rk.match(_counter_proof(), j)
    table = rk.explain(result, "p1").set_index("field")
    assert table.loc["base rate", "proof_value"] == table.loc["amount", "proof_value"]
    assert "88.00" in str(table.loc["base rate", "proof_value"])
