"""Notebook rendering: an explanation as a styled match-weight waterfall.

:func:`styled_explanation` turns the frame of :func:`receiptkit.explain` into
a pandas :class:`~pandas.io.formats.style.Styler`: weights in bits shown with
their sign, green where a field speaks for the candidate and red where it
speaks against, the posterior row in bold. :class:`Explanation` is that
frame with the styled view as its notebook representation; it stays a
:class:`pandas.DataFrame` for everything else.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Explanation", "styled_explanation"]

_BITS = ("best_bits", "runner_up_bits")


def _shade(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    number = float(value)
    strength = min(abs(number) / 10.0, 1.0)
    alpha = 0.15 + 0.55 * strength
    colour = f"rgba(46, 125, 50, {alpha:.2f})" if number > 0 else f"rgba(198, 40, 40, {alpha:.2f})"
    return f"background-color: {colour}" if number else ""


def styled_explanation(table: pd.DataFrame) -> Any:
    """A :class:`pandas.io.formats.style.Styler` of an :func:`receiptkit.explain` table.

    Needs Jinja2 (the ``plot`` extra), as every pandas Styler does.
    """
    frame = pd.DataFrame(table)
    bits = [c for c in _BITS if c in frame.columns]
    styler = frame.style.hide(axis="index")
    # cells hold text from the input (merchant names, references): escaped, never markup
    others = [c for c in frame.columns if c not in bits]
    styler = styler.format({c: lambda v: "" if pd.isna(v) else f"{float(v):+.2f}" for c in bits}, na_rep="")
    styler = styler.format(subset=others, na_rep="", escape="html").format_index(
        escape="html", axis="columns"
    )
    if bits:
        styler = styler.map(_shade, subset=bits)
    last = frame.index[frame["field"].astype(str) == "posterior"] if "field" in frame.columns else []
    if len(last):
        styler = styler.set_properties(subset=pd.IndexSlice[list(last), :], **{"font-weight": "bold"})
    proof_id = table.attrs.get("proof_id")
    if proof_id:
        styler = styler.set_caption(
            f"Evidence for proof {html.escape(str(proof_id))}: weights in bits (log2 likelihood ratio)"
        )
    return styler


class Explanation(pd.DataFrame):
    """An :func:`receiptkit.explain` table that a notebook shows styled.

    It is a DataFrame: indexing, ``to_csv`` and comparisons behave as usual,
    and derived frames are plain DataFrames.
    """

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @property
    def style_waterfall(self) -> Any:
        """The styled view (:func:`styled_explanation`)."""
        return styled_explanation(self)

    def _repr_html_(self) -> str:
        return styled_explanation(self).to_html()
