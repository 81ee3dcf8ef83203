"""The one call POS software makes to reprint a duplicate slip, with its controls.

:func:`reprint` checks the control rules, writes the attempt to the audit log
*before* anything is printed (allocating the reprint number and the
verification code), renders the slip with "Reprint N" and the code, sends it to
the printer and/or writes PDF and PNG, and completes the attempt with the
SHA-256 of every document, or marks it ``failed`` with the error. Calling it
again for a transaction whose last attempt failed retries that attempt (same
number, same code) instead of using a new number.

Control rules (each refusal names its rule, is logged, and can be overridden
only explicitly, with an operator and a reason; an overridden reprint prints the
transaction's status on the slip):

============== ==============================================================
rule           refuses
============== ==============================================================
``ambiguous``  a match verdict ``ambiguous`` (the proof fits several transactions)
``unmatched``  a match verdict ``unmatched``
``confidence`` a match below ``ReprintPolicy.min_confidence``
``declined``   a declined transaction
``reversed``   a reversed transaction
``voided``     a voided transaction, or a sale voided afterwards
``reprint_cap`` more reprints of one transaction than ``ReprintPolicy.cap``
``after_loss`` a transaction on a terminal after its reported loss, replacement
               or closing (the journal's ``after_loss`` column, or the terminal
               register kept in the audit log's database)
``source_conflict`` a row of a rebuilt journal whose sources disagree
               (``merge_conflict``, see :func:`receiptkit.merge_journals`)
============== ==============================================================

A duplicate of a row from a rebuilt journal (one with a ``sources`` column, see
:func:`receiptkit.merge_journals`) says so in its remarks ("data from acquirer
records") and its audit rows name the sources.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from receiptkit.audit import AuditLog, proof_summary
from receiptkit.errors import PrinterError, ReceiptkitError, ReprintRefused

__all__ = ["RULES", "ReprintPolicy", "ReprintRecord", "reprint"]

RULES = (
    "ambiguous",
    "unmatched",
    "confidence",
    "declined",
    "reversed",
    "voided",
    "reprint_cap",
    "after_loss",
    "source_conflict",
)
REBUILT_REMARK = "数据来自收单机构记录/data from acquirer records"
"""The remark on a duplicate of a row from a rebuilt journal (followed by its sources)."""
DEFAULT_AUDIT = "receiptkit-audit.sqlite"


@dataclass(frozen=True)
class ReprintPolicy:
    """Controls on reprints.

    ``min_confidence``: the match confidence a proof-based reprint needs
    (default 0.995, the matcher's own threshold). ``cap``: most reprints of one
    transaction (None: no cap; every number ever allocated counts, printed or
    not). ``template`` and ``width``: slip layout (None: chosen from the
    transaction).
    """

    min_confidence: float = 0.995
    cap: int | None = None
    template: str | None = None
    width: str = "80mm"


@dataclass
class ReprintRecord:
    """What a reprint did: which transaction, which reprint, which outputs."""

    txn_id: str
    reprint_no: int
    attempt_id: int
    short_code: str
    qr_payload: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)  # kind -> SHA-256 of the document
    paths: dict[str, Path] = field(default_factory=dict)
    overridden: tuple[str, ...] = ()
    retried: bool = False


def _is_match_row(row: Mapping[str, Any]) -> bool:
    return (
        "status" in row
        and str(row.get("status")) in ("matched", "ambiguous", "unmatched")
        and "confidence" in row
    )


def _value(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    return None if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)) else value


def _resolve(
    item: Mapping[str, Any] | pd.Series, journal: pd.DataFrame | None
) -> tuple[pd.Series, Mapping[str, Any] | None]:
    """The journal row to print, and the match row when one was given."""
    row = item if isinstance(item, pd.Series) else pd.Series(dict(item))
    if not _is_match_row(row):
        return row, None
    txn_id = _value(row, "txn_id")
    if txn_id is None:
        candidates = _value(row, "candidates") or []
        txn_id = candidates[0][0] if candidates else None
    if journal is None:
        raise ReceiptkitError("a match result row needs journal= to find the transaction to reprint")
    if txn_id is None:
        return pd.Series(dtype=object), row
    found = journal[journal["txn_id"].astype(str) == str(txn_id)]
    if found.empty:
        raise ReceiptkitError("transaction not in the journal", column="txn_id", value=txn_id)
    return found.iloc[0], row


def _violations(
    row: pd.Series, verdict: Mapping[str, Any] | None, journal: pd.DataFrame | None, policy: ReprintPolicy
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if verdict is not None:
        status = str(verdict["status"])
        if status in ("ambiguous", "unmatched"):
            found.append(
                (status, f"the proof's match is {status}: {_value(verdict, 'reason') or ''}".strip())
            )
        elif float(verdict["confidence"]) < policy.min_confidence:
            found.append(
                (
                    "confidence",
                    f"match confidence {float(verdict['confidence']):.4f} is below {policy.min_confidence}",
                )
            )
    if row.empty:
        return found
    status = str(_value(row, "status") or "")
    if status in ("declined", "reversed"):
        found.append((status, f"transaction {row['txn_id']} is {status}"))
    voided = str(_value(row, "txn_type") or "") == "void"
    if not voided and journal is not None and "original_txn_id" in journal.columns:
        later = journal[
            (journal["original_txn_id"].astype(str) == str(row["txn_id"]))
            & (journal["txn_type"] == "void")
            & (journal["status"] == "approved")
        ]
        voided = not later.empty
    if not voided and verdict is not None:
        voided = "voided_later" in str(_value(verdict, "flags") or "")
    if voided:
        found.append(("voided", f"transaction {row['txn_id']} was voided"))
    conflict = _value(row, "merge_conflict")
    if conflict is not None:
        found.append(
            (
                "source_conflict",
                f"the sources of transaction {row['txn_id']} disagree (conflict {conflict}); "
                "see MergedJournal.conflicts",
            )
        )
    return found


def _after_loss(row: pd.Series, log: AuditLog) -> list[tuple[str, str]]:
    """The ``after_loss`` violation: the row is marked so, or the register puts it after the terminal's cutoff."""
    from receiptkit.terminals.register import cutoff_of

    if row.empty:
        return []
    marked = _value(row, "after_loss")
    terminal = cutoff_of(log, _value(row, "terminal_id"))
    ts = _value(row, "ts")
    when = None if ts is None else pd.Timestamp(ts)
    if terminal is not None and when is not None and when.tzinfo is not None and when > terminal.cutoff_at:
        reported = terminal.reported_at
        cutoff = pd.Timestamp(terminal.cutoff_at).tz_convert(when.tz)
        return [
            (
                "after_loss",
                f"transaction {row['txn_id']} at {when.isoformat()} is after terminal {terminal.terminal_id} "
                f"was {terminal.cutoff_status.replace('_', ' ')} at {cutoff.isoformat()}"
                + (f" (written to the register at {reported.isoformat()})" if reported is not None else ""),
            )
        ]
    if marked is not None and bool(marked):
        return [("after_loss", f"transaction {row['txn_id']} is after its terminal's reported loss")]
    return []


def _sources(row: pd.Series) -> list[str] | None:
    """The sources of a row from a rebuilt journal (``sources`` column), else ``None``."""
    value = _value(row, "sources") if not row.empty else None
    if value is None:
        return None
    labels = [part.strip() for part in str(value).split(";") if part.strip()]
    return labels or None


def _open_audit(audit: AuditLog | str | os.PathLike[str] | None) -> AuditLog:
    if isinstance(audit, AuditLog):
        return audit
    return AuditLog(audit if audit is not None else DEFAULT_AUDIT)


def _original(row: pd.Series, journal: pd.DataFrame | None) -> pd.Series | None:
    original_id = _value(row, "original_txn_id")
    if original_id is None or journal is None:
        return None
    found = journal[journal["txn_id"].astype(str) == str(original_id)]
    return None if found.empty else found.iloc[0]


def reprint(
    journal_row_or_match: Mapping[str, Any] | pd.Series,
    *,
    operator: str,
    reason: str,
    journal: pd.DataFrame | None = None,
    printer: Any = None,
    pdf: str | os.PathLike[str] | None = None,
    png: str | os.PathLike[str] | None = None,
    proof: Mapping[str, Any] | pd.Series | None = None,
    audit: AuditLog | str | os.PathLike[str] | None = None,
    policy: ReprintPolicy | None = None,
    override: str | Iterable[str] = (),
    key: Any = None,
    remarks: Iterable[str] = (),
) -> ReprintRecord:
    """Reprint a duplicate slip of one transaction under the control rules.

    ``journal_row_or_match``: a canonical journal row, or a row of
    :func:`receiptkit.match`'s result (then ``journal`` is needed to find the
    transaction). Outputs: ``printer`` (a python-escpos printer object or a
    URL such as ``tcp://10.0.0.5:9100``), ``pdf`` and ``png`` paths; at least
    one. ``audit``: an :class:`~receiptkit.audit.AuditLog` or its path/URL
    (default ``receiptkit-audit.sqlite``). ``key``: the merchant's secret
    key (default: ``RECEIPTKIT_KEY`` or ``RECEIPTKIT_KEY_FILE`` from the
    environment). ``override``: rule names (see :data:`RULES`) the operator
    explicitly overrides; ``operator`` and ``reason`` are always required.

    Raises :class:`~receiptkit.errors.ReprintRefused` naming the rule (the
    refusal is logged), or :class:`~receiptkit.errors.PrinterError` when the
    printer fails (the attempt is logged ``failed``; calling again retries it).
    """
    from receiptkit.printers import print_slip
    from receiptkit.slip import Slip

    policy = policy or ReprintPolicy()
    if not str(operator or "").strip() or not str(reason or "").strip():
        raise ReprintRefused("a reprint needs an operator and a reason", rule="operator_reason")
    overrides = {override} if isinstance(override, str) else set(override)
    unknown = overrides - set(RULES)
    if unknown:
        raise ReceiptkitError(
            f"unknown rule(s) to override: {', '.join(sorted(unknown))}; rules: {', '.join(RULES)}"
        )
    kinds = [k for k, v in (("printer", printer), ("pdf", pdf), ("png", png)) if v is not None]
    if not kinds:
        raise ReceiptkitError("give at least one output: printer=, pdf= or png=")
    row, verdict = _resolve(journal_row_or_match, journal)
    log = _open_audit(audit)
    summary = proof_summary(proof) if proof is not None else None
    confidence = float(verdict["confidence"]) if verdict is not None else None
    txn_label = (
        str(row["txn_id"])
        if not row.empty
        else str(_value(verdict if verdict is not None else {}, "proof_id") or "?")
    )

    violations = _violations(row, verdict, journal, policy) + _after_loss(row, log)
    sources = _sources(row)
    blocking = [(rule, message) for rule, message in violations if rule not in overrides]
    if blocking or row.empty:
        rule, message = blocking[0] if blocking else ("unmatched", "no transaction to reprint")
        raise log.record_refusal(
            txn_label,
            rule=rule,
            message=message,
            operator=operator,
            reason=reason,
            output_kind=kinds,
            proof_summary=summary,
            confidence=confidence,
            sources=sources,
        )
    overridden = tuple(rule for rule, _ in violations)
    if "reprint_cap" in overrides:
        overridden += ("reprint_cap",)

    failed = [a for a in log.unfinished(txn_id=str(row["txn_id"])) if a.state == "failed"]
    if failed:
        attempt = log.retry(failed[0], operator=operator, reason=reason)
        retried = True
    else:
        attempt = log.begin_reprint(
            row,
            operator=operator,
            reason=reason,
            output_kind=kinds,
            proof_summary=summary,
            confidence=confidence,
            key=key,
            override_rule=",".join(overridden) or None,
            sources=sources,
            cap=None if "reprint_cap" in overrides else policy.cap,
        )
        retried = False

    status_note = None
    if overridden:
        status_note = f"{str(row.get('status', '')).upper()} - OVERRIDE: {', '.join(overridden)}"
    slip = Slip.from_transaction(
        row,
        template=policy.template,
        width=policy.width,
        printed_at=pd.Timestamp(attempt.printed_at),
        original=_original(row, journal),
        reprint_no=attempt.reprint_no,
        verification=attempt.code,
        status_note=status_note,
        remarks=(*remarks, *_rebuilt_remarks(sources)),
    )
    digests: dict[str, str] = {}
    paths: dict[str, Path] = {}
    try:
        if pdf is not None:
            data = slip.to_pdf(pdf)
            digests["pdf"] = hashlib.sha256(data).hexdigest()
            paths["pdf"] = Path(pdf)
        if png is not None:
            data = slip.to_png(png)
            digests["png"] = hashlib.sha256(data).hexdigest()
            paths["png"] = Path(png)
        if printer is not None:
            data = print_slip(slip, printer)
            digests["printer"] = hashlib.sha256(data).hexdigest()
    except (PrinterError, OSError) as exc:
        log.complete(attempt, result="failed", error=exc)
        if isinstance(exc, PrinterError):
            raise
        raise PrinterError(f"reprint {attempt.reprint_no} of {row['txn_id']} failed: {exc}") from exc
    log.complete(attempt, document_sha256=digests)
    return ReprintRecord(
        txn_id=str(row["txn_id"]),
        reprint_no=attempt.reprint_no,
        attempt_id=attempt.attempt_id,
        short_code=attempt.code.short_code,
        qr_payload=attempt.code.qr_payload,
        status="printed",
        outputs=digests,
        paths=paths,
        overridden=overridden,
        retried=retried,
    )


def _rebuilt_remarks(sources: list[str] | None) -> tuple[str, ...]:
    if not sources:
        return ()
    return (REBUILT_REMARK, "来源/sources: " + ", ".join(sources))
