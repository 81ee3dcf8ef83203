"""match and find: from proofs and a journal to verdicts.

The pipeline: search candidates (:mod:`~receiptkit.matching.candidates`),
weigh the evidence with one comparator per field
(:mod:`~receiptkit.matching.comparators`, :mod:`~receiptkit.matching.evidence`),
turn the weights of every candidate, of declined attempts and of "not in the
journal" into posterior probabilities and resolve competing proofs one-to-one
(:mod:`~receiptkit.matching.decide`), and give each proof a verdict:
``matched``, ``ambiguous`` (with the candidates and what to ask next) or
``unmatched`` (with why) (:mod:`~receiptkit.matching.result`);
:func:`explain` (:mod:`~receiptkit.matching.explanation`) shows the evidence.

Proofs are weighed in chunks (``policy.chunk_size``) and only each proof's
``policy.keep_pairs`` best hypotheses are kept for the decision; the mass of
the others stays in the posterior's denominator, so keeping fewer can only
make a verdict more careful.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.errors import ProofError
from receiptkit.frames import jsonable, offsets_records
from receiptkit.matching.absence import _numbers_found, absence_priors
from receiptkit.matching.batch import BatchEstimates
from receiptkit.matching.clocks import card_clock_clashes, card_clocks, clock_inputs
from receiptkit.matching.comparators import alias_hits, aliases_from_hits
from receiptkit.matching.completeness import absent_priors
from receiptkit.matching.decide import _FAILED, _decide, _posteriors, _weigh, _Weighed
from receiptkit.matching.elsewhere import coincidence, coinciding_lift, silent_absence
from receiptkit.matching.evidence import MerchantTable, ProofArrays
from receiptkit.matching.explanation import _evidence_of, _keep_evidence, _Store, explain
from receiptkit.matching.fxhint import HINT_FLAG, direction_hints
from receiptkit.matching.fxlearn import fx_records, learn_fx_rate_sources
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.latin import latin_aliases, latin_voters, place_marks
from receiptkit.matching.learned import Learned
from receiptkit.matching.payees import payee_records, with_wallet_payees
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.result import (  # noqa: F401  (re-exported for callers of the old single module)
    RESULT_COLUMNS,
    _ambiguous_reason,
    _build_result,
    _matched_reasons,
    _pair_evidence,
    off_day_reasons,
    outside_journal_hint,
)
from receiptkit.matching.skew import anchor_pairs, clock_segments, estimate_clock_offsets, far_clock_offsets
from receiptkit.schema import STRING, validate_proofs

__all__ = ["RESULT_COLUMNS", "explain", "find", "match"]


# --------------------------------------------------------------------- API


def journal_currency(journal: pd.DataFrame | JournalIndex) -> str:
    """The currency of an amount typed at the counter without one: the journal's, when it holds one only.

    A Hong Kong shop's journal in HKD reads ``amount="128.50"`` as HKD 128.50 (it was CNY whatever the
    journal held: unmatched against the shop's own sale, or, with a kept HKD:CNY billing rate, matched to
    an HKD 139.67 sale). A journal of several currencies, or none, raises :class:`ProofError` on
    ``currency``: give ``currency=``.
    """
    frame = journal.journal if isinstance(journal, JournalIndex) else journal
    held = (
        sorted({str(c) for c in frame["currency"].dropna().unique()}) if "currency" in frame.columns else []
    )
    if len(held) == 1:
        return held[0]
    which = f"holds {' and '.join(held)}" if held else "holds no transaction"
    raise ProofError(
        f"the journal {which}: say the typed amount's currency (currency=)",
        file="manual",
        row=1,
        column="currency",
    )


def _as_index(journal: pd.DataFrame | JournalIndex) -> JournalIndex:
    return journal if isinstance(journal, JournalIndex) else JournalIndex(journal)


def match(
    proofs: pd.DataFrame,
    journal: pd.DataFrame | JournalIndex,
    *,
    policy: MatchPolicy | None = None,
    clock_offsets: Mapping[str, float] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Match every proof to at most one journal transaction.

    Returns one row per proof (in the proofs' order) with ``proof_id,
    txn_id, status, confidence, margin, n_candidates, reason, flags,
    candidates, ask, terminal_id, clock_offset_s``. ``status`` is
    ``matched``, ``ambiguous`` or ``unmatched``. ``result.attrs`` holds plain
    values: ``clock_offsets`` (per terminal, estimated from the proofs unless
    given; :func:`receiptkit.clock_offsets` gives them as a frame), ``policy``
    (its settings), ``merchant_aliases``, and a token by which :func:`explain`
    finds the evidence.

    ``clock_offsets``: known offsets instead of estimating them (``{}``:
    none), a mapping of terminal id to seconds or the frame
    :func:`receiptkit.clock_offsets` gives of an earlier result, whose
    terminals with a jumped clock keep their pieces.

    Deterministic: the same inputs give the same output whatever their row
    order. One journal transaction proves at most one proof.
    """
    return _match_valid(validate_proofs(proofs), _as_index(journal), policy or MatchPolicy(), clock_offsets)


@dataclasses.dataclass
class _Tabled:
    """What ``match`` has read from the batch before it weighs: offsets, FX rates, aliases, merchant readings."""

    arrays: ProofArrays
    table: MerchantTable
    policy: MatchPolicy  # with the FX rates learned
    given_fx: dict[Any, Any]  # the rates the user set
    fx_learned: dict[tuple[str, str], tuple[Decimal, float, str]]
    fx_sources: dict[Any, str]
    learned: dict[str, set[str]]
    hits: pd.DataFrame | None
    offsets: pd.DataFrame
    segments: dict[str, Any]


@dataclasses.dataclass
class _Read(_Tabled):
    """What ``match`` reads from the batch before it decides: the weighed proofs and what they were weighed with."""

    weighed: _Weighed


def _match_valid(
    proofs: pd.DataFrame,
    index: JournalIndex,
    policy: MatchPolicy,
    clock_offsets: Mapping[str, float] | None,
    learned_aliases: Mapping[str, set[str]] | None = None,
    completeness: Mapping[str, tuple[int, int]] | None = None,
    estimates: BatchEstimates | None = None,
    fx_learned: Mapping[tuple[str, str], tuple[Decimal, float, str]] | None = None,
) -> pd.DataFrame:
    """``match`` on validated proofs; ``learned_aliases``: what a run over the whole journal learned
    (``match_dask`` learns them once for all its tasks), instead of learning from these proofs;
    ``completeness``: the whole batch's :func:`~receiptkit.matching.completeness.branch_counts` (the same);
    ``estimates``: the whole batch's coincidence and absence estimates (:mod:`~receiptkit.matching.batch`);
    ``fx_learned``: the FX rates the whole batch teaches (:func:`~.fxlearn.learn_fx_rate_sources`)."""
    read = _read_batch(proofs, index, policy, clock_offsets, learned_aliases, fx_learned)
    return _decide_batch(index, read, completeness, estimates)


def _read_batch(
    proofs: pd.DataFrame,
    index: JournalIndex,
    policy: MatchPolicy,
    clock_offsets: Mapping[str, float] | None,
    learned_aliases: Mapping[str, set[str]] | None = None,
    fx_learned: Mapping[tuple[str, str], tuple[Decimal, float, str]] | None = None,
) -> _Read:
    """The first half of ``match``: clock offsets, FX rates and aliases learned, every proof weighed.

    ``learned_aliases``, ``fx_learned``: what the whole batch teaches, instead of learning from these proofs
    (then no Latin name is learned either: ``match_dask`` counts the votes of the whole batch,
    :func:`~.latin.latin_votes`).
    """
    tabled = _read_table(proofs, index, policy, clock_offsets, learned_aliases, fx_learned)
    arrays, table, learned, policy = tabled.arrays, tabled.table, tabled.learned, tabled.policy
    # foreign cards' Latin names, from the batch (match_dask, which gives learned_aliases, learns none per task:
    # its tasks see part of the batch, and would disagree with one match); only the lines that may vote are
    # weighed for it (weighing is per proof), then the batch is weighed once with what they taught
    voters = latin_voters(arrays, table) if learned_aliases is None else np.zeros(0, dtype=np.int64)
    latin: dict[str, set[str]] = {}
    if len(voters):
        some, some_table = arrays.take(voters), table.take(voters)
        marks = place_marks(table)  # of the whole batch: the signs at other places read no vote
        latin = latin_aliases(index, some, _weigh(index, some, policy, some_table), some_table, policy, marks)
    if latin:
        for name, keys in latin.items():
            learned.setdefault(name, set()).update(keys)
        table = MerchantTable.build(index, arrays, policy, learned)
    weighed = _weigh(index, arrays, policy, table)
    return _Read(**{**vars(tabled), "table": table, "learned": learned}, weighed=weighed)


def _read_table(
    proofs: pd.DataFrame,
    index: JournalIndex,
    policy: MatchPolicy,
    clock_offsets: Mapping[str, float] | None,
    learned_aliases: Mapping[str, set[str]] | None = None,
    fx_learned: Mapping[tuple[str, str], tuple[Decimal, float, str]] | None = None,
) -> _Tabled:
    """Clock offsets, FX rates and the aliases proven by strong numbers learned; the merchant readings."""
    arrays = ProofArrays.build(proofs, index, policy)
    if clock_offsets is None:
        index.set_clock_offsets({}, {})
        offsets = estimate_clock_offsets(index, arrays, policy)
        anchors = anchor_pairs(index, arrays)  # proofs tied to one row by a full number
        far = far_clock_offsets(index, arrays, policy, anchors)  # a clock that lost its date
        if len(far):
            offsets = pd.concat([offsets[~offsets.index.isin(far.index[far["used"]])], far[far["used"]]])
            offsets = offsets[~offsets.index.duplicated(keep="last")].sort_index()
        segments = clock_segments(index, arrays, policy, anchors)  # a clock that jumped mid-month
        if segments:
            offsets = pd.concat([offsets[~offsets.index.isin(list(segments))], _segment_rows(segments)])
            offsets = offsets.sort_index()
        used = offsets.loc[offsets["used"], "offset_s"].to_dict()
        # offsets kept from earlier runs (JournalIndex(clock_offsets=...)) stand where these proofs say too little
        kept_segments = {t: v for t, v in getattr(index, "kept_clock_segments", {}).items() if t not in used}
        # a terminal learned again gets its new clocks: a kept card clock goes with its terminal's kept offset
        kept_all = getattr(index, "kept_clock_offsets", {})
        kept_cards = card_clocks(kept_all, index.terminal_names)  # the kept keys that are card sales' clocks
        kept = {
            t: v
            for t, v in kept_all.items()
            if t not in used and t not in kept_segments and kept_cards.get(t) not in used
        }
        # a terminal learned again from these proofs: its clock is known on every row they speak of. Only its own
        # key lifts it: "T1 card" learned again is T1's card sales' clock (T1's other rows may keep the kept
        # offset) or, in a journal with both, another terminal
        again = set(used) | set(segments)
        through = {t: v for t, v in getattr(index, "learned_through", {}).items() if t not in again}
        index.set_clock_offsets({**kept, **used}, {**kept_segments, **segments}, through)
        segments = {**kept_segments, **segments}
        if kept or kept_segments:
            offsets = pd.concat(
                [
                    offsets,
                    pd.DataFrame(
                        {"offset_s": pd.Series(kept, dtype="int64"), "votes": np.nan, "used": True}
                    ).rename_axis("terminal_id"),
                    _segment_rows(kept_segments, estimated=False),
                ]
            )
            offsets = offsets[~offsets.index.duplicated(keep="last")].sort_index()
    else:
        clock_offsets, given = clock_inputs(clock_offsets)
        index.set_clock_offsets(clock_offsets, given or None)  # pieces given win; else the index's stay
        segments = dict(index.clock_segments)
        offsets = pd.DataFrame(
            {
                "offset_s": pd.Series(clock_offsets, dtype=float).round().astype("int64"),
                "votes": np.nan,
                "used": True,
            }
        ).rename_axis("terminal_id")
    given_fx = dict(
        policy.fx_rates
    )  # the rates the user set, for the hint on a rate given the wrong way round
    # foreign cards' billing rates, from their lines
    fx_learned = learn_fx_rate_sources(index, arrays, policy) if fx_learned is None else dict(fx_learned)
    if fx_learned:
        policy = policy.replace(fx_rates={**{k: v[0] for k, v in fx_learned.items()}, **policy.fx_rates})
    fx_sources = {key: "given in fx_rates" for key in given_fx}
    fx_sources.update(
        {k: f"learned from {v[1]:g} {v[2]}" for k, v in fx_learned.items() if k not in given_fx}
    )
    hits = None  # match_dask gives the aliases and the completeness counts of the whole batch
    if learned_aliases is None:
        hits = alias_hits(index, arrays, policy)  # the rows the proofs' full numbers lead to
        learned = aliases_from_hits(hits, arrays.merchant, policy)  # names proven by a strong identifier
        policy = _with_wallet_named_card_sales(policy, hits, arrays.frame)
        policy = with_wallet_payees(policy, hits, arrays.frame)  # whom each shop's wallet payments go to
    else:
        learned = {str(k): set(v) for k, v in learned_aliases.items()}
    table = MerchantTable.build(index, arrays, policy, learned)
    return _Tabled(arrays, table, policy, given_fx, fx_learned, fx_sources, learned, hits, offsets, segments)


def _decide_batch(
    index: JournalIndex,
    read: _Read,
    completeness: Mapping[str, tuple[int, int]] | None = None,
    estimates: BatchEstimates | None = None,
) -> pd.DataFrame:
    """The second half of ``match``: the batch's estimates, the decision and the result."""
    arrays, weighed, table, policy, hits = read.arrays, read.weighed, read.table, read.policy, read.hits
    given_coincidence = estimates.coincidence if estimates is not None else None
    copy, coincidences = coincidence(
        index, arrays, weighed, table, policy, given_coincidence
    )  # paid elsewhere
    # how complete a branch's journal is: the prior of "not in this journal" for proofs naming the branch
    numbers = _numbers_found(index, arrays)  # proofs with a full number, and whether the journal holds it
    absent, completeness_seen = absent_priors(index, arrays, table, policy, completeness, hits, numbers)
    # how often a kind of proof is not here at all, where the batch says (matching.absence); a proof naming a
    # branch of this journal keeps what that branch's completeness says
    given_absence = estimates.prior_absent if estimates is not None else None
    absent, absences = absence_priors(index, arrays, weighed, table, policy, absent, numbers, given_absence)
    # proofs naming no shop, in a kind whose share of payments made elsewhere they told themselves: that share
    absent = silent_absence(absent, copy, arrays, coincidences, policy, table)
    lift = coinciding_lift(index, weighed, table) if np.isfinite(copy).any() else None
    weighed = dataclasses.replace(weighed, copy=copy, absent=absent, copy_lift=lift)
    contested: dict[int, list[int]] = {}
    active, fixed, taken_by = _decide(index, arrays, weighed, policy, contested)
    result, shown = _build_result(index, arrays, weighed, active, fixed, taken_by, policy, contested)
    _add_fx_hints(result, direction_hints(index, arrays, read.given_fx, result, policy))
    result.attrs["clock_offsets"] = offsets_records(read.offsets)
    result.attrs["clock_segments"] = {t: [p.record() for p in v] for t, v in sorted(read.segments.items())}
    result.attrs.update(card_clock_attrs(index))
    store = _Store(index, arrays, weighed, shown, policy)
    store.fx_sources = read.fx_sources  # where each rate came from, for explain's amount row
    store.table, store.coincidence = table, coincidences  # what explain says of payments made elsewhere
    _keep_evidence(result, store)
    result.attrs["policy"] = _policy_values(policy)
    result.attrs["fx_rates_learned"] = fx_records(read.fx_learned)
    result.attrs["merchant_aliases"] = {name: sorted(keys) for name, keys in sorted(read.learned.items())}
    result.attrs["wallet_payees"] = payee_records(policy)
    result.attrs["coincidence"] = coincidences
    result.attrs["completeness"] = completeness_seen
    result.attrs["prior_absent"] = absences
    return result


def card_clock_attrs(index: JournalIndex) -> dict[str, dict[str, str]]:
    """What a result says of terminals' card sales' clocks, as plain values.

    ``card_clocks``: the offsets keys that named a terminal's card sales' clock in this run,
    ``{key: terminal}``; ``card_clock_clashes``: the terminals that could not have one because
    another terminal bears its key, ``{terminal: key}`` (:mod:`.clocks`). The learned file marks
    the first (:func:`~receiptkit.matching.learned.save_learned`); the report names the second.
    """
    return {
        "card_clocks": card_clocks(index.clock_offsets or {}, index.terminal_names),
        "card_clock_clashes": card_clock_clashes(index.terminal_names),
    }


def _with_wallet_named_card_sales(
    policy: MatchPolicy, hits: pd.DataFrame, proofs: pd.DataFrame
) -> MatchPolicy:
    """``policy`` with the merchants the batch proves to have card sales under a wallet's name
    (:func:`~receiptkit.matching.channel.card_sales_named_by_wallet`) added to ``card_sales_named_by_wallet``."""
    from receiptkit.matching.channel import card_sales_named_by_wallet

    raws = proofs["raw"].to_numpy(dtype=object) if "raw" in proofs.columns else None
    texts = proofs["merchant_text"].astype(object).where(proofs["merchant_text"].notna(), None).to_numpy()
    found = card_sales_named_by_wallet(hits, proofs["kind"].astype(object).to_numpy(), texts, raws, policy)
    if not found - set(policy.card_sales_named_by_wallet):
        return policy
    return policy.replace(
        card_sales_named_by_wallet=tuple(sorted({*policy.card_sales_named_by_wallet, *found}))
    )


def _add_fx_hints(result: pd.DataFrame, hints: Mapping[int, str]) -> None:
    """Append each hint on a rate given the wrong way round to its proof's reason, with the flag."""
    if not hints:
        return
    reasons = result["reason"].astype(object).to_numpy().copy()
    flags = result["flags"].astype(object).to_numpy().copy()
    for k, hint in hints.items():
        reasons[k] = f"{reasons[k]}; {hint}" if isinstance(reasons[k], str) and reasons[k] else hint
        present = flags[k] if isinstance(flags[k], str) and flags[k] else ""
        flags[k] = f"{present};{HINT_FLAG}" if present else HINT_FLAG
    result["reason"] = pd.array(reasons, dtype=result["reason"].dtype)
    result["flags"] = pd.array(flags, dtype=result["flags"].dtype)


def _segment_rows(segments: Mapping[str, Any], estimated: bool = True) -> pd.DataFrame:
    """The offsets frame's rows of terminals with clock segments: the latest piece's offset, all anchors.

    Segments kept from an earlier run (``estimated=False``) have no votes, as kept offsets.
    """
    rows = {t: max(v, key=lambda p: p.first_s) for t, v in segments.items()}
    votes = {t: float(sum(p.anchors for p in segments[t])) if estimated else np.nan for t in rows}
    return pd.DataFrame(
        {
            "offset_s": pd.Series({t: p.offset_s for t, p in rows.items()}, dtype="int64"),
            "votes": pd.Series(votes, dtype=float),
            "used": pd.Series({t: True for t in rows}, dtype=bool),
        }
    ).rename_axis("terminal_id")


def _policy_values(policy: MatchPolicy) -> dict[str, Any]:
    """The policy's plain settings (numbers, strings, booleans) for ``attrs``."""
    values = {}
    for field in dataclasses.fields(policy):
        value = getattr(policy, field.name)
        if isinstance(value, bool | int | float | str) or value is None:
            values[field.name] = value
    return values


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
    ``time``, ``last4``, ``reference``, ``merchant``, ``currency`` (by
    default the journal's when it holds one only, else refused:
    :func:`journal_currency`), ``tz``,
    ``dayfirst`` (the order of a numeric day/month, by default ``tz``'s), ...
    as :func:`receiptkit.proof` takes). Pass a :class:`JournalIndex`
    built once to make repeated calls fast. Returns the candidates, best
    first, with ``confidence``, ``why``, the proof's ``proof_id``, its
    ``verdict`` (``matched``, ``ambiguous`` or ``unmatched``), ``chosen`` (true
    on the one candidate a ``matched`` verdict picked) and the journal columns;
    ``attrs["verdict"]`` holds the one-row :func:`match` result as a dict of
    plain values (with ``refund``: what the journal shows refunded of the
    matched sale, :func:`receiptkit.refunds.refund_state`'s ``details()``
    (``refund``: ``full``, ``partial``, or ``unsure`` when it names refunds
    it cannot weigh) and its ``text``, or ``None`` when none names it), and :func:`explain` takes the ranked frame. A candidate
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
        if evidence.get("currency") is None:  # the shop's currency, never CNY by default (journal_currency)
            evidence["currency"] = journal_currency(journal)
        proof = make_proof(**evidence)
    if learned:
        if isinstance(journal, JournalIndex):
            index = journal
            learned.apply(journal)  # refuses a key read two ways; the offsets replace the index's
        else:
            index = learned.index(journal)
    else:
        index = _as_index(journal)
    policy = learned.policy(policy) if learned else (policy or MatchPolicy())
    one = proof.head(1)
    if not _already_canonical(one):
        one = validate_proofs(one)
    result = _match_valid(one, index, policy, index.clock_offsets)
    store = _evidence_of(result)
    assert store is not None
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
        # a day proof's candidate on another day: how far from the day given, never "time"
        why = off_day_reasons(why, store.arrays, index, w.proof[listed], w.txn[listed])
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
    verdict = _verdict_values(result)
    if status == "unmatched":  # a time outside the journal's period says so (a hint, the verdict is the same)
        hint = outside_journal_hint(index, store.arrays)
        verdict["reason"] = f"{verdict['reason']}; {hint}" if hint else verdict["reason"]
    verdict["refund"] = _refund_of_chosen(ranked, index.journal) if status == "matched" else None
    ranked.attrs["verdict"] = verdict
    ranked.attrs["clock_offsets"] = result.attrs["clock_offsets"]
    ranked.attrs["clock_segments"] = result.attrs["clock_segments"]
    ranked.attrs.update(card_clock_attrs(index))
    ranked.attrs["policy"] = result.attrs["policy"]
    _keep_evidence(ranked, store)  # explain(ranked, proof_id) works as on a match result
    return ranked


def _refund_of_chosen(ranked: pd.DataFrame, journal: pd.DataFrame) -> dict[str, Any] | None:
    """What the journal shows refunded of the matched sale (:func:`receiptkit.refunds.refund_state`): its
    ``details()`` (``refund`` ``full``, ``partial`` or ``unsure``) and ``text``; ``None`` when no refund names it."""
    from receiptkit.refunds import refund_state

    chosen = ranked[ranked["chosen"].astype(bool)]
    if chosen.empty:
        return None
    row = chosen.iloc[0]
    state = refund_state(row, journal)
    if state is None:
        return None
    ts = row.get("ts")
    zone = ts.tz if isinstance(ts, pd.Timestamp) else None
    return {**state.details(), "text": state.text(zone)}


def _verdict_values(result: pd.DataFrame) -> dict[str, Any]:
    """The one-row match result as plain values (list columns as plain lists)."""
    row = result.iloc[0]
    return {str(column): jsonable(row[column]) for column in result.columns}


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
