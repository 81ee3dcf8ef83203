"""find(journal, amount=...) reads a typed amount in the journal's currency, as `receiptkit find` does.

Before session 14 the keywords made a CNY proof whatever the journal held: a Hong Kong shop's 128.50 was
unmatched against its HKD 128.50 sale, and with a kept HKD:CNY billing rate and the counter's learned prior
it was matched to an HKD 139.67 sale (128.50 / 0.92), "on time same".
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import receiptkit as rk

from .conftest import background, journal, txn

HK = "Asia/Hong_Kong"
COUNTER = rk.MatchPolicy(fx_rates={("HKD", "CNY"): Decimal("0.92")}, prior_absent_by_kind={"manual": 0.01})


def _hkd(sale_minor: int, *extra: dict) -> object:
    rows = [{**row, "currency": "HKD"} for row in background()]
    return journal(*rows, txn("HX", sale_minor, "14:32:10", currency="HKD", card_last4="4321", tz=HK), *extra)


def test_a_typed_amount_is_in_the_journals_only_currency():
    ranked = rk.find(_hkd(12850), amount="128.50", time="2026-11-20 14:32", tz=HK, ref="2026-11-21")
    assert ranked.attrs["verdict"]["status"] == "matched" and str(ranked["txn_id"].iloc[0]) == "HX"
    assert ranked.attrs["verdict"]["proof_id"]  # the proof was made in HKD:
    assert (
        rk.find(
            _hkd(12850), amount="128.50", time="2026-11-20 14:32", tz=HK, ref="2026-11-21", currency="HKD"
        )["proof_id"].iloc[0]
        == ranked["proof_id"].iloc[0]
    )


def test_a_kept_billing_rate_does_not_turn_a_typed_amount_into_another_sale():
    ranked = rk.find(
        _hkd(13967), amount="128.50", time="2026-11-20 14:32", tz=HK, ref="2026-11-21", policy=COUNTER
    )
    assert ranked.attrs["verdict"]["status"] != "matched", ranked.attrs["verdict"]["reason"]


def test_an_explicit_currency_wins():
    ranked = rk.find(
        _hkd(13967),
        amount="128.50",
        time="2026-11-20 14:32",
        tz=HK,
        ref="2026-11-21",
        currency="CNY",
        policy=COUNTER,
    )
    assert ranked.attrs["verdict"]["status"] == "matched"  # said CNY: a card billed in CNY, converted


def test_a_journal_of_several_currencies_needs_the_currency():
    mixed = _hkd(12850, txn("C1", 5000, "10:00:00"))  # a CNY sale
    with pytest.raises(rk.ProofError) as info:
        rk.find(mixed, amount="128.50", time="2026-11-20 14:32", tz=HK, ref="2026-11-21")
    assert info.value.column == "currency" and "CNY" in info.value.reason and "HKD" in info.value.reason
    index = rk.JournalIndex(mixed)
    ranked = rk.find(index, amount="128.50", time="2026-11-20 14:32", tz=HK, ref="2026-11-21", currency="HKD")
    assert str(ranked["txn_id"].iloc[0]) == "HX"
