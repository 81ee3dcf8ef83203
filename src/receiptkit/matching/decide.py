"""Decide: from every proof's weighed hypotheses to posteriors and one-to-one verdicts.

:func:`_weigh` weighs each proof's candidates in chunks and keeps its
``policy.keep_pairs`` best (the others' mass stays in the posterior);
:func:`_posteriors` turns the weights of every candidate, of declined attempts
and of "not in the journal" into posterior probabilities; :func:`_decide`
fixes confident proofs, resolving competing claims one-to-one (Hungarian
algorithm per connected group) and peeling taken transactions until nothing
changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from receiptkit.matching.candidates import gather
from receiptkit.matching.evidence import MerchantTable, ProofArrays, score
from receiptkit.matching.guards import guards
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.payees import payee_blocked
from receiptkit.matching.policy import MatchPolicy

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
    # per proof: log factor of "paid elsewhere, coinciding with a candidate" (matching.elsewhere); None: none
    copy: np.ndarray | None = None
    # per pair: log factor of the pair's evidence on that path over the sale's own (matching.elsewhere
    # coinciding_lift: a name of no shop here does not count against a payment made elsewhere); None: 0
    copy_lift: np.ndarray | None = None
    # per proof: log prior of "not in this journal" where the batch says more than prior_absent
    # (matching.completeness: proofs naming a branch of this journal); None: prior_absent for every proof
    absent: np.ndarray | None = None


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
    log_absent = np.full(n, np.log(policy.prior_absent)) if w.absent is None else w.absent
    log_other = np.log((1 - policy.prior_absent) * (1 - policy.m_amount))
    peak = np.maximum(np.maximum(log_absent, log_other), w.rest)
    masked = np.where(active, w.score, -np.inf)
    peak = np.maximum(peak, _segment(np.maximum, masked, w.starts, -np.inf))
    contrib = np.where(active, np.exp(masked - peak[p]), 0.0)
    total = np.exp(log_absent - peak) + np.exp(log_other - peak) + np.exp(w.rest - peak)
    total = total + np.bincount(p, weights=contrib, minlength=n)
    copied = np.zeros(n)
    if w.copy is not None:  # paid elsewhere, but coinciding with one of these sales (matching.elsewhere)
        along = contrib if w.copy_lift is None else contrib * np.exp(w.copy_lift)
        sales = np.bincount(p, weights=np.where(w.route != _FAILED, along, 0.0), minlength=n)
        copied = np.exp(w.copy) * sales
        total = total + copied
    conf = contrib / total[p] if len(p) else contrib
    absent = (np.exp(log_absent - peak) + np.exp(log_other - peak) + copied) / total
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
    index: JournalIndex,
    proofs: ProofArrays,
    w: _Weighed,
    policy: MatchPolicy,
    contested: dict[int, list[int]] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """One-to-one resolution. Returns (active pair mask, fixed txn per proof, taken_by).

    ``contested`` (filled when given): proofs left unmatched because other
    proofs claim their transaction about as well, by proof position.
    """
    n = len(proofs)
    active = np.ones(len(w.proof), dtype=bool)
    fixed = np.full(n, -1, dtype=np.int64)
    taken_by: dict[int, int] = {}
    if contested is None:
        contested = {}
    proof_ids = proofs.frame["proof_id"].astype(str).to_numpy()
    # a clock change whose segment is unclear, a card's text against a wallet row (matching.guards)
    doubt, blocked = guards(
        index, proofs, w.txn, w.proof, policy.number_date_tolerance_hours, policy.clock_tolerance_s, policy
    )
    # a record paid to someone the shop's payments on its wallet never go to (matching.payees)
    blocked |= payee_blocked(index, proofs, w.txn, w.proof, w.table, policy)
    blocked = np.append(blocked, False)  # -1 (no candidate) reads the appended False
    for _ in range(20):
        post = _posteriors(w, active, policy)
        best = post.best
        best_conf = np.append(post.conf, 0.0)[best]  # -1 (no candidate) reads the appended 0
        confident = (
            (best >= 0)
            & (doubt < 0)
            & ~blocked[best]
            & (best_conf >= policy.match_threshold)
            & (best_conf - post.runner_up >= policy.min_margin)
            & (fixed < 0)
            & ~proofs.hard_not_paid()
        )
        if not confident.any():
            break
        claimers = np.flatnonzero(confident)
        claims = w.txn[best[claimers]]
        new_fixed = _resolve_conflicts(claimers, claims, w, post, proof_ids, index, policy, contested)
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
    policy: MatchPolicy,
    disputed: dict[int, list[int]],
) -> list[tuple[int, int]]:
    """Confident proofs claiming distinct transactions win; shared claims are assigned optimally.

    Proofs competing for the same transactions form connected groups; each
    group is one assignment problem (Hungarian algorithm on -log posterior,
    every proof may stay unassigned). An assignment stands only when the
    evidence says whose the transaction is: two customers' messages that fit
    one sale equally (the same amount, minute and card last 4: one of them paid
    elsewhere, or paid with the same last 4 in the same minute) would hand it
    to one of them by the order of their ids. The odds that the assigned proof,
    not one of the others that claim the transaction and got nothing else,
    owns it must reach ``match_threshold``; otherwise nobody gets it (the
    proofs go to ``disputed``).
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
        got = {int(a): int(b) for a, b in zip(rows, assigned, strict=True) if b < len(cols)}
        for a, b in got.items():
            # the others that claim this transaction and were given nothing: could it be theirs?
            mine = float(cost[a, b])
            rivals = [k for k in range(len(members)) if k != a and k not in got and cost[k, b] < 50.0]
            odds = _odds(np.exp(-mine))
            others = sum(_odds(np.exp(-float(cost[k, b]))) for k in rivals)
            if odds / (odds + others) >= policy.match_threshold:
                result.append((int(group[members[a]]), int(contested[cols[b]])))
            else:
                names = [int(group[members[k]]) for k in (a, *rivals)]
                for p in names:
                    disputed[p] = sorted(q for q in names if q != p)
    return result


def _odds(conf: float) -> float:
    """A posterior as odds (capped: a certainty is very large odds, never infinite)."""
    return conf / max(1.0 - conf, 1e-12)
