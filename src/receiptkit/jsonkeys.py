"""JSON objects that name a key twice.

``json`` keeps the last value of a key named twice without a word, while a person (or another reader) sees
the first: an audit line, a pack manifest or a captured message could then say one thing and verify or be
read as another. One decoder hook for every reader of untrusted JSON in the package: it keeps the first
value and marks the object, so each caller decides what a repeat means for it (refuse the line, call the
manifest's signature invalid, refuse one message of a batch).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["DuplicateKeyError", "first_repeat", "loads_once_per_key", "mark_repeats"]

#: set by :func:`mark_repeats` in an object that names a key twice (a key no JSON text can spell)
_TWICE = "\x00key named twice"


class DuplicateKeyError(ValueError):
    """A JSON object names a key twice; ``key`` is the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice")
        self.key = key


def mark_repeats(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook``: the object's pairs as a dict, its first value per key, marked when a key repeats."""
    out: dict[str, Any] = {}
    for key, value in items:
        if key in out:
            out.setdefault(_TWICE, key)
        else:
            out[key] = value
    return out


def first_repeat(value: Any) -> str | None:
    """The first key an object decoded with :func:`mark_repeats` (or one inside it) names twice, else None."""
    if isinstance(value, dict):
        if _TWICE in value:
            return str(value[_TWICE])
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = first_repeat(item)
            if found is not None:
                return found
    return None


def loads_once_per_key(text: str) -> Any:
    """``json.loads`` that raises :class:`DuplicateKeyError` for an object naming a key twice, and
    ``ValueError`` for JSON nested too deeply to read (``[[[[...``), never a ``RecursionError``."""
    try:
        value = json.loads(text, object_pairs_hook=mark_repeats)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    twice = first_repeat(value)
    if twice is not None:
        raise DuplicateKeyError(twice)
    return value
