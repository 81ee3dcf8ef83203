"""match, find and explain: from proofs and a journal to verdicts.

The pipeline: search candidates (:mod:`~receiptkit.matching.candidates`),
weigh the evidence (:mod:`~receiptkit.matching.evidence`), turn the weights of
every candidate, of declined attempts and of "not in the journal" into
posterior probabilities, resolve competing proofs one-to-one, and give each
proof a verdict: ``matched``, ``ambiguous`` (with the candidates and what to
ask next) or ``unmatched`` (with why).

Proofs are weighed in chunks (``policy.chunk_size``) and only each proof's
``policy.keep_pairs`` best hypotheses are kept for the decision; the mass of
the others stays in the posterior's denominator, so keeping fewer can only
make a verdict more careful.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from receiptkit.frames import attach
from receiptkit.matching.candidates import gather
from receiptkit.matching.comparators import learn_aliases
from receiptkit.matching.evidence import FIELDS, Evidence, MerchantTable, ProofArrays, score
from receiptkit.matching.index import JournalIndex, Pairs
from receiptkit.matching.learned import Learned
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.skew import estimate_clock_offsets
from receiptkit.money import format_minor
from receiptkit.schema import STRING, validate_proofs

__all__ = ["RESULT_COLUMNS", "explain", "find", "match"]

RESULT_COLUMNS = (
    "proof_id",
    "txn_id",
    "status",
    "confidence",
    "margin",
    "n_candidates",
    "reason",
    "flags",
    "candidates",
    "ask",
    "terminal_id",
    "clock_offset_s",
)
_FAILED = 3  # route of a declined attempt: a rival hypothesis, never matched


# ------------------------------------------------------------------ weighing


@dataclass
class _Weighed:
    """Every proof's best hypotheses (sorted by proof, score desc, txn_id) and its other masses."""

    proof: np.ndarray
    txn: np.ndarray
    route: np.ndarray
    score: np.ndarray
    rest: np.ndarray  # per proof: log mass of hypotheses not kept (counted, or beyond keep_pairs)
    n_exact: np.ndarray
    base_exact: np.ndarray
    n_fx: np.ndarray
    n_window: np.ndarray
    n_failed: np.ndarray
    n_candidates: np.ndarray  # per proof: approved candidates found (listed and counted)
    starts: np.ndarray  # first position of each proof (len n + 1)
    table: MerchantTable | None = None  # the merchant evidence the pairs were weighed with


def _weigh(index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy, table: MerchantTable) -> _Weighed:
    n = len(proofs)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("proof", "txn", "route", "score")}
    per_proof = {
        k: np.zeros(n, dtype=np.int64) for k in ("n_exact", "n_fx", "n_window", "n_failed", "n_candidates")
    }
    rest = np.full(n, -np.inf)
    base_exact = np.zeros(n)
    step = max(int(policy.chunk_size), 1)
    for first in range(0, n, step):
        rows = np.arange(first, min(first + step, n))
        chunk = proofs.take(rows)
        chunk_table = table.take(rows)
        found = gather(index, chunk, policy, chunk_table)
        ev = score(
            index,
            chunk,
            found.pairs,
            policy=policy,
            merchant_table=chunk_table,
            with_levels=False,
            **found.counts,
        )
        pairs = found.pairs
        order = np.lexsort((index.txn_rank[pairs.txn], -ev.score, pairs.proof))
        p = pairs.proof[order]
        starts = np.searchsorted(p, np.arange(len(rows) + 1))
        rank = np.arange(len(p)) - starts[p]
        keep = rank < policy.keep_pairs
        dropped = order[~keep]
        extra = np.full(len(rows), -np.inf)
        if len(dropped):
            peak = np.full(len(rows), -np.inf)
            np.maximum.at(peak, pairs.proof[dropped], ev.score[dropped])
            total = np.bincount(
                pairs.proof[dropped],
                weights=np.exp(ev.score[dropped] - peak[pairs.proof[dropped]]),
                minlength=len(rows),
            )
            with np.errstate(divide="ignore"):
                extra = np.log(total) + peak
        rest[rows] = np.logaddexp(found.rest, extra)
        kept = order[keep]
        out["proof"].append(rows[pairs.proof[kept]])
        out["txn"].append(pairs.txn[kept])
        out["route"].append(pairs.route[kept])
        out["score"].append(ev.score[kept])
        per_proof["n_exact"][rows] = found.n_exact
        base_exact[rows] = found.base_exact
        per_proof["n_fx"][rows] = found.n_fx
        per_proof["n_window"][rows] = found.n_window
        per_proof["n_failed"][rows] = found.n_failed
        approved = pairs.route != _FAILED
        per_proof["n_candidates"][rows] = (
            np.bincount(pairs.proof[approved], minlength=len(rows)) + found.n_counted
        )
    cat = {k: (np.concatenate(v) if v else np.empty(0)) for k, v in out.items()}
    proof = cat["proof"].astype(np.int64)
    return _Weighed(
        proof=proof,
        txn=cat["txn"].astype(np.int64),
        route=cat["route"].astype(np.int8),
        score=cat["score"].astype(float),
        rest=rest,
        base_exact=base_exact,
        starts=np.searchsorted(proof, np.arange(n + 1)),
        table=table,
        **per_proof,
    )


# ------------------------------------------------------------------ decision


def _segment(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray, empty: float) -> np.ndarray:
    """``ufunc.reduce`` of ``values`` over each run [starts[k], starts[k+1]) (pairs sorted by proof)."""
    n = len(starts) - 1
    out = np.full(n, empty, dtype=np.result_type(values, type(empty)))
    has = starts[1:] > starts[:-1]
    if has.any():
        out[has] = ufunc.reduceat(values, starts[:-1][has])
    return out


@dataclass
class _Posteriors:
    conf: np.ndarray  # per pair (0 where inactive)
    absent: np.ndarray  # per proof: posterior of "not in the journal"
    rest: np.ndarray  # per proof: posterior of the hypotheses not listed
    best: np.ndarray  # per proof: position of the best active candidate that can be matched (-1)
    top: np.ndarray  # per proof: position of the best active hypothesis of any kind (-1)
    runner_up: np.ndarray  # per proof: posterior of the best rival of ``best``


def _posteriors(w: _Weighed, active: np.ndarray, policy: MatchPolicy) -> _Posteriors:
    n = len(w.rest)
    p = w.proof
    log_absent = np.log(policy.prior_absent)
    log_other = np.log((1 - policy.prior_absent) * (1 - policy.m_amount))
    peak = np.maximum(np.full(n, max(log_absent, log_other)), w.rest)
    masked = np.where(active, w.score, -np.inf)
    peak = np.maximum(peak, _segment(np.maximum, masked, w.starts, -np.inf))
    contrib = np.where(active, np.exp(masked - peak[p]), 0.0)
    total = np.exp(log_absent - peak) + np.exp(log_other - peak) + np.exp(w.rest - peak)
    total = total + np.bincount(p, weights=contrib, minlength=n)
    conf = contrib / total[p] if len(p) else contrib
    absent = (np.exp(log_absent - peak) + np.exp(log_other - peak)) / total
    rest = np.exp(w.rest - peak) / total
    positions = np.arange(len(p))
    big = np.iinfo(np.int64).max
    best = _segment(np.minimum, np.where(active & (w.route != _FAILED), positions, big), w.starts, big)
    top = _segment(np.minimum, np.where(active, positions, big), w.starts, big)
    best = np.where(best == big, -1, best)
    top = np.where(top == big, -1, top)
    # the best rival of ``best``: the next active hypothesis (or the top one when a failed attempt leads)
    later = active & (positions > best[p]) & (best[p] >= 0) if len(p) else active
    second = _segment(np.minimum, np.where(later, positions, big), w.starts, big)
    runner = np.zeros(n)
    has2 = second != big
    runner[has2] = conf[second[has2]] if len(conf) else 0.0
    failed_first = (top >= 0) & (best >= 0) & (top != best)
    runner[failed_first] = np.maximum(runner[failed_first], conf[top[failed_first]])
    runner = np.maximum(runner, rest)
    return _Posteriors(conf, absent, rest, best, top, runner)


def _decide(
    index: JournalIndex, proofs: ProofArrays, w: _Weighed, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """One-to-one resolution. Returns (active pair mask, fixed txn per proof, taken_by)."""
    n = len(proofs)
    active = np.ones(len(w.proof), dtype=bool)
    fixed = np.full(n, -1, dtype=np.int64)
    taken_by: dict[int, int] = {}
    proof_ids = proofs.frame["proof_id"].astype(str).to_numpy()
    for _ in range(20):
        post = _posteriors(w, active, policy)
        best = post.best
        best_conf = np.append(post.conf, 0.0)[best]  # -1 (no candidate) reads the appended 0
        confident = (
            (best >= 0)
            & (best_conf >= policy.match_threshold)
            & (best_conf - post.runner_up >= policy.min_margin)
            & (fixed < 0)
            & ~proofs.not_paid
        )
        if not confident.any():
            break
        claimers = np.flatnonzero(confident)
        claims = w.txn[best[claimers]]
        new_fixed = _resolve_conflicts(claimers, claims, w, post, proof_ids, index)
        if not new_fixed:
            break
        for proof, txn in new_fixed:
            fixed[proof] = txn
            taken_by[txn] = proof
        taken = np.zeros(len(index), dtype=bool)
        taken[list(taken_by)] = True
        owner_fixed = fixed[w.proof]
        active = ~taken[w.txn] | (owner_fixed == w.txn)
    return active, fixed, taken_by


def _resolve_conflicts(
    claimers: np.ndarray,
    claims: np.ndarray,
    w: _Weighed,
    post: _Posteriors,
    proof_ids: np.ndarray,
    index: JournalIndex,
) -> list[tuple[int, int]]:
    """Confident proofs claiming distinct transactions win; shared claims are assigned optimally.

    Proofs competing for the same transactions form connected groups; each
    group is one assignment problem (Hungarian algorithm on -log posterior,
    every proof may stay unassigned).
    """
    result: list[tuple[int, int]] = []
    dup = pd.Series(claims).duplicated(keep=False).to_numpy()
    result += [(int(p), int(t)) for p, t in zip(claimers[~dup], claims[~dup], strict=True)]
    if not dup.any():
        return result
    group = claimers[dup]
    contested = np.unique(claims[dup])
    # every (proof, contested txn) pair the group's proofs have
    sel = np.concatenate([np.arange(w.starts[g], w.starts[g + 1]) for g in group])
    sel = sel[np.isin(w.txn[sel], contested) & (post.conf[sel] > 0) & (w.route[sel] != _FAILED)]
    row_of = {int(g): k for k, g in enumerate(group)}
    col_of = {int(t): k for k, t in enumerate(contested)}
    r = np.array([row_of[int(x)] for x in w.proof[sel]], dtype=np.int64)
    c = np.array([col_of[int(x)] for x in w.txn[sel]], dtype=np.int64)
    graph = coo_matrix((np.ones(len(r)), (r, len(group) + c)), shape=(len(group) + len(contested),) * 2)
    _, label = connected_components(graph, directed=False)
    for component in np.unique(label[: len(group)]):
        members = np.flatnonzero(label[: len(group)] == component)
        members = members[np.argsort(proof_ids[group[members]], kind="stable")]  # row order does not matter
        cols = np.flatnonzero(label[len(group) :] == component)
        cols = cols[np.argsort(index.txn_rank[contested[cols]], kind="stable")]
        local_r = {int(m): k for k, m in enumerate(members)}
        local_c = {int(x): k for k, x in enumerate(cols)}
        cost = np.full((len(members), len(cols) + len(members)), 50.0)
        inside = np.isin(r, members)
        for rr, cc, pos in zip(r[inside], c[inside], sel[inside], strict=True):
            cost[local_r[int(rr)], local_c[int(cc)]] = -np.log(max(post.conf[pos], 1e-300))
        cost[np.arange(len(members)), len(cols) + np.arange(len(members))] = -np.log(1e-3)
        rows, assigned = linear_sum_assignment(cost)
        for a, b in zip(rows, assigned, strict=True):
            if b < len(cols):
                result.append((int(group[members[a]]), int(contested[cols[b]])))
    return result


# ------------------------------------------------------------------- results


def _money(amount: int, currency: str) -> str:
    return f"{format_minor(amount, currency)} {currency}"


def _pair_evidence(
    index: JournalIndex, proofs: ProofArrays, w: _Weighed, positions: np.ndarray, policy: MatchPolicy
) -> Evidence:
    """Levels and weights of some kept pairs (weighed again: only the ones a verdict names)."""
    pairs = Pairs(w.proof[positions], w.txn[positions], w.route[positions])
    counts = {"n_exact": w.n_exact, "n_fx": w.n_fx, "n_window": w.n_window, "base_exact": w.base_exact}
    return score(index, proofs, pairs, policy=policy, merchant_table=w.table, **counts)


def _merchant_notes(index: JournalIndex, w: _Weighed, ev: Evidence) -> np.ndarray:
    """The merchant comparator's reading in words for the pairs of ``ev`` (None without one)."""
    if w.table is None:
        return np.full(len(ev.pairs), None, dtype=object)
    return w.table.notes(ev.pairs.proof, index.merchant_code[ev.pairs.txn])


def _matched_reasons(ev: Evidence) -> list[str]:
    parts = [
        np.where((ev.weights[f] > 1.0) & (ev.levels[f] != "missing"), f + " " + ev.levels[f].astype(str), "")
        for f in FIELDS
    ]
    reasons = []
    for items in zip(*parts, strict=True):
        strong = [x for x in items if x]
        reasons.append("matched on " + ", ".join(strong) if strong else "matched on amount and time")
    return reasons


def _against(ev: Evidence, k: int, merchant_note: str | None = None) -> str:
    worst = sorted(FIELDS, key=lambda f: ev.weights[f][k])[:2]
    parts = [
        f"merchant {merchant_note}" if f == "merchant" and merchant_note else f"{f} {ev.levels[f][k]}"
        for f in worst
        if ev.weights[f][k] < -0.5
    ]
    return ", ".join(parts) or "the evidence is too weak to tell it from chance"


def _matched_flags(index: JournalIndex, ev: Evidence, rows: np.ndarray) -> list[str]:
    after_loss = (
        index.journal["after_loss"].to_numpy(dtype=object)[rows]
        if "after_loss" in index.journal.columns
        else np.full(len(rows), None)
    )
    later = np.isin(rows, index._later_owner)
    flags = []
    for k, row in enumerate(rows):
        f = []
        if later[k]:
            for txn_type, _ in index.later_events(int(row)):
                f.append("voided_later" if txn_type == "void" else "refunded_later")
        if ev.levels["amount"][k] == "fx":
            f.append("fx")
        if abs(int(index.offset_s[row])) >= 60:
            f.append("clock_offset")
        if int(row) in index._duplicates:
            f.append("journal_duplicate")
        value = after_loss[k]
        if value is not None and not pd.isna(value) and bool(value):
            f.append("after_loss")  # on a terminal after its reported loss (receiptkit.terminals)
        flags.append(";".join(sorted(set(f))))
    return flags


def _ask_next(
    index: JournalIndex, proofs: ProofArrays, owners: np.ndarray, rows: np.ndarray
) -> dict[int, str]:
    """What evidence would split each ambiguous proof's candidates (owners: proof per listed row)."""
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
        if not items:
            items.append(
                "the candidates agree on every field given: ask for the card's last 4 or a reference number"
            )
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
) -> str:
    """Why a proof is ambiguous, in shares that cannot contradict each other.

    ``best`` and ``following`` are the two most likely listed candidates
    (``following`` is never above ``best``); the transactions only counted
    (a busy window) and "not in this journal" are named as shares of their
    own, never as a runner-up, so a share larger than the best candidate's
    reads as what it is.
    """
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
    return text


def _build_result(
    index: JournalIndex,
    proofs: ProofArrays,
    w: _Weighed,
    active: np.ndarray,
    fixed: np.ndarray,
    taken_by: dict[int, int],
    policy: MatchPolicy,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    n = len(proofs)
    post = _posteriors(w, active, policy)
    proof_ids = proofs.frame["proof_id"].astype(str).to_numpy()
    status = np.full(n, "ambiguous", dtype=object)
    reason = np.full(n, "", dtype=object)
    flags = np.full(n, "", dtype=object)
    ask = np.full(n, "", dtype=object)
    txn_row = np.full(n, -1, dtype=np.int64)
    candidates: list[list[tuple[str, float]]] = [[] for _ in range(n)]

    has_best = post.best >= 0
    best_conf = np.append(post.conf, 0.0)[post.best]  # -1 (no candidate) reads the appended 0
    matched = (fixed >= 0) & ~proofs.not_paid
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
    not_paid = np.flatnonzero(proofs.not_paid)
    status[not_paid] = "unmatched"
    flags[not_paid] = "proof_not_paid"
    reason[not_paid] = "the proof shows a payment that did not go through (failed, closed or refunded)"
    open_ = ~matched & ~proofs.not_paid
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
            "evidence disagrees with every candidate: " + _against(ev, i, notes[i]) for i in range(len(a))
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
        for k, t, c in zip(owners, index.txn_ids(w.txn[listed]), post.conf[listed], strict=True):
            candidates[k].append((str(t), round(float(c), 4)))
        failed_share = np.bincount(
            w.proof, weights=np.where(active & (w.route == _FAILED), post.conf, 0.0), minlength=n
        )
        count = np.bincount(owners, minlength=n)
        for k in amb:
            reason[k] = _ambiguous_reason(
                count[k],
                best_conf[k],
                candidates[k][1][1] if len(candidates[k]) > 1 else None,
                rest=post.rest[k],
                absent=post.absent[k],
                declined=failed_share[k]
                if failed_lead[k] or failed_share[k] >= policy.candidate_floor
                else None,
                floor=policy.candidate_floor,
            )
        asks = _ask_next(index, proofs, owners, w.txn[listed])
        for k in amb:
            ask[k] = asks.get(int(k), "")

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
            "candidates": candidates,
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


class _Store:
    """What ``explain`` needs, kept on the result without being copied by pandas."""

    def __init__(
        self,
        index: JournalIndex,
        proofs: ProofArrays,
        weighed: _Weighed,
        shown: dict[str, np.ndarray],
        policy: MatchPolicy,
    ) -> None:
        self.index = index
        self.arrays = proofs
        self.proofs = proofs.frame
        self.journal = index.journal
        self.weighed = weighed
        self.shown = shown
        self.policy = policy
        self._position = None

    def position(self, proof_id: str) -> int:
        if self._position is None:
            ids = self.proofs["proof_id"].astype(str)
            self._position = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
            self._position = self._position[~self._position.index.duplicated()]
        if proof_id not in self._position.index:
            raise KeyError(f"no proof {proof_id!r} in this result")
        return int(self._position[proof_id])

    def evidence_of(self, proof_id: str) -> pd.DataFrame:
        """The evidence rows (best, runner-up) of one proof, weighed again."""
        k = self.position(proof_id)
        picks = [int(x) for x in (self.shown["best"][k], self.shown["rival"][k]) if x >= 0]
        columns = ["proof_id", "rank", "txn_row", "txn_id", "posterior", "base", "n_same"]
        if not picks:
            return pd.DataFrame(columns=columns)
        positions = np.array(picks, dtype=np.int64)
        ev = _pair_evidence(self.index, self.arrays, self.weighed, positions, self.policy)
        frame = pd.DataFrame(
            {
                "proof_id": str(proof_id),
                "rank": np.arange(len(positions)),
                "txn_row": self.weighed.txn[positions],
                "txn_id": self.index.txn_ids(self.weighed.txn[positions]),
                "posterior": self.shown["conf"][positions],
                "base": ev.base,
                "n_same": ev.n_same,
            }
        )
        for field in FIELDS:
            frame[f"level_{field}"] = ev.levels[field]
            frame[f"weight_{field}"] = ev.weights[field]
        frame["note_merchant"] = _merchant_notes(self.index, self.weighed, ev)
        return frame

    def __deepcopy__(self, memo: dict[int, Any]) -> _Store:
        return self

    def __repr__(self) -> str:
        return f"<match evidence for {self.proofs.shape[0]} proofs>"


# --------------------------------------------------------------------- API


def _as_index(journal: pd.DataFrame | JournalIndex) -> JournalIndex:
    return journal if isinstance(journal, JournalIndex) else JournalIndex(journal)


def match(
    proofs: pd.DataFrame,
    journal: pd.DataFrame | JournalIndex,
    *,
    policy: MatchPolicy | None = None,
    clock_offsets: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Match every proof to at most one journal transaction.

    Returns one row per proof (in the proofs' order) with ``proof_id,
    txn_id, status, confidence, margin, n_candidates, reason, flags,
    candidates, ask, terminal_id, clock_offset_s``. ``status`` is
    ``matched``, ``ambiguous`` or ``unmatched``. ``result.attrs`` holds
    ``clock_offsets`` (per terminal, estimated from the proofs unless given)
    and the evidence that :func:`explain` shows.

    Deterministic: the same inputs give the same output whatever their row
    order. One journal transaction proves at most one proof.
    """
    return _match_valid(validate_proofs(proofs), _as_index(journal), policy or MatchPolicy(), clock_offsets)


def _match_valid(
    proofs: pd.DataFrame, index: JournalIndex, policy: MatchPolicy, clock_offsets: Mapping[str, float] | None
) -> pd.DataFrame:
    arrays = ProofArrays.build(proofs, index, policy)
    if clock_offsets is None:
        index.set_clock_offsets({})
        offsets = estimate_clock_offsets(index, arrays, policy)
        used = offsets.loc[offsets["used"], "offset_s"].to_dict()
        # offsets kept from earlier runs (JournalIndex(clock_offsets=...)) stand where these proofs say too little
        kept = {t: v for t, v in getattr(index, "kept_clock_offsets", {}).items() if t not in used}
        index.set_clock_offsets({**kept, **used})
        if kept:
            offsets = pd.concat(
                [
                    offsets,
                    pd.DataFrame(
                        {"offset_s": pd.Series(kept, dtype="int64"), "votes": np.nan, "used": True}
                    ).rename_axis("terminal_id"),
                ]
            )
            offsets = offsets[~offsets.index.duplicated(keep="last")].sort_index()
    else:
        index.set_clock_offsets(clock_offsets)
        offsets = pd.DataFrame(
            {"offset_s": pd.Series(clock_offsets, dtype="int64"), "votes": np.nan, "used": True}
        ).rename_axis("terminal_id")
    learned = learn_aliases(index, arrays, policy)  # first pass: names proven by a strong identifier
    table = MerchantTable.build(index, arrays, policy, learned)
    weighed = _weigh(index, arrays, policy, table)
    active, fixed, taken_by = _decide(index, arrays, weighed, policy)
    result, shown = _build_result(index, arrays, weighed, active, fixed, taken_by, policy)
    result.attrs["clock_offsets"] = attach(offsets)
    result.attrs["evidence"] = _Store(index, arrays, weighed, shown, policy)
    result.attrs["policy"] = policy
    result.attrs["merchant_aliases"] = {name: sorted(keys) for name, keys in sorted(learned.items())}
    return result


def find(
    journal: pd.DataFrame | JournalIndex,
    proof: pd.DataFrame | None = None,
    *,
    policy: MatchPolicy | None = None,
    tz: str | None = None,
    learned: Learned | None = None,
    **evidence: Any,
) -> pd.DataFrame:
    """Rank the journal's candidates for one proof at the counter.

    Give a one-row proofs frame, or the evidence as keywords (``amount``,
    ``time``, ``last4``, ``reference``, ``merchant``, ``currency``, ``tz``,
    ... as :func:`receiptkit.proof` takes). Pass a :class:`JournalIndex`
    built once to make repeated calls fast. Returns the candidates, best
    first, with ``confidence``, ``why``, the proof's ``proof_id``, its
    ``verdict`` (``matched``, ``ambiguous`` or ``unmatched``), ``chosen`` (true
    on the one candidate a ``matched`` verdict picked) and the journal columns;
    ``attrs["verdict"]`` holds the one-row :func:`match` result. A candidate
    row can be passed to :func:`receiptkit.reprint`, which refuses it unless
    it is ``chosen``.

    ``learned``: what a ``match``/``reconcile`` of many proofs learned about
    this journal (:func:`receiptkit.load_learned`): its terminal clock
    offsets and merchant aliases are used, as one proof cannot learn them
    (the offsets replace those of a given :class:`JournalIndex`).
    """
    if proof is None:
        from receiptkit.readers.manual import proof as make_proof

        if tz is not None:
            evidence["tz"] = tz
        proof = make_proof(**evidence)
    if learned:
        if isinstance(journal, JournalIndex):
            index = journal
            index.set_clock_offsets(learned.clock_offsets)
            index.kept_clock_offsets = dict(learned.clock_offsets)
            index.add_merchant_aliases(learned.merchant_aliases)
        else:
            index = learned.index(journal)
    else:
        index = _as_index(journal)
    policy = policy or MatchPolicy()
    one = proof.head(1)
    if not _already_canonical(one):
        one = validate_proofs(one)
    result = _match_valid(one, index, policy, index.clock_offsets)
    store: _Store = result.attrs["evidence"]
    w = store.weighed
    # every hypothesis that can be matched, best first, with its posterior before one-to-one
    post = _posteriors(w, np.ones(len(w.proof), dtype=bool), policy)
    listed = np.flatnonzero(w.route != _FAILED)
    rows = w.txn[listed]
    frame = index.journal.iloc[rows].copy()
    frame.insert(0, "confidence", np.round(post.conf[listed], 6))
    if len(listed):
        ev = _pair_evidence(index, store.arrays, w, listed, policy)
        why = [r.replace("matched on ", "") for r in _matched_reasons(ev)]
    else:
        why = []
    frame.insert(1, "why", why)
    # the proof's verdict on every candidate row, so that a row alone says whether it may be reprinted
    status = str(result["status"].iloc[0])
    chosen_id = result["txn_id"].iloc[0]
    frame.insert(2, "proof_id", pd.array([str(result["proof_id"].iloc[0])] * len(frame), dtype=STRING))
    frame.insert(3, "verdict", pd.array([status] * len(frame), dtype=STRING))
    chosen = frame["txn_id"].astype(str).to_numpy() == str(chosen_id)
    frame.insert(4, "chosen", chosen & (status == "matched") & pd.notna(chosen_id))
    ranked = frame.reset_index(drop=True)
    verdict = attach(result)
    verdict.attrs.update(result.attrs)  # explain(ranked.attrs["verdict"], ...) works as on a match result
    ranked.attrs["verdict"] = verdict
    ranked.attrs["evidence"] = store
    return ranked


_CANONICAL_DTYPES = {
    "ts": "datetime64[ns, UTC]",
    "ts_end": "datetime64[ns, UTC]",
    "date": "datetime64[ns]",
    "amount_minor": "int64",
    "source_row": "Int64",
}


def _already_canonical(frame: pd.DataFrame) -> bool:
    """A one-row proofs frame as validate_proofs returns it (so a counter lookup need not validate again).

    Exactly the canonical columns and dtypes, allowed coded values, a
    four-digit card last 4 and a merchant text without a long run of digits
    (a possible card number to mask). Anything else goes through
    validate_proofs.
    """
    from receiptkit.schema import DIRECTIONS, PROOF_COLUMNS, PROOF_KINDS

    if len(frame) != 1 or tuple(frame.columns) != PROOF_COLUMNS:
        return False
    for column in PROOF_COLUMNS:
        wanted = _CANONICAL_DTYPES.get(column, None if column == "raw" else STRING)
        if wanted is not None and str(frame[column].dtype) != str(wanted):
            return False
    row = frame.iloc[0]
    coded = (
        ("kind", PROOF_KINDS),
        ("direction", DIRECTIONS),
        ("ts_precision", ("second", "minute", "day")),
    )  # hour: validated
    if (
        any(row[c] not in allowed for c, allowed in coded)
        or pd.isna(row["proof_id"])
        or row["amount_minor"] < 0
    ):
        return False
    if pd.isna(row["ts"]) and pd.isna(row["date"]):
        return False
    last4, text = row["card_last4"], row["merchant_text"]
    if not pd.isna(last4) and not (len(str(last4)) == 4 and str(last4).isdigit()):
        return False
    return pd.isna(text) or sum(ch.isdigit() for ch in str(text)) < 12


def explain(result: pd.DataFrame, proof_id: str) -> pd.DataFrame:
    """The evidence per field for a proof's best candidate and the runner-up.

    Rows: the base rate (prior and how common the amount is in the window),
    then one row per field with the proof's value, the journal's value, the
    agreement level and the weight in bits (log2 of the likelihood ratio),
    for the chosen transaction and the runner-up, like a match-weight
    waterfall. The last row is the posterior probability.
    """
    store = result.attrs.get("evidence")
    if not isinstance(store, _Store):
        raise ValueError(
            "explain needs the frame returned by match() or find() (its attrs carry the evidence)"
        )
    ev = store.evidence_of(str(proof_id))
    proofs = store.proofs
    found = proofs[proofs["proof_id"].astype(str) == str(proof_id)]
    proof_row = found.iloc[0]
    journal = store.journal
    picks = [journal.iloc[int(r)] for r in ev["txn_row"]]
    labels = ["best", "runner_up"]
    rows = []
    base = {"field": "base rate", "proof_value": f"{proof_row['amount_minor']} {proof_row['currency']}"}
    for label, (_, e) in zip(labels, ev.iterrows(), strict=False):
        base[f"{label}_txn_id"] = e["txn_id"]
        base[f"{label}_value"] = f"{_expected_count(e['n_same'])} such transaction(s) expected in the window"
        base[f"{label}_level"] = "prior"
        base[f"{label}_bits"] = round(float(e["base"]) / np.log(2), 2)
    rows.append(base)
    for field in FIELDS:
        row: dict[str, Any] = {"field": field, "proof_value": _proof_value(proof_row, field)}
        for label, (_, e), txn in zip(labels, ev.iterrows(), picks, strict=False):
            row[f"{label}_txn_id"] = e["txn_id"]
            row[f"{label}_value"] = _journal_value(txn, field)
            row[f"{label}_level"] = e[f"level_{field}"]
            row[f"{label}_bits"] = round(float(e[f"weight_{field}"]) / np.log(2), 2)
            row[f"{label}_note"] = e.get(f"note_{field}")  # the comparator's reading, in words
        rows.append(row)
    total: dict[str, Any] = {"field": "posterior", "proof_value": None}
    for label, (_, e) in zip(labels, ev.iterrows(), strict=False):
        total[f"{label}_txn_id"] = e["txn_id"]
        total[f"{label}_value"] = f"{e['posterior']:.4%}"
        total[f"{label}_level"] = None
        total[f"{label}_bits"] = None
    rows.append(total)
    table = pd.DataFrame(rows)
    table.attrs["proof_id"] = str(proof_id)
    return table


def _expected_count(n: float) -> str:
    """An expected count as people write it: 1,234 / 12 / 2.1 / 0.084."""
    return f"{n:,.0f}" if n >= 10 else f"{n:.2g}"


def _proof_value(row: pd.Series, field: str) -> Any:
    if field == "amount":
        return _money(int(row["amount_minor"]), str(row["currency"]))
    if field == "time":
        if pd.notna(row["ts"]):
            end = row.get("ts_end")
            if end is not None and pd.notna(end):
                return f"{row['ts']} to {end} ({row['ts_precision']})"
            return f"{row['ts']} ({row['ts_precision']})"
        return f"{row['date'].date()} (day)"
    if field == "merchant":
        return row.get("merchant_text")
    value = row.get(field)
    return None if value is None or pd.isna(value) else value


def _journal_value(row: pd.Series, field: str) -> Any:
    if field == "amount":
        return _money(int(row["amount_minor"]), str(row["currency"]))
    if field == "time":
        return str(row["ts"])
    if field == "merchant":
        return row.get("merchant_name")
    if field == "reference":
        parts = [f"{c}={row[c]}" for c in ("rrn", "auth_code", "stan") if pd.notna(row.get(c))]
        return ", ".join(parts) or None
    value = row.get(field)
    return None if value is None or pd.isna(value) else value
