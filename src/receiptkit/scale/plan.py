"""Which proofs and which journal rows go to which task, so that every task is self-contained.

The matcher couples two proofs only through a transaction that is a
candidate of both (the one-to-one assignment and the peeling that follows
it); everything else it computes for a proof comes from the transactions in
that proof's own window, plus the journal-wide counts that are computed
first. So the plan groups proofs that *could* share a candidate and sends
each group, whole, to one task, with every journal row its proofs can reach:

1. **Buckets**: a candidate has the proof's currency and amount (exact
   route), an amount within the FX tolerance in another currency (FX route),
   or shares a wallet number, order number or RRN (key route). Each proof
   links its own (currency, amount) bucket to the buckets of its FX range and
   of its key hits; connected buckets form a group.
2. **Segments**: within a group, proofs whose time spans (their search
   window, widened to their key hits) do not overlap cannot share a
   candidate; a sweep cuts the group where no span crosses.
3. **Tasks**: segments are packed into tasks of about ``partition_rows``
   journal rows. A journal row goes to the task of the segment holding its
   (bucket, corrected time); rows outside every segment are read by no proof.
4. **Extras**: the rows of a whole window (any amount) for proofs whose key
   hits have another amount (the matcher counts the window for their base
   rate), and voids/refunds whose original went to another task (flags).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from decimal import Decimal

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from receiptkit.matching.clocks import ClockSegment, card_clocks, place_rows
from receiptkit.matching.index import _RETRY_S
from receiptkit.matching.policy import MatchPolicy
from receiptkit.money import exponent

__all__ = ["Plan", "Routing", "make_plan"]

_AMOUNT_BITS = np.int64(45)
_AMOUNT_OFFSET = np.int64(1) << np.int64(44)
_TIME_SPAN = np.int64(1) << np.int64(36)  # seconds; group * span + time keeps groups apart
_DAY_SPAN = np.int64(1) << np.int64(24)
RETRY_MARGIN_S = max(int(_RETRY_S), 600)  # the matcher's "declined, then paid" window
PROOF_COST = 20  # a proof costs about as much as this many journal rows


def bucket_keys(currencies: np.ndarray, currency: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """One int64 per (currency, amount); ``currencies`` sorted."""
    names = np.asarray(currency, dtype=object).astype(str)
    code = np.searchsorted(currencies, names).astype(np.int64)
    known = (code < len(currencies)) & (currencies[np.minimum(code, max(len(currencies) - 1, 0))] == names)
    keys = (code << _AMOUNT_BITS) + np.asarray(amount, dtype=np.int64) + _AMOUNT_OFFSET
    return np.where(known, keys, -1)


@dataclass
class Routing:
    """What a journal partition needs to send its rows to tasks (small; shipped to every worker)."""

    currencies: np.ndarray
    bucket: np.ndarray  # sorted bucket keys
    group: np.ndarray  # group of each bucket
    seg_key: np.ndarray  # sorted: group * span + (start - t0)
    seg_group: np.ndarray
    seg_end: np.ndarray
    seg_task: np.ndarray
    seg_end_key: np.ndarray  # sorted: group * span + (end - t0)
    t0: int
    offsets: dict[str, int]
    windows: pd.DataFrame  # lo, hi, task: whole windows (any amount) a task needs
    originals: dict[str, int]  # original txn_id -> task of the original

    margin: int = RETRY_MARGIN_S
    segments: dict[str, tuple[ClockSegment, ...]] = _field(default_factory=dict)  # pieces win over offsets
    # terminal -> its card sales' offset: the keys of ``offsets`` that name one in this journal (clocks.card_clocks)
    cards: dict[str, int] = _field(default_factory=dict)

    def ts_adj(self, ts_s: np.ndarray, terminal: np.ndarray, card: np.ndarray | None = None) -> np.ndarray:
        """Corrected terminal time (UTC seconds) as the matcher sees it (a jumped clock row by row).

        ``card``: which rows are card sales, corrected by their terminal's card clock where it has one
        (``cards``, read against every terminal of the journal: :func:`~receiptkit.matching.clocks.card_clocks`).
        """
        if not self.offsets and not self.segments:
            return ts_s
        terminals = pd.Series(terminal, dtype=object)
        shift = terminals.map(self.offsets).fillna(0).to_numpy(dtype=float)
        if card is not None and self.cards:  # by terminal: no key built per row
            own = terminals.map(self.cards).to_numpy(dtype=float)
            shift = np.where(np.asarray(card, dtype=bool) & ~np.isnan(own), own, shift)
        out = ts_s - np.rint(shift).astype(np.int64)
        for name, pieces in self.segments.items():
            mine = np.flatnonzero(np.asarray(terminal, dtype=object) == name)
            if len(mine):
                offset, _, _, _ = place_rows(ts_s[mine], pieces)
                out[mine] = ts_s[mine] - offset
        return out

    def unsure_places(self, ts_s: np.ndarray, terminal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows near a clock change whose piece is unclear: (row, corrected time) for each possible place.

        The matcher keeps proofs near any of them from a match (:func:`~receiptkit.matching.clocks.clock_doubt`),
        so the row goes to the task of every place.
        """
        rows, times = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
        for name, pieces in self.segments.items():
            mine = np.flatnonzero(np.asarray(terminal, dtype=object) == name)
            if len(mine):
                _, _, where, alt = place_rows(ts_s[mine], pieces)
                rows.append(mine[where])
                times.append(ts_s[mine][where] - alt)
        return np.concatenate(rows), np.concatenate(times)

    def task_of(self, currency: np.ndarray, amount: np.ndarray, ts_adj: np.ndarray) -> np.ndarray:
        """The task each (currency, amount, corrected time) row belongs to, -1 if none."""
        out = np.full(len(ts_adj), -1, dtype=np.int64)
        if not len(self.bucket) or not len(self.seg_key):
            return out
        keys = bucket_keys(self.currencies, currency, amount)
        at = np.minimum(np.searchsorted(self.bucket, keys), len(self.bucket) - 1)
        group = self.group[at]
        seg = np.searchsorted(self.seg_key, group * _TIME_SPAN + (ts_adj - self.t0), side="right") - 1
        seg_c = np.maximum(seg, 0)
        ok = (
            (self.bucket[at] == keys)
            & (seg >= 0)
            & (self.seg_group[seg_c] == group)
            & (ts_adj <= self.seg_end[seg_c])
        )
        out[ok] = self.seg_task[seg_c[ok]]
        return out

    def margin_tasks(
        self, currency: np.ndarray, amount: np.ndarray, ts_adj: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row, task) for rows just after a segment of their group ends (within ``margin``).

        A declined attempt near a segment's end is "retried" when the same card
        paid within minutes after it: the segment's task needs those rows too.
        """
        e = np.empty(0, dtype=np.int64)
        if not len(self.bucket) or not len(self.seg_key):
            return e, e.copy()
        keys = bucket_keys(self.currencies, currency, amount)
        at = np.minimum(np.searchsorted(self.bucket, keys), len(self.bucket) - 1)
        known = self.bucket[at] == keys
        group = np.where(known, self.group[at], -1)
        base = group * _TIME_SPAN - self.t0
        a = np.searchsorted(self.seg_end_key, base + ts_adj - self.margin, side="left")
        b = np.searchsorted(self.seg_end_key, base + ts_adj - 1, side="right")
        b = np.where(known, np.maximum(a, b), a)
        counts = b - a
        row = np.repeat(np.arange(len(ts_adj)), counts)
        seg = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(a, counts)
        return row.astype(np.int64), self.seg_task[seg]


@dataclass
class Plan:
    """Tasks of a distributed match: which task each proof goes to, and how rows are routed."""

    proof_task: np.ndarray  # per proof (global position)
    n_tasks: int
    routing: Routing
    task_cost: np.ndarray
    n_groups: int
    n_segments: int


def _fx_edges(
    proof_bucket: np.ndarray,
    currency: np.ndarray,
    amount: np.ndarray,
    journal_buckets: pd.DataFrame,
    currencies: np.ndarray,
    policy: MatchPolicy,
) -> tuple[np.ndarray, np.ndarray]:
    """(proof, journal bucket) for every journal amount an FX bank line can reach (a superset)."""
    owners, targets = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    tol, fee = float(policy.fx_tolerance), float(policy.fx_fee_max)
    for (journal_cur, proof_cur), rate in policy.fx_rates.items():
        mask = np.flatnonzero(currency == proof_cur)
        amounts = np.sort(
            journal_buckets.loc[journal_buckets["currency"] == journal_cur, "amount_minor"].unique()
        )
        if not len(mask) or not len(amounts):
            continue
        scale = float(Decimal(rate)) * 10.0 ** (exponent(proof_cur) - exponent(journal_cur))
        low = np.floor(amount[mask] / (scale * (1 + tol) * (1 + fee))) - 1
        high = np.ceil(amount[mask] / (scale * (1 - tol))) + 1
        a = np.searchsorted(amounts, low, side="left")
        b = np.searchsorted(amounts, high, side="right")
        counts = b - a
        owner = np.repeat(mask, counts)
        position = (
            np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(a, counts)
        )
        keys = bucket_keys(currencies, np.full(len(owner), journal_cur, dtype=object), amounts[position])
        owners.append(owner)
        targets.append(keys)
    return np.concatenate(owners), np.concatenate(targets)


def _key_matches(
    keys: Mapping[str, np.ndarray], side: np.ndarray, hits: pd.DataFrame, routing_offsets: Routing
) -> pd.DataFrame:
    """(proof, hit) for journal rows sharing a full reference number with a proof, on its side."""
    from receiptkit.scale.census import KEY_COLUMNS

    frames = []
    for field, column in KEY_COLUMNS:
        values = pd.Series(keys[field], dtype=object)
        present = values.notna().to_numpy()
        if present.any():
            frames.append(
                pd.DataFrame(
                    {
                        "proof": np.flatnonzero(present),
                        "column": column,
                        "value": values[present].astype(str).to_numpy(),
                    }
                )
            )
    if not frames or not len(hits):
        return pd.DataFrame(
            {"proof": np.empty(0, np.int64), "currency": [], "amount_minor": [], "ts_adj": []}
        )
    wanted = pd.concat(frames, ignore_index=True)
    hits = hits.assign(value=hits["value"].astype(str), column=hits["column"].astype(str))
    joined = wanted.merge(hits, on=["column", "value"], how="inner")
    joined = joined[joined["side"].to_numpy() == side[joined["proof"].to_numpy()]]
    joined = joined.assign(
        ts_adj=routing_offsets.ts_adj(
            joined["ts_s"].to_numpy(dtype=np.int64),
            joined["terminal_id"].to_numpy(),
            joined["card"].to_numpy(dtype=bool) if "card" in joined.columns else None,
        )
    )
    return joined[["proof", "currency", "amount_minor", "ts_adj"]].reset_index(drop=True)


def _same_number(keys: Mapping[str, np.ndarray], side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(proof, the first proof showing its number) for payment proofs whose whole wallet number another payment
    proof shows too (:func:`receiptkit.matching.guards.numbers_shown_twice`)."""
    from receiptkit.matching.evidence import whole_ids

    e = np.empty(0, dtype=np.int64)
    if "wallet" not in keys or not len(side):
        return e, e.copy()
    whole = whole_ids(np.asarray(keys["wallet"], dtype=object))
    shown = np.flatnonzero(pd.notna(whole) & (np.asarray(side) == 0))
    if len(shown) < 2:
        return e, e.copy()
    numbers = pd.Series(whole[shown], dtype=object)
    twice = numbers.duplicated(keep=False).to_numpy()
    if not twice.any():
        return e, e.copy()
    proof = shown[twice].astype(np.int64)
    first = pd.Series(proof).groupby(numbers[twice].to_numpy()).transform("min").to_numpy(dtype=np.int64)
    return proof, first


def make_plan(
    *,
    side: np.ndarray,
    currency: np.ndarray,
    amount: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    rate_lo: np.ndarray,
    rate_hi: np.ndarray,
    keys: Mapping[str, np.ndarray],
    key_hits: pd.DataFrame,
    originals: pd.DataFrame,
    bucket_days: pd.DataFrame,
    offsets: Mapping[str, int],
    policy: MatchPolicy,
    segments: Mapping[str, tuple[ClockSegment, ...]] | None = None,
    partition_rows: int,
    min_tasks: int,
    terminals: Iterable[object] = (),
) -> Plan:
    """Group the proofs, cut the groups in time, pack them into tasks, and say how rows are routed.

    ``terminals``: every terminal id of the journal, which tells the keys of ``offsets`` that are a
    terminal's card sales' clock (:func:`~receiptkit.matching.clocks.card_clocks`).
    """
    n = len(side)
    currency = np.asarray(currency, dtype=object).astype(str)
    journal_buckets = bucket_days.groupby(["currency", "amount_minor"], as_index=False)["rows"].sum()
    currencies = np.array(sorted(set(journal_buckets["currency"].astype(str)) | set(currency)), dtype=object)
    offsets = {str(k): int(v) for k, v in offsets.items()}
    pieces = {str(k): tuple(v) for k, v in (segments or {}).items() if len(v)}
    cards = {owner: offsets[key] for key, owner in card_clocks(offsets, terminals).items()}
    probe = Routing(
        currencies,
        *(np.empty(0, np.int64),) * 7,
        0,
        offsets,
        pd.DataFrame(),
        {},
        segments=pieces,
        cards=cards,
    )  # type: ignore[arg-type]

    # 1. buckets linked by FX ranges and key hits
    proof_bucket = bucket_keys(currencies, currency, amount)
    journal_keys = bucket_keys(
        currencies, journal_buckets["currency"].to_numpy(), journal_buckets["amount_minor"].to_numpy()
    )
    fx_owner, fx_bucket = _fx_edges(proof_bucket, currency, amount, journal_buckets, currencies, policy)
    matches = _key_matches(keys, side, key_hits, probe)
    match_bucket = bucket_keys(currencies, matches["currency"].to_numpy(), matches["amount_minor"].to_numpy())
    nodes = np.unique(np.concatenate([journal_keys, proof_bucket, fx_bucket, match_bucket]))
    # payment proofs showing one whole wallet number are one payment, read together (matching.guards: none is
    # matched unless the journal's sale of the number vouches for one): one task must hold them all
    twin, twin_first = _same_number(keys, side)
    src = np.searchsorted(
        nodes,
        np.concatenate(
            [proof_bucket[fx_owner], proof_bucket[matches["proof"].to_numpy()], proof_bucket[twin]]
        ),
    )
    dst = np.searchsorted(nodes, np.concatenate([fx_bucket, match_bucket, proof_bucket[twin_first]]))
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(len(nodes), len(nodes)))
    n_groups, node_group = connected_components(graph, directed=False)
    group = node_group[np.searchsorted(nodes, proof_bucket)].astype(np.int64)

    # 2. spans (window widened to where its base rate is counted, and to key hits), cut where no span crosses
    span_lo = np.minimum(lo, rate_lo).astype(np.int64)
    span_hi = np.maximum(hi, rate_hi).astype(np.int64)
    if len(matches):
        owner = matches["proof"].to_numpy()
        ts = matches["ts_adj"].to_numpy(dtype=np.int64)
        np.minimum.at(span_lo, owner, ts)
        np.maximum.at(span_hi, owner, ts)
    if len(twin):  # each spans them all, so that no cut falls between them
        low = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        high = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        np.minimum.at(low, twin_first, span_lo[twin])
        np.maximum.at(high, twin_first, span_hi[twin])
        span_lo[twin] = low[twin_first]
        span_hi[twin] = high[twin_first]
    order = np.lexsort((span_lo, group))
    g_sorted, lo_sorted, hi_sorted = group[order], span_lo[order], span_hi[order]
    frame = pd.DataFrame({"g": g_sorted, "hi": hi_sorted})
    reach = frame.groupby("g")["hi"].cummax().to_numpy()
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = (g_sorted[1:] != g_sorted[:-1]) | (lo_sorted[1:] > reach[:-1])
    seg_sorted = np.cumsum(new) - 1
    proof_seg = np.empty(n, dtype=np.int64)
    proof_seg[order] = seg_sorted
    n_segments = int(seg_sorted[-1] + 1) if n else 0
    seg = (
        pd.DataFrame({"seg": seg_sorted, "g": g_sorted, "lo": lo_sorted, "hi": hi_sorted})
        .groupby("seg")
        .agg(g=("g", "first"), lo=("lo", "min"), hi=("hi", "max"), proofs=("g", "size"))
    )

    # 3. cost of each segment (journal rows of its buckets in its days) and packing into tasks
    day_bucket = bucket_keys(
        currencies, bucket_days["currency"].to_numpy(), bucket_days["amount_minor"].to_numpy()
    )
    days = bucket_days.assign(g=node_group[np.searchsorted(nodes, day_bucket)])
    per_day = days.groupby(["g", "day"], as_index=False)["rows"].sum()
    day0 = int(per_day["day"].min()) - 2 if len(per_day) else 0
    day_key = per_day["g"].to_numpy(np.int64) * _DAY_SPAN + (per_day["day"].to_numpy(np.int64) - day0)
    cumulative = np.concatenate([[0], np.cumsum(per_day["rows"].to_numpy(np.int64))])
    seg_g = seg["g"].to_numpy(np.int64)
    first = seg_g * _DAY_SPAN + (seg["lo"].to_numpy(np.int64) // 86400 - 1 - day0)
    last = seg_g * _DAY_SPAN + (seg["hi"].to_numpy(np.int64) // 86400 + 1 - day0)
    rows = (
        cumulative[np.searchsorted(day_key, last, side="right")]
        - cumulative[np.searchsorted(day_key, first, side="left")]
    )
    cost = rows + PROOF_COST * seg["proofs"].to_numpy(np.int64)
    capacity = max(1, min(int(partition_rows), int(cost.sum() // max(min_tasks, 1)) + 1))
    seg_task = np.zeros(len(seg), dtype=np.int64)
    task_cost: list[int] = []
    for s in np.argsort(-cost, kind="stable"):
        if not task_cost or (task_cost[-1] + cost[s] > capacity and task_cost[-1] > 0):
            task_cost.append(0)
        seg_task[s] = len(task_cost) - 1
        task_cost[-1] += int(cost[s])
    proof_task = seg_task[proof_seg] if n else np.empty(0, dtype=np.int64)

    # 4. routing: segments by (group, start); whole windows; originals' tasks
    t0 = int(seg["lo"].min()) - 1 if len(seg) else 0
    seg_key = seg_g * _TIME_SPAN + (seg["lo"].to_numpy(np.int64) - t0)
    by_key = np.argsort(seg_key, kind="stable")
    bucket_order = np.argsort(nodes)
    routing = Routing(
        currencies=currencies,
        bucket=nodes[bucket_order],
        group=node_group[bucket_order].astype(np.int64),
        seg_key=seg_key[by_key],
        seg_group=seg_g[by_key],
        seg_end=seg["hi"].to_numpy(np.int64)[by_key],
        seg_task=seg_task[by_key],
        seg_end_key=(seg_g * _TIME_SPAN + (seg["hi"].to_numpy(np.int64) - t0))[by_key],
        t0=t0,
        offsets=offsets,
        windows=pd.DataFrame(columns=["lo", "hi", "task"]),
        originals={},
        segments=pieces,
        cards=cards,
    )
    if len(matches):
        owner = matches["proof"].to_numpy()
        other = bucket_keys(currencies, matches["currency"].to_numpy(), matches["amount_minor"].to_numpy())
        covered = other == proof_bucket[owner]
        if len(fx_owner):  # a hit within the proof's FX range is an FX candidate: no window count needed
            pair = pd.DataFrame({"proof": fx_owner, "bucket": fx_bucket}).drop_duplicates()
            hit = pd.DataFrame({"proof": owner, "bucket": other, "k": np.arange(len(owner))})
            covered[hit.merge(pair, on=["proof", "bucket"])["k"].to_numpy()] = True
        flagged = np.unique(owner[~covered])
        routing.windows = pd.DataFrame(
            {"lo": lo[flagged], "hi": hi[flagged], "task": proof_task[flagged]}
        ).sort_values("lo")
    if len(originals):
        ts_adj = routing.ts_adj(
            originals["ts_s"].to_numpy(np.int64),
            originals["terminal_id"].to_numpy(),
            originals["card"].to_numpy(dtype=bool) if "card" in originals.columns else None,
        )
        task = routing.task_of(originals["currency"].to_numpy(), originals["amount_minor"].to_numpy(), ts_adj)
        keep = task >= 0
        routing.originals = dict(
            zip(originals["txn_id"].to_numpy()[keep].tolist(), task[keep].tolist(), strict=True)
        )
    return Plan(
        proof_task, len(task_cost), routing, np.array(task_cost, dtype=np.int64), int(n_groups), n_segments
    )
