"""The one call POS software makes to reprint a duplicate slip, with its controls.

:func:`reprint` checks the control rules, writes the attempt to the audit log
*before* anything is printed (allocating the reprint number and the
verification code), renders the slip with "Reprint N" and the code, sends it to
the printer and/or writes PDF and PNG, and completes the attempt with the
SHA-256 of every document. The attempt ends ``printed`` only when the printer
confirmed the job by process ID (see :mod:`receiptkit.printers`); ``unconfirmed``
when the bytes left but the printer did not confirm the printing, a clear status
after the job included (the clerk is told to check the printer;
:class:`~receiptkit.errors.PrintUnconfirmed` is raised; a clerk who saw the
duplicate come out records it with :meth:`receiptkit.audit.AuditLog.confirm`); and
``failed`` with the error otherwise. Calling it again for a transaction whose
last attempt failed or is unconfirmed retries that attempt (same number, same
code, no new number against the cap) instead of using a new number.
A printer address is checked before anything is written to the audit log.

Control rules (each refusal names its rule, is logged, and can be overridden
only explicitly, with an operator and a reason; an overridden reprint prints the
transaction's status on the slip):

============== ==============================================================
rule           refuses
============== ==============================================================
``ambiguous``  a match verdict ``ambiguous`` (the proof fits several transactions),
               or a candidate row of :func:`receiptkit.find` that the verdict did not
               pick (``verdict`` ``ambiguous``, or ``matched`` but not ``chosen``)
``unmatched``  a match verdict ``unmatched``, or a candidate row of a proof whose
               verdict is ``unmatched`` (it fits no transaction)
``confidence`` a match below ``ReprintPolicy.min_confidence``
``declined``   a declined transaction
``reversed``   a reversed transaction
``voided``     a voided transaction, or a sale voided afterwards
``refunded``   a sale refunded in full afterwards (approved refunds whose
               ``original_txn_id`` is the sale, :func:`receiptkit.refunds.refund_state`);
               overridden, and always for a partly refunded sale, the slip
               carries a ``REFUNDED 已退款`` / ``PARTLY REFUNDED 部分退款`` line
``refund_unsure`` a sale the journal names refunds of but cannot say what was given
               back (another currency, another terminal or merchant, before the
               sale, one refund id on rows that differ, more than the sale:
               :class:`receiptkit.refunds.RefundUnsure`); overridden, the slip
               says ``REFUND UNSURE 退款未明`` with the refunds as logged
``reprint_cap`` more reprints of one transaction than ``ReprintPolicy.cap``
``after_loss`` a transaction on a terminal after its reported loss, replacement
               or closing (the journal's ``after_loss`` column, or the terminal
               register kept in the audit log's database)
``source_conflict`` a row of a rebuilt journal whose sources disagree
               (``merge_conflict``, see :func:`receiptkit.merge_journals`)
``proof_required`` a reprint not identified by a matched proof, under
               ``ReprintPolicy(require_proof=True)``
``same_proof`` a second duplicate of a transaction from the same proof (the
               same proof summary, whatever its ``proof_id``, or the same whole
               wallet transaction or order number) after one was printed: its
               holder has a duplicate already (a replayed screen)
``no_journal`` a journal row reprinted without ``journal=`` (nor a :class:`Lookup`, which
               carries its journal): a void or refund is its own row pointing at
               the sale, so whether it was voided or refunded cannot be checked;
               overridden, the slip and the log say ``OVERRIDE: no_journal``
============== ==============================================================

How the transaction was identified is part of every reprint record (the
attempt or refusal in the audit log, and :attr:`ReprintRecord.identification`):
``proof`` (a match result row, or a :func:`receiptkit.find` candidate row, with
its ``proof_id`` and confidence), a journal reference the clerk looked up with
:func:`lookup` (``txn_id``, ``stan``: the 凭证号/trace number on its terminal,
``rrn``), or ``journal_row`` (a journal row passed without saying how it was
found).

A duplicate of a row from a rebuilt journal (one with a ``sources`` column, see
:func:`receiptkit.merge_journals`) says so in its remarks ("data from acquirer
records") and its audit rows name the sources.
"""

from __future__ import annotations

import contextlib
import decimal
import hashlib
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from receiptkit.audit import Attempt, AuditLog, interrupts_held, missing_log, proof_summary
from receiptkit.errors import (
    JournalError,
    PrinterError,
    PrintUnconfirmed,
    ReceiptkitError,
    ReprintInterrupted,
    ReprintRefused,
)
from receiptkit.refunds import RefundState, RefundStatus, RefundUnsure, refund_state
from receiptkit.verification import canonical_fields, load_key

__all__ = [
    "IDENTIFIED_BY",
    "RULES",
    "Identification",
    "Lookup",
    "ReprintPolicy",
    "ReprintRecord",
    "lookup",
    "reprint",
]

RULES = (
    "ambiguous",
    "unmatched",
    "confidence",
    "declined",
    "reversed",
    "voided",
    "refunded",
    "refund_unsure",
    "reprint_cap",
    "after_loss",
    "source_conflict",
    "proof_required",
    "same_proof",
    "no_journal",
)
IDENTIFIED_BY = ("proof", "txn_id", "stan", "rrn", "journal_row")
"""How a transaction to reprint can be identified (see :class:`Identification`)."""
_VERDICTS = ("matched", "ambiguous", "unmatched")
REBUILT_REMARK = "数据来自收单机构记录/data from acquirer records"
"""The remark on a duplicate of a row from a rebuilt journal (followed by its sources)."""
DEFAULT_AUDIT = "receiptkit-audit.sqlite"


def _match_threshold() -> float:
    """The matcher's own ``matched`` threshold: the default reprint minimum (one source of truth)."""
    from receiptkit.matching.policy import MatchPolicy

    return float(MatchPolicy().match_threshold)


@dataclass(frozen=True)
class ReprintPolicy:
    """Controls on reprints.

    ``min_confidence``: the match confidence a proof-based reprint needs
    (default: the matcher's own threshold, ``MatchPolicy().match_threshold``,
    read from the policy so that what the matcher calls ``matched`` is never
    refused for its confidence; a higher minimum given here is kept, and
    ``receiptkit find`` then says a match below it is below the reprint
    minimum instead of offering the reprint). ``cap``: most reprints of one
    transaction (None: no cap; every number ever allocated counts, printed or
    not). ``template`` and ``width``: slip layout (None: chosen from the
    transaction). ``require_proof``: refuse (rule ``proof_required``) every
    reprint not identified by a matched proof, such as a clerk's look-up by
    trace number or RRN. ``printer_timeout``: seconds to wait for the
    printer's answers (plus the job's length at the drain rate for its
    confirmation, see :mod:`receiptkit.printers`).
    """

    min_confidence: float = field(default_factory=_match_threshold)
    cap: int | None = None
    template: str | None = None
    width: str = "80mm"
    require_proof: bool = False
    printer_timeout: float = 10.0

    def __post_init__(self) -> None:
        """Every parameter checked when the policy is made: a :class:`~receiptkit.errors.PolicyError` naming it
        and its value (newcomer 19, G12: ``min_confidence=nan`` switched rule ``confidence`` off without a word,
        since no confidence is below NaN; ``cap=1.5`` failed only at reprint time)."""
        from receiptkit.errors import PolicyError
        from receiptkit.slip.document import WIDTHS
        from receiptkit.slip.templates import TEMPLATES

        def refuse(name: str, value: Any, wanted: str) -> PolicyError:
            return PolicyError(f"ReprintPolicy.{name}: {value!r} is not {wanted}", column=name, value=value)

        confidence = _as_real(self.min_confidence)
        if confidence is None or not 0.0 <= confidence <= 1.0:  # NaN fails the range too
            raise refuse("min_confidence", self.min_confidence, "a confidence between 0 and 1")
        object.__setattr__(self, "min_confidence", confidence)
        if self.cap is not None:
            cap = _as_whole(self.cap)
            if cap is None or cap < 0:
                raise refuse("cap", self.cap, "None (no cap) or a whole number of reprints, 0 or more")
            object.__setattr__(self, "cap", cap)
        # a list or a dict is not a name (review 19, §9: `not in TEMPLATES` raised a bare TypeError, unhashable)
        if self.template is not None and (
            not isinstance(self.template, str) or self.template not in TEMPLATES
        ):
            raise refuse("template", self.template, f"None or one of {', '.join(TEMPLATES)}")
        if not isinstance(self.width, str) or self.width not in WIDTHS:
            raise refuse("width", self.width, f"one of {', '.join(WIDTHS)} (one width, as text)")
        if not isinstance(self.require_proof, bool):
            raise refuse("require_proof", self.require_proof, "True or False")
        timeout = _as_real(self.printer_timeout)
        if timeout is None or not 0.0 < timeout < math.inf:
            raise refuse("printer_timeout", self.printer_timeout, "a number of seconds above 0")
        object.__setattr__(self, "printer_timeout", timeout)


def _as_real(value: Any) -> float | None:
    """``value`` as a float when it is a number (an int, float, NumPy number, ``Decimal``, ``Fraction``: as a
    config file gives it), ``None`` for a bool, text or anything else (review 19, §9: ``Decimal('0.9')`` was
    refused as "not a confidence between 0 and 1")."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | decimal.Decimal):
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):  # a signalling NaN Decimal
        return None


def _as_whole(value: Any) -> int | None:
    """``value`` as an int when it is a whole number (``2``, ``2.0``, ``Decimal('2')``), ``None`` otherwise
    (``1.5``, NaN, infinity, a bool, text; review 19, §9: ``cap=2.0`` was called "not a whole number")."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    real = _as_real(value)
    if real is None or not math.isfinite(real) or not real.is_integer():
        return None
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else None
    return int(real)


@dataclass(frozen=True)
class Identification:
    """How the transaction to reprint was identified; written into every reprint record.

    ``by`` is one of :data:`IDENTIFIED_BY`: ``proof`` (a match of the
    customer's proof: ``proof_id``, ``match_confidence`` and the proof's
    ``verdict``), ``txn_id`` / ``stan`` / ``rrn`` (a journal reference the
    clerk looked up: ``reference`` is the value typed, ``terminal_id`` and
    ``batch_no`` narrow a trace number), or ``journal_row`` (a journal row
    passed without saying how it was found).
    """

    by: str
    reference: str | None = None
    terminal_id: str | None = None
    batch_no: str | None = None
    proof_id: str | None = None
    match_confidence: float | None = None
    verdict: str | None = None

    def __post_init__(self) -> None:
        if self.by not in IDENTIFIED_BY:
            raise ReceiptkitError(
                f"unknown identification {self.by!r}; one of {', '.join(IDENTIFIED_BY)}", value=self.by
            )

    def details(self) -> dict[str, Any]:
        """The audit-log fields: ``identified_by`` and the non-empty values."""
        out: dict[str, Any] = {"identified_by": self.by}
        for name in ("reference", "terminal_id", "batch_no", "proof_id", "verdict"):
            value = getattr(self, name)
            if value is not None:
                out["lookup_" + name if name in ("terminal_id", "batch_no") else name] = str(value)
        return out

    def describe(self) -> str:
        """In words, for the clerk: ``proof P1 (matched, 99.9%)``, ``stan 000123 on terminal 1000``."""
        if self.by == "proof":
            confidence = "" if self.match_confidence is None else f", {self.match_confidence:.1%}"
            return f"proof {self.proof_id} ({self.verdict or '?'}{confidence})"
        if self.by == "journal_row":
            return "a journal row (how it was found not given)"
        text = f"{self.by} {self.reference}"
        if self.terminal_id:
            text += f" on terminal {self.terminal_id}"
        if self.batch_no:
            text += f" in batch {self.batch_no}"
        return text


@dataclass(frozen=True)
class Lookup:
    """A journal row the clerk looked up by a reference, and how (see :func:`lookup`).

    ``journal``: the journal it was found in; :func:`reprint` checks voids and refunds of the row against it
    when no ``journal=`` is given.
    """

    row: pd.Series
    identification: Identification
    journal: pd.DataFrame | None = field(default=None, repr=False, compare=False)


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
    identification: Identification | None = None
    key_fingerprint: str | None = None  # the public key that checks the slip's QR signature
    detail: str = ""  # how the printer confirmed the job, or why it did not
    how: str | None = (
        None  # the printer's confirmation: process_id, status (never printed), none; None: no printer
    )
    refund_note: str | None = None  # the refund line the slip carries (a refunded sale), or None
    refund_status: RefundStatus | None = (
        None  # ``full``, ``partial`` or ``unsure`` (receiptkit.refunds), or None
    )


def _is_match_row(row: Mapping[str, Any]) -> bool:
    return "status" in row and str(row.get("status")) in _VERDICTS and "confidence" in row


def _value(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    return None if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)) else value


_CANDIDATE_COLUMNS = ("confidence", "why", "proof_id", "verdict", "chosen")


def _candidate_verdict(row: pd.Series) -> tuple[dict[str, Any], Identification]:
    """The verdict a :func:`receiptkit.find` candidate row carries, as a match row would give it."""
    txn_id = _value(row, "txn_id")
    verdict = _value(row, "verdict")
    confidence = float(row["confidence"])
    identification = Identification(
        "proof",
        proof_id=None if _value(row, "proof_id") is None else str(row["proof_id"]),
        match_confidence=confidence,
        verdict=None if verdict is None else str(verdict),
    )
    if verdict is None:
        reason = (
            f"candidate {txn_id} does not say whether the proof matched it (no verdict column); "
            "pass a row of receiptkit.find() or receiptkit.match()"
        )
    elif verdict == "matched" and bool(_value(row, "chosen")):
        return {"status": "matched", "confidence": confidence}, identification
    elif verdict == "matched":
        reason = f"the proof matched another transaction, not candidate {txn_id}"
    elif verdict == "ambiguous":
        reason = _not_matched_words(row, str(txn_id), confidence)
    elif verdict == "unmatched":  # it fits nothing: refused as unmatched, never called ambiguous
        reason = (
            f"the proof matches no transaction in the journal, so it does not identify {txn_id}; check what "
            "the customer gave (amount, currency, the time and its zone) and find again"
        )
        return {
            "status": "candidate",
            "rule": "unmatched",
            "confidence": confidence,
            "reason": reason,
        }, identification
    else:
        reason = f"the proof matched no transaction ({verdict}); {txn_id} is only a candidate"
    return {"status": "candidate", "confidence": confidence, "reason": reason}, identification


_ASK_MORE = "ask the customer for more evidence (card last 4, the time to the minute, a reference)"


def _not_matched_words(row: pd.Series, txn_id: str, confidence: float) -> str:
    """Why an ambiguous proof did not identify ``txn_id``, in plain words, and what to ask next.

    From the proof's verdict and the policy that :func:`receiptkit.find` keeps with its candidates
    (``attrs["verdict"]``, ``attrs["policy"]``, carried by a row taken with ``.iloc``/``.loc``): the only sale
    that fits but not surely enough (below ``match_threshold``), one the proof disagrees with, the best of
    several, or not the best. A row without them (``iterrows``) gets the general words; neither ever says
    "several" of a proof that fits one sale (before session 16 every refusal did).
    """
    attrs = getattr(row, "attrs", None) or {}
    verdict = attrs.get("verdict") if isinstance(attrs.get("verdict"), Mapping) else None
    if verdict is None or str(verdict.get("proof_id")) != str(_value(row, "proof_id")):
        return (
            f"the proof is ambiguous: it does not single out {txn_id} (a candidate at {confidence:.1%}); "
            f"{_ASK_MORE}, then find again"
        )
    kept = attrs.get("policy")
    policy: Mapping[str, Any] = kept if isinstance(kept, Mapping) else {}
    threshold = float(policy.get("match_threshold", 0.985))
    floor = float(policy.get("candidate_floor", 0.0))
    listed = [str(t) for t in verdict.get("candidate_txn_ids") or []]
    shares = [float(c) for c in verdict.get("candidate_confidences") or []]
    fitting = [t for t, c in zip(listed, shares, strict=False) if c >= floor] or listed[:1]
    said = str(verdict.get("reason") or "")
    against = said.split("against the best: ", 1)[1] if "against the best: " in said else ""
    if not listed or txn_id not in listed:
        why = f"the proof does not point to {txn_id}" + (
            f": the sale it fits best is {listed[0]} ({shares[0]:.1%})" if listed else ""
        )
    elif txn_id != listed[0]:
        why = f"{txn_id} is not the sale the proof fits best ({listed[0]} is, {shares[0]:.1%}; {txn_id} {confidence:.1%})"
    elif "clock_learned_before" in str(verdict.get("flags") or "").split(";"):  # matching.guards.LATER_FLAG
        terminal = _value(row, "terminal_id")
        whose = f"terminal {terminal}'s" if terminal is not None else "its terminal's"
        why = (
            f"{txn_id} is where {whose} kept clock offset puts the customer's time, but that offset may not hold "
            "for sales logged after it was learned: another sale, logged at the customer's time, may be the "
            "customer's"
        )
    elif against:
        found = "the only sale found for the proof" if len(listed) == 1 else "the sale the proof fits best"
        why = f"{txn_id} is {found}, but the proof disagrees with it ({against})"
    else:
        if len(fitting) <= 1:
            why = f"{txn_id} is the only sale that fits the proof"
        else:
            others = len(fitting) - 1
            why = (
                f"{txn_id} fits the proof best, but {others} other sale{'s' if others != 1 else ''} "
                f"fit{'' if others != 1 else 's'} it too (the next at {shares[1]:.1%})"
            )
        if confidence < threshold:
            why += f", and the evidence makes it {confidence:.1%} sure, where a match needs {threshold:.1%}"
        else:
            why += ", but not far enough ahead of the others to be sure"
    ask = str(verdict.get("ask") or "") or _ASK_MORE
    return f"not matched: {why} (find: {said}); to be sure: {ask}, then find again"


def _identification(value: Identification | str | None, row: pd.Series) -> Identification:
    """How a plain journal row was identified: as the caller says, else ``journal_row``."""
    if value is None:
        return Identification("journal_row", reference=None if row.empty else str(row.get("txn_id")))
    if isinstance(value, Identification):
        if value.by == "proof":
            raise ReceiptkitError(
                "identification by proof comes from the match: pass the match result (or find candidate) row"
            )
        return value
    if value == "proof":
        raise ReceiptkitError(
            "identification by proof comes from the match: pass the match result (or find candidate) row"
        )
    reference = _value(row, value) if value in ("txn_id", "stan", "rrn") else None
    return Identification(
        str(value),
        reference=None if reference is None else str(reference),
        terminal_id=None if value != "stan" else _value(row, "terminal_id"),
    )


def _same_cell(a: Any, b: Any) -> bool:
    """Two cells equal, an empty cell (None, NaN, <NA>) equal only to an empty one."""
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(a == b)


def _txn_id_from_index(row: pd.Series, journal: pd.DataFrame | None) -> pd.Series:
    """A journal row with ``txn_id`` moved into the index (``journal.set_index("txn_id").loc[txn]``): its
    name is the txn_id when ``journal=`` has exactly one row of that txn_id with the same values; otherwise
    a typed error (a name from another index, ``set_index("rrn")``, would be printed and logged as the txn_id).
    """
    name = row.name
    if journal is not None and "txn_id" in journal.columns and isinstance(name, str):
        found = journal[journal["txn_id"].astype(str) == name]
        shared = [c for c in row.index if c in found.columns]
        if len(found) == 1 and all(
            _same_cell(a, b)
            for a, b in zip(found.iloc[0][shared], row[shared], strict=True)
            if not isinstance(a, dict | list)
        ):
            return found.iloc[0]
    raise ReceiptkitError(
        "the journal row has no txn_id column"
        + (
            " (journal.set_index('txn_id') moved it into the index: pass journal= too, or reset_index())"
            if isinstance(name, str)
            else ""
        ),
        column="txn_id",
    )


def _resolve(
    item: Mapping[str, Any] | pd.Series | Lookup,
    journal: pd.DataFrame | None,
    identified_by: Identification | str | None,
) -> tuple[pd.Series, Mapping[str, Any] | None, Identification]:
    """The journal row to print, the match verdict when one was given, and how the row was identified."""
    if isinstance(item, Lookup):
        if identified_by is not None:
            raise ReceiptkitError("a Lookup says how the transaction was identified: drop identified_by=")
        return item.row, None, item.identification
    row = item if isinstance(item, pd.Series) else pd.Series(dict(item))
    if not _is_match_row(row):
        if "confidence" in row.index:  # a candidate row of receiptkit.find()
            if identified_by is not None:
                raise ReceiptkitError(
                    "a find() candidate row is identified by its proof: drop identified_by="
                )
            verdict, identification = _candidate_verdict(row)
            journal_row = row.drop(labels=[c for c in _CANDIDATE_COLUMNS if c in row.index])
            return journal_row, verdict, identification
        if "txn_id" not in row.index:
            row = _txn_id_from_index(row, journal)
        return row, None, _identification(identified_by, row)
    if identified_by is not None:
        raise ReceiptkitError("a match result row is identified by its proof: drop identified_by=")
    identification = Identification(
        "proof",
        proof_id=None if _value(row, "proof_id") is None else str(row["proof_id"]),
        match_confidence=float(row["confidence"]),
        verdict=str(row["status"]),
    )
    txn_id = _value(row, "txn_id")
    if txn_id is None:
        from receiptkit.matching.result import candidate_pairs

        listed = candidate_pairs(row)
        txn_id = listed[0][0] if listed else None
    if journal is None:
        raise ReceiptkitError("a match result row needs journal= to find the transaction to reprint")
    if txn_id is None:
        return pd.Series(dtype=object), row, identification
    found = journal[journal["txn_id"].astype(str) == str(txn_id)]
    if found.empty:
        raise ReceiptkitError("transaction not in the journal", column="txn_id", value=txn_id)
    return found.iloc[0], row, identification


def _same_number(column: pd.Series, value: str) -> pd.Series:
    """Rows whose reference equals ``value``; all-digit references compare as numbers (``123`` = ``000123``)."""
    text = column.astype("string").str.strip()
    wanted = str(value).strip()
    if wanted.isdigit():
        digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
        numbers = pd.to_numeric(text.where(digits), errors="coerce")
        return (numbers == int(wanted)).fillna(False).astype(bool)
    return (text.str.upper() == wanted.upper()).fillna(False).astype(bool)


def did_you_mean(typed: str, known: Iterable[str], *, limit: int = 3) -> str:
    """``"; did you mean T00001111?"`` (or ``one of A, B?``): the ids in ``known`` one typing slip from ``typed``
    (one character left out, added, changed or two swapped; two for ids of more than 8 characters), closest first;
    ``""`` when none is. Only ids are named, and only as a question: nothing is chosen for the clerk, who checks the
    id against the slip or proof (a near id is another transaction, maybe another customer's)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    typed = str(typed).strip()
    if not typed:
        return ""
    reach = 1 if len(typed) <= 8 else 2
    near = process.extract(typed, list(known), scorer=OSA.distance, score_cutoff=reach, limit=limit)
    names = [str(name) for name, _score, _i in sorted(near, key=lambda n: (n[1], str(n[0]))) if name != typed]
    if not names:
        return ""
    return f"; did you mean {names[0]}?" if len(names) == 1 else f"; did you mean one of {', '.join(names)}?"


def lookup(
    journal: pd.DataFrame,
    *,
    txn_id: str | None = None,
    stan: str | None = None,
    rrn: str | None = None,
    terminal_id: str | None = None,
    batch_no: str | None = None,
) -> Lookup:
    """Find the journal row a clerk looks up by a reference, the terminal's "reprint any by trace".

    Give exactly one of ``txn_id``, ``stan`` (the trace number printed as
    凭证号 / VOUCHER NO.; it needs ``terminal_id``, since every terminal counts
    its own) or ``rrn`` (the retrieval reference, 参考号). ``batch_no``
    narrows a trace number that repeats across batches. All-digit references
    compare as numbers (``123`` finds ``000123``). Pass the result to
    :func:`reprint`, which records the look-up in the audit log.

    Raises :class:`~receiptkit.errors.JournalError` naming the column and value
    when no row, or more than one, fits: a look-up never guesses.
    """
    given = {name: value for name, value in (("txn_id", txn_id), ("stan", stan), ("rrn", rrn)) if value}
    if len(given) != 1:
        raise JournalError("look a transaction up by exactly one of txn_id, stan (trace number) or rrn")
    [(by, reference)] = given.items()
    reference = str(reference).strip()
    if by == "stan" and not terminal_id:
        raise JournalError(
            "a trace number (凭证号/STAN) is counted per terminal: give the terminal id too",
            column="stan",
            value=reference,
        )
    if by not in journal.columns:
        raise JournalError("the journal has no such column", column=by, value=reference)
    if by == "txn_id":
        hit = (journal["txn_id"].astype("string") == reference).fillna(False).astype(bool)
    else:
        hit = _same_number(journal[by], reference)
    where = f"{by} {reference}"
    if terminal_id:
        terminals = journal["terminal_id"].astype("string").str.strip()
        on_terminal = (terminals == str(terminal_id).strip()).fillna(False)
        if not on_terminal.any():  # a terminal id one digit short is not "no such trace number" (G14.3)
            known = terminals.dropna().unique().tolist()
            raise JournalError(
                f"terminal {terminal_id} is not in the journal (it has {len(known)} terminal"
                f"{'s' if len(known) != 1 else ''}){did_you_mean(str(terminal_id).strip(), known)}",
                column="terminal_id",
                value=str(terminal_id),
            )
        hit &= on_terminal
        where += f" on terminal {terminal_id}"
    if batch_no:
        hit &= _same_number(journal["batch_no"], str(batch_no))
        where += f" in batch {batch_no}"
    found = journal[hit.to_numpy(dtype=bool)]
    if found.empty:
        hint = ""
        if by == "txn_id":
            hint = did_you_mean(reference, journal["txn_id"].astype("string").dropna().unique().tolist())
        raise JournalError(f"no transaction with {where} in the journal{hint}", column=by, value=reference)
    if len(found) > 1:
        listed = ", ".join(
            f"{r['txn_id']} ({_value(r, 'ts')}, batch {_value(r, 'batch_no') or '?'})"
            for _, r in found.head(5).iterrows()
        )
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        hint = "give the batch number" if by == "stan" and not batch_no else "look it up by txn_id"
        raise JournalError(
            f"{len(found)} transactions have {where}: {listed}{more}; {hint}", column=by, value=reference
        )
    identification = Identification(
        by,
        reference=reference,
        terminal_id=None if not terminal_id else str(terminal_id),
        batch_no=None if not batch_no else str(batch_no),
    )
    return Lookup(found.iloc[0], identification, journal)


def _violations(
    row: pd.Series, verdict: Mapping[str, Any] | None, journal: pd.DataFrame | None, policy: ReprintPolicy
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if verdict is not None:
        status = str(verdict["status"])
        if status == "candidate":  # a find candidate the verdict did not pick: ambiguous, or unmatched
            found.append((str(verdict.get("rule") or "ambiguous"), str(verdict["reason"])))
        elif status in ("ambiguous", "unmatched"):
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
    # a hand-built row may say so in its status (the canonical journal has a void row of txn_type void)
    voided = str(_value(row, "txn_type") or "") == "void" or status.strip().lower() in ("void", "voided")
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


def _refunded(row: pd.Series, refunds: RefundState | RefundUnsure | None) -> list[tuple[str, str]]:
    """The ``refunded`` violation: the journal shows the sale refunded in full (a partial refund only marks the slip);
    or ``refund_unsure``: it names refunds of the sale but cannot say what was given back.

    A duplicate is evidence of a payment; a copy of a sale whose money was given back, without a mark, can
    claim it again (newcomer 18, finding F6). Overridden, the slip says ``REFUNDED ...`` (or ``REFUND UNSURE
    ...``: never an amount the journal does not prove).
    """
    if isinstance(refunds, RefundUnsure):
        return [
            (
                "refund_unsure",
                f"transaction {row['txn_id']}: {refunds.text()}. A duplicate could show a payment "
                "whose money was given back, or mark a refund that is not this sale's; check the refunds with "
                "the shop's records or the acquirer. One printed anyway needs the rule overridden with the "
                "reason (override 'refund_unsure'; --override refund_unsure); the slip then says REFUND UNSURE "
                "with the refunds as logged",
            )
        ]
    if refunds is None or not refunds.full:
        return []
    return [
        (
            "refunded",
            f"transaction {refunds.text()}: a duplicate would show a payment whose money was given "
            "back. One that must be printed anyway (e.g. for the sale and its refund together) needs the rule "
            "overridden with the reason (override 'refunded'; --override refunded); the slip then says REFUNDED",
        )
    ]


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
        assert terminal.cutoff_status is not None  # cutoff_of: a terminal with a cutoff has its status
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


def earlier_duplicates(
    log: AuditLog, txn_id: str, *, unconfirmed: bool = False, in_progress: bool = False
) -> list[dict[str, Any]]:
    """The printed duplicates of a transaction, oldest first: number, time (UTC), operator, reason, code, proof.

    Each is ``{"reprint_no", "printed_at", "operator", "reason", "short_code", "proof_id", "proof_summary",
    "state"}`` (``proof_id`` and ``proof_summary`` ``None`` when it was not identified by a proof).
    ``unconfirmed=True`` lists too the attempts whose last state is ``unconfirmed``: the bytes left for the
    printer, which did not confirm them, so the slip may be in someone's hands (``state`` says which).
    ``in_progress=True`` lists too the attempts not finished (``state`` ``"pending"``: begun or retried, and
    neither printed nor failed yet): at another counter it may be printing now (clean room 13, F1).
    """
    import json

    from receiptkit.audit import attempt_state

    rows = log.rows(event_type="reprint", subject=str(txn_id))
    if rows.empty:
        return []
    printed = set(rows.loc[rows["status"] == "printed", "ref_seq"].dropna().astype(int))
    confirmed = set(printed)
    later = rows[rows["ref_seq"].notna()].sort_values("seq")
    # an attempt ever unconfirmed stays so after a later failed try (AuditLog's attempt_state)
    last = later.groupby(later["ref_seq"].astype(int))["status"].agg(lambda s: attempt_state(list(s)))
    if unconfirmed:
        printed |= set(last.index[last == "unconfirmed"].astype(int))
    running: set[int] = set()
    if in_progress:
        starts = set(rows.loc[rows["status"] == "pending", "seq"].astype(int))
        running = (starts - set(last.index.astype(int))) | set(last.index[last == "retry"].astype(int))
        printed |= running
    out = []
    for start in rows[(rows["status"] == "pending") & rows["seq"].isin(printed)].itertuples():
        details = json.loads(start.details) if isinstance(start.details, str) else {}
        out.append(
            {
                "reprint_no": int(start.reprint_no),
                "printed_at": start.recorded_at,
                "operator": start.operator,
                "reason": details.get("reason"),
                "short_code": start.short_code,
                "proof_id": details.get("proof_id"),
                "proof_summary": details.get("proof_summary"),
                "state": "printed"
                if start.seq in confirmed
                else ("pending" if start.seq in running else "unconfirmed"),
            }
        )
    return out


def same_evidence(earlier: Mapping[str, Any], summary: Mapping[str, Any] | None) -> bool:
    """Whether a printed duplicate (:func:`earlier_duplicates`) came from the same evidence as ``summary``.

    The same kind of proof, time, amount, currency, direction and card last 4 (:func:`~receiptkit.audit.proof_summary`
    without its id and numbers): an id is how the evidence was written down (a typed "08:11" and "08:11:00" are two
    ids of one time; two files may both call a proof P1), not what it shows. Or the same **whole** wallet
    transaction number or order number (``wallet_txn_id``, ``order_no``; a masked one is never kept in the
    summary): one payment record, however it was presented (a screenshot, then its 交易单号 typed: newcomer 18,
    F10; field guide 5, "re-used proofs, where the same 交易单号 is presented twice").
    """
    from receiptkit.audit import WHOLE_NUMBERS

    if summary is None or not isinstance(earlier.get("proof_summary"), Mapping):
        return False
    before = earlier["proof_summary"]
    for name in WHOLE_NUMBERS:
        if before.get(name) and before.get(name) == summary.get(name):
            return True
    kept = ("proof_id", *WHOLE_NUMBERS)
    shown = {k: _instant(k, v) for k, v in before.items() if k not in kept}
    return bool(shown) and shown == {k: _instant(k, v) for k, v in summary.items() if k not in kept}


def _instant(name: str, value: Any) -> Any:
    """A summary's ``ts`` as its instant, whatever zone it was written in (a proof read with ``--tz`` keeps
    ``+08:00``, without it UTC since session 18, and older log rows ``+08:00``): the same time is the same
    evidence (a reviewer replayed a screenshot by adding ``--tz``). Other values as they are."""
    if name != "ts" or not isinstance(value, str):
        return value
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return value
    return stamp.tz_convert("UTC").isoformat() if stamp.tzinfo is not None else value


def duplicate_text(earlier: Mapping[str, Any], zone: str | None) -> str:
    """One printed duplicate in words: ``no. 1 on 2026-12-07 21:18 (Asia/Shanghai) by li (reason: lost slip), code …``.

    ``zone``: the slip's zone (its journal row's), as the clerk's slips print times; ``None``: UTC.
    """
    when = pd.Timestamp(earlier["printed_at"])
    when = when.tz_localize("UTC") if when.tzinfo is None else when
    shown = when.tz_convert(zone) if zone else when.tz_convert("UTC")
    return (
        f"no. {earlier['reprint_no']} on {shown:%Y-%m-%d %H:%M} ({zone or 'UTC'}) by {earlier['operator']} "
        f"(reason: {earlier['reason']}), code {earlier['short_code']}"
    )


def slip_zone(row: Mapping[str, Any] | pd.Series) -> str | None:
    """The zone a journal row's slip prints its times in (its ``ts``'s), as an IANA name or offset; ``None``."""
    value = _value(row, "ts") if isinstance(row, pd.Series) else row.get("ts")
    if value is None:
        return None
    tz = pd.Timestamp(value).tz
    return None if tz is None else str(getattr(tz, "key", None) or tz)


def _same_proof(
    row: pd.Series, log: AuditLog, identification: Identification, summary: dict[str, Any] | None
) -> list[tuple[str, str]]:
    """The ``same_proof`` violation: a duplicate of this transaction was already printed from the same evidence.

    The same evidence (:func:`same_evidence`: kind, time, amount, currency, direction, card last 4; or the same
    whole wallet transaction or order number) shown again: the customer who holds it has a duplicate already, and someone who photographed it may not be that
    customer (field guide 5, "Fake screenshots": a screenshot of an older real payment replayed; a proof
    presented twice). A clerk who knows the customer lost the duplicate too overrides it, with the reason. A
    retry of an attempt that was not printed is no second duplicate (same number and code) and is not refused.
    """
    if row.empty or identification.by != "proof":
        return []
    done = earlier_duplicates(log, str(row["txn_id"]), unconfirmed=True, in_progress=True)
    proof_id = identification.proof_id
    if (
        summary is None and proof_id is None
    ):  # nothing to compare: a duplicate printed already may be this proof's
        if not done:
            return []
        return [
            (
                "same_proof",
                f"transaction {row['txn_id']} has {len(done)} duplicate(s) already, the last "
                f"{duplicate_text(done[-1], slip_zone(row))}, and this proof cannot be compared with theirs (the "
                "match row names no proof_id and no proof= was given): pass the proof, or override 'same_proof' "
                "with the reason",
            )
        ]
    same = [d for d in done if _same_proof_of(d, summary, proof_id)]
    if not same:
        return []
    times = "once" if len(same) == 1 else f"{len(same)} times"
    by_id = not any(same_evidence(d, summary) for d in same)
    # an unconfirmed duplicate left for the printer whole: it may have come out (a status-only printer cannot say),
    # so the same proof again is no silent retry (a reviewer, session 18: a replayed screen got a second slip)
    unsure = {
        "printed": "",
        "unconfirmed": " (sent to the printer, not confirmed: it may have come out)",
        # begun at another counter and not finished: it may be printing now (clean room 13, F1: two tills given
        # one proof at once printed two duplicates); `receiptkit audit pending` shows it
        "pending": " (begun and not finished: it may be printing now at another counter, or its process "
        "stopped; see `receiptkit audit pending`)",
    }.get(str(same[-1]["state"]), "")
    return [
        (
            "same_proof",
            f"transaction {row['txn_id']} was reprinted from this same proof {times} already"
            + (f" (proof id {proof_id}: its evidence was not given to compare)" if by_id else "")
            + ", the last as "
            f"duplicate {duplicate_text(same[-1], slip_zone(row))}{unsure}: whoever holds this proof "
            f"{'may have' if unsure else 'has'} a duplicate. "
            "Another needs the rule overridden with the reason (override 'same_proof'; --override same_proof), "
            "e.g. the customer lost that duplicate too" + (", or it did not come out" if unsure else ""),
        )
    ]


def _same_proof_of(
    earlier: Mapping[str, Any], summary: Mapping[str, Any] | None, proof_id: str | None
) -> bool:
    """Whether a printed duplicate came from the proof now shown: the same evidence (:func:`same_evidence`), or,
    when either side has no evidence to compare (a match row passed without ``proof=``: newcomer 19, G1), the
    same ``proof_id``, the only thing both know. Two summaries are compared by what they show, never by id."""
    if same_evidence(earlier, summary):
        return True
    has_evidence = summary is not None and isinstance(earlier.get("proof_summary"), Mapping)
    return not has_evidence and proof_id is not None and str(earlier.get("proof_id") or "") == str(proof_id)


def _sources(row: pd.Series) -> list[str] | None:
    """The sources of a row from a rebuilt journal (``sources`` column), else ``None``."""
    value = _value(row, "sources") if not row.empty else None
    if value is None:
        return None
    labels = [part.strip() for part in str(value).split(";") if part.strip()]
    return labels or None


def _open_audit(
    audit: AuditLog | str | os.PathLike[str] | None, key: Any = None, new_audit_log: bool = False
) -> AuditLog:
    """The audit log a reprint writes to: an :class:`AuditLog` as the caller opened it; a path or URL only
    when the log exists, unless ``new_audit_log`` (newcomer 18, F1: a mistyped path started a fresh log,
    and the duplicate was "reprint 1" again, unseen by rules same_proof and reprint_cap)."""
    from receiptkit.errors import AuditError

    if isinstance(audit, AuditLog):
        return audit
    # a reprint always writes a keyed row: a missing key is refused before the log file is created
    secret = load_key(key) if key is not None else load_key()
    where = audit if audit is not None else DEFAULT_AUDIT
    try:
        return AuditLog(where, key=secret, create=new_audit_log)
    except AuditError as exc:
        if new_audit_log or not _no_log(exc):
            raise
        raise AuditError(
            "no audit log here: a reprint is written to the shop's existing audit log, which "
            "knows the duplicates already printed (a new log would number this one 1 again); give the right "
            "log, or pass new_audit_log=True to start one (the first reprint ever)",
            file=os.fspath(where),
        ) from None


def _no_log(exc: Exception) -> bool:
    """Whether :class:`AuditLog` (``create=False``) refused because there is no log (no file, no table)."""
    return missing_log(exc)


def _original(row: pd.Series, journal: pd.DataFrame | None) -> pd.Series | None:
    original_id = _value(row, "original_txn_id")
    if original_id is None or journal is None:
        return None
    found = journal[journal["txn_id"].astype(str) == str(original_id)]
    return None if found.empty else found.iloc[0]


def reprint(
    journal_row_or_match: Mapping[str, Any] | pd.Series | Lookup,
    *,
    operator: str,
    reason: str,
    journal: pd.DataFrame | None = None,
    printer: Any = None,
    pdf: str | os.PathLike[str] | None = None,
    png: str | os.PathLike[str] | None = None,
    outputs: Mapping[str, str | os.PathLike[str]] | None = None,
    proof: Mapping[str, Any] | pd.Series | None = None,
    audit: AuditLog | str | os.PathLike[str] | None = None,
    policy: ReprintPolicy | None = None,
    override: str | Iterable[str] = (),
    key: Any = None,
    remarks: Iterable[str] = (),
    identified_by: Identification | str | None = None,
    printer_profile: str | None = None,
    overwrite: bool = False,
    new_audit_log: bool = False,
) -> ReprintRecord:
    """Reprint a duplicate slip of one transaction under the control rules.

    ``journal_row_or_match``: a row of :func:`receiptkit.match`'s result (then
    ``journal`` is needed to find the transaction), a candidate row of
    :func:`receiptkit.find` (refused with rule ``ambiguous`` unless its proof's
    verdict is ``matched`` and it is the ``chosen`` one), a :class:`Lookup`
    from :func:`lookup` (a clerk's look-up by trace number, RRN or txn_id), or
    a canonical journal row (then ``identified_by`` may say how it was found:
    ``"txn_id"``, ``"stan"``, ``"rrn"`` or an :class:`Identification`; default
    ``journal_row``). How the transaction was identified is written into the
    audit log and returned in :attr:`ReprintRecord.identification`. Outputs: ``printer`` (a python-escpos printer object or a
    URL such as ``tcp://10.0.0.5:9100``), ``pdf`` and ``png`` paths, and
    ``outputs``: more files by slip target name (``{"svg": "dup.svg"}``, any
    target of :mod:`receiptkit.slip.targets`); at least
    one. ``audit``: an :class:`~receiptkit.audit.AuditLog` or its path/URL
    (default ``receiptkit-audit.sqlite``); a path or URL must name an
    existing log (else :class:`~receiptkit.errors.AuditError` naming it,
    before anything is written or printed) unless ``new_audit_log=True``
    starts one there (an existing log is then used as it is). An
    :class:`~receiptkit.audit.AuditLog` is used as it was opened:
    ``AuditLog(path)`` creates a missing log (its ``create=True``
    default); ``AuditLog(path, create=False)`` refuses one. ``key``: the merchant's secret
    key (default: ``RECEIPTKIT_KEY`` or ``RECEIPTKIT_KEY_FILE`` from the
    environment). ``override``: rule names (see :data:`RULES`) the operator
    explicitly overrides; ``operator`` and ``reason`` are always required.
    ``printer_profile``: the python-escpos profile of a printer given by
    address (``"TM-T88V"``...): it decides the Chinese mode and whether the job
    can be confirmed by process ID (see :mod:`receiptkit.printers`).

    A file output (and a ``file:`` printer) that is the audit log, its signed
    head or lock file, or the merchant key file is always refused; a file
    output that exists is refused unless ``overwrite=True``; two outputs to one
    file are refused. These refusals (a :class:`~receiptkit.errors.ReceiptkitError`)
    come before anything is logged or a reprint number is used.

    Raises :class:`~receiptkit.errors.ReprintRefused` naming the rule (the
    refusal is logged); :class:`~receiptkit.errors.PrinterError` for a bad
    printer address (nothing is logged) or when the printer fails (the attempt
    is logged ``failed``); :class:`~receiptkit.errors.PrintUnconfirmed` when
    the bytes left but the printer did not confirm them (logged
    ``unconfirmed``; its ``record`` has the reprint number and code). Calling
    again retries a failed or unconfirmed attempt with the same number and code.
    """
    from receiptkit.printers import SendProgress, parse_printer_address, print_slip, printer_file
    from receiptkit.slip import Slip

    policy = policy or ReprintPolicy()
    if printer is not None and not hasattr(printer, "_raw"):
        printer = parse_printer_address(printer)  # a bad address is refused before anything is logged
    if not str(operator or "").strip() or not str(reason or "").strip():
        raise ReprintRefused("a reprint needs an operator and a reason", rule="operator_reason")
    overrides = {override} if isinstance(override, str) else set(override)
    unknown = overrides - set(RULES)
    if unknown:
        raise ReceiptkitError(
            f"unknown rule(s) to override: {', '.join(sorted(unknown))}; rules: {', '.join(RULES)}"
        )
    files = _file_outputs(pdf=pdf, png=png, **dict(outputs or {}))
    kinds = (["printer"] if printer is not None else []) + list(files)
    if not kinds:
        raise ReceiptkitError("give at least one output: printer=, pdf=, png= or outputs=")
    labelled = {f"{kind}={os.fspath(path)!r}": Path(path) for kind, path in files.items()}
    may_exist: list[str] = []
    target = None if printer is None else printer_file(printer)  # file:PATH, a config's or object's devfile
    if target is not None:  # a device that exists, or a new file; never the log or the key
        device, named = target
        label = f"printer={named!r}"
        labelled[label] = Path(device)
        may_exist.append(label)
    config = getattr(printer, "path", None) if getattr(printer, "kind", None) == "config" else None
    check_outputs(
        labelled,
        {**audit_files(audit), **_key_files(key), "the printer configuration": config},
        overwrite=overwrite,
        may_exist=may_exist,
        hint="pass overwrite=True to replace it",
    )
    row, verdict, identification = _resolve(journal_row_or_match, journal, identified_by)
    if journal is None and isinstance(journal_row_or_match, Lookup):
        journal = journal_row_or_match.journal  # the journal the clerk looked the row up in
    # proof= is the matched proof's evidence: another proof's summary would be logged and compared (same_proof)
    given_id = None if proof is None else _value(proof, "proof_id")
    wanted = identification.proof_id
    if identification.by == "proof" and None not in (given_id, wanted) and str(given_id) != str(wanted):
        raise ReceiptkitError(
            f"proof= is proof {given_id}, but the match row is proof {wanted}'s: pass the proof the row matched "
            "(or none)",
            column="proof_id",
            value=given_id,
        )
    log = _open_audit(audit, key, new_audit_log)
    summary = proof_summary(proof) if proof is not None else None
    confidence = identification.match_confidence
    identified = identification.details()
    txn_label = (
        str(row["txn_id"])
        if not row.empty
        else str(_value(verdict if verdict is not None else {}, "proof_id") or "?")
    )

    refunds = None if row.empty else refund_state(row, journal)
    violations = _violations(row, verdict, journal, policy) + _refunded(row, refunds) + _after_loss(row, log)
    violations += _same_proof(row, log, identification, summary)
    if (
        journal is None and not row.empty
    ):  # newcomer 19, G2: the shortest call printed voided and refunded sales
        violations.append(
            (
                "no_journal",
                f"transaction {row['txn_id']} was given without its journal (journal=): a void or refund is its "
                "own journal row pointing at the sale, so whether this one was voided or refunded cannot be "
                "checked, and a duplicate of it could show a payment that was voided or given back. Pass "
                "journal= (the journal the row came from); one printed anyway needs the rule overridden with "
                "the reason (override 'no_journal')",
            )
        )
    if policy.require_proof and identification.by != "proof":
        violations.append(
            (
                "proof_required",
                "the policy requires a matched proof for every reprint; this transaction was identified by "
                + identification.describe(),
            )
        )
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
            identification=identified,
        )
    overridden = tuple(rule for rule, _ in violations)
    if "reprint_cap" in overrides:
        overridden += ("reprint_cap",)
    status_note = None
    void_remarks: tuple[str, ...] = ()
    if overridden:
        heading = str(row.get("status", "")).upper()
        if any(rule == "voided" for rule, _ in violations):  # never APPROVED: the sale's own row is (G11)
            heading, void_remarks = _void_heading(row, journal)
        status_note = f"{heading} - OVERRIDE: {', '.join(overridden)}"
    original = _original(row, journal)

    def make_slip(reprint_no: int, printed_at: Any, verification: Any) -> Any:
        return Slip.from_transaction(
            row,
            template=policy.template,
            width=policy.width,
            printed_at=printed_at,
            original=original,
            reprint_no=reprint_no,
            verification=verification,
            status_note=status_note,
            refund_note=None if refunds is None else refunds.slip_line(),
            remarks=(*void_remarks, *remarks, *_rebuilt_remarks(sources)),
        )

    try:  # a row the slip refuses (a full card number, no time) is refused before a number is used
        make_slip(1, None, None)
    except (ValueError, TypeError, KeyError) as exc:
        raise ReceiptkitError(
            f"no duplicate can be made of transaction {row['txn_id']}: {exc}", value=row["txn_id"]
        ) from None

    # a retry prints the attempt's number and code, which cover the sale's fields as they were then: only an
    # attempt of the same sale data is retried (a journal corrected since gets a new number)
    failed = [
        a
        for a in log.unfinished(txn_id=str(row["txn_id"]))
        if a.state in ("failed", "unconfirmed") and _same_sale(a.fields, row)
    ]
    progress = SendProgress()
    digests: dict[str, str] = {}
    paths: dict[str, Path] = {}
    writing: list[Path] = []  # the file being written now
    attempt: Attempt | None = None
    retried = False
    try:
        with interrupts_held():  # a Ctrl-C during the append is raised once the attempt is ours to close
            if failed:
                overrides_now = (
                    {"override_rule": ",".join(overridden)} if overridden else {}
                )  # this call's, like begin's
                attempt = log.retry(
                    failed[0],
                    operator=operator,
                    reason=reason,
                    identification={**identified, **overrides_now},
                )
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
                    identification=identified,
                    details=None if refunds is None else refunds.details(),
                    # again where no other writer can come between: two counters shown one proof at once
                    # (clean room 13)
                    recheck=None
                    if "same_proof" in overrides
                    else (lambda: next(iter(_same_proof(row, log, identification, summary)), None)),
                )

        outcome, detail, how = "printed", "", None
        try:
            slip = make_slip(attempt.reprint_no, pd.Timestamp(attempt.printed_at), attempt.code)
            for kind, path in files.items():  # every file through the one slip-target registry
                writing[:] = [Path(path)]
                data = slip.render(kind, path)
                writing.clear()
                digests[kind] = hashlib.sha256(data).hexdigest()
                paths[kind] = Path(path)
            if printer is not None:
                result = print_slip(
                    slip, printer, profile=printer_profile, timeout=policy.printer_timeout, progress=progress
                )
                digests["printer"] = hashlib.sha256(result.data).hexdigest()
                outcome, detail, how = (
                    result.outcome,
                    result.detail,
                    result.answered,
                )  # how it really answered
        except (PrinterError, OSError) as exc:
            log.complete(attempt, result="failed", error=exc)
            if isinstance(exc, PrinterError):
                raise
            raise PrinterError(f"reprint {attempt.reprint_no} of {row['txn_id']} failed: {exc}") from exc
        except Exception as exc:  # a backstop: an unexpected error never leaves the attempt pending
            # bytes may have gone out before it: unconfirmed, never "failed, nothing printed" (review 20, §11)
            sent = printer is not None and progress.may_have_printed
            log.complete(attempt, result="unconfirmed" if sent else "failed", error=exc)
            raise PrinterError(
                f"reprint {attempt.reprint_no} of {row['txn_id']} failed on an unexpected "
                f"{type(exc).__name__}: {exc}; check the printer before trying again"
            ) from exc
        if outcome == "unconfirmed":
            log.complete(attempt, result="unconfirmed", document_sha256=digests, error=detail, how=how)
        else:
            log.complete(attempt, document_sha256=digests, how=how)
        record = ReprintRecord(
            txn_id=str(row["txn_id"]),
            reprint_no=attempt.reprint_no,
            attempt_id=attempt.attempt_id,
            short_code=attempt.code.short_code,
            qr_payload=attempt.code.qr_payload,
            status=outcome,
            outputs=digests,
            paths=paths,
            overridden=overridden,
            retried=retried,
            identification=identification,
            key_fingerprint=attempt.code.key_fingerprint,
            detail=detail,
            how=how,
            refund_note=None if refunds is None else refunds.slip_line(),
            refund_status=None if refunds is None else refunds.status,
        )
    except KeyboardInterrupt as stop:
        if attempt is None or isinstance(stop, ReprintInterrupted):
            raise  # before the attempt was written: no number used, nothing printed
        raise _interrupted(log, attempt, progress, digests, paths, writing, printer is not None) from None
    if outcome == "unconfirmed":
        raise PrintUnconfirmed(
            f"reprint {attempt.reprint_no} of {row['txn_id']} was sent but not confirmed: {detail}. If it came "
            f"out whole, record the clerk's word: AuditLog.confirm({attempt.code.short_code!r}, operator=...); "
            "if not, call reprint again: it retries the same number and code",
            record=record,
        )
    return record


def _interrupted(
    log: AuditLog,
    attempt: Attempt,
    progress: Any,  # receiptkit.printers.SendProgress (imported with the printers, when reprinting)
    digests: Mapping[str, str],
    paths: Mapping[str, Path],
    writing: list[Path],
    to_printer: bool,
) -> ReprintInterrupted:
    """Close an attempt a Ctrl-C stopped, in the words of what is known, and the error that says so.

    The log is the truth: an attempt whose closing row was already written (the Ctrl-C came after it) is
    left as it is and reported. Otherwise it is closed ``failed`` when nothing can have reached the printer
    and no output file was written (the next call retries the same number and code), ``unconfirmed`` when
    bytes may have reached the printer or a file was written (check it; confirm or retry), and ``printed``
    when every file output was written and there is no printer. A second Ctrl-C while this runs is ignored.
    """
    txn, number, code = attempt.txn_id, attempt.reprint_no, attempt.code.short_code
    with interrupts_held(drop=True):
        for (
            partial
        ) in writing:  # a file cut off while it was written is no document: removed, not left behind
            with contextlib.suppress(OSError):
                partial.unlink()
        state = log.attempt_status(attempt.attempt_id)
        if state in ("pending", "retry"):
            written = ", ".join(str(p) for p in paths.values())
            if to_printer and progress.may_have_printed:
                size = f"{progress.size} bytes" if progress.size is not None else "the job"
                detail = (
                    f"interrupted by the operator (Ctrl-C) while the slip ({size}) was being sent to the printer: "
                    "part of it may have printed"
                    if progress.stage == "sending"
                    else f"interrupted by the operator (Ctrl-C) after all {size} of the slip were sent, before "
                    "the printer confirmed it: it may have printed"
                )
                if written:
                    detail += f"; {written} written"
                result = "unconfirmed"
            elif written and not to_printer:
                detail, result = (
                    f"interrupted by the operator (Ctrl-C) after {written} was written",
                    "printed",
                )
            elif written:
                detail = (
                    f"interrupted by the operator (Ctrl-C) after {written} was written, before anything was sent "
                    "to the printer"
                )
                result = "unconfirmed"
            else:
                detail, result = (
                    "interrupted by the operator (Ctrl-C) before anything was sent or written",
                    "failed",
                )
            sent = dict(digests)
            if result == "unconfirmed" and to_printer and progress.may_have_printed and progress.sha256:
                sent["printer"] = progress.sha256
            if result == "failed":
                log.complete(attempt, result="failed", error=detail)
            elif result == "printed":
                log.complete(attempt, document_sha256=sent)
            else:
                log.complete(attempt, result="unconfirmed", document_sha256=sent, error=detail)
            state = result
        else:
            detail = f"the attempt was already closed {state} when the Ctrl-C came"
    where = f"reprint {number} of {txn} (verification code {code})"
    if state == "failed":
        message = (
            f"{where} was not printed: {detail}; the audit log records it failed. Reprint again: the next "
            f"reprint of {txn} retries number {number} with the same code"
        )
    elif state == "unconfirmed":
        message = (
            f"{where} may have come out: {detail}; the audit log records it unconfirmed. Check the printer: if "
            f"the duplicate came out whole, confirm it (AuditLog.confirm({code!r}, operator=...), receiptkit audit "
            f"confirm {code}); if not, reprint again: it retries number {number} with the same code"
        )
    else:
        message = (
            f"{where} was made and logged {state} before the Ctrl-C took effect: it is done; do not reprint it "
            "again for this"
        )
    return ReprintInterrupted(
        message,
        txn_id=txn,
        reprint_no=number,
        attempt_id=attempt.attempt_id,
        short_code=code,
        state=state,
        detail=detail,
    )


VOIDED_WORDS = "VOIDED 已撤销"
"""The status an overridden duplicate of a voided sale is headed with (docs/journal.md: 已撤销 is an approved void)."""
VOID_WORDS = "VOID 撤销"
"""The status an overridden duplicate of a void (the void's own row) is headed with."""


def _void_heading(row: pd.Series, journal: pd.DataFrame | None) -> tuple[str, tuple[str, ...]]:
    """The large status of an overridden duplicate that rule ``voided`` refused, and the remark naming the void.

    Newcomer 19, G11: the sale's own row is ``approved`` (the void is its own row), so the slip was headed
    ``APPROVED - OVERRIDE: voided`` with no word that the payment was voided. A voided sale is headed
    ``VOIDED 已撤销`` and its remarks name the void (``已撤销/voided by S1V 2026-11-01 09:45``); a void's own
    row ``VOID 撤销``.
    """
    if str(_value(row, "txn_type") or "") == "void":
        return VOID_WORDS, ()
    if journal is None or "original_txn_id" not in journal.columns:
        return VOIDED_WORDS, ()
    voids = journal[
        (journal["original_txn_id"].astype(str) == str(row["txn_id"]))
        & (journal["txn_type"] == "void")
        & (journal["status"] == "approved")
    ]
    remarks = []
    zone = slip_zone(row)
    for void in voids.itertuples():
        when = pd.Timestamp(void.ts) if "ts" in voids.columns else pd.NaT
        if pd.isna(
            when
        ):  # a void row without a time (a hand-built journal): named without one (review 19, §10)
            remarks.append(f"已撤销/voided by {void.txn_id} (time not recorded)")
            continue
        shown = when.tz_convert(zone) if zone and when.tzinfo is not None else when
        remarks.append(f"已撤销/voided by {void.txn_id} {shown:%Y-%m-%d %H:%M}")
    return VOIDED_WORDS, tuple(remarks)


def _same_sale(fields: Mapping[str, str], row: pd.Series) -> bool:
    """Whether ``row`` gives the canonical fields an attempt's code covers (its number and time aside)."""
    now = canonical_fields(row, int(fields.get("reprint_no") or 1), fields["printed_at"])
    return all(now[name] == fields.get(name) for name in now if name not in ("reprint_no", "printed_at"))


def _file_outputs(**given: str | os.PathLike[str] | None) -> dict[str, str | os.PathLike[str]]:
    """The file outputs by slip target name, each target checked before anything is logged."""
    from receiptkit.slip.targets import target_class

    files = {kind: path for kind, path in given.items() if path is not None}
    for kind in files:
        if kind == "printer":
            raise ReceiptkitError("give the printer as printer=, not as a file output")
        target_class(kind)  # an unknown target is refused here
    return files


def check_outputs(
    outputs: Mapping[str, str | os.PathLike[str]],
    protected: Mapping[str, str | os.PathLike[str] | None],
    *,
    overwrite: bool,
    may_exist: Iterable[str] = (),
    hint: str = "pass --overwrite to replace it",
) -> None:
    """Refuse output files that would destroy something, before anything is logged.

    ``outputs``: each output file by how the caller named it (``"--pdf dup.pdf"``,
    ``"pdf='dup.pdf'"``). ``protected``: files an output may never be, by what they
    are (``"the journal (--journal)"``); compared by resolved path and, when both
    exist, :func:`os.path.samefile` (a hard link is the same file). An output
    that exists is refused unless ``overwrite`` (``hint`` says how to allow it),
    except those named in ``may_exist`` (a printer's device file) when it is not a regular
    file (a device, a pipe): a regular file at a printer's path would be written over
    from its start, so it needs ``overwrite`` as a duplicate does. Two outputs to
    one file are refused, and so is an output whose folder does not exist or is a file
    (``cannot write --pdf nosuchdir/x.pdf: no such folder nosuchdir``): a reprint number
    is never used up by a write that could not happen. :class:`~receiptkit.errors.ReceiptkitError`
    naming the output and the file.
    """
    devices = set(may_exist)
    seen: dict[str, Path] = {}
    for label, given in outputs.items():
        path = Path(given)
        folder = path.expanduser().parent
        if not folder.is_dir():
            shown = os.fspath(Path(given).parent)
            cause = f"{shown} is a file, not a folder" if folder.exists() else f"no such folder {shown}"
            raise ReceiptkitError(f"cannot write {label}: {cause}")
        for what, keep in protected.items():
            if keep is not None and _same_file(path, Path(keep)):
                named = "" if os.fspath(keep) in label else f", {os.fspath(keep)}"
                raise ReceiptkitError(
                    f"{label} is {what}{named}: nothing is ever written over it; give another file"
                )
        for other, earlier in seen.items():
            if _same_file(path, earlier):
                raise ReceiptkitError(f"{label} is also {other}: give each output its own file")
        seen[label] = path
        device = label in devices and path.exists() and not path.is_file()
        if not device and not overwrite and (path.exists() or path.is_symlink()):
            raise ReceiptkitError(f"{label} exists; {hint}")


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same resolved path, or (both existing) a hard link."""
    try:
        if a.expanduser().resolve() == b.expanduser().resolve():
            return True
    except (OSError, RuntimeError):
        pass
    samefile = getattr(os.path, "samefile", None)
    if samefile is None:
        return False
    try:
        return bool(samefile(a.expanduser(), b.expanduser()))
    except (OSError, ValueError):  # one of them does not exist (yet)
        return False


def audit_files(audit: AuditLog | str | os.PathLike[str] | None) -> dict[str, Path]:
    """The files of an audit log (the log, its signed head, its lock) by what they are; none for a server."""
    if isinstance(audit, AuditLog):
        log_file, head = audit.file_path, audit.head_path
    else:
        text = os.fspath(audit if audit is not None else DEFAULT_AUDIT)
        log_file = None
        if "://" in text:
            import sqlalchemy as sa

            try:
                url = sa.engine.make_url(text)
            except Exception:  # a bad URL is refused when the log is opened
                url = None
            if (
                url is not None
                and url.get_backend_name() == "sqlite"
                and not url.host  # sqlite://NAME: refused when opened (NAME is read as a host)
                and url.database not in (None, "", ":memory:")
            ):
                log_file = Path(str(url.database)).expanduser()
        else:
            log_file = Path(text).expanduser()
        head = None if log_file is None else log_file.with_name(log_file.name + ".head")
    files: dict[str, Path] = {}
    if log_file is not None:
        files["the audit log"] = log_file
    if head is not None:
        files["the audit log's signed head"] = head
        files["the audit log's lock file"] = head.with_name(head.name + ".lock")
    return files


def _key_files(key: Any) -> dict[str, Path]:
    """The merchant key file(s) a reprint may read: ``key`` given as a path, or ``RECEIPTKIT_KEY_FILE``."""
    from receiptkit.verification import KEY_FILE_ENV

    files: dict[str, Path] = {}
    if isinstance(key, os.PathLike):
        files["the merchant key file"] = Path(key)
    if os.environ.get(KEY_FILE_ENV, "").strip():
        files[f"the merchant key file ({KEY_FILE_ENV})"] = Path(os.environ[KEY_FILE_ENV].strip())
    return files


def _rebuilt_remarks(sources: list[str] | None) -> tuple[str, ...]:
    if not sources:
        return ()
    return (REBUILT_REMARK, "来源/sources: " + ", ".join(sources))
