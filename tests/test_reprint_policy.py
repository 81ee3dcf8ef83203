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
