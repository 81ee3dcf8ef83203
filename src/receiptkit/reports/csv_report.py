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


def write_csv(rows: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the per-proof ``rows`` to the CSV file ``path``."""
    target = Path(path)
    neutralise_frame(rows).to_csv(target, index=False, encoding="utf-8-sig")
    return target
