"""The tamper-evident audit log: reprint attempts and other events in one hash chain.

One table, one row per event, never updated or deleted by receiptkit. Every
row stores the hash of the row before it (``prev_hash``) and its own hash
(``row_hash`` = SHA-256 of the canonical JSON of the row, ``prev_hash``
included), so :meth:`AuditLog.verify` finds a row that was edited, deleted,
inserted or moved.

Event types share the chain: ``reprint`` (written by :meth:`AuditLog.begin_reprint`,
:meth:`~AuditLog.complete`, :meth:`~AuditLog.retry`, :meth:`~AuditLog.record_refusal`)
and any other type through :meth:`AuditLog.record` (``terminal_status``,
``close_pack``, ...). Each row has the time it was written (``recorded_at``,
UTC, assigned by the log and never decreasing along the chain) and, for events
that claim a time of their own (a terminal reported lost "yesterday"), that
claimed time as data (``effective_at``); :meth:`AuditLog.backdated` lists claims
that reach back over rows already in the log.

A reprint is written in two steps: :meth:`~AuditLog.begin_reprint` allocates
the next reprint number of the transaction and writes a ``pending`` row *before*
anything is printed; :meth:`~AuditLog.complete` appends ``printed``,
``unconfirmed`` (the bytes left, the printer did not confirm) or ``failed``
afterwards. A ``failed`` or ``unconfirmed`` attempt, or a ``pending`` one whose process died, is
found with :meth:`~AuditLog.unfinished` and retried with :meth:`~AuditLog.retry`
(same reprint number and verification code). ``docs/reprint.md`` has the details.

The default store is a SQLite file; any SQLAlchemy URL works.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from receiptkit.errors import AuditError, ReprintRefused
from receiptkit.pan import mask_pans_in_text
from receiptkit.schema import STRING, FullPanWarning
from receiptkit.spreadsheet import neutralise as _neutralise
from receiptkit.verification import (
    SecretKey,
    VerificationCode,
    canonical_fields,
    load_key,
    make_code,
    normalise_short_code,
    rebuild_code,
)

__all__ = [
    "DEFAULT_PATH",
    "GENESIS_HASH",
    "REPRINT",
    "Attempt",
    "AuditLog",
    "ChainHead",
    "Event",
    "VerifyReport",
    "proof_summary",
    "row_hash",
]

DEFAULT_PATH = "receiptkit-audit.sqlite"
"""Where the audit log lives when no path or URL is given."""
GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first row."""
REPRINT = "reprint"
"""Event type of reprint attempts."""
TABLE = "receiptkit_audit"
HASH_VERSION = 1
DEFAULT_STALE_AFTER = dt.timedelta(minutes=10)

_EVENT_TYPE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_HASHED = (
    "recorded_at",
    "event_type",
    "subject",
    "status",
    "ref_seq",
    "reprint_no",
    "short_code",
    "operator",
    "effective_at",
    "details",
    "prev_hash",
)
_UNFINISHED = ("pending", "retry")

_metadata = sa.MetaData()
_events = sa.Table(
    TABLE,
    _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20)),
    sa.Column("ref_seq", sa.Integer),
    sa.Column("reprint_no", sa.Integer),
    sa.Column("short_code", sa.String(16)),
    sa.Column("operator", sa.String(200)),
    sa.Column("effective_at", sa.String(40)),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("row_hash", sa.String(64), nullable=False, unique=True),
    sa.Index(f"ix_{TABLE}_type_subject", "event_type", "subject"),
    sa.Index(f"ix_{TABLE}_short_code", "short_code"),
    sa.Index(f"ix_{TABLE}_ref_seq", "ref_seq"),
)


# ---------------------------------------------------------------------------
# values


def _utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _aware(value: dt.datetime | str | pd.Timestamp, what: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            raise AuditError(f"{what} is not an ISO 8601 time", value=value) from None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        raise AuditError(f"{what} must be a datetime", value=value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise AuditError(f"{what} must be timezone-aware", value=str(value))
    return value.astimezone(dt.UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return _utc_iso(_aware(value, "time"))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def _canonical_json(value: Any) -> str:
    try:
        return json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_jsonable,
        )
    except (TypeError, ValueError) as exc:
        raise AuditError(f"event details cannot be stored: {exc}") from None


def _scrub(value: Any, where: str) -> Any:
    """Mask every full card number found in strings inside ``value`` (warns once)."""
    found = False

    def walk(item: Any) -> Any:
        nonlocal found
        if isinstance(item, str):
            masked = mask_pans_in_text(item)  # free text: card-like numbers (prefix + Luhn)
            found = found or masked != item
            return masked
        if isinstance(item, Mapping):
            return {str(k): walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    out = walk(value)
    if found:
        warnings.warn(f"audit log: full card number(s) in {where} were masked", FullPanWarning, stacklevel=4)
    return out


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a row's hashed columns, ``prev_hash`` included.

    ``seq`` is not hashed: the order of rows is the chain itself, so moving a
    row shows as a broken link, not as an edit.
    """
    payload = {"v": HASH_VERSION, **{name: row.get(name) for name in _HASHED}}
    return hashlib.sha256(_canonical_json(payload).encode("utf-8")).hexdigest()


def proof_summary(proof: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a proof-of-payment row that may go into the audit log.

    Keeps ``proof_id``, ``kind``, ``ts`` (or ``date``), ``amount_minor``,
    ``currency``, ``direction`` and ``card_last4``: what the slip shows anyway.
    Free text (``merchant_text``, ``raw``, ``reference``) and file names, which
    may carry personal data, are left out.

    >>> proof_summary({"proof_id": "P1", "kind": "sms", "amount_minor": 12850, "currency": "CNY",
    ...                "raw": "Dear Ms Li ...", "card_last4": "4821"})
    {'proof_id': 'P1', 'kind': 'sms', 'amount_minor': 12850, 'currency': 'CNY', 'card_last4': '4821'}
    """
    out: dict[str, Any] = {}
    for name in ("proof_id", "kind", "ts", "date", "amount_minor", "currency", "direction", "card_last4"):
        value = proof.get(name)
        if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
            continue
        if name in ("ts", "date"):
            value = pd.Timestamp(value).isoformat()
        elif name == "amount_minor":
            value = int(value)
        else:
            value = str(value)
        out[name] = value
    return _scrub(out, "the proof summary")


# ---------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class Event:
    """One row as written: its position and hash."""

    seq: int
    recorded_at: dt.datetime
    event_type: str
    subject: str
    status: str | None
    row_hash: str


@dataclass(frozen=True)
class ChainHead:
    """The last row of the chain. Keep one outside the log (printed, mailed) to detect truncation."""

    seq: int
    row_hash: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class Attempt:
    """One reprint attempt: what the renderer needs to print and :meth:`AuditLog.complete` to close it.

    ``attempt_id`` is the ``seq`` of the attempt's ``pending`` row and names the
    attempt in every later row (``ref_seq``). ``code`` is the verification code
    to print, ``reprint_no`` the "Reprint N" number and ``printed_at`` the time
    the code covers. ``state`` is the attempt's state when this object was made
    and ``tries`` how many times it was started (1 + retries).
    """

    attempt_id: int
    txn_id: str
    reprint_no: int
    printed_at: dt.datetime
    code: VerificationCode
    operator: str
    output_kind: str
    override_rule: str | None = None
    state: str = "pending"
    tries: int = 1
    since: dt.datetime | None = None

    @property
    def fields(self) -> dict[str, str]:
        """The canonical slip fields the code covers."""
        return self.code.fields

    @property
    def short_code(self) -> str:
        """The short verification code (``ABCDE-FGHJK``)."""
        return self.code.short_code


@dataclass(frozen=True)
class VerifyReport:
    """What :meth:`AuditLog.verify` found.

    ``ok`` is true when every row's hash and link checks out (and every anchor
    is still in place). Otherwise ``problem`` is one of ``edited``, ``deleted``,
    ``inserted``, ``reordered``, ``truncated``; ``first_bad_seq`` is the first
    row that is wrong (for a deletion: the row after the gap) and ``message``
    says it in words.
    """

    ok: bool
    rows: int
    head: ChainHead | None
    problem: str | None = None
    first_bad_seq: int | None = None
    message: str = "the chain is intact"

    def __bool__(self) -> bool:
        return self.ok


class _Refusal(Exception):
    """Internal: rows to commit, then this error to raise."""

    def __init__(self, error: ReprintRefused, rows: list[dict[str, Any]]) -> None:
        super().__init__(str(error))
        self.error = error
        self.rows = rows


# ---------------------------------------------------------------------------
# the log


class AuditLog:
    """The append-only, hash-chained audit log.

    ``url_or_path`` is a file path (a SQLite database, created when missing
    unless ``create=False``), a SQLAlchemy URL (``sqlite:///...``,
    ``postgresql://...``) or an :class:`sqlalchemy.engine.Engine`.

    Writers are serialised: on SQLite each append runs in ``BEGIN IMMEDIATE``
    (the database write lock, waited for up to ``timeout`` seconds; not set up
    on an ``Engine`` passed in, which keeps its own transaction behaviour); on every
    backend a unique ``prev_hash`` makes a concurrent append to the same head
    fail and be retried, so the chain never forks and reprint numbers are
    never doubled. ``stale_after`` is how old a ``pending`` attempt must be
    before :meth:`retry` treats its process as dead. ``clock`` returns the
    current time (timezone-aware); tests replace it.
    """

    def __init__(
        self,
        url_or_path: str | os.PathLike[str] | Engine = DEFAULT_PATH,
        *,
        create: bool = True,
        timeout: float = 30.0,
        stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.stale_after = stale_after
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._owns_engine = not isinstance(url_or_path, Engine)
        if isinstance(url_or_path, Engine):
            engine = url_or_path
            self.location = engine.url.render_as_string(hide_password=True)
        else:
            text = os.fspath(url_or_path)
            if "://" in text:
                url = sa.engine.make_url(text)
                self.location = url.render_as_string(hide_password=True)
            else:
                path = Path(text).expanduser().resolve()
                if not create and not path.exists():
                    raise AuditError("no audit log at this path", file=str(path))
                if not path.parent.is_dir():
                    raise AuditError("the audit log's folder does not exist", file=str(path))
                url = sa.engine.URL.create("sqlite", database=str(path))
                self.location = str(path)
            kwargs: dict[str, Any] = {}
            if url.get_backend_name() == "sqlite":
                kwargs["connect_args"] = {"timeout": timeout}
            try:
                engine = sa.create_engine(url, **kwargs)
            except (SQLAlchemyError, ImportError) as exc:
                raise AuditError(f"cannot open the audit log: {exc}", file=self.location) from None
        self._engine = engine
        if engine.dialect.name == "sqlite" and self._owns_engine:
            # not done to an engine the caller passed in: it would change their transactions too
            self._sqlite_locking(engine)
        try:
            if create:
                _metadata.create_all(engine)
            elif not sa.inspect(engine).has_table(TABLE):
                raise AuditError("not a receiptkit audit log (no audit table)", file=self.location)
        except SQLAlchemyError as exc:
            raise AuditError(
                f"cannot open the audit log: {exc.__class__.__name__}", file=self.location
            ) from None

    @staticmethod
    def _sqlite_locking(engine: Engine) -> None:
        @sa_event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let the "begin" hook issue BEGIN itself

        @sa_event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            readonly = connection.get_execution_options().get("receiptkit_readonly", False)
            connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    def close(self) -> None:
        """Release the database connections."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AuditLog({self.location!r})"

    # -- writing -----------------------------------------------------------

    def _append(
        self, build: Callable[[Connection, dt.datetime], list[dict[str, Any]]], retries: int = 50
    ) -> list[dict[str, Any]]:
        """Run ``build`` inside one write transaction and append the rows it returns."""
        last: Exception | None = None
        for attempt in range(retries):
            if attempt:
                time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))  # back off, with jitter
            refusal: _Refusal | None = None
            try:
                with self._engine.begin() as conn:
                    head = conn.execute(
                        sa.select(_events.c.seq, _events.c.row_hash, _events.c.recorded_at)
                        .order_by(_events.c.seq.desc())
                        .limit(1)
                    ).first()
                    now = _aware(self._clock(), "clock()")
                    seq, prev = (0, GENESIS_HASH)
                    if head is not None:
                        seq, prev = head.seq, head.row_hash
                        now = max(now, _parse_iso(head.recorded_at))  # recorded_at never goes back
                    try:
                        rows = build(conn, now)
                    except _Refusal as exc:
                        refusal = exc
                        rows = exc.rows
                    for row in rows:
                        seq += 1
                        row.update(seq=seq, recorded_at=_utc_iso(now), prev_hash=prev)
                        for name in _HASHED:
                            row.setdefault(name, None)
                        row["row_hash"] = prev = row_hash(row)
                    if rows:
                        conn.execute(sa.insert(_events), rows)
            except IntegrityError as exc:  # another writer took the head: start again
                last = exc
                continue
            except OperationalError as exc:
                text = str(exc.orig).lower()
                if "locked" in text or "busy" in text:  # the lock was held longer than the timeout
                    last = exc
                    continue
                raise AuditError(f"cannot write the audit log: {exc.orig}", file=self.location) from None
            if refusal is not None:
                raise refusal.error
            return rows
        raise AuditError(f"could not append to the audit log: {last.__class__.__name__}", file=self.location)

    def record(
        self,
        event_type: str,
        subject: str,
        details: Mapping[str, Any] | None = None,
        *,
        operator: str | None = None,
        status: str | None = None,
        effective_at: dt.datetime | str | None = None,
    ) -> Event:
        """Append one event of any type but ``reprint`` (terminal changes, closing packs, ...).

        ``subject`` is what the event is about (terminal id, pack id);
        ``details`` any JSON-serialisable mapping (full card numbers in it are
        masked); ``effective_at`` the time the event claims to have happened,
        stored as data next to the time it was recorded.
        """
        if not isinstance(event_type, str) or not _EVENT_TYPE_RE.fullmatch(event_type):
            raise AuditError("event_type must be lower-case letters, digits and _", value=event_type)
        if event_type == REPRINT:
            raise AuditError("reprint events are written by begin_reprint(), complete() and retry()")
        subject = _required_text(subject, "subject")
        clean = _scrub(dict(details or {}), f"{event_type} details")
        row = {
            "event_type": event_type,
            "subject": subject,
            "status": None if status is None else str(status),
            "operator": None if operator is None else _scrub(str(operator), "operator"),
            "effective_at": None if effective_at is None else _utc_iso(_aware(effective_at, "effective_at")),
            "details": _canonical_json(clean),
        }
        written = self._append(lambda _conn, _now: [dict(row)])[0]
        return _event(written)

    def begin_reprint(
        self,
        row: Mapping[str, Any],
        *,
        operator: str,
        reason: str,
        output_kind: str | Sequence[str],
        proof_summary: str | Mapping[str, Any] | None = None,
        confidence: float | None = None,
        key: SecretKey | bytes | str | os.PathLike[str] | None = None,
        override_rule: str | None = None,
        sources: Sequence[str] | Mapping[str, Any] | None = None,
        cap: int | None = None,
        details: Mapping[str, Any] | None = None,
        identification: Mapping[str, Any] | None = None,
    ) -> Attempt:
        """Write a ``pending`` reprint attempt before printing, and return what to print.

        ``row`` is the journal row of the transaction (mapping or Series with
        the canonical columns). Inside one write transaction the next reprint
        number of ``row["txn_id"]`` is allocated (1, 2, ...; every number ever
        allocated counts, printed or not), the verification code is computed
        over the slip's canonical fields with ``key`` (``None``: from the
        environment) and the attempt row is appended; the short code is stored,
        the key never is.

        With ``cap`` set and ``cap`` numbers already allocated, a ``refused`` row
        is written and :class:`~receiptkit.errors.ReprintRefused` (rule
        ``reprint_cap``) raised. ``override_rule`` names a control rule the
        operator overrode; it is recorded. ``proof_summary`` should come from
        :func:`proof_summary`; full card numbers in it are masked.
        ``identification`` says how the transaction was identified
        (``identified_by`` and its values, see
        :meth:`receiptkit.reprinting.Identification.details`); its fields are
        stored with the attempt's details.
        """
        secret = load_key(key)
        fields_probe = canonical_fields(row, 1, dt.datetime.now(dt.UTC))  # validates the row early
        txn_id = fields_probe["txn_id"]
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            raise AuditError("cap must be a non-negative integer", value=cap)
        common = self._reprint_details(
            operator=operator,
            reason=reason,
            output_kind=output_kind,
            proof_summary=proof_summary,
            confidence=confidence,
            override_rule=override_rule,
            sources=sources,
            details=details,
            identification=identification,
        )
        operator_text = _scrub(_required_text(operator, "operator"), "operator")
        kind = common["output_kind"]
        box: dict[str, Any] = {}

        def build(conn: Connection, now: dt.datetime) -> list[dict[str, Any]]:
            allocated = self._highest(conn, txn_id)
            if cap is not None and allocated >= cap:
                refused = {
                    "event_type": REPRINT,
                    "subject": txn_id,
                    "status": "refused",
                    "operator": operator_text,
                    "details": _canonical_json({**common, "rule": "reprint_cap", "cap": cap}),
                }
                error = ReprintRefused(
                    f"transaction {txn_id} has been reprinted {allocated} time(s); the cap is {cap}",
                    rule="reprint_cap",
                    value=txn_id,
                )
                raise _Refusal(error, [refused])
            number = allocated + 1
            fields = canonical_fields(row, number, now)
            code = make_code(fields, secret)
            payload = {**common, "fields": fields, "mac": code.mac, "key_id": secret.key_id}
            if code.signature is not None:  # public like the MAC: both are printed on the slip
                payload.update(signature=code.signature, key_fingerprint=code.key_fingerprint)
            box["code"] = code
            return [
                {
                    "event_type": REPRINT,
                    "subject": txn_id,
                    "status": "pending",
                    "reprint_no": number,
                    "short_code": code.short_code,
                    "operator": operator_text,
                    "details": _canonical_json(payload),
                }
            ]

        written = self._append(build)[0]
        code = box["code"]
        return Attempt(
            attempt_id=written["seq"],
            txn_id=txn_id,
            reprint_no=written["reprint_no"],
            printed_at=_aware(code.fields["printed_at"], "printed_at"),
            code=code,
            operator=operator_text,
            output_kind=kind,
            override_rule=override_rule,
            since=_parse_iso(written["recorded_at"]),
        )

    def _reprint_details(
        self,
        *,
        operator: str,
        reason: str,
        output_kind: str | Sequence[str],
        proof_summary: str | Mapping[str, Any] | None,
        confidence: float | None,
        override_rule: str | None,
        sources: Sequence[str] | Mapping[str, Any] | None,
        details: Mapping[str, Any] | None,
        identification: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        _required_text(operator, "operator")
        reason = _required_text(reason, "reason")
        if isinstance(output_kind, str):
            kind = _required_text(output_kind, "output_kind")
        else:
            kinds = [_required_text(k, "output_kind") for k in output_kind]
            if not kinds:
                raise AuditError("output_kind is empty")
            kind = "+".join(kinds)
        if confidence is not None:
            if (
                isinstance(confidence, bool)
                or not isinstance(confidence, int | float)
                or not 0 <= confidence <= 1
            ):
                raise AuditError("confidence must be a number from 0 to 1", value=confidence)
            confidence = float(confidence)
        out: dict[str, Any] = {
            "reason": reason,
            "output_kind": kind,
            "confidence": confidence,
            "proof_summary": proof_summary if isinstance(proof_summary, str | None) else dict(proof_summary),
            "override_rule": override_rule,
            "sources": sources if sources is None or isinstance(sources, Mapping) else list(sources),
        }
        if details:
            out["extra"] = dict(details)
        if identification:  # how the transaction was identified: identified_by, proof_id, reference, ...
            clash = set(identification) & set(out)
            if clash:
                raise AuditError(
                    f"identification field(s) clash with the details: {', '.join(sorted(clash))}"
                )
            out.update(identification)
        return _scrub(out, "the reprint details")

    def record_refusal(
        self,
        txn_id: str,
        *,
        rule: str,
        message: str,
        operator: str,
        reason: str,
        output_kind: str | Sequence[str] = "none",
        proof_summary: str | Mapping[str, Any] | None = None,
        confidence: float | None = None,
        sources: Sequence[str] | Mapping[str, Any] | None = None,
        identification: Mapping[str, Any] | None = None,
    ) -> ReprintRefused:
        """Log a reprint refused by a control rule and return the error for the caller to raise.

        Use it as ``raise log.record_refusal(txn_id, rule="declined", message=..., operator=..., reason=...)``:
        the refusal becomes a ``refused`` row, and no reprint number is used.
        """
        txn_id = _required_text(txn_id, "txn_id")
        rule = _required_text(rule, "rule")
        common = self._reprint_details(
            operator=operator,
            reason=reason,
            output_kind=output_kind,
            proof_summary=proof_summary,
            confidence=confidence,
            override_rule=None,
            sources=sources,
            details=None,
            identification=identification,
        )
        row = {
            "event_type": REPRINT,
            "subject": txn_id,
            "status": "refused",
            "operator": _scrub(operator.strip(), "operator"),
            "details": _canonical_json({**common, "rule": rule, "message": _scrub(message, "message")}),
        }
        self._append(lambda _conn, _now: [dict(row)])
        return ReprintRefused(message, rule=rule, value=txn_id)

    def complete(
        self,
        attempt: Attempt | int,
        *,
        document_sha256: str | Mapping[str, str] | None = None,
        result: str = "printed",
        error: str | BaseException | None = None,
    ) -> Event:
        """Close an attempt: append ``printed``, ``unconfirmed`` or ``failed`` (nothing is updated).

        ``document_sha256`` is the SHA-256 (hex) of the rendered document, or a
        mapping output kind -> SHA-256 when several were produced; it is required
        for ``printed`` and ``unconfirmed`` (the bytes left, but the printer did
        not confirm them). ``error`` (text or exception) says why it ``failed``
        or is ``unconfirmed``; full card numbers in it are masked. An attempt can
        be completed once per try; a ``failed`` or ``unconfirmed`` one must be
        :meth:`retry`-ed before it is completed again.
        """
        attempt_id = attempt.attempt_id if isinstance(attempt, Attempt) else int(attempt)
        if result not in ("printed", "unconfirmed", "failed"):
            raise AuditError("result must be 'printed', 'unconfirmed' or 'failed'", value=result)
        digests = _digests(document_sha256)
        if result in ("printed", "unconfirmed") and not digests:
            raise AuditError(f"a {result} attempt needs the document's SHA-256")
        if result == "printed" and error is not None:
            raise AuditError("a printed attempt has no error")
        error_text = None
        if error is not None:
            error_text = (
                f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
            )
            error_text = _scrub(error_text, "the error")

        def build(conn: Connection, _now: dt.datetime) -> list[dict[str, Any]]:
            first, state, _tries = self._attempt_state(conn, attempt_id)
            if isinstance(attempt, Attempt) and (first.subject, first.reprint_no) != (
                attempt.txn_id,
                attempt.reprint_no,
            ):
                raise AuditError(
                    f"attempt {attempt_id} in this log is not reprint {attempt.reprint_no} of {attempt.txn_id}",
                    value=attempt_id,
                )
            if state not in _UNFINISHED:
                raise AuditError(
                    f"attempt {attempt_id} is {state}; only a pending or retried attempt can be completed",
                    value=attempt_id,
                )
            payload: dict[str, Any] = {"document_sha256": digests}
            if error_text is not None:
                payload["error"] = error_text
            return [
                {
                    "event_type": REPRINT,
                    "subject": first.subject,
                    "status": result,
                    "ref_seq": attempt_id,
                    "reprint_no": first.reprint_no,
                    "details": _canonical_json(payload),
                }
            ]

        return _event(self._append(build)[0])

    def retry(
        self,
        attempt: Attempt | int,
        *,
        operator: str,
        reason: str = "retry",
        force: bool = False,
        identification: Mapping[str, Any] | None = None,
    ) -> Attempt:
        """Start an unfinished attempt again: same reprint number, same code, same fields.

        Allowed for a ``failed`` or ``unconfirmed`` attempt, and for a ``pending`` or retried one
        whose last row is older than ``stale_after`` (its process is taken to
        have died); ``force=True`` skips the age check. The retry is appended
        as a ``retry`` row; complete it with :meth:`complete` as usual. The
        reprint cap does not apply: no new number is used. ``identification``
        says how this call identified the transaction (stored in the row's
        details, as :meth:`begin_reprint` does).
        """
        attempt_id = attempt.attempt_id if isinstance(attempt, Attempt) else int(attempt)
        operator_text = _scrub(_required_text(operator, "operator"), "operator")
        reason_text = _scrub(_required_text(reason, "reason"), "reason")
        retry_details = _scrub(dict(identification or {}), "the identification")
        if {"reason", "previous_state"} & set(retry_details):
            raise AuditError("identification fields clash with the retry's details")
        box: dict[str, Any] = {}

        def build(conn: Connection, now: dt.datetime) -> list[dict[str, Any]]:
            first, state, tries = self._attempt_state(conn, attempt_id)
            last = self._last_row(conn, attempt_id)
            age = now - _parse_iso(last.recorded_at)
            if state == "printed":
                raise AuditError(
                    f"attempt {attempt_id} was printed; begin a new reprint instead", value=attempt_id
                )
            if state in _UNFINISHED and not force and age < self.stale_after:
                raise AuditError(
                    f"attempt {attempt_id} is still {state} (since {last.recorded_at}); it may be printing now. "
                    f"Wait {self.stale_after} or retry with force=True",
                    value=attempt_id,
                )
            box.update(first=first, tries=tries + 1, previous=state)
            return [
                {
                    "event_type": REPRINT,
                    "subject": first.subject,
                    "status": "retry",
                    "ref_seq": attempt_id,
                    "reprint_no": first.reprint_no,
                    "operator": operator_text,
                    "details": _canonical_json(
                        {"reason": reason_text, "previous_state": state, **retry_details}
                    ),
                }
            ]

        written = self._append(build)[0]
        base = _attempt_from_row(box["first"])
        return Attempt(
            attempt_id=base.attempt_id,
            txn_id=base.txn_id,
            reprint_no=base.reprint_no,
            printed_at=base.printed_at,
            code=base.code,
            operator=operator_text,
            output_kind=base.output_kind,
            override_rule=base.override_rule,
            state="retry",
            tries=box["tries"],
            since=_parse_iso(written["recorded_at"]),
        )

    # -- reading -----------------------------------------------------------

    def _read(self) -> Connection:
        return self._engine.connect().execution_options(receiptkit_readonly=True)

    @staticmethod
    def _highest(conn: Connection, txn_id: str) -> int:
        value = conn.execute(
            sa.select(sa.func.max(_events.c.reprint_no)).where(
                _events.c.event_type == REPRINT, _events.c.subject == txn_id, _events.c.status == "pending"
            )
        ).scalar()
        return int(value or 0)

    @staticmethod
    def _last_row(conn: Connection, attempt_id: int) -> Any:
        return conn.execute(
            sa.select(_events)
            .where(sa.or_(_events.c.seq == attempt_id, _events.c.ref_seq == attempt_id))
            .where(_events.c.event_type == REPRINT)
            .order_by(_events.c.seq.desc())
            .limit(1)
        ).first()

    @staticmethod
    def _attempt_state(conn: Connection, attempt_id: int) -> tuple[Any, str, int]:
        first = conn.execute(sa.select(_events).where(_events.c.seq == attempt_id)).first()
        if first is None or first.event_type != REPRINT or first.status != "pending":
            raise AuditError(f"no reprint attempt {attempt_id} in the audit log", value=attempt_id)
        later = conn.execute(
            sa.select(_events.c.status)
            .where(_events.c.ref_seq == attempt_id, _events.c.event_type == REPRINT)
            .order_by(_events.c.seq)
        ).all()
        state = later[-1].status if later else "pending"
        tries = 1 + sum(1 for r in later if r.status == "retry")
        return first, state, tries

    def attempt_status(self, attempt_id: int) -> str:
        """The state of an attempt: ``pending``, ``retry`` (restarted, unfinished), ``printed``, ``unconfirmed`` or ``failed``."""
        with self._read() as conn:
            return self._attempt_state(conn, int(attempt_id))[1]

    def reprint_count(self, txn_id: str) -> int:
        """How many reprint numbers the transaction has used (the next one is this + 1)."""
        with self._read() as conn:
            return self._highest(conn, str(txn_id))

    def find_code(self, short_code: str) -> list[Attempt]:
        """The reprint attempts that carry this short code (normally one; none if unknown)."""
        code = normalise_short_code(short_code)
        if code is None:
            return []
        with self._read() as conn:
            found = conn.execute(
                sa.select(_events).where(
                    _events.c.short_code == code,
                    _events.c.event_type == REPRINT,
                    _events.c.status == "pending",
                )
            ).all()
        return [_attempt_from_row(r) for r in found]

    def unfinished(self, *, txn_id: str | None = None, stale_only: bool = False) -> list[Attempt]:
        """Attempts not printed yet: ``failed``, ``unconfirmed``, ``pending`` or ``retry`` (oldest first).

        This is how a reprint whose process died between writing the attempt
        and completing it is found: it stays ``pending``. With ``stale_only``
        only attempts that :meth:`retry` would accept without ``force`` are listed
        (failed, or unfinished for longer than ``stale_after``).
        """
        now = _aware(self._clock(), "clock()")
        with self._read() as conn:
            query = sa.select(_events).where(_events.c.event_type == REPRINT, _events.c.status == "pending")
            if txn_id is not None:
                query = query.where(_events.c.subject == str(txn_id))
            starts = conn.execute(query.order_by(_events.c.seq)).all()
            later = conn.execute(
                sa.select(_events.c.ref_seq, _events.c.status, _events.c.recorded_at)
                .where(_events.c.event_type == REPRINT, _events.c.ref_seq.is_not(None))
                .order_by(_events.c.seq)
            ).all()
        last: dict[int, Any] = {}
        retries: dict[int, int] = {}
        for r in later:
            last[r.ref_seq] = r
            retries[r.ref_seq] = retries.get(r.ref_seq, 0) + (r.status == "retry")
        out = []
        for start in starts:
            tail = last.get(start.seq)
            state = tail.status if tail is not None else "pending"
            if state == "printed":
                continue
            since = _parse_iso((tail or start).recorded_at)
            if stale_only and state in _UNFINISHED and now - since < self.stale_after:
                continue
            base = _attempt_from_row(start)
            out.append(
                Attempt(
                    attempt_id=base.attempt_id,
                    txn_id=base.txn_id,
                    reprint_no=base.reprint_no,
                    printed_at=base.printed_at,
                    code=base.code,
                    operator=base.operator,
                    output_kind=base.output_kind,
                    override_rule=base.override_rule,
                    state=state,
                    tries=1 + retries.get(start.seq, 0),
                    since=since,
                )
            )
        return out

    def head(self) -> ChainHead | None:
        """The last row of the chain (``None`` for an empty log)."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(_events.c.seq, _events.c.row_hash, _events.c.recorded_at)
                .order_by(_events.c.seq.desc())
                .limit(1)
            ).first()
        return None if row is None else ChainHead(row.seq, row.row_hash, _parse_iso(row.recorded_at))

    def _all(self) -> list[Any]:
        with self._read() as conn:
            return conn.execute(sa.select(_events).order_by(_events.c.seq)).all()

    def rows(
        self,
        *,
        event_type: str | Iterable[str] | None = None,
        subject: str | None = None,
        operator: str | None = None,
        status: str | Iterable[str] | None = None,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
    ) -> pd.DataFrame:
        """The log as a DataFrame, oldest first, optionally filtered.

        Columns: ``seq``, ``recorded_at`` (UTC), ``event_type``, ``subject``,
        ``status``, ``ref_seq``, ``reprint_no``, ``short_code``, ``operator``,
        ``effective_at`` (UTC), the common detail fields ``reason``,
        ``output_kind``, ``confidence``, ``document_sha256``, ``error``,
        ``rule``, then ``details`` (the JSON text) and the hashes. ``since`` and
        ``until`` bound ``recorded_at`` (inclusive).
        """
        query = sa.select(_events).order_by(_events.c.seq)
        if event_type is not None:
            types = [event_type] if isinstance(event_type, str) else list(event_type)
            query = query.where(_events.c.event_type.in_(types))
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            query = query.where(_events.c.status.in_(statuses))
        if subject is not None:
            query = query.where(_events.c.subject == str(subject))
        if operator is not None:
            query = query.where(_events.c.operator == str(operator))
        if since is not None:
            query = query.where(_events.c.recorded_at >= _utc_iso(_aware(since, "since")))
        if until is not None:
            query = query.where(_events.c.recorded_at <= _utc_iso(_aware(until, "until")))
        with self._read() as conn:
            found = conn.execute(query).all()
        return _frame(found)

    def verify(self, *, anchors: Iterable[ChainHead | tuple[int, str]] = ()) -> VerifyReport:
        """Check the whole chain; report the first row that was edited, deleted, inserted or moved.

        A row whose content no longer gives its ``row_hash`` was **edited**. A
        row whose ``prev_hash`` is not the previous row's hash was **reordered**
        (it points to a later row), follows **inserted** rows (it points to an
        earlier row), or follows a **deleted** row (it points to no row, and
        ``seq`` has a gap; without a gap the previous row was rewritten together
        with its hash, reported as **edited**). Rows cut off the end of the log
        leave no trace in the chain: pass the :class:`ChainHead` values you
        kept (``anchors``) and a missing or changed one is reported **truncated**.
        """
        rows = self._all()
        head = (
            None if not rows else ChainHead(rows[-1].seq, rows[-1].row_hash, _parse_iso(rows[-1].recorded_at))
        )

        def bad(problem: str, seq: int | None, message: str) -> VerifyReport:
            return VerifyReport(False, len(rows), head, problem, seq, message)

        position = {r.row_hash: i for i, r in enumerate(rows)}
        expected_prev = GENESIS_HASH
        previous = None
        for i, r in enumerate(rows):
            mapping = r._mapping
            if r.prev_hash != expected_prev:
                target = position.get(r.prev_hash)
                if target is not None and target > i:
                    return bad(
                        "reordered", r.seq, f"row {r.seq} links to row {rows[target].seq}, which comes later"
                    )
                if target is not None:
                    return bad(
                        "inserted",
                        rows[target + 1].seq,
                        f"row(s) {rows[target + 1].seq}..{rows[i - 1].seq} were inserted before row {r.seq}",
                    )
                gap = r.seq - (previous.seq if previous is not None else 0) > 1
                if gap or previous is None:
                    return bad("deleted", r.seq, f"row(s) before row {r.seq} were deleted")
                return bad("edited", previous.seq, f"row {previous.seq} was rewritten (hash recomputed)")
            if row_hash(mapping) != r.row_hash:
                return bad("edited", r.seq, f"row {r.seq} was changed after it was written")
            if previous is not None and r.recorded_at < previous.recorded_at:
                return bad("reordered", r.seq, f"row {r.seq} was recorded before the row preceding it")
            expected_prev = r.row_hash
            previous = r
        for anchor in anchors:
            seq, digest = (anchor.seq, anchor.row_hash) if isinstance(anchor, ChainHead) else anchor
            index = position.get(digest)
            if index is None or rows[index].seq != seq:
                return bad("truncated", seq, f"the anchored row {seq} is no longer in the log")
        return VerifyReport(True, len(rows), head)

    def backdated(
        self, *, event_type: str | None = None, tolerance: dt.timedelta = dt.timedelta(0)
    ) -> pd.DataFrame:
        """Events whose claimed time (``effective_at``) reaches back over rows already in the log.

        A row is listed when some row written *before* it was recorded later
        than its claimed time plus ``tolerance``: for example a terminal reported
        lost "at 09:00" after reprints at 10:00 were already logged. Columns are
        those of :meth:`rows` plus ``lag`` (recorded_at - effective_at) and
        ``overtakes`` (how many earlier-written rows the claim reaches back over).
        """
        frame = self.rows()
        if frame.empty:
            return frame.assign(lag=pd.Series(dtype="timedelta64[ns]"), overtakes=pd.Series(dtype="int64"))
        recorded = frame["recorded_at"].dt.tz_convert(None).to_numpy()
        claimed = frame["effective_at"]
        has_claim = claimed.notna()
        if event_type is not None:
            has_claim &= frame["event_type"] == event_type
        limit = (claimed + tolerance).dt.tz_convert(None).to_numpy()
        cut = recorded.searchsorted(limit[has_claim.to_numpy()], side="right")
        overtakes = pd.Series(0, index=frame.index, dtype="int64")
        overtakes[has_claim] = frame.index[has_claim].to_numpy() - cut
        out = frame.assign(lag=frame["recorded_at"] - claimed, overtakes=overtakes)
        return out[has_claim & (overtakes > 0)].reset_index(drop=True)

    def export(self, path: str | os.PathLike[str], **filters: Any) -> Path:
        """Write the log (filtered like :meth:`rows`) to ``.csv`` or ``.xlsx``.

        Times are written as ISO 8601 text. Text cells that a spreadsheet would
        run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
        return) get a leading apostrophe.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise AuditError("export to .csv or .xlsx", file=str(target))
        frame = _for_spreadsheet(self.rows(**filters))
        if suffix == ".csv":
            frame.to_csv(target, index=False, encoding="utf-8-sig")
        else:
            frame.to_excel(target, index=False, sheet_name="audit", engine="openpyxl")
        return target


# ---------------------------------------------------------------------------
# helpers


def _required_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AuditError(f"{what} is required", value=value)
    return value.strip()


def _digests(value: str | Mapping[str, str] | None) -> dict[str, str] | str | None:
    if value is None:
        return None
    items = {"document": value} if isinstance(value, str) else dict(value)
    for name, digest in items.items():
        if not isinstance(digest, str) or not _SHA256_RE.fullmatch(digest.lower()):
            raise AuditError(f"document_sha256 for {name} is not a SHA-256 hex digest", value=digest)
    clean = {str(k): v.lower() for k, v in items.items()}
    return clean["document"] if isinstance(value, str) else clean


def _event(row: Mapping[str, Any]) -> Event:
    return Event(
        seq=row["seq"],
        recorded_at=_parse_iso(row["recorded_at"]),
        event_type=row["event_type"],
        subject=row["subject"],
        status=row["status"],
        row_hash=row["row_hash"],
    )


def _attempt_from_row(row: Any) -> Attempt:
    details = json.loads(row.details)
    fields = details["fields"]
    # The MAC is printed on the slip anyway, so storing it reveals nothing; it lets a retry
    # print the same QR payload without the key. verify() recomputes it with the key.
    code = rebuild_code(
        fields,
        details["mac"],
        signature=details.get("signature"),
        key_fingerprint=details.get("key_fingerprint"),
    )
    return Attempt(
        attempt_id=row.seq,
        txn_id=row.subject,
        reprint_no=row.reprint_no,
        printed_at=_aware(fields["printed_at"], "printed_at"),
        code=code,
        operator=row.operator,
        output_kind=details.get("output_kind", ""),
        override_rule=details.get("override_rule"),
        since=_parse_iso(row.recorded_at),
    )


_DETAIL_COLUMNS = (
    "reason",
    "output_kind",
    "confidence",
    "document_sha256",
    "error",
    "rule",
    "identified_by",
    "proof_id",
    "reference",
)
_TEXT_COLUMNS = (
    "event_type",
    "subject",
    "status",
    "short_code",
    "operator",
    *(c for c in _DETAIL_COLUMNS if c != "confidence"),
    "details",
    "prev_hash",
    "row_hash",
)


def _frame(found: Sequence[Any]) -> pd.DataFrame:
    columns = [c.name for c in _events.columns]
    frame = pd.DataFrame([tuple(r) for r in found], columns=columns)
    details = [json.loads(text) for text in frame["details"]]
    for name in _DETAIL_COLUMNS:
        values = [d.get(name) if isinstance(d, dict) else None for d in details]
        values = [_canonical_json(v) if isinstance(v, dict | list) else v for v in values]
        frame[name] = pd.Series(
            values, index=frame.index, dtype="Float64" if name == "confidence" else object
        )
    for name in _TEXT_COLUMNS:
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None).astype(STRING)
    for name in ("recorded_at", "effective_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    for name in ("seq", "ref_seq", "reprint_no"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    details_at = _HASHED.index("details")
    order = ["seq", *_HASHED[:details_at], *_DETAIL_COLUMNS, *_HASHED[details_at:], "row_hash"]
    return frame[order]


def _for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in ("recorded_at", "effective_at"):
        out[name] = out[name].map(lambda v: None if pd.isna(v) else v.isoformat()).astype(object)
    for name in _TEXT_COLUMNS:
        out[name] = out[name].astype(object).where(out[name].notna(), None).map(_neutralise)
    return out
