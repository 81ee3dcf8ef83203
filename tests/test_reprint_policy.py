"""``ReprintPolicy`` checks every parameter when it is made (newcomer 19, G12).

``min_confidence=nan`` silently switched rule ``confidence`` off (every comparison with NaN is false), and
``min_confidence=2`` / ``cap=1.5`` / ``cap="2"`` were accepted and failed only at reprint time: a bad value read
from a POS configuration must be refused where it is made, naming the parameter and the value.
"""

from __future__ import annotations

import math

import pytest

from receiptkit.errors import PolicyError
from receiptkit.reprinting import ReprintPolicy


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_confidence", math.nan),
        ("min_confidence", math.inf),
        ("min_confidence", 2),
        ("min_confidence", -0.1),
        ("min_confidence", "0.99"),
        ("min_confidence", True),
        ("cap", 1.5),
        ("cap", "2"),
        ("cap", -1),
        ("cap", True),
        ("template", "receipt"),
        ("width", "76mm"),
        ("require_proof", "no"),
        ("printer_timeout", 0),
        ("printer_timeout", math.nan),
        ("printer_timeout", -5.0),
    ],
)
def test_a_bad_parameter_is_refused_when_the_policy_is_made(name, value):
    with pytest.raises(PolicyError) as caught:
        ReprintPolicy(**{name: value})
    text = str(caught.value)
    assert f"ReprintPolicy.{name}" in text and repr(value) in text


def test_good_parameters_are_kept():
    import numpy as np

    policy = ReprintPolicy(
        min_confidence=0.995, cap=np.int64(3), template="wallet", width="58mm", printer_timeout=2
    )
    assert policy.min_confidence == 0.995 and policy.cap == 3 and isinstance(policy.cap, int)
    assert ReprintPolicy(cap=0).cap == 0 and ReprintPolicy(min_confidence=1).min_confidence == 1.0
    assert ReprintPolicy().cap is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("width", ["80mm"]),
        ("width", {"80mm": 1}),
        ("width", None),
        ("template", {}),
        ("template", ["wallet"]),
        ("min_confidence", [0.9]),
        ("cap", [2]),
        ("printer_timeout", {"s": 2}),
    ],
)
def test_a_value_of_the_wrong_type_is_a_policy_error_never_a_bare_type_error(name, value):
    """Review 19, §9: ``ReprintPolicy(width=['80mm'])`` and ``template={}`` raised ``TypeError: unhashable
    type`` from the lookup in the table of widths or templates, naming neither the field nor the value."""
    with pytest.raises(PolicyError) as caught:
        ReprintPolicy(**{name: value})
    text = str(caught.value)
    assert f"ReprintPolicy.{name}: {value!r} is not" in text, text
    assert caught.value.column == name


def test_whole_and_decimal_numbers_from_a_config_file_are_kept():
    """Review 19, §9: ``Decimal('0.9')`` was "not a confidence between 0 and 1" and ``cap=2.0`` "not a whole
    number": both are, as a config file gives them."""
    from decimal import Decimal
    from fractions import Fraction

    assert ReprintPolicy(min_confidence=Decimal("0.9")).min_confidence == 0.9
    assert ReprintPolicy(min_confidence=Fraction(9, 10)).min_confidence == 0.9
    assert ReprintPolicy(cap=2.0).cap == 2 and isinstance(ReprintPolicy(cap=2.0).cap, int)
    assert ReprintPolicy(cap=Decimal("3")).cap == 3
    assert ReprintPolicy(printer_timeout=Decimal("2.5")).printer_timeout == 2.5
    for bad in (Decimal("1.5"), Decimal("NaN"), Decimal("sNaN"), math.inf, 2.5):
        with pytest.raises(PolicyError, match="whole number"):
            ReprintPolicy(cap=bad)
    with pytest.raises(PolicyError, match="between 0 and 1"):
        ReprintPolicy(min_confidence=Decimal("1.5"))
