"""Proofs already in the canonical layout: a CSV or Parquet file of a proofs frame.

What ``receiptkit demo`` writes, what ``proofs.to_csv(index=False)`` or
``proofs.to_parquet()`` of any proofs frame writes, and what another system
can produce directly when it knows the columns (``docs/proofs.md``). The file
is checked by :func:`receiptkit.schema.validate_proofs`; an error names the
file, the line (the header is line 1) and the column.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.readers.table import source_name
from receiptkit.schema import PROOF_REQUIRED, validate_proofs

__all__ = ["read", "sniff"]

_PARQUET_MAGIC = "PAR1"


def sniff(head: str) -> bool:
    """True for Parquet, or for a CSV whose header names the required proof columns."""
    if head.startswith(_PARQUET_MAGIC):
        return True
    first = head.split("\n", 1)[0].strip().lstrip("\ufeff")
    return set(PROOF_REQUIRED) <= {cell.strip().strip('"') for cell in first.split(",")}


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    name: str | None = None,
    **_options: Any,
) -> pd.DataFrame:
    """Read a canonical proofs CSV or Parquet file (``strict`` has nothing to relax here)."""
    name = name or source_name(source)
    data = Path(source).read_bytes() if isinstance(source, str | Path) else bytes(source)
    try:
        if data.startswith(_PARQUET_MAGIC.encode()):
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            frame = pd.read_csv(
                io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
            )
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ProofError(f"not a readable proofs table ({exc})", file=name, row=1) from None
    try:
        return validate_proofs(frame, tz=tz)
    except ReceiptkitError as exc:
        row = None if exc.row is None else int(exc.row) + 1  # data row n is line n + 1
        raise ProofError(exc.reason, file=name, row=row, column=exc.column, value=exc.value) from None
