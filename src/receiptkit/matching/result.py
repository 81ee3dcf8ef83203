"""Result: the verdict frame of :func:`~receiptkit.matching.match`, with reasons, flags and what to ask."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from receiptkit.errors import SchemaError
from receiptkit.matching.comparators import later_event_rows
from receiptkit.matching.decide import _FAILED, _posteriors, _segment, _Weighed
from receiptkit.matching.evidence import FIELDS, Evidence, ProofArrays, score
from receiptkit.matching.guards import LATER_ASK, LATER_BROUGHT, LATER_FLAG, guard_notes, numbers_shown_twice
from receiptkit.matching.index import JournalIndex, Pairs, _expand
from receiptkit.matching.payees import PAYEE_FLAG, payee_ask, payee_notes
from receiptkit.matching.policy import MatchPolicy
from receiptkit.money import format_minor
from receiptkit.schema import STRING

RESULT_COLUMNS = (
    "proof_id",
    "txn_id",
    "status",
    "confidence",
    "margin",
    "n_candidates",
    "reason",
    "flags",
    "candidate_txn_ids",
    "candidate_confidences",
    "ask",
    "terminal_id",
    "clock_offset_s",
)


def candidate_pairs(row: Any) -> list[tuple[str, float]]:
    """The listed candidates of one match-result row as ``[(txn_id, confidence), ...]``, best first.

    Reads the two list columns ``candidate_txn_ids`` and ``candidate_confidences`` of a
    row of :func:`receiptkit.match` (also after a Parquet round trip, which turns the
    lists into arrays, and after dask's default ``dataframe.convert-string``, which turns
    them into the text of the lists). A row without them gives ``[]``; a value that is no
    list, array or list's text raises :class:`~receiptkit.errors.SchemaError` (never an
    empty list for candidates that are there).

    >>> candidate_pairs({"candidate_txn_ids": ["T1", "T2"], "candidate_confidences": [0.6, 0.3]})
    [('T1', 0.6), ('T2', 0.3)]
    """
    try:
        ids, confidences = row["candidate_txn_ids"], row["candidate_confidences"]
    except (KeyError, IndexError, TypeError):
        return []
    if ids is None or confidences is None:
        return []
    if isinstance(ids, str) or isinstance(confidences, str):
        ids, confidences = (
            _listed(ids, "candidate_txn_ids", str),
            _listed(confidences, "candidate_confidences", float),
        )
    try:
        ids, confidences = list(ids), list(confidences)
    except TypeError:  # a missing value (NaN) instead of a list
        return []
    if len(ids) != len(confidences):
        raise ValueError("candidate_txn_ids and candidate_confidences differ in length")
    return [(str(t), float(c)) for t, c in zip(ids, confidences, strict=True)]


def _listed(value: Any, column: str, kind: type) -> list[Any]:
    """The list a text cell holds (``"['T1', 'T2']"``, ``"[0.6, 0.3]"``: dask's ``str`` of a list), strictly."""
    import ast

    if not isinstance(value, str):
        return list(value)
    text = value.strip()
    try:
        parsed = ast.literal_eval(text) if text.startswith("[") else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        parsed = None
    ok = isinstance(parsed, list) and all(
        isinstance(v, str) if kind is str else isinstance(v, int | float) and not isinstance(v, bool)
        for v in parsed
    )
    if not ok or not isinstance(parsed, list):
        raise SchemaError(
            f"{column} is text that is no list of {'ids' if kind is str else 'numbers'} (a list column turned "
            "into text, e.g. numpy's '['T1' 'T2']'): keep the lists, e.g. dask.config.set("
            "{'dataframe.convert-string': False})",
            column=column,
            value=text[:80],
        )
    return list(parsed)


def _money(amount: int, currency: str) -> str:
    return f"{format_minor(amount, currency)} {currency}"


def _pair_evidence(
    index: JournalIndex, proofs: ProofArrays, w: _Weighed, positions: np.ndarray, policy: MatchPolicy
) -> Evidence:
    """Levels and weights of some kept pairs (weighed again: only the ones a verdict names)."""
    pairs = Pairs(w.proof[positions], w.txn[positions], w.route[positions])
    return score(
        index,
        proofs,
        pairs,
        policy=policy,
        merchant_table=w.table,
        n_exact=w.n_exact,
        n_fx=w.n_fx,
        n_window=w.n_window,
        base_exact=w.base_exact,
    )


def _merchant_notes(index: JournalIndex, w: _Weighed, ev: Evidence) -> np.ndarray:
    """The merchant comparator's reading in words for the pairs of ``ev`` (None without one)."""
    if w.table is None:
        return np.full(len(ev.pairs), None, dtype=object)
    return w.table.notes(ev.pairs.proof, index.merchant_code[ev.pairs.txn])


def _matched_reasons(ev: Evidence) -> list[str]:
    """``matched on <field level>, ...`` per pair: the fields that weighed more than 1 nat for it, then
    ``; despite <field level>, ...``: those that weighed more than 1 nat against it (a full wallet number that
    carried a proof whose amount or time disagrees says so).

    Written once per distinct combination of strong levels (there are few), not per pair.
    """
    n = len(ev.score)
    if not n:
        return []
    codes, names, against = [], [], []
    for f in FIELDS:
        for side, strong in (
            (False, (ev.weights[f] > 1.0) & (ev.levels[f] != "missing")),
            (True, (ev.weights[f] < -1.0) & (ev.levels[f] != "missing")),
        ):
            # numpy's stubs take no None as a value; at run time it makes an object array with None
            code, uniques = pd.factorize(np.where(strong, ev.levels[f], None), use_na_sentinel=True)  # type: ignore[call-overload]
            codes.append(code + 1)  # 0: not strong
            names.append([""] + [f"{f} {level}" for level in uniques])
            against.append(side)
    # one row of level codes per pair: the distinct rows are the distinct texts. Keyed column by column, the key
    # numbered again after each (below n, so it never overflows); np.unique(axis=0) sorted 160-byte rows, 25 times
    # slower
    key = np.zeros(n, dtype=np.int64)
    for code, name in zip(codes, names, strict=True):
        key = pd.factorize(key * len(name) + code)[0].astype(np.int64)
    distinct, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    texts = []
    for k in first:
        strong = [
            name[code[k]] for code, name, a in zip(codes, names, against, strict=True) if code[k] and not a
        ]
        weak = [name[code[k]] for code, name, a in zip(codes, names, against, strict=True) if code[k] and a]
        text = "matched on " + ", ".join(strong) if strong else "matched on amount and time"
        texts.append(f"{text}; despite {', '.join(weak)}" if weak else text)
    del distinct
    return np.asarray(texts, dtype=object)[inverse.reshape(-1)].tolist()


def off_day_reasons(
    texts: list[str], proofs: ProofArrays, index: JournalIndex, p: np.ndarray, t: np.ndarray
) -> list[str]:
    """``texts`` (reasons without "matched on ") of pairs ``(p, t)``, where a day proof's candidate on another
    local day (clock-corrected) says how far it is instead of claiming the time.

    A day proof's window reaches ``bank_post_lag_days`` business days back (a statement's posting lag), so a
    sale four days before the day a clerk typed is a candidate; its reason read "amount and time". It now reads
    "amount; 4 days before the day given" (any "time ..." level among its strong fields is left out).
    """
    day = np.flatnonzero(proofs.precision[p] == 2)
    if not len(day):
        return texts
    off = np.zeros(len(p), dtype=np.int64)
    txn_day = index.day_adj[t[day]].astype("datetime64[D]")
    off[day] = (proofs.day[p[day]] - txn_day).astype("timedelta64[D]").astype(np.int64)
    out = list(texts)
    for k in np.flatnonzero(off).tolist():
        strong, _, weak = out[k].partition("; despite ")
        kept = [
            part for part in strong.split(", ") if part != "amount and time" and not part.startswith("time ")
        ]
        n = abs(int(off[k]))
        where = f"{n} day{'s' if n != 1 else ''} {'before' if off[k] > 0 else 'after'} the day given"
        out[k] = f"{', '.join(kept) or 'amount'}; {where}" + (f"; despite {weak}" if weak else "")
    return out


def outside_journal_hint(index: JournalIndex, proofs: ProofArrays, k: int = 0) -> str:
    """When proof ``k``'s search window lies wholly before or after the journal's rows, say so; else "".

    "the journal covers 2026-11-01 to 2026-11-30; the time given (2026-03-11) is before it": a counter time
    read in the wrong day/month order or year, or a statement of another month, is otherwise only "no
    approved payment ... in the window". The window is compared with the clock-corrected times; the
    dates are local (the journal's zone). A hint: no verdict depends on it.
    """
    if not len(index.ts_adj) or np.isnat(proofs.day[k]):
        return ""
    first, last = int(index.ts_adj.min()), int(index.ts_adj.max())
    if int(proofs.hi[k]) >= first and int(proofs.lo[k]) <= last:
        return ""
    side = "before" if int(proofs.hi[k]) < first else "after"
    # the side is decided on the clock-corrected times (ts_adj), so the edge is said in them too, with the time
    # the terminal logged when it differs (review 19, section 8: a sale logged 09:00 by a clock 30 min slow)
    pos = int(np.argmin(index.ts_adj)) if side == "before" else int(np.argmax(index.ts_adj))
    edge = _local(int(index.ts_adj[pos]), index.tz)
    logged = pd.Timestamp(index.journal["ts"].iloc[pos]).tz_convert(index.tz)
    if abs((logged - edge).total_seconds()) >= 60:
        logged_text = f"{logged:%H:%M}" if logged.date() == edge.date() else f"{logged:%Y-%m-%d %H:%M}"
        edge_text = f"{edge:%Y-%m-%d %H:%M} (logged {logged_text})"
    else:
        edge_text = f"{edge:%Y-%m-%d %H:%M}"
    start, given = _given(proofs, k, index.tz)
    if start is not None and start.date() == edge.date():
        # the day is the journal's first (last) day, the time before its first (after its last) sale: dates
        # alone read "covers 2026-11-01 ...; the time given (2026-11-01) is before it" (newcomer 19, G16)
        which = "first" if side == "before" else "last"
        return (
            f"the journal's {which} sale is at {edge_text}; the time given ({given}) "
            f"is {side} it: check the hour (上午/下午, 24-hour time)"
        )
    return (
        f"the journal covers {_local(first, index.tz):%Y-%m-%d} to {_local(last, index.tz):%Y-%m-%d}; "
        f"the time given ({proofs.day[k]}) is {side} it"
    )


def _local(seconds: int, tz: Any) -> pd.Timestamp:
    return pd.Timestamp(seconds, unit="s", tz="UTC").tz_convert(tz)


def _given(proofs: ProofArrays, k: int, tz: Any) -> tuple[pd.Timestamp | None, str]:
    """The proof's time as the clerk gave it: its start in ``tz`` and the words for it, ``2026-11-01 14:30``, or
    the window a rounded time stands for (``下午2点半: 2026-11-01 14:20-14:40``) with the text typed; (None, "")
    for a proof with no time of day."""
    frame = proofs.frame
    if "ts" not in frame.columns or pd.isna(frame["ts"].iloc[k]) or int(proofs.precision[k]) == 2:
        return None, ""
    start = pd.Timestamp(frame["ts"].iloc[k]).tz_convert(tz)
    end = frame["ts_end"].iloc[k] if "ts_end" in frame.columns else None
    text = f"{start:%Y-%m-%d %H:%M}"
    if end is not None and not pd.isna(end):
        end = pd.Timestamp(end).tz_convert(tz)
        text += f"-{end:%H:%M}" if end.date() == start.date() else f" to {end:%Y-%m-%d %H:%M}"
    raw = frame["raw"].iloc[k] if "raw" in frame.columns else None
    typed = raw.get("time") if isinstance(raw, dict) else None
    if isinstance(typed, str) and typed.strip() and typed.strip() != text:
        text = f"{typed.strip()}: {text}"
    return start, text


def _against(ev: Evidence, k: int, merchant_note: str | None = None, below: float = -0.5) -> str:
    """The (at most two) fields that weigh most against the pair (each less than ``below`` nats), as text;
    "" when none weighs so."""
    worst = sorted(FIELDS, key=lambda f: ev.weights[f][k])[:2]
    parts = [
        f"merchant {merchant_note}" if f == "merchant" and merchant_note else f"{f} {ev.levels[f][k]}"
        for f in worst
        if ev.weights[f][k] < below
    ]
    return ", ".join(parts)


def _absent_reason(against: str, absent: float, best: float) -> str:
    """Why a proof that fits a candidate is ``unmatched``: a field that disagrees, or, when none does, the share
    "not in this journal" against the best candidate's (never "disagrees" where nothing does)."""
    if against:
        return "evidence disagrees with every candidate: " + against
    return (
        f"not in this journal {absent:.1%}, best candidate {best:.1%}: nothing disagrees with it, but the "
        "evidence cannot tell it from a chance fit or a payment made elsewhere"
    )


_FLAG_NAMES = ("after_loss", "clock_offset", "fx", "journal_duplicate", "refunded_later", "voided_later")


def _matched_flags(index: JournalIndex, ev: Evidence, rows: np.ndarray) -> list[str]:
    """The flags of each matched transaction (``;``-joined, sorted), as bits turned into text once per combination."""
    n = len(rows)
    bits = np.zeros((n, len(_FLAG_NAMES)), dtype=bool)
    if "after_loss" in index.journal.columns:
        value = index.journal["after_loss"].to_numpy(dtype=object)[rows]
        given = np.flatnonzero(
            ~pd.isna(value)
        )  # on a terminal after its reported loss (receiptkit.terminals)
        bits[given, 0] = [bool(v) for v in value[given]]
    bits[:, 1] = np.abs(index.offset_s[rows]) >= 60
    bits[:, 2] = ev.levels["amount"] == "fx"
    bits[:, 3] = np.isin(rows, index.duplicate_rows)
    later = np.flatnonzero(np.isin(rows, index._later_owner))
    if len(later):  # voids and refunds recorded against them (JournalIndex.later_events), read at once
        first = np.searchsorted(index._later_owner, rows[later], side="left")
        stop = np.searchsorted(index._later_owner, rows[later], side="right")
        owner, position = _expand(first, stop)
        void = index.values("txn_type", index._later_rows[position]).astype(str) == "void"
        bits[later[owner[void]], 5] = True
        bits[later[owner[~void]], 4] = True
    code = bits.astype(np.int64) @ (1 << np.arange(len(_FLAG_NAMES)))
    text = np.array(
        [";".join(f for b, f in enumerate(_FLAG_NAMES) if c >> b & 1) for c in range(1 << len(_FLAG_NAMES))],
        dtype=object,
    )
    return text[code].tolist()


def _ask_next(
    index: JournalIndex,
    proofs: ProofArrays,
    owners: np.ndarray,
    rows: np.ndarray,
    unnamed: np.ndarray | None = None,
    against: dict[int, str] | None = None,
) -> dict[int, str]:
    """What evidence would split each ambiguous proof's candidates (owners: proof per listed row).

    ``against``: per proof, the fields weighing more than 1 nat against its best candidate (its reason names
    them): then the candidates are not said to agree on every field."""
    if not len(owners):
        return {}
    n = len(proofs)

    def distinct(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
        pairs = np.unique(np.stack([owners[keep], values[keep]], axis=1), axis=0)
        return np.bincount(pairs[:, 0], minlength=n) if len(pairs) else np.zeros(n, dtype=np.int64)

    def present(column: str) -> np.ndarray:
        taken = index.column(column).take(pa.array(rows, type=pa.int64()))
        valid = np.asarray(pc.is_valid(taken).to_numpy(zero_copy_only=False), dtype=bool)
        return np.bincount(owners, weights=valid, minlength=n) > 0

    last4 = index.last4_code[rows].astype(np.int64)
    known4 = distinct(last4, last4 >= 0)
    minutes = distinct(index.ts_adj[rows] // 60, np.ones(len(rows), dtype=bool))
    wallet, rrn = present("wallet_txn_id"), present("rrn")
    proof4 = proofs.codes4()
    asks = {}
    for k in np.unique(owners):
        items = []
        if proof4[k] < 0 and known4[k] > 1:
            items.append("ask for the last 4 digits of the card")
        if proofs.precision[k] in (2, 3):  # a day, an hour or a window
            items.append("ask for the time of payment (to the minute)")
        elif proofs.precision[k] == 1 and minutes[k] > 1:
            items.append("ask for the time to the second (wallet payment detail)")
        if proofs.wallet[k] is None and wallet[k]:
            items.append("ask for the transaction number (交易单号)")
        if proofs.reference[k] is None and rrn[k]:
            items.append("ask for the reference number (参考号) or auth code")
        if not items and against and against.get(int(k)):
            items.append(
                f"the best candidate disagrees ({against[int(k)]}): check the payment in the customer's app"
            )
        elif not items:
            items.append(
                "the candidates agree on every field given: ask for the card's last 4 or a reference number"
            )
        if (
            unnamed is not None and unnamed[k]
        ):  # it names no shop: a payment made elsewhere would look the same
            items.append("ask for a bill or slip that names the shop (this proof names none)")
        asks[int(k)] = "; ".join(items)
    return asks


def _ambiguous_reason(
    count: int,
    best: float,
    following: float | None,
    *,
    rest: float,
    absent: float,
    declined: float | None,
    floor: float,
    against: str = "",
) -> str:
    """Why a proof is ambiguous, in shares that cannot contradict each other.

    ``best`` and ``following`` are the two most likely listed candidates
    (``following`` is never above ``best``); the transactions only counted
    (a busy window) and "not in this journal" are named as shares of their
    own, never as a runner-up, so a share larger than the best candidate's
    reads as what it is. ``against``: the fields that weigh more than 1 nat against the best candidate (its
    wallet number differs, ...): then the candidates are "found", not said to fit, and those fields are named.
    """
    if against:
        fits = "1 candidate found" if count == 1 else f"{count} candidates found"
        text = f"{fits}; best {best:.1%}"
    else:
        fits = "1 candidate fits" if count == 1 else f"{count} candidates fit"
        text = f"{fits} the evidence; best {best:.1%}"
    if following is not None:
        text += f", next {min(following, best):.1%}"
    if rest >= floor:
        text += f"; other transactions (counted, not listed) {rest:.1%} together"
    if absent >= floor:
        text += f"; not in this journal {absent:.1%}"
    if declined is not None:
        text += f"; a declined attempt of the same amount fits too ({declined:.1%})"
    if against:
        text += f"; against the best: {against}"
    return text


def _build_result(
    index: JournalIndex,
    proofs: ProofArrays,
    w: _Weighed,
    active: np.ndarray,
    fixed: np.ndarray,
    taken_by: dict[int, int],
    policy: MatchPolicy,
    contested: dict[int, list[int]] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    n = len(proofs)
    post = _posteriors(w, active, policy)
    proof_ids = proofs.frame["proof_id"].astype(str).to_numpy()
    status = np.full(n, "ambiguous", dtype=object)
    reason = np.full(n, "", dtype=object)
    flags = np.full(n, "", dtype=object)
    ask = np.full(n, "", dtype=object)
    txn_row = np.full(n, -1, dtype=np.int64)
    cand_ids: list[str] = []  # the listed candidates of ambiguous proofs, by proof (bounds below)
    cand_conf: list[float] = []
    bounds = np.zeros(n + 1, dtype=np.int64)

    has_best = post.best >= 0
    best_conf = np.append(post.conf, 0.0)[post.best]  # -1 (no candidate) reads the appended 0
    matched = (fixed >= 0) & ~proofs.hard_not_paid()
    # the matched pair: the position of the fixed transaction among the proof's pairs
    pair_of_match = np.full(n, -1, dtype=np.int64)
    mine = np.flatnonzero((fixed[w.proof] == w.txn) & (w.route != _FAILED))
    pair_of_match[w.proof[mine[::-1]]] = mine[::-1]  # the first such position wins
    confidence = np.where(has_best, best_conf, 0.0)
    confidence[matched] = post.conf[pair_of_match[matched]]
    margin = np.where(has_best, best_conf - post.runner_up, 0.0)

    # matched
    m = np.flatnonzero(matched)
    if len(m):
        ev = _pair_evidence(index, proofs, w, pair_of_match[m], policy)
        status[m] = "matched"
        txn_row[m] = fixed[m]
        reason[m] = _matched_reasons(ev)
        flags[m] = _matched_flags(index, ev, fixed[m])

    # not paid, nothing left, absent, ambiguous
    # a refunded payment that found no sale the journal shows refunded is not taken as paid
    unpaid = proofs.not_paid & ~matched
    if proofs.refunded is not None and proofs.refunded.any():
        # its best candidate is a sale the journal shows refunded or voided: open (ambiguous), not unpaid
        _, undone = later_event_rows(index)
        best_row = np.where(has_best, w.txn[np.maximum(post.best, 0)], -1)
        unpaid &= ~(proofs.refunded & has_best & undone[np.maximum(best_row, 0)] & (best_row >= 0))
    not_paid = np.flatnonzero(unpaid)
    status[not_paid] = "unmatched"
    flags[not_paid] = "proof_not_paid"
    reason[not_paid] = "the proof shows a payment that did not go through (failed, closed or refunded)"
    if proofs.refunded is not None:
        reason[np.flatnonzero(unpaid & proofs.refunded)] = (
            "the proof shows a refunded payment, and no sale that fits it is refunded or voided in the journal"
        )
    open_ = ~matched & ~unpaid
    nothing = open_ & ~has_best & ~np.isfinite(w.rest)
    failed_lead = open_ & ~nothing & (post.top >= 0) & (post.top != post.best)
    failed_only = open_ & ~has_best & ~nothing  # only failed attempts (listed or counted)
    absent = open_ & has_best & (post.absent >= policy.absent_threshold)
    for k in np.flatnonzero(nothing | failed_only):
        status[k] = "unmatched"
        amount = _money(int(proofs.amount[k]), str(proofs.currency[k]))
        kind = "refund" if proofs.side[k] == 1 else "payment"
        lo, hi = w.starts[k], w.starts[k + 1]
        taken = sorted(
            {proof_ids[taken_by[t]] for t in w.txn[lo:hi] if int(t) in taken_by and taken_by[int(t)] != k}
        )
        if taken:
            flags[k] = "txn_taken"
            reason[k] = f"its candidate transactions are already proved by {', '.join(taken)}"
        elif w.n_failed[k] > 0:
            flags[k] = "declined_only"
            reason[k] = f"only declined or reversed attempts of {amount} in the window, no approved {kind}"
        elif proofs.cur_code[k] < 0 and not policy.fx_rates:
            reason[k] = (
                f"no transaction in {proofs.currency[k]} in the journal "
                "(set policy.fx_rates for card bills in another currency)"
            )
        else:
            reason[k] = f"no approved {kind} of {amount} in the window"
    a = np.flatnonzero(absent)
    if len(a):
        ev = _pair_evidence(index, proofs, w, post.best[a], policy)
        status[a] = "unmatched"
        notes = _merchant_notes(index, w, ev)
        reason[a] = [
            _absent_reason(_against(ev, i, notes[i]), float(post.absent[k]), float(best_conf[k]))
            for i, k in enumerate(a)
        ]
    amb = np.flatnonzero(open_ & has_best & ~absent)
    if len(amb):
        is_amb = np.zeros(n, dtype=bool)
        is_amb[amb] = True
        eligible = active & (w.route != _FAILED) & (post.conf >= policy.candidate_floor) & is_amb[w.proof]
        listed = np.flatnonzero(eligible)
        first = np.searchsorted(w.proof[listed], w.proof[listed], side="left")
        listed = listed[np.arange(len(listed)) - first < policy.keep_candidates]
        without = amb[np.bincount(w.proof[listed], minlength=n)[amb] == 0]
        listed = np.sort(np.concatenate([listed, post.best[without]]))  # at least the best one
        owners = w.proof[listed]
        cand_ids = [str(t) for t in index.txn_ids(w.txn[listed])]
        cand_conf = [round(float(c), 4) for c in post.conf[listed]]
        bounds = np.searchsorted(owners, np.arange(n + 1))  # owners are sorted (pairs are, by proof)
        failed_share = np.bincount(
            w.proof, weights=np.where(active & (w.route == _FAILED), post.conf, 0.0), minlength=n
        )
        # every candidate that fits (at or above candidate_floor), not only the keep_candidates listed: find ranks
        # them all, and "5 fit" beside "7 more candidates" contradicted itself
        count = np.maximum(np.bincount(w.proof[eligible], minlength=n), np.bincount(owners, minlength=n))
        # the fields weighing more than 1 nat against each best candidate: read (with the merchant's words) only
        # for the few best candidates that have one
        best_ev = _pair_evidence(index, proofs, w, post.best[amb], policy)
        weak = np.zeros(len(amb), dtype=bool)
        for f in FIELDS:
            weak |= best_ev.weights[f] < -1.0
        strongly = dict.fromkeys((int(k) for k in amb.tolist()), "")
        if weak.any():
            some = amb[weak]
            some_ev = _pair_evidence(index, proofs, w, post.best[some], policy)
            some_notes = _merchant_notes(index, w, some_ev)
            for i, k in enumerate(some.tolist()):
                strongly[int(k)] = _against(some_ev, i, some_notes[i], below=-1.0)
        for k in amb:
            reason[k] = _ambiguous_reason(
                count[k],
                best_conf[k],
                cand_conf[bounds[k] + 1] if count[k] > 1 else None,
                rest=post.rest[k],
                absent=post.absent[k],
                declined=failed_share[k]
                if failed_lead[k] or failed_share[k] >= policy.candidate_floor
                else None,
                floor=policy.candidate_floor,
                against=strongly[int(k)],
            )
        unnamed = np.isfinite(w.copy) if w.copy is not None else None
        asks = _ask_next(index, proofs, owners, w.txn[listed], unnamed, strongly)
        for k in amb:
            ask[k] = asks.get(int(k), "")

    # proofs that claim one transaction about as well as others do (decide._resolve_conflicts): say whose
    for j, others in (contested or {}).items():
        if status[j] == "ambiguous" and others:
            note = (
                f"other proofs fit its transaction as well ({', '.join(proof_ids[q] for q in others[:5])}"
                f"{', …' if len(others) > 5 else ''}): whose it is cannot be told"
            )
            reason[j] = f"{reason[j]}; {note}" if reason[j] else note

    # proofs a guard kept from `matched` (matching.guards): say why
    guard_text, guard_flags = guard_notes(
        index,
        proofs,
        w.txn,
        w.proof,
        post.best,
        policy.number_date_tolerance_hours,
        policy.clock_tolerance_s,
        policy,
    )
    # a record paid to someone the shop's payments on its wallet never go to (matching.payees)
    for j, note in payee_notes(index, proofs, w.txn, w.proof, post.best, w.table, policy).items():
        guard_text[j] = f"{guard_text[j]}; {note}" if j in guard_text else note
        guard_flags.setdefault(j, set()).add(PAYEE_FLAG)
        if status[j] == "ambiguous":  # what tells is the payee, not a last 4 or a number
            ask[j] = payee_ask(proofs, j)
    for j, note in guard_text.items():
        if status[j] == "unmatched" and not unpaid[j] and LATER_FLAG in guard_flags.get(j, ()):
            # a sale logged after the kept offset was learned fits the proof if the clock was set right since:
            # there may be its sale, so it is open, and "nothing in the window" is said of the old offset only
            status[j] = "ambiguous"
            reason[j] = f"no sale fits by the kept clock offset, but {note.replace(LATER_BROUGHT, '')}"
            flags[j] = ";".join(sorted({*filter(None, str(flags[j]).split(";")), *guard_flags[j]}))
            ask[j] = LATER_ASK
            continue
        if status[j] == "ambiguous" and LATER_FLAG in guard_flags.get(j, ()):
            ask[j] = LATER_ASK  # which clock logged the sale decides, and a last 4 does not tell it
        if status[j] != "matched" and not unpaid[j]:
            reason[j] = f"{reason[j]}; {note}" if reason[j] else note
            if j in guard_flags:
                flags[j] = ";".join(sorted({*filter(None, str(flags[j]).split(";")), *guard_flags[j]}))
    # a record matched while others of its number were held (guards.twice_blocked): it names them, so the clerk
    # knows the payment was shown more than once
    for j, others in numbers_shown_twice(proofs).items():
        if status[j] == "matched":
            also = ", ".join(proof_ids[o] for o in others[:5]) + (", …" if len(others) > 5 else "")
            reason[j] = (
                f"{reason[j]}; its transaction number is shown by {also} too (not matched: one payment)"
            )

    rows_m = txn_row[m]
    txn_id = np.full(n, None, dtype=object)
    txn_id[m] = index.txn_ids(rows_m)
    terminal = np.full(n, None, dtype=object)
    offset = pd.array([None] * n, dtype="Int64")
    if len(m):
        codes = index.terminal_code[rows_m]
        terminal[m] = np.where(
            codes >= 0, index.terminals[np.maximum(codes, 0)] if len(index.terminals) else None, None
        )
        offset[m] = index.offset_s[rows_m]
    unmatched_nothing = nothing | failed_only
    result = pd.DataFrame(
        {
            "proof_id": proof_ids,
            "txn_id": txn_id,
            "status": status,
            "confidence": np.where(unmatched_nothing, 0.0, np.round(confidence, 6)),
            "margin": np.round(margin, 6),
            "n_candidates": w.n_candidates.astype("int64"),
            "reason": reason,
            "flags": flags,
            # two parallel list columns (not a list of (txn_id, p) tuples): Arrow and Parquet store them
            "candidate_txn_ids": [cand_ids[a:b] for a, b in pairwise(bounds.tolist())],
            "candidate_confidences": [cand_conf[a:b] for a, b in pairwise(bounds.tolist())],
            "ask": ask,
            "terminal_id": terminal,
            "clock_offset_s": offset,
        }
    )
    for column in ("proof_id", "txn_id", "status", "reason", "flags", "ask", "terminal_id"):
        result[column] = result[column].astype(STRING)
    # the pairs explain() shows: the chosen (or best) candidate and its best rival
    best_pos = np.where(matched, pair_of_match, post.best)
    rival = np.full(n, -1, dtype=np.int64)
    positions = np.arange(len(w.proof))
    later = active & (positions > best_pos[w.proof]) & (best_pos[w.proof] >= 0)
    big = np.iinfo(np.int64).max
    second = _segment(np.minimum, np.where(later, positions, big), w.starts, big)
    rival[second != big] = second[second != big]
    shown = {"best": best_pos, "rival": rival, "conf": post.conf, "active": active}
    return result, shown
