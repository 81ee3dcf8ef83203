"""The reconciliation report as an Excel workbook (openpyxl).

One sheet per table (:data:`~receiptkit.reports.tables.SHEETS`), header row
frozen, columns sized to their text, confidences shown as percentages. Every
text cell that a spreadsheet could take for a formula is stored as a string cell
(:func:`receiptkit.spreadsheet.inert_text_cells`): text from a proof can never run
as a formula, and is shown as it is (no apostrophe).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from receiptkit.spreadsheet import inert_text_cells, xml_safe_frame

__all__ = ["write_excel"]

_PERCENT_COLUMNS = ("confidence", "margin", "candidate_confidence")


def write_excel(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write ``tables`` (sheet name -> frame) to the ``.xlsx`` file ``path``."""
    target = Path(path)
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, frame in tables.items():
            safe = xml_safe_frame(frame)
            safe.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            inert_text_cells(sheet)
            sheet.freeze_panes = "A2"
            for position, column in enumerate(safe.columns, start=1):
                letter = get_column_letter(position)
                texts = [str(column), *(str(v) for v in safe[column].head(500) if v is not None)]
                width = max(_display_width(t) for t in texts)
                sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
                if column in _PERCENT_COLUMNS:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                        cell.number_format = "0.0%"
    return target


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
