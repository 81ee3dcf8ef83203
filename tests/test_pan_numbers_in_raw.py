"""A card number kept in a proof's ``raw`` as a number (int, float, numpy, Decimal), or nested, is masked as text is.

Session 19: ``raw={"卡号": 6222021234567890128}`` (a dict built in Python, or read by a caller's own reader)
came out of ``validate_proofs`` / ``read_proofs`` whole: only strings were scanned (session 18 converted long
numbers only in raw given as JSON text). The same number as text was masked (``622202*********0128``).
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

import receiptkit as rk
from receiptkit.errors import SchemaError
from receiptkit.pan import find_full_pans, mask_pans_deep
from receiptkit.schema import validate_proofs

PAN = 6222021234567890128  # Luhn-valid, UnionPay prefix, 19 digits
VISA = 4111111111111111  # 16 digits, exactly representable as a float

BASE = {
    "proof_id": "P1",
    "kind": "bank_statement",
    "ts": pd.Timestamp("2026-11-20 14:32", tz="Asia/Shanghai"),
    "amount_minor": 12850,
    "currency": "CNY",
    "direction": "debit",
}


def _proofs(raw: Any) -> pd.DataFrame:
    return pd.DataFrame([{**BASE, "raw": raw}])


def _leaks(value: Any) -> list[str]:
    return find_full_pans(repr(value), strict=True) + [d for d in (str(PAN), str(VISA)) if d in repr(value)]


@pytest.mark.parametrize(
    "raw",
    [
        {"卡号": PAN},
        {"card": float(VISA)},
        {"card": np.int64(PAN)},
        {"card": np.float64(VISA)},
        {"card": Decimal(PAN)},
        {"lines": [{"卡号": PAN}]},
        {"lines": [[VISA]]},
        {"lines": (PAN,)},
        {"nested": {"deeper": {"card": VISA}}},
    ],
    ids=[
        "int",
        "float",
        "np.int64",
        "np.float64",
        "Decimal",
        "list-of-dict",
        "list-of-list",
        "tuple",
        "dict-in-dict",
    ],
)
def test_numbers_in_raw_are_masked_as_text_is(raw: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = validate_proofs(_proofs(raw))
    assert _leaks(out["raw"].iloc[0]) == [], out["raw"].iloc[0]
    assert "0128" in repr(out["raw"].iloc[0]) or "1111" in repr(out["raw"].iloc[0])  # masked, not dropped


def test_a_number_is_masked_exactly_as_the_same_digits_as_text() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        as_number = validate_proofs(_proofs({"卡号": PAN}))["raw"].iloc[0]
        as_text = validate_proofs(_proofs({"卡号": str(PAN)}))["raw"].iloc[0]
    assert as_number == as_text == {"卡号": "622202*********0128"}


def test_numbers_that_are_no_card_are_kept_as_they_are() -> None:
    raw = {"amount": 128.5, "count": 3, "order": 20261120143206, "big": 10**20, "flag": True, "ratio": 0.25}
    assert mask_pans_deep(raw) is raw  # the same object: nothing to mask (not Luhn-valid cards, or not 13-19)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = validate_proofs(_proofs(raw))["raw"].iloc[0]
    assert out == raw


def test_a_float_in_raw_json_text_is_masked() -> None:
    """Raw given as JSON text: session 18 made its long ints text; a float became '6.222021234567891e+18'."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = validate_proofs(_proofs('{"card": 6222021234567890128.0, "visa": 4111111111111111.0}'))
    raw = out["raw"].iloc[0]
    # the float's own (rounded) digits: 6.222021234567890128e18 is 6222021234567889920
    assert raw == {"card": "622202*********9920", "visa": "411111******1111"}, raw


def test_read_proofs_of_a_frame_and_match_and_find_never_pass_it_through() -> None:
    journal = rk.validate_journal(
        pd.DataFrame(
            [
                {
                    "txn_id": "A",
                    "merchant_id": "898310058120001",
                    "merchant_name": "瑞幸咖啡(国贸店)",
                    "terminal_id": "10000001",
                    "ts": pd.Timestamp("2026-11-20 14:32:05", tz="Asia/Shanghai"),
                    "amount_minor": 12850,
                    "currency": "CNY",
                    "txn_type": "sale",
                    "status": "approved",
                    "channel": "card",
                    "card_last4": "0128",
                }
            ]
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proofs = rk.read_proofs(_proofs({"卡号": PAN, "more": [{"card": VISA}]}))
        assert _leaks(proofs.to_dict("records")) == []
        result = rk.match(proofs, journal)
        ranked = rk.find(journal, proofs)
    for frame in (result, ranked):
        assert _leaks(frame.to_dict("records")) == [] and _leaks(frame.attrs) == []


def test_an_error_quoting_a_number_masks_it() -> None:
    error = SchemaError("not a card", column="note", value=PAN)
    assert str(PAN) not in str(error) and "0128" in str(error)
