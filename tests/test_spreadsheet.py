"""Spreadsheet cells: text that a spreadsheet would run as a formula is stored inert."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from receiptkit.spreadsheet import neutralise, neutralise_frame


@pytest.mark.parametrize(
    "text",
    [
        '＝HYPERLINK("http://evil.example","x")',  # full-width signs, as a Chinese IME types them
        "＋1+1",
        "－2+3",
        "＠SUM(A1)",
        "\u3000=1+1",  # the ideographic space before the sign
        "\u00a0=1+1",  # a no-break space
        "\n=1+1",
        " \u3000＋cmd",
        "\ufeff=1+1",  # a byte-order mark or a zero-width space is no text either
        "\u200b@SUM(A1)",
        "\tTAB",  # a tab or carriage return first is itself a formula start
        " \rCR",
    ],
)
def test_full_width_signs_and_any_leading_space_are_neutralised(text: str) -> None:
    """Only ASCII signs after ASCII spaces were caught: '＝HYPERLINK(...)' or '\u3000=1+1' from a customer's
    proof or a merchant name reached the report cells unguarded."""
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["１２８.５０", "上海＝老街", "a=b", " plain", "\u3000中文", "128.50"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_a_full_width_formula_in_a_workbook_is_stored_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    frame = neutralise_frame(pd.DataFrame({"merchant_text": ["＝1+1", "\u3000=1+1", "老街馄饨"]}))
    target = tmp_path / "cells.xlsx"
    frame.to_excel(target, index=False)
    cells = [c.value for (c,) in load_workbook(target).active.iter_rows(min_row=2, max_col=1)]
    assert cells == ["'＝1+1", "'\u3000=1+1", "老街馄饨"]
