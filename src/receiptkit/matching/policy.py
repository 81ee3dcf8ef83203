"""The matcher's parameters, with documented defaults.

Every threshold, window and evidence weight the matcher uses lives here, so a
user can tighten or loosen it without touching code. ``docs/matching.md``
explains each one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from receiptkit.errors import PolicyError

__all__ = ["MatchPolicy"]


@dataclass(frozen=True)
class MatchPolicy:
    """Thresholds, windows and evidence weights of the matcher.

    Verdicts
        ``match_threshold``: the posterior probability the best candidate
        needs to be ``matched`` (default 0.985; an amount and a minute alone
        pass it only when that amount is rarely paid around that time, since
        otherwise a payment made elsewhere could fit a stranger's sale just as
        well). Declined attempts that were
        not retried are rival hypotheses in the posterior, so a proof of a
        declined payment cannot take a stranger's same-amount sale.
        ``min_margin``: how far ahead of the best rival (another candidate, a
        declined attempt, or the candidates only counted) it must be (default 0.9). ``candidate_floor``: candidates below this posterior are not
        listed. ``absent_threshold``: when the posterior that the payment is
        not in the journal at all exceeds this, the verdict is ``unmatched``.

    Priors
        ``prior_absent``: prior probability that a proof's payment is not in
        the journal (another shop, another day, a forged proof; default 0.1,
        on the careful side of the 6 % the benchmark's generator uses).

    Time
        ``clock_tolerance_s``: how far a second- or minute-precision proof may
        be from the terminal's (skew-corrected) time. ``max_clock_skew_s``:
        how far off a terminal clock may be and still be found (a terminal set
        to the wrong zone is hours off). ``bank_post_lag_days``: business days
        between a card payment and the date on a bank statement.
        ``number_date_tolerance_hours``: a WeChat Pay or Alipay payment record
        shows the date its own transaction number carries, or the next day only
        within this many hours of its start (default 2: an order created before
        midnight and paid after it; field guide 4.4: Alipay creates the order
        7-54 s before the payment); a record further apart contradicts itself
        and is never ``matched`` (:mod:`~receiptkit.matching.guards`). A
        record showing a date only may show the next day when this is above 0.
        ``min_skew_votes``: proofs needed before a terminal offset is trusted.
        ``skew_vote_last4_agree``, ``skew_vote_last4_differs``,
        ``skew_vote_same_wallet``: how a proof's clock-offset vote for one
        same-amount transaction is weighed (:mod:`~receiptkit.matching.skew`):
        x3 when the card's last 4 agree, x0.05 when they differ, and 20 (a
        whole vote many times over) for the same wallet number.
        ``skew_peak_ratio``: how many times the next peak an offset's peak must be.
        ``rate_window_s``: a second- or minute-precision proof's base rate
        (how often its amount is paid by chance) is counted over its window
        widened by this much on each side, and from the window's other
        hypotheses; the window alone always holds the true transaction, which
        would cap a lone candidate's confidence however rare its amount.

    Currency
        ``fx_rates``: ``{(journal_currency, proof_currency): rate}`` for bank
        lines billed in another currency (1 unit of the first is ``rate`` of
        the second). ``fx_tolerance``: relative rate difference accepted;
        ``fx_fee_max``: largest foreign-transaction fee added by the issuer.
        ``learn_fx_rates``: for a proof currency that is neither in the
        journal nor in ``fx_rates``, read the billing rate from the proofs'
        card lines (:mod:`receiptkit.matching.fxlearn`; default on).

    Payments made elsewhere (:mod:`~receiptkit.matching.elsewhere`)
        ``coincidence_prior``: how often a payment made elsewhere is taken to
        coincide with a sale here (amount, time, card) before the batch says
        more (default 0.001); ``coincidence_rate_prior_weight``: how many
        proofs that prior counts as (default 1: it leans towards matching, so
        it must not outweigh what the batch shows; at 20, 4 coinciding among
        13 proofs naming another shop read as 0.12, not 0.31). Once at least
        ``coincidence_min_named`` (and at least one) proofs naming another
        shop can be compared, the rate is read at the upper end of their
        one-sided 95 % Wilson interval instead (4 of 13: 0.54; 0 of 8: 0.25),
        and the prior weighs only for kinds the batch says less about (never
        read below the prior there, unless its weight is 0);
        ``coincidence_prior_weight``: how many proofs ``prior_absent`` counts
        as in the share of payments made elsewhere (default 20: that prior
        leans towards caution). The batch's own rate, per kind of
        proof and direction, comes from proofs whose text names another shop;
        the share of payments made elsewhere from the proofs that name no shop
        themselves: how many of them found no sale of their amount, against how
        often a payment made elsewhere finds none (read from the proofs naming
        another shop), once at least ``coincidence_min_named`` (default 5)
        proofs of that kind name another shop; with fewer, from the proofs whose
        text says where they were paid (prior ``prior_absent``, worth as many
        proofs). They weigh on proofs that name no shop and carry no number the
        journal could hold. ``coincidence_by_kind``: what an earlier run's
        batch said, per kind (``{"manual": {"share": .., "rate": .., "absent_prior": ..}}``,
        from a learned file: :meth:`Learned.policy`), used for a kind in which
        fewer than ``coincidence_min_named`` proofs of this batch name another
        shop (one proof at the counter); its rate also where fewer than that
        can be compared (lines in a currency without a rate). ``coincidence_brand``: estimate the
        same for texts naming a brand of this journal without its branch,
        from the proofs naming another branch of it (stratum ``"<kind> brand"``;
        default on). ``coincidence_level``: a proof naming another shop
        coincides with a sale here when that sale's posterior, weighed without
        the proof's merchant text, reaches this level (default 0.985), or
        ``match_threshold`` when that is lower (what would be matched
        coincides). Raising the threshold does not make coincidences rarer and
        the cap weaker (at ``match_threshold=0.999`` that matched more payments
        made elsewhere than 0.995 on clean room 3).
        ``completeness_prior_weight``: how many proofs ``prior_absent`` counts as
        when the batch's proofs that name a branch of this journal and carry a
        full wallet, order or reference number say how often that branch's
        journal misses a payment (:mod:`~receiptkit.matching.completeness`:
        the prior of "not in this journal" for proofs naming the branch;
        default 20, 0 switches it off).
        ``learn_prior_absent``: lower ``prior_absent`` for a kind of proof
        (and direction) in which no proof names another shop, to the share of
        absent proofs the batch shows: those that find no sale of their amount
        against how likely each was to find one by chance
        (:mod:`~receiptkit.matching.absence`; default on; never above
        ``prior_absent``), once the kind has ``prior_absent_min_proofs``
        proofs (default 200). ``prior_absent_by_kind``: such priors known
        from an earlier run (``{"manual": 0.011}``, keys as in
        ``result.attrs["prior_absent"]``; :meth:`Learned.policy` gives those a
        ``reconcile`` kept), used for kinds this batch cannot estimate (one
        proof at the counter); never above ``prior_absent``.

    Scale
        ``expand_cap``: a proof whose window holds more hypotheses than this
        lists only those sharing its card or a reference and counts the rest
        (their mass is bounded from above, so a verdict only gets more
        careful). ``keep_pairs``: best candidates kept per proof for the
        one-to-one assignment (the others' mass stays in the posterior).
        ``chunk_size``: proofs weighed at a time (bounds memory).

    Evidence weights (m = probability of the level for the true transaction)
        ``m_id_differs``: a full wallet, order or reference number that
        differs from the transaction's (default 1e-4: a typo is possible, but
        a contradicting number is taken as a different payment).
        ``m_id_masked_differs``: a masked number (``"*73310942"``,
        ``"****0942"``, ``"尾号0942"``) whose visible digits differ from the
        transaction's (default 0.05: evidence against, as a differing card
        last 4 is, never the contradiction of a full number).
        ``m_amount``, ``m_time_*``, ``m_last4``: see ``docs/matching.md``.
        The u probabilities (chance agreement) are not parameters: they are
        computed from the journal itself.

        ``m_auth_code``, ``m_stan``: m of a reference on the proof that is
        the transaction's auth code, or its STAN / 凭证号 (an RRN uses
        ``m_id_agree``); ``m_reference_unmatched``: of one that is none of them.
        ``m_terminal_agree``, ``m_terminal_differs``: of a terminal id on the
        proof that is, or is not, the transaction's. Each field is one
        comparator object (:mod:`receiptkit.matching.comparators`).

    Channel (:mod:`~receiptkit.matching.channel`)
        ``channel_wallet_ratio``: how much less often a card statement line
        names a shop and no wallet, QR or platform word for a WeChat, Alipay
        or UnionPay QR payment funded by the card than for a card sale at a
        terminal (default 0.02: the field guide shows wallet payments on
        statements with the wallet's name, 2.1.1). The levels' m follow from
        it and the journal's shares of card and wallet rows.
        ``m_wallet_record_other_channel``: m of a WeChat Pay or Alipay record
        showing its wallet number against a card row or the other wallet's
        row (default 1e-6: the terminal records a wallet payment as the
        wallet's even when a card funded it, field guide 4.1 / 4.3 / 4.4; as
        strong as a contradicting number, so amount and time cannot carry it).
        ``m_bank_wallet_other_channel``: m of a bank's SMS, push or statement
        line naming one wallet (``财付通-X``, ``支付宝-X``: the card paid through
        it, field guide 1.1, 2.1.1) against the other wallet's row (default
        0.001: the terminal logged that payment as the named wallet's; strong,
        not a contradiction, since a descriptor is the acquirer's text).
        ``m_bank_not_terminal_card_sale``: m of a bank's SMS, push or statement
        line naming WeChat Pay or Alipay as what the card paid through
        (``财付通-X``, ``支付宝-X``, ABC ``完成财付通交易``: field guide 2.1
        pattern 1) against a card sale (default 0.01:
        such a payment is logged as the wallet's, not as a card at the
        terminal; weaker than the other wallet's row, since jump-code
        terminals report other names, field guide 2.1.8).
        ``card_sales_named_by_wallet``: journal merchants (``merchant_name``)
        whose card sales reach bank texts under a wallet's name
        (an aggregator's or jump-code terminal): their card sales are not
        weighed so. ``match`` adds the merchants the batch proves it of (at
        least ``min_skew_votes`` such texts whose RRN or auth code names exactly
        one card sale of the merchant; ``channel.card_sales_named_by_wallet``).
        ``wallet_payees``: whom a merchant's WeChat Pay or Alipay payments go
        to, declared: ``(merchant_name, "wechat" | "alipay", (payee, ...))``
        entries (the merchant's name compared as names are: full width,
        brackets and spaces aside). A record of that wallet naming none of
        them, nor the shop, is never ``matched`` to that merchant's sales (flag
        ``payee_not_this_shop``: a swapped QR code, field guide 5;
        :mod:`~receiptkit.matching.payees`). ``wallet_payees_learned``: the
        same, learned by ``match`` from the batch, ``(merchant_name, wallet,
        records, (payee, ...))``: at least ``min_skew_votes`` records of the
        wallet whose whole number leads to exactly one of the merchant's sales.

    State (:class:`~receiptkit.matching.comparators.StateComparator`)
        ``m_posted_voided``: m of a bank statement's debit line against a sale
        the journal shows voided (default 0.01: a void cancels the sale before
        settlement, so nothing posts). ``m_refunded_not_undone``: m of a
        payment the wallet shows fully refunded against a sale nothing
        refunded or voided (default 0.001).

    Merchant (:class:`~receiptkit.matching.comparators.MerchantComparator`)
        ``m_merchant_alias``, ``m_merchant_branch``, ``m_merchant_brand``,
        ``m_merchant_similar``, ``m_merchant_unrelated``: m of the levels
        ``alias``, ``same branch``, ``brand``, ``similar``, ``unrelated``.
        ``m_merchant_other_brand``, ``m_merchant_other_branch`` (default 1e-9):
        how often the true transaction's proof names another shop, or another
        branch of the same brand. Small enough that amount, time, card last 4
        and terminal id at their strongest (about 15-20 nats) cannot carry such
        a proof to ``matched``; a full wallet number or RRN (23-28 nats) can
        (a head office billing for its branches, a jump-code terminal), and
        teaches the alias. ``merchant_strong``, ``merchant_partial``: rapidfuzz
        scores (0-100) above which two brands (or two descriptors) are the
        same, or alike.
    """

    match_threshold: float = 0.985
    min_margin: float = 0.9
    candidate_floor: float = 0.005
    absent_threshold: float = 0.5
    prior_absent: float = 0.1
    clock_tolerance_s: int = 300
    max_clock_skew_s: int = 14 * 3600
    bank_post_lag_days: int = 3
    number_date_tolerance_hours: int = 2
    min_skew_votes: int = 3
    skew_vote_last4_agree: float = 3.0
    skew_vote_last4_differs: float = 0.05
    skew_vote_same_wallet: float = 20.0
    skew_peak_ratio: float = 2.0
    rate_window_s: int = 3600
    skew_sample: int = 3000
    fx_rates: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    fx_tolerance: Decimal = Decimal("0.02")
    fx_fee_max: Decimal = Decimal("0.03")
    learn_fx_rates: bool = True
    m_amount: float = 0.99
    m_amount_fx: float = 0.9
    m_time_second: tuple[float, float, float] = (0.80, 0.14, 0.06)  # <=60 s, <=180 s, in window
    m_time_minute: tuple[float, float, float] = (0.85, 0.11, 0.04)
    m_time_range: tuple[float, float, float] = (
        0.90,
        0.06,
        0.04,
    )  # inside an hour or [ts, ts_end], near, window
    m_time_day: tuple[float, ...] = (0.40, 0.30, 0.18, 0.12)  # lag 0, 1, 2, 3 business days
    m_time_txn_day: float = 0.97  # a date-only proof dated on the payment's own day (SMS, app, 交易日)
    m_time_outside: float = 0.01
    m_last4: float = 0.97
    m_id_agree: float = 0.99
    m_id_differs: float = 0.0001
    m_id_masked_differs: float = 0.05
    m_reference_unmatched: float = 0.5
    m_auth_code: float = 0.95
    m_stan: float = 0.9
    m_terminal_agree: float = 0.99
    m_terminal_differs: float = 0.01
    m_merchant_alias: float = 0.85
    m_merchant_branch: float = 0.85
    m_merchant_brand: float = 0.85
    m_merchant_similar: float = 0.10
    m_merchant_unrelated: float = 0.05
    channel_wallet_ratio: float = 0.02
    m_wallet_record_other_channel: float = 1e-6
    m_bank_wallet_other_channel: float = 0.001
    m_bank_not_terminal_card_sale: float = 0.01
    card_sales_named_by_wallet: tuple[str, ...] = ()
    wallet_payees: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    wallet_payees_learned: tuple[tuple[str, str, int, tuple[str, ...]], ...] = ()
    m_posted_voided: float = 0.01
    m_refunded_not_undone: float = 0.001
    m_merchant_other_brand: float = 1e-9
    m_merchant_other_branch: float = 1e-9
    merchant_strong: float = 85.0
    merchant_partial: float = 60.0
    coincidence_prior: float = 0.001
    coincidence_prior_weight: float = 20.0
    coincidence_rate_prior_weight: float = 1.0
    coincidence_min_named: int = 5
    coincidence_brand: bool = True
    coincidence_level: float = 0.985
    coincidence_by_kind: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    completeness_prior_weight: float = 20.0
    learn_prior_absent: bool = True
    prior_absent_min_proofs: int = 200
    prior_absent_by_kind: Mapping[str, float] = field(default_factory=dict)
    keep_candidates: int = 5
    expand_cap: int = 256
    keep_pairs: int = 12
    chunk_size: int = 50_000

    def __post_init__(self) -> None:
        """Every probability, weight, count and window in its range, or a :class:`~receiptkit.errors.PolicyError`
        naming the parameter and the value (a probability of 0 or above 1 would give an infinite or NaN weight,
        a threshold above 1 no verdict at all: a result nobody could read right)."""
        for name in _PROBABILITIES:
            _check(name, getattr(self, name), low=0.0, low_open=True, high=1.0)
        for name in ("m_time_second", "m_time_minute", "m_time_range", "m_time_day"):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not values:
                raise PolicyError(
                    f"MatchPolicy.{name}: {values!r} is not a tuple of probabilities", value=values
                )
            for k, value in enumerate(values):
                _check(f"{name}[{k}]", value, low=0.0, low_open=True, high=1.0)
        _check("candidate_floor", self.candidate_floor, low=0.0, high=1.0, high_open=True)
        _check("coincidence_prior", self.coincidence_prior, low=0.0, high=1.0)
        for name in _POSITIVE:
            _check(name, getattr(self, name), low=0.0, low_open=True)
        for name in _NON_NEGATIVE:
            _check(name, getattr(self, name), low=0.0)
        for name in ("merchant_strong", "merchant_partial"):
            _check(name, getattr(self, name), low=0.0, high=100.0)
        for name in ("fx_tolerance", "fx_fee_max"):
            _check(name, getattr(self, name), low=0.0)
        _check_payees("wallet_payees", self.wallet_payees, learned=False)
        _check_payees("wallet_payees_learned", self.wallet_payees_learned, learned=True)
        for pair, rate in dict(self.fx_rates or {}).items():
            check_fx_rate(rate, f"fx_rates[{pair!r}]")

    def replace(self, **changes: object) -> MatchPolicy:
        """A copy with some parameters changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


MIN_FX_RATE = Decimal("1e-9")
MAX_FX_RATE = Decimal("1e9")
"""The billing rates accepted (units of the proof's currency per unit of the journal's): every real pair of
currencies lies far inside; a card number pasted as a rate (13-19 digits) lies outside."""


def check_fx_rate(rate: object, name: str) -> Decimal:
    """``rate`` as a Decimal strictly between :data:`MIN_FX_RATE` and :data:`MAX_FX_RATE`, else a PolicyError
    naming ``name`` (the rate's digits are not echoed: a card number pasted there must not reach a message)."""
    try:
        value = rate if isinstance(rate, Decimal) else Decimal(str(rate))
    except (ArithmeticError, ValueError, TypeError):
        value = Decimal("NaN")
    if not value.is_finite() or not MIN_FX_RATE < value < MAX_FX_RATE:
        raise PolicyError(f"{name} must be a billing rate between {MIN_FX_RATE:f} and {MAX_FX_RATE:f}")
    return value


def _check_payees(name: str, entries: object, learned: bool) -> None:
    """``wallet_payees`` (``learned``: ``wallet_payees_learned``) as documented, or a PolicyError naming it."""
    shape = (
        "(merchant_name, wallet, records, (payee, ...))"
        if learned
        else "(merchant_name, wallet, (payee, ...))"
    )
    if not isinstance(entries, tuple):
        raise PolicyError(f"MatchPolicy.{name}: {entries!r} is not a tuple of {shape}", value=entries)
    for entry in entries:
        size = 4 if learned else 3
        if not isinstance(entry, tuple) or len(entry) != size:
            raise PolicyError(f"MatchPolicy.{name}: {entry!r} is not {shape}", value=entry)
        merchant, wallet, payees = entry[0], entry[1], entry[-1]
        if not isinstance(merchant, str) or not merchant.strip():
            raise PolicyError(f"MatchPolicy.{name}: {entry!r} names no merchant", value=entry)
        if wallet not in ("wechat", "alipay"):
            raise PolicyError(
                f"MatchPolicy.{name}: wallet {wallet!r} is not 'wechat' or 'alipay'", value=entry
            )
        if learned and (isinstance(entry[2], bool) or not isinstance(entry[2], int) or entry[2] < 1):
            raise PolicyError(f"MatchPolicy.{name}: records {entry[2]!r} is not a count", value=entry)
        if (
            not isinstance(payees, tuple)
            or not payees
            or not all(isinstance(t, str) and t.strip() for t in payees)
        ):
            raise PolicyError(f"MatchPolicy.{name}: {payees!r} is not a tuple of payee names", value=entry)


# parameters that are probabilities in (0, 1] (a level's m, a threshold, a prior): a log of each is taken
_PROBABILITIES = (
    "match_threshold",
    "min_margin",
    "absent_threshold",
    "prior_absent",
    "m_amount",
    "m_amount_fx",
    "m_time_txn_day",
    "m_time_outside",
    "m_last4",
    "m_id_agree",
    "m_id_differs",
    "m_id_masked_differs",
    "m_reference_unmatched",
    "m_auth_code",
    "m_stan",
    "m_terminal_agree",
    "m_terminal_differs",
    "m_merchant_alias",
    "m_merchant_branch",
    "m_merchant_brand",
    "m_merchant_similar",
    "m_merchant_unrelated",
    "m_wallet_record_other_channel",
    "m_bank_wallet_other_channel",
    "m_bank_not_terminal_card_sale",
    "m_posted_voided",
    "m_refunded_not_undone",
    "m_merchant_other_brand",
    "m_merchant_other_branch",
    "coincidence_level",
)
# ratios and windows that must be above 0 (a ratio's log is taken; a window of 0 s finds nothing)
_POSITIVE = (
    "channel_wallet_ratio",
    "skew_vote_last4_agree",
    "skew_vote_last4_differs",
    "skew_vote_same_wallet",
    "skew_peak_ratio",
    "keep_candidates",
    "expand_cap",
    "keep_pairs",
    "chunk_size",
)
# weights, counts and windows that may be 0 (0 switches the estimate off, or allows no lag)
_NON_NEGATIVE = (
    "clock_tolerance_s",
    "max_clock_skew_s",
    "bank_post_lag_days",
    "number_date_tolerance_hours",
    "min_skew_votes",
    "rate_window_s",
    "skew_sample",
    "coincidence_prior_weight",
    "coincidence_rate_prior_weight",
    "coincidence_min_named",
    "completeness_prior_weight",
    "prior_absent_min_proofs",
)


def _check(
    name: str,
    value: object,
    *,
    low: float,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """``value`` a real number (not a bool) within [low, high], the ends open where said; else PolicyError."""
    ok = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if ok:
        number = float(value)  # type: ignore[arg-type]
        ok = number == number and abs(number) != float("inf")  # not NaN, not infinite
        ok = ok and (number > low if low_open else number >= low)
        if high is not None:
            ok = ok and (number < high if high_open else number <= high)
    if not ok:
        left = "(" if low_open else "["
        right = "" if high is None else (f"{high:g})" if high_open else f"{high:g}]")
        span = f"{left}{low:g}, {right or 'inf)'}"
        raise PolicyError(f"MatchPolicy.{name}: {value!r} is not a number in {span}", value=value)
