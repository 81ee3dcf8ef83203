"""MatchPolicy refuses a parameter out of its range with a PolicyError naming it (never a NaN or -inf weight)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

import receiptkit as rk
from receiptkit.errors import PolicyError, ReceiptkitError

from .conftest import journal, pf, proofs, row_of, txn


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"match_threshold": 1.5}, "match_threshold"),
        ({"match_threshold": 0.0}, "match_threshold"),
        ({"match_threshold": math.nan}, "match_threshold"),
        ({"prior_absent": 0}, "prior_absent"),
        ({"m_bank_not_terminal_card_sale": -1}, "m_bank_not_terminal_card_sale"),
        ({"m_merchant_other_brand": 0.0}, "m_merchant_other_brand"),
        ({"m_last4": math.inf}, "m_last4"),
        ({"m_time_day": (0.4, 0.0)}, "m_time_day[1]"),
        ({"m_time_minute": ()}, "m_time_minute"),
        ({"candidate_floor": 1.0}, "candidate_floor"),
        ({"coincidence_prior": 1.2}, "coincidence_prior"),
        ({"coincidence_rate_prior_weight": -1.0}, "coincidence_rate_prior_weight"),
        ({"channel_wallet_ratio": 0}, "channel_wallet_ratio"),
        ({"keep_pairs": 0}, "keep_pairs"),
        ({"rate_window_s": -1}, "rate_window_s"),
        ({"merchant_strong": 101}, "merchant_strong"),
        ({"fx_tolerance": Decimal("-0.01")}, "fx_tolerance"),
        ({"match_threshold": True}, "match_threshold"),
        ({"match_threshold": "0.99"}, "match_threshold"),
    ],
)
def test_a_parameter_out_of_range_is_a_typed_error_naming_it(changes: dict, named: str) -> None:
    with pytest.raises(PolicyError) as caught:
        rk.MatchPolicy(**changes)
    assert f"MatchPolicy.{named}:" in str(caught.value)
    assert isinstance(caught.value, (ReceiptkitError, ValueError))


def test_replace_checks_too() -> None:
    with pytest.raises(PolicyError, match="min_margin"):
        rk.MatchPolicy().replace(min_margin=2.0)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"coincidence_prior": 0.0},  # switches the estimate of payments made elsewhere off
        {"coincidence_prior_weight": 0, "coincidence_rate_prior_weight": 0, "completeness_prior_weight": 0},
        {"rate_window_s": 0, "bank_post_lag_days": 0},
        {"match_threshold": 1.0, "min_margin": 1.0},
        {"fx_tolerance": 0.02, "fx_fee_max": Decimal("0")},
        {"m_merchant_other_brand": 1e-12},
    ],
)
def test_values_at_the_ends_of_their_ranges_are_accepted(changes: dict) -> None:
    policy = rk.MatchPolicy(**changes)
    for name, value in changes.items():
        assert getattr(policy, name) == value


def test_a_valid_policy_still_matches() -> None:
    j = journal(txn("T", 12850, "14:32:10", card_last4="4321"))
    result = rk.match(proofs(pf("p", 12850, "14:32:00", ts_precision="minute", card_last4="4321")), j)
    strict = rk.match(
        proofs(pf("p", 12850, "14:32:00", ts_precision="minute", card_last4="4321")),
        j,
        policy=rk.MatchPolicy(match_threshold=1.0),
    )
    assert row_of(result, "p")["status"] == "matched"
    assert row_of(strict, "p")["status"] != "matched"  # a threshold of 1 is no certainty a proof can reach
