"""How often a proof of this kind is not in the journal at all: the prior of absence, from the batch.

``MatchPolicy.prior_absent`` (0.1) is the prior that a proof's payment is not
in the journal (another shop, another day, a payment that was never logged).
It is what keeps a lone candidate of amount and time from ``matched`` when the
amount is sold often enough that a payment made elsewhere would find such a
sale by chance: a counter proof "156, 晚上六点左右" whose amount is sold 0.6
times a day in that hour is 94-97 %, whatever else the batch says.

The batch says more. A proof that is not in the journal finds no candidate of
its amount in its window with probability ``exp(-λ)``, ``λ`` being the number
of such sales expected there by chance (the base rate); a proof that is in the
journal finds none only when it was not found (``1 - m_amount``). So the
proofs that find nothing, weighed against how likely each was to find
something by chance, estimate the share ``a`` of proofs that are absent: an
EM over that two-way mixture, per kind of proof and direction (the strata of
:mod:`.elsewhere`), with ``prior_absent`` as a prior worth
``coincidence_prior_weight`` proofs. A month of counter input in which every
proof finds its amount says that customers at this counter describe payments
made here; a statement holding other shops' lines finds nothing for many of
them and keeps (or raises towards) the prior.

Payments made elsewhere that *coincide* with a sale here find a candidate as
a true proof does, so the proofs that find nothing cannot see them. Where the
batch shows such payments (a proof of that stratum names another shop,
:mod:`.elsewhere`), the prior is left as it is, and the coincidence cap does
the work; the estimate is used only for strata in which no proof names another
shop, only with at least ``prior_absent_min_proofs`` proofs, and never above
``prior_absent`` (the default stays the careful ceiling). One proof at the
counter (:func:`receiptkit.find`) says nothing of the kind: it keeps the prior.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from receiptkit.matching.comparators import MerchantTable
from receiptkit.matching.decide import _Weighed
from receiptkit.matching.evidence import FULL_ID, ProofArrays, is_masked, present
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy

__all__ = [
    "INPUT_COLUMNS",
    "NUMBER_COLUMNS",
    "Absence",
    "absence_estimates",
    "absence_inputs",
    "absence_priors",
    "absence_shift",
    "absent_share",
    "shown_probability",
]

_EM_STEPS = 60
_OTHER = ("other brand", "other branch")  # a text that names another shop (as in matching.elsewhere)
_NUMBERS = (("wallet_txn_id", "wallet", FULL_ID), ("order_no", "order", 10), ("rrn", "reference", 12))
#: The journal's columns of full numbers a proof's own number is looked up in (:func:`_numbers_found`).
NUMBER_COLUMNS = tuple(column for column, _, _ in _NUMBERS)


def shown_probability(value: float) -> float:
    """A probability as ``attrs`` show it: four decimal places, or three significant digits below 0.001.

    Four places alone showed the small estimates of a large batch (a rate or a prior of absence below
    0.00005) as 0.0: a learned file keeps what ``attrs`` show and refused such an entry when read back, and
    :func:`~receiptkit.matching.elsewhere.silent_absence` reads the shown prior (log 0 would make a proof
    certain to be in the journal).
    """
    return round(value, 4) if value >= 1e-3 else float(f"{value:.3g}")


def absent_share(z: np.ndarray, chance: np.ndarray, eps: np.ndarray | float, policy: MatchPolicy) -> float:
    """The share of absent proofs: EM on "found nothing" given each proof's chance of finding nothing.

    ``z``: the proof found nothing; ``chance``: the probability that an absent
    proof finds nothing (``exp(-λ)`` for an amount, 1 for a full number);
    ``eps``: the probability that a proof in the journal finds nothing
    (``1 - m_amount``, ``1 - m_id_agree``), which explains some of the proofs
    that found nothing. The prior ``prior_absent`` counts as
    ``coincidence_prior_weight`` proofs.
    """
    p0 = float(policy.prior_absent)
    weight = float(policy.coincidence_prior_weight)
    eps = np.broadcast_to(np.asarray(eps, dtype=float), np.shape(z))
    a = p0
    for _ in range(_EM_STEPS):
        hit = a * chance / np.maximum(a * chance + (1 - a) * eps, 1e-300)
        # found something: likelihood 1 - exp(-λ) against 1 (not 1 - eps: a proof that cannot miss by chance,
        # λ large, would then count as evidence of absence, and a batch of day-long windows drift to 1)
        miss = a * (1 - chance) / np.maximum(a * (1 - chance) + (1 - a), 1e-300)
        resp = np.where(z, hit, miss)
        a = (float(resp.sum()) + p0 * weight) / (len(z) + weight)
    return a


def _numbers_found(index: JournalIndex, proofs: ProofArrays) -> tuple[np.ndarray, np.ndarray]:
    """Proofs carrying a full wallet, order or reference number the journal could hold, and whether it does.

    A number counts only when the journal records that kind of number at all: the whole journal's
    (``index.recorded_numbers``, set on a slice's index by :func:`~receiptkit.matching.partial.index_with_stats`),
    not a slice's, where a task of ``match_dask`` whose rows happen to hold no such number would not count the
    proofs whose number the journal does not hold, and lower their kind's prior of absence.
    """
    n = len(proofs)
    has = np.zeros(n, dtype=bool)
    found = np.zeros(n, dtype=bool)
    recorded = getattr(index, "recorded_numbers", None)
    for column, attr, shortest in _NUMBERS:
        held = column in index.journal.columns and bool(index.journal[column].notna().any())
        if not (held if recorded is None else column in recorded):
            continue
        values = np.asarray(getattr(proofs, attr), dtype=object)
        given = present(values) & ~is_masked(values)
        full = np.zeros(n, dtype=bool)
        full[given] = np.array([len(str(v)) >= shortest for v in values[given]], dtype=bool)
        if not full.any():
            continue
        has |= full
        if not held:  # the journal records such numbers, none of them in this slice: not found here
            continue
        # numpy's stubs take no None as a value; at run time it makes an object array with None
        query, _ = index.lookup(column, np.where(full, values, None))  # type: ignore[call-overload]
        found[np.unique(query)] = True
    return has, found & has


def absence_priors(
    index: JournalIndex,
    proofs: ProofArrays,
    w: _Weighed,
    table: MerchantTable,
    policy: MatchPolicy,
    absent: np.ndarray | None = None,
    numbers: tuple[np.ndarray, np.ndarray] | None = None,
    given: Mapping[str, Absence] | None = None,
) -> tuple[np.ndarray | None, dict[str, dict[str, float]]]:
    """Per proof, the log prior of "not in this journal" (``None``: ``prior_absent`` for every proof), and stats.

    ``absent``: the log priors :mod:`.completeness` gave (proofs naming a branch of this journal); those proofs
    keep them. Elsewhere the stratum's prior enters as ``log(prior_absent) + logit(used) - logit(prior_absent)``
    (the candidates' scores carry ``ln(1 - prior_absent)``, so the odds of absence are those of ``used``).

    The stats (``attrs["prior_absent"]``): proofs of the stratum (``proofs``), those that found nothing
    (``none_found``: no sale of the amount in the window, or a full number the journal does not hold), proofs
    naming another shop (``other_shop``), the share the batch gives (``estimate``) and the prior used (``used``).

    ``given``: the estimates of a larger batch these proofs are part of (:func:`absence_estimates` of its
    :func:`absence_inputs`; ``match_dask`` gives its tasks those of the whole batch) instead of these proofs'.
    """
    n = len(proofs)
    if not n or not (policy.learn_prior_absent or policy.prior_absent_by_kind):
        return absent, {}
    inputs = absence_inputs(index, proofs, w, table, policy, numbers)
    estimates = absence_estimates(inputs, policy) if given is None else given
    return absence_shift(inputs, estimates, policy, absent), {k: v.shown for k, v in estimates.items()}


@dataclass(frozen=True)
class Absence:
    """One stratum's prior of absence: the one used (``used``, exact) and what ``attrs`` shows of it."""

    used: float
    shown: dict[str, float]


#: The per-proof numbers the estimate reads (:func:`absence_inputs`), one column each.
INPUT_COLUMNS = ("stratum", "known", "other", "found_none", "chance", "eps", "unfound")


def absence_inputs(
    index: JournalIndex,
    proofs: ProofArrays,
    w: _Weighed,
    table: MerchantTable,
    policy: MatchPolicy,
    numbers: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Per proof, the numbers :func:`absence_estimates` reads (columns :data:`INPUT_COLUMNS`).

    Each depends on the proof alone, so the inputs of the parts of a batch, concatenated in the batch's order,
    are the inputs of the batch. ``unfound``: the proof's own full number is not in the journal.
    """
    n = len(proofs)
    kinds = proofs.frame["kind"].astype(str).to_numpy().astype(str)
    strata = np.where(proofs.side == 1, np.char.add(kinds, " credit"), kinds)
    # proofs whose text names another shop, whatever number they carry: payments made elsewhere that the
    # batch shows (they may coincide with a sale here, and then find one as a true proof does)
    other = np.zeros(n, dtype=bool)
    comparator = table.comparator
    if comparator is not None and table.levels.size:
        reading = comparator.names[table.levels.astype(np.int64)]
        other_text = cast(np.ndarray, np.isin(reading, _OTHER).all(axis=1))  # 2-D: one per row
        other = (table.text_code >= 0) & other_text[np.maximum(table.text_code, 0)]
    # the chance that a proof not in the journal finds nothing: no sale of its amount in its window by chance
    # (exp(-λ), λ its base rate), and never a full number the journal holds
    lam = np.maximum(w.base_exact, 0.0) + np.maximum(w.n_fx, 0)
    chance = np.exp(-lam)
    eps = np.full(n, 1.0 - float(policy.m_amount))
    found_none = w.n_candidates == 0
    # ``numbers``: :func:`_numbers_found` of these proofs when the caller has them
    numbered, number_found = numbers if numbers is not None else _numbers_found(index, proofs)
    return pd.DataFrame(
        {
            "stratum": strata.astype(object),
            "known": proofs.cur_code
            >= 0,  # a currency the journal holds (a foreign line without a rate: nothing)
            "other": other,
            "found_none": np.where(numbered, ~number_found, found_none),
            "chance": np.where(numbered, 1.0, chance),
            "eps": np.where(numbered, 1.0 - float(policy.m_id_agree), eps),
            "unfound": numbered & ~number_found,
        }
    )


def absence_estimates(inputs: pd.DataFrame, policy: MatchPolicy) -> dict[str, Absence]:
    """Per stratum, the prior of absence used, from :func:`absence_inputs`."""
    p0 = float(policy.prior_absent)
    strata = inputs["stratum"].to_numpy(dtype=object).astype(str)
    known = inputs["known"].to_numpy(bool)
    other = inputs["other"].to_numpy(bool)
    found_none = inputs["found_none"].to_numpy(bool)
    chance, eps = inputs["chance"].to_numpy(float), inputs["eps"].to_numpy(float)
    out: dict[str, Absence] = {}
    for stratum in np.unique(strata):
        mine = (strata == stratum) & known
        count = int(mine.sum())
        n_other = int((other & (strata == stratum)).sum())
        estimate = absent_share(found_none[mine], chance[mine], eps[mine], policy) if count else p0
        used = p0
        if policy.learn_prior_absent and count >= policy.prior_absent_min_proofs and not n_other:
            used = min(p0, estimate)
        elif str(stratum) in policy.prior_absent_by_kind and not n_other:
            used = min(p0, float(policy.prior_absent_by_kind[str(stratum)]))  # an earlier run's (the counter)
        shown: dict[str, float] = {
            "proofs": count,
            "none_found": int(found_none[mine].sum()),
            "other_shop": n_other,
            "estimate": shown_probability(float(estimate)),
            "used": shown_probability(float(used)),
        }
        out[str(stratum)] = Absence(used=float(used), shown=shown)
    return out


def absence_shift(
    inputs: pd.DataFrame, estimates: Mapping[str, Absence], policy: MatchPolicy, absent: np.ndarray | None
) -> np.ndarray | None:
    """The log priors of "not in this journal" the estimates give (``absent``: those set before, kept)."""
    p0 = float(policy.prior_absent)
    strata = inputs["stratum"].to_numpy(dtype=object).astype(str)
    shift = np.zeros(len(inputs))
    for stratum, estimate in estimates.items():
        if estimate.used != p0:
            shift[strata == stratum] = (
                np.log(estimate.used) - np.log1p(-estimate.used) - (np.log(p0) - np.log1p(-p0))
            )
    # a proof whose own full number the journal does not hold is not helped by the rest of its kind being
    # here: that number is the record of its payment, and it is not here (it keeps prior_absent)
    shift[inputs["unfound"].to_numpy(bool)] = 0.0
    if not shift.any():
        return absent
    mine = np.log(p0) + shift
    if absent is None:
        return mine
    return np.where(np.isclose(absent, np.log(p0), rtol=0, atol=1e-12), mine, absent)
