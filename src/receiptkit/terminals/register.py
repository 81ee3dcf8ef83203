"""The terminal register: which terminals a merchant has, and what happened to each.

Per terminal: ``terminal_id``, ``merchant_id``, ``model``, ``serial_no``,
``acquirer``, and its status (``active``, ``reported_lost``, ``replaced``,
``closed``) with the time of each change, the operator, a note and the
replacement terminal.

**The audit log is the record.** Every change is first written as a
``terminal_status`` event to the hash-chained audit log
(:class:`receiptkit.audit.AuditLog`): the new status in ``status``, the time the
change claims (the loss time of a loss report) in ``effective_at``, the operator,
and the note, attributes and replacement in ``details``. The register table
(``receiptkit_terminals``, by default in the same SQLite file) holds the current
state of each terminal for quick queries; it is folded from those events and
checked against them whenever it is read. So:

- a loss report written with a loss time in the past is a normal event whose
  claim reaches back over rows already in the log: :meth:`Terminals.backdated`
  lists it (with how many reprints were logged in between);
- a loss time edited in the audit table breaks the hash chain
  (``receiptkit audit verify``), and the register refuses to use it;
- a loss time edited in the register table no longer agrees with the log, and
  the register refuses to use it (:meth:`Terminals.verify` reports it).

Transactions on a terminal after its **cutoff** (the first change to
``reported_lost``, ``replaced`` or ``closed``) are "after the loss": see
:mod:`receiptkit.terminals.after_loss`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import os
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from receiptkit.audit import DEFAULT_PATH, AuditLog
from receiptkit.audit import _events as _audit_events
from receiptkit.errors import AuditError, ReceiptkitError, VerificationKeyError
from receiptkit.schema import STRING

__all__ = [
    "CUTOFF_STATUSES",
    "REGISTER_TABLE",
    "STATUSES",
    "TERMINAL_EVENT",
    "RegisterReport",
    "StatusChange",
    "Terminal",
    "Terminals",
    "cutoff_of",
    "terminal_key",
]

TERMINAL_EVENT = "terminal_status"
"""Event type of register changes in the audit log."""
STATUSES = ("active", "reported_lost", "replaced", "closed")
"""The statuses a terminal can have."""
CUTOFF_STATUSES = ("reported_lost", "replaced", "closed")
"""Statuses after which nothing done with the terminal is vouched for."""
REGISTER_TABLE = "receiptkit_terminals"

# which status each action may start from
_ALLOWED_FROM = {
    "report_lost": ("active",),
    "replace": ("active", "reported_lost"),
    "close": ("active", "reported_lost", "replaced"),
}
_ATTRIBUTES = ("merchant_id", "model", "serial_no", "acquirer")
_NAME_ACTIONS = ("alias", "unalias")  # declared names on statements (receiptkit.matching.comparators)

_metadata = sa.MetaData()
_terminals = sa.Table(
    REGISTER_TABLE,
    _metadata,
    sa.Column("terminal_id", sa.String(64), primary_key=True),
    sa.Column("merchant_id", sa.String(64)),
    sa.Column("model", sa.String(200)),
    sa.Column("serial_no", sa.String(200)),
    sa.Column("acquirer", sa.String(200)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("status_at", sa.String(40)),
    sa.Column("operator", sa.String(200)),
    sa.Column("note", sa.Text),
    sa.Column("replaced_by", sa.String(64)),
    sa.Column("replaces", sa.String(64)),
    sa.Column("cutoff_at", sa.String(40)),
    sa.Column("cutoff_status", sa.String(20)),
    sa.Column("audit_seq", sa.Integer, nullable=False),
    sa.Column("audit_hash", sa.String(64), nullable=False),
)
_CACHED = tuple(c.name for c in _terminals.columns if c.name != "terminal_id")


# ---------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class StatusChange:
    """One change of a terminal, as written to the audit log.

    ``at`` is the time the change claims (the loss time of a loss report; the
    service start of an ``add``, or ``None``); ``recorded_at`` the time it was
    written; ``seq`` the audit log row.
    """

    seq: int
    action: str
    status: str
    at: dt.datetime | None
    recorded_at: dt.datetime
    operator: str | None
    note: str | None
    replacement: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def backdated_by(self) -> dt.timedelta | None:
        """How long after the claimed time the change was written (``None`` without a claim)."""
        return None if self.at is None else self.recorded_at - self.at


@dataclass(frozen=True)
class Terminal:
    """A terminal in the register: attributes, current status and history.

    ``cutoff_at`` is the first time the terminal became ``reported_lost``,
    ``replaced`` or ``closed`` (``cutoff_status`` says which): transactions on
    it after that time are after the loss. ``None`` while it is active.
    """

    terminal_id: str
    merchant_id: str | None
    model: str | None
    serial_no: str | None
    acquirer: str | None
    status: str
    status_at: dt.datetime | None
    operator: str | None
    note: str | None
    replaced_by: str | None
    replaces: str | None
    cutoff_at: dt.datetime | None
    cutoff_status: str | None
    history: tuple[StatusChange, ...] = ()

    @property
    def aliases(self) -> tuple[str, ...]:
        """Names the merchant of this terminal is known by on statements (declared with :meth:`Terminals.alias`)."""
        names: dict[str, None] = {}
        for change in self.history:
            text = change.details.get("alias")
            if change.action == "alias" and text:
                names[text] = None
            elif change.action == "unalias" and text:
                names.pop(text, None)
        return tuple(names)

    @property
    def reported_at(self) -> dt.datetime | None:
        """When the cutoff change was written to the log (``None`` while active)."""
        for change in self.history:
            if change.status in CUTOFF_STATUSES:
                return change.recorded_at
        return None


@dataclass(frozen=True)
class RegisterReport:
    """What :meth:`Terminals.verify` found.

    ``ok`` when the audit log's chain is intact and every register row agrees
    with the events it was folded from. ``chain`` is the log's own
    :class:`~receiptkit.audit.VerifyReport`; ``problems`` lists register rows that
    disagree with the log (one line each); ``backdated`` the changes whose
    claimed time reaches back over rows already in the log (not an error by
    itself: a loss is often reported hours later, but it is worth a look).
    """

    ok: bool
    chain: Any
    problems: tuple[str, ...]
    backdated: pd.DataFrame

    def __bool__(self) -> bool:
        return self.ok


# ---------------------------------------------------------------------------
# time helpers


def _utc(value: dt.datetime | pd.Timestamp | str | None, what: str) -> dt.datetime | None:
    """A timezone-aware time as UTC ``datetime``; naive times are refused (their zone is unknown)."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ReceiptkitError(f"{what} is not a time", value=value) from None
    if stamp is pd.NaT:
        raise ReceiptkitError(f"{what} is empty")
    if stamp.tzinfo is None:
        raise ReceiptkitError(f"{what} must be timezone-aware (say which zone)", value=str(value))
    return stamp.tz_convert("UTC").to_pydatetime()


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat(timespec="microseconds")


@overload
def _parse(text: str) -> dt.datetime: ...
@overload
def _parse(text: None) -> None: ...
def _parse(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


@overload
def _text(value: Any, what: str, *, required: Literal[True]) -> str: ...
@overload
def _text(value: Any, what: str, *, required: bool = False) -> str | None: ...
def _text(value: Any, what: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        if required:
            raise ReceiptkitError(f"{what} is required")
        return None
    text = str(value).strip()
    if not text:
        if required:
            raise ReceiptkitError(f"{what} is required")
        return None
    return text


def terminal_key(value: Any) -> str:
    """A terminal id as the register keeps it: NFKC-folded and stripped, so that an id typed with full-width
    digits (``１２３４５６７８``, a Chinese IME in full-width mode) is the journal's ``12345678``.

    >>> terminal_key(" １２３４５６７８ ")
    '12345678'
    """
    return unicodedata.normalize("NFKC", str(value)).strip()


def _tid(value: Any, what: str) -> str:
    return terminal_key(_text(value, what, required=True))


# ---------------------------------------------------------------------------
# folding the events into the current state


def _change(row: Any) -> StatusChange:
    details = json.loads(row.details)
    return StatusChange(
        seq=int(row.seq),
        action=str(details.get("action", "")),
        status=str(row.status),
        at=_parse(row.effective_at),
        recorded_at=_parse(row.recorded_at),
        operator=row.operator,
        note=details.get("note"),
        replacement=details.get("replaced_by") or details.get("replaces"),
        details=details,
    )


def _fold(terminal_id: str, rows: Sequence[Any]) -> dict[str, Any]:
    """The register row that the events of one terminal (oldest first) amount to."""
    state: dict[str, Any] = {name: None for name in _CACHED}
    state["terminal_id"] = terminal_id
    for row in rows:
        details = json.loads(row.details)
        if details.get("action") in _NAME_ACTIONS:  # a name of the merchant, not a change of status
            state["audit_seq"] = int(row.seq)
            state["audit_hash"] = row.row_hash
            continue
        if details.get("action") == "add":
            for name in _ATTRIBUTES:
                state[name] = details.get(name)
            state["replaces"] = details.get("replaces")
        state["status"] = row.status
        state["status_at"] = row.effective_at
        state["operator"] = row.operator
        state["note"] = details.get("note")
        if details.get("replaced_by"):
            state["replaced_by"] = details["replaced_by"]
        if row.status in CUTOFF_STATUSES and state["cutoff_at"] is None:
            state["cutoff_at"] = row.effective_at or row.recorded_at
            state["cutoff_status"] = row.status
        state["audit_seq"] = int(row.seq)
        state["audit_hash"] = row.row_hash
    return state


def _terminal(state: Mapping[str, Any], rows: Sequence[Any]) -> Terminal:
    return Terminal(
        terminal_id=state["terminal_id"],
        merchant_id=state["merchant_id"],
        model=state["model"],
        serial_no=state["serial_no"],
        acquirer=state["acquirer"],
        status=state["status"],
        status_at=_parse(state["status_at"]),
        operator=state["operator"],
        note=state["note"],
        replaced_by=state["replaced_by"],
        replaces=state["replaces"],
        cutoff_at=_parse(state["cutoff_at"]),
        cutoff_status=state["cutoff_status"],
        history=tuple(_change(r) for r in rows),
    )


# ---------------------------------------------------------------------------
# the register


class Terminals:
    """The terminal register, kept next to (and checked against) the audit log.

    ``url_or_path``: the audit log's SQLite file (default
    ``receiptkit-audit.sqlite``), any SQLAlchemy URL, an
    :class:`~sqlalchemy.engine.Engine`, or an open :class:`~receiptkit.audit.AuditLog`.
    The register table lives in the same database as the log. ``create=False``
    refuses to create a new database or table (for readers). ``clock`` returns
    the current time (timezone-aware); tests replace it. ``key``: the merchant
    key the audit log is keyed with (default: ``RECEIPTKIT_KEY`` / ``RECEIPTKIT_KEY_FILE``).

    >>> import tempfile, pathlib, datetime as dt
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> register = Terminals(folder / "audit.sqlite", key=bytes(range(32)))
    >>> _ = register.add("12345678", merchant_id="898310048161234", model="PAX A920", operator="li")
    >>> lost = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    >>> register.report_lost("12345678", at=lost, operator="li", note="stolen from the counter").status
    'reported_lost'
    >>> register.get("12345678").cutoff_at.isoformat()
    '2026-11-20T01:00:00+00:00'
    >>> register.close_log()
    """

    def __init__(
        self,
        url_or_path: str | os.PathLike[str] | Engine | AuditLog = DEFAULT_PATH,
        *,
        create: bool = True,
        clock: Callable[[], dt.datetime] | None = None,
        key: Any = None,
    ) -> None:
        if isinstance(url_or_path, AuditLog):
            self.log = url_or_path
            self._owns_log = False
        else:
            self.log = AuditLog(url_or_path, create=create, clock=clock, key=key)
            self._owns_log = True
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._engine: Engine = self.log._engine
        try:
            if create:
                _metadata.create_all(self._engine)
            elif not sa.inspect(self._engine).has_table(REGISTER_TABLE):
                raise AuditError("no terminal register in this database", file=self.log.location)
        except SQLAlchemyError as exc:
            raise AuditError(
                f"cannot open the terminal register: {exc.__class__.__name__}", file=self.log.location
            ) from None

    @classmethod
    def existing(cls, log: AuditLog) -> Terminals | None:
        """The register in ``log``'s database, or ``None`` when it has none (nothing is created)."""
        try:
            has = sa.inspect(log._engine).has_table(REGISTER_TABLE)
        except SQLAlchemyError:
            return None
        return cls(log, create=False) if has else None

    def close_log(self) -> None:
        """Release the database connections (when this object opened the log)."""
        if self._owns_log:
            self.log.close()

    def __enter__(self) -> Terminals:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close_log()

    def __repr__(self) -> str:
        return f"Terminals({self.log.location!r})"

    # -- reading ---------------------------------------------------------------

    def _events(self, conn: Connection, terminal_id: str | None = None) -> dict[str, list[Any]]:
        """The terminal events (oldest first) per terminal, each checked against its hash and link."""
        query = sa.select(_audit_events).where(_audit_events.c.event_type == TERMINAL_EVENT)
        if terminal_id is not None:
            query = query.where(_audit_events.c.subject == terminal_id)
        rows = conn.execute(query.order_by(_audit_events.c.seq)).all()
        if not rows:
            return {}
        following = {
            r.seq: r.prev_hash
            for r in conn.execute(
                sa.select(_audit_events.c.seq, _audit_events.c.prev_hash).where(
                    _audit_events.c.seq.in_([r.seq + 1 for r in rows])
                )
            ).all()
        }
        out: dict[str, list[Any]] = {}
        for r in rows:
            if not self.log.row_authentic(r._mapping):
                mismatch = self.log.key_mismatch()
                if mismatch is not None:  # the wrong key, not a changed row (it may still be a rebuilt log)
                    raise VerificationKeyError(
                        f"{mismatch}; give the log's key (RECEIPTKIT_KEY / RECEIPTKIT_KEY_FILE). If the key given "
                        "is the merchant's key, the log was rebuilt under another key: run `receiptkit audit verify`",
                        file=self.log.location,
                    )
                raise AuditError(
                    f"audit row {r.seq} ({TERMINAL_EVENT} of terminal {r.subject}) was changed after it was "
                    "written; run `receiptkit audit verify`",
                    file=self.log.location,
                )
            nxt = following.get(r.seq + 1)
            if nxt is not None and nxt != r.row_hash:
                raise AuditError(
                    f"audit row {r.seq} ({TERMINAL_EVENT} of terminal {r.subject}) no longer links to the "
                    "row after it; run `receiptkit audit verify`",
                    file=self.log.location,
                )
            out.setdefault(r.subject, []).append(r)
        return out

    def _checked(self, terminal_id: str | None = None) -> dict[str, tuple[dict[str, Any], list[Any]]]:
        """Fold the log per terminal and check the register table against it.

        A register row behind the log (the process died between the two
        writes, or the row was deleted) is brought up to date; a row that
        disagrees with the log raises :class:`~receiptkit.errors.AuditError`.
        """
        problems: list[str] = []
        states = self._fold_and_compare(terminal_id, problems, repair=True)
        if problems:
            raise AuditError(problems[0] + "; the terminal register was edited outside receiptkit")
        return states

    def _fold_and_compare(
        self, terminal_id: str | None, problems: list[str], *, repair: bool
    ) -> dict[str, tuple[dict[str, Any], list[Any]]]:
        with self.log._read() as conn:
            events = self._events(conn, terminal_id)
            query = sa.select(_terminals)
            if terminal_id is not None:
                query = query.where(_terminals.c.terminal_id == terminal_id)
            table = {r.terminal_id: r._mapping for r in conn.execute(query).all()}
        states: dict[str, tuple[dict[str, Any], list[Any]]] = {}
        stale: list[dict[str, Any]] = []
        for tid in sorted(set(events) | set(table)):
            rows = events.get(tid, [])
            if not rows:
                problems.append(f"terminal {tid} is in the register but the audit log has no event for it")
                continue
            state = _fold(tid, rows)
            states[tid] = (state, rows)
            cached = table.get(tid)
            if cached is None:
                stale.append(state)
                continue
            if cached["audit_seq"] != state["audit_seq"]:
                earlier = [r for r in rows if r.seq <= cached["audit_seq"]]
                if earlier and _differences(cached, _fold(tid, earlier)) == []:
                    stale.append(state)  # the log went on; the register row was not updated yet
                    continue
            diff = _differences(cached, state)
            if diff:
                name, mine, logged = diff[0]
                problems.append(
                    f"terminal {tid}: the register says {name}={mine!r} but the audit log says {logged!r}"
                )
        if stale and repair:
            self._store(stale)
        return states

    def _store(self, states: Iterable[Mapping[str, Any]]) -> None:
        with self._engine.begin() as conn:
            for state in states:
                values = {name: state[name] for name in ("terminal_id", *_CACHED)}
                done = conn.execute(
                    sa.update(_terminals)
                    .where(_terminals.c.terminal_id == values["terminal_id"])
                    .values(**{k: v for k, v in values.items() if k != "terminal_id"})
                )
                if done.rowcount == 0:
                    conn.execute(sa.insert(_terminals).values(**values))

    def get(self, terminal_id: str) -> Terminal:
        """One terminal with its history; raises :class:`~receiptkit.errors.ReceiptkitError` if unknown."""
        tid = _tid(terminal_id, "terminal_id")
        states = self._checked(tid)
        if tid not in states:
            raise ReceiptkitError("no such terminal in the register", column="terminal_id", value=tid)
        state, rows = states[tid]
        return _terminal(state, rows)

    def find(self, terminal_id: str) -> Terminal | None:
        """Like :meth:`get`, but ``None`` for an unknown terminal."""
        try:
            return self.get(terminal_id)
        except AuditError:
            raise
        except ReceiptkitError:
            return None

    def __contains__(self, terminal_id: object) -> bool:
        return isinstance(terminal_id, str) and self.find(terminal_id) is not None

    def list(self) -> pd.DataFrame:
        """Every terminal, one row each: attributes, status, its time, cutoff and replacement."""
        states = self._checked()
        columns = ["terminal_id", *_ATTRIBUTES, "status", "status_at", "operator", "note"]
        columns += ["replaced_by", "replaces", "cutoff_at", "cutoff_status"]
        records = [{c: state[c] for c in columns} for state, _ in states.values()]
        frame = pd.DataFrame.from_records(records, columns=columns)
        for name in ("status_at", "cutoff_at"):
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
        for name in columns:
            if name not in ("status_at", "cutoff_at"):
                frame[name] = frame[name].astype(object).where(frame[name].notna(), None).astype(STRING)
        return frame

    def history(self, terminal_id: str | None = None) -> pd.DataFrame:
        """The changes (oldest first): ``seq, terminal_id, action, status, at, recorded_at, operator, note, replacement``."""
        states = self._checked(None if terminal_id is None else str(terminal_id))
        records = []
        for tid, (_, rows) in states.items():
            for change in (_change(r) for r in rows):
                records.append(
                    {
                        "seq": change.seq,
                        "terminal_id": tid,
                        "action": change.action,
                        "status": change.status,
                        "at": change.at,
                        "recorded_at": change.recorded_at,
                        "operator": change.operator,
                        "note": change.note,
                        "replacement": change.replacement,
                    }
                )
        columns = ["seq", "terminal_id", "action", "status", "at", "recorded_at", "operator", "note"]
        frame = pd.DataFrame.from_records(records, columns=[*columns, "replacement"])
        frame = frame.sort_values("seq", ignore_index=True)
        for name in ("at", "recorded_at"):
            frame[name] = pd.to_datetime(frame[name], utc=True)
        return frame

    def cutoffs(self) -> pd.DataFrame:
        """Terminals that have a cutoff: ``terminal_id, cutoff_at`` (UTC), ``cutoff_status``."""
        frame = self.list()
        has = frame["cutoff_at"].notna()
        return frame.loc[has, ["terminal_id", "cutoff_at", "cutoff_status"]].reset_index(drop=True)

    def backdated(self, *, tolerance: dt.timedelta = dt.timedelta(minutes=1)) -> pd.DataFrame:
        """Register changes whose claimed time reaches back over rows already in the log.

        ``tolerance`` (default one minute) leaves out claims that reach back only
        over rows written moments before in the same operation (a replacement
        adds the new terminal, then marks the old one, both as of "now").

        Columns of :meth:`receiptkit.audit.AuditLog.backdated` (``lag``,
        ``overtakes``) plus ``reprints_between``: how many reprints of
        transactions on that terminal were logged between the claimed time and
        the time the change was written.
        """
        frame = self.log.backdated(event_type=TERMINAL_EVENT, tolerance=tolerance)
        if frame.empty:
            return frame.assign(reprints_between=pd.Series(dtype="int64"))
        reprints = self.log.rows(event_type="reprint", status="pending")
        terminals = reprints["details"].map(lambda t: json.loads(t).get("fields", {}).get("terminal_id"))
        counts = []
        for _, row in frame.iterrows():
            between = (
                (terminals == row["subject"])
                & (reprints["recorded_at"] > row["effective_at"])
                & (reprints["recorded_at"] <= row["recorded_at"])
            )
            counts.append(int(between.sum()))
        return frame.assign(reprints_between=pd.Series(counts, index=frame.index, dtype="int64"))

    def verify(self) -> RegisterReport:
        """Check the audit log's chain and every register row against the events it came from."""
        chain = self.log.verify()
        problems: list[str] = []
        if chain.ok:
            try:
                self._fold_and_compare(None, problems, repair=False)
            except AuditError as exc:  # pragma: no cover - the chain check above catches these first
                problems.append(str(exc))
        else:
            problems.append(f"audit log {chain.problem} at row {chain.first_bad_seq}: {chain.message}")
        backdated = self.backdated() if chain.ok else pd.DataFrame()
        return RegisterReport(not problems, chain, tuple(problems), backdated)

    # -- writing -----------------------------------------------------------------

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise AuditError("clock() must return a timezone-aware time")
        return now.astimezone(dt.UTC)

    def _write(
        self,
        terminal_id: str,
        *,
        action: str,
        status: str,
        operator: str,
        at: dt.datetime | None,
        details: Mapping[str, Any],
    ) -> Terminal:
        op = _text(operator, "operator", required=True)
        self.log.record(
            TERMINAL_EVENT,
            terminal_id,
            {"action": action, **{k: v for k, v in details.items() if v is not None}},
            operator=op,
            status=status,
            effective_at=at,
        )
        self._checked(terminal_id)  # folds the new event into the register row
        return self.get(terminal_id)

    def add(
        self,
        terminal_id: str,
        *,
        operator: str,
        merchant_id: str | None = None,
        model: str | None = None,
        serial_no: str | None = None,
        acquirer: str | None = None,
        since: dt.datetime | pd.Timestamp | None = None,
        note: str | None = None,
        replaces: str | None = None,
    ) -> Terminal:
        """Put a terminal in the register as ``active`` (``since``: when it went into service, optional)."""
        tid = _tid(terminal_id, "terminal_id")
        if self.find(tid) is not None:
            raise ReceiptkitError("terminal is already in the register", column="terminal_id", value=tid)
        at = _utc(since, "since")
        if at is not None and at > self._now():
            raise ReceiptkitError("since is in the future", column="since", value=_iso(at))
        attributes = {
            "merchant_id": _text(merchant_id, "merchant_id"),
            "model": _text(model, "model"),
            "serial_no": _text(serial_no, "serial_no"),
            "acquirer": _text(acquirer, "acquirer"),
        }
        _replaces = None if _text(replaces, "replaces") is None else _tid(replaces, "replaces")
        details = {**attributes, "note": _text(note, "note"), "replaces": _replaces}
        return self._write(tid, action="add", status="active", operator=operator, at=at, details=details)

    def _transition(self, terminal_id: str, action: str, at: dt.datetime | None) -> tuple[str, Terminal]:
        tid = _tid(terminal_id, "terminal_id")
        current = self.get(tid)
        if current.status not in _ALLOWED_FROM[action]:
            raise ReceiptkitError(
                f"cannot {action.replace('_', ' ')} a terminal that is {current.status}",
                column="terminal_id",
                value=tid,
            )
        if at is not None:
            if at > self._now() + dt.timedelta(minutes=1):
                raise ReceiptkitError(
                    f"the time of {action.replace('_', ' ')} is in the future", value=_iso(at)
                )
            earlier = [c.at for c in current.history if c.at is not None]
            if earlier and at < max(earlier):
                raise ReceiptkitError(
                    f"the time of {action.replace('_', ' ')} is before the terminal's last change "
                    f"({_iso(max(earlier))})",
                    value=_iso(at),
                )
        return tid, current

    def report_lost(
        self, terminal_id: str, *, at: dt.datetime | pd.Timestamp, operator: str, note: str | None = None
    ) -> Terminal:
        """Report the terminal lost, stolen or broken since ``at`` (the loss time, timezone-aware).

        ``at`` may lie before now (losses are noticed late); the change is
        written now, with ``at`` as its claimed time, and
        :meth:`backdated` lists it when reprints were logged in between.
        """
        when = _utc(at, "at")
        if when is None:
            raise ReceiptkitError("the loss time (at) is required")
        tid, _ = self._transition(terminal_id, "report_lost", when)
        return self._write(
            tid,
            action="report_lost",
            status="reported_lost",
            operator=operator,
            at=when,
            details={"note": _text(note, "note")},
        )

    def replace(
        self,
        terminal_id: str,
        *,
        by: str,
        operator: str,
        at: dt.datetime | pd.Timestamp | None = None,
        note: str | None = None,
        model: str | None = None,
        serial_no: str | None = None,
    ) -> Terminal:
        """Mark the terminal ``replaced`` by ``by`` (added as ``active`` if new, with the old one's merchant and acquirer)."""
        when = _utc(at, "at") or self._now()
        new = _tid(by, "by")
        tid, current = self._transition(terminal_id, "replace", when)
        if new == tid:
            raise ReceiptkitError("a terminal cannot replace itself", value=new)
        existing = self.find(new)
        if existing is None:
            self.add(
                new,
                operator=operator,
                merchant_id=current.merchant_id,
                acquirer=current.acquirer,
                model=model,
                serial_no=serial_no,
                since=when,
                note=f"replacement of {tid}",
                replaces=tid,
            )
        elif existing.status != "active":
            raise ReceiptkitError("the replacement terminal is not active", column="by", value=new)
        elif existing.merchant_id and current.merchant_id and existing.merchant_id != current.merchant_id:
            raise ReceiptkitError(
                f"the replacement terminal belongs to another merchant ({existing.merchant_id}, not "
                f"{current.merchant_id}): a re-issued or mistyped terminal id?",
                column="by",
                value=new,
            )
        return self._write(
            tid,
            action="replace",
            status="replaced",
            operator=operator,
            at=when,
            details={"note": _text(note, "note"), "replaced_by": new},
        )

    def close(
        self,
        terminal_id: str,
        *,
        operator: str,
        at: dt.datetime | pd.Timestamp | None = None,
        note: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Terminal:
        """Mark the terminal ``closed`` (contract ended, device returned); ``details`` go into the audit row."""
        when = _utc(at, "at") or self._now()
        tid, _ = self._transition(terminal_id, "close", when)
        extra = dict(details or {})
        clash = set(extra) & {"action", "note", "replaced_by", "replaces", *_ATTRIBUTES}
        if clash:
            raise ReceiptkitError(f"details may not set {', '.join(sorted(clash))}")
        return self._write(
            tid,
            action="close",
            status="closed",
            operator=operator,
            at=when,
            details={"note": _text(note, "note"), **extra},
        )

    def alias(
        self, terminal_id: str, text: str, *, operator: str, note: str | None = None, remove: bool = False
    ) -> Terminal:
        """Declare (or with ``remove=True`` withdraw) a name this terminal's merchant has on statements.

        A legal entity (``上海某某餐饮管理有限公司``), an aggregator's descriptor
        or a head office's name that customers' proofs show instead of the
        shop sign. The matcher then reads that name as the merchant's (level
        ``alias``) instead of as neutral or another shop. Written to the
        audit log like every register change; the status is unchanged.
        """
        tid = _tid(terminal_id, "terminal_id")
        name = _text(text, "alias", required=True)
        current = self.get(tid)
        if remove and name not in current.aliases:
            raise ReceiptkitError("the terminal has no such alias", column="alias", value=name)
        if not remove and name in current.aliases:
            raise ReceiptkitError("the terminal already has this alias", column="alias", value=name)
        return self._write(
            tid,
            action="unalias" if remove else "alias",
            status=current.status,
            operator=operator,
            at=None,
            details={"alias": name, "note": _text(note, "note")},
        )

    def aliases(self) -> dict[str, builtins.list[str]]:  # builtins: the class has a list() method
        """Declared aliases per terminal (terminals without one left out): what ``JournalIndex`` takes."""
        out: dict[str, list[str]] = {}
        for tid, (state, rows) in self._checked().items():
            names = _terminal(state, rows).aliases
            if names:
                out[tid] = list(names)
        return out


def _differences(cached: Mapping[Any, Any], state: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(name, cached[name], state[name]) for name in _CACHED if cached[name] != state[name]]


def cutoff_of(log: AuditLog, terminal_id: str | None) -> Terminal | None:
    """The register entry of ``terminal_id`` in ``log``'s database when it has a cutoff, else ``None``.

    Nothing is created: a database without a register, or a terminal that is
    not in it or still active, gives ``None``. A register that disagrees with
    the log raises :class:`~receiptkit.errors.AuditError`.
    """
    if terminal_id is None:
        return None
    register = Terminals.existing(log)
    if register is None:
        return None
    found = register.find(str(terminal_id))
    return found if found is not None and found.cutoff_at is not None else None
