"""The reconciliation report as an Excel workbook (openpyxl).

One sheet per table (:data:`~receiptkit.reports.tables.SHEETS`), header row
frozen, columns sized to their text, confidences shown as percentages, amounts as numbers in their
currency's format (written from the exact decimal text; Excel holds them as binary floating point, exact to
the cent below 2^53 minor units: ``amount_minor`` beside them is the exact integer). Every
text cell that a spreadsheet could take for a formula is stored as a string cell
(:func:`receiptkit.spreadsheet.inert_text_cells`): text from a proof can never run
as a formula, and is shown as it is (no apostrophe).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from receiptkit.spreadsheet import inert_text_cells, xml_safe_frame

__all__ = ["write_excel"]

_PERCENT_COLUMNS = ("confidence", "margin", "candidate_confidence")
# amount columns and the column naming each one's currency: written as numbers in the currency's format
_AMOUNT_COLUMNS = {
    "amount": "currency",
    "txn_amount": "txn_currency",
    "candidate_amount": "candidate_currency",
}


def _numbers(amounts: pd.Series, currencies: pd.Series) -> tuple[list[Decimal | None], list[str | None]]:
    """Exact amount texts (``128.50``, written by :func:`receiptkit.money.format_minor`) as Decimals, with
    each one's number format: the currency's decimals and its code (``#,##0.00 "CNY"``)."""
    values: list[Decimal | None] = []
    formats: list[str | None] = []
    for text, currency in zip(amounts, currencies, strict=True):
        if not isinstance(text, str) or not text:
            values.append(None)
            formats.append(None)
            continue
        value = Decimal(text)
        exponent = value.as_tuple().exponent
        decimals = max(-exponent, 0) if isinstance(exponent, int) else 0
        code = (
            str(currency) if isinstance(currency, str) and currency.isalpha() and len(currency) == 3 else ""
        )
        values.append(value)
        formats.append("#,##0" + ("." + "0" * decimals if decimals else "") + (f' "{code}"' if code else ""))
    return values, formats


def write_excel(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write ``tables`` (sheet name -> frame) to the ``.xlsx`` file ``path``."""
    target = Path(path)
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, frame in tables.items():
            safe = xml_safe_frame(frame)
            formats: dict[str, list[str | None]] = {}
            for amount, currency in _AMOUNT_COLUMNS.items():
                if amount in safe.columns and currency in safe.columns:
                    values, formats[amount] = _numbers(safe[amount], safe[currency])
                    safe[amount] = pd.Series(values, index=safe.index, dtype=object)
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
                if column in formats:
                    cells = sheet.iter_rows(min_row=2, min_col=position, max_col=position)
                    for (cell,), number_format in zip(cells, formats[column], strict=False):
                        if number_format:
                            cell.number_format = number_format
    return target


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
