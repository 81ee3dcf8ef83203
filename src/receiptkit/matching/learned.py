"""What a month of proofs teaches about a journal, kept beside it for the counter.

:func:`~receiptkit.matching.match` over many proofs learns two things that
one proof at the counter cannot: each terminal's **clock offset** (voted by
precise proofs, :mod:`.skew`) and each merchant's **descriptor aliases**
(names proven by a strong identifier, :func:`~.comparators.learn_aliases`).
``receiptkit reconcile`` keeps them in a small JSON file beside the journal,
``<journal file>.receiptkit.json`` (:func:`learned_path`), and ``receiptkit
find``, :class:`~receiptkit.matching.JournalIndex` (``Learned.index``) and
:func:`~receiptkit.matching.find` use them, so the counter sees what the month
saw::

    {
      "format": "receiptkit-learned", "version": 4,
      "journal": "journal.csv", "updated_at": "2026-12-06T07:10:00+00:00",
      "clock_offsets": {
        "11000001": {"offset_s": 418, "votes": 1224.46, "learned_at": "..."},
        "13000001": {"offset_s": 3, "votes": 40.0, "learned_at": "..."},
        "13000001 card": {"offset_s": -28785, "votes": 30.0, "learned_at": "...", "card_sales_of": "13000001"},
        "12000002": {"offset_s": -25671600, "votes": 18.0, "learned_at": "...", "segments": [
          {"offset_s": 15, "anchors": 12, "learned_from": {"wallet number": 12},
           "first_anchor": "...", "last_anchor": "...", "since": null},
          {"offset_s": -25671600, "anchors": 6, "learned_from": {"wallet number": 6},
           "first_anchor": "...", "last_anchor": "...", "since": "2026-11-14T01:12:00+00:00"}]}
      },
      "merchant_aliases": {"海底捞火锅(五角场店)": ["北京三快在线科技"]},
      "fx_rates": {"CNY:USD": "0.139113"},
      "wallet_payees": {"海底捞火锅(五角场店)": {"alipay": {"records": 14, "payees": ["海底捞火锅(五角场店)"]}}},
      "journal_rows": {"11000001": {"through": "2026-11-30T13:52:41+00:00", "rows": 1042, "digest": "5f0c..."}}
    }

``journal_rows`` (version 4) are the rows each terminal's offset was learned
from (:mod:`.journalrows`): a sale logged after them, or on a terminal whose
rows differ in the journal in hand, may be logged by a clock set right since,
and a proof it fits that way is held (:meth:`Learned.apply`).

A terminal whose clock jumped mid-month (:mod:`.clocks`) keeps its
``segments`` beside the one offset (the latest piece's); a reader uses the
segments. Version 1 files (no segments) still load.

A terminal whose card sales keep a clock of their own (an aggregator's:
:func:`~.clocks.card_clock_key`) has a second entry, ``"<terminal_id> card"``,
marked ``"card_sales_of": "<terminal_id>"`` (version 3): terminal ids are free
text, and a terminal may itself be named ``"T1 card"``. An entry without the
mark is a terminal's own offset. Files of versions 1 and 2 did not mark them:
there ``"X card"`` beside ``"X"`` is read as X's card sales' clock, as it was
written. A key the file and the journal read two ways (the file's card sales'
clock of X where the journal has a terminal named ``"X card"``; or, in an
unmarked file, such a key where the journal has that terminal) is refused
with a :class:`~receiptkit.errors.LearnedFileError` naming the file and the
key, never used as either (:meth:`Learned.clock_offsets_for`).

``wallet_payees`` are whom each merchant's WeChat Pay and Alipay payments go
to (:mod:`.payees`): one record at the counter paid to someone else (a
swapped QR code) is then held as the month's run would hold it.

``fx_rates`` are the foreign cards' billing rates a run read from its card
lines (:mod:`.fxlearn`), so that one USD statement line at the counter can be
converted too; a rate given in the policy always wins.

A later run replaces the offset of each terminal it found one for (a clock
that was set right is learned again as about 0) and adds the aliases it
learned; terminals it could not estimate keep their earlier offset. The file
is a cache of estimates, not evidence: deleting it loses nothing but the
counter's view of off clocks until the next ``reconcile``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from receiptkit.errors import LearnedFileError, ReceiptkitError
from receiptkit.frames import side_report
from receiptkit.matching.clocks import ClockSegment, _duration, card_clock_key, card_clock_of
from receiptkit.matching.elsewhere import kept_probability
from receiptkit.matching.journalrows import TerminalRows, journal_first_rows, rows_up_to, terminal_rows

__all__ = ["LEARNED_SUFFIX", "Learned", "learned_path", "load_learned", "save_learned"]

LEARNED_SUFFIX = ".receiptkit.json"
_FORMAT = "receiptkit-learned"
# 3: card sales' clocks marked (card_sales_of); 2: clock segments (terminals whose clock jumped); 1 and 2 still load
# 4: the journal rows each terminal's offset was learned from (journal_rows)
_VERSION = 4
_READABLE = (1, 2, 3, 4)
_CARD_MARK = "card_sales_of"  # an entry that is a terminal's card sales' clock names its terminal


def learned_path(journal_path: str | os.PathLike[str]) -> Path:
    """Where what is learned about a journal file is kept: ``<journal file>.receiptkit.json``."""
    path = Path(journal_path)
    return path.with_name(path.name + LEARNED_SUFFIX)


@dataclass(frozen=True)
class Learned:
    """Clock offsets (seconds ahead of true time, per terminal) and merchant aliases of one journal."""

    clock_offsets: dict[str, int] = field(default_factory=dict)
    merchant_aliases: dict[str, list[str]] = field(default_factory=dict)
    votes: dict[str, float | None] = field(default_factory=dict)
    updated_at: str | None = None
    path: Path | None = None
    fx_rates: dict[str, str] = field(default_factory=dict)  # "CNY:USD" -> rate (1 CNY is rate USD)
    # terminals whose clock jumped: their pieces, which win over the one offset
    clock_segments: dict[str, tuple[ClockSegment, ...]] = field(default_factory=dict)
    # per kind of proof (and direction), how often it is not in the journal, where a run could tell
    # (matching.absence): one proof at the counter cannot
    prior_absent: dict[str, float] = field(default_factory=dict)
    # per kind of proof (and direction), what a run's batch said of payments made elsewhere among the proofs
    # naming no shop (matching.elsewhere: share, rate, absent_prior), where it could tell: one proof cannot
    elsewhere: dict[str, dict[str, float]] = field(default_factory=dict)
    # the keys of clock_offsets that are a terminal's card sales' clock: {key: terminal} (marked in the file
    # since version 3; in older files, "X card" beside "X", as they were written: card_clocks_guessed). None (a
    # Learned built in memory): not said, the journal reads them (clocks.card_clocks)
    card_clocks: dict[str, str] | None = None
    card_clocks_guessed: bool = False

    # per merchant and wallet ("wechat", "alipay"): how many records proved whom its payments go to, and those
    # payees (matching.payees): one record at the counter cannot tell
    wallet_payees: dict[str, dict[str, tuple[int, tuple[str, ...]]]] = field(default_factory=dict)
    # per terminal, the journal rows its clock offset was learned from (matching.journalrows; version 4): the
    # counter doubts a sale logged after them, or all its sales when its rows differ. Empty: not known
    journal_rows: dict[str, TerminalRows] = field(default_factory=dict)

    def learned_through(self, journal: pd.DataFrame) -> dict[str, int | None]:
        """Per terminal with a kept offset and known rows, up to when ``journal``'s rows are the ones learned from.

        The logged time (UTC seconds) of the last row the offset was learned
        from when ``journal`` holds exactly those rows up to then; ``None`` when
        its rows up to then differ (a new export, sales added late): no row of
        it is known to keep that clock. Terminals whose rows the file does not
        record (files before version 4, offsets given by hand) are not named.
        """
        from receiptkit.matching.clocks import card_clock_of
        from receiptkit.matching.journalrows import rows_up_to

        offsets = set(self.clock_offsets) | set(self.clock_segments)
        owners = offsets | {o for k in offsets if (o := card_clock_of(k)) is not None}
        known = {t: r for t, r in self.journal_rows.items() if t in owners}
        if not known:
            return {}
        now = rows_up_to(journal, {t: r.through_s for t, r in known.items()})
        out: dict[str, int | None] = {}
        for terminal, kept in known.items():
            seen = now.get(terminal)
            same = seen is not None and (seen.rows, seen.digest) == (kept.rows, kept.digest)
            out[terminal] = kept.through_s if same else None
        return out

    def rows_unrecorded(self) -> set[str]:
        """The terminals whose kept clock offset (a minute or more, or segments) has no journal rows recorded.

        Such an offset is used on every row of the journal in hand (files before version 4, an offset kept
        from one by a run too few proofs voted on, offsets given by hand): only the journal file's time can
        say that it changed since (``receiptkit find``'s note).
        """
        cards = self.card_clocks or {}
        keys = {t for t, s in self.clock_offsets.items() if abs(s) >= 60} | set(self.clock_segments)
        owners = {cards.get(k) or (card_clock_of(k) if self.card_clocks is None else None) or k for k in keys}
        return {t for t in owners if t not in self.journal_rows}

    def apply(self, index):  # -> JournalIndex (imported lazily)
        """Set these offsets, segments and aliases on ``index`` as kept ones (known before any proof is seen).

        The offsets as ``index``'s terminal ids use them (:meth:`clock_offsets_for`), limited to the rows they
        were learned from (:meth:`learned_through`). Returns ``index``.
        """
        offsets = self.clock_offsets_for(index.terminal_names)
        cached = getattr(index, "_learned_through", None)  # the counter asks again and again on one index
        if cached is not None and cached[0] is self.journal_rows:
            through = cached[1]
        else:
            through = self.learned_through(index.journal)
            index._learned_through = (self.journal_rows, through)
        index.set_clock_offsets(offsets, self.clock_segments, through)
        index.kept_clock_offsets = dict(offsets)  # known before any proof is seen, as JournalIndex keeps them
        index.kept_clock_segments = dict(index.clock_segments)
        index.add_merchant_aliases(self.merchant_aliases)
        return index

    def clock_offsets_for(self, terminals: Iterable[object]) -> dict[str, int]:
        """The clock offsets as a journal with these terminal ids uses them.

        A key that the file and the journal read two ways is refused, with a
        :class:`~receiptkit.errors.LearnedFileError` naming the file and the
        key: the file's card sales' clock of terminal X (``"X card"``) where the
        journal has a terminal named ``"X card"``. A terminal's offset that this
        journal would read as another terminal's card sales' clock (the file's
        terminal ``"X card"``, a journal with X and no such terminal) is left
        out: that terminal is not in this journal. A :class:`Learned` built in memory
        (``card_clocks`` None) gives its offsets as they are: the journal reads them
        (:func:`~receiptkit.matching.clocks.card_clocks`).
        """
        names = {str(t) for t in terminals}
        if self.card_clocks is None:  # not said: the journal reads them (clocks.card_clocks)
            return dict(self.clock_offsets)
        out: dict[str, int] = {}
        for key, value in self.clock_offsets.items():
            owner = self.card_clocks.get(key)
            if owner is not None and key in names:
                if self.card_clocks_guessed:
                    reason = (
                        f"clock offset '{key}' may be terminal {owner}'s card sales' clock or the offset of "
                        f"terminal '{key}': the file (written before version 3) does not say, and the journal "
                        "has a terminal of that name"
                    )
                else:
                    reason = (
                        f"clock offset '{key}' is terminal {owner}'s card sales' clock in this file, but the "
                        "journal has a terminal of that name"
                    )
                raise LearnedFileError(
                    reason + "; remove the file (what it holds is learned again by the next reconcile)",
                    file=None if self.path is None else str(self.path),
                    value=key,
                )
            if owner is None and key not in names and card_clock_of(key) in names:
                continue
            out[key] = value
        return out

    def __bool__(self) -> bool:
        return bool(
            self.clock_offsets
            or self.merchant_aliases
            or self.fx_rates
            or self.clock_segments
            or self.prior_absent
            or self.elsewhere
            or self.wallet_payees
        )

    def policy(self, policy=None):  # -> MatchPolicy (imported lazily)
        """``policy`` (default :class:`~receiptkit.matching.MatchPolicy`) with these billing rates added.

        Rates the policy gives already win over learned ones; so do its ``prior_absent_by_kind`` and
        ``coincidence_by_kind``. Kept payees join the policy's ``wallet_payees_learned`` (a merchant and wallet
        in both: the policy's).
        """
        from decimal import Decimal

        from receiptkit.matching.policy import MatchPolicy

        base = policy or MatchPolicy()
        if self.prior_absent:  # the priors of absence per kind a run estimated; the policy's own win
            base = base.replace(prior_absent_by_kind={**self.prior_absent, **base.prior_absent_by_kind})
        if self.elsewhere:  # what the month said of payments made elsewhere; the policy's own win
            base = base.replace(coincidence_by_kind={**self.elsewhere, **base.coincidence_by_kind})
        if self.wallet_payees:
            given = {(m, w) for m, w, _, _ in base.wallet_payees_learned}
            kept = tuple(
                (merchant, wallet, n, names)
                for merchant, wallets in sorted(self.wallet_payees.items())
                for wallet, (n, names) in sorted(wallets.items())
                if (merchant, wallet) not in given
            )
            base = base.replace(wallet_payees_learned=(*base.wallet_payees_learned, *kept))
        if not self.fx_rates:
            return base
        learned = {tuple(key.split(":", 1)): Decimal(rate) for key, rate in self.fx_rates.items()}
        return base.replace(fx_rates={**learned, **base.fx_rates})

    def index(
        self, journal: pd.DataFrame, *, merchant_aliases: Mapping[str, Iterable[str]] | None = None
    ):  # -> JournalIndex (imported lazily)
        """A :class:`~receiptkit.matching.JournalIndex` of ``journal`` with these offsets and aliases.

        ``merchant_aliases``: more aliases to declare (by merchant name or
        terminal id, e.g. from the terminal register).
        """
        from receiptkit.matching.index import JournalIndex

        index = self.apply(JournalIndex(journal))
        if merchant_aliases:
            index.add_merchant_aliases(merchant_aliases)
        return index

    def describe(self) -> str:
        """One line for people: what is known, from where."""
        parts = []
        for terminal, pieces in sorted(self.clock_segments.items()):
            shown = ", ".join(_duration(p.offset_s) for p in sorted(pieces, key=lambda p: p.first_s))
            parts.append(f"terminal {terminal} clock in {len(pieces)} segments ({shown})")
        off = {t: s for t, s in self.clock_offsets.items() if abs(s) >= 60 and t not in self.clock_segments}
        cards = self.card_clocks or {}
        if off:  # a card sales' clock named as such: a terminal's id may end in " card"
            shown = ", ".join(
                f"{cards[t]}'s card sales {s:+d} s" if t in cards else f"{t} {s:+d} s"
                for t, s in sorted(off.items())
            )
            parts.append("clock offsets " + shown)
        elif self.clock_offsets:
            parts.append(f"clock offsets of {len(self.clock_offsets)} terminal(s), all under a minute")
        n_alias = sum(len(v) for v in self.merchant_aliases.values())
        if n_alias:
            parts.append(f"{n_alias} merchant alias(es)")
        if self.fx_rates:
            parts.append("billing rates " + ", ".join(f"{k} {v}" for k, v in sorted(self.fx_rates.items())))
        if self.prior_absent:
            shown = ", ".join(f"{k} {100 * v:.1f} %" for k, v in sorted(self.prior_absent.items()))
            parts.append("not in the journal " + shown)
        if self.elsewhere:
            shown = ", ".join(
                f"{k} {100 * v['share']:.1f} % (coinciding {100 * v['rate']:.1f} %)"
                for k, v in sorted(self.elsewhere.items())
            )
            parts.append(
                "paid elsewhere (naming no shop; '<kind> brand': the brand without its branch): " + shown
            )
        n_wallets = sum(len(v) for v in self.wallet_payees.values())
        if n_wallets:
            parts.append(f"payees of {n_wallets} merchant wallet(s)")
        where = f" ({self.path.name}, {self.updated_at})" if self.path is not None else ""
        return ("; ".join(parts) or "nothing") + where


def _bad(path: Path, reason: str, value: object = None) -> LearnedFileError:
    return LearnedFileError(f"not a receiptkit learned file: {reason}", file=str(path), value=value)


def _section(path: Path, data: dict, key: str) -> dict:
    """One section of the file (a mapping; absent or null: empty); anything else is an error naming it."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(path, f"'{key}' is not a mapping", value)
    return value


def load_learned(path: str | os.PathLike[str]) -> Learned:
    """Read a learned file; a missing file is an empty :class:`Learned`, a malformed one an error naming it."""
    target = Path(path)
    if not target.exists():
        return Learned(path=target)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(target, f"cannot read it as JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise _bad(target, "no 'format': 'receiptkit-learned'")
    if data.get("version") not in _READABLE:
        raise _bad(target, "unknown version", data.get("version"))
    offsets: dict[str, int] = {}
    votes: dict[str, float | None] = {}
    segments: dict[str, tuple[ClockSegment, ...]] = {}
    cards: dict[str, str] = {}
    for terminal, entry in _section(target, data, "clock_offsets").items():
        value = entry.get("offset_s") if isinstance(entry, dict) else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(target, f"clock offset of terminal {terminal} is not whole seconds", value)
        offsets[str(terminal)] = value
        owner = entry.get(_CARD_MARK)
        if owner is not None:
            if not isinstance(owner, str) or card_clock_key(owner) != str(terminal):
                raise _bad(
                    target, f"clock offset {terminal} is not the card sales' clock of terminal {owner}", owner
                )
            cards[str(terminal)] = owner
        raw = entry.get("votes")
        votes[str(terminal)] = float(raw) if isinstance(raw, int | float) else None
        pieces = entry.get("segments")
        if pieces is not None:
            if not isinstance(pieces, list):
                raise _bad(target, f"clock segments of terminal {terminal} are not a list", pieces)
            try:
                segments[str(terminal)] = tuple(ClockSegment.from_record(p) for p in pieces)
            except ValueError as exc:
                raise _bad(target, f"terminal {terminal}: {exc}") from None
    aliases: dict[str, list[str]] = {}
    for name, keys in _section(target, data, "merchant_aliases").items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise _bad(target, f"aliases of {name} are not a list of texts", keys)
        aliases[str(name)] = sorted(set(keys))
    rates: dict[str, str] = {}
    for key, rate in _section(target, data, "fx_rates").items():
        pair = str(key).split(":")
        if len(pair) != 2 or not all(len(c) == 3 and c.isalpha() for c in pair) or not _positive(rate):
            raise _bad(target, f"billing rate {key} is not 'AAA:BBB': 'positive decimal'", rate)
        rates[str(key)] = str(rate)
    priors: dict[str, float] = {}
    for kind, value in _section(target, data, "prior_absent").items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise _bad(target, f"prior of absence of {kind} is not a probability between 0 and 1", value)
        priors[str(kind)] = float(value)
    elsewhere: dict[str, dict[str, float]] = {}
    for kind, entry in _section(target, data, "elsewhere").items():
        values = entry if isinstance(entry, dict) else {}
        for key in _ELSEWHERE_KEYS:
            value = values.get(key)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not kept_probability(key, value)
            ):
                raise _bad(
                    target,
                    f"payments made elsewhere, {kind}: {key} is not a probability between 0 and 1",
                    value,
                )
        elsewhere[str(kind)] = {key: float(values[key]) for key in _ELSEWHERE_KEYS}
    guessed = data.get("version") in (1, 2)
    if guessed:  # not marked: "X card" beside "X" was written as X's card sales' clock
        cards = {k: o for k in offsets if (o := card_clock_of(k)) is not None and o in offsets}
    payees = _load_payees(target, _section(target, data, "wallet_payees"))
    rows: dict[str, TerminalRows] = {}
    for terminal, entry in _section(target, data, "journal_rows").items():
        try:
            rows[str(terminal)] = TerminalRows.from_record(entry)
        except ValueError as exc:
            raise _bad(target, f"terminal {terminal}: {exc}") from None
    return Learned(
        offsets,
        aliases,
        votes,
        data.get("updated_at"),
        target,
        rates,
        segments,
        priors,
        elsewhere,
        card_clocks=cards,
        card_clocks_guessed=guessed,
        wallet_payees=payees,
        journal_rows=rows,
    )


def _load_payees(path: Path, section: dict) -> dict[str, dict[str, tuple[int, tuple[str, ...]]]]:
    """The ``wallet_payees`` section: {merchant: {wallet: {"records": n >= 1, "payees": [text, ...]}}}."""
    out: dict[str, dict[str, tuple[int, tuple[str, ...]]]] = {}
    for merchant, wallets in section.items():
        if not isinstance(wallets, dict):
            raise _bad(path, f"wallet_payees of {merchant} is not a mapping of wallets", wallets)
        for wallet, entry in wallets.items():
            if wallet not in ("wechat", "alipay"):
                raise _bad(
                    path, f"wallet_payees of {merchant}: {wallet!r} is not 'wechat' or 'alipay'", wallet
                )
            records = entry.get("records") if isinstance(entry, dict) else None
            names = entry.get("payees") if isinstance(entry, dict) else None
            if isinstance(records, bool) or not isinstance(records, int) or records < 1:
                raise _bad(path, f"wallet_payees of {merchant} ({wallet}): records is not a count", records)
            if not isinstance(names, list) or not names or not all(isinstance(t, str) and t for t in names):
                raise _bad(
                    path, f"wallet_payees of {merchant} ({wallet}): payees is not a list of texts", names
                )
            out.setdefault(str(merchant), {})[str(wallet)] = (records, tuple(names))
    return out


_ELSEWHERE_KEYS = ("share", "rate", "absent_prior")


def _positive(value: object) -> bool:
    from decimal import Decimal, InvalidOperation

    if not isinstance(value, str):
        return False
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    return number.is_finite() and number > 0


def _rows_learned_from(journal: pd.DataFrame, result: pd.DataFrame | None) -> dict[str, TerminalRows]:
    """Per terminal of ``journal``, the rows a run's offset for it is known on (:mod:`.journalrows`).

    With a ``result``, up to the latest sale it matched to a proof timed to the
    minute or second (a date or an hour fits whatever a few minutes' offset
    does: it proves no clock) that its offset moved by a minute or more (a row
    it did not move, such as an aggregator's QR row stamped by the channel,
    proves no clock either): the journal may run on past the proofs (an
    export taken after the statement's last day, by a clock set right since),
    and a row no proof spoke of is not known to keep the clock. A terminal
    with no such sale is known at its first row only (its rows the offset does
    not move are never doubted). Without a result (offsets given with the
    journal they came from), every row.
    """
    whole = terminal_rows(journal)
    if result is None:
        return whole
    last = _last_timed_match(journal, result)
    first = journal_first_rows(journal)
    return rows_up_to(journal, {t: last.get(t, first[t]) for t in whole})


def _last_timed_match(journal: pd.DataFrame, result: pd.DataFrame) -> dict[str, int]:
    """Per terminal, the logged UTC second of the latest row ``result`` matched to a proof timed to the minute."""
    if not {"status", "txn_id", "proof_id"} <= set(result.columns):
        return {}
    matched = result[result["status"].astype(str) == "matched"]
    from receiptkit.matching.explanation import _evidence_of

    store = _evidence_of(result)
    if store is not None:  # a result read back from a file keeps no precision: every match counts
        timed = store.arrays.precision <= 1  # 0 second, 1 minute (2 day, 3 an hour or a range)
        ids = store.proofs["proof_id"].astype(str).to_numpy()[timed]
        matched = matched[matched["proof_id"].astype(str).isin(set(ids))]
    if "clock_offset_s" in matched.columns:
        from receiptkit.matching.index import BEYOND_MIN_S

        # a row the offset did not move vouches for no offset: an aggregator's QR row carries the channel's time,
        # and its card sales' clock is known only up to the last card sale matched (field guide 6)
        moved = pd.to_numeric(matched["clock_offset_s"], errors="coerce").abs() >= BEYOND_MIN_S
        matched = matched[moved.fillna(False).to_numpy(dtype=bool)]
    txn = set(matched["txn_id"].dropna().astype(str))
    if not txn:
        return {}
    rows = journal[journal["txn_id"].astype(str).isin(txn)]
    logged = pd.to_datetime(rows["ts"], utc=True).dt.as_unit("s").astype("int64")
    # a txn id on several rows: its earliest, so no row past the sale is taken as vouched for
    first = logged.groupby(
        [rows["terminal_id"].astype(str).to_numpy(), rows["txn_id"].astype(str).to_numpy()]
    ).min()
    return {str(t): int(v) for t, v in first.groupby(level=0).max().items()}


def save_learned(
    path: str | os.PathLike[str],
    result: pd.DataFrame | None = None,
    *,
    clock_offsets: pd.DataFrame | Mapping[str, float] | None = None,
    merchant_aliases: Mapping[str, Iterable[str]] | None = None,
    clock_segments: Mapping[str, Iterable[ClockSegment]] | None = None,
    journal_name: str | None = None,
    now: dt.datetime | None = None,
    journal: pd.DataFrame | None = None,
) -> Learned:
    """Keep what a run learned, merged into the file at ``path``; returns the merged :class:`Learned`.

    ``result``: a :func:`~receiptkit.matching.match` result (its
    ``attrs["clock_offsets"]``, only the offsets it used, and
    ``attrs["merchant_aliases"]``, ``attrs["clock_segments"]``); or give
    ``clock_offsets`` (a frame with ``offset_s`` and ``used``, or a mapping),
    ``clock_segments`` and ``merchant_aliases``. A terminal learned again
    gets its new offset and segments (none if the run found one offset),
    and its card sales' clock (``"<terminal_id> card"``) goes unless the run
    found one too. Which of the run's keys are card sales' clocks is the
    result's ``attrs["card_clocks"]``; in a mapping or frame given alone,
    ``"X card"`` beside ``"X"``. They are marked in the file (``card_sales_of``).

    ``journal``: the journal the run matched (the frame given to ``match``).
    Each terminal whose clock is learned again then records the rows it was
    learned from (``journal_rows``: the last logged time, how many, a digest;
    :mod:`.journalrows`): with a ``result``, its rows up to the latest sale
    the run matched to a proof timed to the minute or second and moved by its
    offset a minute or more (the journal may run on past the proofs; an
    aggregator's QR rows carry the channel's time; a terminal with no such
    sale: its first row only), else all its rows. The counter holds a proof whose sale may be
    logged after them by a clock set right since (:meth:`Learned.apply`).
    Without it a terminal learned again has no rows recorded, and its offset
    is used on every row as before (``receiptkit reconcile`` always gives it).
    """
    target = Path(path)
    before = load_learned(target)
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    offsets = clock_offsets
    aliases = merchant_aliases
    pieces: dict[str, tuple[ClockSegment, ...]] = {
        str(t): tuple(v) for t, v in (clock_segments or {}).items()
    }
    if result is not None:
        offsets = side_report(result, "clock_offsets") if offsets is None else offsets
        aliases = result.attrs.get("merchant_aliases") if aliases is None else aliases
        if clock_segments is None:
            for terminal, records in (result.attrs.get("clock_segments") or {}).items():
                pieces[str(terminal)] = tuple(ClockSegment.from_record(r) for r in records)
    new: dict[str, tuple[int, float | None]] = {}
    if isinstance(offsets, pd.DataFrame):
        used = offsets[offsets["used"].astype(bool)] if "used" in offsets.columns else offsets
        for terminal, row in used.iterrows():
            votes = row.get("votes")
            new[str(terminal)] = (
                round(float(row["offset_s"])),
                None if votes is None or pd.isna(votes) else round(float(votes), 2),
            )
    elif offsets:
        new = {str(t): (round(float(v)), None) for t, v in offsets.items()}
    if result is not None and "card_clocks" in result.attrs:
        run_cards = {
            str(k): str(v) for k, v in (result.attrs.get("card_clocks") or {}).items() if str(k) in new
        }
    else:  # a mapping or frame alone: "X card" beside "X" is X's card sales' clock
        run_cards = {k: o for k in new if (o := card_clock_of(k)) is not None and o in new}
    kept_cards = before.card_clocks or {}
    # terminals the run's journal names "X card" beside X: a kept card sales' clock of X is X's no more
    taken = set((result.attrs.get("card_clock_clashes") or {}).values()) if result is not None else set()
    entries: dict[str, dict] = {
        t: {"offset_s": s, "votes": before.votes.get(t), "learned_at": before.updated_at}
        for t, s in before.clock_offsets.items()
        if not (t in kept_cards and t in taken and t not in new)
    }
    for t, owner in kept_cards.items():
        if t in entries:
            entries[t][_CARD_MARK] = owner
    for t, kept_pieces in before.clock_segments.items():
        if t in entries:
            entries[t]["segments"] = [p.record() for p in kept_pieces]
    journal_rows = dict(before.journal_rows)
    now_rows = _rows_learned_from(journal, result) if journal is not None else {}
    for terminal, (seconds, votes) in new.items():
        kept = entries.get(terminal)
        same_pieces = [p.record() for p in pieces.get(terminal, ())] == (kept or {}).get("segments", [])
        same_kind = (kept or {}).get(_CARD_MARK) == run_cards.get(terminal)
        if votes is None and kept is not None and kept["offset_s"] == seconds and same_pieces and same_kind:
            continue  # an offset given, not estimated (or the file's own, passed back): nothing new
        entries[terminal] = {"offset_s": seconds, "votes": votes, "learned_at": when}
        owner = run_cards.get(terminal, terminal)  # a card sales' clock was learned from its terminal's rows
        if owner in now_rows:
            journal_rows[owner] = now_rows[owner]
        else:  # learned again from rows not recorded: the old record is not this offset's
            journal_rows.pop(owner, None)
        if terminal in run_cards:
            entries[terminal][_CARD_MARK] = run_cards[terminal]
        else:  # a terminal learned again with one clock for all its rows: its kept card sales' clock goes
            own = card_clock_key(terminal)
            if own not in new and (entries.get(own) or {}).get(_CARD_MARK) == terminal:
                entries.pop(own)
        if pieces.get(terminal):
            entries[terminal]["segments"] = [p.record() for p in pieces[terminal]]
    rates = dict(before.fx_rates)
    if result is not None:
        for entry in result.attrs.get("fx_rates_learned") or []:
            rates[f"{entry['journal_currency']}:{entry['proof_currency']}"] = str(entry["rate"])
    priors = dict(before.prior_absent)
    if result is not None:  # a kind the run could estimate replaces the kept prior (matching.absence)
        settings = result.attrs.get("policy") or {}
        fewest = settings.get("prior_absent_min_proofs", 200)
        if settings.get("learn_prior_absent", True):
            for kind, stats in (result.attrs.get("prior_absent") or {}).items():
                if stats.get("proofs", 0) >= fewest:
                    priors[str(kind)] = float(stats["used"])
    elsewhere = dict(before.elsewhere)
    if result is not None:  # a kind the run's batch could tell of replaces the kept one (matching.elsewhere)
        fewest = (result.attrs.get("policy") or {}).get("coincidence_min_named", 5)
        for kind, stats in (result.attrs.get("coincidence") or {}).items():
            if stats.get("named", 0) >= fewest and not stats.get("kept"):
                values = {key: float(stats[key]) for key in _ELSEWHERE_KEYS}
                # with no prior weight a batch can read a rate of 0 or a share of 1: no kept estimate (a file
                # holding one could not be read back); what the file kept before stays
                if all(kept_probability(key, value) for key, value in values.items()):
                    elsewhere[str(kind)] = values
    merged_aliases = {name: set(keys) for name, keys in before.merchant_aliases.items()}
    for name, keys in (aliases or {}).items():
        merged_aliases.setdefault(str(name), set()).update(str(k) for k in keys)
    # whom each merchant's wallet payments go to (matching.payees): names joined, the largest count kept (a
    # rerun of the same month proves nothing new); entries declared only (records None) are the policy's
    payees = {m: dict(w) for m, w in before.wallet_payees.items()}
    for entry in (result.attrs.get("wallet_payees") or []) if result is not None else []:
        if entry.get("records") is None:
            continue
        merchant, wallet = str(entry["merchant"]), str(entry["wallet"])
        n_before, names_before = payees.get(merchant, {}).get(wallet, (0, ()))
        names = tuple(dict.fromkeys([*names_before, *(str(t) for t in entry["payees"])]))
        payees.setdefault(merchant, {})[wallet] = (max(int(entry["records"]), n_before), names)
    data = {
        "format": _FORMAT,
        "version": _VERSION,
        "journal": journal_name,
        "updated_at": when,
        "clock_offsets": dict(sorted(entries.items())),
        "merchant_aliases": {name: sorted(keys) for name, keys in sorted(merged_aliases.items())},
        "fx_rates": dict(sorted(rates.items())),
        "prior_absent": dict(sorted(priors.items())),
        "elsewhere": dict(sorted(elsewhere.items())),
        "wallet_payees": {
            merchant: {
                wallet: {"records": n, "payees": list(names)} for wallet, (n, names) in sorted(w.items())
            }
            for merchant, w in sorted(payees.items())
        },
        "journal_rows": {
            t: r.record()
            for t, r in sorted(journal_rows.items())
            if t in entries or any(card_clock_of(k) == t for k in entries)
        },
    }
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    temporary = target.with_name(target.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        raise ReceiptkitError(
            f"cannot write the learned file: {exc.strerror or exc}", file=str(target)
        ) from None
    return load_learned(target)
