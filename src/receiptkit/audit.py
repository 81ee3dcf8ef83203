"""The tamper-evident audit log: reprint attempts and other events in one keyed hash chain.

One table, one row per event, never updated or deleted by receiptkit. Every
row stores the hash of the row before it (``prev_hash``) and its own hash
(``row_hash``): an HMAC-SHA256 under the merchant key of the canonical JSON of
the row, ``prev_hash`` included. :meth:`AuditLog.verify` finds a row that was
edited, deleted, inserted or moved, and, because the hashes are keyed, a row
appended or a chain recomputed by someone without the key. The **signed
head** (row count and last hash, HMAC-ed) is kept outside the table, in a
file beside the log (``<log>.head`` for a SQLite file) or, for a database
server, in a table of its own; closing packs and exports carry it too.
:meth:`AuditLog.verify` checks it by default, so rows cut off the end are
found; older heads kept elsewhere are checked with ``anchors``.

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
(same reprint number and verification code). An ``unconfirmed`` one that a clerk
saw come out is closed with :meth:`~AuditLog.confirm`: a ``printed`` row whose
``how`` is ``operator`` (the operator's word, not the printer's). ``docs/reprint.md``
has the details.

The default store is a SQLite file; any SQLAlchemy URL works (PostgreSQL through
``postgresql+psycopg://...``, the ``postgres`` extra).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError, SQLAlchemyError

from receiptkit.errors import AuditError, ConfirmRefused, ReprintRefused
from receiptkit.jsonkeys import DuplicateKeyError, loads_once_per_key
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
    "CHAIN_VERSION",
    "DEFAULT_PATH",
    "GENESIS_HASH",
    "REPRINT",
    "Attempt",
    "AuditLog",
    "ChainHead",
    "Event",
    "VerifyReport",
    "hashed_columns",
    "proof_summary",
    "read_head",
    "row_hash",
    "row_mac",
    "verify_export",
]

DEFAULT_PATH = "receiptkit-audit.sqlite"
"""Where the audit log lives when no path or URL is given."""
GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first row."""
REPRINT = "reprint"
"""Event type of reprint attempts."""
UPGRADE_EVENT = "audit_upgrade"
"""Event type of the row that records an explicit upgrade of an unkeyed log."""
TABLE = "receiptkit_audit"
META_TABLE = "receiptkit_audit_meta"
HEAD_TABLE = "receiptkit_audit_head"
HASH_VERSION = 1
"""Version of the unkeyed (plain SHA-256) row hash of logs written before the chain was keyed."""
CHAIN_VERSION = 2
"""Version of the keyed chain: ``row_hash`` is an HMAC-SHA256 under the merchant key."""
HEAD_FORMAT = "receiptkit-audit-head"
EXPORT_FORMAT = "receiptkit-audit-export"
DEFAULT_STALE_AFTER = dt.timedelta(minutes=10)
# Domain separation: the merchant key also signs slips and pack manifests.
_ROW_DOMAIN = b"receiptkit-audit-row|"
_HEAD_DOMAIN = b"receiptkit-audit-head|"
_PG_LOCK = 0x726B61756469  # pg_advisory_xact_lock id of the audit log's writers ("rkaudi")

_EVENT_TYPE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
# The columns the unkeyed (version 1) hash covered; frozen, so old logs can still be checked for an upgrade.
_HASHED_V1 = (
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
_UNHASHED = ("seq", "row_hash")
_UNFINISHED = ("pending", "retry")
_PRINTER_HOW = ("process_id", "status", "none")
"""How a printer confirmed a job (:attr:`receiptkit.printers.PrintResult.method`); ``operator`` is a clerk's word."""


def attempt_state(later: Sequence[str]) -> str:
    """An attempt's state from the statuses of its rows after its ``pending`` one, oldest first.

    The last one, except that an attempt that was ever ``unconfirmed`` (its bytes reached a printer that did
    not confirm them: the slip may be on the counter) stays ``unconfirmed`` after a later try that ``failed``
    (sent nothing: it takes away no paper), until it is ``printed`` (by the printer or a clerk's
    :meth:`AuditLog.confirm`). Newcomer 20, H8: three tries reached printers, the fourth could not connect, and
    the log called the duplicate "FAILED, not printed".

    >>> attempt_state([]), attempt_state(["unconfirmed", "retry", "failed"]), attempt_state(["failed"])
    ('pending', 'unconfirmed', 'failed')
    """
    state = later[-1] if later else "pending"
    if state == "failed" and "unconfirmed" in later:
        return "unconfirmed"
    return state


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
    # New columns go here, nullable: they are hashed automatically (hashed_columns()), and rows
    # written before a column existed keep their hash because empty (NULL) values are not hashed.
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("row_hash", sa.String(64), nullable=False, unique=True),
    sa.Index(f"ix_{TABLE}_type_subject", "event_type", "subject"),
    sa.Index(f"ix_{TABLE}_short_code", "short_code"),
    sa.Index(f"ix_{TABLE}_ref_seq", "ref_seq"),
)
# What kind of chain the log holds (chain version, key id): a log without it is an unkeyed, old one.
_meta = sa.Table(
    META_TABLE,
    _metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
# The signed head, for logs on a database server (a SQLite file keeps it in a file beside it).
_head_table = sa.Table(
    HEAD_TABLE,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("head", sa.Text, nullable=False),
)


def hashed_columns() -> tuple[str, ...]:
    """The columns every row's hash covers: all columns of the table but ``seq`` and ``row_hash``.

    A column added to the table is covered without further changes; an empty
    (``NULL``) value is left out of the hashed payload, so rows written before
    the column existed keep their hash.
    """
    return tuple(c.name for c in _events.columns if c.name not in _UNHASHED)


_HASHED = hashed_columns()


# ---------------------------------------------------------------------------
# values


def _utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _tail_and_count(conn: sa.Connection) -> tuple[Any, int]:
    """The chain's last row (``seq, row_hash, recorded_at``; ``None`` when empty) and the number of rows."""
    tail = conn.execute(
        sa.select(_events.c.seq, _events.c.row_hash, _events.c.recorded_at)
        .order_by(_events.c.seq.desc())
        .limit(1)
    ).first()
    count = int(conn.execute(sa.select(sa.func.count()).select_from(_events)).scalar() or 0)
    return tail, count


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


_DuplicateKey = DuplicateKeyError


def _strict_json(text: str) -> Any:
    """``json.loads`` that refuses an object naming a key twice (``json`` keeps the last one silently, so a
    line could show one value to a reader and verify with another; :mod:`receiptkit.jsonkeys`)."""
    return loads_once_per_key(text)


def _scrub(value: Any, where: str) -> Any:
    """Mask every full card number found in strings inside ``value`` (warns once)."""
    found = False

    def walk(item: Any) -> Any:
        nonlocal found
        if isinstance(item, str):
            masked = mask_pans_in_text(item)  # free text: card-like numbers (prefix + Luhn)
            found = found or masked != item
            return masked
        if isinstance(item, Mapping):  # keys too: a dict may be keyed by a card number
            return {walk(str(k)): walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    out = walk(value)
    if found:
        warnings.warn(f"audit log: full card number(s) in {where} were masked", FullPanWarning, stacklevel=4)
    return out


def row_hash(row: Mapping[str, Any]) -> str:
    """The **unkeyed** hash of version 1: SHA-256 (hex) of the canonical JSON of a row, ``prev_hash`` included.

    Logs written before the chain was keyed used it; anyone can recompute it,
    which is why keyed logs use :func:`row_mac` instead. It is kept to check an
    old log before :meth:`AuditLog.upgrade` and to tell a row forged without
    the key. ``seq`` is not hashed: the order of rows is the chain itself.
    """
    payload = {"v": HASH_VERSION, **{name: row.get(name) for name in _HASHED_V1}}
    return hashlib.sha256(_canonical_json(payload).encode("utf-8")).hexdigest()


def _payload(row: Mapping[str, Any]) -> bytes:
    body = {"v": CHAIN_VERSION}
    for name in _HASHED:
        value = row.get(name)
        if value is not None:
            body[name] = value
    return _canonical_json(body).encode("utf-8")


def row_mac(row: Mapping[str, Any], key: SecretKey | bytes | str | os.PathLike[str] | None) -> str:
    """The keyed hash of a row: HMAC-SHA256 (hex) under the merchant key of its hashed columns.

    Covers :func:`hashed_columns` (``prev_hash`` included, empty values left
    out). Without the key nobody can compute it, so a row appended, or a chain
    rewritten and recomputed, by someone without the key does not verify.
    """
    return load_key(key).mac(_ROW_DOMAIN + _payload(row)).hex()


def _plain_v2(row: Mapping[str, Any]) -> str:
    """SHA-256 of the keyed payload: what a forger without the key might compute."""
    return hashlib.sha256(_payload(row)).hexdigest()


def proof_summary(proof: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a proof-of-payment row that may go into the audit log.

    Keeps ``proof_id``, ``kind``, ``ts`` (or ``date``), ``amount_minor``,
    ``currency``, ``direction`` and ``card_last4``: what the slip shows anyway;
    and a **whole** ``wallet_txn_id`` / ``order_no`` (NFKC, spaces removed): the
    number names one payment record, so rule ``same_proof`` knows it again
    however it is presented (newcomer 18, F10: the screenshot's own 交易单号
    typed gave a second duplicate). A masked number (``4200**5473``,
    ``尾号5473``) is not whole and is left out, and so is anything that could be
    a card number (never written to the log). Free text (``merchant_text``,
    ``raw``, ``reference``) and file names, which may carry personal data, are
    left out.

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
    for name in WHOLE_NUMBERS:
        number = whole_number(proof.get(name))
        if number is not None:
            out[name] = number
    return _scrub(out, "the proof summary")


WHOLE_NUMBERS = ("wallet_txn_id", "order_no")
"""The proof numbers :func:`proof_summary` keeps when whole: each names one payment record."""


def whole_number(value: Any) -> str | None:
    """A wallet or order number as written whole (NFKC, no spaces), or ``None``: missing, masked (only part of it
    visible), or possibly a card number (a card-like digit run, masked or not, is never kept)."""
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return None
    from receiptkit.matching.evidence import visible_id

    _, number, masked = visible_id(str(value))
    if masked or not number or mask_pans_in_text(number) != number or "*" in number:
        return None
    return number


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
    """The end of the chain: the last row's ``seq`` and hash, and (signed heads) the row count and an HMAC.

    :meth:`AuditLog.head` gives the plain head; the log keeps a **signed** one
    (``rows``, ``key_id`` and ``mac`` set, see :meth:`sign`) outside its table,
    and :meth:`AuditLog.verify` checks the log against it. Keep copies
    elsewhere (closing packs and exports carry one; print or mail it) and pass
    them as ``anchors``: a log cut back and re-signed by someone holding the key
    then no longer holds the anchored row. An empty log's head has ``seq`` 0,
    ``rows`` 0 and :data:`GENESIS_HASH`.
    """

    seq: int
    row_hash: str
    recorded_at: dt.datetime
    rows: int | None = None
    key_id: str | None = None
    mac: str | None = None

    def _body(self) -> dict[str, Any]:
        return {
            "format": HEAD_FORMAT,
            "version": 1,
            "chain": CHAIN_VERSION,
            "rows": self.rows,
            "seq": self.seq,
            "row_hash": self.row_hash,
            "recorded_at": _utc_iso(self.recorded_at),
            "key_id": self.key_id,
        }

    def sign(self, key: SecretKey | bytes | str | os.PathLike[str] | None) -> ChainHead:
        """This head with the key's id and an HMAC-SHA256 over seq, row count, hash and time."""
        if self.rows is None:
            raise AuditError("a head needs its row count to be signed")
        secret = load_key(key)
        unsigned = dataclasses.replace(self, key_id=secret.key_id, mac=None)
        mac = secret.mac(_HEAD_DOMAIN + _canonical_json(unsigned._body()).encode("utf-8")).hex()
        return dataclasses.replace(unsigned, mac=mac)

    @property
    def signed(self) -> bool:
        """Whether the head carries a signature (not whether it is valid: see :meth:`signature_ok`)."""
        return self.mac is not None

    def signature_ok(self, key: SecretKey | bytes | str | os.PathLike[str] | None) -> bool:
        """Whether the head's HMAC is valid under ``key`` (False for an unsigned head)."""
        if self.mac is None or self.rows is None:
            return False
        secret = load_key(key)
        expected = secret.mac(_HEAD_DOMAIN + _canonical_json(self._body()).encode("utf-8")).hex()
        return hmac.compare_digest(expected, self.mac)

    def to_json(self) -> str:
        """The head as one line of JSON (what head files, packs and exports hold)."""
        return _canonical_json({**self._body(), "hmac": self.mac})

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any], *, file: str | None = None) -> ChainHead:
        """Read a head written by :meth:`to_json`; :class:`~receiptkit.errors.AuditError` when malformed."""
        try:
            data = _strict_json(text) if isinstance(text, str) else dict(text)
            if data.get("format") != HEAD_FORMAT:
                raise ValueError(f"format is {data.get('format')!r}, not {HEAD_FORMAT!r}")
            seq, rows, digest = data["seq"], data["rows"], data["row_hash"]
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (seq, rows)):
                raise ValueError("seq and rows must be non-negative integers")
            if not isinstance(digest, str) or not _SHA256_RE.fullmatch(digest):
                raise ValueError("row_hash is not a 64-digit hex hash")
            mac = data.get("hmac")
            if mac is not None and not isinstance(mac, str):
                raise ValueError("hmac is not text")
            return cls(
                seq=seq,
                row_hash=digest,
                recorded_at=_aware(data["recorded_at"], "recorded_at"),
                rows=rows,
                key_id=data.get("key_id"),
                mac=mac,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AuditError(f"not a receiptkit audit head ({exc})", file=file) from None

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the head to a file (replaced atomically: a reader never sees half a head)."""
        target = Path(path)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with temporary.open("w", encoding="utf-8") as handle:
                handle.write(self.to_json() + "\n")
                handle.flush()
                os.fsync(handle.fileno())  # on disk before it replaces the old head (a power cut keeps one)
            os.replace(temporary, target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise AuditError(f"cannot write the audit head ({exc.strerror})", file=str(target)) from None
        return target


def read_head(path: str | os.PathLike[str]) -> ChainHead:
    """A signed head from a file: a head file, a closing pack folder (its ``audit_head.json``) or an export.

    :class:`~receiptkit.errors.AuditError` when the file is missing or holds no head.
    """
    source = Path(path)
    if source.is_dir():
        source = source / PACK_HEAD_NAME
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditError(f"cannot read the audit head ({exc.strerror})", file=str(source)) from None
    except UnicodeDecodeError as exc:  # binary bytes over the head: a garbled head, not a crash
        raise AuditError(
            f"not a receiptkit audit head (not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start})",
            file=str(source),
        ) from None
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and lines[0].lstrip().startswith("{") and EXPORT_FORMAT in lines[0]:
        try:
            last = _strict_json(lines[-1])
        except _DuplicateKey as exc:
            raise AuditError(f"the export's last line is refused: {exc}", file=str(source)) from None
        except ValueError:
            raise AuditError("the export's last line is not JSON", file=str(source)) from None
        if not isinstance(last, dict) or "head" not in last:
            raise AuditError("the export has no head (cut short?)", file=str(source))
        return ChainHead.from_json(last["head"], file=str(source))
    return ChainHead.from_json(text, file=str(source))


PACK_HEAD_NAME = "audit_head.json"
"""Name of the signed head in a closing pack."""


@dataclass(frozen=True)
class Attempt:
    """One reprint attempt: what the renderer needs to print and :meth:`AuditLog.complete` to close it.

    ``attempt_id`` is the ``seq`` of the attempt's ``pending`` row and names the
    attempt in every later row (``ref_seq``). ``code`` is the verification code
    to print, ``reprint_no`` the "Reprint N" number and ``printed_at`` the time
    the code covers. ``state`` is the attempt's state when this object was made
    and ``tries`` how many times it was started (1 + retries). ``slip_tz`` is the
    zone the slip printed its times in (the journal row's: ``Asia/Shanghai``,
    ``+08:00``), which the code does not cover (it holds them in UTC); None for
    an attempt recorded before session 16.
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
    slip_tz: str | None = None

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

    ``ok`` is true when every row's keyed hash and link checks out, the signed
    head matches the end of the log, and every anchor is still in place.
    Otherwise ``problem`` names what is wrong:

    - in the rows: ``edited``, ``forged`` (a hash computed without the key),
      ``deleted``, ``inserted``, ``duplicated``, ``reordered``;
    - at the end: ``truncated`` (the signed head or an anchor names rows that are
      gone), ``unsigned_tail`` (rows after the signed head: an older head put
      back, or a writer that died before signing);
    - in the head: ``no_head``, ``head_invalid`` (edited, or signed with
      another key), ``anchor_invalid``;
    - in the log: ``wrong_key`` (made with another key than the one given),
      ``unkeyed`` (an old, unkeyed log, or its chain version removed).

    ``checked`` is false when the key given could not check the log at all: the log
    names another key and nothing in it (rows, signed head, anchors) was made with
    the key given. That is a key mix-up, or a log rebuilt under another key: the
    log is neither intact nor shown tampered with this key (``problem`` is
    ``wrong_key``). A ``wrong_key`` log of which something was made with the key
    given (its key id changed under rows keyed with it, a head kept elsewhere
    signed with it) is ``checked``: that is tampering.

    ``first_bad_seq`` is the first row that is wrong (for a deletion: the row
    after the gap; for the end: the first missing or unsigned row) and
    ``message`` says it in words. ``signed_head`` is the head the log was
    checked against.
    """

    ok: bool
    rows: int
    head: ChainHead | None
    problem: str | None = None
    first_bad_seq: int | None = None
    message: str = "the chain is intact"
    signed_head: ChainHead | None = None
    checked: bool = True

    def __bool__(self) -> bool:
        return self.ok


class _Refusal(Exception):
    """Internal: rows to commit, then this error to raise."""

    def __init__(self, error: ReprintRefused, rows: list[dict[str, Any]]) -> None:
        super().__init__(str(error))
        self.error = error
        self.rows = rows


@contextlib.contextmanager
def _interrupt_after(*, drop: bool = False) -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) back until the block is done, then raise it.

    An append commits its rows, then writes the signed head file; a Ctrl-C between the two left rows
    after the head (``unsigned_tail``): ``audit verify`` said TAMPERED and every later append was
    refused until the head was re-signed. The block is short (taken once the file lock is held);
    outside the main thread, or with another SIGINT handler than Python's own, nothing changes.
    With ``drop`` a Ctrl-C during the block is not raised at all (:func:`receiptkit.reprint` closing an
    attempt a first Ctrl-C stopped: a second one must not cut the closing row off).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if caught and not drop:  # also when the block failed: the clerk asked to stop
            raise KeyboardInterrupt


interrupts_held = _interrupt_after
"""Hold a Ctrl-C back until the block is done (``drop=True``: ignore it); for callers of the log."""


class _FileLock:
    """An exclusive lock on a small file, across processes (fcntl on POSIX, msvcrt on Windows).

    Held by writers from the start of their transaction until the head file is
    written, and by verifiers while they read, so that the head file and the
    table are always seen together. A lock file that cannot be created (a
    read-only folder) is not used: then nobody can write there either.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._handle: Any = None

    def __enter__(self) -> _FileLock:
        if self.path is None:
            return self
        try:
            self._handle = open(self.path, "a+b")
        except OSError:
            self._handle = None
            return self
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            while True:
                try:
                    self._handle.seek(0)
                    msvcrt.locking(self._handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
        else:
            import fcntl

            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._handle is None:
            return
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows
                import msvcrt

                self._handle.seek(0)
                msvcrt.locking(self._handle.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        finally:
            self._handle.close()
            self._handle = None


def _seq_text(rows: Sequence[Mapping[str, Any]], index: int) -> str:
    return str(rows[index]["seq"])


def _check_chain(
    rows: Sequence[Mapping[str, Any]],
    secret: SecretKey,
    *,
    chain: str | None,
    key_id: str | None,
    signed_head: ChainHead | None,
    head_error: str | None = None,
    require_head: bool = True,
    anchors: Iterable[ChainHead | tuple[int, str]] = (),
) -> VerifyReport:
    """Check rows (oldest first, as mappings) against the key, their signed head and anchors."""
    anchors = tuple(anchors)
    count = len(rows)
    head = (
        None
        if not rows
        else ChainHead(rows[-1]["seq"], rows[-1]["row_hash"], _parse_iso(rows[-1]["recorded_at"]), rows=count)
    )

    def bad(problem: str, seq: int | None, message: str) -> VerifyReport:
        return VerifyReport(False, count, head, problem, seq, message, signed_head)

    # no rows and no chain version, but a valid signed head of rows: a keyed log emptied, not an old unkeyed one
    if (
        chain is None
        and not rows
        and signed_head is not None
        and signed_head.rows
        and signed_head.signature_ok(secret)
    ):
        return bad(
            "truncated",
            1,
            f"the signed head covers {signed_head.rows} rows ending with row {signed_head.seq}, the log "
            "holds none and no chain version: the file was emptied or replaced, or its tables dropped",
        )
    if chain is None:
        return bad(
            "unkeyed",
            rows[0]["seq"] if rows else None,
            "the log has no chain version: an unkeyed log from an older receiptkit (upgrade it explicitly "
            "with `receiptkit audit upgrade`), or its metadata was removed",
        )
    if chain != str(CHAIN_VERSION):
        return bad(
            "unkeyed", None, f"unknown chain version {chain!r} (this receiptkit writes {CHAIN_VERSION})"
        )
    if key_id != secret.key_id:
        made = _made_with(secret, rows, signed_head, anchors)
        if made:  # something here was made with the key given: the log's key was changed, not mixed up
            return bad(
                "wrong_key",
                None,
                f"the log names key id {key_id}, but {' and '.join(made)} {'were' if len(made) > 1 else 'was'} "
                f"made with the key given (key id {secret.key_id}): the log's key id was changed, or the log "
                "rebuilt under another key",
            )
        return VerifyReport(
            False,
            count,
            head,
            "wrong_key",
            None,
            f"cannot verify with this key: the key given has key id {secret.key_id}, the log is keyed with key "
            f"id {key_id}, and nothing in it (rows, signed head{', anchors' if anchors else ''}) was made with "
            f"the key given; give the log's key (key id {key_id}). If the key given is the merchant's key, the "
            "log was rebuilt under another key: treat it as tampered",
            signed_head,
            checked=False,
        )
    seen: dict[str, int] = {}
    for i, r in enumerate(rows):
        if r["row_hash"] in seen:
            return bad(
                "duplicated",
                r["seq"],
                f"row {r['seq']} is a copy of row {_seq_text(rows, seen[r['row_hash']])}",
            )
        seen[r["row_hash"]] = i
    position = seen
    expected_prev = GENESIS_HASH
    previous: Mapping[str, Any] | None = None
    for i, r in enumerate(rows):
        seq = r["seq"]
        if r["prev_hash"] != expected_prev:
            target = position.get(r["prev_hash"])
            if target is not None and target > i:
                return bad(
                    "reordered", seq, f"row {seq} links to row {_seq_text(rows, target)}, which comes later"
                )
            if target is not None:
                return bad(
                    "inserted",
                    rows[target + 1]["seq"],
                    f"row(s) {_seq_text(rows, target + 1)}..{_seq_text(rows, i - 1)} were inserted before row {seq}",
                )
            gap = seq - (previous["seq"] if previous is not None else 0) > 1
            if gap or previous is None:
                return bad("deleted", seq, f"row(s) before row {seq} were deleted")
            # no gap in seq: the previous row was rewritten with its keyed hash recomputed, or rows were
            # deleted and the rows after them renumbered (seq is not hashed); the signed head's count tells
            if signed_head is not None and signed_head.rows is not None and signed_head.rows > count:
                return bad(
                    "deleted",
                    seq,
                    f"row(s) between row {previous['seq']} and row {seq} were deleted and the rows after them "
                    f"renumbered (the signed head counts {signed_head.rows} rows, the log has {count})",
                )
            return bad(
                "edited",
                previous["seq"],
                f"row {previous['seq']} was rewritten (hash recomputed), or the row(s) after it were deleted "
                f"and row {seq} renumbered",
            )
        if not hmac.compare_digest(row_mac(r, secret), str(r["row_hash"])):
            if r["row_hash"] in (_plain_v2(r), row_hash(r)):
                return bad(
                    "forged",
                    seq,
                    f"row {seq}'s hash is a plain SHA-256, not an HMAC under the merchant key: "
                    "written or recomputed by someone without the key",
                )
            return bad(
                "edited", seq, f"row {seq} was changed after it was written (its keyed hash does not match)"
            )
        if previous is not None and r["recorded_at"] < previous["recorded_at"]:
            return bad("reordered", seq, f"row {seq} was recorded before the row preceding it")
        expected_prev = r["row_hash"]
        previous = r

    if signed_head is None:
        if head_error is not None:
            return bad("head_invalid", None, head_error)
        if require_head:
            return bad(
                "no_head",
                None,
                "the signed head is missing (head file deleted?): rows cut off the end cannot be ruled out",
            )
    else:
        problem = _head_problem(rows, position, signed_head, secret, "the signed head")
        if problem is not None:
            return bad(*problem)
    for anchor in anchors:
        if isinstance(anchor, ChainHead):
            problem = _head_problem(rows, position, anchor, secret, "the anchor", tail_ok=True)
            if problem is not None:
                return bad(*problem)
            continue
        seq, digest = anchor
        index = position.get(digest)
        if index is None or rows[index]["seq"] != seq:
            return bad("truncated", seq, f"the anchored row {seq} is no longer in the log")
    message = (
        "the chain is intact"
        if signed_head is None
        else f"the chain is intact and matches its signed head ({count} rows)"
    )
    return VerifyReport(True, count, head, message=message, signed_head=signed_head)


def _made_with(
    secret: SecretKey,
    rows: Sequence[Mapping[str, Any]],
    signed_head: ChainHead | None,
    anchors: Iterable[ChainHead | tuple[int, str]],
) -> list[str]:
    """What in a log naming another key was made with ``secret`` all the same (tampering, not a mix-up)."""
    made = []
    keyed = [
        r
        for r in ([rows[0], rows[-1]] if rows else [])
        if hmac.compare_digest(row_mac(r, secret), str(r["row_hash"]))
    ]
    if keyed:  # the first or the last row: a log whose key id alone was changed has them all
        made.append(f"its rows (row {keyed[0]['seq']})")
    if signed_head is not None and (signed_head.signature_ok(secret) or signed_head.key_id == secret.key_id):
        made.append("its signed head")
    if any(isinstance(a, ChainHead) and a.signature_ok(secret) for a in anchors):
        made.append("an anchor (a head kept elsewhere)")
    return made


def _head_problem(
    rows: Sequence[Mapping[str, Any]],
    position: Mapping[str, int],
    claimed: ChainHead,
    secret: SecretKey,
    what: str,
    *,
    tail_ok: bool = False,
) -> tuple[str, int | None, str] | None:
    """Why ``rows`` do not end at (or, with ``tail_ok``, extend) the head ``claimed``; ``None`` when they do."""
    invalid = "anchor_invalid" if tail_ok else "head_invalid"
    if (claimed.signed or not tail_ok) and not claimed.signature_ok(secret):
        if claimed.mac is None:
            why = "is not signed"
        elif claimed.key_id and claimed.key_id != secret.key_id:
            why = f"was signed with another key (key id {claimed.key_id}, the key given has {secret.key_id})"
        else:
            why = "was edited after it was signed (or forged without the key)"
        return invalid, None, f"{what} {why}"
    count = len(rows)
    if claimed.rows == 0 or (claimed.seq == 0 and claimed.row_hash == GENESIS_HASH):
        if count and not tail_ok:
            return (
                "unsigned_tail",
                rows[0]["seq"],
                f"{what} is of an empty log but the log has {count} rows: rows were added without signing, "
                "or an older head was put back",
            )
        return None
    index = position.get(claimed.row_hash)
    expected_rows = claimed.rows if claimed.rows is not None else None
    if (
        index is None
        or rows[index]["seq"] != claimed.seq
        or (expected_rows is not None and index + 1 != expected_rows)
    ):
        size = (
            f"{claimed.rows} rows ending with row {claimed.seq}"
            if claimed.rows is not None
            else f"row {claimed.seq}"
        )
        if expected_rows is not None and count < expected_rows:
            return (
                "truncated",
                (rows[-1]["seq"] + 1) if rows else 1,
                f"{what} covers {size}, the log has {count}: rows were cut off the end",
            )
        return (
            "truncated",
            claimed.seq,
            f"{what} covers {size}, which is no longer in the log: rows were cut or rewritten after it was signed",
        )
    if not tail_ok and index + 1 < count:
        return (
            "unsigned_tail",
            rows[index + 1]["seq"],
            f"row(s) {rows[index + 1]['seq']}..{rows[-1]['seq']} come after {what} ({claimed.rows} rows): "
            "an older head was put back, or rows were added without signing (a writer that died before "
            "signing: check the rows, then `receiptkit audit head --resign`)",
        )
    return None


def _sqlite_file(url: sa.engine.URL, *, create: bool, location: str) -> Path | None:
    """The file of a ``sqlite://`` URL (resolved), checked before SQLite is asked to open it.

    SQLite creates a missing file on connecting, so ``create=False`` checks first: a mistyped URL was refused
    ("no audit table") but left an empty file behind (session 19). A log in memory (``sqlite://``,
    ``sqlite:///:memory:``) keeps nothing and is refused; ``sqlite://NAME`` (two slashes: NAME read as a host)
    is refused with the forms that work. A ``file:`` URI (``?uri=true``) is left to SQLite (``mode=rw``).
    """
    if url.host:
        raise AuditError(
            f"not a SQLite file URL: {url.host!r} is read as a host; a file is sqlite:///{url.host} (three "
            "slashes: relative to this folder) or sqlite:////absolute/path, or give the path itself",
            file=location,
        )
    if url.database in (None, "", ":memory:"):
        raise AuditError(
            "an audit log in memory keeps nothing (no row outlives the process, and every reprint would be "
            "number 1 again): give a file (a path, or sqlite:///FILE) or a database server's URL",
            file=location,
        )
    if str(url.database).startswith(
        "~"
    ):  # SQLite opens ./~/FILE while the head went to the home folder (§10)
        raise AuditError(
            f"a SQLite URL is not expanded: {url.database!r} would be a folder named '~' here; write the path in "
            "full (sqlite:////home/NAME/FILE), or give the path itself (~/FILE is expanded then)",
            file=location,
        )
    path = Path(str(url.database)).expanduser().resolve()
    uri = str(url.query.get("uri", "")).lower() in ("true", "1")  # a file: URI, which SQLite reads itself
    if not create and not uri and not path.exists():
        raise AuditError("no audit log at this path", file=location)
    return path


def missing_log(exc: Exception) -> bool:
    """Whether :class:`AuditLog` (``create=False``) refused because there is no log there at all.

    No file at the path, or a database without the log's table: what a mistyped path or URL gives. A
    writer (reprint, closing, the terminal register) then says how to start a log, rather than starting one.
    """
    text = str(exc)
    return "no audit log at this path" in text or "no audit table" in text


# ---------------------------------------------------------------------------
# the log


class AuditLog:
    """The append-only, keyed hash-chained audit log.

    ``url_or_path`` is a file path (a SQLite database, created when missing
    unless ``create=False``), a SQLAlchemy URL (``sqlite:///...``,
    ``postgresql+psycopg://...``) or an :class:`sqlalchemy.engine.Engine`.

    ``key`` is the merchant key (anything :func:`~receiptkit.verification.load_key`
    accepts; ``None``: ``RECEIPTKIT_KEY`` / ``RECEIPTKIT_KEY_FILE``, read when first
    needed). Every row's hash is an HMAC under it, so writing and verifying need
    it; reading rows does not. A new log is created with the key (its public
    ``key_id`` is stored, never the key); a log keyed with another key is not
    written to. An unkeyed log written by an older receiptkit is refused until
    it is upgraded explicitly (:meth:`upgrade`); ``allow_unkeyed=True`` opens it
    anyway so that :meth:`verify` can report it (nothing can be written to it).

    ``head`` is the file holding the signed head. Default: ``<log file>.head``
    beside a SQLite file; for a database server, a table of its own in the same
    database (give a file to keep it elsewhere). Every append checks that the
    log still ends where its signed head says (so a shortened log is not
    silently extended and re-signed) and signs the new head.

    Writers are serialised: a lock file beside the head file (``.head.lock``),
    on SQLite ``BEGIN IMMEDIATE`` (the database write lock, waited for up to
    ``timeout`` seconds; not set up on an ``Engine`` passed in, which keeps its
    own transaction behaviour), on PostgreSQL a transaction-level advisory lock;
    and on every backend a unique ``prev_hash`` makes a concurrent append to the
    same head fail and be retried, so the chain never forks and reprint numbers
    are never doubled. ``stale_after`` is how old a ``pending`` attempt must be
    before :meth:`retry` treats its process as dead. ``clock`` returns the
    current time (timezone-aware); tests replace it.
    """

    def __init__(
        self,
        url_or_path: str | os.PathLike[str] | Engine = DEFAULT_PATH,
        *,
        create: bool = True,
        key: SecretKey | bytes | str | os.PathLike[str] | None = None,
        head: str | os.PathLike[str] | None = None,
        timeout: float = 30.0,
        stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
        clock: Callable[[], dt.datetime] | None = None,
        allow_unkeyed: bool = False,
    ) -> None:
        self.stale_after = stale_after
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._secret: SecretKey | None = None if key is None else load_key(key)
        self._owns_engine = not isinstance(url_or_path, Engine)
        self._writer: tuple[int, Connection] | None = None  # (thread, connection) of a write under way
        self._table_gone = False  # set below: no table, but a signed head beside it
        self._damaged: str | None = None  # set below: the database cannot be read, a signed head beside it
        file_path: Path | None = None
        if isinstance(url_or_path, Engine):
            engine = url_or_path
            self.location = engine.url.render_as_string(hide_password=True)
            if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
                file_path = Path(str(engine.url.database)).expanduser().resolve()
        else:
            text = os.fspath(url_or_path)
            if "://" in text:
                try:
                    url = sa.engine.make_url(text)
                except (SQLAlchemyError, ValueError) as exc:
                    raise AuditError(f"not a database URL: {exc}", file=text) from None
                self.location = url.render_as_string(hide_password=True)
                if url.get_backend_name() == "sqlite":
                    file_path = _sqlite_file(url, create=create, location=self.location)
            else:
                path = Path(text).expanduser().resolve()
                if not create and not path.exists():
                    raise AuditError("no audit log at this path", file=str(path))
                if not path.parent.is_dir():
                    raise AuditError("the audit log's folder does not exist", file=str(path))
                url = sa.engine.URL.create("sqlite", database=str(path))
                self.location = str(path)
                file_path = path
            kwargs: dict[str, Any] = {}
            if url.get_backend_name() == "sqlite":
                kwargs["connect_args"] = {"timeout": timeout}
            try:
                engine = sa.create_engine(url, **kwargs)
            except (SQLAlchemyError, ImportError) as exc:
                raise AuditError(f"cannot open the audit log: {exc}", file=self.location) from None
        self._engine = engine
        self.file_path: Path | None = file_path
        """The SQLite file of the log (resolved), or None for a database server."""
        if head is not None:
            self.head_path: Path | None = Path(head).expanduser().resolve()
        elif file_path is not None:
            self.head_path = file_path.with_name(file_path.name + ".head")
        else:
            self.head_path = None  # kept in the database's head table
        self._lock_path = (
            None if self.head_path is None else self.head_path.with_name(self.head_path.name + ".lock")
        )
        if engine.dialect.name == "sqlite" and self._owns_engine:
            # not done to an engine the caller passed in: it would change their transactions too
            self._sqlite_locking(engine)
        try:
            inspector = sa.inspect(engine)
            has_events = inspector.has_table(TABLE)
            # a log with no table but its signed head beside it was emptied, replaced or its table dropped:
            # it opens for verify() to say so (rows cut off), and for nothing else
            self._table_gone = (
                not create and not has_events and self.head_path is not None and self.head_path.exists()
            )
            if not has_events and not create and not self._table_gone:
                raise AuditError("not a receiptkit audit log (no audit table)", file=self.location)
            meta = self._meta_of(engine) if has_events else {}
            rows = 0
            if has_events and not meta:
                with self._read() as conn:
                    rows = int(conn.execute(sa.select(sa.func.count()).select_from(_events)).scalar() or 0)
                if rows and not allow_unkeyed:
                    raise AuditError(
                        f"this audit log's chain is not keyed ({rows} rows written by an older receiptkit, or "
                        "its chain version was removed); it is not used until upgraded explicitly: "
                        "`receiptkit audit upgrade` or AuditLog.upgrade()",
                        file=self.location,
                    )
            if create:
                _metadata.create_all(engine)
                if not meta and not rows:
                    self._initialise()
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc.__class__.__name__)
            if (
                not create
                and isinstance(exc, DatabaseError)
                and self.head_path is not None
                and self.head_path.exists()
            ):  # a cut or damaged file beside its signed head: verify() says so, nothing else reads it
                self._damaged = reason
                self._table_gone = True
                return
            raise AuditError(f"cannot open the audit log: {reason}", file=self.location) from None

    # -- key, meta, head ----------------------------------------------------------

    def _secret_key(self, candidate: SecretKey | bytes | str | os.PathLike[str] | None = None) -> SecretKey:
        """The log's key; a ``candidate`` (a key passed to a call) must be the same key."""
        given = None if candidate is None else load_key(candidate)
        if self._secret is None:
            self._secret = given if given is not None else load_key()
        elif given is not None and given != self._secret:
            raise AuditError(
                f"the key given (key id {given.key_id}) is not the audit log's key (key id {self._secret.key_id})"
            )
        return self._secret

    @staticmethod
    def _meta_of(source: Engine | Connection) -> dict[str, str]:
        if isinstance(source, Engine):
            with source.connect() as conn:
                return AuditLog._meta_of(conn)
        if not sa.inspect(source).has_table(META_TABLE):
            return {}
        return {r.name: r.value for r in source.execute(sa.select(_meta))}

    @property
    def key_id(self) -> str | None:
        """The public id of the key the log is keyed with (``None`` for an unkeyed or new, empty log)."""
        try:
            return self._meta_of(self._engine).get("key_id")
        except SQLAlchemyError:
            return None

    def key_mismatch(self) -> str | None:
        """Why the key given cannot check this log (the log names another key id), or ``None`` when it can.

        A key mix-up is not tampering: callers say this instead of "changed after it was written".
        """
        logged, given = self.key_id, self._secret_key()
        if logged is None or logged == given.key_id:
            return None
        return (
            f"cannot verify with this key: the audit log is keyed with key id {logged}, the key given has key "
            f"id {given.key_id}"
        )

    def _file_lock(self) -> _FileLock:
        """A new hold on the lock file beside the head file (one per use: threads do not share it)."""
        return _FileLock(self._lock_path)

    def _lock_db(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})

    def _stored_head(self, conn: Connection | None) -> tuple[ChainHead | None, str | None]:
        """(the signed head kept outside the table, or None; why it could not be read, or None)."""
        where = str(self.head_path) if self.head_path is not None else f"table {HEAD_TABLE}"
        try:
            if self.head_path is not None:
                if not self.head_path.exists():
                    return None, None
                return read_head(self.head_path), None
            if conn is None or not sa.inspect(conn).has_table(HEAD_TABLE):
                return None, None
            text = conn.execute(sa.select(_head_table.c.head).where(_head_table.c.id == 1)).scalar()
            return (None, None) if text is None else (ChainHead.from_json(text, file=where), None)
        except AuditError as exc:
            return None, f"the signed head cannot be read: {exc}"

    def _save_head(self, conn: Connection, head: ChainHead) -> None:
        """Keep the signed head: in the head table now (same transaction), or flag it for the file."""
        if self.head_path is None:
            done = conn.execute(
                sa.update(_head_table).where(_head_table.c.id == 1).values(head=head.to_json())
            ).rowcount
            if not done:
                conn.execute(sa.insert(_head_table).values(id=1, head=head.to_json()))

    def _initialise(self) -> None:
        """Key a new, empty log now if the key is at hand; otherwise the first append does it."""
        try:
            secret = self._secret_key()
        except AuditError:
            return  # no key yet: the first append (which needs one) keys the log
        with self._file_lock(), _interrupt_after():  # a Ctrl-C waits for the head, as an append's does
            with self._engine.begin() as conn:
                self._lock_db(conn)
                empty = self._initialise_in(conn, secret)
            if empty is not None and self.head_path is not None:
                empty.write(self.head_path)

    def _initialise_in(self, conn: Connection, secret: SecretKey) -> ChainHead | None:
        """Inside a write transaction: store the chain version and key id, sign the empty head.

        Returns the empty head (to write to the head file after commit), or
        ``None`` when the log was keyed already. Refused when the table has rows
        or a head exists (rows and metadata removed, or a log deleted beside its head).
        """
        if self._meta_of(conn):
            return None
        if conn.execute(sa.select(sa.func.count()).select_from(_events)).scalar():
            raise AuditError("the audit log has rows but no chain version", file=self.location)
        stored, problem = self._stored_head(conn)
        if stored is not None or problem is not None:
            raise AuditError(
                "the audit log is empty and unkeyed but a signed head exists beside it "
                f"({stored.rows if stored is not None else '?'} rows): rows and metadata were removed? "
                "Check with `receiptkit audit verify`; move the head away only if the log is really new",
                file=self.location,
            )
        now = _aware(self._clock(), "clock()")
        conn.execute(
            sa.insert(_meta),
            [
                {"name": "chain", "value": str(CHAIN_VERSION)},
                {"name": "key_id", "value": secret.key_id},
                {"name": "created_at", "value": _utc_iso(now)},
            ],
        )
        empty = ChainHead(0, GENESIS_HASH, now, rows=0).sign(secret)
        self._save_head(conn, empty)
        return empty

    def _check_writable(self, conn: Connection, secret: SecretKey, tail: Any, count: int) -> None:
        """Refuse to extend a log keyed with another key, or one that no longer ends at its signed head."""
        meta = self._meta_of(conn)
        if meta.get("chain") != str(CHAIN_VERSION):
            raise AuditError("the audit log's chain is not keyed: upgrade it first", file=self.location)
        if meta.get("key_id") != secret.key_id:
            raise AuditError(
                f"the audit log is keyed with key id {meta.get('key_id')}; the key given has id {secret.key_id}",
                file=self.location,
            )
        stored, problem = self._stored_head(conn)
        where = str(self.head_path) if self.head_path is not None else f"table {HEAD_TABLE}"
        if stored is None:
            raise AuditError(
                problem
                or f"the audit log's signed head is missing ({where}): rows cut off the end cannot be "
                "ruled out; nothing is written. Check with `receiptkit audit verify`",
                file=self.location,
            )
        if not stored.signature_ok(secret):
            raise AuditError(
                f"the audit log's signed head ({where}) is not valid under this key; nothing is written. "
                "Check with `receiptkit audit verify`",
                file=self.location,
            )
        last_hash = GENESIS_HASH if tail is None else tail.row_hash
        if stored.rows != count or stored.row_hash != last_hash:
            raise AuditError(
                f"the audit log ({count} rows) does not end where its signed head says ({stored.rows} rows); "
                "nothing is written. Check with `receiptkit audit verify`",
                file=self.location,
            )

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
        """Run ``build`` inside one write transaction, append the rows it returns and sign the new head."""
        secret = self._secret_key()
        last: Exception | None = None
        for attempt in range(retries):
            if attempt:
                time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))  # back off, with jitter
            refusal: _Refusal | None = None
            new_head: ChainHead | None = None
            try:
                with self._file_lock(), _interrupt_after():
                    with self._engine.begin() as conn:
                        self._lock_db(conn)
                        tail, count = _tail_and_count(conn)
                        new_head = None if count else self._initialise_in(conn, secret)  # a new log
                        if new_head is None:
                            self._check_writable(conn, secret, tail, count)
                        now = _aware(self._clock(), "clock()")
                        seq, prev = (0, GENESIS_HASH)
                        if tail is not None:
                            seq, prev = tail.seq, tail.row_hash
                            now = max(now, _parse_iso(tail.recorded_at))  # recorded_at never goes back
                        self._writer = (threading.get_ident(), conn)  # reads in build() use this connection
                        try:
                            rows = build(conn, now)
                        except _Refusal as exc:
                            refusal = exc
                            rows = exc.rows
                        finally:
                            self._writer = None
                        for row in rows:
                            seq += 1
                            row.update(seq=seq, recorded_at=_utc_iso(now), prev_hash=prev)
                            for name in _HASHED:
                                row.setdefault(name, None)
                            row["row_hash"] = prev = row_mac(row, secret)
                        if rows:
                            conn.execute(sa.insert(_events), rows)
                            new_head = ChainHead(seq, prev, now, rows=count + len(rows)).sign(secret)
                            self._save_head(conn, new_head)
                    if new_head is not None and self.head_path is not None:
                        new_head.write(self.head_path)  # still under the lock: heads are written in order
            except IntegrityError as exc:  # another writer took the head: start again
                last = exc
                continue
            except OperationalError as exc:
                text = str(exc.orig).lower()
                if (
                    "locked" in text or "busy" in text or "deadlock" in text
                ):  # lock held longer than the timeout
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
        recheck: Callable[[], tuple[str, str] | None] | None = None,
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

        ``recheck`` is a control rule that reads the log (rule ``same_proof``), called inside the write
        transaction, after the cap, where no other writer can come between: it returns ``None``, or
        ``(rule, message)`` and a ``refused`` row is written and
        :class:`~receiptkit.errors.ReprintRefused` raised, no number used. Checked only before, two counters
        shown one proof at once both printed a duplicate (clean room 13, F1).
        """
        secret = self._secret_key(key)
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
        slip_tz = slip_zone(row)
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
            found = None if recheck is None else recheck()
            if found is not None:
                rule, message = found
                refused = {
                    "event_type": REPRINT,
                    "subject": txn_id,
                    "status": "refused",
                    "operator": operator_text,
                    "details": _canonical_json(
                        {**common, "rule": rule, "message": _scrub(message, "message")}
                    ),
                }
                raise _Refusal(ReprintRefused(message, rule=rule, value=txn_id), [refused])
            number = allocated + 1
            fields = canonical_fields(row, number, now)
            code = make_code(fields, secret)
            payload = {**common, "fields": fields, "mac": code.mac, "key_id": secret.key_id}
            if slip_tz is not None:  # the zone the slip prints its times in; the code covers them in UTC
                payload["slip_tz"] = slip_tz
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
            slip_tz=slip_tz,
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
        how: str | None = None,
    ) -> Event:
        """Close an attempt: append ``printed``, ``unconfirmed`` or ``failed`` (nothing is updated).

        ``document_sha256`` is the SHA-256 (hex) of the rendered document, or a
        mapping output kind -> SHA-256 when several were produced; it is required
        for ``printed`` and ``unconfirmed`` (the bytes left, but the printer did
        not confirm them). ``error`` (text or exception) says why it ``failed``
        or is ``unconfirmed``; full card numbers in it are masked. ``how`` is the
        printer's confirmation (:attr:`receiptkit.printers.PrintResult.method`:
        ``process_id``, ``status``, ``none``), kept in the row (the ``how`` column)
        so the log says what evidence there was; ``operator`` is reserved for
        :meth:`confirm`. An attempt can be completed once per try; a ``failed`` or
        ``unconfirmed`` one must be :meth:`retry`-ed (or, unconfirmed, :meth:`confirm`-ed)
        before it is completed again.
        """
        attempt_id = attempt.attempt_id if isinstance(attempt, Attempt) else int(attempt)
        if result not in ("printed", "unconfirmed", "failed"):
            raise AuditError("result must be 'printed', 'unconfirmed' or 'failed'", value=result)
        if how is not None and how not in _PRINTER_HOW:
            raise AuditError(f"how must be one of {', '.join(_PRINTER_HOW)}", value=how)
        if result == "printed" and how in ("status", "none"):  # FIELD-NOTES, "Whether a slip really printed"
            raise AuditError(
                f"a job confirmed by {'status only' if how == 'status' else 'no answer'} is unconfirmed, not printed: "
                "only the process ID response (or an operator's confirm()) says the duplicate came out",
                value=how,
            )
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
            if how is not None:
                payload["how"] = how
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

    def confirm(self, attempt: Attempt | int | str, *, operator: str, note: str | None = None) -> Attempt:
        """Record a clerk's word that an ``unconfirmed`` duplicate came out whole: it is then ``printed``.

        ``attempt`` is the attempt, its id, or the short code printed on the slip (as
        ``receiptkit audit pending`` lists it; case, spaces and dashes do not matter).
        A ``printed`` row is appended that points back to the attempt (``ref_seq``)
        and says it was the operator's word, not the printer's: ``how`` is
        ``operator``, ``operator`` is who saw the slip, ``note`` what they said;
        the details keep the state it had (``previous_state``), how the printer
        answered (``printer_how``: ``status`` when it took the job and reported no
        fault, ``none`` for a one-way link, ...) and the document's SHA-256. The
        attempt then counts as a printed duplicate everywhere (:meth:`unfinished`
        no longer lists it, a :meth:`retry` is refused, the ``same_proof`` rule
        and :func:`receiptkit.reprinting.earlier_duplicates` count it).

        Raises :class:`~receiptkit.errors.ConfirmRefused` (nothing written) for an
        attempt that ``failed`` (nothing was printed: reprint to retry it), one that
        is ``printed`` already, one still ``pending`` or ``retry`` (it may be
        printing now), a code no reprint carries (``unknown``) or several carry
        (``ambiguous``); :class:`~receiptkit.errors.AuditError` without an operator.
        """
        operator_text = _scrub(_required_text(operator, "operator"), "operator")
        note_text = None if note is None or not str(note).strip() else _scrub(str(note).strip(), "the note")
        code: str | None = None
        attempt_id: int | None = None
        if isinstance(attempt, Attempt):
            attempt_id = attempt.attempt_id
        elif isinstance(attempt, int) and not isinstance(attempt, bool):
            attempt_id = attempt
        else:
            code = normalise_short_code(str(attempt))
            if code is None:
                raise ConfirmRefused(
                    "not a short code (10 letters and digits, e.g. ABCDE-FGHJK)",
                    state="unknown",
                    value=attempt,
                )
        box: dict[str, Any] = {}

        def build(conn: Connection, _now: dt.datetime) -> list[dict[str, Any]]:
            found_id = attempt_id
            if code is not None:
                starts = conn.execute(
                    sa.select(_events.c.seq, _events.c.subject, _events.c.reprint_no)
                    .where(
                        _events.c.short_code == code,
                        _events.c.event_type == REPRINT,
                        _events.c.status == "pending",
                    )
                    .order_by(_events.c.seq)
                ).all()
                if not starts:
                    raise ConfirmRefused(
                        f"no reprint with code {code} in the audit log: check the code on the slip "
                        "(`receiptkit audit pending` lists the unconfirmed ones)",
                        state="unknown",
                        value=code,
                    )
                if len(starts) > 1:
                    which = ", ".join(
                        f"reprint {r.reprint_no} of {r.subject} (attempt {r.seq})" for r in starts
                    )
                    raise ConfirmRefused(
                        f"{len(starts)} reprints carry code {code} ({which}): confirm one by its attempt number",
                        state="ambiguous",
                        value=code,
                    )
                found_id = starts[0].seq
            assert found_id is not None
            try:
                first, state, _tries = self._attempt_state(conn, found_id)
            except AuditError:
                raise ConfirmRefused(
                    f"no reprint attempt {found_id} in the audit log", state="unknown", value=found_id
                ) from None
            what = f"reprint {first.reprint_no} of {first.subject} (code {first.short_code})"
            if state != "unconfirmed":
                why = {
                    "printed": "is already printed: nothing to confirm",
                    "failed": "failed: nothing was printed, so there is nothing to confirm; reprint to retry it "
                    "(same number and code)",
                    "pending": "is still pending: it may be printing now, or its process died (retry it)",
                    "retry": "is being retried: it may be printing now, or its process died (retry it)",
                }.get(state, f"is {state}")
                raise ConfirmRefused(f"{what} {why}", state=state, value=first.short_code)
            last = self._last_row(conn, found_id, status="unconfirmed")  # a later failed try sent nothing
            before = json.loads(last.details) if last.details else {}
            payload: dict[str, Any] = {
                "how": "operator",
                "previous_state": state,
                "document_sha256": before.get("document_sha256"),
            }
            if before.get("how") is not None:
                payload["printer_how"] = before["how"]
            if note_text is not None:
                payload["note"] = note_text
            box["first"] = first
            return [
                {
                    "event_type": REPRINT,
                    "subject": first.subject,
                    "status": "printed",
                    "ref_seq": found_id,
                    "reprint_no": first.reprint_no,
                    "operator": operator_text,
                    "details": _canonical_json(payload),
                }
            ]

        written = self._append(build)[0]
        base = _attempt_from_row(box["first"])
        return dataclasses.replace(
            base, operator=operator_text, state="printed", since=_parse_iso(written["recorded_at"])
        )

    def row_authentic(self, row: Mapping[Any, Any]) -> bool:
        """Whether a row's ``row_hash`` is the HMAC of its content under the log's key (one row, no links)."""
        return hmac.compare_digest(row_mac(row, self._secret_key()), str(row["row_hash"]))

    # -- reading -----------------------------------------------------------

    def _read(self, *, verifying: bool = False) -> contextlib.AbstractContextManager[Connection]:
        """A connection to read with, closed after the ``with`` block; inside a write (a control rule checked
        in ``begin_reprint``'s transaction, rule ``same_proof``) the writer's own connection, left open: a second
        connection there waited on a one-connection pool until it timed out (review 20, §8) and would not see
        exactly what the write lock protects."""
        writer = self._writer
        if writer is not None and writer[0] == threading.get_ident():
            return contextlib.nullcontext(writer[1])
        if self._table_gone and not verifying:
            raise AuditError(
                "the audit log cannot be read (no audit table, or the file is cut or damaged"
                + (f": {self._damaged}" if self._damaged else "")
                + ") while its signed head is beside it: the log was emptied, cut, replaced or its table "
                "dropped. Check with `receiptkit audit verify`",
                file=self.location,
            )
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
    def _last_row(conn: Connection, attempt_id: int, status: str | None = None) -> Any:
        query = (
            sa.select(_events)
            .where(sa.or_(_events.c.seq == attempt_id, _events.c.ref_seq == attempt_id))
            .where(_events.c.event_type == REPRINT)
        )
        if status is not None:
            query = query.where(_events.c.status == status)
        return conn.execute(query.order_by(_events.c.seq.desc()).limit(1)).first()

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
        state = attempt_state([r.status for r in later])
        tries = 1 + sum(1 for r in later if r.status == "retry")
        return first, state, tries

    def attempt_status(self, attempt_id: int) -> str:
        """The state of an attempt: ``pending``, ``retry`` (restarted, unfinished), ``printed``, ``unconfirmed`` or ``failed``."""
        with self._read() as conn:
            return self._attempt_state(conn, int(attempt_id))[1]

    def attempt_last_seq(self, attempt_id: int) -> int:
        """The ``seq`` of the attempt's last row: the row its state rests on (its ``pending`` row when none follows).

        A verifier compares it with the signed head: an attempt whose rows run past the head (an
        ``unsigned_tail``) is not vouched for until the head is signed again.
        """
        with self._read() as conn:
            self._attempt_state(conn, int(attempt_id))  # refuses an id that is not an attempt
            last = self._last_row(conn, int(attempt_id))
        return int(last.seq) if last is not None else int(attempt_id)

    def printed_how(self, attempt_id: int) -> tuple[str | None, str | None]:
        """How a printed attempt's printing was confirmed, and by whom: ``(how, operator)``.

        ``how`` is the ``how`` of its ``printed`` row: ``process_id`` (the printer confirmed it), ``operator``
        (a person's word, :meth:`confirm`: then ``operator`` names them), or ``None`` (an output with no
        printer: a PDF or PNG written, or a row from before ``how`` was kept). ``(None, None)`` while the
        attempt is not printed.
        """
        with self._read() as conn:
            _first, state, _tries = self._attempt_state(conn, int(attempt_id))
            if state != "printed":
                return None, None
            last = self._last_row(conn, int(attempt_id))
        details = json.loads(last.details) if last is not None and last.details else {}
        how = details.get("how") if isinstance(details.get("how"), str) else None
        return how, (str(last.operator) if how == "operator" and last.operator is not None else None)

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

        An attempt a clerk confirmed (:meth:`confirm`) is printed and not listed.

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
        seen: dict[int, list[str]] = {}
        for r in later:
            last[r.ref_seq] = r
            retries[r.ref_seq] = retries.get(r.ref_seq, 0) + (r.status == "retry")
            seen.setdefault(r.ref_seq, []).append(r.status)
        out = []
        for start in starts:
            tail = last.get(start.seq)
            state = attempt_state(seen.get(start.seq, []))
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
        """The last row of the chain, with the row count (``None`` for an empty log); not signed."""
        with self._read() as conn:
            row, count = _tail_and_count(conn)
        return (
            None if row is None else ChainHead(row.seq, row.row_hash, _parse_iso(row.recorded_at), rows=count)
        )

    def signed_head(self) -> ChainHead | None:
        """The signed head the log keeps outside its table (``None`` when it is missing).

        This is what to keep elsewhere as an anchor (a closing pack does). It is
        returned as stored: :meth:`verify` says whether it is valid and matches.
        """
        with self._file_lock(), self._read() as conn:
            stored, problem = self._stored_head(conn)
        if problem is not None:
            raise AuditError(problem, file=self.location)
        return stored

    def resign_head(self, *, operator: str, reason: str) -> ChainHead:
        """Sign the log's current end again, after a writer died between writing rows and signing them.

        Refused unless every row checks out under the key and the only problem
        is rows after the signed head (``unsigned_tail``) or a missing head. An
        ``audit_head_resigned`` event records who did it, why, and the old head;
        check those rows first: whoever holds the key could have added them.
        """
        who = _required_text(operator, "operator")
        why = _required_text(reason, "reason")
        report = self.verify(require_head=False)
        if not report.ok and report.problem != "unsigned_tail":
            raise AuditError(
                f"the log does not verify ({report.problem}: {report.message}); its head is not signed again",
                file=self.location,
            )
        old = report.signed_head
        secret = self._secret_key()
        with self._file_lock():
            with self._engine.begin() as conn:
                self._lock_db(conn)
                tail, count = _tail_and_count(conn)
                if count != report.rows:
                    raise AuditError("the log changed while it was checked; try again", file=self.location)
                now = _aware(self._clock(), "clock()")
                current = (
                    ChainHead(0, GENESIS_HASH, now, rows=0)
                    if tail is None
                    else ChainHead(tail.seq, tail.row_hash, _parse_iso(tail.recorded_at), rows=count)
                ).sign(secret)
                self._save_head(conn, current)
            if self.head_path is not None:
                current.write(self.head_path)
        self.record(
            "audit_head_resigned",
            self.location if len(self.location) <= 200 else self.location[-200:],
            {
                "reason": why,
                "old_head": None if old is None else json.loads(old.to_json()),
                "resigned_rows": count,
            },
            operator=who,
        )
        stored = self.signed_head()
        assert stored is not None
        return stored

    def _all(self) -> Sequence[Any]:
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

    def verify(
        self,
        *,
        anchors: Iterable[ChainHead | tuple[int, str]] = (),
        key: SecretKey | bytes | str | os.PathLike[str] | None = None,
        require_head: bool = True,
    ) -> VerifyReport:
        """Check the whole chain, its signed head and any anchors; report the first thing that is wrong.

        Every row's hash must be the HMAC of its content under the key (``key``,
        default the log's key): a row changed afterwards is **edited**, one whose
        hash is a plain SHA-256 was **forged** without the key. A row whose
        ``prev_hash`` is not the previous row's hash was **reordered** (it points
        to a later row), follows **inserted** rows (it points to an earlier row),
        or follows a **deleted** row (it points to no row, and ``seq`` has a
        gap; without a gap the previous row was rewritten together with its
        hash, reported as **edited**); a row twice is **duplicated**.

        Then the signed head kept outside the table must be valid and name the
        last row and the row count: rows cut off the end are **truncated**, rows
        after the head an **unsigned_tail** (an older head put back), a missing
        head **no_head** (``require_head=False`` skips this check), an edited
        one **head_invalid**. ``anchors`` are older heads (:class:`ChainHead`,
        from a closing pack, an export or :func:`read_head`; signed ones must
        be valid, ``anchor_invalid`` otherwise) or ``(seq, row_hash)`` pairs the
        caller kept: the log must still hold each (else **truncated**); this
        also catches a log cut back to an older head that was put back.
        A log made with another key is **wrong_key**, an unkeyed one **unkeyed**.
        """
        secret = load_key(key) if key is not None else self._secret_key()
        if self._damaged is not None:
            stored, unreadable = self._stored_head(None)
            if stored is not None:
                beside = f"and its signed head covers {stored.rows} rows ending with row {stored.seq}"
            else:  # the head beside it was written over too (or removed since): say so, with no count
                beside = f"and {unreadable or 'its signed head is gone'}"
            return VerifyReport(
                False,
                0,
                None,
                "truncated",
                1,
                f"the log cannot be read ({self._damaged}): the file was cut or damaged, {beside}",
                stored,
            )
        with self._file_lock(), self._read(verifying=True) as conn:  # one read: rows and head seen together
            self._lock_db(conn)
            meta = self._meta_of(conn)
            rows = self._all_rows(conn)
            stored, problem = self._stored_head(conn)
        return _check_chain(
            rows,
            secret,
            chain=meta.get("chain"),
            key_id=meta.get("key_id"),
            signed_head=stored,
            head_error=problem,
            require_head=require_head,
            anchors=anchors,
        )

    # -- backups, upgrades --------------------------------------------------------

    def _snapshot(self) -> tuple[dict[str, str], list[dict[str, Any]], ChainHead | None, str | None]:
        with self._file_lock(), self._read(verifying=True) as conn:
            self._lock_db(conn)
            meta = self._meta_of(conn)
            rows = self._all_rows(conn)
            stored, problem = self._stored_head(conn)
        return meta, rows, stored, problem

    @staticmethod
    def _all_rows(conn: Connection) -> list[dict[str, Any]]:
        """Every row, oldest first; none when the table is gone."""
        if not sa.inspect(conn).has_table(TABLE):
            return []
        return [dict(r._mapping) for r in conn.execute(sa.select(_events).order_by(_events.c.seq))]

    def export_log(self, path: str | os.PathLike[str]) -> Path:
        """Write the whole log, its chain and its signed head to a JSON Lines file (a backup).

        The first line says what the file is (format, chain version, key id, row
        count, columns), one line per row follows with every column, and the
        last line holds the signed head. The log is verified first; a log that
        does not verify is not exported (list it with :meth:`export` instead).
        :meth:`import_log` restores it; :func:`verify_export` checks it.
        """
        secret = self._secret_key()
        meta, rows, stored, problem = self._snapshot()
        report = _check_chain(
            rows,
            secret,
            chain=meta.get("chain"),
            key_id=meta.get("key_id"),
            signed_head=stored,
            head_error=problem,
        )
        if not report.ok:
            raise AuditError(
                f"the audit log does not verify ({report.problem}: {report.message}); it is not exported",
                file=self.location,
            )
        assert stored is not None
        target = Path(path)
        header = {
            "format": EXPORT_FORMAT,
            "version": 1,
            "chain": meta["chain"],
            "key_id": meta["key_id"],
            "rows": len(rows),
            "columns": [c.name for c in _events.columns],
            "exported_at": _utc_iso(_aware(self._clock(), "clock()")),
        }
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with temporary.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(_canonical_json(header) + "\n")
                for row in rows:
                    handle.write(_canonical_json(row) + "\n")
                handle.write(_canonical_json({"head": json.loads(stored.to_json())}) + "\n")
            os.replace(temporary, target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise AuditError(f"cannot write the export ({exc.strerror})", file=str(target)) from None
        return target

    def import_log(
        self, path: str | os.PathLike[str], *, anchors: Iterable[ChainHead | tuple[int, str]] = ()
    ) -> VerifyReport:
        """Restore an export written by :meth:`export_log` into this log, which must be empty.

        The export's chain, signed head and ``anchors`` are checked with the
        log's key first; a tampered, cut or foreign export is refused
        (:class:`~receiptkit.errors.AuditError` naming the problem) and nothing is
        written. The rows keep their ``seq`` and hashes, the head is kept, and
        the restored log is verified again; that report is returned.
        """
        secret = self._secret_key()
        header, rows, stored = _read_export(path)
        report = _check_chain(
            rows,
            secret,
            chain=str(header["chain"]),
            key_id=header["key_id"],
            signed_head=stored,
            anchors=anchors,
        )
        if not report.ok:
            raise AuditError(
                f"the export does not verify ({report.problem}: {report.message}); nothing is imported",
                file=str(path),
            )
        assert stored is not None
        unknown = set(header["columns"]) - {c.name for c in _events.columns}
        if unknown:
            raise AuditError(
                f"the export has column(s) this receiptkit does not know: {', '.join(sorted(unknown))}",
                file=str(path),
            )
        with self._file_lock():
            with self._engine.begin() as conn:
                self._lock_db(conn)
                if conn.execute(sa.select(sa.func.count()).select_from(_events)).scalar():
                    raise AuditError("the audit log to import into is not empty", file=self.location)
                meta = self._meta_of(conn)
                if meta.get("key_id") != secret.key_id or meta.get("chain") != str(CHAIN_VERSION):
                    raise AuditError(
                        "the audit log to import into is keyed with another key", file=self.location
                    )
                if rows:
                    conn.execute(sa.insert(_events), rows)
                self._save_head(conn, stored)
            if self.head_path is not None:
                stored.write(self.head_path)
        return self.verify()

    @classmethod
    def upgrade(
        cls,
        url_or_path: str | os.PathLike[str] | Engine,
        *,
        operator: str,
        key: SecretKey | bytes | str | os.PathLike[str] | None = None,
        head: str | os.PathLike[str] | None = None,
        anchors: Iterable[tuple[int, str] | ChainHead] = (),
    ) -> VerifyReport:
        """Key an unkeyed log written by an older receiptkit, explicitly; return the new log's report.

        The old, unkeyed chain is checked first (and ``anchors``, heads kept
        from it); a log that does not check out is refused. Then, in one
        transaction, every row's hash is recomputed as an HMAC under ``key``
        (the only time receiptkit rewrites rows; their content is not touched),
        the chain version and key id are stored and the head is signed; an
        ``audit_upgrade`` event records who did it and the old head, so that an
        old anchor can still be matched.
        """
        who = _required_text(operator, "operator")
        log = cls(url_or_path, create=False, key=key, head=head, allow_unkeyed=True)
        try:
            secret = log._secret_key()
            with log._file_lock():
                with log._engine.begin() as conn:
                    log._lock_db(conn)
                    if log._meta_of(conn):
                        raise AuditError("the audit log is keyed already", file=log.location)
                    stored, problem = log._stored_head(conn)
                    if stored is not None or problem is not None:
                        raise AuditError(
                            "a signed head exists for this log: it is a keyed log whose chain version was "
                            "removed, not an old one; it is not upgraded",
                            file=log.location,
                        )
                    rows = [
                        dict(r._mapping) for r in conn.execute(sa.select(_events).order_by(_events.c.seq))
                    ]
                    old_problem = _check_unkeyed(rows, anchors)
                    if old_problem is not None:
                        raise AuditError(
                            f"the unkeyed log does not verify ({old_problem}); it is not upgraded",
                            file=log.location,
                        )
                    _metadata.create_all(conn)
                    prev = GENESIS_HASH
                    old_head = (rows[-1]["seq"], rows[-1]["row_hash"]) if rows else (0, GENESIS_HASH)
                    for row in rows:
                        row["prev_hash"] = prev
                        prev = row_mac(row, secret)
                        conn.execute(
                            sa.update(_events)
                            .where(_events.c.seq == row["seq"])
                            .values(prev_hash=row["prev_hash"], row_hash=prev)
                        )
                    now = _aware(log._clock(), "clock()")
                    conn.execute(
                        sa.insert(_meta),
                        [
                            {"name": "chain", "value": str(CHAIN_VERSION)},
                            {"name": "key_id", "value": secret.key_id},
                            {"name": "created_at", "value": _utc_iso(now)},
                        ],
                    )
                    last = rows[-1] if rows else None
                    signed = (
                        ChainHead(0, GENESIS_HASH, now, rows=0)
                        if last is None
                        else ChainHead(last["seq"], prev, _parse_iso(last["recorded_at"]), rows=len(rows))
                    ).sign(secret)
                    log._save_head(conn, signed)
                if log.head_path is not None:
                    signed.write(log.head_path)
            log.record(
                UPGRADE_EVENT,
                "chain",
                {
                    "from_version": HASH_VERSION,
                    "to_version": CHAIN_VERSION,
                    "rows": len(rows),
                    "old_head": {"seq": old_head[0], "row_hash": old_head[1]},
                },
                operator=who,
            )
            return log.verify()
        finally:
            log.close()

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
# exports and old logs


def _read_export(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Any], list[dict[str, Any]], ChainHead | None]:
    """(header, rows, signed head or None) of an export; :class:`AuditError` naming the line when malformed."""
    source = Path(path)
    try:
        handle = source.open(encoding="utf-8")
    except OSError as exc:
        raise AuditError(f"cannot read the export ({exc.strerror})", file=str(source)) from None
    header: dict[str, Any] | None = None
    rows: list[dict[str, Any]] = []
    head: ChainHead | None = None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = _strict_json(line)
            except _DuplicateKey as exc:
                raise AuditError(f"{exc} on this line", file=str(source), row=number) from None
            except ValueError:
                raise AuditError("not JSON", file=str(source), row=number) from None
            if not isinstance(item, dict):
                raise AuditError("a line of an export is a JSON object", file=str(source), row=number)
            if header is None:
                if item.get("format") != EXPORT_FORMAT or not isinstance(item.get("columns"), list):
                    raise AuditError("not a receiptkit audit export", file=str(source), row=number)
                header = item
                continue
            if head is not None:
                raise AuditError("lines after the export's head", file=str(source), row=number)
            if set(item) == {"head"}:
                head = ChainHead.from_json(item["head"], file=str(source))
                continue
            if set(item) != set(header["columns"]):
                raise AuditError("a row's columns differ from the header's", file=str(source), row=number)
            seq, prev, digest, recorded = (
                item["seq"],
                item["prev_hash"],
                item["row_hash"],
                item["recorded_at"],
            )
            if (
                isinstance(seq, bool)
                or not isinstance(seq, int)
                or not all(isinstance(v, str) for v in (prev, digest, recorded))
            ):
                raise AuditError(
                    "a row's seq, hashes or time have the wrong type", file=str(source), row=number
                )
            rows.append(item)
    if header is None:
        raise AuditError("the export is empty", file=str(source))
    if header.get("rows") != len(rows) and head is not None:
        raise AuditError(
            f"the export's header says {header.get('rows')} rows, it holds {len(rows)}", file=str(source)
        )
    return header, rows, head


def verify_export(
    path: str | os.PathLike[str],
    *,
    key: SecretKey | bytes | str | os.PathLike[str] | None = None,
    anchors: Iterable[ChainHead | tuple[int, str]] = (),
) -> VerifyReport:
    """Check an export written by :meth:`AuditLog.export_log`: its chain, its signed head and ``anchors``."""
    header, rows, head = _read_export(path)
    return _check_chain(
        rows,
        load_key(key),
        chain=str(header.get("chain")),
        key_id=header.get("key_id"),
        signed_head=head,
        anchors=anchors,
    )


def _check_unkeyed(
    rows: Sequence[Mapping[str, Any]], anchors: Iterable[tuple[int, str] | ChainHead]
) -> str | None:
    """Why an unkeyed (version 1) chain does not check out, or ``None``."""
    prev = GENESIS_HASH
    for r in rows:
        if r["prev_hash"] != prev:
            return f"row {r['seq']} does not link to the row before it"
        if row_hash(r) != r["row_hash"]:
            return f"row {r['seq']} does not match its hash"
        prev = r["row_hash"]
    held = {(r["seq"], r["row_hash"]) for r in rows}
    for anchor in anchors:
        seq, digest = (anchor.seq, anchor.row_hash) if isinstance(anchor, ChainHead) else anchor
        if (seq, digest) not in held:
            return f"the anchored row {seq} is no longer in the log"
    return None


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


def slip_zone(row: Mapping[str, Any]) -> str | None:
    """The zone a duplicate of ``row`` prints its times in: that of ``row["ts"]`` as
    :func:`receiptkit.timeparse.zone_text` writes it (``Asia/Shanghai``, ``+08:00``); None when unknown."""
    from receiptkit.timeparse import zone_text

    try:
        zone = pd.Timestamp(row["ts"]).tzinfo
        return zone_text(zone) if zone is not None else None
    except (KeyError, TypeError, ValueError):  # no usable time: canonical_fields refuses the row anyway
        return None


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
        slip_tz=details.get("slip_tz") if isinstance(details.get("slip_tz"), str) else None,
    )


_DETAIL_COLUMNS = (
    "reason",
    "output_kind",
    "confidence",
    "document_sha256",
    "error",
    "how",
    "note",
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
