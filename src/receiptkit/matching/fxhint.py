"""A rate given the wrong way round: a hint in the reason, never a match.

``MatchPolicy.fx_rates`` keys are ``(journal_currency, proof_currency)`` and the
rate is how many units of the proof's currency one unit of the journal's is
billed: a Shanghai shop (journal in CNY) reading Hong Kong cards' HKD lines
writes ``{("CNY", "HKD"): Decimal("1.087")}``. ``{("HKD", "CNY"): 0.92}`` says
the same fact the other way round (1 HKD is 0.92 CNY) and is easy to write by
mistake: the key then converts HKD sales to CNY bills, and the HKD lines of a
CNY journal find nothing. The same happens with the right key and the rate
inverted (``{("CNY", "HKD"): 0.92}``).

:func:`direction_hints` looks, for a proof in the currency a given rate
names, whether the inverse of the rate, under the key ``(journal_currency,
proof_currency)``, would put an approved sale of its side in the ``fx`` band
(``fx_tolerance`` below, ``fx_tolerance`` plus ``fx_fee_max`` above the
converted amount) inside its window; if so the reason says so, names the
setting to check and how many of the batch's lines in that currency the
inverse would place. It looks at proofs left without ``matched`` when the
key is the wrong way round (the rate as given cannot apply to them at all),
and at ``unmatched`` proofs when the key is right but at least half of the
batch's lines in that currency are left ``unmatched`` (a right rate places
most of them; one line alone is more likely a payment made elsewhere). The
hint changes nothing else: the verdict, the candidates and the confidence
stay those of the rates as given. A rate inverted in a busy shop, whose
band then still holds some stranger's sale for most lines (``ambiguous``),
gets no hint: the band alone cannot tell a backwards rate there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy
from receiptkit.money import exponent

__all__ = ["HINT_FLAG", "direction_hints"]

#: The flag a verdict carries when its reason holds such a hint.
HINT_FLAG = "fx_rate_direction"

_Cache = dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]


def _fits(
    index: JournalIndex,
    proofs: ProofArrays,
    k: int,
    journal_cur: str,
    rate: float,
    policy: MatchPolicy,
    cache: _Cache,
) -> int:
    """How many approved rows of proof ``k``'s side in ``journal_cur`` are in its window and ``rate``'s fx band."""
    proof_cur = str(proofs.currency[k])
    code = int(index.currency_codes_of(np.array([journal_cur]))[0])
    if code < 0 or rate <= 0:
        return 0
    side = int(proofs.side[k])
    key = (journal_cur, side)
    if key not in cache:
        rows = np.flatnonzero((index.currency_code == code) & (index.side == side))
        order = np.argsort(index.amount[rows], kind="stable")
        cache[key] = (index.amount[rows[order]], index.ts_adj[rows[order]])
    amounts, times = cache[key]
    # exact: the proof's minor units against the rate's band, in Decimal (money is never a float here)
    scale = Decimal(str(rate)).scaleb(exponent(proof_cur) - exponent(journal_cur))
    tol, fee = Decimal(str(policy.fx_tolerance)), Decimal(str(policy.fx_fee_max))
    amount = Decimal(int(proofs.amount[k]))
    low = math.ceil(amount / (scale * (1 + tol) * (1 + fee)))
    high = math.floor(amount / (scale * (1 - tol)))
    a, b = np.searchsorted(amounts, low, side="left"), np.searchsorted(amounts, high, side="right")
    inside = (times[a:b] >= proofs.lo[k]) & (times[a:b] <= proofs.hi[k])
    return int(inside.sum())


def _shown(rate: Decimal | float) -> str:
    return f"{float(rate):.6g}"


def direction_hints(
    index: JournalIndex,
    proofs: ProofArrays,
    given: Mapping[tuple[str, str], Decimal],
    result: pd.DataFrame,
    policy: MatchPolicy,
) -> dict[int, str]:
    """Per proof position, the hint to add to its reason (only proofs where the inverse of a rate fits).

    ``given`` are the rates the user set (not those learned from the batch); ``result`` the verdicts in
    the proofs' order. A matched proof never gets a hint (see the module's docstring for which do).
    """
    out: dict[int, str] = {}
    if not given or not len(proofs) or not len(index):
        return out
    journal_currencies = {str(c) for c in index.currencies}
    status = result["status"].astype(str).to_numpy()
    cache: _Cache = {}
    for (first, second), rate in given.items():
        value = float(rate)
        if value <= 0:
            continue
        # the currency pair the proof needs is (journal, proof)
        as_written: float | None
        if second in journal_currencies and first not in journal_currencies:
            proof_cur, journal_cur, as_written = first, second, None  # the key the wrong way round
        elif first in journal_currencies:
            proof_cur, journal_cur, as_written = second, first, value  # the rate perhaps inverted
        else:
            continue
        if proof_cur in journal_currencies:
            continue
        inverse = 1.0 / value
        lines = np.flatnonzero((proofs.currency == proof_cur) & ~proofs.not_paid)
        left = lines[status[lines] == "unmatched"]
        if as_written is not None and 2 * len(left) < len(lines):
            continue  # the rate places most of the batch's lines: one left alone is no sign of a rate set backwards
        fitting: dict[int, int] = {}
        for k in lines[status[lines] != "matched"] if as_written is None else left:
            k = int(k)
            n = _fits(index, proofs, k, journal_cur, inverse, policy, cache)
            if n:
                fitting[k] = n
        for k, n in fitting.items():
            if k in out:
                continue
            out[k] = (
                f"fx_rates has ({first!r}, {second!r})={_shown(rate)} (1 {first} is {_shown(rate)} {second}), "
                f"under which no {journal_cur} sale fits this {proof_cur} line; its inverse "
                f"({journal_cur!r}, {proof_cur!r})={_shown(inverse)} would fit {n} in the window "
                f"(and sales for {len(fitting)} of the batch's {len(lines)} {proof_cur} lines): did you mean "
                f"fx_rates={{({journal_cur!r}, {proof_cur!r}): Decimal({_shown(inverse)!r})}}? "
                "(keys are (journal currency, proof currency); a hint only, nothing was matched on it)"
            )
    return out
