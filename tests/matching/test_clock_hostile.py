"""Clock pieces that coincidences must not teach (issue 17, item 4).

A terminal's clock is learned in pieces anchored on proofs whose card last 4 and amount name one row of
the journal. Payments made *elsewhere* whose amount and card last 4 happen to equal sales here, at a
shifted time, would anchor such a piece: it would move every row of that terminal in its stretch and turn
the coincidences into matches ("time same, card_last4 agree": a stranger's receipt), and true proofs of
that stretch into misses or false matches. A piece must rest on evidence a coincidence cannot give.
"""

from __future__ import annotations

import pandas as pd

import receiptkit as rk

from .conftest import at, journal, pf, proofs, row_of, txn

SHIFT_S = 600  # the coincidences fit the sales here if the terminal ran ten minutes fast


def _sms(proof_id: str, amount: int, clock: str, last4: str | None, text: str | None = None) -> dict:
    return pf(
        proof_id, amount, clock, kind="sms", ts_precision="minute", card_last4=last4, merchant_text=text
    )


def _clock(start: str, minutes: int) -> str:
    return (pd.Timestamp(f"2026-11-20 {start}") + pd.Timedelta(minutes=minutes)).strftime("%H:%M:%S")


def _hostile(
    *, quiet_cluster: bool, repeat_customers: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One terminal with a right clock all day; four payments made elsewhere fit four of its sales at +10 min.

    Sales every 20 minutes from 09:00 with their SMS (to the minute, card last 4; each amount and card
    appears once: card anchors at offset 0). Between 12:40 and 14:20 the four sales X0..X3 have no proof
    of their own; four SMS of payments made in another shop name their amount and card at 10 minutes before
    their logged times (``quiet_cluster``: nothing else is proved in that stretch). Otherwise regulars buy in
    that stretch too (``repeat_customers``: an amount and card they also paid on another day, so their SMS
    name two rows and anchor nothing), and a counter proof names only amount and minute of a sale whose
    twin of the same amount, a stranger's, was logged ten minutes later.
    """
    rows, batch = [], []
    truth: dict[str, str | None] = {}
    for k in range(28):
        clock = _clock("09:00:20", 20 * k)
        if "12:40" <= clock[:5] <= "14:20":
            continue
        amount, last4 = 5003 + 100 * k, f"{1200 + k:04d}"
        rows.append(txn(f"S{k:02d}", amount, clock, card_last4=last4))
        batch.append(_sms(f"s{k:02d}", amount, clock[:5] + ":00", last4))
        truth[f"s{k:02d}"] = f"S{k:02d}"
    for i, clock in enumerate(("12:52:10", "13:12:10", "13:32:10", "13:52:10")):
        amount, last4 = 7707 + 100 * i, f"{3300 + i:04d}"
        rows.append(txn(f"X{i}", amount, clock, card_last4=last4))
        proof_clock = (at(clock) - pd.Timedelta(seconds=SHIFT_S)).strftime("%H:%M:00")
        text = None  # an SMS that names no shop (a named other shop is held against by the merchant model)
        batch.append(_sms(f"e{i}", amount, proof_clock, last4, text))
        truth[f"e{i}"] = None  # paid elsewhere: no row of this journal is its sale
    if not quiet_cluster:
        if repeat_customers:
            for i, clock in enumerate(("12:45:30", "13:05:30", "13:25:30", "13:45:30", "14:05:30")):
                amount, last4 = 6101 + 100 * i, f"{4400 + i:04d}"
                rows.append(txn(f"R{i}", amount, clock, card_last4=last4))
                rows.append(txn(f"R{i}y", amount, "10:00:00", day="2026-11-19", card_last4=last4))
                batch.append(_sms(f"r{i}", amount, clock[:5] + ":00", last4))
                truth[f"r{i}"] = f"R{i}"
        # the counter: amount and minute of Y; a stranger's Z of the same amount logged ten minutes later
        rows.append(txn("Y", 8888, "13:18:40", card_last4="5511"))
        rows.append(txn("Z", 8888, "13:28:40", card_last4="5522"))
        batch.append(pf("c", 8888, "13:18:00", kind="manual", ts_precision="minute"))
        truth["c"] = "Y"
    return journal(*rows), proofs(*batch), truth


def _no_stranger(result: pd.DataFrame, truth: dict) -> None:
    for proof_id, txn_id in truth.items():
        row = row_of(result, proof_id)
        if row["status"] == "matched":
            assert row["txn_id"] == txn_id, f"{proof_id} matched {row['txn_id']}, its sale is {txn_id}"


def test_coincidences_amid_true_proofs_teach_no_clock_piece() -> None:
    j, batch, truth = _hostile(quiet_cluster=False)
    result = rk.match(batch, j)
    assert "T1" not in result.attrs["clock_segments"]
    _no_stranger(result, truth)
    for i in range(4):
        assert row_of(result, f"e{i}")["status"] != "matched"
    assert row_of(result, "c")["txn_id"] == "Y" or row_of(result, "c")["status"] != "matched"
    # the true SMS around the coincidences are still matched, on the right clock
    for i in range(5):
        assert row_of(result, f"r{i}")["status"] == "matched"


def test_a_quiet_cluster_of_coincidences_teaches_no_clock_piece() -> None:
    """Nothing but the coincidences in their stretch: amount and card alone cannot move a clock."""
    j, batch, truth = _hostile(quiet_cluster=True)
    result = rk.match(batch, j)
    assert "T1" not in result.attrs["clock_segments"]
    _no_stranger(result, truth)
    for i in range(4):
        assert row_of(result, f"e{i}")["status"] != "matched"


def test_find_at_the_counter_with_what_the_month_learned_prints_no_stranger(tmp_path) -> None:
    j, batch, _ = _hostile(quiet_cluster=False)
    learned = rk.save_learned(tmp_path / "j.receiptkit.json", rk.match(batch, j))
    assert "T1" not in learned.clock_segments
    for i in range(4):
        one = batch[batch["proof_id"] == f"e{i}"]
        assert rk.find(j, one, learned=learned).attrs["verdict"]["status"] != "matched"
