"""What ``match`` reads from the whole batch of proofs, computed once for a batch matched in parts.

Two of the matcher's estimates are read from the batch itself rather than from
one proof (the journal-wide ones, :mod:`.partial`, and the clock offsets,
:mod:`.skew`, are computed elsewhere):

- how often a payment made elsewhere coincides with a sale here, and the share
  of payments made elsewhere among the proofs naming no shop, per kind of proof
  (:mod:`.elsewhere`, ``result.attrs["coincidence"]``);
- the prior of absence per kind of proof (:mod:`.absence`,
  ``result.attrs["prior_absent"]``).

Both are functions of a few numbers per proof that depend on that proof alone
(its text read against the journal's merchants, its own candidates: found
none, its base rate, whether it would be matched without the merchant field).
A batch matched in parts (``receiptkit.scale.match_dask``: one ``match`` per
task) gathers those numbers from every part (:func:`batch_inputs`), puts them
in the batch's order (:meth:`BatchInputs.concat`) and estimates once
(:func:`estimate_batch`), exactly as one ``match`` over the batch does, then
gives every part the result: a :class:`BatchEstimates` given to ``match``
replaces what its proofs alone would say (unlike the ``kept`` estimates of a
learned file, which stand only where the batch says little).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from receiptkit.matching.absence import Absence, absence_estimates, absence_inputs
from receiptkit.matching.comparators import MerchantTable
from receiptkit.matching.decide import _Weighed
from receiptkit.matching.elsewhere import Coinciding, coincidence_estimates, coincidence_inputs
from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.index import JournalIndex
from receiptkit.matching.policy import MatchPolicy

__all__ = ["BatchEstimates", "BatchInputs", "batch_inputs", "estimate_batch"]

ORDER = "_order"  # a proof's position in the whole batch, in both frames of BatchInputs


@dataclass(frozen=True)
class BatchEstimates:
    """The batch's estimates, per stratum (kind of proof, ``"<kind> credit"`` for refunds)."""

    coincidence: dict[str, Coinciding]
    prior_absent: dict[str, Absence]

    def attrs(self) -> dict[str, dict[str, dict[str, float]]]:
        """What ``match`` shows of them: ``result.attrs["coincidence"]`` and ``result.attrs["prior_absent"]``."""
        return {
            "coincidence": {k: dict(v.shown) for k, v in self.coincidence.items()},
            "prior_absent": {k: dict(v.shown) for k, v in self.prior_absent.items()},
        }


@dataclass(frozen=True)
class BatchInputs:
    """The per-proof numbers of a batch or a part of it: one row per proof, in the batch's order.

    ``pairs``: how many hypotheses the part weighed (a batch with none has no coincidence estimate, as in
    ``match``). ``votes``: the votes of its lines for Latin names (:func:`~.latin.latin_votes`; they add up), and
    ``marks``, where its Latin signs say their names are (:func:`~.latin.place_marks`).
    """

    coincidence: pd.DataFrame  # elsewhere.INPUT_COLUMNS and ORDER
    absence: pd.DataFrame  # absence.INPUT_COLUMNS and ORDER
    pairs: int
    votes: list[tuple[str, str]] = field(
        default_factory=list
    )  # Latin names' votes (matching.latin), if asked
    marks: list[tuple[str, str, bool]] = field(
        default_factory=list
    )  # where its Latin signs are (matching.latin.place_marks), with the votes

    @classmethod
    def concat(cls, parts: Sequence[BatchInputs]) -> BatchInputs:
        """The inputs of a batch from those of its parts (each proof in exactly one part)."""

        def joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
            frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({ORDER: []})
            return frame.sort_values(ORDER, kind="stable").reset_index(drop=True)

        return cls(
            joined([p.coincidence for p in parts]),
            joined([p.absence for p in parts]),
            int(sum(p.pairs for p in parts)),
            [vote for p in parts for vote in p.votes],
            sorted({mark for p in parts for mark in p.marks}),
        )


def batch_inputs(
    index: JournalIndex,
    proofs: ProofArrays,
    w: _Weighed,
    table: MerchantTable,
    policy: MatchPolicy,
    numbers: tuple[np.ndarray, np.ndarray],
    order: np.ndarray,
) -> BatchInputs:
    """The per-proof numbers of these weighed proofs (``order``: their positions in the whole batch).

    ``policy`` is the one they were weighed with (learned FX rates included); ``numbers``:
    :func:`~receiptkit.matching.absence._numbers_found` of these proofs.
    """
    order = np.asarray(order, dtype=np.int64)
    if policy.coincidence_prior > 0:
        coinciding = coincidence_inputs(index, proofs, w, table, policy).assign(**{ORDER: order})
    else:  # no coincidence estimate (as in match)
        coinciding = pd.DataFrame({ORDER: np.empty(0, dtype=np.int64)})
    absent = absence_inputs(index, proofs, w, table, policy, numbers).assign(**{ORDER: order})
    return BatchInputs(coinciding, absent, len(w.proof))


def estimate_batch(inputs: BatchInputs, policy: MatchPolicy) -> BatchEstimates:
    """The batch's estimates from its inputs, as one ``match`` over the whole batch reads them."""
    coinciding: dict[str, Coinciding] = {}
    if inputs.pairs and policy.coincidence_prior > 0 and len(inputs.coincidence):
        coinciding = coincidence_estimates(inputs.coincidence, policy)
    absent: dict[str, Absence] = {}
    if len(inputs.absence) and (policy.learn_prior_absent or policy.prior_absent_by_kind):
        absent = absence_estimates(inputs.absence, policy)
    return BatchEstimates(coinciding, absent)
