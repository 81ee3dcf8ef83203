"""Proofs already in the canonical layout: a CSV or Parquet file of a proofs frame.

What ``receiptkit demo`` writes, what ``proofs.to_csv(index=False)`` or
``proofs.to_parquet()`` of any proofs frame writes, and what another system
can produce directly when it knows the columns (``docs/proofs.md``). The file
is checked by :func:`receiptkit.schema.validate_proofs`; an error names the
file, the line (the header is line 1) and the column. A CSV row with fewer
or more cells than the header is refused at its line before anything is read
(pandas would pad a short row with empty cells, or stop at line 1). A header
of more than ``MAX_COLUMNS`` (1,024) columns is refused before the body is read.
A file that does not end with a line break is refused at its last row: it may
have been cut inside it (``...,CNY,356`` for ``3561``).
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError
from receiptkit.readers.proofbase import NO_ROWS, RejectedRowsWarning
from receiptkit.readers.table import (
    CUT_ROW_REASON,
    MAX_COLUMNS,
    Problem,
    problems_frame,
    short_row_problem,
    source_name,
)
from receiptkit.schema import (
    PROOF_REQUIRED,
    control_cells,
    control_reason,
    currency_cells,
    currency_reason,
    validate_proofs,
)

__all__ = ["read", "sniff"]

_PARQUET_MAGIC = "PAR1"


def sniff(head: str) -> bool:
    """True for Parquet, or for a CSV whose header names the required proof columns."""
    if head.startswith(_PARQUET_MAGIC):
        return True
    first = head.split("\n", 1)[0].strip().lstrip("\ufeff")
    return set(PROOF_REQUIRED) <= {cell.strip().strip('"') for cell in first.split(",")}


def _check_shape(data: bytes, name: str) -> None:
    """Refuse the first row whose cell count differs from the header's, naming its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProofError("cannot be decoded as utf-8", file=name, row=line) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    header: list[str] | None = None
    start = 1
    last: tuple[int, list[str]] | None = None  # the last data row
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record or not any(cell.strip() for cell in record):
                continue
            if header is not None:
                last = (line, record)
            if header is None:
                header = record
                _check_width(len(header), name)
                continue
            if len(record) < len(header):
                problem = short_row_problem(line, len(record), header)
                raise ProofError(problem.reason, file=name, row=line, column=problem.column)
            if len(record) > len(header):
                raise ProofError(
                    f"row has {len(record)} cells but the header has {len(header)} columns",
                    file=name,
                    row=line,
                    value=record[len(header)],
                )
    except csv.Error as exc:
        raise ProofError(f"not a valid CSV ({exc})", file=name, row=start) from None
    if last is not None and header is not None and not text.rstrip(" \t").endswith(("\n", "\r")):
        line, record = last
        raise ProofError(
            CUT_ROW_REASON, file=name, row=line, column=header[len(record) - 1], value=record[-1]
        )


def _check_width(columns: int, name: str) -> None:
    """Refuse a header wider than :data:`~receiptkit.readers.table.MAX_COLUMNS` before the body is read.

    A proofs frame has about twenty columns; 20,000 empty ones took pandas and the checks half a
    minute to read for nothing.
    """
    if columns > MAX_COLUMNS:
        raise ProofError(
            f"the header has {columns:,} columns (at most {MAX_COLUMNS:,} are read)", file=name, row=1
        )


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    name: str | None = None,
    **_options: Any,
) -> pd.DataFrame:
    """Read a canonical proofs CSV or Parquet file.

    ``strict=False`` leaves out a row whose text holds a control character or whose currency is no ISO 4217
    code, listed in ``rejected(frame)`` (before session 16 they refused the whole file); every other bad
    cell refuses the file in both modes, naming its line.
    """
    name = name or source_name(source)
    data = Path(source).read_bytes() if isinstance(source, str | Path) else bytes(source)
    parquet = data.startswith(_PARQUET_MAGIC.encode())
    if not parquet:
        _check_shape(data, name)
    try:
        if parquet:
            import pyarrow.parquet as pq

            _check_width(pq.read_metadata(io.BytesIO(data)).num_columns, name)
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            frame = pd.read_csv(
                io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
            )
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ProofError(f"not a readable proofs table ({exc})", file=name, row=1) from None
    if frame.empty:  # a proofs file with no rows holds no proof (as every proof export with none)
        raise ProofError(NO_ROWS, file=name, row=1)
    problems = [] if strict else _row_problems(frame)
    kept = list(range(len(frame)))  # the position in the file of each row still in the frame
    bad: list[int] = []
    if problems:
        bad = sorted({p.row - 2 for p in problems})  # line n holds data row n - 1, position n - 2
        kept = [k for k in kept if k not in set(bad)]
        frame = frame.iloc[kept]
    try:
        out = validate_proofs(frame, tz=tz)
    except ReceiptkitError as exc:
        row = exc.row
        if row is not None:  # data row n (of those left) is line n + 1 of the file
            row = kept[int(row) - 1] + 2 if 0 < int(row) <= len(kept) else int(row) + 1
        raise ProofError(exc.reason, file=name, row=row, column=exc.column, value=exc.value) from None
    if problems:
        out.attrs["rejected"] = problems_frame(problems, name)
        warnings.warn(
            f"{name}: {len(bad)} row(s) rejected; see receiptkit.rejected(frame)",
            RejectedRowsWarning,
            stacklevel=3,
        )
    return out


def _row_problems(frame: pd.DataFrame) -> list[Problem]:
    """The rows ``strict=False`` leaves out: a text cell holding a control character, a currency that is no
    ISO 4217 code (by line: data row n is line n + 1)."""
    problems = [
        Problem(position + 2, column, value, control_reason(value))
        for position, column, value in control_cells(frame, [c for c in frame.columns if c != "raw"])
    ]
    problems += [
        Problem(position + 2, "currency", value, currency_reason(value))
        for position, value in currency_cells(frame)
    ]
    return sorted(problems, key=lambda p: (p.row, p.column))
