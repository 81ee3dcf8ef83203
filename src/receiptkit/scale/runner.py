"""``match_dask``: the pandas matcher run per task on dask, equal to one ``match`` over everything.

Five steps, each a set of dask tasks over the partitions; only small results
come back to the driver until the last step:

1. **census**: journal-wide counts (last 4, merchants, terminals,
   currencies), rows per amount and day, the proofs' search windows and
   reference numbers;
2. **probe and votes**: journal rows sharing a reference number with a
   proof, the originals of voids/refunds, and the clock-offset votes of a
   sample of precise proofs, added up into the same offsets ``match`` would
   estimate (unless ``clock_offsets`` are given);
3. **plan** (driver, :mod:`~receiptkit.scale.plan`): proofs that could share
   a candidate go to the same task, with every journal row they can reach;
4. **estimates**: each journal partition splits its rows by task (kept in
   memory), each task weighs its proofs and returns the few numbers per proof
   the batch's estimates need (:mod:`~receiptkit.matching.batch`), estimated
   once on the driver;
5. **match**: each task runs :func:`receiptkit.match` on its proofs against
   its rows, with an index that carries the journal-wide counts and the
   global clock offsets, and the batch's estimates.

The result is a lazy dask DataFrame: one row per proof, the columns of
:func:`receiptkit.match`, indexed by the proof's position in the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import dask
import numpy as np
import pandas as pd
import pyarrow as pa
from dask import delayed

from receiptkit.matching.absence import NUMBER_COLUMNS, _numbers_found
from receiptkit.matching.batch import BatchEstimates, BatchInputs, batch_inputs, estimate_batch
from receiptkit.matching.clocks import ClockSegment, card_clock_clashes, card_clocks, clock_inputs
from receiptkit.matching.comparators import MerchantTable, aliases_from_hits
from receiptkit.matching.completeness import branch_counts
from receiptkit.matching.engine import (
    _match_valid,
    _read_batch,
    _segment_rows,
    _with_wallet_named_card_sales,
    match,
)
from receiptkit.matching.evidence import ProofArrays
from receiptkit.matching.fxlearn import fx_records, learn_fx_rate_sources
from receiptkit.matching.index import JournalIndex, card_sale_rows, last4_codes
from receiptkit.matching.latin import aliases_from_votes, latin_votes, place_marks
from receiptkit.matching.partial import JournalStats, index_with_stats, offsets_from_votes
from receiptkit.matching.payees import payee_records, with_wallet_payees
from receiptkit.matching.policy import MatchPolicy
from receiptkit.matching.skew import (
    anchor_pairs,
    card_anchor_pairs,
    clock_segments,
    far_clock_offsets,
    segments_from_anchors,
)
from receiptkit.scale import census as cs
from receiptkit.scale.plan import Plan, Routing, make_plan
from receiptkit.scale.sources import PART_SHIFT, ROW, journal_source, proof_source
from receiptkit.schema import _refuse_repeated_proof_ids as _refuse_repeated
from receiptkit.schema import _refuse_shared_txn_ids, empty_proofs, validate_proofs

__all__ = ["MatchPlan", "match_dask", "plan_dask"]

TASK = "_task"  # the task a routed row or proof belongs to
POSITION = "_position"  # a proof's position in the input


@dataclass
class MatchPlan:
    """The planned run: global quantities, the task layout, and the lazy result."""

    result: Any  # dask DataFrame
    clock_offsets: pd.DataFrame  # offset_s, votes, used per terminal (as match's attrs)
    stats: JournalStats
    plan: Plan
    n_proofs: int
    estimates: BatchEstimates  # the batch's coincidence and absence estimates, given to every task
    fx_learned: dict[
        tuple[str, str], tuple[Decimal, float, str]
    ]  # the batch's FX rates (rate, votes, source)


def _route_journal(part: pd.DataFrame, routing: Routing) -> pd.DataFrame:
    """The rows of a journal partition that tasks need, with their task (a row may go to several)."""
    if not len(part):
        return part.assign(**{TASK: np.empty(0, dtype=np.int64)})
    ts_adj = routing.ts_adj(
        cs.seconds(part["ts"]), part["terminal_id"].astype(object).to_numpy(), card_sale_rows(part)
    )
    currency = part["currency"].astype(str).to_numpy()
    amount = part["amount_minor"].to_numpy(np.int64)
    main = routing.task_of(currency, amount, ts_adj)
    rows = [np.flatnonzero(main >= 0)]
    tasks = [main[rows[0]]]
    if routing.segments:  # a row near a clock change whose piece is unclear: to the task of every place
        unsure, places = routing.unsure_places(
            cs.seconds(part["ts"]), part["terminal_id"].astype(object).to_numpy()
        )
        there = routing.task_of(currency[unsure], amount[unsure], places)
        rows.append(unsure[there >= 0])
        tasks.append(there[there >= 0])
    after_row, after_task = routing.margin_tasks(currency, amount, ts_adj)
    rows.append(after_row)
    tasks.append(after_task)
    if len(routing.windows):
        order = np.argsort(ts_adj, kind="stable")
        sorted_ts = ts_adj[order]
        a = np.searchsorted(sorted_ts, routing.windows["lo"].to_numpy(np.int64), side="left")
        b = np.searchsorted(sorted_ts, routing.windows["hi"].to_numpy(np.int64), side="right")
        for start, stop, task in zip(a, b, routing.windows["task"].to_numpy(np.int64), strict=True):
            if stop > start:
                rows.append(order[start:stop])
                tasks.append(np.full(stop - start, task, dtype=np.int64))
    if routing.originals:
        target = part["original_txn_id"].astype(object).map(routing.originals).to_numpy()
        extra = np.flatnonzero(pd.notna(target))
        rows.append(extra)
        tasks.append(target[extra].astype(np.int64))
    row = np.concatenate(rows)
    task = np.concatenate(tasks)
    pairs = pd.DataFrame({"row": row, "task": task}).drop_duplicates().sort_values(["task", "row"])
    out = part.iloc[pairs["row"].to_numpy()].reset_index(drop=True)
    out[TASK] = pairs["task"].to_numpy(np.int64)
    return out


def _route_proofs(part: pd.DataFrame, first: int, proof_task: np.ndarray) -> pd.DataFrame:
    """A proofs partition with each proof's task and global position."""
    frame = part.reset_index(drop=True)
    frame[POSITION] = np.arange(first, first + len(frame), dtype=np.int64)
    frame[TASK] = proof_task[first : first + len(frame)].astype(np.int64)
    return frame


def _match_partition(
    proofs: pd.DataFrame,
    journal: pd.DataFrame,
    shared: tuple,
    estimates: BatchEstimates,
    attrs: dict[str, Any],
) -> pd.DataFrame:
    """Run ``match`` for every task in this partition (tasks never span partitions), with the batch's estimates.

    ``attrs``: what the batch taught, as ``match`` shows it; the same in every partition, so a computed result
    keeps it.
    """
    results = [_result_meta()]
    for mine, rows in _tasks(proofs, journal):
        results.append(_match_task(mine, rows, *shared, estimates=estimates))
        del rows  # one task's copy of its rows at a time
    out = pd.concat(results) if len(results) > 1 else results[0]
    out.attrs = attrs
    return out


def _inputs_partition(
    proofs: pd.DataFrame, journal: pd.DataFrame, shared: tuple, votes: bool
) -> list[BatchInputs]:
    """The per-proof numbers of the batch's estimates (:mod:`~receiptkit.matching.batch`) of every task here,
    and (``votes``) the votes of its lines for Latin names."""
    return [_task_inputs(mine, rows, *shared, votes=votes) for mine, rows in _tasks(proofs, journal)]


def _tasks(proofs: pd.DataFrame, journal: pd.DataFrame) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Each task's proofs and journal rows in a partition of routed proofs and rows."""
    proofs, journal = proofs.reset_index(), journal.reset_index()  # the task number back as a column
    positions = journal.groupby(TASK, sort=False).indices if len(journal) else {}
    for task, mine in proofs.groupby(TASK, sort=True):
        at = positions.get(task)
        yield mine, (_task_rows(journal, at) if at is not None else None)


def _task_rows(journal: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """A task's journal rows, each once, in the journal's order: one copy of them, not three."""
    _, first = np.unique(journal[ROW].to_numpy()[at], return_index=True)
    return journal.take(at[first]).drop(columns=[ROW, TASK]).reset_index(drop=True)


#: Arrow types of the two list columns of a ``match_dask`` result, for ``to_parquet(schema=...)``.
#: dask infers a Parquet schema from the result's metadata, where a column of Python lists is plain
#: ``object`` and is taken for text; ``result.to_parquet(path, schema=RESULT_PARQUET_SCHEMA)`` writes them
#: as lists (``pandas.read_parquet`` of the folder gives the lists back).
RESULT_PARQUET_SCHEMA: dict[str, pa.DataType] = {
    "candidate_txn_ids": pa.list_(pa.string()),
    "candidate_confidences": pa.list_(pa.float64()),
}


def _result_meta() -> pd.DataFrame:
    meta = match(empty_proofs(), _empty_journal_meta())
    for column in ("candidate_txn_ids", "candidate_confidences"):
        meta[column] = meta[column].astype(object)
    meta.attrs = {}
    return meta


def _empty_journal_meta() -> pd.DataFrame:
    from receiptkit.schema import empty_journal

    return empty_journal()


def _task_index(
    proofs: pd.DataFrame,
    journal: pd.DataFrame | None,
    journal_meta: pd.DataFrame,
    stats: JournalStats,
    offsets: dict[str, int],
    segments: Mapping[str, tuple[ClockSegment, ...]] | None,
) -> tuple[pd.DataFrame, np.ndarray, JournalIndex]:
    """A task's proofs (in the input's order, validated), their positions, and the index of its rows."""
    frame = proofs.sort_values(POSITION, kind="stable")
    positions = frame[POSITION].to_numpy()
    frame = frame.drop(columns=[TASK, POSITION]).reset_index(drop=True)
    if journal is not None and len(journal):
        slice_ = journal
    else:
        slice_ = journal_meta.drop(columns=[ROW, TASK], errors="ignore").iloc[:0]
    return validate_proofs(frame), positions, index_with_stats(slice_, stats, offsets, segments)


def _match_task(
    proofs: pd.DataFrame,
    journal: pd.DataFrame | None,
    journal_meta: pd.DataFrame,
    stats: JournalStats,
    offsets: dict[str, int],
    policy: MatchPolicy,
    learned: Mapping[str, set[str]],
    completeness: Mapping[str, tuple[int, int]],
    segments: Mapping[str, tuple[ClockSegment, ...]] | None = None,
    fx_learned: Mapping[tuple[str, str], tuple[Decimal, float, str]] | None = None,
    *,
    estimates: BatchEstimates,
) -> pd.DataFrame:
    """Run ``match`` on one task's proofs against its journal rows (in the journal's order).

    ``learned``: the merchant aliases learned over the whole journal (the task's
    own proofs and rows would teach only part of them); ``completeness``: how
    complete each branch's journal is, counted over the whole batch (the same);
    ``estimates``: the batch's coincidence and absence estimates, ``fx_learned`` its FX rates (the same).
    ``segments``: the pieces of terminals whose clock jumped (each row placed by
    its logged time).
    """
    frame, positions, index = _task_index(proofs, journal, journal_meta, stats, offsets, segments)
    result = _match_valid(frame, index, policy, offsets, learned, completeness, estimates, fx_learned)
    result.index = pd.Index(positions, name=None)
    result.attrs = {}
    return result


def _task_inputs(
    proofs: pd.DataFrame,
    journal: pd.DataFrame | None,
    journal_meta: pd.DataFrame,
    stats: JournalStats,
    offsets: dict[str, int],
    policy: MatchPolicy,
    learned: Mapping[str, set[str]],
    completeness: Mapping[str, tuple[int, int]],
    segments: Mapping[str, tuple[ClockSegment, ...]] | None = None,
    fx_learned: Mapping[tuple[str, str], tuple[Decimal, float, str]] | None = None,
    *,
    votes: bool = False,
) -> BatchInputs:
    """The first half of ``match`` on one task (up to the weighing), and the numbers the estimates need.

    ``votes``: with the votes of its lines for Latin names (:func:`~receiptkit.matching.latin.latin_votes`,
    read from the same weighing: weighing is per proof, so they are the votes ``match`` counts).
    """
    frame, positions, index = _task_index(proofs, journal, journal_meta, stats, offsets, segments)
    read = _read_batch(frame, index, policy, offsets, learned, fx_learned)
    numbers = _numbers_found(index, read.arrays)
    inputs = batch_inputs(index, read.arrays, read.weighed, read.table, read.policy, numbers, positions)
    if votes:
        inputs = replace(
            inputs,
            votes=latin_votes(index, read.arrays, read.weighed, read.table, read.policy),
            marks=place_marks(read.table),
        )
    return inputs


def _shuffle_method() -> str:
    """p2p (disk-backed, for larger than memory) on a distributed cluster, else in-memory tasks."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is in the dask extra
        return "tasks"
    scheduler = dask.base.get_scheduler()
    return "p2p" if isinstance(getattr(scheduler, "__self__", None), Client) else "tasks"


def plan_dask(
    proofs: Any,
    journal: Any,
    *,
    policy: MatchPolicy | None = None,
    clock_offsets: Mapping[str, float] | pd.DataFrame | None = None,
    partition_rows: int = 2_000_000,
    min_tasks: int = 4,
    clock_segments: Mapping[str, Sequence[ClockSegment]] | None = None,
) -> MatchPlan:
    """Plan a distributed match (steps 1-3 run now); ``.result`` is the lazy dask DataFrame.

    ``clock_offsets`` as :func:`receiptkit.match` takes them (a mapping, or
    :func:`receiptkit.clock_offsets` of an earlier result: terminals whose
    clock jumped keep their pieces); ``clock_segments`` pieces beside them.
    """
    import dask.dataframe as dd

    policy = policy or MatchPolicy()
    segments: dict[str, tuple[ClockSegment, ...]] = {}
    if clock_offsets is not None or clock_segments:
        given, segments = clock_inputs(clock_offsets, clock_segments)
        clock_offsets = given if clock_offsets is not None else None
    source = journal_source(journal)
    proof_parts = proof_source(proofs).parts

    # 1. census (and which kinds of full number the journal records: matching.absence)
    census_columns = [
        *cs.CENSUS_COLUMNS,
        *(c for c in NUMBER_COLUMNS if c in source.meta.columns),
        *(c for c in ("txn_id", "txn_type", "status") if c in source.meta.columns),
    ]
    journal_census = [delayed(cs.census_journal)(source.part(i, census_columns)) for i in range(len(source))]
    (censuses,) = dask.compute(journal_census)
    _refuse_shared_txn_ids_across(
        censuses, source
    )  # rows in one task are compared by the task (validate_journal)
    stats = JournalStats.combine(c.stats for c in censuses)
    bucket_days = pd.concat([c.bucket_days for c in censuses], ignore_index=True)
    referenced = (
        frozenset(np.concatenate([c.originals for c in censuses]).tolist()) if censuses else frozenset()
    )
    currencies = sorted(stats.currencies.index)
    meta = source.meta
    proof_census = [delayed(cs.census_proofs)(p, meta, currencies, policy) for p in proof_parts]
    (pcs,) = dask.compute(proof_census)
    starts = np.concatenate([[0], np.cumsum([p.rows for p in pcs])]).astype(np.int64)
    _refuse_repeated_proof_ids(pcs, proof_parts, starts)  # each partition's own were refused by its census
    n_proofs = int(starts[-1])

    def joined(name: str) -> np.ndarray:
        arrays = [getattr(p, name) for p in pcs]
        return np.concatenate(arrays) if arrays else np.empty(0)

    keys = {field: np.concatenate([p.keys[field] for p in pcs]) for field, _ in cs.KEY_COLUMNS}
    key_sets = {
        column: frozenset(pd.Series(keys[field], dtype=object).dropna().astype(str).tolist())
        for field, column in cs.KEY_COLUMNS
    }

    # 2. probe and votes (clock sample chosen as skew.py chooses it)
    sample = _clock_sample(pcs, starts, policy) if clock_offsets is None else empty_proofs()
    probes = [
        delayed(cs.probe_journal)(source.part(i), sample, key_sets, referenced, policy)
        for i in range(len(source))
    ]
    (probed,) = dask.compute(probes)
    key_hits = pd.concat([p.key_hits for p in probed], ignore_index=True) if probed else pd.DataFrame()
    originals = pd.concat([p.originals for p in probed], ignore_index=True) if probed else pd.DataFrame()
    if clock_offsets is None:
        counts = np.sum([p.skew_counts for p in probed], axis=0) if len(sample) else np.zeros(0)
        votes = (
            []
            if not len(sample)
            else [
                delayed(cs.vote_journal)(source.part(i), sample, counts, policy) for i in range(len(source))
            ]
        )
        (vote_frames,) = dask.compute(votes)
        offsets_frame = offsets_from_votes(vote_frames, policy, stats.terminals.index)
        # far offsets and the pieces of jumped clocks, read as match reads them (on the rows they need)
        offsets_frame, learned_pieces = _learn_clocks(source, pcs, key_sets, policy, offsets_frame)
        segments = {**learned_pieces, **segments}  # pieces given beside no offsets win
        offsets = offsets_frame.loc[offsets_frame["used"], "offset_s"].astype(int).to_dict()
    else:
        offsets = {str(k): v for k, v in clock_offsets.items()}
        offsets_frame = pd.DataFrame(
            {"offset_s": pd.Series(offsets, dtype="int64"), "votes": np.nan, "used": True}
        ).rename_axis("terminal_id")
    # terminal ids as plain objects, as rk.clock_offsets(result) gives them (pandas 3 would infer str)
    offsets_frame.index = pd.Index(list(offsets_frame.index), name="terminal_id", dtype=object)

    # FX rates of foreign cards, learned once from the whole batch as match learns them (its tasks do not learn)
    fx_learned = _learn_fx(source, pcs, stats, offsets, segments, policy)
    routed_policy = policy  # the plan routes the rows a learned rate makes candidates
    if fx_learned:
        routed_policy = policy.replace(
            fx_rates={**{k: v[0] for k, v in fx_learned.items()}, **policy.fx_rates}
        )

    # merchant aliases, learned once over the whole journal as match learns them (its tasks do not learn)
    learned, count_branches, policy = _learn_aliases(source, pcs, offsets, policy, stats, meta, segments)
    if policy.card_sales_named_by_wallet != routed_policy.card_sales_named_by_wallet:
        routed_policy = routed_policy.replace(card_sales_named_by_wallet=policy.card_sales_named_by_wallet)
    if policy.wallet_payees_learned != routed_policy.wallet_payees_learned:
        routed_policy = routed_policy.replace(wallet_payees_learned=policy.wallet_payees_learned)

    # 3. plan
    plan = make_plan(
        side=joined("side"),
        currency=joined("currency"),
        amount=joined("amount"),
        lo=joined("lo"),
        hi=joined("hi"),
        rate_lo=joined("rate_lo"),
        rate_hi=joined("rate_hi"),
        keys=keys,
        key_hits=key_hits,
        originals=originals,
        bucket_days=bucket_days,
        offsets=offsets,
        policy=routed_policy,
        partition_rows=partition_rows,
        min_tasks=min_tasks,
        segments=segments,
        terminals=stats.terminals.index,
    )

    # 4. route rows and proofs to their tasks (a shuffle), then match (lazy)
    routing = delayed(plan.routing, pure=True)
    proof_task = delayed(plan.proof_task, pure=True)
    journal_meta = meta.assign(**{ROW: np.int64(0), TASK: np.int64(0)}).iloc[:0]
    proof_meta = pcs[0].meta.assign(**{POSITION: np.int64(0), TASK: np.int64(0)}).iloc[:0]
    method = _shuffle_method()
    meta_result = _result_meta()
    with dask.config.set({"dataframe.convert-string": False}):  # candidate lists stay lists
        routed_rows = dd.from_delayed(
            [delayed(_route_journal)(source.part(i), routing) for i in range(len(source))],
            meta=journal_meta,
            verify_meta=False,
        )
        routed_proofs = dd.from_delayed(
            [
                delayed(_route_proofs)(p, int(first), proof_task)
                for p, first in zip(proof_parts, starts[:-1], strict=True)
            ],
            meta=proof_meta,
            verify_meta=False,
        )
        # partition k holds task k exactly (range partitioning; hashing put several tasks in one
        # partition, the largest one's included, and left others empty)
        n_parts = max(plan.n_tasks, 1)
        divisions = [*range(n_parts), n_parts - 1]
        rows_by_task = routed_rows.set_index(TASK, divisions=divisions, shuffle_method=method)
        proofs_by_task = routed_proofs.set_index(TASK, divisions=divisions, shuffle_method=method)
        # what the batch teaches (matching.batch): each task's part, gathered and combined once, then given to
        # every task; the routed rows and proofs are kept for the passes
        rows_by_task, proofs_by_task = dask.persist(rows_by_task, proofs_by_task)
        pairs = list(zip(proofs_by_task.to_delayed(), rows_by_task.to_delayed(), strict=True))

        def first_pass(votes: bool) -> BatchInputs:
            unread: dict[str, tuple[int, int]] = {}  # the completeness: the first pass stops before it
            shared = (journal_meta, stats, offsets, policy, learned, unread, segments, fx_learned)
            (parts,) = dask.compute([delayed(_inputs_partition)(p, r, shared, votes) for p, r in pairs])
            return BatchInputs.concat([x for part in parts for x in part])

        # lines that may teach a Latin name vote in the same pass; a name learned changes every reading, and the
        # pass runs again with it (as match weighs the batch again)
        inputs = first_pass(votes=bool(sum(p.latin for p in pcs)))
        latin = aliases_from_votes(inputs.votes, policy, inputs.marks)
        if latin:
            for name, names in latin.items():
                learned.setdefault(name, set()).update(names)
            inputs = first_pass(votes=False)
        completeness = count_branches(learned)
        shared = (journal_meta, stats, offsets, policy, learned, completeness, segments, fx_learned)
        estimates = estimate_batch(inputs, policy)
        attrs = {
            **estimates.attrs(),
            "fx_rates_learned": fx_records(fx_learned),
            "merchant_aliases": {name: sorted(keys) for name, keys in sorted(learned.items())},
            "wallet_payees": payee_records(policy),
            "card_clocks": card_clocks(offsets, stats.terminals.index),
            "card_clock_clashes": card_clock_clashes(stats.terminals.index),
        }
        meta_result.attrs = attrs
        result = dd.map_partitions(
            _match_partition,
            proofs_by_task,
            rows_by_task,
            shared,
            estimates,
            attrs,
            meta=meta_result,
            align_dataframes=False,
            enforce_metadata=False,
        )
    return MatchPlan(result, offsets_frame, stats, plan, n_proofs, estimates, fx_learned)


def _learn_fx(
    source: Any,
    pcs: list[cs.ProofCensus],
    stats: JournalStats,
    offsets: Mapping[str, int],
    segments: Mapping[str, tuple[ClockSegment, ...]],
    policy: MatchPolicy,
) -> dict[tuple[str, str], tuple[Decimal, float, str]]:
    """FX rates of the whole batch, read by :func:`~receiptkit.matching.fxlearn.learn_fx_rate_sources`.

    It reads the foreign lines and the statement lines showing both amounts (gathered from every proofs
    partition, in the batch's order) and the journal rows of the card last 4 a foreign line shows (gathered
    from every journal partition, in the journal's order), with the journal's currencies and clock offsets.
    """
    frames = [p.fx for p in pcs if p.fx is not None and len(p.fx)]
    if not frames or not policy.learn_fx_rates:
        return {}
    teachers = pd.concat(frames, ignore_index=True)
    last4 = frozenset(int(c) for c in last4_codes(teachers["card_last4"]) if c >= 0)
    parts = [delayed(cs.fx_rows)(source.part(i), last4) for i in range(len(source))]
    (found,) = dask.compute(parts)
    rows = pd.concat([f for f in found if len(f)] or [found[0]], ignore_index=True)
    rows = rows.sort_values(ROW, kind="stable").drop_duplicates(ROW)  # the journal's order, each row once
    index = index_with_stats(rows.drop(columns=[ROW]).reset_index(drop=True), stats, offsets, segments)
    return learn_fx_rate_sources(index, ProofArrays.build(teachers, index, policy), policy)


def _learn_aliases(
    source: Any,
    pcs: list[cs.ProofCensus],
    offsets: Mapping[str, float],
    policy: MatchPolicy,
    stats: JournalStats,
    journal_meta: pd.DataFrame,
    segments: Mapping[str, tuple[ClockSegment, ...]] | None = None,
) -> tuple[dict[str, set[str]], Callable[[Mapping[str, set[str]]], dict[str, tuple[int, int]]], MatchPolicy]:
    """Merchant aliases of the whole journal: every partition's alias hits, combined as ``match`` combines them.

    Also how to count how complete each branch's journal is
    (:func:`~receiptkit.matching.completeness.branch_counts`) with the aliases finally learned (Latin names
    too): the proofs that teach aliases are the ones that can tell, with the same hits; and the policy with the
    merchants whose card sales those hits show under a wallet's name (as ``match`` learns them).
    """
    frames = [p.learners for p in pcs if p.learners is not None and len(p.learners)]
    if not frames:
        return {}, lambda aliases: {}, policy
    learners = pd.concat(frames, ignore_index=True)
    parts = [
        delayed(cs.learn_journal)(source.part(i), learners, offsets, policy, segments, stats.terminals.index)
        for i in range(len(source))
    ]
    (hits,) = dask.compute(parts)
    hits = pd.concat(hits, ignore_index=True) if hits else pd.DataFrame({"q": [], "r": [], "merchant": []})
    texts = learners["merchant_text"].astype(object).where(learners["merchant_text"].notna(), None).to_numpy()
    learned = aliases_from_hits(hits, texts, policy)
    policy = _with_wallet_named_card_sales(policy, hits, learners)
    policy = with_wallet_payees(policy, hits, learners)  # whom each shop's wallet payments go to
    # the learners against every merchant of the journal (the journal-wide names and shares)
    index = index_with_stats(journal_meta.drop(columns=["_row"], errors="ignore").iloc[:0], stats, offsets)
    arrays = ProofArrays.build(validate_proofs(learners), index, policy)

    def completeness(aliases: Mapping[str, set[str]]) -> dict[str, tuple[int, int]]:
        table = MerchantTable.build(index, arrays, policy, aliases)
        return branch_counts(index, arrays, table, policy, hits)

    return learned, completeness, policy


def _learn_clocks(
    source: Any,
    pcs: list[cs.ProofCensus],
    key_sets: Mapping[str, frozenset[str]],
    policy: MatchPolicy,
    offsets: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, tuple[ClockSegment, ...]]]:
    """The histogram's offsets with far offsets and clock pieces, as :func:`receiptkit.match` learns them.

    Clock learning reads the timed proofs and few rows: those a full number names, those of an amount and
    card last 4 a timed proof carries (the card anchors are rows unique in the whole journal), and, for a
    terminal whose anchors fall in pieces, all its rows. They are gathered from every partition, indexed
    once on the driver, and read by the same functions :func:`~receiptkit.matching.engine.match` calls.
    """
    frames = [p.timed for p in pcs if p.timed is not None and len(p.timed)]
    if not frames:
        return offsets, {}
    timed = pd.concat(frames, ignore_index=True)
    card = timed["card_last4"].notna().to_numpy()
    cards = pd.MultiIndex.from_arrays(
        [
            timed["amount_minor"].to_numpy(dtype=np.int64)[card],
            timed["card_last4"].astype(object).to_numpy()[card],
        ]
    ).unique()

    def gather(terminals: frozenset[str] = frozenset()) -> tuple[JournalIndex, ProofArrays]:
        parts = [
            delayed(cs.clock_rows)(source.part(i), key_sets, cards, terminals) for i in range(len(source))
        ]
        (found,) = dask.compute(parts)
        rows = pd.concat([f for f in found if len(f)] or [found[0]], ignore_index=True)
        rows = rows.sort_values(ROW, kind="stable").drop_duplicates(ROW)  # the journal's order, each row once
        index = JournalIndex(rows.drop(columns=[ROW], errors="ignore").reset_index(drop=True))
        return index, ProofArrays.build(timed, index, policy)

    index, arrays = gather()
    if not len(index):
        return offsets, {}
    anchors = anchor_pairs(index, arrays)
    far = far_clock_offsets(index, arrays, policy, anchors)
    # terminals whose anchors fall in pieces: their pieces are tested on all their rows
    q, r, k = anchors
    cq, cr, ck = card_anchor_pairs(index, arrays, skip=q)
    q, r, k = np.concatenate([q, cq]), np.concatenate([r, cr]), np.concatenate([k, ck])
    segments: dict[str, tuple[ClockSegment, ...]] = {}
    if len(q):
        true = arrays.core_lo[q]
        names = index.terminals[index.terminal_code[r]].astype(str)
        found = segments_from_anchors(names, index.ts_s[r] - true, true, policy, kinds=k)
        if found:
            index, arrays = gather(frozenset(found))
            segments = clock_segments(index, arrays, policy, anchor_pairs(index, arrays))
    if len(far):
        offsets = pd.concat([offsets[~offsets.index.isin(far.index[far["used"]])], far[far["used"]]])
        offsets = offsets[~offsets.index.duplicated(keep="last")].sort_index()
    if segments:
        offsets = pd.concat([offsets[~offsets.index.isin(list(segments))], _segment_rows(segments)])
        offsets = offsets.sort_index()
    return offsets, segments


def _clock_sample(pcs: list[cs.ProofCensus], starts: np.ndarray, policy: MatchPolicy) -> pd.DataFrame:
    """The proofs that vote on clock offsets: the skew_sample smallest proof_id hashes (ties by position)."""
    frames = [p.sample for p in pcs if len(p.sample)]
    if not frames:
        return empty_proofs()
    hashes = np.concatenate([p.sample_hash for p in pcs])
    positions = np.concatenate([p.sample_position + first for p, first in zip(pcs, starts[:-1], strict=True)])
    order = np.lexsort((positions, hashes))[: policy.skew_sample]
    chosen = np.sort(positions[order])
    rows = pd.concat(frames, ignore_index=True)
    by_position = pd.Series(np.arange(len(rows)), index=positions)
    return rows.iloc[by_position.loc[chosen].to_numpy()].reset_index(drop=True)


def _refuse_repeated_proof_ids(pcs: list[cs.ProofCensus], parts: list[Any], starts: np.ndarray) -> None:
    """A ``proof_id`` in two partitions: the :class:`SchemaError` :func:`receiptkit.validate_proofs` gives one
    frame, rows counted in the whole batch. The partitions are read again only when two ids hash alike."""
    hashes = np.concatenate([p.id_hash for p in pcs if p.id_hash is not None]) if pcs else np.empty(0)
    values, counts = np.unique(hashes, return_counts=True)
    twice = values[counts > 1]
    if not len(twice):
        return
    (found,) = dask.compute([delayed(cs.proofs_with_hash)(part, twice) for part in parts])
    for k, frame in enumerate(found):
        frame["position"] = frame["position"] + int(starts[k])
    rows = pd.concat(found, ignore_index=True)
    _refuse_repeated(rows.drop(columns="position"), rows=rows["position"].to_numpy() + 1)


def _refuse_shared_txn_ids_across(censuses: list[cs.JournalCensus], source: Any) -> None:
    """Two different transactions under one ``txn_id`` anywhere in the journal, whatever partition or task each
    falls in: the :class:`SchemaError` :func:`receiptkit.validate_journal` gives one frame, rows counted in the
    whole journal (in the input's order). From the census, an id whose rows hash to two different contents; the
    partitions are read again (every column) only for those ids, and :func:`validate_journal`'s own rule
    decides (rows equal in every column are one transaction logged twice)."""
    held = [c for c in censuses if c.id_hash is not None and c.content_hash is not None]
    if not held:
        return
    ids = np.concatenate([c.id_hash for c in held if c.id_hash is not None])
    content = np.concatenate([c.content_hash for c in held if c.content_hash is not None])
    pairs = np.unique(np.stack([ids, content]), axis=1)  # each (id, content) once
    values, counts = np.unique(pairs[0], return_counts=True)
    suspects = values[counts > 1]
    if not len(suspects):
        return
    (found,) = dask.compute(
        [delayed(cs.journal_with_hash)(source.part(i), suspects) for i in range(len(source))]
    )
    rows = pd.concat([f for f in found if len(f)], ignore_index=True) if any(len(f) for f in found) else None
    if rows is None:
        return
    sizes = [c.origin_counts for c in censuses if c.origin_counts is not None]
    width = max((len(x) for x in sizes), default=0)
    per_origin = np.zeros(width, dtype=np.int64)
    for x in sizes:
        per_origin[: len(x)] += x
    before = np.concatenate([[0], np.cumsum(per_origin)])
    code = rows[ROW].to_numpy(dtype=np.int64)
    numbers = before[code >> PART_SHIFT] + (code & ((1 << PART_SHIFT) - 1)) + 1
    order = np.argsort(numbers, kind="stable")
    _refuse_shared_txn_ids(rows.iloc[order].drop(columns=ROW).reset_index(drop=True), numbers[order])


def match_dask(
    proofs: Any,
    journal: Any,
    *,
    policy: MatchPolicy | None = None,
    clock_offsets: Mapping[str, float] | pd.DataFrame | None = None,
    partition_rows: int = 2_000_000,
    clock_segments: Mapping[str, Sequence[ClockSegment]] | None = None,
):
    """Match proofs to a journal on dask; the verdicts of :func:`receiptkit.match` over the whole batch.

    The estimates one ``match`` reads from the whole batch (payments made elsewhere
    and their coinciding rate, the prior of absence per kind of proof) are
    computed once from every task's proofs and given to every task
    (:mod:`receiptkit.matching.batch`, docs/scale.md); the computed result's
    ``attrs`` show them as ``match``'s do; so are the FX rates and the English
    trading names learned from foreign cards' lines.

    ``journal`` is a folder of date-partitioned Parquet files
    (:func:`write_journal_parquet`), a dask DataFrame or a pandas DataFrame;
    ``proofs`` a Parquet path, a dask or a pandas DataFrame. Runs on the
    current dask scheduler (threads by default, or the ``distributed.Client``
    in use). The planning steps run at once; the returned dask DataFrame is
    lazy: one row per proof with the columns of :func:`receiptkit.match`,
    indexed by the proof's position in ``proofs`` (``.compute().sort_index()``
    gives ``match``'s row order). :func:`plan_dask` returns the clock offsets
    used and the task layout with the same lazy result. ``partition_rows`` is about how many journal rows one task
    matches at a time.
    """
    planned = plan_dask(
        proofs,
        journal,
        policy=policy,
        clock_offsets=clock_offsets,
        partition_rows=partition_rows,
        clock_segments=clock_segments,
    )
    return planned.result
