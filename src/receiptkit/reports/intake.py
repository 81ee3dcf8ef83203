"""What a reconciliation was read from: per file the rows read, the proofs, and the rows left out.

A reader leaves out rows that are not payments (PayPal conversions and withdrawals, Stripe payouts: *skipped*)
and, with ``strict=False``, bad rows (*refused*); :func:`receiptkit.read_proofs` records the counts per file in
``attrs["read"]`` and the rows in ``attrs["skipped"]``/``["rejected"]`` (:mod:`receiptkit.frames`). The report
shows them, so that an accountant ties each file's row count to the report: ``rows = proofs + skipped +
refused``. Proofs with no reader's report (built in Python, or frames joined with ``pd.concat``, which drops
``attrs`` that differ) are counted on a row of their own, their left-out rows "not known", never zero.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from receiptkit.frames import read_records, side_report

__all__ = ["FILES_COLUMNS", "LEFT_OUT_COLUMNS", "NO_REPORT", "files_table", "left_out_table"]

FILES_COLUMNS = ("file", "rows", "proofs", "skipped", "refused", "note")
"""Columns of the ``files`` sheet."""
LEFT_OUT_COLUMNS = ("file", "row", "left_out", "column", "value", "reason")
"""Columns of the ``left out`` sheet: ``left_out`` is ``skipped`` (not a payment) or ``refused`` (a bad row)."""
NO_REPORT = (
    "no reader's report: rows skipped or refused not known (proofs built in Python, or frames joined with "
    "pd.concat, which drops attrs that differ: use receiptkit.concat_proofs, or give reconcile the list of frames)"
)


def _count(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def files_table(proofs: pd.DataFrame) -> pd.DataFrame:
    """One row per file read: ``file, rows, proofs, skipped, refused, note`` (:data:`FILES_COLUMNS`).

    From ``proofs.attrs["read"]``; proofs the records do not account for (more or fewer than the files
    gave: a frame filtered after reading, or proofs of no reader) are on a last row with a note, so the
    ``proofs`` column always adds up to the proofs reconciled.
    """
    rows: list[dict[str, Any]] = []
    for record in read_records(proofs):
        skipped, refused = _count(record.get("skipped")), _count(record.get("refused"))
        known = skipped is not None and refused is not None
        rows.append(
            {
                "file": record.get("file"),
                "rows": _count(record.get("rows")) if known else None,
                "proofs": _count(record.get("proofs")) or 0,
                "skipped": skipped,
                "refused": refused,
                "note": "" if known else NO_REPORT,
            }
        )
    other = len(proofs) - sum(r["proofs"] for r in rows)
    if other > 0:
        sources = sorted({str(s) for s in proofs["source"].dropna()}) if "source" in proofs.columns else []
        rows.append(
            {
                "file": ", ".join(sources[:5]) + (", …" if len(sources) > 5 else "")
                if not rows
                else "(other)",
                "rows": None,
                "proofs": other,
                "skipped": None,
                "refused": None,
                "note": NO_REPORT,
            }
        )
    elif other < 0:
        rows.append(
            {
                "file": "(not reconciled)",
                "rows": None,
                "proofs": other,
                "skipped": None,
                "refused": None,
                "note": f"{-other} proof(s) read from the files above are not in the frame reconciled "
                "(taken out after reading)",
            }
        )
    frame = pd.DataFrame(rows, columns=list(FILES_COLUMNS))
    for column in ("rows", "proofs", "skipped", "refused"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["file"] = frame["file"].astype(object)
    frame["note"] = frame["note"].astype(object)
    return frame


def left_out_table(proofs: pd.DataFrame) -> pd.DataFrame:
    """Every row a reader left out: ``file, row, left_out, column, value, reason`` (:data:`LEFT_OUT_COLUMNS`).

    Skipped rows first, in file and row order, then refused rows, one per row (its bad cells' columns,
    values and reasons joined with ``; ``).
    """
    skipped = side_report(proofs, "skipped").assign(left_out="skipped")
    rejected = side_report(proofs, "rejected")
    if len(rejected):
        rejected = (
            rejected.astype({"column": object, "value": object, "reason": object})
            .fillna("")
            .groupby(["file", "row"], sort=True, dropna=False)
            .agg(lambda cells: "; ".join(str(c) for c in cells if str(c)))
            .reset_index()
        )
    rejected = rejected.assign(left_out="refused")
    out = pd.concat([skipped, rejected], ignore_index=True) if len(rejected) else skipped
    out = out[list(LEFT_OUT_COLUMNS)].reset_index(drop=True)
    out["row"] = out["row"].astype("Int64")
    for column in ("file", "left_out", "column", "value", "reason"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out
