"""Closing a terminal: settle it, list what is still open, keep every voucher in a sealed pack.

:func:`close_terminal` writes a closing pack for one terminal into a new folder:

==============================  ==========================================================
file                            what
==============================  ==========================================================
``closing.json``                terminal, time, operator, counts, forced or not and why
``settlement_summary.csv``      per batch: counts and sums by channel, type and status
``settlement_batches.csv``      per batch: gross, settled / partly / not_settled, lines
``settlement_lines.csv``        the settlement lines with the journal's figures (if given)
``settlement_differences.csv``  every reconciliation finding (see ``reconcile_settlement``)
``payouts.csv``                 bank credits and the lines each pays (if given)
``open_items.csv``              open pre-authorisations (with age), unsettled refunds,
                                voided sales, declined-only attempts, after-loss rows
``journal_extract.csv/.xlsx``   the terminal's journal (no full card number, formula-safe)
``vouchers.pdf``                every approved transaction as a duplicate slip, A4,
                                several a page, bookmarked by day (streamed)
``audit_head.json``             the audit log's signed head before closing (an anchor)
``manifest.json``               every file's SHA-256, sealed with an HMAC of the merchant key
==============================  ==========================================================

Closing is refused (:class:`ClosingRefused`, nothing written) while a
*blocking* open item or an unsettled batch remains, unless ``force=True`` with
a ``reason``. After the pack is written, a ``close_pack`` event goes to the
audit log (``forced`` and the reason when forced, the manifest's SHA-256
always), and only then is the terminal marked ``closed`` in the register.
The audit log is verified (chain and signed head) before anything is written:
a terminal is not closed over a log that does not verify.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.audit import DEFAULT_PATH, AuditLog, missing_log
from receiptkit.audit import _neutralise as neutralise_cell
from receiptkit.errors import AuditError, ClosingError, ClosingRefused
from receiptkit.money import ensure_sum_fits, format_minor
from receiptkit.pan import mask_pans_in_text
from receiptkit.schema import JOURNAL_COLUMNS, STRING, validate_journal
from receiptkit.terminals.pack import HEAD_NAME, MANIFEST_NAME, file_sha256, write_manifest
from receiptkit.terminals.settlement import Reconciliation, money_rows, reconcile_settlement
from receiptkit.verification import SecretKey, load_key

__all__ = [
    "BLOCKING",
    "CLOSE_EVENT",
    "OPEN_ITEM_KINDS",
    "ClosingError",
    "ClosingPack",
    "ClosingRefused",
    "close_terminal",
    "open_items",
    "summarise_batches",
]

CLOSE_EVENT = "close_pack"
"""Event type of closing packs in the audit log."""
#: What :func:`open_items` lists.
OPEN_ITEM_KINDS = ("preauth_open", "refund_unsettled", "after_loss", "voided_sale", "declined_only")
#: What stops a closing unless forced: open items of these kinds, and unsettled batches.
BLOCKING = ("preauth_open", "refund_unsettled", "after_loss", "batch_not_settled")
OPEN_ITEM_COLUMNS = (
    "kind",
    "blocking",
    "txn_id",
    "ts",
    "age_days",
    "txn_type",
    "status",
    "channel",
    "amount_minor",
    "currency",
    "card_last4",
    "batch_no",
    "related_txn_id",
    "detail",
)
ARCHIVE_REMARK = "终端关闭存档/CLOSING ARCHIVE"


@dataclass
class ClosingPack:
    """What :func:`close_terminal` wrote and found.

    ``folder`` holds the pack; ``files`` maps each file name to its SHA-256;
    ``manifest_sha256`` is the SHA-256 of ``manifest.json`` (also in the audit
    log). ``blocking`` counts what had to be forced (empty when nothing was);
    ``audit_seq`` is the ``close_pack`` row; ``register_status`` is the terminal's
    status afterwards (``None`` when it is not in the register).
    """

    terminal_id: str
    folder: Path
    files: dict[str, str]
    manifest_sha256: str
    vouchers: int
    open_items: pd.DataFrame
    reconciliation: Reconciliation | None
    summary: pd.DataFrame
    blocking: dict[str, int] = field(default_factory=dict)
    forced: bool = False
    reason: str | None = None
    audit_seq: int | None = None
    register_status: str | None = None


# --------------------------------------------------------------------------- open items


def _refs(journal: pd.DataFrame, kinds: Sequence[str]) -> pd.Series:
    """For each row: the approved rows of ``kinds`` that name it as original (by txn_id)."""
    mask = journal["txn_type"].isin(list(kinds)).fillna(False) & (journal["status"] == "approved").fillna(
        False
    )
    children = journal.loc[mask, ["txn_id", "original_txn_id"]].dropna(subset=["original_txn_id"])
    return children.groupby("original_txn_id")["txn_id"].agg(lambda s: ",".join(s))


def _same_auth(journal: pd.DataFrame, preauths: pd.DataFrame) -> pd.Series:
    """Pre-authorisations finished by a completion or void carrying the same auth code and card."""
    finishers = journal[
        journal["txn_type"].isin(["completion", "void"]).fillna(False)
        & (journal["status"] == "approved").fillna(False)
        & journal["auth_code"].notna()
    ]
    if finishers.empty or preauths.empty:
        return pd.Series(pd.NA, index=preauths.index, dtype=STRING)
    key = finishers["auth_code"] + "|" + finishers["card_last4"].fillna("")
    by_key = finishers.assign(key=key).groupby("key")["txn_id"].agg(lambda s: ",".join(s))
    wanted = preauths["auth_code"] + "|" + preauths["card_last4"].fillna("")
    return wanted.map(by_key).astype(STRING)


def open_items(
    journal: pd.DataFrame,
    *,
    now: dt.datetime | pd.Timestamp | None = None,
    settled_txn_ids: Iterable[str] | None = None,
    retry_window: dt.timedelta = dt.timedelta(minutes=30),
    blocking: Sequence[str] = BLOCKING,
) -> pd.DataFrame:
    """What is still open on a terminal's journal, one row per transaction and kind.

    - ``preauth_open``: an approved pre-authorisation no approved completion or
      void names as its original (nor carries its auth code and card), with
      ``age_days`` (from its time to ``now``);
    - ``refund_unsettled``: an approved refund not in ``settled_txn_ids`` (the
      transactions a settlement line covers; ``None``: nothing is shown settled);
    - ``after_loss``: a row marked ``after_loss`` (see
      :mod:`receiptkit.terminals.after_loss`);
    - ``voided_sale``: an approved sale or completion voided afterwards (``related_txn_id``
      names the void);
    - ``declined_only``: a declined or reversed sale with no approved sale of
      the same amount and card (or channel, without a card) within ``retry_window`` after it.

    ``blocking`` marks the kinds that stop a closing unless forced.
    """
    frame = journal
    when = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if when.tzinfo is None:
        raise ClosingError("now must be timezone-aware", value=str(when))
    approved = (frame["status"] == "approved").fillna(False)
    kind = frame["txn_type"]
    parts: list[pd.DataFrame] = []

    def take(mask: pd.Series, name: str, related: pd.Series | None, detail: str | pd.Series) -> None:
        rows = frame[mask.to_numpy(dtype=bool)]
        if rows.empty:
            return
        part = rows[[c for c in OPEN_ITEM_COLUMNS if c in rows.columns]].copy()
        part.attrs = {}
        part["kind"] = name
        part["related_txn_id"] = (
            related[mask.to_numpy(dtype=bool)]
            if related is not None
            else pd.Series(pd.NA, index=rows.index, dtype=STRING)
        ).astype(STRING)
        part["detail"] = pd.Series(
            detail if isinstance(detail, str) else detail[mask.to_numpy(dtype=bool)],
            index=rows.index,
            dtype=STRING,
        )
        part["kind"] = part["kind"].astype(STRING)
        parts.append(part)

    finished = frame["txn_id"].map(_refs(frame, ("completion", "void"))).astype(STRING)
    preauth = (kind == "preauth").fillna(False) & approved
    by_auth = _same_auth(frame, frame[preauth.to_numpy(dtype=bool)]).reindex(frame.index)
    take(preauth & finished.isna() & by_auth.isna(), "preauth_open", None, "never completed or released")

    settled = set(settled_txn_ids) if settled_txn_ids is not None else set()
    refund = (kind == "refund").fillna(False) & approved & ~frame["txn_id"].isin(list(settled))
    take(
        refund,
        "refund_unsettled",
        frame["original_txn_id"],
        "in no settlement line" if settled_txn_ids is not None else "no settlement data",
    )

    if "after_loss" in frame.columns:
        marked = frame["after_loss"].astype("boolean").fillna(False)
        take(marked, "after_loss", None, "after the terminal's reported loss")

    voids = frame["txn_id"].map(_refs(frame, ("void",))).astype(STRING)
    take(
        kind.isin(["sale", "completion"]).fillna(False) & approved & voids.notna(),
        "voided_sale",
        voids,
        "voided afterwards",
    )

    failed = (kind == "sale").fillna(False) & frame["status"].isin(["declined", "reversed"]).fillna(False)
    retried = _retried(frame, failed, retry_window)
    take(failed & retried.isna(), "declined_only", None, "no approved retry of the same amount and card")

    if not parts:
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in OPEN_ITEM_COLUMNS})
    else:
        out = pd.concat(parts, ignore_index=True)
    out["blocking"] = out["kind"].isin(list(blocking))
    ts = pd.to_datetime(out["ts"], utc=True) if len(out) else pd.Series([], dtype="datetime64[ns, UTC]")
    age = (when.tz_convert("UTC") - ts).dt.total_seconds() / 86400
    out["age_days"] = age.round(2).where(out["kind"] == "preauth_open")
    order = {k: i for i, k in enumerate(OPEN_ITEM_KINDS)}
    out = out.assign(_o=out["kind"].map(order)).sort_values(["_o", "ts", "txn_id"], kind="stable")
    out = out.drop(columns="_o").reset_index(drop=True)
    for column in OPEN_ITEM_COLUMNS:
        if column not in out.columns:
            out[column] = pd.NA
    return out[list(OPEN_ITEM_COLUMNS)]


def _retried(frame: pd.DataFrame, failed: pd.Series, window: dt.timedelta) -> pd.Series:
    """For each failed row: the txn_id of an approved sale that retried it, else NA."""
    out = pd.Series(pd.NA, index=frame.index, dtype=STRING)
    if not failed.any():
        return out
    who = frame["card_last4"].fillna("ch:" + frame["channel"].fillna(""))
    key = (
        frame["terminal_id"].fillna("")
        + "|"
        + frame["currency"]
        + "|"
        + frame["amount_minor"].astype(str)
        + "|"
        + who
    )
    good = (frame["txn_type"] == "sale").fillna(False) & (frame["status"] == "approved").fillna(False)
    later = pd.DataFrame({"key": key[good], "ts": frame.loc[good, "ts"], "txn_id": frame.loc[good, "txn_id"]})
    asked = pd.DataFrame({"key": key[failed], "ts": frame.loc[failed, "ts"], "pos": frame.index[failed]})
    later = later.assign(ts=pd.to_datetime(later["ts"], utc=True)).sort_values("ts")
    asked = asked.assign(ts=pd.to_datetime(asked["ts"], utc=True)).sort_values("ts")
    found = pd.merge_asof(
        asked,
        later,
        on="ts",
        by="key",
        direction="forward",
        tolerance=pd.Timedelta(window),
        allow_exact_matches=False,
    )
    out.loc[found["pos"].to_numpy()] = found["txn_id"].to_numpy()
    return out


# --------------------------------------------------------------------------- writing


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Text for spreadsheets: times in ISO 8601, text cells formula-neutralised, NA empty."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            has_tz = getattr(values.dt, "tz", None) is not None
            text = values.map(
                lambda v, has_tz=has_tz: (
                    None
                    if pd.isna(v)
                    else (
                        v.isoformat()
                        if has_tz
                        else v.strftime("%Y-%m-%d")
                        if v == v.normalize()
                        else v.isoformat()
                    )
                )
            )
            out[column] = text.astype(object)
        elif (
            pd.api.types.is_bool_dtype(values.dtype)
            or pd.api.types.is_integer_dtype(values.dtype)
            or pd.api.types.is_float_dtype(values.dtype)
        ):
            out[column] = values.astype(object).where(values.notna(), None)
        else:
            obj = values.astype(object).where(values.notna(), None)
            out[column] = obj.map(lambda v: neutralise_cell(v if isinstance(v, str) or v is None else str(v)))
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    _cells(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """Write-only openpyxl workbook: rows are streamed, memory stays flat."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    cells = _cells(frame)
    ws.append(list(cells.columns))
    for record in cells.itertuples(index=False, name=None):
        ws.append([None if v is None or (isinstance(v, float) and v != v) else v for v in record])
    book.save(path)


def _extract(journal: pd.DataFrame) -> pd.DataFrame:
    """The journal extract: canonical columns (+ after_loss), amount as text too; no full PAN."""
    keep = list(JOURNAL_COLUMNS) + [c for c in ("after_loss", "sources") if c in journal.columns]
    out = journal[keep].copy()
    amount = [format_minor(int(m), str(c)) for m, c in zip(out["amount_minor"], out["currency"], strict=True)]
    out.insert(
        out.columns.get_loc("amount_minor") + 1, "amount", pd.Series(amount, index=out.index, dtype=STRING)
    )
    return out


def summarise_batches(journal: pd.DataFrame) -> pd.DataFrame:
    """Per batch (batch number, else the trading day): counts and sums by channel, type and status.

    ``gross_minor`` is the row's contribution to the settled gross (sales and
    completions +, refunds and voids -, nothing for pre-authorisations and
    unapproved rows).
    """
    ts = journal["ts"]
    day = ts.dt.tz_localize(None).dt.normalize()
    batch = journal["batch_no"].astype(STRING).fillna(("day " + day.dt.strftime("%Y-%m-%d")).astype(STRING))
    money = money_rows(journal)
    contribution = pd.Series(0, index=journal.index, dtype="int64")
    contribution.iloc[money["row"].to_numpy()] = money["signed_minor"].to_numpy()
    frame = pd.DataFrame(
        {
            "terminal_id": journal["terminal_id"],
            "batch": batch,
            "day": day,
            "channel": journal["channel"],
            "txn_type": journal["txn_type"],
            "status": journal["status"],
            "currency": journal["currency"],
            "amount_minor": journal["amount_minor"],
            "gross_minor": contribution,
        }
    )
    ensure_sum_fits(frame["amount_minor"].to_numpy(), what="closing total")
    out = (
        frame.groupby(
            ["terminal_id", "batch", "channel", "txn_type", "status", "currency"], dropna=False, sort=True
        )
        .agg(
            first_day=("day", "min"),
            last_day=("day", "max"),
            count=("amount_minor", "size"),
            amount_minor=("amount_minor", "sum"),
            gross_minor=("gross_minor", "sum"),
        )
        .reset_index()
    )
    out["count"] = out["count"].astype("int64")
    return out


def _slips(
    rows: pd.DataFrame, originals: Mapping[str, Mapping[str, Any]], printed_at: pd.Timestamp
) -> Iterator[Any]:
    """Duplicate slips of the approved rows, made one at a time (the PDF writer streams them)."""
    from receiptkit.slip.document import Slip

    columns = list(rows.columns)
    marked = "after_loss" in columns
    for values in rows.itertuples(index=False, name=None):
        row = dict(zip(columns, values, strict=True))
        remarks = [ARCHIVE_REMARK]
        flag = row.get("after_loss") if marked else None
        if flag is not None and flag is not pd.NA and bool(flag):
            remarks.append("挂失后交易/AFTER REPORTED LOSS")
        original = originals.get(row["original_txn_id"]) if isinstance(row["original_txn_id"], str) else None
        yield Slip.from_transaction(
            row, copy="merchant", printed_at=printed_at, original=original, remarks=remarks
        )


def _write_vouchers(
    journal: pd.DataFrame, path: Path, printed_at: pd.Timestamp, title: str, chunk_pages: int
) -> int:
    from receiptkit.slip.a4 import write_a4_pdf

    approved = journal[(journal["status"] == "approved").to_numpy(dtype=bool)].sort_values(
        ["ts", "txn_id"], kind="stable"
    )
    wanted = set(approved["original_txn_id"].dropna())
    originals = {
        str(r["txn_id"]): r
        for r in journal[journal["txn_id"].isin(list(wanted)).to_numpy(dtype=bool)].to_dict("records")
    }
    if approved.empty:
        return 0
    return write_a4_pdf(
        _slips(approved, originals, printed_at), path, bookmarks="day", chunk_pages=chunk_pages, title=title
    )


# --------------------------------------------------------------------------- the call


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    return value


def _open_log(
    audit: AuditLog | str | os.PathLike[str], key: SecretKey, new_audit_log: bool = False
) -> tuple[AuditLog, bool]:
    """(the log, whether this call opened it). A path or URL only when a log is there, unless
    ``new_audit_log`` (session 19: a mistyped path started a new log, the closing was recorded there and the
    shop's real register kept the terminal active, exit 0)."""
    if isinstance(audit, AuditLog):
        audit._secret_key(key)  # the pack is sealed with the log's key, or refused
        return audit, False
    try:
        return AuditLog(audit, key=key, create=new_audit_log), True
    except AuditError as exc:
        if new_audit_log or not missing_log(exc):
            raise
        raise AuditError(
            "no audit log here: a closing is recorded in the shop's existing audit log, which holds the "
            "terminal register (a new log would not mark the terminal closed, and the pack would anchor a log "
            "nobody keeps); give the right log, or pass new_audit_log=True to start one (a shop with no log yet)",
            file=os.fspath(audit),
        ) from None


def _register_entry(log: AuditLog, register: Any, terminal_id: str, when: pd.Timestamp) -> tuple[Any, Any]:
    """(register or None, the terminal's entry or None), checked before anything is written.

    A closed terminal cannot be closed again, and the closing time may not lie
    before the terminal's last change (a loss report) nor in the future.
    """
    from receiptkit.terminals.register import Terminals

    if register is None:
        return None, None
    found_register = Terminals.existing(log) if register == "auto" else register
    if found_register is None:
        return None, None
    entry = found_register.find(terminal_id)
    if entry is not None and entry.status == "closed":
        raise ClosingError("the terminal is already closed in the register", value=terminal_id)
    if entry is None and register != "auto":
        raise ClosingError("the terminal is not in the register", value=terminal_id)
    if entry is not None:
        earlier = [c.at for c in entry.history if c.at is not None]
        if earlier and when.to_pydatetime() < max(earlier):
            raise ClosingError(
                f"the closing time is before the terminal's last change in the register ({max(earlier).isoformat()})",
                value=when.isoformat(),
            )
        if when > pd.Timestamp.now(tz="UTC") + pd.Timedelta(minutes=1):
            raise ClosingError("the closing time is in the future", value=when.isoformat())
    return found_register, entry


def close_terminal(
    terminal_id: str,
    journal: pd.DataFrame | str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    settlement: Any = None,
    payouts: Any = None,
    operator: str | None = None,
    force: bool = False,
    reason: str | None = None,
    key: SecretKey | bytes | str | os.PathLike[str] | None = None,
    audit: AuditLog | str | os.PathLike[str] = DEFAULT_PATH,
    register: Any = "auto",
    rate: str | Decimal | Mapping[str, str | Decimal] | None = None,
    now: dt.datetime | pd.Timestamp | None = None,
    blocking: Sequence[str] = BLOCKING,
    retry_window: dt.timedelta = dt.timedelta(minutes=30),
    chunk_pages: int = 100,
    journal_options: Mapping[str, Any] | None = None,
    new_audit_log: bool = False,
) -> ClosingPack:
    """Write the closing pack of ``terminal_id`` into the new folder ``out``, then mark it closed.

    ``journal``: a canonical journal or a file :func:`receiptkit.read_journal`
    reads (``journal_options`` go to it: ``preset``, ``tz``, ...); only the rows
    of ``terminal_id`` are used. ``settlement``/``payouts``: as for
    :func:`reconcile_settlement` (settlement lines naming another terminal are
    left out). Without settlement data no batch is shown settled.

    Refused with :class:`ClosingRefused` (nothing written, nothing logged) while
    open items of a ``blocking`` kind or unsettled batches remain, unless
    ``force=True`` with a ``reason``; a forced closing is logged with the reason
    and what was open. ``operator`` is recorded (default: the OS user).
    ``key``: the merchant key sealing the manifest (default: ``RECEIPTKIT_KEY`` /
    ``RECEIPTKIT_KEY_FILE``). ``audit``: the audit log (path, URL or
    :class:`~receiptkit.audit.AuditLog`); a path or URL must hold a log (refused with
    :class:`~receiptkit.errors.AuditError` naming it, before anything is read or written) unless
    ``new_audit_log=True``, which starts one there (an :class:`~receiptkit.audit.AuditLog` object is used
    as opened). ``register``: a
    :class:`~receiptkit.terminals.Terminals`, ``"auto"`` (the register in the
    audit log's database, when there is one and it knows the terminal) or
    ``None`` (not used). Rows after the register's cutoff or after the closing
    time are ``after_loss`` (or-ed with a column the journal has). ``now``: the closing time (default: now), also the
    printed-at time of the archived slips and the reference for ages.
    """
    from receiptkit.readers.journal import read_journal
    from receiptkit.terminals.register import terminal_key

    tid = terminal_key(terminal_id)  # full-width digits typed with a Chinese IME are the journal's own
    if not tid:
        raise ClosingError("terminal_id is required")
    if force and not (reason and reason.strip()):
        raise ClosingError("a forced closing needs a reason")
    if payouts is not None and settlement is None:
        raise ClosingError("payouts are matched to settlement lines: give the settlement file too")
    secret = load_key(key)
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ClosingError("the pack folder exists and is not empty", file=str(folder))
    when = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if when.tzinfo is None:
        raise ClosingError("now must be timezone-aware", value=str(when))
    operator = (operator or "").strip() or getpass.getuser()
    # free text typed at the counter: a card number or expiry date in it never reaches the pack or the log
    operator = mask_pans_in_text(operator)
    reason = mask_pans_in_text(reason) if reason else reason

    log, owns_log = _open_log(
        audit, secret, new_audit_log
    )  # a missing log: refused before the journal is read
    try:
        frame = (
            journal
            if isinstance(journal, pd.DataFrame)
            else read_journal(journal, **dict(journal_options or {}))
        )
        frame = validate_journal(frame)
        keys = (
            frame["terminal_id"].astype(object).map(lambda v: terminal_key(v) if isinstance(v, str) else None)
        )
        own = frame[(keys == tid).to_numpy(dtype=bool)].reset_index(drop=True)
        if own.empty:
            raise ClosingError("no transaction of this terminal in the journal", value=tid)
        own = own.sort_values(["ts", "txn_id"], kind="stable").reset_index(drop=True)
        own.attrs = {}  # the reader's reports (DataFrames) are not part of the pack

        chain = log.verify()
        if not chain.ok or chain.signed_head is None:
            raise ClosingError(
                f"the audit log does not verify ({chain.problem}: {chain.message}); nothing is closed",
                file=log.location,
            )
        found_register, entry = _register_entry(log, register, tid, when)
        own = _mark_after_loss(own, found_register, tid, when)
        reconciliation = None
        settled_ids: set[str] | None = None
        if settlement is not None:
            from receiptkit.readers.settlement import read_settlement

            lines = read_settlement(settlement)  # a frame is validated, a file read
            lines = lines[(lines["terminal_id"].isna() | (lines["terminal_id"] == tid)).to_numpy(dtype=bool)]
            reconciliation = reconcile_settlement(own, lines, payouts, rate=rate)
            settled_ids = set(reconciliation.covered)
        items = open_items(
            own, now=when, settled_txn_ids=settled_ids, retry_window=retry_window, blocking=blocking
        )
        batches = reconciliation.batches if reconciliation is not None else _all_unsettled(own)
        counts = {
            k: int(v) for k, v in items.loc[items["blocking"].astype(bool), "kind"].value_counts().items()
        }
        unsettled = batches[batches["settled"] != "settled"]
        if "batch_not_settled" in blocking and len(unsettled):
            counts["batch_not_settled"] = len(unsettled)
        if counts and not force:
            listed = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            raise ClosingRefused(
                f"cannot close: {listed}; settle or finish them, or force with a reason",
                blocking=counts,
                value=tid,
            )

        folder.mkdir(parents=True, exist_ok=True)
        summary = summarise_batches(own)
        _write_csv(summary, folder / "settlement_summary.csv")
        _write_csv(batches, folder / "settlement_batches.csv")
        if reconciliation is not None:
            _write_csv(reconciliation.lines, folder / "settlement_lines.csv")
            _write_csv(reconciliation.differences, folder / "settlement_differences.csv")
            if payouts is not None:
                _write_csv(reconciliation.payouts, folder / "payouts.csv")
        _write_csv(items, folder / "open_items.csv")
        extract = _extract(own)
        _write_csv(extract, folder / "journal_extract.csv")
        _write_xlsx(extract, folder / "journal_extract.xlsx", "journal")
        printed_at = when.tz_convert(own["ts"].dt.tz)
        vouchers = _write_vouchers(
            own, folder / "vouchers.pdf", printed_at, f"Closing archive {tid}", chunk_pages
        )
        meta = {
            "terminal_id": tid,
            "merchant_id": sorted(set(own["merchant_id"].dropna())),
            "closed_at": when.isoformat(),
            "operator": operator,
            "forced": bool(force and counts),
            "reason": reason.strip() if reason else None,
            "transactions": len(own),
            "vouchers": vouchers,
            "first_ts": own["ts"].min().isoformat(),
            "last_ts": own["ts"].max().isoformat(),
            "batches": {k: int(v) for k, v in batches["settled"].value_counts().items()},
            "open_items": {k: int(v) for k, v in items["kind"].value_counts().items()},
            "blocking": counts,
            "differences": reconciliation.summary() if reconciliation is not None else None,
            "fee_rates": _jsonable(reconciliation.rates) if reconciliation is not None else None,
        }
        (folder / "closing.json").write_text(
            json.dumps(_jsonable(meta), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        (folder / HEAD_NAME).write_text(chain.signed_head.to_json() + "\n", encoding="utf-8")
        manifest = write_manifest(
            folder, key=secret, meta={"terminal_id": tid, "closed_at": when.isoformat()}
        )
        files = {p.name: file_sha256(p) for p in sorted(folder.iterdir()) if p.name != MANIFEST_NAME}
        manifest_hash = file_sha256(manifest)

        forced = bool(force and counts)
        event = log.record(
            CLOSE_EVENT,
            tid,
            {
                "folder": str(folder.resolve()),
                "manifest_sha256": manifest_hash,
                "key_id": secret.key_id,
                "audit_head": {
                    "seq": chain.signed_head.seq,
                    "rows": chain.signed_head.rows,
                    "row_hash": chain.signed_head.row_hash,
                },
                "vouchers": vouchers,
                "transactions": len(own),
                "blocking": counts,
                "reason": reason.strip() if reason else None,
            },
            operator=operator,
            status="forced" if forced else "closed",
            effective_at=when.to_pydatetime(),
        )
        status = None
        if found_register is not None and entry is not None:
            closed = found_register.close(
                tid,
                operator=operator,
                at=when.to_pydatetime(),
                note=(reason.strip() if reason else "closing pack written"),
                details={"manifest_sha256": manifest_hash, "close_pack_seq": event.seq, "forced": forced},
            )
            status = closed.status
    finally:
        if owns_log:
            log.close()
    return ClosingPack(
        terminal_id=tid,
        folder=folder,
        files=files,
        manifest_sha256=manifest_hash,
        vouchers=vouchers,
        open_items=items,
        reconciliation=reconciliation,
        summary=summary,
        blocking=counts if forced else {},
        forced=forced,
        reason=reason.strip() if reason else None,
        audit_seq=event.seq,
        register_status=status,
    )


def _all_unsettled(journal: pd.DataFrame) -> pd.DataFrame:
    from receiptkit.terminals.settlement import journal_batches

    batches = journal_batches(journal)
    batches["covered"] = 0
    batches["line_ids"] = pd.Series(pd.NA, index=batches.index, dtype=STRING)
    batches["settled"] = "not_settled"
    return batches


def _mark_after_loss(
    journal: pd.DataFrame, register: Any, terminal_id: str, closing_at: pd.Timestamp
) -> pd.DataFrame:
    """``after_loss``: the journal's own marks, or-ed with the register's cutoff and the closing time.

    A column marked earlier (while the terminal was still active) may be stale, and a row after the
    closing time is after the terminal's cutoff whatever the register says.
    """
    from receiptkit.terminals.after_loss import mark_after_loss

    cutoff = closing_at.tz_convert("UTC")
    if register is not None:
        entry = register.find(terminal_id)
        if entry is not None and entry.cutoff_at is not None:
            cutoff = min(cutoff, pd.Timestamp(entry.cutoff_at).tz_convert("UTC"))
    out = mark_after_loss(journal.drop(columns=["after_loss"], errors="ignore"), {terminal_id: cutoff})
    if "after_loss" in journal.columns:
        earlier = journal["after_loss"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out["after_loss"] = pd.array(out["after_loss"].to_numpy(dtype=bool) | earlier, dtype="boolean")
    return out
