"""The reconciliation report as one CSV: one row per proof with its verdict.

UTF-8 with a byte-order mark so that Excel opens Chinese text correctly;
text cells neutralised against formula injection.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from receiptkit.spreadsheet import neutralise_frame

__all__ = ["write_csv"]


def write_csv(rows: pd.DataFrame, path: str | os.PathLike[str], left_out: pd.DataFrame | None = None) -> Path:
    """Write the per-proof ``rows`` to the CSV file ``path``, then a row per row the readers ``left_out``.

    A row left out (:func:`receiptkit.reports.intake.left_out_table`) has its file in ``source``, its line in
    ``source_row``, ``skipped`` or ``refused`` in ``status`` and the reader's reason (with the cell it read) in
    ``reason``: the CSV then has a row for every row read.
    """
    target = Path(path)
    out = rows
    if left_out is not None and len(left_out):
        extra = pd.DataFrame(
            {
                "source": left_out["file"].to_numpy(),
                "source_row": left_out["row"].array,
                "status": left_out["left_out"].to_numpy(),
                "reason": [
                    f"{reason}: {column} {value!r}" if column and value is not None else reason
                    for reason, column, value in zip(
                        left_out["reason"], left_out["column"], left_out["value"], strict=True
                    )
                ],
            }
        )
        out = pd.concat(
            [rows.astype({c: object for c in ("source", "status", "reason")}), extra], ignore_index=True
        )
    neutralise_frame(out).to_csv(target, index=False, encoding="utf-8-sig")
    return target
