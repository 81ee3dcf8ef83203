"""Transactions after a terminal's loss: marking them, and the list for the acquirer and the police.

A terminal's **cutoff** is the first time it became ``reported_lost``,
``replaced`` or ``closed`` (see :class:`receiptkit.terminals.Terminals`).
Nothing done with it after that time is vouched for: :func:`mark_after_loss`
adds an ``after_loss`` column to the journal (the matcher then flags such
matches ``after_loss``, and :func:`receiptkit.reprint` refuses them under the
rule ``after_loss``), and :func:`loss_activity` lists them, with
:func:`activity_totals`, for :func:`write_activity` to hand over as ``.xlsx`` or
``.csv``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from receiptkit.audit import AuditLog
from receiptkit.audit import _neutralise as _spreadsheet_safe
from receiptkit.errors import ReceiptkitError, SchemaError
from receiptkit.money import ensure_sum_fits, format_minor
from receiptkit.pan import mask_pan
from receiptkit.schema import JOURNAL_REQUIRED, STRING
from receiptkit.terminals.register import Terminal, Terminals, terminal_key

__all__ = [
    "ACTIVITY_COLUMNS",
    "TOTAL_COLUMNS",
    "activity_summary",
    "activity_totals",
    "loss_activity",
    "mark_after_loss",
    "write_activity",
]

ACTIVITY_COLUMNS = (
    "terminal_id",
    "merchant_id",
    "txn_id",
    "time",
    "minutes_after_loss",
    "txn_type",
    "status",
    "channel",
    "amount",
    "currency",
    "amount_minor",
    "card",
    "card_scheme",
    "issuer",
    "auth_code",
    "rrn",
    "stan",
    "batch_no",
    "wallet_txn_id",
    "order_no",
    "operator_id",
    "sources",
    "reprints",
)
"""Columns of :func:`loss_activity` (``card`` shows at most the first 6 and last 4 digits)."""
TOTAL_COLUMNS = ("currency", "txn_type", "status", "count", "amount_minor", "amount")
"""Columns of :func:`activity_totals`."""

_MONEY_IN = ("sale", "completion")
_MONEY_OUT = ("refund", "void")

CutoffsLike: TypeAlias = Terminals | pd.DataFrame | Mapping[str, Any]


def _cutoff_map(cutoffs: CutoffsLike) -> dict[str, pd.Timestamp]:
    """``terminal_id -> cutoff (UTC)`` from a register, a frame of cutoffs or a mapping."""
    if isinstance(cutoffs, Terminals):
        cutoffs = cutoffs.cutoffs()
    if isinstance(cutoffs, pd.DataFrame):
        if not {"terminal_id", "cutoff_at"} <= set(cutoffs.columns):
            raise SchemaError("cutoffs need the columns terminal_id and cutoff_at")
        items: Iterable[tuple[Any, Any]] = zip(cutoffs["terminal_id"], cutoffs["cutoff_at"], strict=True)
    else:
        items = cutoffs.items()
    out: dict[str, pd.Timestamp] = {}
    for tid, when in items:
        if when is None or pd.isna(when):
            continue
        stamp = pd.Timestamp(when)
        if stamp.tzinfo is None:
            raise SchemaError("a cutoff time must be timezone-aware", column="cutoff_at", value=str(when))
        out[terminal_key(tid)] = stamp.tz_convert("UTC")
    return out


def _terminal_keys(journal: pd.DataFrame) -> pd.Series:
    """The journal's terminal ids as the register keys them (:func:`terminal_key`); missing ones stay missing."""
    ids = journal["terminal_id"].astype(object)
    return ids.map(
        lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else terminal_key(v)
    )


def mark_after_loss(journal: pd.DataFrame, cutoffs: CutoffsLike) -> pd.DataFrame:
    """A copy of ``journal`` with ``after_loss`` (boolean): the row's terminal has a cutoff and ``ts`` is later.

    ``cutoffs``: a :class:`~receiptkit.terminals.Terminals` register, a frame
    with ``terminal_id`` and ``cutoff_at`` (as :meth:`Terminals.cutoffs` gives),
    or a mapping ``terminal_id -> time``. Rows of terminals without a cutoff,
    or without a terminal id, are ``False``.

    >>> import pandas as pd
    >>> journal = pd.DataFrame({"terminal_id": ["T1", "T1", "T2"],
    ...     "ts": pd.to_datetime(["2026-11-20 08:00", "2026-11-20 10:00", "2026-11-20 10:00"]).tz_localize("Asia/Shanghai")})
    >>> lost = {"T1": pd.Timestamp("2026-11-20 09:00", tz="Asia/Shanghai")}
    >>> mark_after_loss(journal, lost)["after_loss"].tolist()
    [False, True, False]
    """
    for column in ("terminal_id", "ts"):
        if column not in journal.columns:
            raise SchemaError(f"the journal has no {column} column", column=column)
    if getattr(journal["ts"].dt, "tz", None) is None:
        raise SchemaError("journal ts must be timezone-aware", column="ts")
    limits = _cutoff_map(cutoffs)
    out = journal.copy()
    terminal = _terminal_keys(journal)
    cutoff = pd.to_datetime(terminal.map(limits), utc=True)
    after = (journal["ts"].dt.tz_convert("UTC") > cutoff).fillna(False)
    out["after_loss"] = pd.array(after.to_numpy(dtype=bool), dtype="boolean")
    return out


def _card(journal: pd.DataFrame) -> pd.Series:
    """The card as at most its first 6 and last 4 digits (``****1234`` when only the last 4 are known)."""
    empty = [None] * len(journal)
    pan = journal["pan_masked"].astype(object).tolist() if "pan_masked" in journal.columns else empty
    last4 = journal["card_last4"].astype(object).tolist() if "card_last4" in journal.columns else empty
    cards = [
        mask_pan(p) if isinstance(p, str) else (f"****{d}" if isinstance(d, str) else None)
        for p, d in zip(pan, last4, strict=True)
    ]
    return pd.Series(cards, index=journal.index, dtype=STRING)


def _reprint_counts(audit: AuditLog | str | os.PathLike[str] | None, txn_ids: pd.Series) -> pd.Series:
    if audit is None:
        return pd.Series(pd.NA, index=txn_ids.index, dtype="Int64")
    log = audit if isinstance(audit, AuditLog) else AuditLog(audit, create=False)
    started = log.rows(event_type="reprint", status="pending")
    counts = started["subject"].value_counts()
    return pd.array(txn_ids.map(counts).fillna(0).astype("int64"), dtype="Int64")


def loss_activity(
    journal: pd.DataFrame,
    terminal_id: str,
    cutoffs: CutoffsLike,
    *,
    since_loss: bool = True,
    audit: AuditLog | str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """The transactions of one terminal after its cutoff (``since_loss=False``: all of them).

    Columns :data:`ACTIVITY_COLUMNS`, oldest first: local ``time`` as text with
    its offset, ``minutes_after_loss`` (negative before the loss), the amount in
    major units as exact text and in minor units, the card masked to at most
    the first 6 and last 4 digits, the identifiers an acquirer needs, the
    journal's ``sources`` when it was rebuilt, and ``reprints`` (how many
    duplicates of it were started, from ``audit``; empty without it).
    ``frame.attrs`` holds plain values: ``terminal_id``, ``cutoff_at`` (ISO
    8601) and, when ``cutoffs`` is a register, ``terminal`` (its register
    entry as a dict, with its ``history``).
    """
    missing = [c for c in (*JOURNAL_REQUIRED, "terminal_id") if c not in journal.columns]
    if missing:
        raise SchemaError(f"the journal is missing column(s): {', '.join(missing)}")
    tid = terminal_key(terminal_id)
    entry: Terminal | None = cutoffs.find(tid) if isinstance(cutoffs, Terminals) else None
    limit = _cutoff_map(cutoffs).get(tid)
    if since_loss and limit is None:
        raise ReceiptkitError(
            "the terminal has no reported loss, replacement or closing in the register",
            column="terminal_id",
            value=tid,
        )
    rows = journal[(_terminal_keys(journal) == tid).to_numpy(dtype=bool)]
    if since_loss:
        rows = rows[rows["ts"].dt.tz_convert("UTC") > limit]
    rows = rows.sort_values(["ts", "txn_id"], kind="stable")
    out = pd.DataFrame(index=rows.index)
    for name in ACTIVITY_COLUMNS:
        if name in rows.columns:
            out[name] = rows[name]
    out["time"] = rows["ts"].map(lambda t: t.isoformat(sep=" ")).astype(STRING)
    if limit is not None:
        minutes = (rows["ts"].dt.tz_convert("UTC") - limit).dt.total_seconds() / 60
        out["minutes_after_loss"] = minutes.round(1)
    else:
        out["minutes_after_loss"] = np.nan
    out["amount"] = [
        format_minor(int(m), str(c)) for m, c in zip(rows["amount_minor"], rows["currency"], strict=True)
    ]
    out["amount"] = out["amount"].astype(STRING)
    out["card"] = _card(rows)
    out["reprints"] = _reprint_counts(audit, rows["txn_id"].astype(str))
    for name in ACTIVITY_COLUMNS:
        if name not in out.columns:
            out[name] = pd.Series(pd.NA, index=out.index, dtype=STRING)
    out = out[list(ACTIVITY_COLUMNS)].reset_index(drop=True)
    out.attrs["terminal_id"] = tid
    out.attrs["cutoff_at"] = None if limit is None else pd.Timestamp(limit).isoformat()
    if entry is not None:
        out.attrs["terminal"] = _terminal_values(entry)  # plain values: attrs must stay JSON
    return out


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _terminal_values(entry: Terminal) -> dict[str, Any]:
    """The register entry as plain values (what the activity workbook's terminal sheet shows)."""
    return {
        "terminal_id": entry.terminal_id,
        "merchant_id": entry.merchant_id,
        "model": entry.model,
        "serial_no": entry.serial_no,
        "acquirer": entry.acquirer,
        "status": entry.status,
        "cutoff_status": entry.cutoff_status,
        "note": entry.note,
        "reported_at": _iso(entry.reported_at),
        "replaced_by": entry.replaced_by,
        "history": [
            {
                "seq": change.seq,
                "status": change.status,
                "at": _iso(change.at),
                "recorded_at": _iso(change.recorded_at),
                "operator": change.operator,
                "note": change.note,
            }
            for change in entry.history
        ],
    }


def activity_totals(activity: pd.DataFrame) -> pd.DataFrame:
    """Counts and sums by currency, type and status, plus a ``net`` line per currency.

    ``net`` is approved sales and completions minus approved refunds and
    voids: what the terminal moved after the loss. Columns :data:`TOTAL_COLUMNS`.
    """
    if activity.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c in ("count", "amount_minor") else STRING) for c in TOTAL_COLUMNS}
        )
    grouped = (
        activity.groupby(["currency", "txn_type", "status"], observed=True, sort=True)["amount_minor"]
        .agg(count="size", amount_minor="sum")
        .reset_index()
    )
    approved = activity[activity["status"] == "approved"]
    sign = np.where(
        approved["txn_type"].isin(_MONEY_IN), 1, np.where(approved["txn_type"].isin(_MONEY_OUT), -1, 0)
    )
    ensure_sum_fits(approved["amount_minor"].to_numpy(), what="total after the loss")
    moved = approved.assign(_signed=approved["amount_minor"].to_numpy() * sign, _moved=sign != 0)
    net = (
        moved.groupby("currency", sort=True)
        .agg(count=("_moved", "sum"), amount_minor=("_signed", "sum"))
        .reset_index()
    )
    net["txn_type"] = "net"
    net["status"] = "approved"
    out = pd.concat([grouped, net[list(grouped.columns)]], ignore_index=True)
    out["count"] = out["count"].astype("int64")
    out["amount_minor"] = out["amount_minor"].astype("int64")
    out["amount"] = [
        format_minor(int(m), str(c)) for m, c in zip(out["amount_minor"], out["currency"], strict=True)
    ]
    for name in ("currency", "txn_type", "status", "amount"):
        out[name] = out[name].astype(STRING)
    return out[list(TOTAL_COLUMNS)]


def _terminal_sheet(activity: pd.DataFrame) -> pd.DataFrame:
    entry: dict[str, Any] | None = activity.attrs.get("terminal")
    cutoff = activity.attrs.get("cutoff_at")
    items: list[tuple[str, Any]] = [("terminal_id", activity.attrs.get("terminal_id"))]
    if entry is not None:
        items += [
            ("merchant_id", entry.get("merchant_id")),
            ("model", entry.get("model")),
            ("serial_no", entry.get("serial_no")),
            ("acquirer", entry.get("acquirer")),
            ("status", entry.get("status")),
            ("cutoff", entry.get("cutoff_status")),
        ]
    items.append(("cutoff_at (UTC)", None if cutoff is None else pd.Timestamp(cutoff).isoformat()))
    if entry is not None:
        items += [("reported_at (UTC)", entry.get("reported_at")), ("replaced_by", entry.get("replaced_by"))]
        for change in entry.get("history", []):
            items.append(
                (
                    f"change {change['seq']}",
                    f"{change['status']} at {change['at'] or '-'} recorded {change['recorded_at']} "
                    f"by {change['operator'] or '-'}: {change['note'] or ''}".strip(),
                )
            )
    items.append(("transactions", len(activity)))
    items.append(("generated_at (UTC)", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    return pd.DataFrame(items, columns=["field", "value"])


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: plain numbers ("-524.00") as they are, other text neutralised."""
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
        return value
    return _spreadsheet_safe(value)


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.attrs = {}
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name].dtype) or pd.api.types.is_bool_dtype(out[name].dtype):
            out[name] = out[name].astype(object).where(out[name].notna(), None).map(_safe_cell)
    return out


def write_activity(activity: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the list from :func:`loss_activity` with its totals to ``.xlsx`` or ``.csv``.

    ``.xlsx``: sheets ``activity``, ``totals`` and ``terminal`` (the register
    entry and its changes). ``.csv`` (UTF-8 with BOM, for Excel): the activity
    rows, a blank line, then the totals table. Text cells that a spreadsheet
    would run as a formula get a leading apostrophe; no card number is longer
    than its first 6 and last 4 digits.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ReceiptkitError("write the activity to .xlsx or .csv", file=str(target))
    totals = activity_totals(activity)
    if suffix == ".csv":
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            _safe(activity).to_csv(handle, index=False)
            handle.write("\n")
            _safe(totals).to_csv(handle, index=False)
    else:
        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            _safe(activity).to_excel(writer, sheet_name="activity", index=False)
            _safe(totals).to_excel(writer, sheet_name="totals", index=False)
            _safe(_terminal_sheet(activity)).to_excel(writer, sheet_name="terminal", index=False)
    return target


def activity_summary(activity: pd.DataFrame) -> list[str]:
    """Short lines for a console: count and net per currency."""
    totals = activity_totals(activity)
    lines = [
        f"{len(activity)} transaction(s) on terminal {activity.attrs.get('terminal_id')} after the cutoff"
    ]
    for _, row in totals[totals["txn_type"] == "net"].iterrows():
        lines.append(f"  {row['currency']}: {row['count']} approved money movement(s), net {row['amount']}")
    return lines
