"""Payments made elsewhere that look like a sale here: how often, estimated from the batch itself.

A proof whose text names no shop (a platform or aggregator such as 美团 or 收钱吧,
a legal entity not known here, a channel only such as 银联消费, or no text) and
carries no number the journal could hold (wallet, order, reference, terminal)
is told apart from a payment made in another shop only by its amount, time and
card last 4. The matcher weighs those against chance: how often a stranger's
payment of that amount falls in that minute on a card with those last 4. That
holds for honest coincidences. It does not hold when payments made elsewhere
tend to *coincide* with sales here (a proof of another shop's sale presented
for a duplicate, a chain whose shops sell the same items at the same prices at
the same hours), and nothing in one proof can tell.

The batch can. Proofs whose text names another shop (another brand, another
branch, of every merchant of this journal) are payments made elsewhere that we
can recognise; how many of them would be ``matched`` on their amount, time and
card alone is how often a payment made elsewhere coincides with a sale here,
per kind of proof (a bank SMS and a wallet bill do not coincide alike) and
direction (a refund is another event than a sale: proofs of refunds have their
own rate, keyed ``"<kind> credit"``). That
rate ``q`` (taken at the upper end of its one-sided 95 % interval once at least
:attr:`MatchPolicy.coincidence_min_named` proofs can be compared: a rate read low
lets a stranger's payment through; for kinds the batch says less about, with a
small prior, :attr:`MatchPolicy.coincidence_prior`, worth
:attr:`MatchPolicy.coincidence_rate_prior_weight` proofs: it leans towards
matching, so it is worth few) enters the posterior of a proof that names no shop
as a second way of being absent: "paid elsewhere and coinciding", with the
evidence of the best candidate it coincides with. How likely "paid elsewhere"
is, the batch says as well: the share ``s`` of the proofs (same kind and
direction, no number) whose text says where they were paid that name another
shop, with :attr:`MatchPolicy.prior_absent` as its prior. So with ``q`` or
``s`` near 0 nothing changes; otherwise such a proof's confidence cannot pass
``(1 - s) / (1 - s + s * q)``. This is the population-based u of splink
applied to "not in this journal": the data says how likely the coincidence is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from receiptkit.errors import ReceiptkitError
from receiptkit.matching.absence import absent_share, shown_probability
from receiptkit.matching.comparators import MerchantTable
from receiptkit.matching.decide import _posteriors, _Weighed
from receiptkit.matching.evidence import ProofArrays, present
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy

__all__ = [
    "INPUT_COLUMNS",
    "Coinciding",
    "coincidence",
    "coincidence_estimates",
    "coincidence_factors",
    "coincidence_inputs",
    "coincidence_stratum",
    "silent_absence",
]

_FOR = ("alias", "same branch", "brand", "similar")  # a text that names a merchant of this journal
_OTHER = ("other brand", "other branch")  # a text that names another shop
_BRANCH = ("alias", "same branch")  # a text that names a branch of this journal


@dataclass(frozen=True)
class Coinciding:
    """One stratum's estimate: the rate ``q`` and share ``s`` its factor uses, and what ``attrs`` shows of it.

    ``shown`` is the stratum's entry of ``result.attrs["coincidence"]`` (rounded; its ``absent_prior`` is
    what :func:`silent_absence` uses).
    """

    rate: float
    share: float
    shown: dict[str, float]


#: The per-proof numbers the estimate reads (:func:`coincidence_inputs`), one column each.
INPUT_COLUMNS = ("stratum", "code", "branch", "strong", "coincide", "known", "comparable", "none", "chance")


def coincidence(
    index: JournalIndex,
    proofs: ProofArrays,
    w: _Weighed,
    table: MerchantTable,
    policy: MatchPolicy,
    given: Mapping[str, Coinciding] | None = None,
) -> tuple[np.ndarray, dict[str, dict[str, float]]]:
    """Per proof, the log factor of "paid elsewhere and coinciding" (``-inf`` where it does not apply).

    Returns the factors and, per proof kind (``"<kind> credit"`` for refunds), what the batch said: proofs naming
    another shop (``named``), how many of them coincide (``coincide``), the
    rate used (``rate``), proofs naming a merchant of this journal (``here``)
    and the share of payments made elsewhere used (``share``).

    ``given``: the estimates of a larger batch these proofs are part of (:func:`coincidence_estimates` of its
    :func:`coincidence_inputs`; ``match_dask`` gives its tasks those of the whole batch); they replace what
    these proofs alone would say, and are what the stats show.
    """
    n = len(proofs)
    out = np.full(n, -np.inf)
    if not n or policy.coincidence_prior <= 0 or (given is None and not len(w.proof)):
        return out, {}
    inputs = coincidence_inputs(index, proofs, w, table, policy)
    estimates = coincidence_estimates(inputs, policy) if given is None else given
    return coincidence_factors(inputs, estimates), {k: v.shown for k, v in estimates.items()}


def coincidence_inputs(
    index: JournalIndex, proofs: ProofArrays, w: _Weighed, table: MerchantTable, policy: MatchPolicy
) -> pd.DataFrame:
    """Per proof, the numbers :func:`coincidence_estimates` reads (columns :data:`INPUT_COLUMNS`).

    Each depends on the proof alone (its text read against the journal's merchants, its own candidates), so the
    inputs of the parts of a batch, concatenated in the batch's order, are the inputs of the batch.
    """
    n = len(proofs)
    codes, branch = _text_codes(table, n)
    # -1: no text; 0: a text naming no merchant of this journal; 1: another shop; 2: a merchant of this journal
    strong = _strong(proofs)
    elsewhere = (codes == 1) & ~strong
    # the named-elsewhere proofs' best candidates weighed without what their text says (the merchant field, and
    # the wallet its words name against a card sale or the other wallet's row): would they be matched on their
    # amount, time and card alone?
    coincide = np.zeros(n, dtype=bool)
    if len(w.proof):
        merchant_w = table.evidence(w.proof, index.merchant_code[w.txn], with_levels=False)[1]
        unnamed = dataclasses.replace(
            w, score=w.score - merchant_w - _text_channel_weights(index, proofs, w, policy, elsewhere)
        )
        post = _posteriors(unnamed, np.ones(len(w.proof), dtype=bool), policy)
        best_conf = np.append(post.conf, 0.0)[post.best]
        # what the matcher would match coincides: a threshold below coincidence_level makes coincidences commoner
        level = min(float(policy.coincidence_level), float(policy.match_threshold))
        coincide = elsewhere & (post.best >= 0) & (best_conf >= level)
    known = proofs.cur_code >= 0  # a currency the journal holds (a foreign line without a rate says nothing)
    # a proof whose amount can be weighed (the journal's currency, or one with a billing rate): only such a proof
    # can coincide with a sale here, so only such proofs tell how often a payment made elsewhere does
    rated = {str(pair[1]) for pair in policy.fx_rates}
    comparable = known | np.isin(np.asarray(proofs.currency, dtype=object), list(rated))
    strata = _strata(proofs)
    # a payment made elsewhere finds no sale of its amount in its window by chance with probability exp(-λ)
    chance = np.exp(-(np.maximum(w.base_exact, 0.0) + np.maximum(w.n_fx, 0)))
    return pd.DataFrame(
        {
            "stratum": strata.astype(object),
            "code": codes,
            "branch": branch,
            "strong": strong,
            "coincide": coincide,
            "known": known,
            "comparable": comparable,
            "none": w.n_candidates == 0,
            "chance": chance,
        }
    )


#: Channel levels read from a proof's text (a bank's words naming a wallet), not from its amount, time or card.
_TEXT_CHANNEL_LEVELS = ("not_the_named_wallet", "not_at_a_terminal")


def _text_channel_weights(
    index: JournalIndex, proofs: ProofArrays, w: _Weighed, policy: MatchPolicy, mine: np.ndarray
) -> np.ndarray:
    """Per pair, the channel weight its proof's text gives (:data:`_TEXT_CHANNEL_LEVELS`; 0 for any other level),
    for the pairs of the proofs ``mine`` (0 for the others: only theirs are read).

    A proof naming another shop behind a wallet's name (``财付通-X``) reads against a card sale here on that
    name (``not_at_a_terminal``): left in, it hid the coincidences of such proofs with card sales, and the
    rate of proofs naming no shop (which show no wallet's name) fell to the prior.
    """
    from receiptkit.matching.comparators import ChannelComparator, PairContext
    from receiptkit.matching.index import Pairs

    out = np.zeros(len(w.proof))
    at = np.flatnonzero(mine[w.proof])
    if not len(at):
        return out
    levels, weights = ChannelComparator(policy).compare(
        PairContext(index, proofs, Pairs(w.proof[at], w.txn[at], w.route[at]), policy)
    )
    out[at] = np.where(np.isin(np.asarray(levels, dtype=object), _TEXT_CHANNEL_LEVELS), weights, 0.0)
    return out


def coincidence_estimates(inputs: pd.DataFrame, policy: MatchPolicy) -> dict[str, Coinciding]:
    """Per stratum, the coinciding rate and the share of payments made elsewhere, from :func:`coincidence_inputs`."""
    kept_by_kind = _kept_estimates(policy)
    codes, branch = inputs["code"].to_numpy(np.int64), inputs["branch"].to_numpy(np.int64)
    strong = inputs["strong"].to_numpy(bool)
    silent = (codes <= 0) & ~strong
    elsewhere = (codes == 1) & ~strong
    here = (codes == 2) & ~strong
    # a text naming a brand here without its branch is silent about the branch as a text naming no shop is
    # about the shop: another branch of the brand, coinciding with a sale here, reads the same; the proofs
    # naming another branch of the brand tell how often that happens (the stratum "<kind> brand")
    b_silent, b_elsewhere, b_here = (branch == 0) & ~strong, (branch == 1) & ~strong, (branch == 2) & ~strong
    coincide = inputs["coincide"].to_numpy(bool)
    # one rate per kind of proof and direction: a refund is another event than a sale (a refund made
    # elsewhere coincides with a refund here, not with a sale), so what the batch says about payments
    # made elsewhere says nothing about refunds, and the other way round
    known = inputs["known"].to_numpy(bool)
    comparable = inputs["comparable"].to_numpy(bool)
    none = inputs["none"].to_numpy(bool)
    chance = inputs["chance"].to_numpy(float)
    strata = inputs["stratum"].to_numpy(dtype=object).astype(str)
    weight = float(policy.coincidence_prior_weight)
    # the prior of the rate leans towards matching (payments made elsewhere rarely coincide): worth few proofs, so
    # that what the batch shows outweighs it; the prior of the share (prior_absent) leans towards caution
    rate_weight = float(policy.coincidence_rate_prior_weight)
    families = [(str(k), strata == k, silent, elsewhere, here) for k in np.unique(strata)]
    if policy.coincidence_brand:
        families += [
            (f"{k} brand", strata == k, b_silent, b_elsewhere, b_here)
            for k in np.unique(strata[b_silent])
            if (b_elsewhere & (strata == k)).any() or f"{k} brand" in policy.coincidence_by_kind
        ]
    out: dict[str, Coinciding] = {}
    for stratum, mine, silent, elsewhere, here in families:
        n_named, n_coincide = int((elsewhere & mine).sum()), int((coincide & elsewhere & mine).sum())
        n_here = int((here & mine).sum())
        n_compared = int((elsewhere & mine & comparable).sum())
        rate = (
            (n_coincide + policy.coincidence_prior * rate_weight) / (n_compared + rate_weight)
            if n_compared + rate_weight > 0
            else float(policy.coincidence_prior)  # no prior weight and nothing to read: the prior
        )
        if n_compared and n_compared >= int(policy.coincidence_min_named):
            # enough proofs to read a rate from: taken at the upper end of what they allow (one-sided 95 %,
            # Wilson), as c is in _silent_share: 4 coinciding of 13 allow 0.54, 0 of 8 allow 0.25; a rate read
            # low lets a stranger's payment through, a rate read high leaves a proof ambiguous. Never from no
            # proof (coincidence_min_named=0): the upper end of nothing is 1, and that is no reading
            rate = max(rate, 1.0 - _lower_bound(float(n_compared - n_coincide), float(n_compared)))
        elif rate_weight > 0:
            # fewer: a handful of proofs none of which coincided never read the rate below its prior (0 of 4 would
            # give 0.0002 with the prior worth one proof, and one more proof 0.35)
            rate = max(rate, float(policy.coincidence_prior))
        # how many of the proofs whose text says where they were paid were paid elsewhere: the share a proof
        # that names no shop is taken to have (prior_absent for a stratum the batch says little about, and
        # where no proof names another shop: then q is the prior, and the cap hardly weighs anyway)
        share = (
            (n_named + policy.prior_absent * weight) / (n_named + n_here + weight)
            if n_named
            else policy.prior_absent
        )
        silent_share = _silent_share(none, chance, elsewhere & mine & known, silent & mine & known, policy)
        if silent_share is not None:
            share = silent_share
        kept = kept_by_kind.get(str(stratum))
        if kept and n_named < int(policy.coincidence_min_named):
            # the batch says little; an earlier run's batch of this journal said more (a learned file)
            share, rate, silent_share = float(kept["share"]), float(kept["rate"]), float(kept["absent_prior"])
        elif kept and n_compared < int(policy.coincidence_min_named):
            # enough proofs name another shop to tell the share, too few can be compared to tell the rate (lines
            # in a currency without a rate say nothing of it): the kept rate stands, not the prior
            rate = float(kept["rate"])
        shown: dict[str, float] = {
            "named": n_named,
            "coincide": n_coincide,
            "rate": shown_probability(rate),
            "here": n_here,
            "share": shown_probability(share),
            "silent": int((silent & mine).sum()),
            "silent_none_found": int((silent & mine & known & none).sum()),
            # the prior of "not in this journal" of those proofs: the share read from them, never above
            # prior_absent (as matching.absence); prior_absent where the share is the named one
            "absent_prior": shown_probability(min(policy.prior_absent, silent_share))
            if silent_share is not None
            else policy.prior_absent,
            "kept": bool(kept and n_named < int(policy.coincidence_min_named)),
        }
        if stratum.endswith(
            " brand"
        ):  # a brand-only text names a shop: its prior of absence is not this share
            shown["absent_prior"] = policy.prior_absent
        out[str(stratum)] = Coinciding(rate=rate, share=share, shown=shown)
    return out


def coincidence_factors(inputs: pd.DataFrame, estimates: Mapping[str, Coinciding]) -> np.ndarray:
    """Per proof, the log factor of "paid elsewhere and coinciding" the estimates give (``-inf``: none)."""
    out = np.full(len(inputs), -np.inf)
    strong = inputs["strong"].to_numpy(bool)
    silent = (inputs["code"].to_numpy(np.int64) <= 0) & ~strong
    b_silent = (inputs["branch"].to_numpy(np.int64) == 0) & ~strong
    strata = inputs["stratum"].to_numpy(dtype=object).astype(str)
    for stratum, estimate in estimates.items():  # kinds first, then their brand strata (as estimated)
        mine = _members(stratum, strata, silent, b_silent)
        share, rate = estimate.share, estimate.rate
        with np.errstate(
            divide="ignore"
        ):  # rate 0 (no prior weight, none coinciding): the path does not apply
            # share 1 (no prior weight, every proof saying where names another shop): the cap is 0, not a NaN
            out[mine] = np.log(share) - np.log1p(-min(share, 1.0 - 1e-12)) + np.log(rate)
    return out


def coincidence_stratum(
    proofs: ProofArrays, table: MerchantTable, keys: Iterable[str], at: int
) -> str | None:
    """The stratum among ``keys`` (those of ``result.attrs["coincidence"]``) whose estimate weighs proof ``at``'s
    "paid elsewhere and coinciding", as :func:`coincidence_factors` applies them; ``None`` when none does (the
    proof names a branch here or another shop, or carries a number the journal could hold)."""
    codes, branch = _text_codes(table, len(proofs))
    strong = _strong(proofs)
    strata = _strata(proofs)
    silent, b_silent = (codes <= 0) & ~strong, (branch == 0) & ~strong
    found = None
    for key in keys:
        if _members(str(key), strata, silent, b_silent)[at]:
            found = str(key)
    return found


def _strong(proofs: ProofArrays) -> np.ndarray:
    """Per proof: it carries a number the journal could hold (wallet, order, reference, terminal)."""
    return (
        present(proofs.wallet) | present(proofs.order) | present(proofs.reference) | present(proofs.terminal)
    )


def _strata(proofs: ProofArrays) -> np.ndarray:
    """Per proof, its kind's stratum: the kind, or ``"<kind> credit"`` for money back."""
    kinds = proofs.frame["kind"].astype(str).to_numpy().astype(str)
    return np.where(proofs.side == 1, np.char.add(kinds, " credit"), kinds)


def _members(stratum: str, strata: np.ndarray, silent: np.ndarray, b_silent: np.ndarray) -> np.ndarray:
    """The proofs a stratum's estimate applies to: its kind's proofs naming no shop, or for ``"<kind> brand"``
    those naming a brand here without its branch."""
    brand = stratum.endswith(" brand")
    return (strata == stratum.removesuffix(" brand")) & (b_silent if brand else silent)


def coinciding_lift(index: JournalIndex, w: _Weighed, table: MerchantTable) -> np.ndarray | None:
    """Per pair, the log factor by which "paid elsewhere and coinciding" weighs the pair's merchant field.

    "Paid elsewhere, coinciding with this sale" takes the candidate's evidence
    of amount, time and card (:func:`coincidence` reads its rate ``q`` from
    the proofs naming another shop weighed *without* the merchant field). A
    text that is another name, of no shop here (``unrelated``: ``蜀大侠火锅``
    against ``老码头火锅(静安寺店)``), weighs against the sale (``m_merchant_unrelated``)
    because a payment made here seldom shows such a name; a payment made
    elsewhere shows one as a matter of course. So on that path the name does
    not count against: the factor is minus the pair's merchant weight where the
    level is ``unrelated`` (0 elsewhere; ``None`` when no pair reads so). Any
    other level weighs alike on both paths (a brand-only text reads the same for
    a branch here as for another branch of the brand).
    """
    if not len(w.proof) or table.comparator is None:
        return None
    merchant = index.merchant_code[w.txn]
    text = table.text_code[w.proof]
    usable = (text >= 0) & (merchant >= 0)
    unrelated = table.comparator.code("unrelated")
    levels = np.full(len(w.proof), -1, dtype=np.int64)
    levels[usable] = table.levels[text[usable], merchant[usable]]
    hit = levels == unrelated
    if not hit.any():
        return None
    lift = np.zeros(len(w.proof))
    lift[hit] = -np.minimum(table.weights[text[hit], unrelated], 0.0)
    return lift


def silent_absence(
    absent: np.ndarray | None,
    copy: np.ndarray,
    proofs: ProofArrays,
    stats: dict[str, dict[str, float]],
    policy: MatchPolicy,
    table: MerchantTable,
) -> np.ndarray | None:
    """The log prior of "not in this journal" of the proofs naming no shop, where their own share is known.

    Such a proof is absent with the share :func:`coincidence` read from the
    proofs naming no shop (``stats[kind]["absent_prior"]``); absent, it
    coincides with a sale here (the factor in ``copy``: the share times the
    batch's rate ``q``) or fits one by chance (the base rate, weighed against
    the rest of the share, ``share * (1 - q)``: one share covers both ways, so
    the coinciding payments are not counted again). ``absent``: the log priors so
    far (``None``: ``prior_absent`` for every proof); a proof whose prior was
    already set otherwise (its branch's completeness, its kind's prior of
    absence) keeps it, and so does a proof whose text names a brand here
    without its branch (``table``: the merchant readings; its stratum
    ``"<kind> brand"`` puts it in ``copy`` too, but its text names a shop).
    Returns the log priors in the form of
    :func:`receiptkit.matching.absence.absence_priors`.
    """
    p0 = float(policy.prior_absent)
    lower = {
        k: (float(v["absent_prior"]), float(v.get("rate", 0.0)))
        for k, v in stats.items()
        if float(v.get("absent_prior", p0)) < p0
    }
    if not lower:
        return absent
    strata = _strata(proofs)
    base = np.full(len(proofs), np.log(p0)) if absent is None else np.asarray(absent, dtype=float).copy()
    untouched = np.isclose(base, np.log(p0), rtol=0, atol=1e-12)
    logit0 = np.log(p0) - np.log1p(-p0)
    naming_none = _text_codes(table, len(proofs))[0] <= 0
    for stratum, (used, rate) in lower.items():
        mine = (strata == stratum) & np.isfinite(copy) & untouched & naming_none
        # absent, it coincides with a sale here (``copy``: the share times the rate) or it does not, and then only
        # chance can make it fit one: the share of that second way is ``used * (1 - rate)``, not ``used`` again
        chance = used * (1.0 - min(max(rate, 0.0), 1.0 - 1e-12))
        base[mine] = np.log(p0) + (np.log(chance) - np.log1p(-used)) - logit0
    return base


def _silent_share(
    none: np.ndarray, chance: np.ndarray, named: np.ndarray, silent: np.ndarray, policy: MatchPolicy
) -> float | None:
    """The share of payments made elsewhere among the proofs that name no shop, from those proofs themselves.

    The share of the proofs that say where they were paid stands for the proofs
    that do not only when naming the shop does not depend on where the payment
    was made. At a counter it does: the clerk types no shop for a payment made
    here, and a customer who names a shop names another one. The proofs that
    name no shop tell their own share instead. A payment made elsewhere finds no
    sale of its amount in its window with probability ``(1 - c) exp(-λ)``: ``c``
    the share of payments made elsewhere that coincide with a sale here whatever
    the chance (read from the proofs naming another shop: those that found
    nothing, against ``exp(-λ)``, the chance of finding nothing; ``1 - c`` at
    the lower end of its one-sided 95 % Wilson interval), ``λ`` the
    proof's base rate. A payment made here finds nothing only when it was not
    found (``1 - m_amount``). The proofs naming no shop that found nothing,
    weighed so, estimate their share (:func:`absence.absent_share`, with
    ``prior_absent`` as its prior). ``None`` (keep the named share) with fewer
    than ``coincidence_min_named`` proofs naming another shop (then ``c`` is
    not known), or when the proofs naming no shop would find nothing fewer
    times than ``coincidence_prior_weight`` even were they all made elsewhere
    (then they say less than the prior).
    """
    if int(named.sum()) < int(policy.coincidence_min_named) or not silent.any():
        return None
    # 1 - c: how often a payment made elsewhere is left to chance, taken at the lower end of what the proofs
    # naming another shop allow (one-sided 95 %, Wilson): a few of them finding nothing by luck must not make
    # every proof naming no shop that found its sale look like a payment made here
    left = _lower_bound(float(none[named].sum()), float(chance[named].sum()) + 1.0)
    # how many of them would have found nothing were they all made elsewhere: fewer than the prior's weight, and
    # what they found says less than the prior does (a batch whose payments elsewhere all coincide, or few such
    # proofs): keep the named share
    if left * float(chance[silent].sum()) < max(float(policy.coincidence_prior_weight), 1.0):
        return None
    eps = 1.0 - float(policy.m_amount)
    return absent_share(none[silent], left * chance[silent], eps, policy)


def _lower_bound(hits: float, trials: float, z: float = 1.645) -> float:
    """The lower end of the one-sided Wilson interval of ``hits / trials`` (0 with no trials), at most 1."""
    if trials <= 0:
        return 0.0
    p = min(1.0, hits / trials)
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * np.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return float(max(0.0, min(1.0, (centre - spread) / (1 + z2 / trials))))


def _text_codes(table: MerchantTable, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per proof, what its text says of the shop, and of the branch of a brand here.

    ``codes``: -1 no text; 0 a text naming no merchant of this journal; 1 another shop; 2 a merchant of this
    journal. ``branch``: -1 no such text; 0 a brand here without its branch (brand only, a branch cut, a legal
    entity named after it); 1 another branch of it; 2 its branch here.
    """
    comparator = table.comparator
    codes = np.full(n, -1, dtype=np.int64)
    branch = np.full(n, -1, dtype=np.int64)
    if comparator is not None and table.levels.size:
        names = comparator.names
        reading = names[table.levels.astype(np.int64)]  # (texts, merchants): level names
        other = np.isin(reading, _OTHER).all(axis=1)
        named = np.isin(reading, _FOR).any(axis=1)
        codes = np.where(table.text_code >= 0, np.where(other, 1, np.where(named, 2, 0))[table.text_code], -1)
        this_branch = np.isin(reading, _BRANCH).any(axis=1)
        brand_only = (reading == "brand").any(axis=1) & ~this_branch
        other_branch = (reading == "other branch").any(axis=1) & other
        per_text = np.where(this_branch, 2, np.where(other_branch, 1, np.where(brand_only, 0, -1)))
        branch = np.where(table.text_code >= 0, per_text[np.maximum(table.text_code, 0)], -1)
    return codes, branch


_KEPT_KEYS = ("share", "rate", "absent_prior")


def kept_probability(key: str, value: float) -> bool:
    """Whether ``value`` can be a kept estimate ``key``: a probability strictly between 0 and 1, or a rate of 1
    (every payment made elsewhere that a batch could compare coincided: its upper bound is 1)."""
    return 0 < value < 1 or (key == "rate" and value == 1)


def _kept_estimates(policy: MatchPolicy) -> dict[str, dict[str, float]]:
    """``policy.coincidence_by_kind`` as numbers; an entry that is not three probabilities is an error naming it.

    A learned file's entries are checked when it is read (:func:`~receiptkit.matching.learned.load_learned`);
    these may be given by hand.
    """
    out: dict[str, dict[str, float]] = {}
    for kind, entry in policy.coincidence_by_kind.items():
        values: dict[str, float] = {}
        for key in _KEPT_KEYS:
            value = entry.get(key) if isinstance(entry, Mapping) else None
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not kept_probability(key, value)
            ):
                raise ReceiptkitError(
                    f"MatchPolicy.coincidence_by_kind[{str(kind)!r}]: {key} is not a probability between 0 and 1",
                    value=entry,
                )
            values[key] = float(value)
        out[str(kind)] = values
    return out
