"""Ways a stranger's receipt could be printed, closed (issue 17: never a stranger's receipt).

Two customers' proofs that fit one sale equally must not have it handed to one of them by the order of
their ids; a payment made elsewhere must not teach a terminal a clock offset that then matches it.
"""

from __future__ import annotations

import pandas as pd

import receiptkit as rk

from .conftest import background, journal, pf, proofs, row_of, txn


def _sms(proof_id: str, amount: int, clock: str, last4: str | None) -> dict:
    return pf(proof_id, amount, clock, kind="sms", ts_precision="minute", card_last4=last4)


def _one_sale(**fields) -> pd.DataFrame:
    rows = background()
    rows.append(txn("X1", 5000, "14:32:10", card_last4="1234", **fields))
    return journal(*rows)


def test_two_messages_that_fit_one_sale_equally_give_it_to_neither() -> None:
    """Two SMS of 50.00 at 14:32 from cards ending 1234: one customer paid here, the other elsewhere."""
    result = rk.match(
        proofs(_sms("p1", 5000, "14:32:00", "1234"), _sms("p2", 5000, "14:32:00", "1234")), _one_sale()
    )
    for proof_id, other in (("p1", "p2"), ("p2", "p1")):
        row = row_of(result, proof_id)
        assert row["status"] == "ambiguous" and pd.isna(row["txn_id"])
        assert f"other proofs fit its transaction as well ({other})" in row["reason"]


def test_two_counter_inputs_that_fit_one_sale_equally_give_it_to_neither() -> None:
    batch = proofs(
        pf("c1", 5000, "14:32:00", kind="manual", ts_precision="minute"),
        pf("c2", 5000, "14:32:00", kind="manual", ts_precision="minute"),
    )
    result = rk.match(batch, _one_sale())
    assert (result["status"] != "matched").all()


def test_a_message_a_minute_off_does_not_win_by_its_id() -> None:
    result = rk.match(
        proofs(_sms("a", 5000, "14:34:00", "1234"), _sms("b", 5000, "14:32:00", "1234")), _one_sale()
    )
    assert (result["status"] != "matched").all()


def test_a_proof_that_names_the_sale_still_wins_it() -> None:
    """The controls: a full wallet number, or a card that differs, says whose the sale is."""
    j = _one_sale(wallet_txn_id="4200001234567890123456", channel="wechat")
    result = rk.match(
        proofs(
            _sms("p1", 5000, "14:32:00", "1234"),
            pf("w", 5000, "14:32:10", wallet_txn_id="4200001234567890123456"),
        ),
        j,
    )
    assert row_of(result, "w")["txn_id"] == "X1" and row_of(result, "w")["status"] == "matched"
    assert row_of(result, "p1")["status"] == "unmatched"
    result = rk.match(
        proofs(_sms("p1", 5000, "14:32:00", "1234"), _sms("p2", 5000, "14:32:00", "9876")), _one_sale()
    )
    assert row_of(result, "p1")["txn_id"] == "X1" and row_of(result, "p1")["status"] == "matched"


def test_one_payment_made_elsewhere_does_not_move_a_terminals_clock_onto_itself() -> None:
    """A stranger paid 50.00 with a card ending 1234 at 14:32 on a quiet terminal; this SMS is of 14:40.

    Its one pair with last 4 agreeing weighed skew_vote_last4_agree = 3 = min_skew_votes by itself: the
    terminal was given a -470 s offset and the SMS matched the stranger's sale "on time same".
    """
    result = rk.match(proofs(_sms("e1", 5000, "14:40:00", "1234")), _one_sale(terminal_id="T3"))
    assert row_of(result, "e1")["status"] != "matched"
    offsets = rk.clock_offsets(result)
    assert "T3" not in offsets.index or not offsets.loc["T3", "used"]


def test_three_proofs_that_agree_still_teach_a_clock_offset() -> None:
    rows = background()
    batch = []
    for k, clock in enumerate(("10:12:30", "12:40:30", "15:05:30")):
        rows.append(txn(f"S{k}", 5100 + 100 * k, clock, card_last4=f"{2200 + k}", terminal_id="T3"))
        logged = pd.Timestamp(f"2026-11-20 {clock}") + pd.Timedelta(seconds=470)
        batch.append(_sms(f"s{k}", 5100 + 100 * k, logged.strftime("%H:%M:00"), f"{2200 + k}"))
    result = rk.match(proofs(*batch), journal(*rows))
    offsets = rk.clock_offsets(result)
    assert offsets.loc["T3", "used"] and abs(offsets.loc["T3", "offset_s"] + 470) <= 60
    assert (result["status"] == "matched").all()
