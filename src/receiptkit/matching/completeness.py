"""How often a payment a proof places at one branch of this journal is missing from it, from the batch.

"Not in this journal" competes with every proof's candidates at
:attr:`MatchPolicy.prior_absent` (0.1): most proofs of payments the journal
does not hold were paid elsewhere. A proof whose text names a branch of this
journal (level ``same branch``: the sign and its branch, ``蜀香阁(徐家汇店)``)
says where it was paid; it is absent only when that branch's journal misses
the payment (a terminal left out of the export, a day not exported). The
merchant comparator cannot say so: its u is the branch's share of the
journal, the chance that *another row* names the branch, which is also what
"not in the journal" gets.

The batch says how complete the journal is. A proof naming the branch that
carries a full wallet number, order number or reference is found or not:
either one of the branch's rows holds the number (same side, amount and
currency, near the proof's time: the rows that teach aliases), or none does.
The share not found, with ``prior_absent`` as prior worth
:attr:`MatchPolicy.completeness_prior_weight` proofs, is the prior of "not in
this journal" for the batch's proofs naming that branch:
``a = (not found + prior_absent * w) / (asked + w)``. A month of 250 WeChat
and Alipay rows naming the branch, every one found, gives ``a`` = 0.7 %; a
journal that lacks one terminal's sales shows it in the numbers not found, and
``a`` rises to what they say (more careful than the prior). With no such proofs
nothing changes.

A proof whose own full number the journal does not hold keeps ``prior_absent``:
that number is the record of its payment, and it is not here. Counter input
(``kind`` ``manual``) keeps ``prior_absent`` too: at the counter the
shop's own name is typed by the clerk, which says nothing about where the
customer paid.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from receiptkit.matching.absence import _numbers_found
from receiptkit.matching.comparators import MerchantTable, alias_hits
from receiptkit.matching.evidence import FULL_ID, ProofArrays
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy

__all__ = ["absent_priors", "branch_counts"]

_BRANCH = "same branch"


def _asked(proofs: ProofArrays) -> np.ndarray:
    """Proofs carrying a number the journal would hold if the payment were in it (as :func:`alias_hits` asks)."""

    def long(values, shortest: int) -> np.ndarray:
        return np.fromiter(
            (v is not None and len(str(v)) >= shortest for v in values), dtype=bool, count=len(values)
        )

    # an RRN (12 characters), not a 6-digit reference: an auth code and a STAN / 凭证号 look alike, and a STAN
    # the journal holds is not found by the auth code (it would count as missing)
    return long(proofs.wallet, FULL_ID) | long(proofs.order, 10) | long(proofs.reference, 12)


def _branch_texts(proofs: ProofArrays, table: MerchantTable) -> tuple[np.ndarray, np.ndarray]:
    """Which texts name which merchant's branch ``(texts, merchants)``, and each proof's text (-1: none).

    Counter input never names a branch here (its text is the clerk's). Per text, not per proof: a journal of
    many merchants and a large batch would not fit a (proofs, merchants) table.
    """
    comparator = table.comparator
    if comparator is None or not table.levels.size:
        return np.zeros((0, 0), dtype=bool), np.full(len(proofs), -1, dtype=np.int64)
    branch = comparator.names[table.levels.astype(np.int64)] == _BRANCH
    text = np.where(proofs.frame["kind"].astype(str).to_numpy() == "manual", -1, table.text_code)
    text = np.where((text >= 0) & branch.any(axis=1)[np.maximum(text, 0)], text, -1)
    return branch, text.astype(np.int64)


def branch_counts(
    index: JournalIndex,
    proofs: ProofArrays,
    table: MerchantTable,
    policy: MatchPolicy,
    hits: pd.DataFrame | None = None,
) -> dict[str, tuple[int, int]]:
    """Per journal merchant named by branch: proofs naming it with a full number, and of them those not found.

    ``hits``: the rows the proofs' numbers lead to (:func:`alias_hits`: ``q``
    proof, ``merchant`` the row's merchant name); computed when not given
    (``match_dask`` gives the hits of the whole journal). The counts of
    disjoint sets of proofs add up.
    """
    branch, text = _branch_texts(proofs, table)
    named = text >= 0
    if not named.any():
        return {}
    asked = _asked(proofs) & named
    if hits is None:
        hits = alias_hits(index, proofs, policy)
    found = np.zeros(len(proofs), dtype=bool)
    if len(hits):
        q = hits["q"].to_numpy(dtype=np.int64)
        code = pd.Index(index.merchants).get_indexer(hits["merchant"].astype(object))
        # found at the branch it names: a number that leads to another merchant's row does not vouch for this one
        ok = (code >= 0) & (text[q] >= 0)
        ok[ok] = branch[text[q[ok]], code[ok]]
        found[q[ok]] = True
    n_texts = branch.shape[0]
    per_text_asked = np.bincount(text[asked], minlength=n_texts).astype(np.int64)
    per_text_missing = np.bincount(text[asked & ~found], minlength=n_texts).astype(np.int64)
    n_asked = per_text_asked @ branch
    n_missing = per_text_missing @ branch
    return {
        str(index.merchants[k]): (int(n_asked[k]), int(n_missing[k]))
        for k in np.flatnonzero(branch[np.unique(text[named])].any(axis=0))
    }


def absent_priors(
    index: JournalIndex,
    proofs: ProofArrays,
    table: MerchantTable,
    policy: MatchPolicy,
    counts: Mapping[str, tuple[int, int]] | None = None,
    hits: pd.DataFrame | None = None,
    numbers: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray | None, dict[str, dict[str, float]]]:
    """Per proof, the log prior of "not in this journal" (None: ``prior_absent`` for every proof).

    ``counts``: :func:`branch_counts` of the whole batch (``match_dask`` gives
    them, its tasks each seeing part of the batch); from these proofs when not
    given (``hits``: :func:`alias_hits` of these proofs, ``numbers``: which carry a full number and whether the
    journal holds it, when the caller has them). Returns the priors and, per journal merchant named by branch, what
    the batch said: proofs naming it with a number (``asked``), of them not
    found (``missing``) and the prior used (``absent``).
    """
    n = len(proofs)
    weight = float(policy.completeness_prior_weight)
    if not n or weight <= 0 or not len(index):
        return None, {}
    branch, text = _branch_texts(proofs, table)
    named = text >= 0
    if not named.any():
        return None, {}
    if counts is None:
        counts = branch_counts(index, proofs, table, policy, hits)
    n_asked = np.array([counts.get(str(name), (0, 0))[0] for name in index.merchants], dtype=float)
    n_missing = np.array([counts.get(str(name), (0, 0))[1] for name in index.merchants], dtype=float)
    rate = (n_missing + policy.prior_absent * weight) / (n_asked + weight)
    # a text naming several branches (rare: two merchants of one sign) takes the least complete
    per_text = np.where(branch, rate[None, :], 0.0).max(axis=1)
    # a proof whose own full number the journal does not hold is not helped by the others being found: that
    # number is the record of its payment, and it is not here (it keeps prior_absent)
    numbered, number_found = numbers if numbers is not None else _numbers_found(index, proofs)
    lowered = named & ~(numbered & ~number_found)
    prior = np.where(lowered, per_text[np.maximum(text, 0)], policy.prior_absent)
    shown = np.flatnonzero(branch[np.unique(text[named])].any(axis=0))
    stats = {
        str(index.merchants[k]): {
            "asked": int(n_asked[k]),
            "missing": int(n_missing[k]),
            "absent": round(float(rate[k]), 4),
        }
        for k in shown
    }
    return np.log(prior), stats
