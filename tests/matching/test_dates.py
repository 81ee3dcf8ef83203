"""Date-only proofs: the payment's own date (SMS, app push, 交易日) or a posting date (记账日).

Field guide 1.2 (BOC credit SMS carry a year and no time; debit cards are debited in real time) and 3.1
(statements post 0-3 days later, weekends included or moved to Monday).
"""

from __future__ import annotations

import receiptkit as rk

from .conftest import background, journal, pf, proofs, row_of, txn

D = "2026-11-20"  # a Friday
BEFORE = "2026-11-19"


def _two_days() -> object:
    # the customer's sale on D; a wallet sale of the same amount, no card shown, the day before
    return journal(
        *background(),
        txn("A", 8800, "12:00:10", card_last4="1234"),
        txn("B", 8800, "15:30:10", day=BEFORE, channel="wechat"),
    )


def test_an_sms_without_a_time_is_dated_on_the_payment_day_only() -> None:
    sms = pf("s1", 8800, None, day=D, kind="sms", card_last4="1234")
    result = rk.match(proofs(sms), _two_days())
    row = row_of(result, "s1")
    assert row["status"] == "matched" and row["txn_id"] == "A", row["reason"]
    table = rk.explain(result, "s1").set_index("field")
    assert table.loc["time", "best_level"] == "same day"


def test_a_statement_line_with_its_transaction_date_is_that_day_only() -> None:
    line = pf("b1", 8800, None, day=D, card_last4="1234", raw={"交易日": D, "posting_date": "2026-11-23"})
    row = row_of(rk.match(proofs(line), _two_days()), "b1")
    assert row["status"] == "matched" and row["txn_id"] == "A", row["reason"]
    assert row["n_candidates"] == 1  # the day before is not searched


def test_a_posting_date_still_reaches_back_business_days() -> None:
    # only the posting date (记账日 = date): the sale of the day before is a candidate too
    line = pf("b1", 8800, None, day=D, card_last4="1234", raw={"记账日": D, "posting_date": D})
    result = rk.match(proofs(line), _two_days())
    assert row_of(result, "b1")["n_candidates"] >= 2
    # a sale two business days before a Monday posting (weekend in between) is found
    monday = pf("b2", 6600, None, day="2026-11-23", card_last4="4321", raw={"posting_date": "2026-11-23"})
    j = journal(*background(), txn("F", 6600, "18:00:00", day="2026-11-19", card_last4="4321"))
    row = row_of(rk.match(proofs(monday), j), "b2")
    assert row["status"] == "matched" and row["txn_id"] == "F", row["reason"]


def test_a_refund_sms_without_a_time_keeps_the_lag_window() -> None:
    # the card sees a refund a day or more after the shop (field guide 4.3)
    j = journal(*background(), txn("R", 5500, "16:00:00", day=BEFORE, txn_type="refund", card_last4="1234"))
    sms = pf("r1", 5500, None, day=D, kind="sms", card_last4="1234", direction="credit")
    row = row_of(rk.match(proofs(sms), j), "r1")
    assert row["status"] == "matched" and row["txn_id"] == "R", row["reason"]


# At the counter (field guide 5: the clerk looks a sale up "根据输入的交易日期和金额"): the day the customer says is
# the day they paid, as a wallet record's date is, never a posting date the window reaches back from.
COUNTER_PRIOR = rk.MatchPolicy(
    prior_absent_by_kind={"manual": 0.01}
)  # a month of counter input that found its sale


def _lone_sale(day: str) -> object:
    return journal(*background(), txn("S", 12850, "14:00:10", day=day))


def test_a_day_typed_at_the_counter_does_not_reach_the_days_before() -> None:
    # before: the lone 128.50 sale two days before the day said was matched "on amount and time"
    counter = rk.proof(amount="128.50", time="2026-11-11", tz="Asia/Shanghai")
    result = rk.match(counter, _lone_sale("2026-11-09"), policy=COUNTER_PRIOR)
    row = result.iloc[0]
    assert row["status"] == "unmatched", row["reason"]
    assert row["n_candidates"] == 0
    ranked = rk.find(_lone_sale("2026-11-09"), counter, policy=COUNTER_PRIOR)
    assert ranked.attrs["verdict"]["status"] == "unmatched"
    assert "S" not in set(ranked["txn_id"].astype(str))


def test_a_day_typed_at_the_counter_matches_a_sale_of_that_day() -> None:
    for typed in ("2026-11-11", "11月11日", "11/11"):
        counter = rk.proof(amount="128.50", time=typed, tz="Asia/Shanghai", ref="2026-11-20")
        result = rk.match(counter, _lone_sale("2026-11-11"), policy=COUNTER_PRIOR)
        row = result.iloc[0]
        assert row["status"] == "matched" and row["txn_id"] == "S", (typed, row["reason"])
        assert rk.explain(result, row["proof_id"]).set_index("field").loc["time", "best_level"] == "same day"
        ranked = rk.find(_lone_sale("2026-11-11"), counter, policy=COUNTER_PRIOR)
        assert ranked.attrs["verdict"]["status"] == "matched" and bool(ranked["chosen"].iloc[0])
