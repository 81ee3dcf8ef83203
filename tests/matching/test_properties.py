"""Hypothesis properties of match(): row order, unrelated transactions, amounts of matches."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import receiptkit as rk

from .conftest import at, background, journal, pf, proofs, txn

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AMOUNTS = (2500, 2800, 3200, 12850)
CARDS = ("1111", "2222", "3333", "1111")
NOISE_S = 90  # a proof's own time is at most this far from its sale's
ELSEWHERE = ("P99", 2500, "10:30:00")  # a wallet payment made elsewhere: no sale of its own here


def _singles_out_elsewhere(row: dict) -> bool:
    """Whether a sale fits the payment made elsewhere as well as a real proof of that sale could.

    A wallet proof of an approved sale of the same amount within ``NOISE_S``
    seconds carries exactly this evidence (see :func:`cases`), so matching the
    two is right, not wrong: such sales are not generated beside it.
    """
    _, amount, clock = ELSEWHERE
    near = abs(row["ts"] - at(clock)) <= pd.Timedelta(seconds=NOISE_S)
    return row["status"] == "approved" and row["amount_minor"] == amount and near


@st.composite
def cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A journal of repeated amounts and cards, and proofs of some of its sales (some noisy)."""
    n = draw(st.integers(3, 14))
    rows = []
    for k in range(n):
        row = txn(
            f"X{k:02d}",
            draw(st.sampled_from(AMOUNTS)),
            "00:00:00",
            card_last4=draw(st.sampled_from(CARDS)),
            terminal_id=draw(st.sampled_from(("T1", "T2"))),
            status=draw(st.sampled_from(("approved",) * 4 + ("declined",))),
        )
        row["ts"] = at("10:00:00") + pd.Timedelta(seconds=draw(st.integers(0, 3600)))
        rows.append(row)
    ps = []
    for k, row in enumerate(rows):
        if row["status"] != "approved" or not draw(st.booleans()):
            continue  # proofs of declined attempts: see test_engine (declined_only and its known gap)
        kind = draw(st.sampled_from(("wallet", "sms", "bank")))
        when = row["ts"] + pd.Timedelta(seconds=draw(st.integers(-NOISE_S, NOISE_S)))
        card = row["card_last4"] if draw(st.booleans()) else None
        if kind == "bank":
            ps.append(pf(f"P{k:02d}", row["amount_minor"], None, card_last4=card))
        else:
            precision = "second" if kind == "wallet" else "minute"
            if precision == "minute":
                when = when.floor("min")
            ps.append(
                pf(
                    f"P{k:02d}",
                    row["amount_minor"],
                    None,
                    ts=when,
                    ts_precision=precision,
                    kind=kind,
                    card_last4=card,
                    date=None,
                )
            )
    if not ps:
        assume(not any(_singles_out_elsewhere(row) for row in rows))
        ps.append(pf(*ELSEWHERE))
    return journal(*background(40), *rows), proofs(*ps)


def _canonical(result: pd.DataFrame) -> pd.DataFrame:
    return result.sort_values("proof_id").reset_index(drop=True)


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_results(case, rnd) -> None:
    j, p = case
    expected = _canonical(rk.match(p, j))
    pi = list(range(len(p)))
    ji = list(range(len(j)))
    rnd.shuffle(pi)
    rnd.shuffle(ji)
    shuffled = rk.match(p.iloc[pi], j.iloc[ji])
    assert shuffled["proof_id"].tolist() == p["proof_id"].iloc[pi].tolist()  # one row per proof, in order
    pd.testing.assert_frame_equal(_canonical(shuffled), expected)


@SETTINGS
@given(cases(), st.integers(0, 3600), st.sampled_from(AMOUNTS), st.sampled_from((*CARDS, "7777")))
def test_adding_an_unrelated_transaction_never_makes_a_match_wrong(case, second, amount, card) -> None:
    j, p = case
    truth = dict(zip(p["proof_id"], "X" + p["proof_id"].str.slice(1), strict=True))
    before = rk.match(p, j, clock_offsets={})
    extra = txn("ZZ", amount, "00:00:00", card_last4=card, terminal_id="T3")
    extra["ts"] = at("10:00:00") + pd.Timedelta(seconds=second)
    assume(not (ELSEWHERE[0] in set(p["proof_id"]) and _singles_out_elsewhere(extra)))
    after = rk.match(p, journal(*j.to_dict("records"), extra), clock_offsets={})
    for frame in (before, after):
        matched = frame[frame["status"] == "matched"]
        wrong = matched[matched["txn_id"] != matched["proof_id"].map(truth)]
        # a match is the proof's own sale or nothing (proofs of declined sales must not take another)
        assert wrong.empty, wrong[["proof_id", "txn_id", "reason"]]
    was_right = before[(before["status"] == "matched")]["proof_id"]
    right_after = after.set_index("proof_id").loc[was_right]
    assert (right_after["txn_id"].isna() | (right_after["txn_id"] == was_right.map(truth).to_numpy())).all()


@SETTINGS
@given(cases())
def test_a_matched_proof_has_its_transactions_amount_and_side(case) -> None:
    j, p = case
    result = rk.match(p, j)
    matched = result[result["status"] == "matched"].merge(p[["proof_id", "amount_minor"]], on="proof_id")
    txns = j.set_index("txn_id")
    assert matched["txn_id"].is_unique
    for _, row in matched.iterrows():
        t = txns.loc[row["txn_id"]]
        assert t["amount_minor"] == row["amount_minor"]
        assert t["status"] == "approved"
        assert t["txn_type"] == "sale"
    assert np.all(result.loc[result["status"] != "matched", "txn_id"].isna())
