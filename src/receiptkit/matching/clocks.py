"""Terminal clocks that jump: a piecewise-constant offset per terminal (clock segments).

A terminal's clock is usually off by one amount all month (:mod:`.skew` learns
it). Some are not: a battery dies and the clock comes back ~10 months behind
on the 14th, or a clock that ran minutes (or hours: a zone) off is set right
mid-month (field guide 6: "a rarer tail of days-to-years offsets (battery
loss)"; vendors blame "weak clock batteries" and failed network sync). Such a
terminal has one offset before the change and another after it:
**segments**, each an offset learned from proofs whose full wallet number,
order number or RRN names one of its rows (:func:`~.skew.clock_segments`).

A clock changes at one moment of *real* time, so the segments are ordered by
the true times of their anchors: segment ``k`` was seen from ``first_s`` to
``last_s`` and changed into the next one somewhere between its ``last_s`` and
the next segment's ``first_s``. A journal row logged at ``t`` can belong to
segment ``k`` when its true time ``t - offset_k`` falls where segment ``k``
may have been running (after the previous segment's last anchor, before the
next one's first anchor; the first and last segments reach at most the
terminal's anchored span further out). A row that only one segment can hold
is placed by it; a row that none can hold (beyond the learned period) by the
nearest, as one offset would be. A row that two segments can hold (a clock set back by less
than the gap between anchors logs the same times twice) is **unsure**: it is
placed by the likelier one, and no proof whose window holds any of its
possible places is matched on time (:func:`clock_doubt`): that proof stays
``ambiguous`` rather than being matched on a guessed offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CARD_CLOCK",
    "ClockSegment",
    "beyond_doubt",
    "beyond_rivals",
    "card_clock_clashes",
    "card_clock_key",
    "card_clock_of",
    "card_clocks",
    "clock_doubt",
    "clock_inputs",
    "place_rows",
    "segment_of",
    "segment_text",
    "segments_text",
    "with_since",
]

_MIN_REACH_S = 86400  # the first and last segments reach at least a day beyond their anchors

#: The suffix of a clock-offset key that holds for a terminal's card sales only (:func:`card_clock_key`).
CARD_CLOCK = " card"


def card_clock_key(terminal: str) -> str:
    """The clock-offset key of a terminal's card sales when they keep a clock of their own.

    On an aggregator's terminal a WeChat, Alipay or UnionPay QR row carries the
    channel's payment time and a card sale the terminal's own clock (field
    guide 6: an aggregator's trans_time is "the channel's payment time" for QR
    payments, "the current time" for bank cards). When the two differ, the
    offsets mapping holds the terminal's QR rows under ``"<terminal_id>"`` and
    its card sales under ``"<terminal_id> card"``; a terminal with one clock has
    the first key only, which then holds for all its rows. A terminal whose
    card key is another terminal's id (terminals ``"T1"`` and ``"T1 card"``)
    never gets a second clock (:func:`card_clocks`, :func:`card_clock_clashes`).
    """
    return f"{terminal}{CARD_CLOCK}"


def card_clock_of(key: str) -> str | None:
    """The terminal whose card sales' clock an offsets key would name by its spelling; ``None``: none.

    Spelling alone does not decide it: terminal ids are free text, and a
    terminal may be named ``"T1 card"`` or ``"POS card"``. What a key names in
    a journal is :func:`card_clocks`'s answer.
    """
    key = str(key)
    return key[: -len(CARD_CLOCK)] if key.endswith(CARD_CLOCK) and len(key) > len(CARD_CLOCK) else None


def card_clocks(keys: Iterable[object], terminals: Iterable[object]) -> dict[str, str]:
    """Which offsets keys name a terminal's card sales' clock in a journal with these terminal ids.

    Returns ``{key: terminal}``. A key ``"<X> card"`` names terminal X's card
    sales when X is a terminal of the journal and no terminal of the journal
    is itself named ``"<X> card"``; any other key names the terminal of that
    id. So in a journal with terminals ``"T1"`` and ``"T1 card"`` the key
    ``"T1 card"`` is that terminal's offset and T1 keeps one clock for all
    its rows (:func:`card_clock_clashes`); a journal whose only terminal is
    ``"POS card"`` reads ``"POS card"`` as its offset, ``"POS card card"`` as
    its card sales'.

    >>> card_clocks(["T1", "T1 card"], ["T1"])
    {'T1 card': 'T1'}
    >>> card_clocks(["T1", "T1 card"], ["T1", "T1 card"])
    {}
    >>> card_clocks(["POS card", "POS card card"], ["POS card"])
    {'POS card card': 'POS card'}
    """
    names = {str(t) for t in terminals}
    out: dict[str, str] = {}
    for key in keys:
        owner = card_clock_of(str(key))
        if owner is not None and owner in names and str(key) not in names:
            out[str(key)] = owner
    return out


def card_clock_clashes(terminals: Iterable[object]) -> dict[str, str]:
    """Terminals whose card sales' key is another terminal's id: ``{terminal: that id}``.

    Such a terminal gets no clock of its own for its card sales: the key
    ``"<terminal> card"`` is the other terminal's offset (:func:`card_clocks`).

    >>> card_clock_clashes(["T1", "T1 card", "T2"])
    {'T1': 'T1 card'}
    """
    names = {str(t) for t in terminals}
    return {t: card_clock_key(t) for t in sorted(names) if card_clock_key(t) in names}


@dataclass(frozen=True)
class ClockSegment:
    """One piece of a terminal's clock: its offset (seconds ahead of true time) and where it was seen.

    ``first_s`` and ``last_s`` are the true times (UTC, seconds since 1970) of
    the first and last proof that anchored it; ``anchors`` how many agreed;
    ``learned_from`` how many of each kind of number (``"wallet number"``,
    ``"order number"``, ``"RRN"``); ``since_s`` the true time of the first
    sale the journal logged on it (``None``: the piece the journal starts with).
    """

    offset_s: int
    first_s: int
    last_s: int
    anchors: int
    learned_from: tuple[tuple[str, int], ...] = field(default=())
    since_s: int | None = None

    def record(self) -> dict[str, Any]:
        """The segment as plain JSON values (times as UTC ISO 8601)."""
        return {
            "offset_s": int(self.offset_s),
            "anchors": int(self.anchors),
            "learned_from": {kind: int(n) for kind, n in self.learned_from},
            "first_anchor": _iso(self.first_s),
            "last_anchor": _iso(self.last_s),
            "since": None if self.since_s is None else _iso(self.since_s),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ClockSegment:
        """A segment from :meth:`record`'s plain values; ``ValueError`` naming what is wrong."""
        if not isinstance(record, Mapping):
            raise ValueError("a clock segment is not an object")
        offset, anchors = record.get("offset_s"), record.get("anchors")
        for name, value in (("offset_s", offset), ("anchors", anchors)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"clock segment {name} is not a whole number: {value!r}")
        kinds = record.get("learned_from") or {}
        if not isinstance(kinds, Mapping) or not all(
            isinstance(k, str) and isinstance(n, int) and not isinstance(n, bool) for k, n in kinds.items()
        ):
            raise ValueError(f"clock segment learned_from is not {{kind: count}}: {kinds!r}")
        since = record.get("since")
        return cls(
            offset_s=int(offset),  # type: ignore[arg-type]
            first_s=_epoch(record.get("first_anchor"), "first_anchor"),
            last_s=_epoch(record.get("last_anchor"), "last_anchor"),
            anchors=int(anchors),  # type: ignore[arg-type]
            learned_from=tuple(sorted((str(k), int(n)) for k, n in kinds.items())),
            since_s=None if since is None else _epoch(since, "since"),
        )


def _iso(seconds: int) -> str:
    return pd.Timestamp(int(seconds), unit="s", tz="UTC").isoformat()


def _epoch(value: object, name: str) -> int:
    if not isinstance(value, str):
        raise ValueError(f"clock segment {name} is not a time: {value!r}")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"clock segment {name} is not a time: {value!r}") from None
    if stamp.tzinfo is None:
        raise ValueError(f"clock segment {name} has no zone: {value!r}")
    return int(stamp.timestamp())


def _sorted(segments: Sequence[ClockSegment]) -> list[ClockSegment]:
    return sorted(segments, key=lambda s: (s.first_s, s.last_s))


def _place(logged_s: np.ndarray, segs: list[ClockSegment]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the segment used (position in ``segs``), whether unsure, and every possible segment."""
    t = np.asarray(logged_s, dtype=np.int64)
    off = np.array([s.offset_s for s in segs], dtype=np.int64)
    first = np.array([s.first_s for s in segs], dtype=np.int64)
    last = np.array([s.last_s for s in segs], dtype=np.int64)
    reach = max(int(last.max() - first.min()), _MIN_REACH_S)
    low = np.concatenate([[first[0] - reach], last[:-1]])  # exclusive bounds of where each may have run
    high = np.concatenate([first[1:], [last[-1] + reach]])
    true = t[:, None] - off[None, :]
    possible = (true > low[None, :]) & (true < high[None, :])
    # distance from each place to the segment's anchored span (0 inside it), and to where it may have run
    span_gap = np.maximum(first[None, :] - true, 0) + np.maximum(true - last[None, :], 0)
    range_gap = np.maximum(low[None, :] - true, 0) + np.maximum(true - high[None, :], 0)
    count = possible.sum(axis=1)
    choice = np.where(
        count >= 1,
        np.argmin(np.where(possible, span_gap, np.iinfo(np.int64).max), axis=1),
        np.argmin(range_gap, axis=1),
    )
    possible[np.arange(len(t)), choice] = True
    # no piece can hold it: beyond the learned period (the nearest piece goes on, as one offset would)
    return choice, count >= 2, possible


def place_rows(
    logged_s: np.ndarray, segments: Sequence[ClockSegment]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which segment's offset each of one terminal's rows (logged at ``logged_s``) is corrected by.

    Returns (offset per row, unsure per row, and the possible places of the
    unsure rows: their positions and offsets, one pair per place, including
    the one used). See the module's docstring for the rule.
    """
    t = np.asarray(logged_s, dtype=np.int64)
    segs = _sorted(segments)
    if not len(t) or not segs:
        e = np.empty(0, dtype=np.int64)
        return np.zeros(len(t), dtype=np.int64), np.zeros(len(t), dtype=bool), e, e.copy()
    off = np.array([s.offset_s for s in segs], dtype=np.int64)
    choice, unsure, possible = _place(t, segs)
    rows, which = np.nonzero(possible & unsure[:, None])
    return off[choice], unsure, rows.astype(np.int64), off[which]


def with_since(logged_s: np.ndarray, segments: Sequence[ClockSegment]) -> tuple[ClockSegment, ...]:
    """The segments with ``since_s`` set: the true time of the first row each holds for sure.

    ``logged_s``: the logged times of the terminal's rows. The piece the
    journal starts with has none; a later piece without a sure row starts at
    its first anchor.
    """
    segs = _sorted(segments)
    if not segs:
        return ()
    t = np.asarray(logged_s, dtype=np.int64)
    choice, unsure, _ = _place(t, segs) if len(t) else (np.empty(0, int), np.empty(0, bool), None)
    out = [replace(segs[0], since_s=None)]
    for k, segment in enumerate(segs[1:], start=1):
        mine = (choice == k) & ~unsure
        start = int((t[mine] - segment.offset_s).min()) if mine.any() else segment.first_s
        out.append(replace(segment, since_s=min(start, segment.first_s)))
    return tuple(out)


def clock_doubt(index: Any, proofs: Any, policy: Any = None) -> np.ndarray:
    """Per proof, the terminal (code in ``index.terminals``) whose unsure row may be its sale; -1 if none.

    A proof whose window holds a possible place of an unsure row of its
    side, amount and currency (or, through ``policy.fx_rates``, an amount of
    the journal's currency its amount may be billed as; a row near a clock
    change whose segment is unclear, :func:`place_rows`) must not be matched on time: its sale may be
    that row, logged on the other side of the change. A proof whose full
    wallet number, order number or RRN names a row is exempt (time plays no
    part in it).
    """
    n = len(proofs)
    out = np.full(n, -1, dtype=np.int64)
    rows = getattr(index, "offset_alt_rows", None)
    if rows is None or not len(rows) or not n:
        return out
    ts = index.ts_s[rows] - index.offset_alt_s
    group = index.row_group[rows]
    keep = group >= 0
    if not keep.any():
        return out
    asked, a, b, rows = _places_in_windows(index, proofs, policy, rows[keep], ts[keep], group[keep])
    hit = b > a
    asked, a = asked[hit], a[hit]
    if not len(asked):
        return out
    first = np.unique(asked, return_index=True)[1]  # a proof of several amount groups: its first hit
    out[asked[first]] = index.terminal_code[rows[a[first]]]
    named = _named_by_number(index, proofs)
    out[named] = -1
    return out


def beyond_doubt(index: Any, proofs: Any, policy: Any = None) -> np.ndarray:
    """Per proof, the terminal (code) of a row logged after its offset was learned that may be its sale; -1: none.

    A kept offset was learned from the journal's rows up to a time
    (:mod:`.journalrows`). A row logged after that may have been logged by a
    clock set right since: its sale happened at its logged time, not where the
    old offset puts it. A proof whose window holds such a row's logged time
    (its side, amount and currency, or, through ``policy.fx_rates``, an amount
    of the journal's currency its amount may be billed as) while the old
    offset puts that row outside the window has a rival the offset hides: if
    the clock was set right, that row is its sale, and the sale the offset
    brings in is a stranger's. Such a proof is not matched on time. A row that
    fits the window both ways is no rival (it is a candidate either way), and a
    proof whose full wallet number, order number or RRN names a row is exempt.
    """
    n = len(proofs)
    out = np.full(n, -1, dtype=np.int64)
    q, r = beyond_rivals(index, proofs, policy)
    if len(q):
        first = np.unique(q, return_index=True)[1]
        out[q[first]] = index.terminal_code[r[first]]
    return out


def beyond_rivals(index: Any, proofs: Any, policy: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """The (proof position, journal row) pairs :func:`beyond_doubt` holds a proof for: each row a sale logged after
    its kept offset was learned that fits the proof only at another of its places (its logged time, or another clock
    kept for its terminal: ``JournalIndex.beyond_alt_s``); ordered by proof, then row time. A row may appear once per
    place that fits."""
    empty = np.empty(0, dtype=np.int64)
    n = len(proofs)
    rows = getattr(index, "beyond_rows", None)
    if rows is None or not len(rows) or not n:
        return empty, empty
    alt = getattr(index, "beyond_alt_s", None)
    alt = np.zeros(len(rows), dtype=np.int64) if alt is None or len(alt) != len(rows) else alt
    group = index.row_group[rows]
    approved = (group >= 0) & (index.side[rows] >= 0)  # a declined attempt is no stranger's sale
    rows, group, alt = rows[approved], group[approved], alt[approved]
    if not len(rows):
        return empty, empty
    logged = index.ts_s[rows] - alt  # the place each other clock gives it (0: as logged)
    asked, a, b, rows = _places_in_windows(index, proofs, policy, rows, logged, group)
    count = np.maximum(b - a, 0)
    if not count.any():
        return empty, empty
    q = np.repeat(asked, count)  # every (proof, row) pair whose logged time is in the proof's window
    start = np.repeat(a - np.cumsum(count) + count, count)
    r = rows[start + np.arange(len(q))]
    placed = index.ts_adj[r]
    rival = (placed < proofs.lo[q]) | (placed > proofs.hi[q])
    q, r = q[rival], r[rival]
    keep = ~_named_by_number(index, proofs)[q]  # a full number names its sale whatever the clock
    q, r = q[keep], r[keep]
    order = np.lexsort((index.ts_s[r], q))
    return q[order].astype(np.int64), r[order].astype(np.int64)


def _places_in_windows(
    index: Any, proofs: Any, policy: Any, rows: np.ndarray, places: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which of ``rows`` (at times ``places``, in amount groups ``group``) fall in each proof's window.

    Returns (proof positions asked, start, stop, rows sorted by group and place): the rows of proof
    ``asked[k]``'s window are ``rows[start[k]:stop[k]]``; a proof appears once per amount group it may be in
    (:func:`_amount_groups_of`). What :func:`clock_doubt` and :func:`beyond_rivals` both search.
    """
    base = int(places.min()) - 1
    span = np.int64(1) << 40
    key = group * span + (places - base)
    order = np.argsort(key, kind="stable")
    key, rows = key[order], rows[order]
    asked, pgroup = _amount_groups_of(index, proofs, policy)
    lo = np.clip(proofs.lo[asked] - base, 0, span - 1)
    hi = np.clip(proofs.hi[asked] - base, -1, span - 1)
    a = np.searchsorted(key, pgroup * span + lo, side="left")
    b = np.searchsorted(key, pgroup * span + hi, side="right")
    return asked, a, b, rows


def _amount_groups_of(index: Any, proofs: Any, policy: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every (proof, amount group of the index) a proof's sale may be in: its own amount and currency, and the
    journal-currency amounts a billing rate of ``policy.fx_rates`` makes of it (the ``fx`` band, as the
    candidates are sought: :func:`~receiptkit.matching.candidates._blocks`)."""
    group = index.amount_groups(proofs.side, proofs.cur_code, proofs.amount)
    have = np.flatnonzero(group >= 0)
    owners, groups = [have], [group[have]]
    for owner, g in index.fx_amount_groups(proofs.side, proofs.currency, proofs.amount, policy):
        owners.append(owner)
        groups.append(g)
    return np.concatenate(owners).astype(np.int64), np.concatenate(groups).astype(np.int64)


def _named_by_number(index: Any, proofs: Any) -> np.ndarray:
    """Proofs whose full wallet number, order number or RRN is on a journal row of their side and amount."""
    from receiptkit.matching.evidence import FULL_ID, is_masked

    named = np.zeros(len(proofs), dtype=bool)
    for column, values, shortest in (
        ("wallet_txn_id", proofs.wallet, FULL_ID),
        ("order_no", proofs.order, 10),
        ("rrn", proofs.reference, 12),
    ):
        masked = is_masked(values)
        asked = np.array(
            [
                v if (not hidden and v is not None and len(str(v)) >= shortest) else None
                for v, hidden in zip(values, masked, strict=True)
            ],
            dtype=object,
        )
        query, rows = index.lookup(column, asked)
        ok = (index.side[rows] == proofs.side[query]) & (index.amount[rows] == proofs.amount[query])
        named[query[ok]] = True
    return named


def _duration(seconds: int) -> str:
    """An offset as people read it: ``-297 d 3 h``, ``+8 h 0 min``, ``+6 min 56 s``, ``-40 s``."""
    value = int(seconds)
    sign = "-" if value < 0 else "+"
    rest = abs(value)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {minutes} min"
    if minutes:
        return f"{sign}{minutes} min {secs} s"
    return f"{sign}{secs} s"


def _learned_from(segment: ClockSegment) -> str:
    parts = [f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in segment.learned_from if n]
    if not parts:
        return f"{segment.anchors} anchored proofs"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def segment_text(terminal: str, segment: ClockSegment, tz: Any = "UTC") -> str:
    """One segment for people: ``terminal T clock -297 d 3 h since 2026-11-14 09:12 (learned from 6 wallet numbers)``.

    ``since`` is the first sale the journal logged on that piece, in ``tz``
    (the journal's zone); the piece the journal starts with reads ``until``
    its last anchor.
    """
    if segment.since_s is not None:
        when = "since " + _local(segment.since_s, tz)
    else:
        when = "until " + _local(segment.last_s, tz)
    return f"terminal {terminal} clock {_duration(segment.offset_s)} {when} (learned from {_learned_from(segment)})"


def segments_text(terminal: str, segments: Sequence[ClockSegment], tz: Any = "UTC") -> str:
    """Every segment of one terminal, ``; ``-joined (:func:`segment_text`)."""
    return "; ".join(segment_text(terminal, s, tz) for s in _sorted(segments))


def _local(seconds: int, tz: Any) -> str:
    return pd.Timestamp(int(seconds), unit="s", tz="UTC").tz_convert(tz or "UTC").strftime("%Y-%m-%d %H:%M")


def segment_of(logged_s: int, segments: Sequence[ClockSegment]) -> tuple[ClockSegment | None, bool]:
    """The segment one row logged at ``logged_s`` is corrected by, and whether that is unsure."""
    segs = _sorted(segments)
    if not segs:
        return None, False
    choice, unsure, _ = _place(np.array([int(logged_s)], dtype=np.int64), segs)
    return segs[int(choice[0])], bool(unsure[0])


def clock_inputs(
    offsets: Any = None, segments: Mapping[str, Sequence[ClockSegment]] | None = None
) -> tuple[dict[str, float], dict[str, tuple[ClockSegment, ...]]]:
    """Clock offsets and pieces from what a caller gives, as ``(offsets, segments)``.

    ``offsets``: a mapping of terminal id to seconds ahead of true time; or the
    frame :func:`receiptkit.clock_offsets` gives (its ``used`` rows; a
    terminal whose clock jumped comes with its pieces, ``attrs["clock_segments"]``);
    or a :func:`receiptkit.match` result itself. ``segments``: pieces given
    beside them (they win). A terminal with pieces is corrected by them, row by
    row (the counter sees what the month saw); its one offset (the latest
    piece's) serves only where no piece is known. A malformed piece is a
    :class:`~receiptkit.errors.SchemaError` naming the terminal.
    """
    from receiptkit.errors import SchemaError

    pieces: dict[str, tuple[ClockSegment, ...]] = {}
    if isinstance(offsets, pd.DataFrame):
        frame = offsets
        if "offset_s" not in frame.columns and "clock_offsets" in frame.attrs:  # a match result
            from receiptkit.frames import clock_offsets as offsets_of

            frame = offsets_of(frame)
        if "offset_s" not in frame.columns:
            raise SchemaError(
                "clock offsets must be a mapping or rk.clock_offsets(result)", column="offset_s"
            )
        for terminal, records in (frame.attrs.get("clock_segments") or {}).items():
            try:
                pieces[str(terminal)] = tuple(ClockSegment.from_record(r) for r in records)
            except ValueError as exc:
                raise SchemaError(f"terminal {terminal}: {exc}", column="clock_segments") from None
        used = frame["used"].fillna(False).astype(bool) if "used" in frame.columns else True
        chosen = frame.loc[used, "offset_s"].dropna()
        offsets = {str(t): float(v) for t, v in chosen.items()}
    out = {str(k): float(v) for k, v in (offsets or {}).items()}
    for terminal, given in (segments or {}).items():
        pieces[str(terminal)] = tuple(given)
    return out, {t: v for t, v in pieces.items() if len(v)}
