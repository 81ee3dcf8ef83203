"""Cells that are safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return), also in their full-width forms ``＝``, ``＋``, ``－``, ``＠`` (which
spreadsheets in East Asian locales take as the ASCII signs) and after any
leading spaces (ASCII, no-break, ideographic, zero-width), is run as a formula
by Excel, LibreOffice and Google Sheets when the file is opened: text from a
customer's proof or a journal must never be. :func:`neutralise` prefixes such text with an
apostrophe, which spreadsheets show as plain text; it also replaces the control
characters that XML (and so ``.xlsx``) cannot hold.

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise("  -12")
"'  -12"
>>> neutralise("128.50"), neutralise(-5)
('128.50', -5)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["FORMULA_START", "neutralise", "neutralise_frame"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""Leading characters that make a spreadsheet treat a text cell as a formula (ASCII and full-width)."""
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What may stand before the sign: any whitespace (ASCII, no-break, ideographic...; a tab or carriage return is
# a sign itself) and the invisible zero-width characters and byte-order mark.
_LEADING_BLANK = re.compile(r"(?:[^\S\t\r]|[\u200b-\u200d\u2060\ufeff])*")


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell; only text is changed."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XML.sub("\ufffd", value)
    blank = _LEADING_BLANK.match(value)
    if value.startswith(FORMULA_START) or value[blank.end() if blank else 0 :].startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (in ``columns``, default all) are neutralised.

    Missing values become ``None`` in the neutralised columns, so writers leave
    those cells empty.
    """
    out = frame.copy()
    for name in out.columns if columns is None else columns:
        series = out[name]
        if not (
            pd.api.types.is_object_dtype(series)
            or pd.api.types.is_string_dtype(series)
            or isinstance(series.dtype, pd.CategoricalDtype)
        ):
            continue
        out[name] = series.astype(object).where(series.notna(), None).map(neutralise)
    return out
