"""Frames carried in another frame's ``attrs``, safe for pandas to compare.

Readers report rejected and skipped rows in ``frame.attrs["rejected"]`` and
``frame.attrs["skipped"]``; ``match`` keeps its clock offsets in
``result.attrs["clock_offsets"]``. pandas compares the ``attrs`` of the frames
it concatenates (``pd.concat``) to decide whether to keep them, and a plain
DataFrame there makes that comparison raise "The truth value of a DataFrame is
ambiguous". :class:`AttachedFrame` compares as a whole, so proofs read from a
WeChat bill and an Alipay bill concatenate like any two frames.

>>> import pandas as pd
>>> a = pd.DataFrame({"x": [1]}); a.attrs["rejected"] = attach(pd.DataFrame({"row": [3]}))
>>> b = pd.DataFrame({"x": [2]}); b.attrs["rejected"] = attach(pd.DataFrame({"row": [7]}))
>>> len(pd.concat([a, b]))
2
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["AttachedFrame", "attach"]


class AttachedFrame(pd.DataFrame):
    """A DataFrame kept in another frame's ``attrs``.

    It behaves as a DataFrame in every way except ``==`` and ``!=`` with
    another DataFrame, which compare the whole frame (:meth:`DataFrame.equals`)
    and give one bool. Anything derived from it (a selection, a copy, a
    computation) is a plain DataFrame again.
    """

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        if isinstance(other, pd.DataFrame):
            return self.equals(other)
        return super().__eq__(other)

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        if isinstance(other, pd.DataFrame):
            return not self.equals(other)
        return super().__ne__(other)

    __hash__ = None  # type: ignore[assignment]


def attach(frame: pd.DataFrame) -> AttachedFrame:
    """``frame`` as an :class:`AttachedFrame`, ready to store in ``attrs``."""
    attached = AttachedFrame(frame)
    attached.attrs = {}
    return attached
