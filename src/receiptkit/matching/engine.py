"""match, find and explain: from proofs and a journal to verdicts.

The pipeline: search candidates (:mod:`~receiptkit.matching.index`), weigh the
evidence (:mod:`~receiptkit.matching.evidence`), turn the weights of every
candidate and of "not in the journal" into posterior probabilities, resolve
competing proofs one-to-one, and give each proof a verdict: ``matched``,
``ambiguous`` (with the candidates and what to ask next) or ``unmatched``
(with why).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from receiptkit.matching.evidence import FIELDS, Evidence, ProofArrays, score
from receiptkit.matching.index import JournalIndex, Pairs
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.skew import estimate_clock_offsets
from receiptkit.money import exponent, format_minor
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


class _Store:
    """What ``explain`` needs, kept on the result without being copied by pandas."""

    def __init__(self, evidence: pd.DataFrame, proofs: pd.DataFrame, journal: pd.DataFrame) -> None:
        self.evidence = evidence
        self.proofs = proofs
        self.journal = journal

    def __deepcopy__(self, memo: dict[int, Any]) -> _Store:
        return self

    def __repr__(self) -> str:
        return f"<match evidence for {self.proofs.shape[0]} proofs>"


# ---------------------------------------------------------------- candidates


def _gather(
    index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy
) -> tuple[Pairs, dict[str, np.ndarray]]:
    exact, n_exact = index.exact_pairs(proofs.side, proofs.cur_code, proofs.amount, proofs.lo, proofs.hi)
    parts = [exact]
    n_fx = np.zeros(len(proofs), dtype=np.int64)
    for (journal_cur, proof_cur), rate in policy.fx_rates.items():
        mask = np.flatnonzero(proofs.currency == proof_cur)
        codes = index.currency_codes_of(np.array([journal_cur]))
        if not len(mask) or codes[0] < 0:
            continue
        owner, rows = index.currency_window_rows(
            proofs.side[mask], np.full(len(mask), codes[0]), proofs.lo[mask], proofs.hi[mask]
        )
        scale = float(rate) * 10.0 ** (exponent(proof_cur) - exponent(journal_cur))
        expected = index.amount[rows] * scale
        ratio = proofs.amount[mask[owner]] / np.maximum(expected, 1e-9)
        tol, fee = float(policy.fx_tolerance), float(policy.fx_fee_max)
        ok = (ratio >= 1 - tol) & (ratio <= (1 + tol) * (1 + fee))
        owner, rows = owner[ok], rows[ok]
        n_fx += np.bincount(mask[owner], minlength=len(proofs))
        parts.append(Pairs(mask[owner], rows, np.ones(len(rows), dtype=np.int8)))
    parts.append(_key_pairs(index, proofs, policy))
    pairs = Pairs.concat(parts)
    n_window = index.window_counts(proofs.side, proofs.lo, proofs.hi)
    return pairs, {"n_exact": n_exact, "n_fx": n_fx, "n_window": n_window}


def _key_pairs(index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy) -> Pairs:
    """Transactions sharing a full reference number with a proof, at any amount."""
    owners: list[int] = []
    rows: list[int] = []
    wide = policy.max_clock_skew_s + (policy.bank_post_lag_days + 3) * 86400
    for values, column in (
        (proofs.wallet, "wallet_txn_id"),
        (proofs.order, "order_no"),
        (proofs.reference, "rrn"),
    ):
        present = np.flatnonzero(pd.notna(pd.Series(values, dtype=object)).to_numpy())
        if not len(present):
            continue
        mapping = index.key_map(column)
        for k in present:
            found = mapping.get(str(values[k]))
            if found is None:
                continue
            for row in found:
                near = proofs.lo[k] - wide <= index.ts_adj[row] <= proofs.hi[k] + wide
                if index.side[row] == proofs.side[k] and near:
                    owners.append(int(k))
                    rows.append(int(row))
    return Pairs(
        np.array(owners, dtype=np.int64), np.array(rows, dtype=np.int64), np.full(len(rows), 2, np.int8)
    )


# ------------------------------------------------------------------ decision


@dataclass
class _Posteriors:
    order: np.ndarray  # pair positions sorted by proof, then score desc, then txn id
    starts: np.ndarray  # first sorted position per proof (len n+1 via bounds)
    conf: np.ndarray  # per pair (in sorted order)
    absent: np.ndarray  # per proof: posterior of "not in the journal"


def _posteriors(
    ev: Evidence, n: int, active: np.ndarray, policy: MatchPolicy, txn_ids: np.ndarray
) -> _Posteriors:
    p = ev.pairs.proof
    keys = np.lexsort((txn_ids[ev.pairs.txn], -ev.score, p))
    order = keys[active[keys]]
    sp = p[order]
    sscore = ev.score[order]
    bounds = np.searchsorted(sp, np.arange(n + 1))
    log_absent = np.log(policy.prior_absent)
    log_other = np.log((1 - policy.prior_absent) * (1 - policy.m_amount))
    peak = np.full(n, max(log_absent, log_other))
    has = bounds[1:] > bounds[:-1]
    if has.any():
        peak[has] = np.maximum(peak[has], np.maximum.reduceat(sscore, bounds[:-1][has]))
    total = np.exp(log_absent - peak) + np.exp(log_other - peak)
    contrib = np.exp(sscore - peak[sp])
    sums = np.zeros(n)
    np.add.at(sums, sp, contrib)
    total = total + sums
    conf = contrib / total[sp]
    absent = (np.exp(log_absent - peak) + np.exp(log_other - peak)) / total
    return _Posteriors(order, bounds, conf, absent)


def _decide(
    index: JournalIndex, proofs: ProofArrays, ev: Evidence, policy: MatchPolicy
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """One-to-one resolution. Returns (active pair mask, fixed txn per proof, taken_by)."""
    n = len(proofs)
    active = np.ones(len(ev.pairs), dtype=bool)
    fixed = np.full(n, -1, dtype=np.int64)
    taken_by: dict[int, int] = {}
    txn_ids = index.txn_id
    proof_ids = proofs.frame["proof_id"].astype(str).to_numpy()
    for _ in range(20):
        post = _posteriors(ev, n, active, policy, txn_ids)
        if not len(post.order):  # no candidate left for any proof
            break
        best_pos, second_conf = _best(post, n)
        best_conf = np.where(best_pos >= 0, post.conf[np.maximum(best_pos, 0)], 0.0)
        confident = (
            (best_pos >= 0)
            & (best_conf >= policy.match_threshold)
            & (best_conf - second_conf >= policy.min_margin)
            & (fixed < 0)
            & ~proofs.not_paid
        )
        if not confident.any():
            break
        claims = ev.pairs.txn[post.order[best_pos[confident]]]
        claimers = np.flatnonzero(confident)
        new_fixed = _resolve_conflicts(claimers, claims, ev, post, proof_ids)
        if not new_fixed:
            break
        for proof, txn in new_fixed:
            fixed[proof] = txn
            taken_by[txn] = proof
        taken = np.zeros(len(index.txn_id), dtype=bool)
        taken[list(taken_by)] = True
        owner_fixed = fixed[ev.pairs.proof]
        active = ~taken[ev.pairs.txn] | (owner_fixed == ev.pairs.txn)
    return active, fixed, taken_by


def _best(post: _Posteriors, n: int) -> tuple[np.ndarray, np.ndarray]:
    starts, stops = post.starts[:-1], post.starts[1:]
    has = stops > starts
    best = np.where(has, starts, -1)
    second = np.zeros(n)
    two = stops - starts >= 2
    second[two] = post.conf[starts[two] + 1]
    return best, second


def _resolve_conflicts(
    claimers: np.ndarray, claims: np.ndarray, ev: Evidence, post: _Posteriors, proof_ids: np.ndarray
) -> list[tuple[int, int]]:
    """Confident proofs claiming distinct transactions win; shared claims are assigned optimally."""
    result: list[tuple[int, int]] = []
    claim_series = pd.Series(claims)
    dup = claim_series.duplicated(keep=False).to_numpy()
    for proof, txn in zip(claimers[~dup], claims[~dup], strict=True):
        result.append((int(proof), int(txn)))
    if dup.any():
        group = claimers[dup]
        group = group[np.argsort(proof_ids[group], kind="stable")]  # deterministic whatever the row order
        txns = sorted(set(claims[dup].tolist()))
        column = {t: c for c, t in enumerate(txns)}
        # cost: -log posterior of each (proof, txn); a proof may also stay unassigned
        cost = np.full((len(group), len(txns) + len(group)), 50.0)
        for r, proof in enumerate(group):
            lo, hi = post.starts[proof], post.starts[proof + 1]
            for pos in range(lo, hi):
                txn = int(ev.pairs.txn[post.order[pos]])
                if txn in column:
                    cost[r, column[txn]] = -np.log(max(post.conf[pos], 1e-300))
            cost[r, len(txns) + r] = -np.log(1e-3)
        rows, cols = linear_sum_assignment(cost)
        for r, c in zip(rows, cols, strict=True):
            if c < len(txns):
                result.append((int(group[r]), int(txns[c])))
    return result


# ------------------------------------------------------------------- results


def _ask_next(index: JournalIndex, proofs: ProofArrays, k: int, rows: list[int]) -> str:
    """What evidence would split these candidates."""
    asks = []
    last4 = {index.last4[r] for r in rows}
    if proofs.last4[k] is None and len(last4 - {None}) > 1:
        asks.append("ask for the last 4 digits of the card")
    times = {int(index.ts_adj[r]) // 60 for r in rows}
    if proofs.precision[k] == 2 and len({index.local_date[r] for r in rows}) >= 1:
        asks.append("ask for the time of payment (to the minute)")
    elif proofs.precision[k] == 1 and len(times) > 1:
        asks.append("ask for the time to the second (wallet payment detail)")
    wallets = [index.ids("wallet_txn_id")[r] for r in rows]
    if proofs.wallet[k] is None and any(w is not None for w in wallets):
        asks.append("ask for the transaction number (交易单号)")
    if proofs.reference[k] is None and any(index.ids("rrn")[r] is not None for r in rows):
        asks.append("ask for the reference number (参考号) or auth code")
    if not asks:
        asks.append(
            "the candidates agree on every field given: ask for the card's last 4 or a reference number"
        )
    return "; ".join(asks)


def _money(amount: int, currency: str) -> str:
    return f"{format_minor(amount, currency)} {currency}"


def _build_result(
    index: JournalIndex,
    proofs: ProofArrays,
    ev: Evidence,
    active: np.ndarray,
    fixed: np.ndarray,
    taken_by: dict[int, int],
    counts: dict[str, np.ndarray],
    offsets: pd.DataFrame,
    policy: MatchPolicy,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(proofs)
    post = _posteriors(ev, n, active, policy, index.txn_id)
    all_post = _posteriors(ev, n, np.ones(len(ev.pairs), dtype=bool), policy, index.txn_id)
    proof_ids = proofs.frame["proof_id"].astype(str).to_numpy()
    failed = index.failed_counts(proofs.side, proofs.cur_code, proofs.amount, proofs.lo, proofs.hi)
    out: dict[str, list[Any]] = {c: [] for c in RESULT_COLUMNS}
    evidence_rows: list[int] = []
    evidence_rank: list[int] = []
    evidence_conf: list[float] = []
    for k in range(n):
        lo, hi = post.starts[k], post.starts[k + 1]
        positions = list(range(lo, hi))
        confs = post.conf[lo:hi]
        n_all = int(all_post.starts[k + 1] - all_post.starts[k])
        flags: list[str] = []
        best_conf = float(confs[0]) if len(confs) else 0.0
        second = float(confs[1]) if len(confs) > 1 else 0.0
        txn_id: str | None = None
        ask = ""
        terminal = None
        offset = None
        listed = [p for p, c in zip(positions, confs, strict=True) if c >= policy.candidate_floor]
        listed = listed[: policy.keep_candidates]
        if proofs.not_paid[k]:
            status = "unmatched"
            flags.append("proof_not_paid")
            reason = "the proof shows a payment that did not go through (failed, closed or refunded)"
        elif fixed[k] >= 0:
            status = "matched"
            row = int(fixed[k])
            txn_id = str(index.txn_id[row])
            pos = positions[0]
            reason = _matched_reason(ev, post.order[pos])
            flags += _matched_flags(index, ev, post.order[pos], row)
            terminal = (
                None if index.terminal_code[row] < 0 else str(index.terminals[index.terminal_code[row]])
            )
            offset = int(index.offset_s[row])
        elif not positions:
            status = "unmatched"
            taken = [
                taken_by.get(int(ev.pairs.txn[all_post.order[p]]))
                for p in range(all_post.starts[k], all_post.starts[k + 1])
            ]
            taken = [t for t in taken if t is not None]
            amount = _money(int(proofs.amount[k]), str(proofs.currency[k]))
            kind = "refund" if proofs.side[k] == 1 else "payment"
            if taken:
                flags.append("txn_taken")
                reason = f"its candidate transactions are already proved by {', '.join(sorted({proof_ids[t] for t in taken}))}"
            elif failed[k] > 0:
                flags.append("declined_only")
                reason = f"only declined or reversed attempts of {amount} in the window, no approved {kind}"
            elif proofs.cur_code[k] < 0 and not policy.fx_rates:
                reason = f"no transaction in {proofs.currency[k]} in the journal (set policy.fx_rates for card bills in another currency)"
            else:
                reason = f"no approved {kind} of {amount} in the window"
        else:
            absent = float(post.absent[k])
            if absent >= policy.absent_threshold:
                status = "unmatched"
                reason = "evidence disagrees with every candidate: " + _against(ev, post.order[positions[0]])
            else:
                status = "ambiguous"
                rows = [int(ev.pairs.txn[post.order[p]]) for p in listed] or [
                    int(ev.pairs.txn[post.order[positions[0]]])
                ]
                ask = _ask_next(index, proofs, k, rows)
                reason = f"{len(listed) or 1} candidates fit the evidence; best {best_conf:.1%}, runner-up {second:.1%}"
        out["proof_id"].append(proof_ids[k])
        out["txn_id"].append(txn_id)
        out["status"].append(status)
        out["confidence"].append(round(best_conf, 6) if status != "unmatched" or positions else 0.0)
        out["margin"].append(round(best_conf - second, 6))
        out["n_candidates"].append(n_all)
        out["reason"].append(reason)
        out["flags"].append(";".join(flags))
        out["candidates"].append(
            [(str(index.txn_id[ev.pairs.txn[post.order[p]]]), round(float(post.conf[p]), 4)) for p in listed]
        )
        out["ask"].append(ask)
        out["terminal_id"].append(terminal)
        out["clock_offset_s"].append(offset)
        for rank, p in enumerate(positions[:2]):
            evidence_rows.append(int(post.order[p]))
            evidence_rank.append(rank)
            evidence_conf.append(float(post.conf[p]))
    result = pd.DataFrame(out)
    for column in ("proof_id", "txn_id", "status", "reason", "flags", "ask", "terminal_id"):
        result[column] = result[column].astype(STRING)
    result["n_candidates"] = result["n_candidates"].astype("int64")
    result["clock_offset_s"] = result["clock_offset_s"].astype("Int64")
    sel = np.array(evidence_rows, dtype=np.int64)
    evidence = pd.DataFrame(
        {
            "proof_id": proof_ids[ev.pairs.proof[sel]],
            "rank": evidence_rank,
            "txn_row": ev.pairs.txn[sel],
            "txn_id": index.txn_id[ev.pairs.txn[sel]],
            "posterior": evidence_conf,
            "base": ev.base[sel],
            "n_same": ev.n_same[sel],
        }
    )
    for field in FIELDS:
        evidence[f"level_{field}"] = ev.levels[field][sel]
        evidence[f"weight_{field}"] = ev.weights[field][sel]
    return result, evidence


def _matched_reason(ev: Evidence, pair: int) -> str:
    strong = [
        f"{field} {ev.levels[field][pair]}"
        for field in FIELDS
        if ev.weights[field][pair] > 1.0 and ev.levels[field][pair] not in ("missing",)
    ]
    return "matched on " + ", ".join(strong) if strong else "matched on amount and time"


def _against(ev: Evidence, pair: int) -> str:
    worst = sorted(FIELDS, key=lambda f: ev.weights[f][pair])[:2]
    parts = [f"{f} {ev.levels[f][pair]}" for f in worst if ev.weights[f][pair] < -0.5]
    return ", ".join(parts) or "the evidence is too weak to tell it from chance"


def _matched_flags(index: JournalIndex, ev: Evidence, pair: int, row: int) -> list[str]:
    flags = []
    for txn_type, _ in index.later_events(row):
        flags.append("voided_later" if txn_type == "void" else "refunded_later")
    if ev.levels["amount"][pair] == "fx":
        flags.append("fx")
    if abs(int(index.offset_s[row])) >= 60:
        flags.append("clock_offset")
    if index.duplicates_of(row):
        flags.append("journal_duplicate")
    after_loss = index.journal["after_loss"].iat[row] if "after_loss" in index.journal.columns else None
    if after_loss is not None and not pd.isna(after_loss) and bool(after_loss):
        flags.append("after_loss")  # on a terminal after its reported loss (receiptkit.terminals)
    return sorted(set(flags))


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
        index.set_clock_offsets(offsets.loc[offsets["used"], "offset_s"].to_dict())
    else:
        index.set_clock_offsets(clock_offsets)
        offsets = pd.DataFrame(
            {"offset_s": pd.Series(clock_offsets, dtype="int64"), "votes": np.nan, "used": True}
        ).rename_axis("terminal_id")
    pairs, counts = _gather(index, arrays, policy)
    ev = score(index, arrays, pairs, policy=policy, **counts)
    active, fixed, taken_by = _decide(index, arrays, ev, policy)
    result, evidence = _build_result(index, arrays, ev, active, fixed, taken_by, counts, offsets, policy)
    result.attrs["clock_offsets"] = offsets
    result.attrs["evidence"] = _Store(evidence, proofs, index.journal)
    result.attrs["policy"] = policy
    return result


def find(
    journal: pd.DataFrame | JournalIndex,
    proof: pd.DataFrame | None = None,
    *,
    policy: MatchPolicy | None = None,
    tz: str | None = None,
    **evidence: Any,
) -> pd.DataFrame:
    """Rank the journal's candidates for one proof at the counter.

    Give a one-row proofs frame, or the evidence as keywords (``amount``,
    ``time``, ``last4``, ``reference``, ``merchant``, ``currency``, ``tz``,
    ... as :func:`receiptkit.proof` takes). Pass a :class:`JournalIndex`
    built once to make repeated calls fast. Returns the candidates, best
    first, with ``confidence`` and the journal columns; ``attrs["verdict"]``
    holds the one-row :func:`match` result.
    """
    if proof is None:
        from receiptkit.readers.manual import proof as make_proof

        if tz is not None:
            evidence["tz"] = tz
        proof = make_proof(**evidence)
    index = _as_index(journal)
    policy = policy or MatchPolicy()
    one = validate_proofs(proof.head(1))
    result = _match_valid(one, index, policy, index.clock_offsets)
    store: _Store = result.attrs["evidence"]
    ranked = _ranked_candidates(index, one, policy)
    ranked.attrs["verdict"] = result
    ranked.attrs["evidence"] = store
    return ranked


def _ranked_candidates(index: JournalIndex, proofs: pd.DataFrame, policy: MatchPolicy) -> pd.DataFrame:
    arrays = ProofArrays.build(proofs, index, policy)
    pairs, counts = _gather(index, arrays, policy)
    ev = score(index, arrays, pairs, policy=policy, **counts)
    post = _posteriors(ev, 1, np.ones(len(pairs), dtype=bool), policy, index.txn_id)
    rows = ev.pairs.txn[post.order]
    frame = index.journal.iloc[rows].copy()
    frame.insert(0, "confidence", np.round(post.conf, 6))
    frame.insert(1, "why", [_matched_reason(ev, int(p)).replace("matched on ", "") for p in post.order])
    return frame.reset_index(drop=True)


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
    ev = store.evidence[store.evidence["proof_id"] == str(proof_id)].sort_values("rank")
    proofs = store.proofs
    found = proofs[proofs["proof_id"].astype(str) == str(proof_id)]
    if found.empty:
        raise KeyError(f"no proof {proof_id!r} in this result")
    proof_row = found.iloc[0]
    journal = store.journal
    picks = [journal.iloc[int(r)] for r in ev["txn_row"]]
    labels = ["best", "runner_up"]
    rows = []
    base = {"field": "base rate", "proof_value": f"{proof_row['amount_minor']} {proof_row['currency']}"}
    for label, (_, e) in zip(labels, ev.iterrows(), strict=False):
        base[f"{label}_txn_id"] = e["txn_id"]
        base[f"{label}_value"] = f"{int(e['n_same'])} such transaction(s) in the window"
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


def _proof_value(row: pd.Series, field: str) -> Any:
    if field == "amount":
        return _money(int(row["amount_minor"]), str(row["currency"]))
    if field == "time":
        if pd.notna(row["ts"]):
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
