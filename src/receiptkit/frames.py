"""Side reports kept beside a frame, as plain values: frames that behave like any pandas frame.

Readers report rejected and skipped rows, ``match`` the clock offsets it
found. pandas documents ``DataFrame.attrs`` as experimental: it compares the
attrs of the frames it concatenates or merges, deep-copies them on most
operations and writes them to Parquet as JSON. So receiptkit keeps only plain
JSON-serialisable values there (strings, numbers, lists and dicts of them),
never a DataFrame or another object:

- ``frame.attrs["rejected"]`` / ``["skipped"]``: a list of ``{"file", "row",
  "column", "value", "reason"}`` dicts, one per bad cell or skipped row;
- ``frame.attrs["read"]`` (proofs read by :func:`receiptkit.read_proofs`): a list of ``{"file", "rows",
  "proofs", "skipped", "refused"}`` dicts, one per file read: every row (entry) the reader read is a proof,
  skipped (not a payment) or refused (a bad row, ``strict=False``), so ``rows = proofs + skipped + refused``;
- ``result.attrs["clock_offsets"]``: a list of ``{"terminal_id", "offset_s",
  "votes", "used"}`` dicts.

:func:`side_report` (and the shortcuts :func:`rejected`, :func:`skipped`,
:func:`clock_offsets`) turn one back into a DataFrame.

``pd.concat`` keeps ``attrs`` only when every frame's are equal, so frames of
several files lose their reports there. :func:`concat_proofs` concatenates
them with the reports merged (and :func:`receiptkit.reconcile` takes the list
of frames itself); :func:`rejected` and :func:`skipped` also take several
frames, and warn on a frame that carries no reader's report at all.

>>> import pandas as pd
>>> a = pd.DataFrame({"x": [1]})
>>> a.attrs["rejected"] = [{"file": "a.csv", "row": 3, "column": "金额", "value": "x", "reason": "not an amount"}]
>>> b = pd.DataFrame({"x": [2]}); b.attrs["rejected"] = []
>>> len(pd.concat([a, b])), rejected(a)["row"].tolist()
(2, [3])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.pan import is_expiry_column

__all__ = [
    "REPORT_COLUMNS",
    "NoReportWarning",
    "clock_offsets",
    "concat_proofs",
    "jsonable",
    "offsets_records",
    "read_record",
    "read_records",
    "rejected",
    "report_frame",
    "report_records",
    "side_report",
    "skipped",
]

#: Columns of a rejected/skipped report.
REPORT_COLUMNS = ("file", "row", "column", "value", "reason")
#: The side reports a reader leaves in a proofs frame's attrs (merged by :func:`concat_proofs`).
READ_REPORTS = ("read", "rejected", "skipped")


class NoReportWarning(UserWarning):
    """A frame carries no reader's report (``read``, ``rejected``, ``skipped``): what a reader left out of it
    cannot be told (``pd.concat`` of frames from several files drops them: use :func:`concat_proofs`)."""


_OFFSET_COLUMNS = ("offset_s", "votes", "used")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: numpy scalars to Python, NaN/NA/NaT to None, tuples to lists."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def report_records(problems: Iterable[Any], source: str, *, mask: Any = None) -> list[dict[str, Any]]:
    """Problems (anything with ``row, column, value, reason``) as a sorted list of plain dicts.

    ``mask`` (optional) is applied to each value's text (card numbers).
    """
    out = []
    for p in sorted(problems, key=lambda p: (p.row, str(p.column))):
        value = p.value
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            text = None
        else:
            text = str(value)
            if mask is not None:
                text = mask(text)
            if is_expiry_column(p.column):  # an expiry year alone (2031) has nothing a mask could find
                text = "****"
        out.append(
            {
                "file": str(source),
                "row": int(p.row),
                "column": None if p.column is None else str(p.column),
                "value": text,
                "reason": str(p.reason),
            }
        )
    return out


def report_frame(records: Sequence[Mapping[str, Any]] | None) -> pd.DataFrame:
    """A rejected/skipped report (list of dicts) as a DataFrame with :data:`REPORT_COLUMNS`."""
    records = list(records or [])
    return pd.DataFrame(
        {
            "file": pd.Series([r.get("file") for r in records], dtype="string"),
            "row": pd.Series([r.get("row") for r in records], dtype="int64"),
            "column": pd.Series([r.get("column") for r in records], dtype="string"),
            "value": pd.Series([r.get("value") for r in records], dtype="string"),
            "reason": pd.Series([r.get("reason") for r in records], dtype="string"),
        },
        columns=list(REPORT_COLUMNS),
    )


def offsets_records(offsets: pd.DataFrame) -> list[dict[str, Any]]:
    """The matcher's clock offsets frame (indexed by terminal) as a list of plain dicts."""
    out = []
    for terminal, row in offsets.iterrows():
        record = {"terminal_id": str(terminal)}
        for column in _OFFSET_COLUMNS:
            if column in offsets.columns:
                record[column] = jsonable(row[column])
        out.append(record)
    return out


def _offsets_frame(records: Sequence[Mapping[str, Any]] | None) -> pd.DataFrame:
    records = list(records or [])
    frame = pd.DataFrame(
        {
            "offset_s": pd.array([r.get("offset_s") for r in records], dtype="float64"),
            "votes": pd.array([r.get("votes") for r in records], dtype="float64"),
            "used": pd.array([bool(r.get("used")) for r in records], dtype="bool"),
        },
        index=pd.Index([r.get("terminal_id") for r in records], name="terminal_id", dtype=object),
    )
    frame["votes"] = frame["votes"].astype("float64")
    frame["offset_s"] = frame["offset_s"].astype("float64")
    if len(frame) and frame["offset_s"].notna().all() and (frame["offset_s"] % 1 == 0).all():
        frame["offset_s"] = frame["offset_s"].astype("int64")
    return frame


def side_report(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """One side report of ``frame`` as a DataFrame: ``"rejected"``, ``"skipped"`` or ``"clock_offsets"``.

    An empty report (with its columns) when the frame carries none.
    """
    value = frame.attrs.get(name)
    if isinstance(value, pd.DataFrame):  # a frame made before receiptkit kept plain values
        return value.copy()
    if name == "clock_offsets":
        return _offsets_frame(value)
    return report_frame(value)


def _reports(frames: tuple[pd.DataFrame, ...], name: str) -> pd.DataFrame:
    parts = []
    for frame in frames:
        if not any(key in frame.attrs for key in READ_REPORTS):
            warnings.warn(
                f"a frame of {len(frame)} row(s) carries no reader's report: the rows its reader {name} "
                "cannot be told (pd.concat keeps attrs only when every frame's are equal: use "
                "receiptkit.concat_proofs, or give receiptkit.skipped/rejected each reader's frame)",
                NoReportWarning,
                stacklevel=3,
            )
        parts.append(side_report(frame, name))
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True) if parts else report_frame([])


def rejected(*frames: pd.DataFrame) -> pd.DataFrame:
    """Rows a reader left out with ``strict=False``: ``file, row, column, value, reason``.

    Several frames (each reader's, before they are concatenated) give their reports one after the other.
    """
    return _reports(frames, "rejected")


def skipped(*frames: pd.DataFrame) -> pd.DataFrame:
    """Rows a reader skipped as not transactions (payouts, fees): ``file, row, column, value, reason``.

    Several frames (each reader's, before they are concatenated) give their reports one after the other;
    a frame with no reader's report at all (one ``pd.concat`` made of several files' frames) warns
    :class:`NoReportWarning`.
    """
    return _reports(frames, "skipped")


def read_record(frame: pd.DataFrame, file: str) -> dict[str, Any]:
    """What a reader read from ``file`` into ``frame``: ``{"file", "rows", "proofs", "skipped", "refused"}``.

    ``skipped``: rows left out as not payments; ``refused``: rows left out as bad (``strict=False``), each row
    once however many of its cells were bad; ``rows`` is their sum with the proofs.
    """
    skipped_rows = len(report_frame(_records(frame, "skipped")))
    refused = {(r.get("file"), r.get("row")) for r in _records(frame, "rejected")}
    return {
        "file": str(file),
        "rows": len(frame) + skipped_rows + len(refused),
        "proofs": len(frame),
        "skipped": skipped_rows,
        "refused": len(refused),
    }


def _records(frame: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    value = frame.attrs.get(name)
    if isinstance(value, pd.DataFrame):  # a frame made before receiptkit kept plain values
        return [dict(r) for r in value.to_dict("records")]
    return [dict(r) for r in value or []]


def read_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The files a proofs frame was read from (``attrs["read"]``): one plain dict per file, see :func:`read_record`."""
    return _records(frame, "read")


def concat_proofs(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Proofs frames of several files as one, with their readers' reports merged in ``attrs``.

    ``pd.concat`` keeps ``attrs`` only when every frame's are equal, so the rows each reader skipped or
    refused vanish from ``rejected``/``skipped`` of its result. Here ``attrs["read"]``, ``["rejected"]`` and
    ``["skipped"]`` are the frames' lists one after the other (a frame with no ``read`` record adds one
    naming its sources, with its skipped and refused rows unknown: ``None``); any other key is kept when
    every frame holds the same value, as pandas does. The rows are ``pd.concat(frames, ignore_index=True)``.

    >>> import receiptkit as rk
    >>> a = rk.proof("12.00", "2026-11-20 14:32"); a.attrs["skipped"] = [
    ...     {"file": "a.csv", "row": 3, "column": "Type", "value": "Withdrawal", "reason": "not a payment"}]
    >>> both = concat_proofs([a, rk.proof("8.00", "2026-11-20 15:00")])
    >>> len(both), skipped(both)["row"].tolist()
    (2, [3])
    """
    frames = list(frames)
    out = pd.concat([_bare(f) for f in frames], ignore_index=True) if frames else pd.DataFrame()
    attrs: dict[str, Any] = {key: [] for key in READ_REPORTS}
    for frame in frames:
        records = read_records(frame)
        if not records and len(frame):
            sources = sorted({str(s) for s in frame["source"].dropna()}) if "source" in frame.columns else []
            records = [
                {
                    "file": ", ".join(sources) or None,
                    "rows": None,
                    "proofs": len(frame),
                    "skipped": None,
                    "refused": None,
                }
            ]
        attrs["read"] += records
        attrs["rejected"] += _records(frame, "rejected")
        attrs["skipped"] += _records(frame, "skipped")
    others = [{k: v for k, v in f.attrs.items() if k not in READ_REPORTS} for f in frames]
    if others and all(o == others[0] for o in others):
        attrs.update(others[0])
    out.attrs = jsonable(attrs)
    return out


def _bare(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame, copy=False)
    out.attrs = {}
    return out


def clock_offsets(result: pd.DataFrame) -> pd.DataFrame:
    """The per-terminal clock offsets of a :func:`receiptkit.match` result (``offset_s, votes, used``).

    A terminal whose clock jumped mid-month has one row (its latest piece's
    offset) and its pieces in ``attrs["clock_segments"]`` (plain values, as in
    the result's attrs): ``JournalIndex(journal, clock_offsets=rk.clock_offsets(result))``
    and ``match(..., clock_offsets=...)`` correct its rows by the pieces.
    """
    frame = side_report(result, "clock_offsets")
    pieces = result.attrs.get("clock_segments")
    if pieces:
        frame.attrs["clock_segments"] = pieces
    return frame
