"""Masked wallet and order numbers: a visible part that can agree, never a contradiction."""

from __future__ import annotations

import numpy as np
import pytest

import receiptkit as rk
from receiptkit.matching.evidence import visible_id

from .conftest import background, journal, pf, proofs, row_of, txn

# twenty 25.00 sales in one minute, each with its own wallet and order number
CROWD = [
    txn(
        f"W{k:02d}",
        2500,
        f"10:30:{2 * k:02d}",
        wallet_txn_id=f"42000{k:02d}1234567890{7331 + k:04d}09{42 + k:02d}",
        order_no=f"ORD2026112000{k:02d}88{k:02d}",
    )
    for k in range(20)
]
J = journal(*background(), *CROWD)
TARGET = CROWD[0]["wallet_txn_id"]  # ...7331 09 42


@pytest.mark.parametrize(
    "shown",
    [
        "*73310942",
        "…73310942",
        "...73310942",
        "****0942",
        "尾号0942",
        "尾号：0942",
        "＊＊＊＊０９４２",  # full-width
        TARGET[:4] + "**********" + TARGET[-4:],  # first and last digits visible
    ],
)
def test_a_masked_wallet_number_picks_its_sale_out_of_a_crowd(shown: str) -> None:
    p = pf("p1", 2500, "10:30:00", kind="wallet", ts_precision="minute", wallet_txn_id=shown)
    row = row_of(rk.match(proofs(p), J), "p1")
    assert (row["status"], row["txn_id"]) == ("matched", "W00"), row["reason"]
    assert "wallet_txn_id suffix" in row["reason"]


def test_a_masked_order_number_agrees_by_its_visible_suffix() -> None:
    p = pf("p1", 2500, "10:30:00", kind="wallet", ts_precision="minute", order_no="****8807")
    row = row_of(rk.match(proofs(p), J), "p1")
    assert (row["status"], row["txn_id"]) == ("matched", "W07"), row["reason"]


def _wallet_bits(wallet: str) -> tuple[str, float]:
    j = journal(*background(), txn("A", 6613, "10:00:00", card_last4="1111", wallet_txn_id=TARGET))
    p = pf("p1", 6613, "10:00:05", card_last4="1111", wallet_txn_id=wallet)
    result = rk.match(proofs(p), j)
    table = rk.explain(result, "p1").set_index("field")
    return str(table.at["wallet_txn_id", "best_level"]), float(table.at["wallet_txn_id", "best_bits"])


def test_masked_digits_that_differ_weigh_against_but_do_not_contradict() -> None:
    level, bits = _wallet_bits("****5555")
    assert level == "masked differs"
    assert bits == pytest.approx(np.log2(rk.MatchPolicy().m_id_masked_differs), abs=0.01)
    full_level, full_bits = _wallet_bits(TARGET[:-1] + "5")  # a full number that differs
    assert full_level == "differs"
    assert full_bits == pytest.approx(np.log2(rk.MatchPolicy().m_id_differs), abs=0.01)
    assert full_bits < bits - 8


def test_too_few_visible_digits_are_no_evidence() -> None:
    level, bits = _wallet_bits("****42")
    assert (level, bits) == ("missing", 0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*73310942", ("", "73310942", True)),
        ("…73310942", ("", "73310942", True)),
        ("尾号0942", ("", "0942", True)),
        ("ending in 0942", ("", "0942", True)),
        ("4200 0000 1234", ("", "420000001234", False)),
        ("ORD-2026-11", ("", "ORD-2026-11", False)),
        ("4200**0942", ("4200", "0942", True)),
    ],
)
def test_visible_id(text: str, expected: tuple[str, str, bool]) -> None:
    assert visible_id(text) == expected


def test_an_order_number_masked_as_a_card_never_agrees_with_another_full_number() -> None:
    """A proof's 18-digit order number that passes the card check is masked by validation (first 6, last 4,
    schema._mask_card_ids); the journal's order numbers that are no card stay whole. A stranger's order
    number sharing those 10 visible digits 'agreed' (suffix 10) and the stranger's sale was matched: the
    proof's own number, had it been in the journal, would have been masked there too."""
    from receiptkit.pan import looks_like_card
    from receiptkit.schema import FullPanWarning

    mine = next(f"62345678901234123{c}" for c in "0123456789" if looks_like_card(f"62345678901234123{c}"))
    other = mine[:6] + "99999990" + mine[-4:]
    assert not looks_like_card(other)
    j = journal(*background(), txn("S", 2500, "10:30:10", order_no=other))
    p = pf("p1", 2500, "10:30:00", kind="wallet", ts_precision="minute", order_no=mine)
    with pytest.warns(FullPanWarning):
        row = row_of(rk.match(proofs(p), j), "p1")
    assert row["status"] != "matched", row["reason"]
    # the same number on both sides is masked alike and still agrees
    j2 = journal(*background(), txn("T", 2500, "10:30:10", order_no=mine))
    with pytest.warns(FullPanWarning):
        row2 = row_of(rk.match(proofs(p), j2), "p1")
    assert (row2["status"], row2["txn_id"]) == ("matched", "T"), row2["reason"]


def test_two_order_numbers_masked_as_cards_agree_only_by_their_last_4() -> None:
    """Both the proof's and a journal row's order numbers pass the card check, so validation masks each to
    first 6 + last 4. Two different numbers then read alike, and the first 6 are what a shop's order numbers
    share (a date, a merchant prefix): the agreement is worth what a screen showing the last 4 is worth, not
    ten digits (before: "suffix 10", 33 bits, more than any other evidence could weigh against)."""
    from receiptkit.pan import looks_like_card
    from receiptkit.schema import FullPanWarning

    mine = next(f"62345678901234123{c}" for c in "0123456789" if looks_like_card(f"62345678901234123{c}"))
    other = next(
        n for n in (f"{mine[:6]}{k:08d}{mine[-4:]}" for k in range(1000)) if looks_like_card(n) and n != mine
    )
    assert other[:6] == mine[:6] and other[-4:] == mine[-4:]

    def order_bits(shown: str, at: str = "10:30:40") -> tuple[str, float]:
        with pytest.warns(FullPanWarning):
            j = journal(*background(), txn("S", 2500, at, order_no=other))
        p = pf("p1", 2500, "10:30:00", kind="wallet", ts_precision="minute", order_no=shown)
        if looks_like_card(shown):
            with pytest.warns(FullPanWarning):
                q = proofs(p)
        else:
            q = proofs(p)
        result = rk.match(q, j)
        table = rk.explain(result, "p1").set_index("field")
        if "best_level" not in table:  # no candidate
            return str(row_of(result, "p1")["status"]), 0.0
        return str(table.at["order_no", "best_level"]), float(table.at["order_no", "best_bits"])

    alike = order_bits(mine)
    assert alike == order_bits("****" + mine[-4:])
    assert alike[0] == "suffix 4"
    # nor is a number masked alike a full key that finds a sale 22 minutes off the proof's minute
    far = order_bits(mine, at="10:52:10")
    assert far == order_bits("****" + mine[-4:], at="10:52:10")
    assert far == ("unmatched", 0.0)
