"""Billing rates of foreign cards, read from the proofs themselves.

A foreign card's statement line shows the amount in the card's billing
currency only (USD, HKD), while the terminal journal holds the shop's
currency. Field guide 3.2: "amount equality with the terminal journal only
holds in the transaction currency. In billing currency, expect a 1-3 % spread
plus rate-date drift." Without ``policy.fx_rates`` no such line could be
placed.

A careful clerk with a month of such lines would notice that, for the lines
whose card last 4 appears in the journal within the line's dates, the billed
amount divided by the sale's amount keeps coming out near one number: the
card network's rate plus the issuer's fee. Chance pairs (a stranger's sale
on a card with the same last 4) give ratios spread over orders of magnitude;
the true pairs pile up within a few per cent. As with clock offsets
(:mod:`.skew`), the peak of that histogram, when it stands clearly above the
rest, is the rate. Each proof votes once, spread over its card's
candidates.

The learned rate only opens the ``fx`` route (amounts within the tolerance
band of the converted amount, :class:`~receiptkit.matching.policy.MatchPolicy`
``fx_tolerance`` and ``fx_fee_max``); the evidence is weighed as before: the
band's base rate (how many transactions of the window fall in it) is the
amount's u, so an amount in a band alone never carries a proof, and the card's
last 4, the date and the merchant must single out the sale.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex, _expand
from receiptkit.matching.policy import MatchPolicy
from receiptkit.money import exponent

__all__ = [
    "BOTH_AMOUNTS",
    "CARD_LAST4",
    "both_amount_ratios",
    "fx_records",
    "fx_teachers",
    "learn_fx_rate_sources",
    "learn_fx_rates",
]

_BIN = 0.005  # histogram bins of 0.5 % of the rate (log scale)
_PEAK = 3  # the peak is summed over +-3 bins: the 1-3 % spread of issuers' fees (field guide 3.2)
_APART = 10  # the runner-up peak is looked for more than 5 % away


#: Where a learned rate came from (``result.attrs["fx_rates_learned"]`` ``source``, and ``explain``).
BOTH_AMOUNTS = "lines showing both amounts"
CARD_LAST4 = "card lines' last 4 against the journal's sales"

# an amount with a currency code, as a statement prints the billed or the original amount ("USD 17.31", "2.28 USD")
_CODED = re.compile(r"^\s*(?:([A-Z]{3})\s*(-?[\d,]+(?:\.\d+)?)|(-?[\d,]+(?:\.\d+)?)\s*([A-Z]{3}))\s*$")


def both_amount_ratios(proofs: ProofArrays) -> dict[tuple[str, str], list[float]]:
    """Billed amount / original amount of every statement line that shows both, per (original, billed) currency.

    A foreign card's line may print the amount in the shop's currency beside the one billed in the card's
    (BOCOM's 交易币种/金额 ``CNY 121.00`` and 入账币种/金额 ``USD 17.31``; ICBC ``21.32/AUD -> 99.20/RMB``,
    field guide 3.2): the line is read in the original currency and its ``raw`` keeps the billed amount. The
    ratio is the rate the issuer billed, fee and rate-date drift included. A line with coded amounts in two
    other currencies, or none, gives nothing.
    """
    out: dict[tuple[str, str], list[float]] = {}
    frame = proofs.frame
    if "raw" not in frame.columns or not len(frame):
        return out
    kinds = frame["kind"].astype(object).to_numpy()
    raws = frame["raw"].to_numpy(dtype=object)
    for k in np.flatnonzero((kinds == "bank_statement") & (proofs.cur_code >= 0) & ~proofs.not_paid):
        raw = raws[k]
        if not isinstance(raw, dict) or proofs.amount[k] <= 0:
            continue
        currency = str(proofs.currency[k])
        billed: dict[str, Decimal] = {}
        for value in raw.values():
            found = _CODED.match(value) if isinstance(value, str) else None
            if found is None:
                continue
            code = found.group(1) or found.group(4)
            if code == currency:
                continue
            try:
                amount = abs(Decimal((found.group(2) or found.group(3)).replace(",", "")))
            except InvalidOperation:
                continue
            billed[code] = amount
        if len(billed) != 1:
            continue
        ((code, amount),) = billed.items()
        original = Decimal(int(proofs.amount[k])).scaleb(-exponent(currency))  # exact, from minor units
        if amount > 0 and original > 0:
            rate = amount / original  # exact Decimal; a rate, not money: its log is averaged below
            out.setdefault((currency, code), []).append(float(rate))
    return out


def fx_teachers(frame: pd.DataFrame, currencies: Collection[str]) -> np.ndarray:
    """Which proofs of a validated frame :func:`learn_fx_rate_sources` can read (a superset), for a journal of
    ``currencies``: a proof in another currency (it needs a rate, and may vote with its card's last 4), and a
    statement line in a journal currency whose ``raw`` shows an amount coded in another (both amounts).

    ``match_dask`` gathers these from every partition and learns the rates once, as ``match`` does.
    """
    currency = frame["currency"].astype(object).to_numpy()
    foreign = ~np.isin(currency, list(currencies))
    kinds = frame["kind"].astype(object).to_numpy()
    raws = frame["raw"].to_numpy(dtype=object) if "raw" in frame.columns else np.full(len(frame), None)
    both = np.zeros(len(frame), dtype=bool)
    for k in np.flatnonzero((kinds == "bank_statement") & ~foreign):
        raw = raws[k]
        if isinstance(raw, dict):
            for value in raw.values():
                found = _CODED.match(value) if isinstance(value, str) else None
                if found is not None and (found.group(1) or found.group(4)) != currency[k]:
                    both[k] = True
                    break
    return foreign | both


def fx_records(learned: Mapping[tuple[str, str], tuple[Decimal, float, str]]) -> list[dict[str, object]]:
    """Learned rates as ``result.attrs["fx_rates_learned"]`` shows them."""
    return [
        {"journal_currency": j, "proof_currency": c, "rate": str(rate), "votes": votes, "source": source}
        for (j, c), (rate, votes, source) in sorted(learned.items())
    ]


def learn_fx_rates(
    index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy
) -> dict[tuple[str, str], tuple[Decimal, float]]:
    """:func:`learn_fx_rate_sources` without the sources: ``{(journal_currency, proof_currency): (rate, votes)}``."""
    return {
        key: (rate, votes) for key, (rate, votes, _) in learn_fx_rate_sources(index, proofs, policy).items()
    }


def learn_fx_rate_sources(
    index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy
) -> dict[tuple[str, str], tuple[Decimal, float, str]]:
    """Rates ``{(journal_currency, proof_currency): (rate, votes, source)}`` read from the proofs.

    First from the batch's statement lines that show both amounts (:func:`both_amount_ratios`, source
    :data:`BOTH_AMOUNTS`): at least ``min_skew_votes`` lines whose ratios pile up (the peak twice any other
    more than 5 % away) give the rate of a proof currency neither in the journal nor in ``fx_rates``, for
    the lines that show only the billed amount. Then, for the currencies still without a rate, from card
    lines' last 4 (the histogram this module's docstring describes, source :data:`CARD_LAST4`).
    """
    out: dict[tuple[str, str], tuple[Decimal, float, str]] = {}
    # the journal's currencies, not its rows: an index of part of a journal (match_dask) carries the journal's
    if not policy.learn_fx_rates or not len(index.currencies) or not len(proofs):
        return out
    given = {proof_cur for (_, proof_cur) in policy.fx_rates}
    present = set(proofs.currency[proofs.cur_code < 0].tolist())  # lines that need a rate
    for (journal_cur, billed), ratios in sorted(both_amount_ratios(proofs).items()):
        if billed in given or billed not in present or billed in {str(c) for c in index.currencies}:
            continue
        values = np.log(np.asarray(ratios, dtype=float))
        found = _peak(values, np.ones(len(values)), policy)
        if found is None:
            continue
        rate, votes = found
        reference = rate / (1.0 + float(policy.fx_fee_max) / 2.0)
        out[(journal_cur, billed)] = (Decimal(f"{reference:.6g}"), round(votes, 2), BOTH_AMOUNTS)
    done = {proof_cur for (_, proof_cur) in out}
    narrowed = (
        policy.replace(fx_rates={**policy.fx_rates, **{k: v[0] for k, v in out.items()}}) if done else policy
    )
    for key, (last4_rate, last4_votes) in _learn_from_last4(index, proofs, narrowed).items():
        out.setdefault(key, (last4_rate, last4_votes, CARD_LAST4))
    return out


def _learn_from_last4(
    index: JournalIndex, proofs: ProofArrays, policy: MatchPolicy
) -> dict[tuple[str, str], tuple[Decimal, float]]:
    """Rates ``{(journal_currency, proof_currency): (rate, votes)}`` read from the proofs.

    Only for proof currencies that are not in the journal and not in
    ``policy.fx_rates``, from proofs that show a card's last 4. The rate is
    given as the reference rate :func:`~receiptkit.matching.candidates` widens
    by ``fx_tolerance`` below and ``fx_tolerance`` plus ``fx_fee_max`` above:
    the median billed ratio divided by ``1 + fx_fee_max / 2``, so the band is
    centred on what the cards were billed. Empty when ``policy.learn_fx_rates``
    is off, or when no rate stands out (at least ``min_skew_votes`` proofs in
    the peak, twice the next peak).
    """
    out: dict[tuple[str, str], tuple[Decimal, float]] = {}
    if not policy.learn_fx_rates or not len(index) or not len(proofs):
        return out
    given = {proof_cur for (_, proof_cur) in policy.fx_rates}
    proof4 = proofs.codes4()
    voters = (proofs.cur_code < 0) & (proof4 >= 0) & ~proofs.not_paid
    voters &= ~np.isin(proofs.currency, list(given))
    if not voters.any():
        return out
    card = np.flatnonzero((index.side >= 0) & (index.last4_code >= 0) & (index.currency_code >= 0))
    if not len(card):
        return out
    base = int(index.ts_adj.min()) - 1
    span = np.int64(1) << np.int64(40)
    key_of = (index.side[card].astype(np.int64) * 10_000 + index.last4_code[card]) * span
    keys = key_of + (index.ts_adj[card] - base)
    order = np.argsort(keys, kind="stable")
    keys, card = keys[order], card[order]
    for currency in sorted(set(proofs.currency[voters].tolist())):
        q = np.flatnonzero(voters & (proofs.currency == currency))
        head = (proofs.side[q].astype(np.int64) * 10_000 + proof4[q]) * span
        a = np.searchsorted(keys, head + np.maximum(proofs.lo[q] - base, 0), side="left")
        b = np.searchsorted(keys, head + np.maximum(proofs.hi[q] - base, 0), side="right")
        owner, position = _expand(a, b)
        if not len(owner):
            continue
        rows = card[position]
        proof_major = proofs.amount[q[owner]] / 10.0 ** exponent(currency)
        for code, journal_cur in enumerate(index.currencies):
            mine = (index.currency_code[rows] == code) & (index.amount[rows] > 0) & (proof_major > 0)
            if not mine.any():
                continue
            o, r = owner[mine], rows[mine]
            journal_major = index.amount[r] / 10.0 ** exponent(str(journal_cur))
            log_ratio = np.log(proof_major[mine]) - np.log(journal_major)
            weight = 1.0 / np.bincount(o, minlength=len(q))[o]  # one vote per proof, spread
            found = _peak(log_ratio, weight, policy)
            if found is None:
                continue
            rate, votes = found
            reference = rate / (1.0 + float(policy.fx_fee_max) / 2.0)
            out[(str(journal_cur), str(currency))] = (Decimal(f"{reference:.6g}"), round(votes, 2))
    return out


def _peak(log_ratio: np.ndarray, weight: np.ndarray, policy: MatchPolicy) -> tuple[float, float] | None:
    """The rate at the histogram's peak and its votes, when it stands clearly above the rest."""
    bins = np.floor(log_ratio / _BIN).astype(np.int64)
    distinct, inverse = np.unique(bins, return_inverse=True)
    mass = np.bincount(inverse.reshape(-1), weights=weight)
    # the mass within +-_PEAK bins of every occupied bin
    lo = np.searchsorted(distinct, distinct - _PEAK, side="left")
    hi = np.searchsorted(distinct, distinct + _PEAK, side="right")
    cumulative = np.concatenate([[0.0], np.cumsum(mass)])
    smooth = cumulative[hi] - cumulative[lo]
    top = int(np.argmax(smooth))
    peak = float(smooth[top])
    far = np.abs(distinct - distinct[top]) > _APART
    second = float(smooth[far].max()) if far.any() else 0.0
    if peak < policy.min_skew_votes or peak < 2.0 * second:
        return None
    near = np.abs(bins - distinct[top]) <= _PEAK
    values, w = log_ratio[near], weight[near]
    order = np.argsort(values, kind="stable")
    cumulative_w = np.cumsum(w[order])
    median = float(values[order][np.searchsorted(cumulative_w, cumulative_w[-1] / 2.0)])
    return float(np.exp(median)), peak
