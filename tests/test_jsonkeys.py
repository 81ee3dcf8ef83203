"""One hook for JSON objects that name a key twice (receiptkit.jsonkeys)."""

from __future__ import annotations

import json

import pytest

from receiptkit.jsonkeys import DuplicateKeyError, first_repeat, loads_once_per_key, mark_repeats


def test_a_key_named_twice_is_refused_naming_it_never_read_as_its_last_value() -> None:
    assert json.loads('{"amount": "128.50", "amount": "1.00"}')["amount"] == "1.00"  # what json does
    with pytest.raises(DuplicateKeyError) as info:
        loads_once_per_key('{"amount": "128.50", "amount": "1.00"}')
    assert info.value.key == "amount"


def test_a_repeat_deep_inside_is_found_and_the_first_value_kept() -> None:
    value = json.loads('[{"a": 1}, {"b": {"c": 1, "c": 2}}]', object_pairs_hook=mark_repeats)
    assert first_repeat(value) == "c" and value[1]["b"]["c"] == 1
    assert first_repeat(json.loads('{"a": [1, {"b": 2}]}', object_pairs_hook=mark_repeats)) is None


def test_json_nested_too_deeply_is_a_value_error_not_a_crash() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        loads_once_per_key("[" * 100_000 + "]" * 100_000)
